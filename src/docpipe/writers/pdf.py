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


@lru_cache(maxsize=1)
def font_config():
    """One font configuration per process: fontconfig set-up is the slow part."""
    load_weasyprint()
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


def pdf_bytes(html: str, roots: list[Path], base_dir: Path, shrink: bool = True) -> bytes:
    """Render `html`; assets resolve against `base_dir` and only `roots` may be read.

    `shrink`: embed CID-keyed CJK fonts as compact subsets, without WeasyPrint's empty
    glyph slots (see `fonts.py`: a third of the size, same pages and text); False gives
    WeasyPrint's own output (the tests compare the two).
    """
    HTML = load_weasyprint().HTML
    doc = HTML(string=html, base_url=base_dir.as_uri() + "/", url_fetcher=safe_fetcher(roots))
    ident = hashlib.sha256(html.encode("utf-8")).hexdigest()[:32].encode()
    options = {"font_config": font_config(), "pdf_identifier": ident}
    return write_pdf(doc, **options) if shrink else doc.write_pdf(**options)


def roots_for(art: Article, opts: RenderOptions) -> list[Path]:
    roots = list(opts.search_path)
    if art.base_dir:
        roots.append(Path(art.base_dir))
    return roots


def inline_images(art: Article) -> Article:
    """Local images as `data:` URLs of their bytes. WeasyPrint names an image resource
    after its URL: a `file:` URL would put the page folder's absolute path into the PDF
    (two checkouts, or a Dask worker's copy of the images, would give other bytes).
    Only files inside the page's own folder; any other image is left out."""
    import base64
    import dataclasses
    import mimetypes

    if not any(b.kind == "image" and b.src for b in art.body):
        return art
    base = Path(art.base_dir).resolve() if art.base_dir else None
    body = []
    for b in art.body:
        if b.kind == "image" and b.src:
            path = (base / b.src).resolve() if base else None
            src = ""
            if path and path.is_relative_to(base) and path.is_file():
                mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                src = f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode()}"
            b = dataclasses.replace(b, src=src)
        body.append(b)
    return dataclasses.replace(art, body=body)


def to_bytes(art: Article, opts: RenderOptions) -> bytes:
    base = Path(art.base_dir) if art.base_dir else opts.search_path[-1]
    return pdf_bytes(render_html(inline_images(art), opts), roots_for(art, opts), base.resolve())


def write(art: Article, target: Path, opts: RenderOptions) -> None:
    write_bytes(target, to_bytes(art, opts))
