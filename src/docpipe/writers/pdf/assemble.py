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
  source's (`verify`) and falls back to `join.join_pack` (pikepdf, every part as it is) on any
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
from dataclasses import dataclass, field
from pathlib import Path

from .fontmerge import Fonts
from .stamps import PageNumbers, Stamp, page_labels, stamp_text

#: The scheme of the front matter's links to a page of the briefings (0-based index).
LINK_SCHEME = "docpipe:"


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
            from ...errors import OutputError

            raise OutputError(f"cannot be read into the pack ({exc}); run again with "
                              "--force to make it anew", str(self.path or "")) from None


def read_parts(parts: list[Part], fonts: Fonts | None = None, scan: bool = True) -> Fonts:
    """The first pass over `parts`: each one's page count (which the front matter's
    contents needs before it is laid out) and, with `scan`, the glyphs each of its
    fonts shows (the slow part: the front matter can be laid out meanwhile)."""
    fonts = fonts or Fonts()
    for part in parts:
        with part.open() as src:
            part.pages = len(src.pages)
            if part.pages:
                part.top = f"{float(src.pages[0].mediabox[3]):g}"
            part.version = src.pdf_version
            if scan:
                fonts.scan(src, part)
    return fonts


def assemble_pack(fronts: list[bytes], parts: list[Part], fonts: Fonts | None = None,
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
