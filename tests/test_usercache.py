"""The user cache (usercache.py): the template's words in Traditional script are
converted once, so a process that only renders never loads OpenCC's dictionaries
(~45 MB each); a damaged entry is computed again."""

from __future__ import annotations

import os
import subprocess
import sys

SCRIPT = """
import sys
from docpipe.writers import RenderOptions, labels_for
print(labels_for(sys.argv[1], RenderOptions()).editor_note, "opencc" in sys.modules)
"""


def _labels(cache, variant: str) -> str:
    return subprocess.run([sys.executable, "-c", SCRIPT, variant], capture_output=True,
                          text=True, check=True,
                          env={**os.environ, "XDG_CACHE_HOME": str(cache)}).stdout.split()


def test_labels_are_converted_once_then_read_without_opencc(tmp_path):
    assert _labels(tmp_path, "tw") == ["編者按", "True"]  # first: OpenCC converts
    assert _labels(tmp_path, "tw") == ["編者按", "False"]  # then: read back
    assert _labels(tmp_path, "hans") == ["编者按", "False"]
    entries = list((tmp_path / "docpipe").glob("labels-*.json"))
    assert len(entries) == 1
    entries[0].write_text('{"editor_note": 1}', encoding="utf-8")  # damaged
    assert _labels(tmp_path, "tw") == ["編者按", "True"]
    assert _labels(tmp_path, "tw") == ["編者按", "False"]


def test_a_read_only_cache_only_costs_the_conversion(tmp_path):
    (tmp_path / "docpipe").write_text("not a folder", encoding="utf-8")
    assert _labels(tmp_path, "hk") == ["編者按", "True"]
    assert _labels(tmp_path, "hk") == ["編者按", "True"]
