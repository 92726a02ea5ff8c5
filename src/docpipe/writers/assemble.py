"""The pack's PDF, assembled from its briefings' own PDFs: every page is laid out once.

    front matter (cover, contents, overview: one WeasyPrint document, given the page
    numbers the briefings will have)  +  each briefing's PDF, as written beside the pack
        └──────────── joined with pikepdf (qpdf) ────────────┘

- **Fonts.** Each briefing embeds its own subset of a font (say Noto Serif CJK TC). The
  pack keeps one: the subsets of one font become one subset of the union of their
  glyphs, cut again from the installed font file (fontconfig finds it by the PostScript
  name the subset keeps). Content streams show glyphs by their ids in the full font (the
  CIDs, see `fonts.py`), so no page is rewritten. A font that cannot be found, or whose
  installed file is not the one the briefing was laid out with, keeps its per-briefing
  copies: a bigger file, never other glyphs.
- **Page numbers.** A briefing keeps its own footer (`2 / 3`); the pack's page number,
  the one the contents cite, is stamped at the foot's centre, where the front matter
  shows its own, as a pagination artifact (not read by screen readers).
- **Tags.** Each briefing's structure tree becomes an `Art` element of the pack's
  `Document`; the pages' and links' structure keys are renumbered.
- **Outline and links.** One bookmark per briefing; the front matter's links
  (`docpipe:N`, N the 0-based page) become links to that page.

Deterministic: the same inputs give the same bytes (qpdf's deterministic /ID).
"""

from __future__ import annotations

import io
import re
import subprocess
from dataclasses import dataclass
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

    @property
    def front(self) -> bool:
        return self.data is not None

    def open(self):
        import pikepdf

        return pikepdf.open(self.path if self.data is None else io.BytesIO(self.data))


def page_count(path: Path) -> int:
    import pikepdf

    with pikepdf.open(path) as pdf:
        return len(pdf.pages)


def assemble(fronts: list[bytes], parts: list[Part], stamp: Stamp | None = None
             ) -> tuple[bytes, list[str]]:
    """The pack's PDF: the front matter's PDFs (`fronts`, its metadata from the first),
    then the briefings' (`parts`); and notes on what could not be done as planned (a
    font left per briefing, page numbers not stamped).

    Memory stays flat in the number of parts: a first pass reads each part's fonts and
    closes it; the second copies each part's pages without the fonts now merged, detaches
    the copied streams from the part (qpdf would read them at save time) and closes it."""
    import pikepdf

    stamp = stamp or Stamp()
    notes: list[str] = []
    every = [Part(None, data=data) for data in fronts[1:]] + parts
    pdf = pikepdf.open(io.BytesIO(fronts[0]))
    try:
        groups = _Fonts(pdf)
        groups.scan(pdf, owned=True)
        for part in every:
            with part.open() as src:
                groups.scan(src)
        groups.merge(notes)
        groups.use_merged(pdf)
        tree = _StructTree(pdf)
        for part in every:
            with part.open() as src:
                _explicit_destinations(src)
                dropped = groups.drop_merged(src)
                part.start = len(pdf.pages)
                pdf.pages.extend(src.pages)
                part.pages = len(pdf.pages) - part.start
                pages = [pdf.pages[i] for i in range(part.start, len(pdf.pages))]
                _detach_streams(pdf, [p.obj for p in pages])
                tree.add(src, pages, pikepdf.Name.Div if part.front else pikepdf.Name.Art)
                groups.attach(pages, dropped)
        tree.finish()
        front = parts[0].start if parts else len(pdf.pages)
        _label_pages(pdf, front)
        _stamp_numbers(pdf, front, groups.body, stamp, notes)
        _link_front_matter(pdf, front)
        _outline(pdf, parts)
        pdf.Root.PageMode = pikepdf.Name.UseOutlines
        out = io.BytesIO()
        pdf.save(out, deterministic_id=True, compress_streams=True,
                 object_stream_mode=pikepdf.ObjectStreamMode.generate)
        return out.getvalue(), notes
    finally:
        pdf.close()


def _detach_streams(pdf, roots: list) -> None:
    """Give every stream reachable from `roots` (copied pages) its own data, so that the
    part it was copied from can be closed before the pack is written."""
    import pikepdf

    seen: set = set()
    todo = list(roots)
    while todo:
        obj = todo.pop()
        if isinstance(obj, pikepdf.Stream | pikepdf.Dictionary):
            if obj.is_indirect:
                if obj.objgen in seen:
                    continue
                seen.add(obj.objgen)
            if isinstance(obj, pikepdf.Stream):
                raw = obj.read_raw_bytes()
                obj.write(raw, filter=obj.get("/Filter"), decode_parms=obj.get("/DecodeParms"),
                          type_check=False)
            todo += [obj[k] for k in obj.keys()  # noqa: SIM118 (a Stream is no mapping)
                     if k not in ("/Parent", "/P")]
        elif isinstance(obj, pikepdf.Array):
            if obj.is_indirect:
                if obj.objgen in seen:
                    continue
                seen.add(obj.objgen)
            todo += list(obj)


# --- destinations, outline and the front matter's links ----------------------------------


def _explicit_destinations(src) -> None:
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


def _outline(pdf, parts: list[Part]) -> None:
    """One bookmark per briefing, to the top of its first page (the front matter's own
    bookmarks, if its template makes any, come first)."""
    from pikepdf import OutlineItem, PageLocation

    with pdf.open_outline() as outline:
        for part in parts:
            if part.front:
                continue
            top = float(pdf.pages[part.start].mediabox[3])
            outline.root.append(OutlineItem(part.title, part.start, PageLocation.XYZ,
                                            left=0, top=top, zoom=0))


def _label_pages(pdf, front: int) -> None:
    """Viewers show the printed numbers: i, ii … for the front matter, 1, 2 … after."""
    import pikepdf

    nums = [0, pikepdf.Dictionary(S=pikepdf.Name.r)]
    if front < len(pdf.pages):
        nums += [front, pikepdf.Dictionary(S=pikepdf.Name.D)]
    pdf.Root.PageLabels = pikepdf.Dictionary(Nums=pikepdf.Array(nums))


def _link_front_matter(pdf, front: int) -> None:
    """`docpipe:N` links (N: a page of the briefings, from 0) go to that page."""
    import pikepdf

    count = len(pdf.pages)
    for page in pdf.pages:
        for annot in page.obj.get("/Annots", []):
            action = annot.get("/A")
            uri = str(action.get("/URI", "")) if action is not None else ""
            if not uri.startswith(LINK_SCHEME):
                continue
            try:
                target = front + int(uri[len(LINK_SCHEME):])
            except ValueError:
                continue
            if not 0 <= target < count:
                continue
            del annot["/A"]
            top = float(pdf.pages[target].mediabox[3])
            annot.Dest = pikepdf.Array([pdf.pages[target].obj, pikepdf.Name.XYZ, 0, top, 0])


# --- tags --------------------------------------------------------------------------------


class _StructTree:
    """The front matter's structure tree, to which each briefing's is added as an `Art`
    element; structure keys (/StructParents of pages, /StructParent of annotations) are
    renumbered into one parent tree."""

    def __init__(self, pdf):
        import pikepdf

        self.pdf = pdf
        self.root = pdf.Root.get("/StructTreeRoot")
        self.nums: list = []
        self.next_key = 0
        self.top = None
        if self.root is None:
            return
        self.nums = _number_tree(self.root.get("/ParentTree"))
        self.next_key = max((k for k, _ in self.nums), default=-1) + 1
        top = self.root.get("/K")
        if isinstance(top, pikepdf.Array):
            top = top[0] if len(top) == 1 else None
        self.top = top if isinstance(top, pikepdf.Dictionary) else None  # the Document

    def add(self, src, pages, role) -> None:
        import pikepdf

        root = src.Root.get("/StructTreeRoot")
        if self.top is None or root is None:
            return
        offset = self.next_key
        nums = _number_tree(root.get("/ParentTree"))
        for key, value in nums:
            if isinstance(value, pikepdf.Array) and not value.is_indirect:
                value = pikepdf.Array([self.pdf.copy_foreign(v) if v.is_indirect else v
                                       for v in value])
            elif value.is_indirect:
                value = self.pdf.copy_foreign(value)
            self.nums.append((key + offset, value))
        self.next_key = offset + max((k for k, _ in nums), default=-1) + 1
        for page in pages:
            if "/StructParents" in page.obj:
                page.obj.StructParents = int(page.obj.StructParents) + offset
            for annot in page.obj.get("/Annots", []):
                if "/StructParent" in annot:
                    annot.StructParent = int(annot.StructParent) + offset
        kids = root.get("/K")
        kids = list(kids) if isinstance(kids, pikepdf.Array) else [kids]
        if "/K" not in self.top:
            self.top.K = pikepdf.Array()
        elif not isinstance(self.top.K, pikepdf.Array):
            self.top.K = pikepdf.Array([self.top.K])
        for kid in kids:
            if "/P" in kid:  # not copied: it would bring the part's whole tree root along
                del kid["/P"]
            kid = self.pdf.copy_foreign(kid)
            if kid.get("/S") == pikepdf.Name.Document:
                kid.S = role  # a briefing: an article of the pack's document
            kid.P = self.top
            self.top.K.append(kid)
        spaces = root.get("/Namespaces")  # PDF 2.0: the namespaces its elements use
        if spaces is not None and "/Namespaces" in self.root:
            for space in spaces:
                self.root.Namespaces.append(self.pdf.copy_foreign(space))

    def finish(self) -> None:
        import pikepdf

        if self.root is None:
            return
        flat = pikepdf.Array()
        for key, value in sorted(self.nums, key=lambda kv: kv[0]):
            flat.append(key)
            flat.append(value)
        self.root.ParentTree = self.pdf.make_indirect(pikepdf.Dictionary(Nums=flat))
        self.root.ParentTreeNextKey = self.next_key


def _number_tree(node) -> list:
    """(key, value) pairs of a number tree, its /Kids walked."""
    if node is None:
        return []
    pairs = []
    nums = node.get("/Nums")
    if nums is not None:
        items = list(nums)
        pairs += [(int(items[i]), items[i + 1]) for i in range(0, len(items) - 1, 2)]
    for kid in node.get("/Kids", []):
        pairs += _number_tree(kid)
    return pairs


# --- fonts -------------------------------------------------------------------------------


@dataclass
class _Group:
    """One font (one BaseFont) across the front matter and the parts."""

    name: str
    widths: dict[int, float]
    to_unicode: dict[int, str]
    first_gids: set[int]  # the glyphs of the first subset seen: checks the installed file
    template: object = None  # a Type0 dictionary of this font, in the pack
    program: bytes = b""  # the first subset's font program
    cff: bool = True
    members: int = 0
    face: object = None  # uharfbuzz Face of the installed file, once found
    merged: object = None  # the one Type0 dictionary every page now uses


class _Fonts:
    """The pack's fonts: read from every part (first pass), merged, then attached to
    each part's pages in place of its own copies (second pass)."""

    def __init__(self, pdf):
        self.pdf = pdf
        self.groups: dict[str, _Group] = {}
        self.body: _Group | None = None

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

    def scan(self, doc, owned: bool = False) -> None:
        """Read `doc`'s Type0 fonts: glyph widths and text of every glyph used."""
        seen = set()
        for fonts in self._font_dicts(doc.pages):
            for key in list(fonts.keys()):
                font = fonts[key]
                if font.get("/Subtype") != "/Type0" or font.objgen in seen:
                    continue
                seen.add(font.objgen)
                name = str(font.BaseFont)
                cid = font.DescendantFonts[0]
                widths = _widths(cid.get("/W"))
                group = self.groups.get(name)
                if group is None:
                    desc = cid.FontDescriptor
                    program = desc.get("/FontFile3") or desc.get("/FontFile2")
                    if program is None:
                        continue
                    template = font if owned else self.pdf.copy_foreign(font)
                    group = self.groups[name] = _Group(
                        name, {}, {}, set(widths), template, program.read_bytes(),
                        "/FontFile3" in desc)
                group.members += 1
                for g, w in widths.items():
                    group.widths.setdefault(g, w)
                for g, text in _to_unicode(font.get("/ToUnicode")).items():
                    group.to_unicode.setdefault(g, text)

    def merge(self, notes: list[str]) -> None:
        """One subset per font; the body font (the regular face with the most glyphs)
        also gets the digits the page numbers need."""
        self.body = max(self.groups.values(),
                        key=lambda g: ("Bold" not in g.name, len(g.widths)), default=None)
        for group in self.groups.values():
            _merge(self.pdf, group, STAMPED if group is self.body else "", notes)
        if self.body is not None and self.body.merged is None:
            self.body = None

    def _merged(self, font):
        if font.get("/Subtype") != "/Type0":
            return None
        group = self.groups.get(str(font.get("/BaseFont")))
        return group.merged if group is not None else None

    def use_merged(self, doc) -> None:
        for fonts in self._font_dicts(doc.pages):
            for key in list(fonts.keys()):
                merged = self._merged(fonts[key])
                if merged is not None:
                    fonts[key] = merged

    def drop_merged(self, src) -> dict[str, object]:
        """Take the merged fonts out of a part before its pages are copied (their
        programs are not copied at all); {resource name: the merged font}."""
        dropped = {}
        for fonts in self._font_dicts(src.pages):
            for key in list(fonts.keys()):
                merged = self._merged(fonts[key])
                if merged is not None:
                    dropped[key] = merged
                    del fonts[key]
        return dropped

    def attach(self, pages, dropped: dict[str, object]) -> None:
        for fonts in self._font_dicts(pages):
            for key, merged in dropped.items():
                fonts[key] = merged


def _merge(pdf, group: _Group, extra: str, notes: list[str]) -> None:
    """One subset of `group`'s font, of every glyph its members (and `extra`'s
    characters) use, cut from the installed font file."""
    import pikepdf
    import uharfbuzz as hb

    from .fonts import cff_subset, truetype_subset

    if group.members < 2 and not extra:
        return
    ps_name = _cff_name(group.program) if group.cff else _sfnt_name(group.program)
    found = _font_file(ps_name) if ps_name else None
    label = group.name.lstrip("/")
    if found is None:
        notes.append(f"font {label}: installed file not found; each briefing keeps its "
                     "own copy")
        return
    face = hb.Face(hb.Blob.from_file_path(found[0]), found[1])
    if group.cff and cff_subset(face, group.first_gids) != group.program:
        notes.append(f"font {label}: the installed file differs from the one the "
                     "briefings were laid out with; each keeps its own copy")
        return
    font = hb.Font(face)
    for ch in extra:
        gid = font.get_nominal_glyph(ord(ch))
        if gid:
            group.widths.setdefault(gid, round(font.get_glyph_h_advance(gid) * 1000
                                               / face.upem, 3))
            group.to_unicode.setdefault(gid, ch)
    template = group.template
    cid = template.DescendantFonts[0]
    desc = cid.FontDescriptor
    if group.cff:
        compact = cff_subset(face, set(group.widths))
        if compact is None:
            return
        stream = pikepdf.Stream(pdf, compact)
        stream.Subtype = pikepdf.Name.CIDFontType0C
        desc.FontFile3 = stream
    else:
        done = truetype_subset(face, set(group.widths))
        if done is None:
            return
        stream = pikepdf.Stream(pdf, done[0])
        stream.Length1 = len(done[0])
        desc.FontFile2 = stream
        cid.CIDToGIDMap = pikepdf.Stream(pdf, done[1])
    cid.W = _w_array(group.widths)
    template.ToUnicode = pikepdf.Stream(pdf, _cmap(group.to_unicode))
    _detach_streams(pdf, [template])  # what else it holds (a CIDSet) from its part
    group.face, group.merged = face, template


def _widths(w) -> dict[int, float]:
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


def _w_array(widths: dict[int, float]):
    import pikepdf

    runs: list = []
    for gid in sorted(widths):
        if runs and runs[-2] + len(runs[-1]) == gid:
            runs[-1].append(widths[gid])
        else:
            runs += [gid, [widths[gid]]]
    return pikepdf.Array([r if isinstance(r, int) else pikepdf.Array(r) for r in runs])


_BFCHAR = re.compile(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]*)>")


def _to_unicode(stream) -> dict[int, str]:
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


def _cmap(to_unicode: dict[int, str]) -> bytes:
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


def _cff_name(cff: bytes) -> str:
    from .fonts import _index

    try:
        names, _ = _index(cff, cff[2])
        return names[0].decode("latin-1") if names else ""
    except (IndexError, ValueError):
        return ""


def _sfnt_name(data: bytes) -> str:
    import uharfbuzz as hb

    try:
        return hb.Face(hb.Blob(data)).get_name(hb.OTNameIdPredefined.POSTSCRIPT_NAME) or ""
    except Exception:
        return ""


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


def _stamp_numbers(pdf, front: int, body: _Group | None, stamp: Stamp,
                   notes: list[str]) -> None:
    """Every page's printed number at the foot's centre (none on the cover)."""
    import pikepdf
    import uharfbuzz as hb

    if len(pdf.pages) < 2:
        return
    if body is None:
        notes.append("page numbers could not be stamped (the font is not installed); "
                     "the contents cite pages counted from the first briefing")
        return
    font = hb.Font(body.face)
    glyph = {ch: font.get_nominal_glyph(ord(ch)) for ch in STAMPED}
    advance = {ch: body.widths.get(g, 500.0) for ch, g in glyph.items()}
    resource = pikepdf.Name("/DPpageno")
    save = pdf.make_stream(b"q\n")
    done_fonts = set()
    gray = f"{stamp.gray:.6f}"
    for index in range(1, len(pdf.pages)):
        page = pdf.pages[index]
        fonts = page.obj.Resources.Font
        key = fonts.objgen if fonts.is_indirect else id(fonts)
        if key not in done_fonts:
            fonts[resource] = body.merged
            done_fonts.add(key)
        text = roman(index + 1) if index < front else str(index - front + 1)
        width = sum(advance[c] for c in text) * stamp.size / 1000
        box = page.mediabox
        x = (float(box[2]) + float(box[0]) - width) / 2
        y = float(box[1]) + stamp.baseline
        shown = "".join(f"{glyph[c]:04x}" for c in text)
        content = (f"Q\nq\n/Artifact <</Type /Pagination /Subtype /Footer>> BDC\n"
                   f"{gray} {gray} {gray} rg\nBT\n{resource} {stamp.size:g} Tf\n"
                   f"1 0 0 1 {x:.3f} {y:.3f} Tm\n<{shown}> Tj\nET\nEMC\nQ\n").encode()
        page.contents_add(save, prepend=True)
        page.contents_add(pdf.make_stream(content), prepend=False)


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
