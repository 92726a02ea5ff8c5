"""The pack's PDF, assembled from its briefings' own PDFs: every page is laid out once.

    front matter (cover, contents, overview: one WeasyPrint document, given the page
    numbers the briefings will have)  +  each briefing's PDF, as written beside the pack
        └──────────── joined with pikepdf (qpdf) ────────────┘

- **Fonts.** Each briefing embeds its own subset of a font (say Noto Serif CJK TC). The
  pack keeps one: the subsets of one CID-keyed CFF font (Noto CJK) shown through the
  identity encoding become one subset of the union of their glyphs, cut again from the
  installed font file (fontconfig finds it by the PostScript name the subset keeps).
  Content streams show glyphs by their ids in the full font (the CIDs, see `fonts.py`),
  so no page is rewritten. Any other font (TrueType fallbacks, a font WeasyPrint encodes
  through a CMap because a glyph is missing), a font that cannot be found, or whose
  installed file is not the one the briefing was laid out with, keeps its per-briefing
  copies: a bigger file, never other glyphs. Only the fonts read as members of a merged
  font are ever replaced by it.
- **Page numbers.** A briefing keeps its own footer (`2 / 3`); the pack's page number,
  the one the contents cite, is stamped at the foot's centre, where the front matter
  shows its own, as a pagination artifact (not read by screen readers), with a font
  WeasyPrint embedded for those characters alone (`stamp sheet`, laid out with the
  front matter).
- **Read back.** `writers.collection` compares every page's text in the pack with its
  source's (`verify`) and falls back to `join` (pikepdf, every part as it is) on any
  difference.
- **Tags.** Each briefing's structure tree becomes an `Art` element of the pack's
  `Document`; the pages' and links' structure keys are renumbered.
- **Outline and links.** One bookmark per briefing; the front matter's links
  (`docpipe:N`, N the 0-based page of the briefings) become links to that page.
- **Memory.** The pack is written as it is built (`pdfstream`): one part open at a
  time, its objects renumbered and written out, so memory does not grow with the pages.

Deterministic: the same inputs give the same bytes (the /ID is a digest of the file).
"""

from __future__ import annotations

import io
import re
import subprocess
import zlib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

#: The scheme of the front matter's links to a page of the briefings (0-based index).
LINK_SCHEME = "docpipe:"
#: The characters of stamped page numbers (arabic, and roman for the front matter).
STAMPED = "0123456789ivxlcdm"


@dataclass(frozen=True)
class Stamp:
    """How the pack's page number is drawn on the briefings' pages: as the front
    matter's `@bottom-center` (briefing.css: 8pt, #777, the footer's baseline)."""

    size: float = 8.0
    gray: float = 0.466667
    baseline: float = 27.72  # pt above the page's bottom edge


@dataclass
class Part:
    """A PDF whose pages join the pack: a briefing (a file, one bookmark) or a chunk of
    the front matter (bytes)."""

    path: Path | None
    title: str = ""
    data: bytes | None = None
    start: int = 0  # 0-based index of its first page in the pack
    pages: int = 0
    top: str = "842"  # its first page's height: where its bookmark points
    version: str = "1.7"  # its PDF version
    #: its fonts (by object) read as members of a merged font: only those are replaced
    merged: set[tuple[int, int]] = field(default_factory=set)
    #: per merged font (BaseFont): the text of the glyphs this part reads otherwise than
    #: the font's first member, and the Type0 font written for it
    texts: dict[str, dict[int, str]] = field(default_factory=dict)
    wrappers: dict[str, int] = field(default_factory=dict)

    @property
    def front(self) -> bool:
        return self.data is not None

    def open(self):
        import pikepdf

        try:
            return pikepdf.open(self.path if self.data is None else io.BytesIO(self.data))
        except (pikepdf.PdfError, OSError) as exc:  # a page's PDF changed since it was made
            from ..errors import OutputError

            raise OutputError(f"cannot be read into the pack ({exc}); run again with "
                              "--force to make it anew", str(self.path or "")) from None


def read_parts(parts: list[Part], fonts: _Fonts | None = None, scan: bool = True) -> _Fonts:
    """The first pass over `parts`: each one's page count (which the front matter's
    contents needs before it is laid out) and, with `scan`, the glyphs each of its
    fonts shows (the slow part: the front matter can be laid out meanwhile)."""
    fonts = fonts or _Fonts()
    for part in parts:
        with part.open() as src:
            part.pages = len(src.pages)
            if part.pages:
                part.top = f"{float(src.pages[0].mediabox[3]):g}"
            part.version = src.pdf_version
            if scan:
                fonts.scan(src, part)
    return fonts


def assemble(fronts: list[bytes], parts: list[Part], fonts: _Fonts | None = None,
             stamp: Stamp | None = None, sheet: bytes | None = None
             ) -> tuple[bytes, list[str], list[str]]:
    """The pack's PDF: the front matter's PDFs (`fronts`; the catalog's and document's
    metadata from the first), then the briefings' (`parts`, already read by `read_parts`
    when `fonts` is given); notes on what could not be done as planned (a font left per
    briefing, page numbers not stamped); and the number stamped on each page ("" where
    none is). `sheet`: the stamp sheet, a PDF whose first font draws `STAMPED`."""
    import pikepdf

    from .pdfstream import Copier, Writer, placeholder

    stamp = stamp or Stamp()
    notes: list[str] = []
    if fonts is None:
        fonts = read_parts(parts)
    front_parts = [Part(None, data=data) for data in fronts]
    read_parts(front_parts, fonts)
    sheet_part = Part(None, data=sheet) if sheet else None
    if sheet_part is not None:  # its font joins the body font's subset, when merged
        read_parts([sheet_part], fonts)
    every = front_parts + parts
    version = max(["1.7", *(p.version for p in every)])
    start = 0
    for part in every:
        part.start, start = start, start + part.pages
    front = parts[0].start if parts else start
    out = io.BytesIO()
    writer = Writer(out, version)
    page_numbers = [writer.reserve() for _ in range(start)]
    pages_root, struct_root, document, catalog = (writer.reserve() for _ in range(4))
    fonts.merge(writer, notes)
    numbers = PageNumbers.from_sheet(sheet_part, writer, fonts, stamp, front, notes) \
        if start > 1 else None
    tree = _Tree()
    meta: dict[str, bytes] = {}
    for part in every:
        with part.open() as src:
            srcpages = list(src.pages)
            mapping = {p.obj.objgen: page_numbers[part.start + i]
                       for i, p in enumerate(srcpages)}
            copier = Copier(writer, src, mapping)
            if part is every[0]:
                meta = _catalog_entries(src, copier)
            explicit_destinations(src)
            if part.front:
                link_to_briefings(src.pages, front, len(page_numbers),
                                  lambda n: placeholder(page_numbers[n]))
            fonts.use_merged(srcpages, part, placeholder)
            for i, page in enumerate(srcpages):
                page.obj.Parent = placeholder(pages_root)
                if numbers is not None:
                    numbers.stamp(src, page, part.start + i, placeholder(numbers.font))
            tree.add(src, srcpages, copier, placeholder(document),
                     pikepdf.Name.Div if part.front else pikepdf.Name.Art)
            for page in srcpages:
                copier.number(page.obj.objgen)
            copier.flush()
    writer.add(pages_root, b"<< /Type /Pages /Kids [%s] /Count %d >>" % (
        b" ".join(b"%d 0 R" % n for n in page_numbers), len(page_numbers)))
    tree.write(writer, struct_root, document, meta.pop("/StructTreeRoot", None))
    outline = _outline(writer, parts, page_numbers)
    entries = {**meta, "/Type": b"/Catalog", "/Pages": b"%d 0 R" % pages_root,
               "/StructTreeRoot": b"%d 0 R" % struct_root,
               "/PageLabels": page_labels(front, start).unparse(),
               "/PageMode": b"/UseOutlines"}
    if outline:
        entries["/Outlines"] = b"%d 0 R" % outline
    if not tree.kids:
        del entries["/StructTreeRoot"]
    info = entries.pop("/Info", None)
    writer.add(catalog, b"<< " + b" ".join(
        k.encode() + b" " + v for k, v in entries.items()) + b" >>")
    writer.close(catalog, int(info.split()[0]) if info else None)
    stamps = [stamp_text(i, front) if numbers is not None else "" for i in range(start)]
    return out.getvalue(), notes, stamps


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


def _catalog_entries(src, copier) -> dict[str, bytes]:
    """What the pack keeps of the first front matter PDF's catalog (language, tagging
    flags, viewer preferences, XMP metadata …) and its document information."""
    skip = ("/Type", "/Pages", "/StructTreeRoot", "/Outlines", "/Names", "/PageLabels",
            "/PageMode", "/OpenAction", "/Dests")
    entries = {k: copier.ref(v) for k, v in src.Root.items() if k not in skip}
    if "/Info" in src.trailer:
        entries["/Info"] = copier.ref(src.trailer.Info)
    if "/StructTreeRoot" in src.Root:  # the role map and the like, for the pack's root
        root = src.Root.StructTreeRoot
        entries["/StructTreeRoot"] = {k: copier.ref(v) for k, v in root.items()
                                      if k in ("/RoleMap", "/ClassMap")}
    return entries


def explicit_destinations(src) -> None:
    """Links inside a briefing that name a destination (`/Dest (id)`) get the explicit
    one: the briefings' name trees are not merged (their names repeat)."""
    import pikepdf

    names = src.Root.get("/Names")
    if names is None or "/Dests" not in names:
        return
    dests = pikepdf.NameTree(names.Dests)
    for page in src.pages:
        for annot in page.obj.get("/Annots", []):
            dest = annot.get("/Dest")
            if isinstance(dest, pikepdf.String) and str(dest) in dests:
                annot.Dest = dests[str(dest)]


def link_to_briefings(pages, front: int, total: int, target) -> None:
    """The front matter's `docpipe:N` links (on `pages`) go to the N-th page of the
    briefings: `target(index)` is the pack's page `index` (0-based) as a link names it."""
    import pikepdf

    for page in pages:
        for annot in page.obj.get("/Annots", []):
            action = annot.get("/A")
            uri = str(action.get("/URI", "")) if action is not None else ""
            if not uri.startswith(LINK_SCHEME):
                continue
            try:
                index = front + int(uri[len(LINK_SCHEME):])
            except ValueError:
                continue
            if not 0 <= index < total:
                continue
            del annot["/A"]
            top = float(page.mediabox[3])
            annot.Dest = pikepdf.Array([target(index), pikepdf.Name.XYZ, 0, top, 0])
            if "/Contents" in annot:  # (tagged PDF: the link's description, not its URI)
                annot.Contents = pikepdf.String(str(index - front + 1))


def _outline(writer, parts: list[Part], page_numbers: list[int]) -> int | None:
    """One bookmark per briefing, to the top of its first page."""
    import pikepdf

    items = [p for p in parts if not p.front]
    if not items:
        return None
    root = writer.reserve()
    nums = [writer.reserve() for _ in items]
    for i, (part, num) in enumerate(zip(items, nums, strict=True)):
        links = b""
        if i:
            links += b" /Prev %d 0 R" % nums[i - 1]
        if i + 1 < len(nums):
            links += b" /Next %d 0 R" % nums[i + 1]
        title = pikepdf.String(part.title).unparse()
        writer.add(num, b"<< /Title %s /Parent %d 0 R%s /Dest [%d 0 R /XYZ 0 %s 0] >>" % (
            title, root, links, page_numbers[part.start], part.top.encode()))
    writer.add(root, b"<< /Type /Outlines /First %d 0 R /Last %d 0 R /Count %d >>"
               % (nums[0], nums[-1], len(nums)))
    return root


# --- tags --------------------------------------------------------------------------------


class _Tree:
    """The pack's structure tree: under one `Document`, each part's own top element as
    an `Art` (a briefing) or `Div` (front matter); structure keys (/StructParents of
    pages, /StructParent of annotations) renumbered into one parent tree."""

    def __init__(self):
        self.kids: list[bytes] = []
        self.nums: list[tuple[int, bytes]] = []
        self.spaces: list[bytes] = []
        self.next_key = 0

    def add(self, src, pages, copier, parent, role) -> None:
        import pikepdf

        root = src.Root.get("/StructTreeRoot")
        if root is None:
            return
        offset = self.next_key
        nums = number_tree(root.get("/ParentTree"))
        for key, value in nums:
            self.nums.append((key + offset, copier.ref(value)))
        self.next_key = renumber(pages, nums, offset)
        for kid in top_elements(root):
            if kid.get("/S") == pikepdf.Name.Document:
                kid.S = role
            kid.P = parent
            self.kids.append(copier.ref(kid))
        for space in root.get("/Namespaces", []):  # PDF 2.0: the namespaces used
            self.spaces.append(copier.ref(space))

    def write(self, writer, root: int, document: int, extra: dict | None) -> None:
        if not self.kids:
            return
        nums = b" ".join(b"%d %s" % (k, v) for k, v in sorted(self.nums, key=lambda kv: kv[0]))
        tree = writer.reserve()
        writer.add(tree, b"<< /Nums [%s] >>" % nums)
        more = b"".join(b" %s %s" % (k.encode(), v) for k, v in (extra or {}).items())
        if self.spaces:
            more += b" /Namespaces [%s]" % b" ".join(self.spaces)
        writer.add(root, b"<< /Type /StructTreeRoot /K [%d 0 R] /ParentTree %d 0 R "
                   b"/ParentTreeNextKey %d%s >>" % (document, tree, self.next_key, more))
        writer.add(document, b"<< /Type /StructElem /S /Document /P %d 0 R /K [%s] >>"
                   % (root, b" ".join(self.kids)))


def renumber(pages, entries: list, offset: int) -> int:
    """Move `pages`' structure keys (their /StructParents, their links' /StructParent)
    up by `offset`, where their part's parent tree (`entries`) now starts in the pack's;
    the pack's next free key."""
    for page in pages:
        if "/StructParents" in page.obj:
            page.obj.StructParents = int(page.obj.StructParents) + offset
        for annot in page.obj.get("/Annots", []):
            if "/StructParent" in annot:
                annot.StructParent = int(annot.StructParent) + offset
    return offset + max((k for k, _ in entries), default=-1) + 1


def top_elements(root) -> list:
    """The top structure elements of a structure tree root."""
    import pikepdf

    kids = root.get("/K")
    return [k for k in (list(kids) if isinstance(kids, pikepdf.Array) else [kids])
            if isinstance(k, pikepdf.Dictionary)]


def number_tree(node) -> list:
    """(key, value) pairs of a number tree, its /Kids walked."""
    if node is None:
        return []
    pairs = []
    nums = node.get("/Nums")
    if nums is not None:
        items = list(nums)
        pairs += [(int(items[i]), items[i + 1]) for i in range(0, len(items) - 1, 2)]
    for kid in node.get("/Kids", []):
        pairs += number_tree(kid)
    return pairs


# --- fonts -------------------------------------------------------------------------------


@dataclass
class _Group:
    """One font (one BaseFont) across the front matter and the parts: a CID-keyed CFF
    shown through /Identity-H (the only kind merged)."""

    name: str
    widths: dict[int, float]
    to_unicode: dict[int, str]
    first_gids: set[int]  # the glyphs of the first subset seen: checks the installed file
    template: dict  # the first subset's dictionaries, unparsed (see `_Fonts.scan`)
    program: bytes = b""  # the first subset's font program
    members: int = 0
    conflict: str = ""  # why the members cannot share one font (they disagree)
    merged: int | None = None  # the pack's Type0 font its members' pages now use
    #: parts whose text of some glyphs differs from the first member's (one glyph drawn
    #: for • and ‧): each gets a Type0 font of its own over the shared program
    own_text: list[Part] = field(default_factory=list)


class _Fonts:
    """The pack's fonts: read from every part (first pass), merged and written once,
    then used by each part's pages in place of its own copies (second pass)."""

    def __init__(self):
        self.groups: dict[str, _Group] = {}

    @staticmethod
    def _font_dicts(pages) -> list:
        """The /Font resource dictionaries of `pages` (each once: pages share them)."""
        dicts, seen = [], set()
        for page in pages:
            fonts = page.obj.get("/Resources", {}).get("/Font")
            if fonts is None:
                continue
            key = fonts.objgen if fonts.is_indirect else id(fonts)
            if key not in seen:
                seen.add(key)
                dicts.append(fonts)
        return dicts

    def scan(self, doc, part: Part) -> None:
        """Read `doc`'s mergeable fonts (a CID-keyed CFF program, /Identity-H): glyph
        widths and text of every glyph used; each one read is recorded in `part.merged`,
        and only those are ever replaced (`use_merged`)."""
        import pikepdf

        from .pdfstream import unparse

        seen = set()
        for fonts in self._font_dicts(doc.pages):
            for key in sorted(fonts.keys()):  # (a set: its order varies by process)
                font = fonts[key]
                if font.get("/Subtype") != "/Type0" or font.objgen in seen:
                    continue
                seen.add(font.objgen)
                cid = font.DescendantFonts[0]
                desc = cid.FontDescriptor
                program = desc.get("/FontFile3")
                if program is None or program.get("/Subtype") != "/CIDFontType0C" or \
                        font.get("/Encoding") != pikepdf.Name("/Identity-H") or \
                        cid.get("/CIDToGIDMap", pikepdf.Name.Identity) != \
                        pikepdf.Name.Identity:
                    continue  # kept as it is, in this part only
                name = str(font.BaseFont)
                widths = widths_of(cid.get("/W"))
                group = self.groups.get(name)
                if group is None:
                    template = {
                        "font": {k: unparse(v) for k, v in font.items()
                                 if k in ("/BaseFont", "/Encoding")},
                        "cid": {k: unparse(v) for k, v in cid.items()
                                if k not in ("/W", "/FontDescriptor", "/CIDToGIDMap")},
                        "desc": {k: unparse(v) for k, v in desc.items()
                                 if k not in ("/FontFile2", "/FontFile3", "/CIDSet")},
                    }
                    group = self.groups[name] = _Group(
                        name, {}, {}, set(widths), template, program.read_bytes())
                group.members += 1
                part.merged.add(font.objgen)
                for g, w in widths.items():
                    if group.widths.setdefault(g, w) != w and not group.conflict:
                        group.conflict = f"glyph {g} has other widths in other briefings"
                text = to_unicode(font.get("/ToUnicode"))
                own = {g: t for g, t in text.items() if group.to_unicode.setdefault(g, t) != t}
                if own:
                    if name not in part.texts:
                        group.own_text.append(part)
                    part.texts.setdefault(name, {}).update(own)

    def merge(self, writer, notes: list[str]) -> None:
        """One subset per font, written to the pack."""
        for group in self.groups.values():
            _merge(writer, group, notes)

    def merged_for(self, font, part: Part) -> int | None:
        """The pack's merged font that `font` (of `part`) was read into, or None."""
        if font.objgen not in part.merged:
            return None
        name = str(font.get("/BaseFont"))
        group = self.groups.get(name)
        if group is None or group.merged is None:
            return None
        return part.wrappers.get(name, group.merged)

    def use_merged(self, pages, part: Part, placeholder) -> None:
        """Point `pages`' fonts that were read as members of a merged font at it
        (their own are then not copied); any other font stays as it is."""
        for fonts in self._font_dicts(pages):
            for key in sorted(fonts.keys()):  # (a set: its order varies by process)
                number = self.merged_for(fonts[key], part)
                if number is not None:
                    fonts[key] = placeholder(number)


def _merge(writer, group: _Group, notes: list[str]) -> None:
    """One subset of `group`'s font, of every glyph its members use, cut from the
    installed font file and written to the pack; checked to hold each of those glyphs."""
    import uharfbuzz as hb

    from .fonts import cff_glyph_count, cff_name, cff_subset

    if group.members < 2:
        return
    label = group.name.lstrip("/")
    if group.conflict:
        notes.append(f"font {label}: {group.conflict}; each briefing keeps its own copy")
        return
    ps_name = cff_name(group.program)
    found = _font_file(ps_name) if ps_name else None
    if found is None:
        notes.append(f"font {label}: installed file not found; each briefing keeps its "
                     "own copy")
        return
    face = hb.Face(hb.Blob.from_file_path(found[0]), found[1])
    if cff_subset(face, group.first_gids) != group.program:
        notes.append(f"font {label}: the installed file differs from the one the "
                     "briefings were laid out with; each keeps its own copy")
        return
    gids = {g for g in group.widths if g < face.glyph_count}
    program = cff_subset(face, set(group.widths))
    if program is None or cff_glyph_count(program) != len(gids | {0}):
        notes.append(f"font {label}: its merged subset lacks glyphs; each briefing "
                     "keeps its own copy")
        return
    t = group.template
    type0, cid, desc, data, cmap = (writer.reserve() for _ in range(5))
    writer.add_stream(data, b"<< /Filter /FlateDecode /Subtype /CIDFontType0C >>",
                      zlib.compress(program))
    writer.add_stream(cmap, b"<< /Filter /FlateDecode >>",
                      zlib.compress(cmap_bytes(group.to_unicode)))
    entries = b" ".join(k.encode() + b" " + v for k, v in t["desc"].items())
    writer.add(desc, b"<< %s /FontFile3 %d 0 R >>" % (entries, data))
    entries = b" ".join(k.encode() + b" " + v for k, v in t["cid"].items())
    writer.add(cid, b"<< %s /FontDescriptor %d 0 R /W %s /CIDToGIDMap /Identity >>"
               % (entries, desc, w_bytes(group.widths)))
    entries = b" ".join(k.encode() + b" " + v for k, v in t["font"].items())
    writer.add(type0, b"<< /Type /Font /Subtype /Type0 %s /DescendantFonts [%d 0 R] "
               b"/ToUnicode %d 0 R >>" % (entries, cid, cmap))
    group.merged = type0
    for part in group.own_text:  # the same glyphs, read as this part's own PDF reads them
        own, own_cmap = writer.reserve(), writer.reserve()
        writer.add_stream(own_cmap, b"<< /Filter /FlateDecode >>", zlib.compress(
            cmap_bytes({**group.to_unicode, **part.texts[group.name]})))
        writer.add(own, b"<< /Type /Font /Subtype /Type0 %s /DescendantFonts [%d 0 R] "
                   b"/ToUnicode %d 0 R >>" % (entries, cid, own_cmap))
        part.wrappers[group.name] = own


def widths_of(w) -> dict[int, float]:
    """A /W array (`first [w1 w2 …]` runs, and `first last w` ranges) as {gid: width}."""
    import pikepdf

    out: dict[int, float] = {}
    items = list(w or ())
    i = 0
    while i < len(items) - 1:
        first = int(items[i])
        nxt = items[i + 1]
        if isinstance(nxt, pikepdf.Array):
            for k, width in enumerate(nxt):
                out[first + k] = float(width)
            i += 2
        else:
            last, width = int(nxt), float(items[i + 2])
            for g in range(first, last + 1):
                out[g] = width
            i += 3
    return out


def w_bytes(widths: dict[int, float]) -> bytes:
    """{gid: width} as a /W array: `first [w1 w2 …]` runs of consecutive glyphs."""
    runs: list = []
    for gid in sorted(widths):
        if runs and runs[-2] + len(runs[-1]) == gid:
            runs[-1].append(widths[gid])
        else:
            runs += [gid, [widths[gid]]]
    return ("[" + " ".join(str(r) if isinstance(r, int) else
                           "[" + " ".join(f"{w:g}" for w in r) + "]" for r in runs)
            + "]").encode()


_BFCHAR = re.compile(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]*)>")


def to_unicode(stream) -> dict[int, str]:
    if stream is None:
        return {}
    out = {}
    data = stream.read_bytes()
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", data, re.S):
        for gid, text in _BFCHAR.findall(block):
            try:
                out[int(gid, 16)] = bytes.fromhex(text.decode()).decode("utf-16-be")
            except ValueError:
                continue
    return out


def cmap_bytes(to_unicode: dict[int, str]) -> bytes:
    lines = [b"/CIDInit /ProcSet findresource begin", b"12 dict begin", b"begincmap",
             b"/CIDSystemInfo", b"<< /Registry (Adobe)", b"/Ordering (UCS)",
             b"/Supplement 0", b">> def", b"/CMapName /Adobe-Identity-UCS def",
             b"/CMapType 2 def", b"1 begincodespacerange", b"<0000> <ffff>",
             b"endcodespacerange"]
    items = sorted(to_unicode.items())
    for i in range(0, len(items), 100):
        batch = items[i:i + 100]
        lines.append(f"{len(batch)} beginbfchar".encode())
        lines += [f"<{g:04x}> <{t.encode('utf-16-be').hex()}>".encode() for g, t in batch]
        lines.append(b"endbfchar")
    lines += [b"endcmap", b"CMapName currentdict /CMap defineresource pop", b"end", b"end"]
    return b"\n".join(lines)


@lru_cache(maxsize=64)
def _font_file(ps_name: str) -> tuple[str, int] | None:
    """The installed font file (and face index) with this PostScript name, by fontconfig,
    the library that chose it for the layout."""
    try:
        out = subprocess.run(["fc-list", f":postscriptname={ps_name}", "file", "index"],
                             capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    for line in sorted(out.splitlines()):
        m = re.match(r"(.+?): :index=(\d+)", line.strip())
        if m and Path(m[1]).is_file():
            return m[1], int(m[2])
    return None


# --- the pack's page numbers ----------------------------------------------------------------


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
    def from_sheet(cls, sheet: Part | None, writer, fonts: _Fonts, stamp: Stamp,
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
