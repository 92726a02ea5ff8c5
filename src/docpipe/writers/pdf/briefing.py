"""PDF briefing: the HTML template rendered by WeasyPrint, fonts embedded as compact subsets.

`convert` writes each briefing's PDF alone: WeasyPrint's own document, its fonts cut to
the glyphs it shows (`fonts.compact_fonts`). A pack makes its pages' PDFs faster in
batches (`batch_bytes`): each briefing laid out as its own document, the batch written
as one PDF (one font pass), then cut into each briefing's PDF (`split`). Every PDF is
read back before it is handed over (`checked`): a briefing whose PDF lacks text of the
article is never written. WeasyPrint is imported here, on first use, never by
`docpipe --help`.
"""

from __future__ import annotations

import hashlib
import logging
import re
import warnings
from functools import lru_cache
from pathlib import Path

from ...errors import OutputError
from ...model import Article
from ...outputs import write_bytes
from .. import RenderOptions
from ..fetch import safe_fetcher
from ..html import render as render_html
from .fonts import compact_fonts, load_weasyprint, unclaim_clamped_glyphs

#: Fallbacks taken (each to a route that loses nothing), shown under --debug.
log = logging.getLogger(__name__)

#: The URL of the page's own folder inside the PDF. WeasyPrint names each image after an
#: md5 of its URL: with the folder's real file:// URL, the PDF's bytes would depend on
#: where the page was saved (two checkouts would differ); this name is the same anywhere.
PAGE_ROOT = "file:///docpipe-page/"


@lru_cache(maxsize=1)
def font_config():
    """One font configuration per process: fontconfig set-up is the slow part."""
    load_weasyprint()
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


def pdf_bytes(html: str, roots: list[Path], base_dir: Path, shrink: bool = True,
              opts: RenderOptions | None = None) -> bytes:
    """Render `html` as one WeasyPrint document written alone (the reference the batch
    route, `batch_bytes`, is tested against); assets resolve against `base_dir` and only
    `roots` may be read.

    `shrink`: embed CID-keyed CJK fonts as compact subsets, without WeasyPrint's empty
    glyph slots (see `fonts.py`: a third of the size, same pages and text); False gives
    WeasyPrint's own output (the tests compare the two). `opts`: tagged PDF and the PDF
    variant (PDF/A, PDF/UA)."""
    document, options = lay_out(html, roots, base_dir, opts)
    return finish(document, options, shrink)


#: Stands for the template's stylesheet in a briefing's HTML (see `lay_out`). It holds a
#: "<", which no page text can give (the template escapes it), so only the template's
#: own place for the stylesheet is ever replaced.
CSS_MARK = "<!--docpipe:stylesheet-->"
_ALONE = re.compile(r"<style>\s*" + re.escape(CSS_MARK) + r"\s*</style>")


def lay_out(html: str, roots: list[Path], base_dir: Path, opts: RenderOptions | None = None,
            css: str | None = None):
    """WeasyPrint's laid-out Document of `html`, and the options to write it with.

    `css`: the stylesheet that `CSS_MARK` stands for in `html`. When it is the
    document's only stylesheet (docpipe's own template; no @import or @font-face),
    WeasyPrint gets it parsed once per process (`_stylesheet`) instead of once per
    page: ~4% of a briefing's time, the same pages (as a user stylesheet it has no
    author stylesheet to yield to). Otherwise it is put in its place."""
    whole = html if css is None else html.replace(CSS_MARK, css)
    sheets = []
    if css is not None and html.count(CSS_MARK) == 1 and html.count("<style") == 1 \
            and "<link" not in html and _ALONE.search(html) \
            and "@import" not in css and "@font-face" not in css:
        sheets = [_stylesheet(css)]
        html = html.replace(CSS_MARK, "")
    else:
        html = whole
    HTML = load_weasyprint().HTML
    doc = HTML(string=html, base_url=PAGE_ROOT,
               url_fetcher=safe_fetcher(roots, {PAGE_ROOT: base_dir}))
    ident = hashlib.sha256(whole.encode("utf-8")).hexdigest()[:32].encode()
    options = {"font_config": font_config(), "pdf_identifier": ident}
    if opts is not None:
        options["pdf_tags"] = opts.pdf_tags
        if opts.pdf_variant:
            options["pdf_variant"] = opts.pdf_variant
    with warnings.catch_warnings():  # Pillow's DecompressionBombWarning and the like
        warnings.simplefilter("ignore")
        return doc.render(stylesheets=sheets, **options), options


@lru_cache(maxsize=4)
def _stylesheet(css: str):
    """`css` parsed, with the base URL an inline <style> has (nothing is fetched: no
    @import or @font-face, see `lay_out`)."""
    CSS = load_weasyprint().CSS
    return CSS(string=css, base_url=PAGE_ROOT, font_config=font_config(),
               url_fetcher=safe_fetcher([]))


def finish(document, options: dict, shrink: bool = True) -> bytes:
    """A laid-out Document's PDF bytes (see `pdf_bytes`)."""
    return _write(document, options, finisher=compact_fonts) if shrink else \
        _write(document, options)


def _write(document, options: dict, **extra) -> bytes:
    """`document.write_pdf` with `lay_out`'s options (but the layout-only font_config)
    and `extra`."""
    options = {k: v for k, v in options.items() if k != "font_config"} | extra
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return document.write_pdf(**options)


#: A generous bound of the text one PDF page can hold, in full-width characters (A4 at
#: 11 pt: 44 characters a line, 43 lines); a half-width character counts one half.
#: Real briefings hold about 1,200 a page, so the estimate below never exceeds the
#: real page count.
PAGE_CAPACITY = 2000


def fewest_pages(art: Article) -> int:
    """A lower bound of the PDF's page count, from the text alone (no layout)."""
    text = art.kept_text()
    wide = sum(1 for ch in text if ord(ch) >= 0x2E80)
    return int((wide + (len(text) - wide) / 2) // PAGE_CAPACITY)


def too_many_pages(pages: int, max_pages: int, at_least: bool = False) -> str:
    return (f"PDF would have {'at least ' if at_least else ''}{pages} pages, over the "
            f"limit of {max_pages} (raise it with --max-pages, 0 for no limit)")


def roots_for(art: Article, opts: RenderOptions) -> list[Path]:
    roots = list(opts.search_path)
    if art.base_dir:
        roots.append(Path(art.base_dir))
    return roots


def check_length(art: Article, opts: RenderOptions, name: str = "") -> None:
    """OutputError when `art`'s text surely needs more than `opts.max_pages` PDF pages:
    said before layout, as an 8 MB page would take minutes and gigabytes to lay out."""
    if opts.max_pages and (least := fewest_pages(art)) > opts.max_pages:
        raise OutputError(too_many_pages(least, opts.max_pages, at_least=True),
                          name or art.input_path or None)


def to_bytes(art: Article, opts: RenderOptions, name: str = "") -> bytes:
    """The briefing's PDF bytes, written alone and read back (`checked`)."""
    name = name or art.input_path
    document, options = lay_out_article(art, opts, name)
    data, _ = checked(art, finish(document, options), opts, name)
    return data


def lay_out_article(art: Article, opts: RenderOptions, name: str = "",
                    css: str | None = None):
    """The briefing's laid-out Document and its write options; OutputError when it is
    longer than `opts.max_pages` (said before layout when its text alone is)."""
    check_length(art, opts, name)
    if css is None:
        css = opts.find("briefing.css").read_text(encoding="utf-8")
    base = Path(art.base_dir) if art.base_dir else opts.search_path[-1]
    document, options = lay_out(render_html(art, opts, css=CSS_MARK), roots_for(art, opts),
                                base.resolve(), opts, css)
    if opts.max_pages and len(document.pages) > opts.max_pages:
        raise OutputError(too_many_pages(len(document.pages), opts.max_pages), name or None)
    if len(document.pages) > 1 and (last_page_lines(document) or SHORT_LAST_PAGE + 1) \
            <= SHORT_LAST_PAGE:
        # A last page of a line or two: laid out again a little tighter (SNUG_CSS), kept
        # when that saves the page. Rare, so the second layout costs nothing on average.
        snug, snug_options = lay_out(render_html(art, opts, css=CSS_MARK),
                                     roots_for(art, opts), base.resolve(), opts,
                                     css + SNUG_CSS)
        if len(snug.pages) < len(document.pages):
            document, options = snug, snug_options
    return document, options


#: A last page with at most this many lines (the credit line counted) is worth a tighter
#: layout.
SHORT_LAST_PAGE = 3
#: The tighter layout: slightly less leading and paragraph spacing (the reader does not
#: see the difference; the page it saves, they do).
SNUG_CSS = """
html { line-height: 1.68; }
p { margin-bottom: 0.4em; }
.head { margin-bottom: 4mm; }
.summary, .note { margin-bottom: 4mm; }
.colophon { margin-top: 5mm; }
"""


def last_page_lines(document) -> int | None:
    """Lines of text on the last page, running head and foot aside; None when WeasyPrint's
    page boxes cannot be read (a private structure: an upgrade that changes it turns the
    tighter second layout off, and tests/test_editor.py fails loudly)."""
    try:
        page = document.pages[-1]._page_box
        return sum(1 for child in page.children if type(child).__name__ != "MarginBox"
                   for box in child.descendants() if type(box).__name__ == "LineBox")
    except (AttributeError, TypeError, IndexError):  # the structure changed: check off
        return None


def checked(art: Article, data: bytes, opts: RenderOptions, name: str = ""
            ) -> tuple[bytes, list[str] | None]:
    """`data` (the briefing's PDF) and the text of each of its pages, read back: an
    OutputError when the PDF lacks any character of the article's text (`verify`). The
    characters no installed font has are left out (the page's warning names them).
    Without poppler's pdftotext the PDF is handed over unread (the article carries a
    warning saying so: `verify.unchecked_warning`), with no page texts."""
    from ... import verify

    try:
        texts = verify.pdf_texts(data)
    except verify.CheckUnavailable:
        return data, None
    except RuntimeError as exc:
        raise OutputError(f"its PDF cannot be read back ({exc})", name or None) from None
    shown = "".join(texts)
    missing = verify.lost(art, shown, undrawable(art, opts))
    if missing:  # two characters one glyph draws read back as one of them: not lost
        missing = verify.lost_by_glyph(art, shown, undrawable(art, opts), faces(art, opts))
    if missing:
        raise OutputError(f"its PDF lacks text of the article ({verify.describe(missing)});"
                          " it was not written", name or None)
    return data, texts


def faces(art: Article, opts: RenderOptions) -> list[tuple[str, int]]:
    """The font files (and face indexes) of the briefing's first font family, regular
    and bold, as fontconfig chooses them for the article's script."""
    from ...transforms.chinese import LANG
    from .glyphs import FC_LANG, css_families

    region = LANG.get(art.variant, ("", "SC"))[1]
    families = css_families(opts.find("briefing.css").read_text(encoding="utf-8"), region)
    return [f for style in ("", ":bold") if (f := _face(families[0] + style, FC_LANG.get(
        region, "zh-cn")))]


@lru_cache(maxsize=16)
def _face(pattern: str, lang: str) -> tuple[str, int] | None:
    import shutil
    import subprocess

    if not shutil.which("fc-match"):
        return None
    done = subprocess.run(["fc-match", "-f", "%{file}|%{index}", f"{pattern}:lang={lang}"],
                          capture_output=True, text=True, check=False)
    path, _, index = done.stdout.strip().rpartition("|")
    return (path, int(index)) if done.returncode == 0 and path and index.isdigit() else None


def undrawable(art: Article, opts: RenderOptions) -> list[str]:
    """The characters of `art` no installed font can draw (see `glyphs`)."""
    from ...transforms.chinese import LANG
    from .glyphs import missing, shown_text, stack_coverage

    cover = stack_coverage(LANG.get(art.variant, ("", "SC"))[1], opts)
    return missing(shown_text(art), cover) if cover is not None else []


def write(art: Article, target: Path, opts: RenderOptions) -> None:
    write_bytes(target, to_bytes(art, opts, art.input_path or str(target)))


#: A PDF made and read back: its bytes and the text of each page (None: not read).
Made = tuple[bytes, list[str] | None]


def batch_bytes(arts: list[Article], opts: RenderOptions, names: list[str]
                ) -> list[Made | Exception]:
    """Each briefing's PDF and the text of its pages (`checked`), or the error that
    stopped it, made faster together: each is laid out as its own document, all are
    written as one PDF (one font pass), and that is split into each one's PDF (`split`:
    the same pages, fonts, tags, bookmarks and metadata as WeasyPrint writes for it
    alone, and bytes that do not depend on the batch). A piece whose check fails, or
    that `split` cannot cut canonically, and every briefing of a PDF variant (its own
    metadata stream), is written alone, and checked again."""
    from .split import Piece, anchors_of, info_of, split

    results: list[Made | Exception | None] = [None] * len(arts)
    laid: list[tuple[int, object, dict]] = []
    css = opts.find("briefing.css").read_text(encoding="utf-8")
    for i, (art, name) in enumerate(zip(arts, names, strict=True)):
        try:
            document, options = lay_out_article(art, opts, name, css)
            laid.append((i, document, options))
        except Exception as exc:  # this briefing's own failure; the others go on
            results[i] = exc
    pieces = None
    if laid and not opts.pdf_variant:
        producer = f"WeasyPrint {load_weasyprint().__version__}"
        first, options = laid[0][1], laid[0][2]
        combined = first.copy([p for _, d, _ in laid for p in d.pages])
        data = _write(combined, options, finisher=unclaim_clamped_glyphs,
                      uncompressed_pdf=True)  # split compresses what it keeps
        meta = [(info_of(d.metadata, producer), o["pdf_identifier"], anchors_of(d),
                 len(d.pages)) for _, d, o in laid]
        try:
            pieces = split(data, [Piece(n, info, lang, ident, anchors)
                                  for (info, lang), ident, anchors, n in meta])
        except Exception as exc:  # a batch split cannot read: each one written alone
            log.info("batch split failed, each briefing written alone (%s: %s)",
                     type(exc).__name__, exc)
            pieces = None
    for k, (i, document, options) in enumerate(laid):
        art, name = arts[i], names[i]
        piece = pieces[k] if pieces is not None else None
        try:
            if piece is not None:
                try:
                    results[i] = checked(art, piece, opts, name)
                    continue
                except OutputError:  # the cut lost text: this one is written alone
                    pass
            results[i] = checked(art, finish(document, options), opts, name)
        except Exception as exc:
            results[i] = exc
    return results  # type: ignore[return-value]
