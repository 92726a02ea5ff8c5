"""Keywords of the whole article: jieba's TF-IDF, with a dictionary that loads fast.

`jieba.analyse.TFIDF` costs 3-4 s before its first keyword: it imports jieba.posseg
(a 1 s table docpipe never uses), parses idf.txt (270,000 lines, twice: the module
builds its own default extractor) and unmarshals the full 350,000-word dictionary
from a file object (four times slower than from bytes).

docpipe ships `data/jieba_small.txt.gz`, built from jieba's own dict.txt and idf.txt
by `build_dictionary` below: every single character (jieba needs them to segment)
and the 72,000 words of frequency >= 20 (of 349,000). Word frequencies keep jieba's total,
so segmentation probabilities are jieba's. The parsed dictionary is cached once per
data file and Python version as marshal bytes (`~/.cache/docpipe`), and loaded once
per process. Scoring is jieba's `extract_tags` (term frequency x IDF, IDF of unknown
words = the median), so the keywords match jieba's on most pages (see
tests/test_keywords.py and benchmarks/README.md).
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import marshal
import re
import sys
from collections import Counter
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).with_name("data") / "jieba_small.txt.gz"
MIN_FREQ = 20  # words rarer than this are left out (jieba's HMM still finds new words)

_NOISE = re.compile(r"^[\d\W_a-zA-Z]+$")
#: jieba's KeywordExtractor.STOP_WORDS
_STOP = frozenset({
    "the", "of", "is", "and", "to", "in", "that", "we", "for", "an", "are", "by", "be", "as",
    "on", "with", "can", "if", "from", "which", "you", "it", "this", "then", "at", "have",
    "all", "not", "one", "has", "or"})


def _import_jieba():
    """`import jieba` without pkg_resources (0.1 s), which jieba only uses to locate
    its own default dictionary; its fallback opens the same file by path."""
    blocked = "pkg_resources" not in sys.modules
    if blocked:
        sys.modules["pkg_resources"] = None  # type: ignore[assignment]
    try:
        import jieba
    finally:
        if blocked:
            del sys.modules["pkg_resources"]
    jieba.setLogLevel(logging.WARNING)
    return jieba


def _parse(raw: bytes) -> tuple[dict[str, int], int, dict[str, float], float]:
    """(jieba prefix dictionary, total frequency, idf, median idf) from the data file."""
    lines = gzip.decompress(raw).decode("utf-8").split("\n")
    header = dict(item.split("=", 1) for item in lines[0].lstrip("# ").split())
    freq: dict[str, int] = {}
    idf: dict[str, float] = {}
    for line in lines[1:]:
        parts = line.split(" ")
        if len(parts) < 2:
            continue
        word = parts[0]
        freq[word] = int(parts[1])
        if len(parts) > 2:
            idf[word] = float(parts[2])
        for i in range(1, len(word)):
            if word[:i] not in freq:
                freq[word[:i]] = 0
    return freq, int(header["total"]), idf, float(header["median_idf"])


def _load_tables(data: Path = DATA):
    from ..usercache import cached

    raw = data.read_bytes()
    digest = hashlib.sha256(raw).hexdigest()[:16]
    name = f"keywords-{digest}-py{sys.version_info[0]}{sys.version_info[1]}.marshal"

    return cached(name, lambda: marshal.dumps(_parse(raw)), marshal.loads)


@lru_cache(maxsize=1)
def _model():
    """(tokenizer, idf, median idf): loaded once per process."""
    jieba = _import_jieba()
    freq, total, idf, median = _load_tables()
    tokenizer = jieba.Tokenizer()
    tokenizer.FREQ, tokenizer.total, tokenizer.initialized = freq, total, True
    return tokenizer, idf, median


#: Keywords come from at most this many characters of the text: segmenting costs about
#: 10 s per million characters, and a page's words are known long before that.
KEYWORD_TEXT_MAX = 200_000


def keywords(text: str, top: int = 8) -> list[tuple[str, float]]:
    """Up to `top` (word, weight) pairs; words of one character and numbers left out."""
    text = text[:KEYWORD_TEXT_MAX]
    if not text.strip():
        return []
    tokenizer, idf, median = _model()
    counts = Counter(w for w in tokenizer.cut(text)
                     if len(w.strip()) > 1 and w.lower() not in _STOP)
    total = sum(counts.values()) or 1
    weights = {w: n * idf.get(w, median) / total for w, n in counts.items()}
    ranked = sorted(weights.items(), key=lambda item: item[1], reverse=True)[:top * 3]
    return [(w, s) for w, s in ranked if not _NOISE.match(w)][:top]


def build_dictionary(target: Path = DATA, min_freq: int = MIN_FREQ) -> None:
    """Write the trimmed dictionary from the installed jieba's dict.txt and idf.txt."""
    import importlib.util

    spec = importlib.util.find_spec("jieba")
    assert spec and spec.origin
    home = Path(spec.origin).parent
    words = []
    for line in (home / "dict.txt").read_text(encoding="utf-8").splitlines():
        word, f = line.split(" ")[:2]
        words.append((word, int(f)))
    idf = {}
    for line in (home / "analyse" / "idf.txt").read_text(encoding="utf-8").splitlines():
        word, value = line.strip().split(" ")
        idf[word] = float(value)
    median = sorted(idf.values())[len(idf) // 2]
    total = sum(f for _, f in words)
    out = [f"# total={total} median_idf={median} min_freq={min_freq} "
           "source=jieba-dict.txt+idf.txt"]
    for word, f in words:
        if len(word) == 1 or f >= min_freq:
            value = idf.get(word) if len(word) > 1 else None
            out.append(f"{word} {f}" + (f" {value:g}" if value is not None else ""))
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(gzip.compress(("\n".join(out) + "\n").encode("utf-8"), 9, mtime=0))


if __name__ == "__main__":  # python -m docpipe.transforms.keywords build
    if sys.argv[1:] == ["build"]:
        build_dictionary()
        print(f"wrote {DATA} ({DATA.stat().st_size} bytes)")
