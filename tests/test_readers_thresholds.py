"""The classifier's numbers are data (rules/generic.toml [thresholds]), each with a
comment saying what it measures, each read by the code; and the facts the readers share
are defined once."""

from __future__ import annotations

import dataclasses
import re
import tomllib
from pathlib import Path

import pytest

import docpipe
from docpipe.errors import UsageError
from docpipe.profiles import RULES_DIR, Thresholds, thresholds
from docpipe.readers.lines import is_prose
from docpipe.transforms.sentences import CLOSERS, ENDS, FULL_STOPS, split

SRC = Path(docpipe.__file__).parent
TABLE = tomllib.loads((RULES_DIR / "generic.toml").read_text(encoding="utf-8"))["thresholds"]


def test_every_threshold_is_read_by_the_code():
    code = "\n".join(p.read_text(encoding="utf-8") for p in SRC.rglob("*.py"))
    unread = [f.name for f in dataclasses.fields(Thresholds)
              if not re.search(rf"\.{f.name}\b", code)]
    assert unread == []


def test_every_threshold_has_a_comment_above_it():
    text = (RULES_DIR / "generic.toml").read_text(encoding="utf-8").split("[thresholds]")[1]
    lines = [x.strip() for x in text.split("\n")]
    key = re.compile(r"^([a-z0-9_]+) = ")
    for i, line in enumerate(lines):
        if m := key.match(line):
            j = i - 1
            while j >= 0 and key.match(lines[j]):  # a group of numbers under one comment
                j -= 1
            assert lines[j].startswith("#") and lines[j] != "#", m[1]


def test_the_table_loads_with_each_kind_of_number():
    t = thresholds()
    assert t == Thresholds.from_table(TABLE, "generic.toml")
    assert isinstance(t.goes_on_chars, int) and isinstance(t.date_text_share, float)


@pytest.mark.parametrize(("change", "says"), [
    ({"goes_on_chars": None}, "missing: goes_on_chars"),
    ({"goes_on_charz": 80}, "unknown or missing: goes_on_charz"),
    ({"goes_on_chars": 80.5}, "goes_on_chars must be a int"),
    ({"goes_on_chars": True}, "goes_on_chars must be a int"),
    ({"date_text_share": "0.7"}, "date_text_share must be a float"),
])
def test_a_wrong_table_is_refused(change, says):
    raw = {k: v for k, v in {**TABLE, **change}.items() if v is not None}
    with pytest.raises(UsageError, match=re.escape(says)):
        Thresholds.from_table(raw, "generic.toml")


def test_the_classifier_obeys_the_number_in_the_table():
    n = thresholds().prose_one_comma  # one comma and at least this long: sentence text
    line = "甲" * (n // 2) + "，" + "乙" * (n - n // 2 - 1)
    assert len(line) == n and is_prose(line)
    assert not is_prose(line[1:])


def test_sentence_ends_are_one_fact():
    assert set(FULL_STOPS) < set(ENDS)
    assert split("甲。乙！丙？丁；戊…己") == ["甲。", "乙！", "丙？", "丁；", "戊…", "己"]
    assert split("他说：“好。”走吧") == ["他说：“好。”", "走吧"]
    assert all(c in CLOSERS for c in "”’」』）)】》")
    # No other module spells out its own list of sentence-end marks.
    spelled = [str(p.relative_to(SRC)) for p in SRC.rglob("*.py")
               if p.name != "sentences.py" and "。！？" in p.read_text(encoding="utf-8")]
    assert spelled == []
