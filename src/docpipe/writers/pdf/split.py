"""Several briefings written as one PDF, then split into each briefing's own PDF.

WeasyPrint spends most of a short briefing's PDF time on per-document work: its two
HarfBuzz subset passes over each CJK font's 65,535 glyph slots, and writing. Laid out
separately (so each briefing's pages, running heads and `x / n` are exactly its own)
but written together (`Document.copy` of all their pages, WeasyPrint's documented way
to combine documents), that work is done once for a batch. `split` then gives each
briefing a PDF of its own pages, equal to the one WeasyPrint writes for it alone in
what a reader sees and gets: the same drawing instructions, fonts cut to its own
glyphs from the same font file, its own structure tree, bookmarks, named
destinations, metadata and identifier. Its bytes do not depend on the other
briefings of its batch (tests/test_split.py).

A briefing that cannot be cut that way (resources WeasyPrint numbers across the whole
document, a link to a named destination, a font this module does not cut), and every
briefing of a PDF variant (its own metadata stream), is written alone by the caller:
in any batch, so its bytes do not depend on the batch either.
"""

from __future__ import annotations

import io
import logging
import re
import sys
import zlib
from dataclasses import dataclass, field

from .join import copy_into

#: Fallbacks taken (each to a route that loses nothing), shown under --debug.
log = logging.getLogger(__name__)

#: Resource names WeasyPrint gives by counting through the whole document (ExtGState
#: `s3`, form XObjects `x2`, patterns `p0`, shadings `s1`): a briefing's would depend
#: on the briefings before it in a batch.
_COUNTED = re.compile(r"^/[sxp]\d+$")
_NAME = re.compile(rb"/([^\s/<>\[\]{}()%]+)")
_TEXT = re.compile(rb"/([^\s/<>\[\]{}()%]+)\s+[-+.\d]+\s+Tf|<([0-9a-fA-F\s]*)>")


@dataclass
class Piece:
    """One briefing of a batch: its page count and what its PDF says of itself."""

    pages: int
    info: dict[str, str] | None = field(default_factory=dict)  # /Info; None: write alone
    lang: str = ""
    ident: bytes = b""  # the first half of its /ID (WeasyPrint's pdf_identifier)
    #: its named destinations: (name, page within the piece, x, y in PDF units). Each
    #: briefing has the same names: the batch's PDF lists only the first of each.
    anchors: list[tuple[str, int, float, float]] = field(default_factory=list)


def anchors_of(document) -> list[tuple[str, int, float, float]]:
    """A laid-out Document's named destinations, where WeasyPrint puts them (the first
    anchor of a name, in PDF units from the page's foot)."""
    seen: set[str] = set()
    out = []
    for i, page in enumerate(document.pages):
        for name, (x, y, _, _) in page.anchors.items():
            if name not in seen:
                seen.add(name)
                out.append((name, i, x * 0.75, (page.height - y) * 0.75))
    return out


def info_of(metadata, producer: str) -> tuple[dict[str, str] | None, str]:
    """A WeasyPrint DocumentMetadata as /Info entries (as WeasyPrint writes them), and
    the document's language. None for a date in a form other than a full date and time
    (docpipe's templates write those): that briefing is written alone."""
    info = {"/Producer": producer}
    if metadata.title:
        info["/Title"] = metadata.title
    if metadata.authors:
        info["/Author"] = ", ".join(metadata.authors)
    if metadata.description:
        info["/Subject"] = metadata.description
    if metadata.keywords:
        info["/Keywords"] = ", ".join(metadata.keywords)
    if metadata.generator:
        info["/Creator"] = metadata.generator
    for key, when in (("/CreationDate", metadata.created), ("/ModDate", metadata.modified)):
        if when:
            date = _pdf_date(when)
            if date is None:
                return None, metadata.lang or ""
            info[key] = date
    for key, value in (metadata.custom or {}).items():
        info[f"/{key}"] = value
    return info, metadata.lang or ""


_W3C = re.compile(r"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d)(?::(\d\d))?(?:(Z)|([+-]\d\d):(\d\d))")


def _pdf_date(w3c: str) -> str | None:
    """`2025-03-06T00:00:00Z` as `D:20250306000000Z`, as WeasyPrint writes it; None for
    any other form (a date alone, a time without its zone)."""
    m = _W3C.fullmatch(w3c)
    if not m:
        return None
    y, mo, d, h, mi, sec, _, tzh, tzm = m.groups()
    zone = f"{int(tzh):+03d}'{tzm}" if tzh else "Z"
    return f"D:{y}{mo}{d}{h}{mi}{sec or '00'}{zone}"


def split(data: bytes, pieces: list[Piece]) -> list[bytes | None] | None:
    """Each piece's PDF, from `data` (their pages, in order). A piece that cannot be cut
    canonically (its pages use resources WeasyPrint numbers through the whole document,
    a link to a named destination, a font this module does not cut) is None: the caller
    writes that one alone, as it would in any batch. None for the whole batch when its
    PDF carries document-wide metadata (a PDF variant)."""
    import pikepdf

    src = pikepdf.open(io.BytesIO(data))
    try:
        if "/Metadata" in src.Root or "/OutputIntents" in src.Root or \
                sum(p.pages for p in pieces) != len(src.pages):
            return None
        tree, fonts = _SourceTree(src), _SourceFonts()
        if not tree.whole:
            return None
        out: list[bytes | None] = []
        start = 0
        for piece in pieces:
            try:
                out.append(_piece(src, tree, fonts, piece, start))
            except Exception as exc:  # a surprise in one piece: that one is written alone
                log.info("batch split: piece %d written alone (%s: %s)", len(out),
                         type(exc).__name__, exc)
                out.append(None)
            start += piece.pages
        return out
    finally:
        src.close()


def _canonical(srcpages, own, sources: dict) -> bool:
    """Whether a piece's PDF can be cut without depending on its batch."""
    for page in srcpages:
        for annot in page.obj.get("/Annots", []):  # a link to a name: whose name?
            if "/Dest" in annot or "/D" in annot.get("/A", {}):
                return False
    for cat in ("/ExtGState", "/XObject", "/Pattern", "/Shading"):
        sub = own.get(cat)
        if sub is not None and any(_COUNTED.match(k) for k in sub):
            return False
    return all(source is not None for source in sources.values())


class _SourceTree:
    """The batch's structure tree, read once: top-level elements and parent-tree entries
    by page, links' entries, with each element's link up to the shared Document cut
    (so copying one briefing's elements never copies the others')."""

    def __init__(self, src):
        import pikepdf

        from .assemble import number_tree

        root = src.Root.get("/StructTreeRoot")
        self.root = root
        self.by_page: dict[int, list] = {}
        self.parents: dict[int, object] = {}
        if root is None:
            return
        kids = root.K
        document = kids[0] if isinstance(kids, pikepdf.Array) else kids
        self.document_keys = {k: v for k, v in document.items()
                              if k not in ("/K", "/P", "/Type", "/S")}
        page_index = {p.obj.objgen: i for i, p in enumerate(src.pages)}
        for elem in list(document.get("/K", [])):
            pg = elem.get("/Pg")
            index = page_index.get(pg.objgen) if pg is not None else None
            self.by_page.setdefault(index if index is not None else -1, []).append(elem)
        self.parents = dict(number_tree(root.get("/ParentTree")))
        # Cut every link up to the shared Document, wherever it is (linked elements,
        # and margin boxes' ones that WeasyPrint keeps out of the tree but in the
        # parent tree): copying one briefing's elements must never reach the Document,
        # whose kids lead to every other briefing's pages.
        for obj in src.objects:
            if isinstance(obj, pikepdf.Dictionary) and "/P" in obj and \
                    obj.get("/Type") == pikepdf.Name.StructElem and \
                    obj.P.objgen == document.objgen:
                del obj["/P"]

    @property
    def whole(self) -> bool:
        """Every top-level element is on a page (so each goes to one piece)."""
        return -1 not in self.by_page


def _piece(src, tree: _SourceTree, fonts: _SourceFonts, piece: Piece, start: int
           ) -> bytes | None:
    import pikepdf

    end = start + piece.pages
    srcpages = list(src.pages)[start:end]
    own = _own_resources(src, srcpages)  # only what these pages draw
    sources = {key: fonts.get(font) for key, font in own.get("/Font", {}).items()}
    if piece.info is None or not _canonical(srcpages, own, sources):
        return None
    for page in srcpages:
        page.obj.Resources = own
    dst = pikepdf.new()
    dst.pages.extend(srcpages)
    pages = list(dst.pages)
    if not _refont(dst, pages, sources):
        dst.close()
        return None
    catalog = dst.Root
    if tree.root is not None:
        _copy_tree(dst, tree, pages, start, end)
    if piece.anchors:
        names = pikepdf.Array()
        for name, page, x, y in sorted(piece.anchors):
            names.extend([pikepdf.String(name), pikepdf.Array([
                pages[page].obj, pikepdf.Name.XYZ, _real(x), _real(y), 0])])
        catalog.Names = pikepdf.Dictionary(Dests=pikepdf.Dictionary(Names=names))
    outline = _outline(src, dst, start, end)
    if outline is not None:
        catalog.Outlines = outline
    for key in ("/MarkInfo", "/ViewerPreferences", "/PageMode", "/PageLayout"):
        if key in src.Root:
            catalog[key] = copy_into(dst, src.Root[key])
    if piece.lang:
        catalog.Lang = pikepdf.String(piece.lang)
    dst.trailer.Info = dst.make_indirect(
        pikepdf.Dictionary({k: pikepdf.String(v) for k, v in piece.info.items()}))
    ident = piece.ident or b"docpipe"
    dst.trailer.ID = pikepdf.Array([pikepdf.String(ident), pikepdf.String(ident)])
    buf = io.BytesIO()
    dst.save(buf, min_version=src.pdf_version, deterministic_id=True,
             object_stream_mode=pikepdf.ObjectStreamMode.generate)
    dst.close()
    return buf.getvalue()


def _content(page) -> bytes:
    import pikepdf

    contents = page.obj.get("/Contents")
    if contents is None:
        return b""
    if isinstance(contents, pikepdf.Array):
        return b"\n".join(c.read_bytes() for c in contents)
    return contents.read_bytes()


def _own_resources(src, srcpages):
    """A resource dictionary with only what `srcpages` (and the forms they draw) use:
    WeasyPrint gives every page of a document the same one."""
    import pikepdf

    shared = srcpages[0].obj.get("/Resources") if srcpages else None
    if shared is None:
        return src.make_indirect(pikepdf.Dictionary())
    names: set[bytes] = set()
    todo = [_content(p) for p in srcpages]
    forms: set[str] = set()
    xobjects = shared.get("/XObject", pikepdf.Dictionary())
    while todo:
        found = set(_NAME.findall(todo.pop()))
        names |= found
        for name in found:  # a form drawn here: the names it uses count too
            key = "/" + name.decode("latin-1")
            if key in xobjects and key not in forms:
                forms.add(key)
                form = xobjects[key]
                if form.get("/Subtype") == "/Form" and "/Resources" not in form:
                    todo.append(form.read_bytes())
    used = {"/" + n.decode("latin-1") for n in names}
    own = pikepdf.Dictionary()
    for key, value in shared.items():
        if isinstance(value, pikepdf.Dictionary) and key != "/ColorSpace":
            own[key] = pikepdf.Dictionary({k: v for k, v in value.items() if k in used})
        else:
            own[key] = value
    return src.make_indirect(own)


# --- fonts: each piece's own subset, cut from the batch's (the same font file) ---------


def _glyphs_by_font(pages) -> dict[str, set[int]]:
    """The glyph ids each font resource shows on `pages` (2-byte Identity-H codes)."""
    from array import array

    used: dict[str, set[int]] = {}
    for page in pages:
        current = None
        for font, hexa in _TEXT.findall(_content(page)):
            if font:
                current = "/" + font.decode("latin-1")
            elif current is not None and hexa:
                digits = bytes(c for c in hexa if c not in b" \t\r\n\f")
                if len(digits) % 4:  # not 2-byte codes (text is shown 4 digits a glyph)
                    continue
                codes = array("H", bytes.fromhex(digits.decode("ascii")))
                if sys.byteorder == "little":
                    codes.byteswap()
                used.setdefault(current, set()).update(codes)
    return used


class _SourceFonts:
    """The batch's fonts, read once for all its pieces: each program as a HarfBuzz
    face, its widths and its text."""

    def __init__(self):
        self.read: dict[tuple[int, int], tuple | None] = {}

    def get(self, font) -> tuple | None:
        import pikepdf
        import uharfbuzz as hb

        from .fontmerge import to_unicode, widths_of

        key = font.objgen
        if key not in self.read:
            found = None
            # (a font WeasyPrint encodes through a CMap, because a glyph is missing,
            # lists the batch's glyphs there: that briefing is written alone)
            if font.get("/Subtype") == "/Type0" and \
                    font.get("/Encoding") == pikepdf.Name("/Identity-H"):
                cid = font.DescendantFonts[0]
                desc = cid.FontDescriptor
                program = desc.get("/FontFile3") or desc.get("/FontFile2")
                kind = None
                if "/FontFile3" in desc and program.get("/Subtype") == "/OpenType":
                    kind = "cff"
                elif "/FontFile2" in desc and cid.get("/CIDToGIDMap") == \
                        pikepdf.Name.Identity:
                    kind = "truetype"
                if kind:
                    found = (kind, hb.Face(hb.Blob(program.read_bytes())),
                             widths_of(cid.get("/W")), to_unicode(font.get("/ToUnicode")))
            self.read[key] = found
        return self.read[key]


def _refont(dst, pages, sources: dict[str, tuple | None]) -> bool:
    """Cut each Type0 font of `pages` down to the glyphs they show (the batch's PDF
    embeds the glyphs of all its briefings), as `fonts.compact_fonts` does for one
    briefing written alone: a bare CID-keyed CFF, or TrueType with a /CIDToGIDMap.
    `sources`: each font resource's `_SourceFonts` entry."""
    import pikepdf

    from .fontmerge import cmap_bytes, w_bytes
    from .fonts import cff_subset, truetype_subset

    used = _glyphs_by_font(pages)
    fonts = pages[0].obj.Resources.get("/Font") if pages else None
    if fonts is None:
        return True
    flate = pikepdf.Name.FlateDecode
    for key in sorted(fonts.keys()):
        source, gids = sources.get(key), used.get(key)
        if source is None:
            return False
        if not gids:
            continue
        kind, face, all_widths, all_text = source
        font = fonts[key]
        cid = font.DescendantFonts[0]
        desc = cid.FontDescriptor
        widths = {g: all_widths[g] for g in gids if g in all_widths}
        text = {g: all_text[g] for g in gids if g in all_text}
        if kind == "cff":
            compact = cff_subset(face, set(widths))
            if compact is None:
                return False
            desc.FontFile3 = dst.make_stream(zlib.compress(compact), Filter=flate,
                                             Subtype=pikepdf.Name.CIDFontType0C)
        else:
            done = truetype_subset(face, set(widths))
            if done is None:
                return False
            data, table = done
            desc.FontFile2 = dst.make_stream(zlib.compress(data), Filter=flate,
                                             Length1=len(data))
            cid.CIDToGIDMap = dst.make_stream(zlib.compress(table), Filter=flate)
        cid.W = pikepdf.Object.parse(w_bytes(widths))
        flags = desc.get("/Flags")  # FixedPitch: set when the glyphs shown are one width
        if flags is not None:
            fixed = len(widths) > 1 and len(set(widths.values())) == 1
            desc.Flags = (int(flags) & ~1) | int(fixed)
        box = desc.get("/FontBBox")  # WeasyPrint's: as wide as the widest glyph shown
        if isinstance(box, pikepdf.Array) and len(box) == 4 and widths:
            widest = max(widths.values())
            desc.FontBBox = pikepdf.Array([box[0], box[1], int(widest) if float(
                widest).is_integer() else widest, box[3]])
        font.ToUnicode = dst.make_stream(zlib.compress(cmap_bytes(text)), Filter=flate)
    return True


# --- structure tree, named destinations, bookmarks ------------------------------------


def _copy_tree(dst, tree: _SourceTree, pages, start: int, end: int) -> None:
    """The piece's own structure tree: a Document of the top-level elements of its
    pages, and a parent tree numbered from its first page (then its links)."""
    import pikepdf

    document = dst.make_indirect(pikepdf.Dictionary(
        Type=pikepdf.Name.StructElem, S=pikepdf.Name.Document, K=pikepdf.Array()))
    for k, v in tree.document_keys.items():
        document[k] = copy_into(dst, v)
    root = dst.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.StructTreeRoot,
                                                K=pikepdf.Array([document])))
    document.P = root
    for index in range(start, end):
        for elem in tree.by_page.get(index, []):
            copied = copy_into(dst, elem)
            copied.P = document
            document.K.append(copied)
    nums = pikepdf.Array()
    for i, index in enumerate(range(start, end)):
        if "/StructParents" in pages[i].obj:
            pages[i].obj.StructParents = i
        value = tree.parents.get(index)
        if value is None:
            continue
        copied = copy_into(dst, value)
        _adopt(copied, document)
        nums.extend([i, copied])
    next_key = end - start
    for page in pages:  # links: their parent-tree keys follow the pages'
        for annot in page.obj.get("/Annots", []):
            key = annot.get("/StructParent")
            if key is None or int(key) not in tree.parents:
                continue
            copied = copy_into(dst, tree.parents[int(key)])
            _adopt(copied, document)
            annot.StructParent = next_key
            nums.extend([next_key, copied])
            next_key += 1
    root.ParentTree = dst.make_indirect(pikepdf.Dictionary(Nums=nums))
    if "/Namespaces" in tree.root:
        root.Namespaces = copy_into(dst, tree.root.Namespaces)
    dst.Root.StructTreeRoot = root


def _adopt(value, document) -> None:
    """Elements whose link up to the Document was cut get the piece's Document."""
    import pikepdf

    for elem in (value if isinstance(value, pikepdf.Array) else [value]):
        seen = 0
        while isinstance(elem, pikepdf.Dictionary) and seen < 64:
            if "/P" not in elem:
                if elem.get("/Type") == pikepdf.Name.StructElem and \
                        elem.objgen != document.objgen:
                    elem.P = document
                break
            elem, seen = elem.P, seen + 1


def _dest_page(dest, src) -> int | None:
    import pikepdf

    if isinstance(dest, pikepdf.Array) and len(dest) and isinstance(dest[0],
                                                                     pikepdf.Dictionary):
        try:
            return src.pages.index(pikepdf.Page(dest[0]))
        except ValueError:
            return None
    return None


def _real(value: float):
    from decimal import Decimal

    return Decimal(f"{value:f}")


def _outline(src, dst, start: int, end: int):
    """The piece's bookmarks: the batch's, those pointing into its pages, with the same
    titles, places and open or closed state; one whose parent points elsewhere moves up."""
    import pikepdf

    root = src.Root.get("/Outlines")
    if root is None:
        return None

    def items(first):
        node, seen = first, 0
        while node is not None and seen < 100000:
            yield node
            node, seen = node.get("/Next"), seen + 1

    def collect(first) -> list:
        out = []
        for node in items(first):
            kids = collect(node.get("/First"))
            page = _dest_page(node.get("/Dest"), src)
            if page is not None and start <= page < end:
                out.append((node, kids))
            else:
                out.extend(kids)
        return out

    tree = collect(root.get("/First"))
    if not tree:
        return None
    top = dst.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Outlines)) \
        if "/Type" in root else dst.make_indirect(pikepdf.Dictionary())

    def build(parent, nodes) -> int:
        made = []
        visible = 0
        for node, kids in nodes:
            item = dst.make_indirect(pikepdf.Dictionary(
                Title=node.Title, Dest=copy_into(dst, node.Dest), Parent=parent))
            shown = build(item, kids)
            if kids:
                count = int(node.get("/Count", 0))
                item.Count = shown if count >= 0 else -shown
                visible += shown if count >= 0 else 0
            else:
                item.Count = 0
            made.append(item)
            visible += 1
        for a, b in zip(made, made[1:], strict=False):
            a.Next, b.Prev = b, a
        if made:
            parent.First, parent.Last = made[0], made[-1]
        return visible

    top.Count = build(top, tree)
    return top
