"""The pack's page numbers, stamped on every page after the cover: i, ii … on the front
matter, 1, 2 … from the first briefing (the numbers the contents cite), at the foot's
centre as the front matter's own footer would set them, a pagination artifact drawn on
top of the page as laid out. The font is WeasyPrint's: the stamp sheet (laid out with
the front matter) draws exactly these characters in the front matter's face.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .fontmerge import to_unicode, widths_of

if TYPE_CHECKING:
    from .assemble import Part
    from .fontmerge import Fonts

#: The characters of stamped page numbers (arabic, and roman for the front matter).
STAMPED = "0123456789ivxlcdm"


@dataclass(frozen=True)
class Stamp:
    """How the pack's page number is drawn on the briefings' pages: as the front
    matter's `@bottom-center` (briefing.css: 8pt, #777, the footer's baseline)."""

    size: float = 8.0
    gray: float = 0.466667
    baseline: float = 27.72  # pt above the page's bottom edge



def stamp_text(index: int, front: int) -> str:
    """The number the pack prints on its page `index` (0-based; `front` pages of front
    matter): none on the cover, i, ii … on the front matter, 1, 2 … from the first
    briefing."""
    if index == 0:
        return ""
    return roman(index + 1) if index < front else str(index - front + 1)


def page_labels(front: int, pages: int):
    """The /PageLabels viewers show: i, ii … on the front matter, 1, 2 … after it."""
    import pikepdf

    nums = [0, pikepdf.Dictionary(S=pikepdf.Name.r)]
    if front < pages:
        nums += [front, pikepdf.Dictionary(S=pikepdf.Name.D)]
    return pikepdf.Dictionary(Nums=pikepdf.Array(nums))


NO_STAMPS = ("page numbers could not be stamped (no font for them); the contents cite "
             "pages counted from the first briefing")


def stamp_font(src):
    """The stamp sheet's (`src`, open) font that draws every `STAMPED` character, and
    each one's code and advance: (font, {char: code}, {char: width}), or None."""
    import pikepdf

    fonts = src.pages[0].obj.get("/Resources", {}).get("/Font", {}) if len(src.pages) else {}
    for key in sorted(fonts.keys()):
        font = fonts[key]
        if font.get("/Subtype") != "/Type0" or \
                font.get("/Encoding") != pikepdf.Name("/Identity-H"):
            continue
        codes = {text: g for g, text in to_unicode(font.get("/ToUnicode")).items()}
        widths = widths_of(font.DescendantFonts[0].get("/W"))
        if all(ch in codes for ch in STAMPED):
            return (font, {ch: codes[ch] for ch in STAMPED},
                    {ch: widths.get(codes[ch], 500.0) for ch in STAMPED})
    return None


class PageNumbers:
    """Every page's printed number at the foot's centre (none on the cover): i, ii …
    on the front matter, 1, 2 … from the first briefing; drawn as a pagination
    artifact, on top of the page as laid out, with the stamp sheet's font (WeasyPrint
    embedded it for exactly these characters, in the front matter's face)."""

    def __init__(self, font: int, glyph: dict[str, int], advance: dict[str, float],
                 stamp: Stamp, front: int):
        self.font, self.glyph, self.advance = font, glyph, advance
        self.style, self.front = stamp, front
        self._src = self._save = None

    @classmethod
    def from_sheet(cls, sheet: Part | None, writer, fonts: Fonts, stamp: Stamp,
                   front: int, notes: list[str]) -> PageNumbers | None:
        """The stamp sheet's font in the pack (`font`: its object number): the merged
        font it was read into, or a copy of its own; None (and a note) when there is no
        sheet or its font cannot draw them all."""
        from .pdfstream import Copier

        if sheet is not None:
            with sheet.open() as src:
                found = stamp_font(src)
                if found is not None:
                    font, glyph, advance = found
                    number = fonts.merged_for(font, sheet)
                    if number is None:
                        copier = Copier(writer, src)
                        number = int(copier.ref(font).split()[0])
                        copier.flush()
                    return cls(number, glyph, advance, stamp, front)
        notes.append(NO_STAMPS)
        return None

    def stamp(self, src, page, index: int, font_ref) -> None:
        """Draw page `index`'s number on `page` (of `src`), with `font_ref` standing
        for the stamp font in `src`."""
        import pikepdf

        text = stamp_text(index, self.front)
        if not text:
            return
        s = self.style
        width = sum(self.advance[c] for c in text) * s.size / 1000
        box = page.mediabox
        x = (float(box[2]) + float(box[0]) - width) / 2
        y = float(box[1]) + s.baseline
        shown = "".join(f"{self.glyph[c]:04x}" for c in text)
        gray = f"{s.gray:.6f}"
        content = (f"Q\nq\n/Artifact <</Type /Pagination /Subtype /Footer>> BDC\n"
                   f"{gray} {gray} {gray} rg\nBT\n/DPpageno {s.size:g} Tf\n"
                   f"1 0 0 1 {x:.3f} {y:.3f} Tm\n<{shown}> Tj\nET\nEMC\nQ\n").encode()
        resources = page.obj.get("/Resources")
        if resources is None:
            page.obj.Resources = resources = pikepdf.Dictionary()
        if "/Font" not in resources:
            resources.Font = pikepdf.Dictionary()
        resources.Font.DPpageno = font_ref
        if self._src is not src:  # one `q` per part, shared by its pages
            self._src, self._save = src, _flate(src, b"q\n")
        page.contents_add(self._save, prepend=True)
        page.contents_add(_flate(src, content), prepend=False)


def _flate(src, data: bytes):
    import pikepdf

    stream = pikepdf.Stream(src, b"")
    stream.write(zlib.compress(data), filter=pikepdf.Name.FlateDecode)
    return stream


def roman(n: int) -> str:
    """Lower-case roman numerals (the front matter's page numbers)."""
    out = ""
    for value, letters in ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"),
                           (90, "xc"), (50, "l"), (40, "xl"), (10, "x"), (9, "ix"),
                           (5, "v"), (4, "iv"), (1, "i")):
        while n >= value:
            out += letters
            n -= value
    return out
