"""Outputs read back and compared with what they were made from, on every run.

A user forwards a briefing without re-reading the page, so docpipe does not take its
own PDF plumbing on trust (batches split into briefings, fonts merged into a pack,
parts joined): what a reader gets out of each output is read back with a real text
extraction (poppler's `pdftotext`; the DOCX's own XML) and compared with its input.

- A briefing's PDF or DOCX must hold every character of the article's text: its
  headline, editor's note and body (`must_keep`), less the characters no installed
  font can draw (named by a warning of their own, `writers/pdf/glyphs.py`).
- A pack's PDF must show, page by page, exactly the text of the page it was made from
  (a briefing's or the front matter's), plus the page number the pack stamps on it.
- A pack's DOCX must hold every article's text in its own section.

Characters are compared as multisets of what a reader sees: white space, format
characters (ZWJ, bidi marks) and variation selectors do not count, as extractors differ
on them; compatibility forms and case are folded; everything else counts, the
private-use 造字 and U+FFFD included. A PDF maps each glyph to one text, so before a
briefing's character is called lost it is looked for by the glyph that draws it
(`lost_by_glyph`: • and ‧ are one glyph in Noto CJK).
"""

from __future__ import annotations

import io
import shutil
import subprocess
import zipfile
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .model import Article

#: Seconds a text extraction may take, plus this per MB of PDF (our own PDFs take ~1 ms
#: a page; this only stops a hung process).
TIMEOUT_S, TIMEOUT_PER_MB_S = 60, 10


class CheckUnavailable(RuntimeError):
    """The text extractor is missing: outputs are written unchecked, with a warning."""


@lru_cache(maxsize=65536)
def ignorable(ch: str) -> bool:
    """Characters that draw no glyph of their own: white space, controls, format
    characters (ZWJ, bidi marks), line/paragraph separators and variation selectors."""
    import unicodedata

    cp = ord(ch)
    if 0xFE00 <= cp <= 0xFE0F or 0xE0100 <= cp <= 0xE01EF or 0x180B <= cp <= 0x180F:
        return True
    return ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp")


def chars(text: str) -> Counter[str]:
    """The characters of `text` a reader sees, counted: compatibility forms folded
    (NFKC: a Kangxi radical ⼈ is drawn, and read back, as 人; ｶ as カ) and case folded (a
    template may set text in capitals); white space and format characters left out."""
    import unicodedata

    counts = Counter(unicodedata.normalize("NFKC", text).casefold())
    for ch in [ch for ch in counts if ignorable(ch)]:
        del counts[ch]
    return counts


def must_keep(art: Article) -> str:
    """The text no output may lose: the headline, the editor's note and the body (each
    block's text, a point's run-in included; an image's caption)."""
    parts = [art.title, art.editor_note]
    for block in art.body:  # (an image shows its caption; its text repeats it)
        parts.append(block.caption if block.kind == "image" else block.text)
    return "\n".join(p for p in parts if p)


def describe(counts: Counter[str], limit: int = 12) -> str:
    """`12 characters: 苗 ×3, 萌, …` for a report line."""
    total = sum(counts.values())
    shown = ", ".join(ch if n == 1 else f"{ch} ×{n}" for ch, n in counts.most_common(limit))
    more = ", …" if len(counts) > limit else ""
    return f"{total} character{'s' if total != 1 else ''}: {shown}{more}"


# --- reading PDFs ------------------------------------------------------------------------


def extractor() -> str:
    """The path of poppler's `pdftotext`, which reads PDFs back (a process a PDF: ~10 ms
    for a briefing; in-process bindings cost each render worker ~10 MB), or
    CheckUnavailable."""
    found = shutil.which("pdftotext")
    if not found:
        raise CheckUnavailable("pdftotext (poppler-utils) is not installed")
    return found


def unchecked_warning() -> str | None:
    """The warning of a page whose PDF cannot be read back, or None."""
    try:
        extractor()
    except CheckUnavailable as exc:
        return f"PDF not read back after writing: {exc}"
    return None


def pdf_texts(pdf: bytes | Path, pages: int = 0, ways: int = 1) -> list[str]:
    """The text of each page of `pdf` as poppler reads it. A long PDF (`pages`, 60 or
    more) is read by `ways` processes at once, each a share of its pages (a pack is read
    back while nothing else runs). A PDF poppler cannot read gives a RuntimeError."""
    data = pdf if isinstance(pdf, bytes) else Path(pdf).read_bytes()
    tool = extractor()
    if ways > 1 and pages >= 60:
        from concurrent.futures import ThreadPoolExecutor

        bounds = [round(pages * k / ways) for k in range(ways + 1)]
        with ThreadPoolExecutor(ways) as pool:
            shares = list(pool.map(lambda k: _pdftotext(tool, data, bounds[k] + 1,
                                                        bounds[k + 1]), range(ways)))
        return [text for share in shares for text in share]
    return _pdftotext(tool, data)


def _pdftotext(tool: str, data: bytes, first: int = 0, last: int = 0) -> list[str]:
    span = (["-f", str(first), "-l", str(last)] if first else [])
    try:
        done = subprocess.run([tool, "-q", "-enc", "UTF-8", "-eol", "unix", *span, "-", "-"],
                              input=data, capture_output=True,
                              timeout=TIMEOUT_S + TIMEOUT_PER_MB_S * len(data) / 1e6)
    except subprocess.TimeoutExpired:
        raise RuntimeError("pdftotext did not finish") from None
    if done.returncode:
        raise RuntimeError(f"pdftotext could not read it (exit {done.returncode})")
    pages = done.stdout.decode("utf-8", "replace").split("\f")
    return pages[:-1] if pages and not pages[-1].strip() else pages


# --- one briefing ------------------------------------------------------------------------


def lost(art: Article, shown: str, undrawable: Iterable[str] = ()) -> Counter[str]:
    """The characters of the article's text (`must_keep`) that `shown` (the text a
    reader gets out of an output) lacks, less `undrawable` ones (no font has them: the
    page's glyph warning names them, and a PDF shows them as U+FFFD)."""
    skip = set(undrawable)
    want = Counter({ch: n for ch, n in chars(must_keep(art)).items() if ch not in skip})
    return want - chars(shown)


def lost_by_glyph(art: Article, shown: str, undrawable: Iterable[str],
                  faces: Iterable[tuple[str, int]]) -> Counter[str]:
    """`lost` once more, counting characters by the glyph the page's fonts (`faces`: font
    file and index, first found first) draw them with. A PDF maps each glyph to one text:
    a page showing • and ‧, ⋯ and …, ‑ and - (one glyph each in Noto CJK) reads back as
    two of one; neither is lost. Characters no face has are counted as `chars` does."""
    import unicodedata

    import uharfbuzz as hb

    fonts = [hb.Font(hb.Face(hb.Blob.from_file_path(path), index)) for path, index in faces]
    keys: dict[str, object] = {}

    def key(ch: str) -> object:
        if ch not in keys:
            gid = next((g for f in fonts if (g := f.get_nominal_glyph(ord(ch)))), 0)
            keys[ch] = ("glyph", gid) if gid else unicodedata.normalize("NFKC", ch).casefold()
        return keys[ch]

    skip = set(undrawable)
    text = Counter(must_keep(art))
    want: Counter[object] = Counter()
    for ch, n in text.items():
        if not ignorable(ch) and ch not in skip:
            want[key(ch)] += n
    have: Counter[object] = Counter()
    for ch, n in Counter(shown).items():
        if not ignorable(ch):
            have[key(ch)] += n
    short = want - have
    return Counter({ch: short[k] for ch, k in keys.items() if k in short and ch in text})


def docx_text(data: bytes) -> str:
    """The text of a DOCX's body, as Word shows it (every w:t, w:tab and w:br), read
    from its XML: what a reader of the file gets."""
    from lxml import etree

    ns = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        root = etree.fromstring(z.read("word/document.xml"))
    out = []
    for el in root.iter(f"{ns}t", f"{ns}tab", f"{ns}br", f"{ns}p"):
        if el.tag == f"{ns}t":
            out.append(el.text or "")
        else:
            out.append("\n")
    return "".join(out)


def docx_sections(data: bytes, anchors: Sequence[str]) -> list[str]:
    """The text of a pack DOCX cut at the bookmarks named `anchors` (on each article's
    first line, in order): the text from each one to the next (the last: to the end)."""
    from lxml import etree

    ns = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        root = etree.fromstring(z.read("word/document.xml"))
    index = {name: i for i, name in enumerate(anchors)}
    sections: list[list[str]] = [[] for _ in anchors]
    current = -1
    for el in root.iter(f"{ns}t", f"{ns}tab", f"{ns}br", f"{ns}p", f"{ns}bookmarkStart"):
        if el.tag == f"{ns}bookmarkStart":
            current = index.get(el.get(f"{ns}name", ""), current)
        elif current >= 0:
            sections[current].append((el.text or "") if el.tag == f"{ns}t" else "\n")
    return ["".join(s) for s in sections]


# --- a pack ------------------------------------------------------------------------------


@dataclass
class PageSource:
    """Where a page of the pack comes from: its text in that PDF, the number the pack
    stamps on it, and the part it belongs to (-1: the front matter)."""

    text: str
    stamp: str
    part: int


def compare_pages(got: Sequence[str], sources: Sequence[PageSource]
                  ) -> dict[int, list[tuple[int, Counter[str], Counter[str]]]]:
    """Pages of the pack whose text is not exactly their source's plus their stamp:
    {part: [(pack page index, characters lost, characters added)]}. A pack with a page
    more or fewer than its sources differs everywhere after it."""
    bad: dict[int, list[tuple[int, Counter[str], Counter[str]]]] = {}
    for i, source in enumerate(sources):
        have = chars(got[i]) if i < len(got) else Counter()
        want = chars(source.text)
        if source.stamp:
            want.update(chars(source.stamp))
        if have != want:
            bad.setdefault(source.part, []).append((i, want - have, have - want))
    if len(got) > len(sources) and sources:
        extra = chars("".join(got[len(sources):]))
        bad.setdefault(sources[-1].part, []).append((len(sources), Counter(), extra))
    return bad


# --- a pack someone else built: `docpipe check` ------------------------------------------


@dataclass
class ArticleCheck:
    """One article of a pack, read back: whether the pack's PDF and DOCX hold it."""

    input: str
    title: str
    pages: tuple[int, int]  # its pages in the pack's PDF, 1-based, inclusive
    pdf: str = "ok"  # ok, or what is missing; "" when not checked
    docx: str = "ok"
    against: str = ""  # what it was compared with: its briefing's files, or its text

    @property
    def ok(self) -> bool:
        return self.pdf in ("ok", "") and self.docx in ("ok", "")


def check_pack(folder: Path, name: str = "pack") -> list[ArticleCheck]:
    """Each article of the pack `folder/name` (its manifest, `name.json`) read back from
    the pack's PDF and DOCX and compared with its own briefing's PDF (page by page, with
    the number the pack stamps on it) and DOCX, or, without them (a pack made with
    --no-pages), with the article's text as the folder's cache keeps it. A DocpipeError
    when the manifest cannot be used."""
    import json

    from .errors import UsageError

    manifest = folder / f"{name}.json"
    try:
        doc = json.loads(manifest.read_text(encoding="utf-8"))
        rows = [r for r in doc["pages"] if r.get("status") == "ok"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise UsageError(f"not a pack's manifest ({exc})", str(manifest)) from None
    if any(not isinstance(r.get("pack_page"), int) for r in rows):
        raise UsageError("made by an older docpipe (no page numbers in its manifest): "
                         "build the pack again with --force", str(manifest))
    pdf, docx = folder / f"{name}.pdf", folder / f"{name}.docx"
    got = pdf_texts(pdf) if pdf.is_file() else []
    sections = docx_sections(docx.read_bytes(), [f"b{i:03d}" for i in range(1, len(rows) + 1)]) \
        if docx.is_file() else []
    articles = _cached_articles(folder)
    firsts = [r["pack_page"] for r in rows]
    front = firsts[0] - 1 if firsts else 0
    out = []
    for k, row in enumerate(rows):
        first = firsts[k]
        last = (firsts[k + 1] - 1) if k + 1 < len(rows) else len(got)
        check = ArticleCheck(row["input"], row.get("title", ""), (first, last))
        outputs = [folder / n for n in row.get("outputs", [])]
        own_pdf = next((p for p in outputs if p.suffix == ".pdf" and p.is_file()), None)
        own_docx = next((p for p in outputs if p.suffix == ".docx" and p.is_file()), None)
        art = articles.get(str(Path(row["input"]).resolve()))
        pages = got[first - 1:last]
        if not got:
            check.pdf = "the pack's PDF is missing or unreadable"
        elif own_pdf is not None:
            check.against = "its briefing's files"
            check.pdf = _same_pages(pages, pdf_texts(own_pdf), first - 1, front)
        elif art is not None:
            check.against = "its text (the cache)"
            missing = lost(art, "".join(pages), _undrawable(art))
            check.pdf = f"missing {describe(missing)}" if missing else "ok"
        else:
            check.pdf = ""
        if not sections:
            check.docx = "the pack's DOCX is missing or unreadable"
        elif own_docx is not None:
            extra = chars(docx_text(own_docx.read_bytes())) - chars(sections[k])
            check.docx = f"missing {describe(extra)}" if extra else "ok"
        elif art is not None:
            missing = lost(art, sections[k])
            check.docx = f"missing {describe(missing)}" if missing else "ok"
        else:
            check.docx = ""
        out.append(check)
    return out


def _same_pages(pages: Sequence[str], own: Sequence[str], start: int, front: int) -> str:
    """"ok" when `pages` (of the pack, from index `start`) are `own` (the briefing's
    pages) with the pack's stamp each, else what differs."""
    from .writers.pdf import stamp_text

    if len(pages) != len(own):
        return f"{len(pages)} pages in the pack, {len(own)} in its briefing"
    missing: Counter[str] = Counter()
    for i, (have, want) in enumerate(zip(pages, own, strict=True)):
        stamp = stamp_text(start + i, front)
        expected = chars(want) + chars(stamp)
        if chars(have) != expected:
            missing += expected - chars(have)
            if not missing:
                return f"page {start + i + 1} shows text its briefing does not"
    return f"missing {describe(missing)}" if missing else "ok"


def _undrawable(art: Article) -> list[str]:
    """The characters of `art` no installed font draws (docpipe's own templates)."""
    from .writers import RenderOptions
    from .writers.pdf import undrawable

    return undrawable(art, RenderOptions())


def _cached_articles(folder: Path) -> dict[str, Article]:
    """The articles the pack's cache keeps, by input path (none when it is unusable)."""
    from .cache import CACHE_NAME, load
    from .model import article_from_record

    out = {}
    for path, record in load(folder / CACHE_NAME).get("pages", {}).items():
        if isinstance(record, dict) and isinstance(record.get("article"), dict):
            try:
                out[path] = article_from_record(record["article"])
            except ValueError:
                continue
    return out
