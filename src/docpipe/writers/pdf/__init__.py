"""PDF: every briefing's own PDF, and the PDF plumbing of packs, behind one face.

    briefing.py   a briefing laid out by WeasyPrint and written alone (`convert`), or in
                  batches cut into each one's PDF (a pack: split.py); read back (verify)
    fonts.py      compact font subsets (WeasyPrint's finisher); WeasyPrint's import
    glyphs.py     which characters no installed font draws (a warning per page)
    assemble.py   the pack's PDF: front matter + the briefings' PDFs, written as it is
                  built (pdfstream.py), fonts merged (fontmerge.py), pages numbered
                  (stamps.py)
    join.py       the pack's PDF the plain way (pikepdf), when the assembly does not
                  read back whole

Other modules import from here only (`from docpipe.writers.pdf import to_bytes`); the
modules above import each other. Importing this package does not import WeasyPrint.
"""

from __future__ import annotations

from .assemble import LINK_SCHEME, Part, assemble_pack, read_parts
from .briefing import (
    CSS_MARK,
    PAGE_ROOT,
    Made,
    batch_bytes,
    check_length,
    checked,
    faces,
    fewest_pages,
    finish,
    font_config,
    lay_out,
    lay_out_article,
    pdf_bytes,
    roots_for,
    to_bytes,
    too_many_pages,
    undrawable,
    write,
)
from .fonts import load_weasyprint, write_pdf
from .glyphs import BLOCKS, glyph_warning, stack_coverage
from .join import join_pack
from .stamps import STAMPED, stamp_text

__all__ = [
    "BLOCKS", "CSS_MARK", "LINK_SCHEME", "PAGE_ROOT", "STAMPED", "Made", "Part", "assemble_pack",
    "batch_bytes", "check_length", "checked", "faces", "fewest_pages", "finish",
    "font_config", "glyph_warning", "join_pack", "lay_out", "lay_out_article", "load_weasyprint",
    "pdf_bytes", "read_parts", "roots_for", "stack_coverage", "stamp_text", "to_bytes",
    "too_many_pages", "undrawable", "write", "write_pdf",
]
