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

#: The scheme of the front matter's links to a page of the pack (0-based index).
LINK_SCHEME = "docpipe:"


@dataclass(frozen=True)
class Stamp:
    """How the pack's page number is drawn on the briefings' pages: as the front
    matter's `@bottom-center` (briefing.css: 8pt, #777, the footer's baseline)."""

    size: float = 8.0
    gray: float = 0.466667
    baseline: float = 27.72  # pt above the page's bottom edge


@dataclass
class Part:
    path: Path
    title: str
    start: int = 0  # 0-based index of its first page in the pack
    pages: int = 0


def page_count(path: Path) -> int:
    import pikepdf

    with pikepdf.open(path) as pdf:
        return len(pdf.pages)


def assemble(front: bytes, parts: list[Part], stamp: Stamp | None = None) -> tuple[bytes, list[str]]:
    """The pack's PDF bytes, and notes on what could not be done as planned (a font
    left per briefing, page numbers not stamped)."""
    import pikepdf

    stamp = stamp or Stamp()
    notes: list[str] = []
    pdf = pikepdf.open(io.BytesIO(front))
    tree = _StructTree(pdf)
    sources = []  # qpdf copies stream data from them when it writes: kept open till then
    try:
        for part in parts:
            src = pikepdf.open(part.path)
            sources.append(src)
            _explicit_destinations(src)
            part.start = len(pdf.pages)
            pdf.pages.extend(src.pages)
            part.pages = len(pdf.pages) - part.start
            tree.add(src, [pdf.pages[i] for i in range(part.start, len(pdf.pages))])
        tree.finish()
        body_font = _merge_fonts(pdf, notes)
        _stamp_numbers(pdf, parts, body_font, stamp, notes)
        _link_front_matter(pdf)
        _outline(pdf, parts)
        pdf.Root.PageMode = pikepdf.Name.UseOutlines
        out = io.BytesIO()
        pdf.save(out, deterministic_id=True, compress_streams=True,
                 object_stream_mode=pikepdf.ObjectStreamMode.generate)
        return out.getvalue(), notes
    finally:
        for src in sources:
            src.close()
        pdf.close()


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
            top = float(pdf.pages[part.start].mediabox[3])
            outline.root.append(OutlineItem(part.title, part.start, PageLocation.XYZ,
                                            left=0, top=top, zoom=0))


def _link_front_matter(pdf) -> None:
    import pikepdf

    count = len(pdf.pages)
    for page in pdf.pages:
        for annot in page.obj.get("/Annots", []):
            action = annot.get("/A")
            uri = str(action.get("/URI", "")) if action is not None else ""
            if not uri.startswith(LINK_SCHEME):
                continue
            try:
                target = int(uri[len(LINK_SCHEME):])
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

    def add(self, src, pages) -> None:
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
            kid = self.pdf.copy_foreign(kid)
            if kid.get("/S") == pikepdf.Name.Document:
                kid.S = pikepdf.Name.Art  # one article of the pack's document
            kid.P = self.top
            self.top.K.append(kid)

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
    """The Type0 fonts of one font (one BaseFont) across the front matter and parts."""

    name: str
    fonts: list  # pikepdf Type0 font dictionaries
    widths: dict[int, float]
    to_unicode: dict[int, str]
    face: object = None  # uharfbuzz Face of the installed file, once found
    merged: object = None  # the one Type0 dictionary every page now uses


def _merge_fonts(pdf, notes: list[str]):
    """Merge each font's subsets into one; the body font's merged group (for the stamp)."""
    groups: dict[str, _Group] = {}
    dicts = {}
    for page in pdf.pages:
        fonts = page.obj.get("/Resources", {}).get("/Font")
        if fonts is not None:
            dicts.setdefault(fonts.objgen if fonts.is_indirect else id(fonts), fonts)
    seen = set()
    for fonts in dicts.values():
        for key in fonts.keys():
            font = fonts[key]
            if font.get("/Subtype") != "/Type0" or font.objgen in seen:
                continue
            seen.add(font.objgen)
            name = str(font.BaseFont)
            group = groups.setdefault(name, _Group(name, [], {}, {}))
            group.fonts.append(font)
            cid = font.DescendantFonts[0]
            group.widths.update((g, w) for g, w in _widths(cid.get("/W")).items()
                                if g not in group.widths)
            for g, text in _to_unicode(font.get("/ToUnicode")).items():
                group.to_unicode.setdefault(g, text)
    body = max(groups.values(), key=lambda g: ("Bold" not in g.name, len(g.widths)),
               default=None)
    for group in groups.values():
        if len(group.fonts) > 1 or group is body:
            _merge(pdf, group, extra=_digits(group) if group is body else "", notes=notes)
    if groups:
        merged = {f.objgen: g.merged for g in groups.values() if g.merged is not None
                  for f in g.fonts}
        for fonts in dicts.values():
            for key in list(fonts.keys()):
                target = merged.get(fonts[key].objgen)
                if target is not None:
                    fonts[key] = target
    return body if body is not None and body.merged is not None else None


def _digits(group: _Group) -> str:
    return "0123456789"


def _merge(pdf, group: _Group, extra: str, notes: list[str]) -> None:
    """One subset of `group`'s font, of every glyph its members (and `extra`'s
    characters) use, cut from the installed font file."""
    import pikepdf
    import uharfbuzz as hb

    from .fonts import cff_subset, truetype_subset

    template = group.fonts[0]
    cid = template.DescendantFonts[0]
    desc = cid.FontDescriptor
    program = desc.get("/FontFile3") or desc.get("/FontFile2")
    if program is None:
        return
    cff = "/FontFile3" in desc
    data = program.read_bytes()
    ps_name = _cff_name(data) if cff else _sfnt_name(data)
    found = _font_file(ps_name) if ps_name else None
    if found is None:
        notes.append(f"font {group.name.lstrip('/')}: installed file not found; "
                     "each briefing keeps its own copy")
        return
    face = hb.Face(hb.Blob.from_file_path(found[0]), found[1])
    if cff and not _same_font(face, data, group):
        notes.append(f"font {group.name.lstrip('/')}: the installed file differs from "
                     "the one the briefings were laid out with; each keeps its own copy")
        return
    font = hb.Font(face)
    upem = face.upem
    for ch in extra:
        gid = font.get_nominal_glyph(ord(ch))
        if gid:
            group.widths.setdefault(gid, round(font.get_glyph_h_advance(gid) * 1000 / upem, 3))
            group.to_unicode.setdefault(gid, ch)
    gids = set(group.widths)
    if cff:
        compact = cff_subset(face, gids)
        if compact is None:
            return
        stream = pikepdf.Stream(pdf, compact)
        stream.Subtype = pikepdf.Name.CIDFontType0C
        desc.FontFile3 = stream
    else:
        done = truetype_subset(face, gids)
        if done is None:
            return
        stream = pikepdf.Stream(pdf, done[0])
        stream.Length1 = len(done[0])
        desc.FontFile2 = stream
        cid.CIDToGIDMap = pikepdf.Stream(pdf, done[1])
    cid.W = _w_array(group.widths)
    template.ToUnicode = pikepdf.Stream(pdf, _cmap(group.to_unicode))
    group.face, group.merged = face, template


def _same_font(face, embedded_cff: bytes, group: _Group) -> bool:
    """The installed file is the one the briefing was laid out with: cutting it to the
    glyphs of one embedded subset gives that subset again, byte for byte."""
    from .fonts import cff_subset

    first = group.fonts[0].DescendantFonts[0]
    return cff_subset(face, set(_widths(first.get("/W")))) == embedded_cff


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


def _stamp_numbers(pdf, parts: list[Part], body: _Group | None, stamp: Stamp,
                   notes: list[str]) -> None:
    """The pack's page number at the foot's centre of every briefing page."""
    import pikepdf
    import uharfbuzz as hb

    if not parts:
        return
    if body is None:
        notes.append("the pack's page numbers could not be stamped on the briefings' "
                     "pages (their font is not installed); the contents' numbers are "
                     "the PDF's page numbers")
        return
    font = hb.Font(body.face)
    glyph = {ch: font.get_nominal_glyph(ord(ch)) for ch in "0123456789"}
    advance = {ch: body.widths.get(g, 500.0) for ch, g in glyph.items()}
    resource = pikepdf.Name("/DPpageno")
    save = pdf.make_stream(b"q\n")
    done_fonts = set()
    for part in parts:
        for index in range(part.start, part.start + part.pages):
            page = pdf.pages[index]
            fonts = page.obj.Resources.Font
            key = fonts.objgen if fonts.is_indirect else id(fonts)
            if key not in done_fonts:
                fonts[resource] = body.merged
                done_fonts.add(key)
            text = str(index + 1)
            width = sum(advance[c] for c in text) * stamp.size / 1000
            x = (float(page.mediabox[2]) + float(page.mediabox[0]) - width) / 2
            y = float(page.mediabox[1]) + stamp.baseline
            shown = "".join(f"{glyph[c]:04x}" for c in text)
            g = f"{stamp.gray:.6f}"
            content = (f"Q\nq\n/Artifact <</Type /Pagination /Subtype /Footer>> BDC\n"
                       f"{g} {g} {g} rg\nBT\n{resource} {stamp.size:g} Tf\n"
                       f"1 0 0 1 {x:.3f} {y:.3f} Tm\n<{shown}> Tj\nET\nEMC\nQ\n").encode()
            page.contents_add(save, prepend=True)
            page.contents_add(pdf.make_stream(content), prepend=False)
