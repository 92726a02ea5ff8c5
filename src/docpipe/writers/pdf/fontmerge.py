"""The pack's fonts: each CID-keyed CFF font (Noto CJK) the briefings embed a subset of,
merged into one subset of all their glyphs, cut again from the installed font file.

Read from every part first (`Fonts.scan`: the glyphs each shows, their widths and
text), merged and written once (`Fonts.merge`), then used by each part's pages in
place of its own copy (`Fonts.use_merged`). Content streams show glyphs by their ids in
the full font (the CIDs, see `fonts.py`), so no page is rewritten. Only fonts read as
members are ever replaced; a font whose members disagree on a glyph's width (two
versions of it), that is not installed, or whose installed file differs keeps a copy
per part; a glyph two members read as different text (one glyph for • and ‧) gets a
text map per part over the shared program.
"""

from __future__ import annotations

import re
import subprocess
import zlib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .assemble import Part


@dataclass
class Group:
    """One font (one BaseFont) across the front matter and the parts: a CID-keyed CFF
    shown through /Identity-H (the only kind merged)."""

    name: str
    widths: dict[int, float]
    to_unicode: dict[int, str]
    first_gids: set[int]  # the glyphs of the first subset seen: checks the installed file
    template: dict  # the first subset's dictionaries, unparsed (see `Fonts.scan`)
    program: bytes = b""  # the first subset's font program
    members: int = 0
    conflict: str = ""  # why the members cannot share one font (they disagree)
    merged: int | None = None  # the pack's Type0 font its members' pages now use
    #: parts whose text of some glyphs differs from the first member's (one glyph drawn
    #: for • and ‧): each gets a Type0 font of its own over the shared program
    own_text: list[Part] = field(default_factory=list)


class Fonts:
    """The pack's fonts: read from every part (first pass), merged and written once,
    then used by each part's pages in place of its own copies (second pass)."""

    def __init__(self):
        self.groups: dict[str, Group] = {}

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
                    group = self.groups[name] = Group(
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


def _merge(writer, group: Group, notes: list[str]) -> None:
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
