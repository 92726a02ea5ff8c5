"""Extraction scores on the dev corpus, counted the way trafilatura's evaluation counts them.

Per page, each `with` snippet found in the kept text is a true positive (missing: a false
negative); each `without` snippet found is a false positive (absent: a true negative).
Precision, recall and F1 are over all snippets of all pages; title and date accuracy are
per page. Scored in one table per corpus: docpipe on the page's `.txt` (copied text) and
on its `.html`, readability-lxml and trafilatura on the `.html` (default settings, their
own titles and dates), and the unchanged text (the naive baseline).

    python benchmarks/eval.py [--pages] [--together]

Corpora: `dev`, `dev2` and `dev3` beside the project (../shared/corpus/, or the folder in
DOCPIPE_CORPUS_ROOT), each on its own, plus every folder named in DOCPIPE_CORPUS (paths
joined by the path separator).
Exit 0 with a message when no corpus is present.
"""

from __future__ import annotations

import json
import os
import re
import sys
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "dev"

# CJK punctuation folded to one form (after NFKC) so that 。/. “/" etc. compare equal.
_FOLD = str.maketrans({
    "。": ".", "．": ".", "、": ",", "，": ",", "“": '"', "”": '"', "‘": "'", "’": "'",
    "「": '"', "」": '"', "『": '"', "』": '"', "《": "<", "》": ">", "〈": "<", "〉": ">",
    "【": "[", "】": "]", "〔": "[", "〕": "]", "（": "(", "）": ")", "：": ":", "；": ";",
    "！": "!", "？": "?", "…": "...", "—": "-", "–": "-", "－": "-", "～": "~", "·": ".",
    "・": ".",
})
_WS = re.compile(r"\s+")


def norm(text: str | None) -> str:
    text = unicodedata.normalize("NFKC", text or "").translate(_FOLD)
    return _WS.sub("", text)


@dataclass
class Scores:
    name: str
    tp: int = 0
    fn: int = 0
    fp: int = 0
    tn: int = 0
    titles: int = 0
    dates: int = 0
    pages: int = 0
    has_meta: bool = True
    has_date: bool = True  # readability-lxml reads no date: shown as "-"
    misses: list[str] = field(default_factory=list)

    def add(self, label: dict, kept: str, title: str | None, date: str | None) -> None:
        text = norm(kept)
        self.pages += 1
        for s in label["with"]:
            if norm(s) in text:
                self.tp += 1
            else:
                self.fn += 1
                self.misses.append(f"{label['id']}: missing {s!r}")
        for s in label["without"]:
            if norm(s) in text:
                self.fp += 1
                self.misses.append(f"{label['id']}: kept boilerplate {s!r}")
            else:
                self.tn += 1
        if norm(title) == norm(label["title"]):
            self.titles += 1
        else:
            self.misses.append(f"{label['id']}: title {title!r} (want {label['title']!r})")
        if (date or None) == label.get("published"):
            self.dates += 1
        else:
            self.misses.append(f"{label['id']}: date {date!r} (want {label.get('published')!r})")

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def title_acc(self) -> float:
        return self.titles / self.pages if self.pages else 0.0

    @property
    def date_acc(self) -> float:
        return self.dates / self.pages if self.pages else 0.0


def corpus_dir() -> Path:
    return Path(os.environ.get("DOCPIPE_CORPUS") or DEFAULT_CORPUS)


def label_file(corpus: Path) -> Path | None:
    """`dev.jsonl`, `dev2.jsonl`, …: the one label file of a corpus folder."""
    found = sorted(corpus.glob("*.jsonl"))
    return found[0] if found else None


def labels(corpus: Path) -> list[dict]:
    with open(label_file(corpus), encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


Extractor = Callable[[dict, Path], tuple[str, str | None, str | None]]


def _docpipe(kind: str, together: bool = False, learnt: dict | None = None) -> Extractor:
    from docpipe.readers import ReadOptions, read

    def run(label: dict, corpus: Path):
        path = corpus / f"{label['id']}.{kind}"
        opts = (learnt or {}).get(str(path), ReadOptions())
        art = read(path.read_bytes(), str(path), opts)
        return art.kept_text(), art.title, art.published

    return run


def _trafilatura(label: dict, corpus: Path):
    import trafilatura

    from docpipe.decode import decode
    from docpipe.readers.markup import declared_charset

    data = (corpus / f"{label['id']}.html").read_bytes()
    html = decode(data, declared=declared_charset(data)).text
    doc = trafilatura.bare_extraction(html, with_metadata=True)
    if doc is None:
        return "", None, None
    return (doc.text or ""), doc.title, doc.date


def _html_text(html: str) -> str:
    """The text of an HTML fragment, one line per block element."""
    from docpipe.readers.markup import parse_html, visible_lines

    return "\n".join(visible_lines(parse_html(html)))


def _readability(label: dict, corpus: Path):
    from readability import Document

    from docpipe.decode import decode
    from docpipe.readers.markup import declared_charset

    data = (corpus / f"{label['id']}.html").read_bytes()
    html = decode(data, declared=declared_charset(data)).text
    doc = Document(html)
    return _html_text(doc.summary(html_partial=True)), doc.short_title(), None


def _naive(label: dict, corpus: Path):
    text = (corpus / f"{label['id']}.txt").read_text(encoding="utf-8")
    return text, None, None


def evaluate(corpus: Path, together: bool = False) -> list[Scores]:
    """Score every system on every page of the corpus."""
    pages = labels(corpus)
    learnt: dict = {}
    if together:
        from docpipe.pipeline import Settings, read_options_for

        for kind in ("txt", "html"):
            paths = [str(corpus / f"{p['id']}.{kind}") for p in pages]
            learnt.update(read_options_for(paths, Settings()))
    systems: list[tuple[Scores, Extractor]] = [
        (Scores("docpipe .txt"), _docpipe("txt", together, learnt)),
        (Scores("docpipe .html"), _docpipe("html", together, learnt)),
        (Scores("readability .html", has_date=False), _readability),
        (Scores("trafilatura .html"), _trafilatura),
        (Scores("unchanged .txt", has_meta=False), _naive),
    ]
    for label in pages:
        for scores, extractor in systems:
            try:
                kept, title, date = extractor(label, corpus)
            except Exception as exc:  # one failing page must not hide the others' scores
                scores.misses.append(f"{label['id']}: error {type(exc).__name__}: {exc}")
                kept, title, date = "", None, None
            scores.add(label, kept, title, date)
    return [s for s, _ in systems]


def table(results: list[Scores], corpus: Path) -> str:
    n = results[0].pages if results else 0
    rows = [f"corpus {corpus.name}: {corpus} ({n} pages, 8 snippets each; .txt: copied "
            "text, .html: saved page)",
            f"{'system':<20}{'precision':>10}{'recall':>8}{'F1':>7}{'title':>7}{'date':>7}"
            f"{'TP':>5}{'FN':>4}{'FP':>4}{'TN':>4}"]
    for s in results:
        title = f"{s.title_acc:7.2f}" if s.has_meta else f"{'-':>7}"
        date = f"{s.date_acc:7.2f}" if s.has_meta and s.has_date else f"{'-':>7}"
        rows.append(f"{s.name:<20}{s.precision:10.2f}{s.recall:8.2f}{s.f1:7.2f}{title}{date}"
                    f"{s.tp:5d}{s.fn:4d}{s.fp:4d}{s.tn:4d}")
    return "\n".join(rows)


DEV_SETS = ("dev", "dev2", "dev3")


def corpora() -> list[Path]:
    """The labelled folders to score, each reported on its own: `dev`, `dev2` and `dev3`
    beside the project, then every folder in DOCPIPE_CORPUS (paths joined by the path
    separator) that is not one of them."""
    root = Path(os.environ.get("DOCPIPE_CORPUS_ROOT") or DEFAULT_CORPUS.parent)
    found = [root / name for name in DEV_SETS]
    if env := os.environ.get("DOCPIPE_CORPUS"):
        seen = {p.resolve() for p in found}
        found += [Path(p) for p in env.split(os.pathsep) if p and Path(p).resolve() not in seen]
    return found


def main(argv: list[str]) -> int:
    found = [c for c in corpora() if c.is_dir() and label_file(c)]
    if not found:
        print(f"eval: skipped, no labelled corpus at {DEFAULT_CORPUS.parent} (set "
              "DOCPIPE_CORPUS)")
        return 0
    sys.path.insert(0, str(ROOT / "src"))
    for corpus in found:
        results = evaluate(corpus, together="--together" in argv)
        print(table(results, corpus))
        if "--pages" in argv:
            for s in results[:4]:
                for miss in s.misses:
                    print(f"  [{s.name}] {miss}")
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
