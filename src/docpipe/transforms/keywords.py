"""Keywords of the whole article: terms a reader would choose, scored by jieba's TF-IDF.

Terms are kept whole: two words that recur side by side (志愿 + 服务, 食物 + 銀行, 大湾 + 区)
are one term (志愿服务), and the dictionary's word classes (jieba's tags, shipped with the
words) leave out person names, pronouns, numerals, time and function words; what may be a
keyword is data (`data/keywords.toml`). About 2-15 ms a page after the dictionary loads.

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


class _WithoutPkgResources:
    """An import hook (a `sys.meta_path` finder) under which `pkg_resources` is not found."""

    def find_spec(self, name, path=None, target=None):
        if name == "pkg_resources":
            raise ModuleNotFoundError("pkg_resources: not needed by jieba here", name=name)
        return None


def import_jieba():
    """`import jieba` without pkg_resources (0.1 s), which jieba only uses to locate
    its own default dictionary; its fallback opens the same file by path.

    Adapter: jieba has no option for it, so `pkg_resources` is hidden by a documented
    import hook while jieba imports (tests/test_keywords.py fails if jieba stops
    importing, or starts needing pkg_resources, under it)."""
    hook = _WithoutPkgResources()
    sys.meta_path.insert(0, hook)
    try:
        import jieba
    finally:
        sys.meta_path.remove(hook)
    jieba.setLogLevel(logging.WARNING)
    return jieba


def jieba_tokenizer(freq: dict[str, int], total: int):
    """A jieba Tokenizer over a dictionary already parsed (`_parse`).

    Adapter: jieba's only public way in is a dictionary file, which it parses line by
    line on first use (1-3 s); a Tokenizer whose FREQ and total are set and which is
    marked initialized segments with them as it would with its own. tests/test_keywords.py
    checks that it keeps doing so."""
    tokenizer = import_jieba().Tokenizer()
    tokenizer.FREQ, tokenizer.total, tokenizer.initialized = freq, total, True
    return tokenizer


def _parse(raw: bytes, wanted: frozenset[str] = frozenset(), single: frozenset[str] = frozenset()
           ) -> tuple[dict[str, int], int, dict[str, float], float, dict[str, str]]:
    """(jieba prefix dictionary, total frequency, idf, median idf, tags) from the data
    file. Each line: word, frequency, jieba's tag (its word class), then its idf (words of
    two or more characters). Only the tags the rules ask about are kept (`wanted`, and for
    one character those not in `single`): a smaller table loads faster."""
    lines = gzip.decompress(raw).decode("utf-8").split("\n")
    header = dict(item.split("=", 1) for item in lines[0].lstrip("# ").split())
    freq: dict[str, int] = {}
    idf: dict[str, float] = {}
    tags: dict[str, str] = {}
    for line in lines[1:]:
        parts = line.split(" ")
        if len(parts) < 3:
            continue
        word = parts[0]
        freq[word] = int(parts[1])
        if parts[2] in wanted or (len(word) == 1 and parts[2] not in single):
            tags[word] = parts[2]
        if len(parts) > 3:
            idf[word] = float(parts[3])
        for i in range(1, len(word)):
            if word[:i] not in freq:
                freq[word[:i]] = 0
    return freq, int(header["total"]), idf, float(header["median_idf"]), tags


def _load_tables(data: Path = DATA):
    from ..usercache import cached

    raw = data.read_bytes()
    rules = _rules()
    wanted = rules["exclude_tags"] | rules["glue_tags"] | rules["first_tags_allowed"]
    single = rules["suffix_tags"]
    key = raw + "\0".join(sorted(wanted) + ["|"] + sorted(single)).encode()
    digest = hashlib.sha256(key).hexdigest()[:16]
    name = f"keywords-{digest}-py{sys.version_info[0]}{sys.version_info[1]}.marshal"

    return cached(name, lambda: marshal.dumps(_parse(raw, wanted, single)), marshal.loads)


@lru_cache(maxsize=1)
def _model():
    """(tokenizer, idf, median idf, tags): loaded once per process."""
    freq, total, idf, median, tags = _load_tables()
    return jieba_tokenizer(freq, total), idf, median, tags


@lru_cache(maxsize=1)
def _rules() -> dict:
    """data/keywords.toml, compiled."""
    import tomllib

    raw = tomllib.loads((DATA.parent / "keywords.toml").read_text(encoding="utf-8"))
    return {**raw, **{k: frozenset(raw[k]) for k in
                      ("exclude_tags", "glue_tags", "first_tags_allowed", "suffix_tags")},
            "exclude": re.compile("|".join(f"(?:{p})" for p in raw["exclude"])),
            "byline": [re.compile(p) for p in raw["byline"]]}


_CJK_WORD = re.compile(r"^[\u3400-\u9fff\uf900-\ufaff]+$")


def _compounds(tokens: list[str], tags: dict[str, str], rules: dict) -> list[str]:
    """`tokens` with adjacent words that recur together joined into one term: a pass for
    pairs, a second for a third word (国际 + 志愿服务), each pair kept when it recurs
    (`min_count`) and makes up most of the rarer word's occurrences (`min_share`)."""
    glue, first_ok, suffix = rules["glue_tags"], rules["first_tags_allowed"], rules["suffix_tags"]
    most = rules["max_chars"]
    role: dict[str, tuple[bool, bool]] = {}  # word -> (may open a term, may close one)

    def roles(w: str) -> tuple[bool, bool]:
        if w not in role:
            t = tags.get(w, "n")
            cjk = _CJK_WORD.match(w) is not None
            role[w] = (cjk and len(w) >= 2 and (t not in glue or t in first_ok),
                       cjk and t not in glue and (len(w) >= 2 or t in suffix))
        return role[w]

    def joinable(a: str, b: str) -> bool:
        return roles(a)[0] and roles(b)[1] and len(a) + len(b) <= most

    for need, share, of in ((rules["min_count"], rules["min_share"], min),
                            (rules["min_count_long"], rules["min_share_long"], max)):
        counts = Counter(tokens)
        pairs = Counter((a, b) for a, b in zip(tokens, tokens[1:], strict=False)
                        if joinable(a, b))
        good = {p for p, n in pairs.items() if n >= need
                and n >= share * of(counts[p[0]], counts[p[1]])}
        if not good:
            break
        out: list[str] = []
        i = 0
        while i < len(tokens):
            here = (tokens[i], tokens[i + 1]) if i + 1 < len(tokens) else None
            after = (tokens[i + 1], tokens[i + 2]) if i + 2 < len(tokens) else None
            if here in good and after in good and pairs[after] > pairs[here]:
                out.append(tokens[i])  # 社區 | 食物銀行: the commoner pair wins the overlap
                i += 1
                continue
            if here in good:
                out.append(tokens[i] + tokens[i + 1])
                tags[tokens[i] + tokens[i + 1]] = "nz"  # a term of this page
                i += 2
            else:
                out.append(tokens[i])
                i += 1
        tokens = out
    return tokens


#: Keywords come from at most this many characters of the text: segmenting costs about
#: 10 s per million characters, and a page's words are known long before that.
KEYWORD_TEXT_MAX = 200_000


def keywords(text: str, top: int = 8) -> list[tuple[str, float]]:
    """Up to `top` (word, weight) pairs; words of one character and numbers left out."""
    text = text[:KEYWORD_TEXT_MAX]
    if not text.strip():
        return []
    tokenizer, idf, median, dict_tags = _model()
    rules = _rules()
    tags = _Overlay(dict_tags)
    tokens = _compounds(list(tokenizer.cut(text)), tags, rules)
    names = {m[1] for rx in rules["byline"] for m in rx.finditer(text)}
    counts = Counter(w for w in tokens if len(w.strip()) > 1 and w.lower() not in _STOP)
    total = sum(counts.values()) or 1

    def term_idf(w: str) -> float:
        if w in idf:
            return idf[w]
        if w not in tags:  # a word jieba's HMM found: unknown, the median
            return median
        parts = [p for p in tokenizer.cut(w, HMM=False) if len(p) > 1 and p in idf]
        return max((idf[p] for p in parts), default=median)  # a compound: its rarest part

    exclude_tags, exclude = rules["exclude_tags"], rules["exclude"]
    weights = {w: n * term_idf(w) / total for w, n in counts.items()
               if (tags[w] if w in tags else dict_tags.get(w, "n")) not in exclude_tags
               and w not in names and not exclude.search(w) and not _NOISE.match(w)}
    ranked = sorted(weights.items(), key=lambda item: item[1], reverse=True)
    chosen: list[tuple[str, float]] = []
    for w, score in ranked:
        # A word inside a chosen term is that term; a term around a chosen term of this
        # page's own making (国际志愿服务 after 志愿服务) says it again. A term around a
        # dictionary word (食物銀行 after 食物) is a term of its own.
        if not any(w in c or (c in w and c not in dict_tags and c not in idf)
                   for c, _ in chosen):
            chosen.append((w, score))
        if len(chosen) == top:
            break
    return chosen


class _Overlay(dict):
    """The dictionary's tags with this page's compound terms added on top, leaving the
    shared table untouched."""

    def __init__(self, base: dict[str, str]):
        super().__init__()
        self.base = base

    def get(self, key, default=None):  # type: ignore[override]
        if key in self:
            return self[key]
        return self.base.get(key, default)


def build_dictionary(target: Path = DATA, min_freq: int = MIN_FREQ) -> None:
    """Write the trimmed dictionary from the installed jieba's dict.txt and idf.txt."""
    import importlib.util

    spec = importlib.util.find_spec("jieba")
    assert spec and spec.origin
    home = Path(spec.origin).parent
    words = []
    for line in (home / "dict.txt").read_text(encoding="utf-8").splitlines():
        word, f, tag = line.split(" ")[:3]
        words.append((word, int(f), tag))
    idf = {}
    for line in (home / "analyse" / "idf.txt").read_text(encoding="utf-8").splitlines():
        word, value = line.strip().split(" ")
        idf[word] = float(value)
    median = sorted(idf.values())[len(idf) // 2]
    total = sum(f for _, f, _ in words)
    out = [f"# total={total} median_idf={median} min_freq={min_freq} "
           "source=jieba-dict.txt+idf.txt"]
    for word, f, tag in words:
        if len(word) == 1 or f >= min_freq:
            value = idf.get(word) if len(word) > 1 else None
            out.append(f"{word} {f} {tag}" + (f" {value:g}" if value is not None else ""))
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(gzip.compress(("\n".join(out) + "\n").encode("utf-8"), 9, mtime=0))


if __name__ == "__main__":  # python -m docpipe.transforms.keywords build
    if sys.argv[1:] == ["build"]:
        build_dictionary()
        print(f"wrote {DATA} ({DATA.stat().st_size} bytes)")
