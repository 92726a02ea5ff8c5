"""Compact embedded CJK fonts: CID-keyed CFF subsets without WeasyPrint's empty glyph slots.

WeasyPrint subsets fonts with HarfBuzz but retains glyph ids (``RETAIN_GIDS``), because
its content streams show glyphs by their ids in the full font. For Noto CJK (65,535
glyphs) every subset then keeps ~63,000 empty slots: 280 KB compressed for the 590
glyphs of the reference page, 150 KB for 70 bold ones.

In a *CID-keyed* CFF font (Noto CJK, Source Han: ROS Adobe-Identity-0, where CID ==
glyph id) a PDF reader finds the glyph of a code through the CFF charset (ISO 32000-2,
9.7.4.2), and a HarfBuzz subset of such a font keeps each glyph's original CID in its
charset. So the glyphs can be renumbered: the content stream, the widths (/W) and the
ToUnicode map, all keyed by the original ids, stay valid. `write_pdf` does that:

- `install_cid_subsetting` makes WeasyPrint subset a CID-keyed face with one HarfBuzz
  pass without retained ids (~10 ms instead of two passes over 63,000 slots, ~100 ms);
- `shrink_fonts` (a WeasyPrint finisher) embeds those subsets as bare CFF programs.

Fonts of any other kind (TrueType, name-keyed CFF, CID fonts whose CIDs are not their
glyph ids) go through WeasyPrint unchanged. tests/test_pdf_fonts.py checks that text and
rendered pages are identical to WeasyPrint's own output.
"""

from __future__ import annotations

import re
import sys
from contextvars import ContextVar
from functools import lru_cache

#: True while `write_pdf` writes a document (see install_cid_subsetting)
COMPACT: ContextVar[bool] = ContextVar("docpipe_compact_fonts", default=False)


@lru_cache(maxsize=1)
def load_weasyprint():
    """`import weasyprint`, 0.25 s faster on Linux; call it before any weasyprint import.

    WeasyPrint opens each native library by trying several names (Windows and macOS
    ones first); cffi passes every name that is not a file to ctypes.util.find_library,
    which runs gcc, ldconfig and ld in subprocesses, about 20 times. Each library's
    last candidate is its Linux soname (`libpango-1.0.so.0` …), which the dynamic
    loader opens directly, the same file find_library would have named: so during this
    import find_library answers "not found" without the subprocesses.
    """
    if "weasyprint" in sys.modules or not sys.platform.startswith("linux"):
        import weasyprint
    else:
        import ctypes.util

        original = ctypes.util.find_library
        ctypes.util.find_library = lambda name: None
        try:
            import weasyprint
        finally:
            ctypes.util.find_library = original
    install_cid_subsetting()
    return weasyprint


def install_cid_subsetting() -> bool:
    """Make WeasyPrint subset CID-keyed CFF fonts compactly in the first place.

    WeasyPrint's own HarfBuzz subsetting runs twice over ~63,000 glyph slots (about
    0.1 s per Noto CJK face and document) to produce what `shrink_fonts` then replaces.
    This wraps `Font._harfbuzz_subset` so that, for a CID-keyed CFF face, one HarfBuzz
    pass without retained glyph ids makes the compact subset directly (~10 ms); any other
    font, or a failure, goes through WeasyPrint's own code unchanged. It acts only inside
    `write_pdf`, which also runs `shrink_fonts`: a compact subset must be embedded as
    bare CFF (readers index an OpenType-wrapped CFF by glyph id, not by CID). Returns
    whether the wrapper is installed (False when this WeasyPrint has no such method).
    """
    from weasyprint.pdf import fonts as wp_fonts

    original = getattr(wp_fonts.Font, "_harfbuzz_subset", None)
    if original is None:
        return False
    if getattr(original, "docpipe", False):
        return True

    def _harfbuzz_subset(self, to_unicode, hinting):
        if not (COMPACT.get() and _compact_subset(self, to_unicode, hinting)):
            original(self, to_unicode, hinting)

    _harfbuzz_subset.docpipe = True  # type: ignore[attr-defined]
    wp_fonts.Font._harfbuzz_subset = _harfbuzz_subset
    _defer_face_bytes(wp_fonts)
    return True


_DEFER: ContextVar[bool] = ContextVar("docpipe_defer_face_bytes", default=False)


def _defer_face_bytes(wp_fonts) -> None:
    """Read a font face's bytes only when something uses them.

    `Font.__init__` copies the whole face (a 26 MB Noto CJK collection) into `file_content`
    for every font of every document, ~20 ms and 26 MB each; a compact subset is made from
    the HarfBuzz face and never needs that copy. Inside `write_pdf`, `Font.__init__` leaves
    `file_content` empty and the `file_content` property reads the face on first use, so
    any WeasyPrint code path that does use it still gets the same bytes.
    """
    read_face = wp_fonts.get_hb_object_data

    def get_hb_object_data(hb_object, ot_color=None, glyph=None):
        if ot_color is None and _DEFER.get():
            return None
        return read_face(hb_object, ot_color, glyph)

    init = wp_fonts.Font.__init__

    def __init__(self, *args, **kwargs):
        token = _DEFER.set(COMPACT.get())
        try:
            init(self, *args, **kwargs)
        finally:
            _DEFER.reset(token)

    def get_content(self):
        data = self.__dict__.get("_docpipe_file_content")
        if data is None:
            data = self.__dict__["_docpipe_file_content"] = read_face(self.hb_face)
        return data

    def set_content(self, value):
        self.__dict__["_docpipe_file_content"] = value

    wp_fonts.get_hb_object_data = get_hb_object_data
    wp_fonts.Font.__init__ = __init__
    wp_fonts.Font.file_content = property(get_content, set_content)


def _compact_subset(font, to_unicode, hinting) -> bool:
    """Subset WeasyPrint `font` (a CID-keyed CFF face) without retained gids; False if not."""
    try:
        from weasyprint.text.ffi import ffi, harfbuzz, harfbuzz_subset
        from weasyprint.text.fonts import get_hb_object_data

        blob = harfbuzz.hb_face_reference_table(font.hb_face,
                                                harfbuzz.hb_tag_from_string(b"CFF ", -1))
        try:
            size = ffi.new("unsigned int *")
            data = harfbuzz.hb_blob_get_data(blob, size)
            cff = memoryview(ffi.buffer(data, size[0])) if size[0] else memoryview(b"")
            usable = _cff_is_cid_keyed(cff) and _cids_are_gids(cff, font.glyph_count)
            cff.release()
        finally:
            harfbuzz.hb_blob_destroy(blob)
        if not usable:
            return False
        inp = ffi.gc(harfbuzz_subset.hb_subset_input_create_or_fail(),
                     harfbuzz_subset.hb_subset_input_destroy)
        keep = sorted({0, *to_unicode})
        gids = ffi.new("hb_codepoint_t[]", keep)  # one type string: cffi parses it once
        harfbuzz.hb_set_add_sorted_array(
            harfbuzz_subset.hb_subset_input_glyph_set(inp), gids, len(keep))
        drop = sorted(harfbuzz.hb_tag_from_string(tag, -1) for tag in _DROP)
        harfbuzz.hb_set_add_sorted_array(
            harfbuzz_subset.hb_subset_input_set(inp, _SETS_DROP_TABLE_TAG),
            ffi.new("hb_codepoint_t[]", drop), len(drop))
        harfbuzz_subset.hb_subset_input_set_flags(
            inp, _DESUBROUTINIZE | _PASSTHROUGH | (0 if hinting else _NO_HINTING)
            | (_NOTDEF_OUTLINE if font.missing else 0))
        face = ffi.gc(harfbuzz_subset.hb_subset_or_fail(font.hb_face, inp),
                      harfbuzz.hb_face_destroy)
        content = get_hb_object_data(face) if face else None
        if not content or not is_cid_keyed_cff(content):
            return False
        font.file_content = content
        font.docpipe_compact = True  # glyphs renumbered, CIDs kept: see shrink_fonts
        return True
    except Exception:  # any surprise: WeasyPrint's own subsetting instead
        return False


_SETS_DROP_TABLE_TAG = 3
_NO_HINTING, _DESUBROUTINIZE, _PASSTHROUGH, _NOTDEF_OUTLINE = 0x1, 0x4, 0x20, 0x40
# Tables a PDF reader never uses (the same list WeasyPrint drops).
_DROP = (b"BASE", b"DSIG", b"EBDT", b"EBLC", b"EBSC", b"GPOS", b"GSUB", b"JSTF",
         b"LTSH", b"PCLT", b"SVG ")


# --- CFF inspection: is this OpenType font's CFF CID-keyed (Top DICT has ROS)?

def _table(data: bytes, tag: bytes) -> bytes | None:
    if len(data) < 12:
        return None
    count = int.from_bytes(data[4:6], "big")
    for i in range(count):
        rec = data[12 + 16 * i: 28 + 16 * i]
        if rec[:4] == tag:
            offset, length = int.from_bytes(rec[8:12], "big"), int.from_bytes(rec[12:16], "big")
            return data[offset:offset + length]
    return None


def _index(cff: bytes, pos: int) -> tuple[list[bytes], int]:
    """Items of the CFF INDEX at `pos`, and the position after it."""
    count = int.from_bytes(cff[pos:pos + 2], "big")
    if count == 0:
        return [], pos + 2
    size = cff[pos + 2]
    offs = [int.from_bytes(cff[pos + 3 + i * size: pos + 3 + (i + 1) * size], "big")
            for i in range(count + 1)]
    base = pos + 2 + (count + 1) * size
    return [cff[base + offs[i]: base + offs[i + 1]] for i in range(count)], base + offs[-1]


def _dict(data) -> dict[int, list[int]]:
    """A CFF DICT as {operator: integer operands} (two-byte operators as 1200 + byte;
    real operands count as 0: docpipe only reads offsets and the operators' order)."""
    out: dict[int, list[int]] = {}
    operands: list[int] = []
    i = 0
    while i < len(data):
        b0 = data[i]
        if b0 <= 21:
            op = 1200 + data[i + 1] if b0 == 12 else b0
            i += 2 if b0 == 12 else 1
            out.setdefault(op, operands)
            operands = []
        elif b0 == 28:
            operands.append(int.from_bytes(data[i + 1:i + 3], "big", signed=True))
            i += 3
        elif b0 == 29:
            operands.append(int.from_bytes(data[i + 1:i + 5], "big", signed=True))
            i += 5
        elif b0 == 30:  # real number: nibbles up to a 0xf nibble
            i += 1
            while i < len(data) and (data[i] & 0x0F) != 0x0F and (data[i] >> 4) != 0x0F:
                i += 1
            i += 1
            operands.append(0)
        elif 32 <= b0 <= 246:
            operands.append(b0 - 139)
            i += 1
        elif 247 <= b0 <= 250:
            operands.append((b0 - 247) * 256 + data[i + 1] + 108)
            i += 2
        elif 251 <= b0 <= 254:
            operands.append(-(b0 - 251) * 256 - data[i + 1] - 108)
            i += 2
        else:
            raise ValueError("bad CFF DICT")
    return out


def _top_dict(cff) -> dict[int, list[int]] | None:
    if len(cff) < 4 or cff[0] != 1:
        return None
    _, pos = _index(cff, cff[2])  # Name INDEX, after the header
    top, _ = _index(cff, pos)
    return _dict(top[0]) if top else None


def _cff_is_cid_keyed(cff) -> bool:
    """True when this CFF table has a Top DICT that starts with ROS (a CIDFont)."""
    try:
        top = _top_dict(cff)
        return bool(top) and next(iter(top)) == 1230  # ROS
    except (IndexError, ValueError):
        return False


def _cids_are_gids(cff, glyph_count: int) -> bool:
    """True when the charset of this CID-keyed CFF maps every glyph id to the same CID.

    Only then can content streams that show glyph ids (as WeasyPrint's do) be read as
    CIDs: true of Noto CJK and Source Han (Adobe-Identity-0), not of e.g. Adobe-Japan1
    fonts, which are left to WeasyPrint.
    """
    try:
        top = _top_dict(cff)
        offset = (top or {}).get(15, [0])[0]  # charset
        if offset <= 2:  # a predefined (Latin) charset
            return False
        fmt, pos, gid = cff[offset], offset + 1, 1
        if fmt == 0:
            for gid in range(1, glyph_count):
                if int.from_bytes(cff[pos:pos + 2], "big") != gid:
                    return False
                pos += 2
            return True
        if fmt not in (1, 2):
            return False
        size = 1 if fmt == 1 else 2
        while gid < glyph_count:
            first = int.from_bytes(cff[pos:pos + 2], "big")
            left = int.from_bytes(cff[pos + 2:pos + 2 + size], "big")
            if first != gid:
                return False
            gid += left + 1
            pos += 2 + size
        return True
    except (IndexError, ValueError):
        return False


def is_cid_keyed_cff(font: bytes) -> bool:
    """True for an OpenType font whose CFF table is CID-keyed."""
    return font[:4] == b"OTTO" and _cff_is_cid_keyed(_table(font, b"CFF ") or b"")


# --- WeasyPrint finisher

_REF = re.compile(rb"^(\d+) 0 R$")


def font_programs(pdf) -> dict[int, list]:
    """Object number of each embedded OpenType font program -> the descriptors using it."""
    programs: dict[int, list] = {}
    for obj in pdf.objects:
        if isinstance(obj, dict) and obj.get("Type") == "/FontDescriptor":
            ref = obj.get("FontFile3")
            m = _REF.match(ref) if isinstance(ref, bytes) else None
            if m:
                programs.setdefault(int(m[1]), []).append(obj)
    return programs


def shrink_fonts(document, pdf) -> None:
    """WeasyPrint finisher: embed each CID-keyed CFF font as a compact bare CFF program.

    A font subset by `_compact_subset` loses its OpenType wrapper (tables a PDF reader does
    not use: cmap, hmtx, vmtx, name, OS/2 …; widths are in /W) and is embedded as bare
    CFF, FontFile3 /CIDFontType0C: the classic form (PDF 1.3) that readers map through the
    charset, as dvipdfmx and Acrobat Distiller embed CJK fonts. (Wrapped in OpenType,
    poppler would index it by glyph id and draw wrong glyphs.) Other fonts are untouched.
    """
    by_name = {font.name: font for font in document.fonts.values()}
    for number, descriptors in font_programs(pdf).items():
        stream = pdf.objects[number]
        fonts = [by_name.get(d.get("FontName")) for d in descriptors]
        if (None in fonts or len(stream.stream) != 1 or not isinstance(stream.stream[0], bytes)
                or stream.extra.get("Subtype") != "/OpenType"):
            continue
        program = stream.stream[0]
        if not all(getattr(font, "docpipe_compact", False) for font in fonts):
            continue  # WeasyPrint's own subset (retained ids): stays as it is
        cff = _table(program, b"CFF ") if is_cid_keyed_cff(program) else None
        if cff:
            stream.stream = [cff]
            stream.extra["Subtype"] = "/CIDFontType0C"


def write_pdf(document, **options) -> bytes:
    """`document.write_pdf(**options)` with compact CJK font subsets (the docpipe way)."""
    token = COMPACT.set(True)
    try:
        return document.write_pdf(finisher=shrink_fonts, **options)
    finally:
        COMPACT.reset(token)
