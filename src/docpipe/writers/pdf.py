"""PDF briefing: the HTML template rendered by WeasyPrint, fonts embedded as compact subsets.

WeasyPrint is imported here, on first use, never by `docpipe --help`.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from ..model import Article
from ..outputs import write_bytes
from . import RenderOptions
from .fetch import safe_fetcher
from .fonts import load_weasyprint, write_pdf
from .html import render as render_html

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


class _Finishing:
    """A WeasyPrint HTML whose `write_pdf` also runs `extra` after the caller's finisher
    (fonts.write_pdf passes its own): both through WeasyPrint's public `finisher`."""

    def __init__(self, html, extra):
        self.html, self.extra = html, extra

    def write_pdf(self, *args, finisher=None, **options):
        def both(document, pdf):
            if finisher is not None:
                finisher(document, pdf)
            self.extra(document, pdf)

        return self.html.write_pdf(*args, finisher=both, **options)


def open_outlines(document, pdf) -> None:
    """The PDF opens with its bookmarks panel shown (packs)."""
    pdf.catalog["PageMode"] = "/UseOutlines"


def pdf_bytes(html: str, roots: list[Path], base_dir: Path, shrink: bool = True,
              opts: RenderOptions | None = None, outlines: bool = False) -> bytes:
    """Render `html`; assets resolve against `base_dir` and only `roots` may be read.

    `shrink`: embed CID-keyed CJK fonts as compact subsets, without WeasyPrint's empty
    glyph slots (see `fonts.py`: a third of the size, same pages and text); False gives
    WeasyPrint's own output (the tests compare the two). `opts`: tagged PDF and the PDF
    variant (PDF/A, PDF/UA); `outlines`: open with the bookmarks panel.
    """
    HTML = load_weasyprint().HTML
    doc = HTML(string=html, base_url=PAGE_ROOT,
               url_fetcher=safe_fetcher(roots, {PAGE_ROOT: base_dir}))
    ident = hashlib.sha256(html.encode("utf-8")).hexdigest()[:32].encode()
    options = {"font_config": font_config(), "pdf_identifier": ident}
    if opts is not None:
        options["pdf_tags"] = opts.pdf_tags
        if opts.pdf_variant:
            options["pdf_variant"] = opts.pdf_variant
    if outlines:
        doc = _Finishing(doc, open_outlines)
    return write_pdf(doc, **options) if shrink else doc.write_pdf(**options)


def roots_for(art: Article, opts: RenderOptions) -> list[Path]:
    roots = list(opts.search_path)
    if art.base_dir:
        roots.append(Path(art.base_dir))
    return roots


def write(art: Article, target: Path, opts: RenderOptions) -> None:
    base = Path(art.base_dir) if art.base_dir else opts.search_path[-1]
    write_bytes(target, pdf_bytes(render_html(art, opts), roots_for(art, opts), base.resolve(),
                                  opts=opts))
