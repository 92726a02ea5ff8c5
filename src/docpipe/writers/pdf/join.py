"""The pack's PDF the plain way: every part joined as it is, by pikepdf (qpdf).

`assemble` writes the pack object by object and merges the briefings' fonts into one
subset each, which keeps the file small (1.5 MB for 100 briefings, against ~15 MB with
a copy of the fonts per briefing). When the pack it made does not read back exactly as
its parts (`writers.collection` compares every page's text), the pack is made again
here: each part's pages copied by qpdf with their own resources and fonts, nothing
cut or rewritten but what a pack adds (its page numbers, bookmarks, page labels, the
front matter's links to the briefings, one structure tree). It holds the whole pack in
memory, which only a fallback can afford.
"""

from __future__ import annotations

import io
from contextlib import ExitStack

from .assemble import (
    Part,
    explicit_destinations,
    link_to_briefings,
    number_tree,
    renumber,
    top_elements,
)
from .stamps import NO_STAMPS, PageNumbers, Stamp, page_labels, stamp_font, stamp_text


def copy_into(dst, obj):
    """`obj` of another PDF in `dst`: indirect objects copied by qpdf (each once per
    source), direct ones rebuilt around the indirect ones they hold."""
    import pikepdf

    if not isinstance(obj, pikepdf.Object) or obj.is_indirect:
        return dst.copy_foreign(obj) if isinstance(obj, pikepdf.Object) else obj
    if isinstance(obj, pikepdf.Array):
        return pikepdf.Array([copy_into(dst, v) for v in obj])
    if isinstance(obj, pikepdf.Dictionary):
        return pikepdf.Dictionary({k: copy_into(dst, v) for k, v in obj.items()})
    return obj


_CATALOG = ("/Lang", "/MarkInfo", "/ViewerPreferences", "/Metadata", "/OutputIntents")


def join_pack(fronts: list[bytes], parts: list[Part], sheet: bytes | None = None,
         stamp: Stamp | None = None) -> tuple[bytes, list[str], list[str]]:
    """The pack's PDF (front matter, then briefings), notes, and the number stamped on
    each page, as `assemble.assemble` gives them."""
    import pikepdf

    notes: list[str] = []
    dst = pikepdf.new()
    with ExitStack() as stack:
        sources = [stack.enter_context(pikepdf.open(io.BytesIO(data))) for data in fronts]
        sources += [stack.enter_context(p.open()) for p in parts]
        kinds = [True] * len(fronts) + [False] * len(parts)
        starts, total = [], 0
        for src in sources:
            starts.append(total)
            total += len(src.pages)
        front = starts[len(fronts)] if parts else total
        first = sources[0] if sources else None
        if first is not None:
            for key in _CATALOG:
                if key in first.Root:
                    dst.Root[key] = copy_into(dst, first.Root[key])
            if "/Info" in first.trailer:
                dst.trailer.Info = copy_into(dst, first.trailer.Info)
        for src in sources:
            explicit_destinations(src)
            dst.pages.extend(src.pages)
        pages = list(dst.pages)
        for src, start, is_front in zip(sources, starts, kinds, strict=True):
            if is_front:
                link_to_briefings(pages[start:start + len(src.pages)], front, total,
                                  lambda n: pages[n].obj)
        numbers = _stamps(dst, sheet, stamp or Stamp(), front, notes) if total > 1 else None
        if numbers is not None:
            for i, page in enumerate(pages):
                numbers.stamp(dst, page, i, numbers.font)
        _tree(dst, sources, kinds, starts, pages)
        with dst.open_outline() as outline:
            for part, start in zip(parts, starts[len(fronts):], strict=True):
                outline.root.append(pikepdf.OutlineItem(
                    part.title, start, pikepdf.PageLocation.XYZ, left=0,
                    top=float(pages[start].mediabox[3]), zoom=0))
        dst.Root.PageLabels = page_labels(front, total)
        dst.Root.PageMode = pikepdf.Name.UseOutlines
        buf = io.BytesIO()
        version = max(["1.7", *(s.pdf_version for s in sources)])
        dst.save(buf, min_version=version, deterministic_id=True,
                 object_stream_mode=pikepdf.ObjectStreamMode.generate)
    stamps = [stamp_text(i, front) if numbers is not None else "" for i in range(total)]
    return buf.getvalue(), notes, stamps


def _stamps(dst, sheet: bytes | None, stamp: Stamp, front: int, notes: list[str]
            ) -> PageNumbers | None:
    """The page numbers, drawn with the stamp sheet's font copied into `dst` (their
    `font` is that copy)."""
    import pikepdf

    if sheet:
        with pikepdf.open(io.BytesIO(sheet)) as src:
            found = stamp_font(src)
            if found is not None:
                font, glyph, advance = found
                return PageNumbers(copy_into(dst, font), glyph, advance, stamp, front)
    notes.append(NO_STAMPS)
    return None


def _tree(dst, sources, kinds: list[bool], starts: list[int], pages) -> None:
    """One structure tree: under a `Document`, each part's own top element as an `Art`
    (a briefing) or `Div` (front matter); structure keys renumbered into one parent
    tree. Parts without tags add none."""
    import pikepdf

    document = dst.make_indirect(pikepdf.Dictionary(
        Type=pikepdf.Name.StructElem, S=pikepdf.Name.Document, K=pikepdf.Array()))
    nums, next_key, extra = pikepdf.Array(), 0, {}
    for src, is_front, start in zip(sources, kinds, starts, strict=True):
        root = src.Root.get("/StructTreeRoot")
        if root is None:
            continue
        if not extra:
            extra = {k: copy_into(dst, v) for k, v in root.items()
                     if k in ("/RoleMap", "/ClassMap")}
        entries = number_tree(root.get("/ParentTree"))
        for key, value in entries:
            nums.extend([key + next_key, copy_into(dst, value)])
        next_key = renumber(pages[start:start + len(src.pages)], entries, next_key)
        for kid in top_elements(root):
            copied = copy_into(dst, kid)
            if copied.get("/S") == pikepdf.Name.Document:
                copied.S = pikepdf.Name.Div if is_front else pikepdf.Name.Art
            copied.P = document
            document.K.append(copied)
    if not len(document.K):
        return
    root = dst.make_indirect(pikepdf.Dictionary(
        Type=pikepdf.Name.StructTreeRoot, K=pikepdf.Array([document]),
        ParentTree=dst.make_indirect(pikepdf.Dictionary(Nums=nums)),
        ParentTreeNextKey=next_key, **{k.lstrip("/"): v for k, v in extra.items()}))
    document.P = root
    dst.Root.StructTreeRoot = root
