"""Keywords with docpipe's trimmed jieba dictionary: meaningful, and close to jieba's own."""

from __future__ import annotations

import gzip
import subprocess
import sys

import pytest

from conftest import REFERENCE
from docpipe.transforms import keywords as kw


@pytest.fixture(scope="module")
def reference_text() -> str:
    from docpipe.pipeline import Settings, read_bytes
    from docpipe.readers import read

    return read(read_bytes(str(REFERENCE)), str(REFERENCE), Settings().read).kept_text()


def test_reference_keywords_meaningful(reference_text):
    words = [w for w, _ in kw.keywords(reference_text, 8)]
    assert 5 <= len(words) <= 8
    assert {"志愿服务", "国际"} <= set(words)  # 志愿 + 服务 kept whole (issue 22)
    assert all(len(w) > 1 and not w.isdigit() for w in words)


def test_weights_descending_and_top_respected(reference_text):
    pairs = kw.keywords(reference_text, 5)
    assert len(pairs) == 5
    weights = [w for _, w in pairs]
    assert weights == sorted(weights, reverse=True)


def test_close_to_jieba_tfidf(reference_text):
    """At least 6 of jieba's own top 8 (full dictionary) are among docpipe's 8, or part
    of one of docpipe's terms (志愿 and 服务 of 志愿服务)."""
    import jieba.analyse

    theirs = [w for w in jieba.analyse.TFIDF().extract_tags(reference_text, topK=24)
              if len(w) > 1 and not w.isdigit()][:8]
    ours = [w for w, _ in kw.keywords(reference_text, 8)]
    covered = [w for w in theirs if any(w in term for term in ours)]
    assert len(covered) >= 6, (theirs, ours)


def test_no_text_no_keywords():
    assert kw.keywords("") == []
    assert kw.keywords("  \n ") == []
    assert kw.keywords("2024 2025 abc") == []


def test_cache_is_used_and_optional(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    first = kw._load_tables()
    cached = list((tmp_path / "cache" / "docpipe").glob("keywords-*.marshal"))
    assert len(cached) == 1
    assert kw._load_tables() == first  # now from the cache
    monkeypatch.setenv("XDG_CACHE_HOME", "/proc/no-such-dir")  # unwritable: still works
    assert kw._load_tables() == first


def test_shipped_dictionary_is_the_documented_trim(tmp_path):
    """data/jieba_small.txt.gz is exactly what build_dictionary makes from jieba's files."""
    target = tmp_path / "small.txt.gz"
    kw.build_dictionary(target)
    assert gzip.decompress(target.read_bytes()) == gzip.decompress(kw.DATA.read_bytes())


def test_jieba_imports_without_pkg_resources():
    """The import hook's adapter: jieba imports under it and finds no pkg_resources, and its
    default dictionary is still found by path (what its fallback does)."""
    code = ("import sys; from docpipe.transforms.keywords import import_jieba; j = import_jieba();"
            " assert 'pkg_resources' not in sys.modules, 'pkg_resources imported';"
            " j.get_dict_file().close(); print(len(j.Tokenizer().FREQ) == 0)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "True"


def test_tokenizer_adapter_segments_with_the_given_dictionary():
    """jieba_tokenizer's Tokenizer uses the words it is given and loads nothing else: if jieba
    changes where it keeps its dictionary, this fails."""
    from docpipe.transforms.keywords import jieba_tokenizer

    freq = {"志愿": 50, "志": 1, "愿": 1, "服务队": 50, "服": 1, "服务": 0, "务": 1, "队": 1}
    tokenizer = jieba_tokenizer(freq, sum(freq.values()))
    assert tokenizer.lcut("志愿服务队", HMM=False) == ["志愿", "服务队"]
    assert tokenizer.FREQ is freq  # not replaced by jieba's own 350,000 words
