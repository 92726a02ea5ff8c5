"""Compact embedded fonts, made on the finished PDF through WeasyPrint's `finisher` hook.

WeasyPrint subsets fonts with HarfBuzz but retains glyph ids (``RETAIN_GIDS``), because
its content streams show glyphs by their ids in the full font. For Noto CJK (65,535
glyphs) every subset then keeps ~63,000 empty slots: 280 KB compressed for the 590
glyphs of the reference page, 150 KB for 70 bold ones.

`compact_fonts`, a finisher (the documented hook that gets the `pydyf.PDF` before it is
written), re-subsets each embedded font program with uharfbuzz, keeping only the glyphs
the PDF uses, and leaves every content stream as WeasyPrint wrote it:

- a *CID-keyed* CFF font (Noto CJK, Source Han: CID == glyph id) is embedded as a bare
  CFF program (FontFile3 /CIDFontType0C). A PDF reader finds the glyph of a CID through
  the CFF charset (ISO 32000-2, 9.7.4.2), and a HarfBuzz subset keeps each glyph's
  original CID there, so the renumbered glyphs stay where the content streams, the
  widths (/W) and the ToUnicode map, all keyed by the original ids, expect them;
- a TrueType font (the fallback fonts for CJK extension planes and emoji) gets a
  /CIDToGIDMap stream from the original ids to the renumbered glyphs.

Any other font (name-keyed CFF, CID fonts whose CIDs are not their glyph ids) and any
font uharfbuzz cannot subset stay as WeasyPrint wrote them. WeasyPrint's, pydyf's and
HarfBuzz's public APIs only: nothing of theirs is replaced. tests/test_pdf_fonts.py
checks that text and rendered pages are identical to WeasyPrint's own output.
"""

from __future__ import annotations

import logging
import re
import sys
from functools import lru_cache

#: Fallbacks taken (each to a route that loses nothing), shown under --debug.
log = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def load_weasyprint():
    """`import weasyprint`, 0.25 s faster on Linux; call it before any weasyprint import.

    WeasyPrint opens each native library by trying several names (Windows and macOS
    ones first); cffi passes every name that is not a file to ctypes.util.find_library,
    which runs gcc, ldconfig and ld in subprocesses, about 20 times. Each library's
    last candidate is its Linux soname (`libpango-1.0.so.0` …), which the dynamic
    loader opens directly, the same file find_library would have named: so during this
    import find_library answers "not found" without the subprocesses (a standard-library
    function, restored at once; WeasyPrint itself is left as it is).

    Adapter: neither WeasyPrint nor cffi has a seam for this. The only swap of a library
    function in docpipe; tests/test_pdf_fonts.py checks that the same library files are
    opened with it as without, so a WeasyPrint that stops reaching its sonames fails there.
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
    return weasyprint


def write_pdf(document, **options) -> bytes:
    """`document.write_pdf(**options)` with compact font subsets (the docpipe way)."""
    return document.write_pdf(finisher=compact_fonts, **options)


# --- the finisher

_REF = re.compile(rb"^(\d+) 0 R$")
# Tables a PDF reader never uses (WeasyPrint drops the same ones).
_DROP = ("BASE", "DSIG", "EBDT", "EBLC", "EBSC", "GPOS", "GSUB", "JSTF", "LTSH", "PCLT",
         "SVG ")
_CLAMPED = 0xFFFF  # WeasyPrint's id for missing glyphs once a font's ids run out


def _number(ref) -> int | None:
    m = _REF.match(ref) if isinstance(ref, bytes) else None
    return int(m[1]) if m else None


def _widths_gids(widths) -> set[int]:
    """The glyph ids listed in a /W array (`first [w1 w2 …]` runs, as WeasyPrint writes)."""
    gids: set[int] = set()
    items = list(widths or ())
    for i in range(0, len(items) - 1, 2):
        if isinstance(items[i], int) and isinstance(items[i + 1], list):
            gids.update(range(items[i], items[i] + len(items[i + 1])))
    return gids


def compact_fonts(document, pdf) -> None:
    """WeasyPrint finisher: re-subset every embedded font to the glyphs the PDF uses."""
    objects = pdf.objects
    users: dict[int, list[dict]] = {}  # font program -> CIDFont dictionaries using it
    for obj in objects:
        if isinstance(obj, dict) and obj.get("Subtype") in ("/CIDFontType0", "/CIDFontType2"):
            descriptor = _number(obj.get("FontDescriptor"))
            if descriptor is None:
                continue
            desc = objects[descriptor]
            program = _number(desc.get("FontFile3") or desc.get("FontFile2"))
            if program is not None:
                users.setdefault(program, []).append(obj)
    for program, cid_fonts in users.items():
        stream = objects[program]
        if len(stream.stream) != 1 or not isinstance(stream.stream[0], bytes):
            continue
        gids = set().union(*(_widths_gids(f.get("W")) for f in cid_fonts))
        try:
            if stream.extra.get("Subtype") == "/OpenType":
                _compact_cff(stream, gids)
            elif all(f["Subtype"] == "/CIDFontType2" for f in cid_fonts):
                _compact_truetype(pdf, stream, gids, cid_fonts)
        except Exception as exc:  # any surprise: WeasyPrint's own subset stays
            log.info("font %s: WeasyPrint's subset kept (%s: %s)", program,
                     type(exc).__name__, exc)
            continue
    _unclaim_clamped_glyphs(objects)


def _subset_input(gids: set[int], count: int):
    import uharfbuzz as hb

    inp = hb.SubsetInput()
    inp.glyph_set.update({0, *(g for g in gids if g < count)})
    inp.drop_table_tag_set.update(int.from_bytes(t.encode("latin-1"), "big") for t in _DROP)
    inp.flags = (hb.SubsetFlags.DESUBROUTINIZE | hb.SubsetFlags.PASSTHROUGH_UNRECOGNIZED
                 | hb.SubsetFlags.NO_HINTING | hb.SubsetFlags.NOTDEF_OUTLINE)
    return inp


def _compact_cff(stream, gids: set[int]) -> None:
    """An OpenType CFF program whose CFF is CID-keyed with CID == GID: bare compact CFF."""
    import uharfbuzz as hb

    compact = cff_subset(hb.Face(hb.Blob(stream.stream[0])), gids)
    if compact:
        stream.stream = [compact]
        stream.extra["Subtype"] = "/CIDFontType0C"


def cff_subset(face, gids: set[int]) -> bytes | None:
    """The bare CFF of `face` (a uharfbuzz Face of a CID-keyed OpenType CFF font whose
    used glyphs have CID == GID) cut down to `gids`, each glyph keeping its CID; None
    when the font is not of that kind. Also used by the pack to merge its briefings'
    subsets into one (`writers.assemble`)."""
    import uharfbuzz as hb

    cff = bytes(face.reference_table("CFF ").data)
    used = [g for g in gids if g < face.glyph_count]
    if not used or not cff or not _cff_is_cid_keyed(cff):
        return None
    if _identity_prefix(cff, face.glyph_count) <= max(used):
        return None  # a used glyph's CID is not its id: readers would draw another glyph
    out = hb.subset(face, _subset_input(gids, face.glyph_count))
    compact = bytes(out.reference_table("CFF ").data) if out else b""
    return compact if compact and _cff_is_cid_keyed(compact) else None


def _compact_truetype(pdf, stream, gids: set[int], cid_fonts: list[dict]) -> None:
    """A TrueType program: only the used glyphs, and a /CIDToGIDMap to their new ids."""
    import pydyf
    import uharfbuzz as hb

    program = stream.stream[0]
    if any(f.get("CIDToGIDMap", "/Identity") != "/Identity" for f in cid_fonts):
        return
    done = truetype_subset(hb.Face(hb.Blob(program)), gids)
    if done is None or len(done[0]) >= len(program):
        stream.stream = [_no_clock(program)]  # (same length)
        return
    data, table = done
    cid_to_gid = pydyf.Stream([table], compress=stream.compress)
    pdf.add_object(cid_to_gid)
    stream.stream = [data]
    stream.extra["Length1"] = len(data)
    for font in cid_fonts:
        font["CIDToGIDMap"] = cid_to_gid.reference


def truetype_subset(face, gids: set[int]) -> tuple[bytes, bytes] | None:
    """`face` (a uharfbuzz Face of a TrueType font) cut down to `gids`, and the
    /CIDToGIDMap stream's data from the original glyph ids (the content streams' CIDs)
    to the renumbered glyphs; None when HarfBuzz cannot subset it."""
    import uharfbuzz as hb

    plan = hb.SubsetPlan(face, _subset_input(gids, face.glyph_count))
    mapping = plan.old_to_new_glyph_mapping
    out = plan.execute()
    data = bytes(out.blob.data) if out else b""
    if not data or not mapping:
        return None
    table = bytearray(2 * (max(mapping) + 1))
    for old, new in mapping.items():
        table[2 * old:2 * old + 2] = new.to_bytes(2, "big")
    return _no_clock(data), bytes(table)


def _no_clock(font: bytes) -> bytes:
    """`font` with its 'head' table's modified time set to its created time. WeasyPrint
    rebuilds a colour font (emoji) with fontTools, which stamps the current time there:
    without this, a page with an emoji would give other PDF bytes every second. The
    table's and the font's checksums are made right again."""
    def checksum(data) -> int:
        data = bytes(data) + b"\0" * (-len(data) % 4)
        return sum(int.from_bytes(data[i:i + 4], "big") for i in range(0, len(data), 4)) \
            & 0xFFFFFFFF

    if len(font) < 12:
        return font
    for i in range(int.from_bytes(font[4:6], "big")):
        rec = 12 + 16 * i
        if font[rec:rec + 4] != b"head":
            continue
        off, length = (int.from_bytes(font[rec + 8:rec + 12], "big"),
                       int.from_bytes(font[rec + 12:rec + 16], "big"))
        if length < 36 or off + length > len(font) or \
                font[off + 28:off + 36] == font[off + 20:off + 28]:
            return font
        out = bytearray(font)
        out[off + 28:off + 36] = out[off + 20:off + 28]  # modified := created
        out[off + 8:off + 12] = bytes(4)  # checkSumAdjustment, summed as 0
        out[rec + 4:rec + 8] = checksum(out[off:off + length]).to_bytes(4, "big")
        out[off + 8:off + 12] = ((0xB1B0AFBA - checksum(out)) & 0xFFFFFFFF).to_bytes(4, "big")
        return bytes(out)
    return font


def unclaim_clamped_glyphs(document, pdf) -> None:
    """WeasyPrint finisher: only the ToUnicode fix below (fonts kept as WeasyPrint
    embeds them, for `split` to cut each briefing's own)."""
    _unclaim_clamped_glyphs(pdf.objects)


def _unclaim_clamped_glyphs(objects) -> None:
    """Missing glyphs share id 0xFFFF once a font (Noto CJK: 65,535 glyphs) has no free
    ids left; WeasyPrint's ToUnicode then names the first such character for all of them,
    so copy and search would return a real, different character. Map it to U+FFFD."""
    for obj in objects:
        if not (isinstance(obj, dict) and obj.get("Subtype") == "/Type0"):
            continue
        encoding = _number(obj.get("Encoding"))
        to_unicode = _number(obj.get("ToUnicode"))
        if encoding is None or to_unicode is None:
            continue
        if f"<{_CLAMPED:04x}> 0".encode() not in objects[encoding].stream:
            continue
        lines = objects[to_unicode].stream
        prefix = f"<{_CLAMPED:04x}> <".encode()
        for i, line in enumerate(lines):
            if isinstance(line, bytes) and line.startswith(prefix):
                lines[i] = prefix + b"fffd>"


# --- CFF inspection: is this CFF CID-keyed (Top DICT has ROS), with CID == GID?

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
    return _identity_prefix(cff, glyph_count) >= glyph_count


def _identity_prefix(cff, glyph_count: int) -> int:
    """How many glyph ids, from 0, the charset of this CID-keyed CFF maps to the same CID.

    (WeasyPrint's subset of Noto CJK may end with a glyph its layout closure added,
    whose CID is not its id; the glyphs the PDF shows come before it.)
    """
    try:
        top = _top_dict(cff)
        offset = (top or {}).get(15, [0])[0]  # charset
        if offset <= 2:  # a predefined (Latin) charset
            return 0
        fmt, pos, gid = cff[offset], offset + 1, 1
        if fmt == 0:
            while gid < glyph_count and int.from_bytes(cff[pos:pos + 2], "big") == gid:
                gid += 1
                pos += 2
            return gid
        if fmt not in (1, 2):
            return 0
        size = 1 if fmt == 1 else 2
        while gid < glyph_count:
            first = int.from_bytes(cff[pos:pos + 2], "big")
            left = int.from_bytes(cff[pos + 2:pos + 2 + size], "big")
            if first != gid:
                return gid
            gid += left + 1
            pos += 2 + size
        return glyph_count
    except (IndexError, ValueError):
        return 0


def cff_name(cff: bytes) -> str:
    """The PostScript name a bare CFF program keeps (its Name INDEX), or ""."""
    try:
        names, _ = _index(cff, cff[2])
        return names[0].decode("latin-1") if names else ""
    except (IndexError, ValueError):
        return ""


def cff_glyph_count(cff: bytes) -> int:
    """How many glyphs (CharStrings) a bare CFF program holds; 0 when it cannot be read.
    The pack checks a merged subset with it: one glyph for each one asked for."""
    try:
        top = _top_dict(cff)
        offset = (top or {}).get(17, [0])[0]  # CharStrings
        return int.from_bytes(cff[offset:offset + 2], "big") if offset > 0 else 0
    except (IndexError, ValueError):
        return 0


def is_cid_keyed_cff(font: bytes) -> bool:
    """True for an OpenType font whose CFF table is CID-keyed."""
    return font[:4] == b"OTTO" and _cff_is_cid_keyed(_table(font, b"CFF ") or b"")
