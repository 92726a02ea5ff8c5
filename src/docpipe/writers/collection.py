"""Collection renderers: a briefing pack (cover, contents, every briefing) as one PDF and
one DOCX, beside the single-page writers. They return bytes: the process that runs the
pack writes them (workers, local or on a Dask cluster, never write outputs).

The PDF is not laid out again: its front matter is laid out by sections (cover and
contents, overview: each starts on a new page, so a pack lays them out side by side),
a few pages at a time, and the briefings are their own PDFs, joined by `assemble`
(each page laid out once). Both files are read back before they are handed over
(`verify`): every page of the PDF must show its source's text, and the DOCX every
article's; a PDF that does not is made again the plain way (`pdf.join_pack`), and one that still
does not, like such a DOCX, is an error, never a file."""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..model import Article
from . import Labels, RenderOptions, display_title, labels_for


def render(job: PackJob) -> tuple[list[tuple[str, bytes]], list[str]]:
    """The job's files as (name, bytes), and notes on what it could not do as planned
    (said as warnings): the pack's PDF or DOCX, or (kind "front") the PDFs of some
    sections of the front matter, in order."""
    if job.kind == "front":
        pdfs = front_matter(job, list(job.starts), job.sections)
        files = [(f"{job.target.stem}.front{i}.pdf", data) for i, data in enumerate(pdfs)]
        if "cover" in job.sections or not job.sections:
            files.append((STAMP_SHEET, stamp_sheet(job)))
        return files, []
    if job.kind == "pdf":
        made = pack_pdf_bytes(job)
        return [(job.target.name, made.data)], made.notes
    return [(job.target.name, pack_docx_bytes(job))], []


@dataclass(frozen=True)
class PackJob:
    kind: str  # pdf | docx | front (sections of the PDF's front matter)
    target: Path
    items: tuple[tuple[str, Article], ...]  # (anchor, article) in pack order
    cover: dict[str, Any]
    variant: str
    created: str | None  # ISO date or datetime
    render: RenderOptions
    parts: tuple[str, ...] = ()  # the PDF: each briefing's own PDF, in pack order
    starts: tuple[int, ...] = ()  # front: the page each briefing starts on (0-based)
    sections: tuple[str, ...] = ()  # front: which ones (FRONT_SECTIONS), all when empty


def _items(job: PackJob, starts: list[int]) -> list[dict[str, Any]]:
    from .pdf import LINK_SCHEME

    items = []
    for index, ((anchor, art), start) in enumerate(zip(job.items, starts, strict=True)):
        items.append({
            "a": art,
            "index": index,
            "anchor": anchor,
            "title": display_title(art, job.render),
            "page": start + 1,  # the briefings' pages are numbered from 1
            "href": f"{LINK_SCHEME}{start}",
        })
    return items


def pack_html(job: PackJob, items: list[dict[str, Any]], blocks: list[tuple[str, int]]
              ) -> str:
    """One chunk of the front matter: `blocks` are ("cover", 0), ("c", k) (the k-th
    contents line) and ("o", k) (the k-th overview entry), in order."""
    from ..transforms.chinese import LANG
    from .html import environment

    opts = job.render
    env = environment(tuple(str(p) for p in opts.search_path))
    css = opts.find("briefing.css").read_text(encoding="utf-8")
    with contextlib.suppress(FileNotFoundError):
        css += "\n" + opts.find("pack.css").read_text(encoding="utf-8")
    from . import colophon

    L = labels_for(job.variant, opts)
    source, where, _ = env.loader.get_source(env, "pack.html.j2")
    if "show_cover" not in source:  # laid out in chunks: an older template repeats itself
        from ..errors import UsageError

        raise UsageError(f"{where}: a pack template from an older docpipe (it lays out the "
                         "briefings itself); export the templates again (docpipe templates "
                         "export DIR) and carry your changes over")
    contents = [items[k] for kind, k in blocks if kind == "c"]
    overview = [items[k] for kind, k in blocks if kind == "o"]
    return env.get_template("pack.html.j2").render(
        items=items,
        show_cover=("cover", 0) in blocks,
        contents=contents,
        contents_head=bool(contents) and contents[0]["index"] == 0,
        overview=overview,
        overview_head=bool(overview) and overview[0]["index"] == 0,
        cover=job.cover,
        L=L,
        org=opts.organisation,
        credit=colophon(L, opts),
        lang=LANG[job.variant][0],
        region=LANG[job.variant][1],
        created=_w3c(job.created),
        css=css,
    )


def _w3c(created: str | None) -> str:
    if not created:
        return ""
    return created if "T" in created else f"{created}T00:00:00Z"


#: Contents lines and overview entries laid out together: WeasyPrint holds every page of
#: a document until it is written, so the front matter of a thousand briefings (~150
#: pages) is laid out a few pages at a time, and memory stays flat.
FRONT_CHUNK = 100


#: The front matter's sections: the cover, the contents ("c") and the overview ("o").
#: Each starts on a new page (pack.css), so groups of them are laid out apart, side by
#: side on the pack's workers, and joined in this order by `assemble`.
FRONT_SECTIONS: tuple[tuple[str, ...], ...] = (("cover", "c"), ("o",))


def front_matter(job: PackJob, starts: list[int], sections: tuple[str, ...] = ()
                 ) -> list[bytes]:
    """The front matter (only `sections` of it, when given) as PDFs of consecutive
    pages. A chunk ends where a page ends: its last page is dropped and the next chunk
    starts with the first line on it, so no page is left half empty between chunks.
    Lines and entries do not split (pack.css) unless taller than a page; one that does
    is anchored on each of its pages, so the next chunk starts with it whole and nothing
    of it is dropped."""
    from .pdf import finish, lay_out

    items = _items(job, starts)
    blocks = [("cover", 0)] + [("c", k) for k in range(len(items))] + \
        [("o", k) for k in range(len(items))]
    if sections:
        blocks = [b for b in blocks if b[0] in sections]
    roots = list(job.render.search_path)
    base = job.render.search_path[-1].resolve()
    pdfs = []
    begin, size = 0, FRONT_CHUNK
    while begin < len(blocks):
        end = min(begin + size, len(blocks))
        document, options = lay_out(pack_html(job, items, blocks[begin:end]), roots, base,
                                    job.render)
        nxt = end
        if end < len(blocks):
            last = document.pages[-1].anchors if len(document.pages) > 1 else {}
            on_last = [i for i in range(begin, end) if _block_id(blocks[i]) in last]
            if not on_last or min(on_last) == begin:  # no page ends inside: a bigger chunk
                size *= 2
                continue
            nxt = min(on_last)
            document = document.copy(document.pages[:-1])
        pdfs.append(finish(document, options))
        del document
        begin, size = nxt, FRONT_CHUNK
    return pdfs


def _block_id(block: tuple[str, int]) -> str:
    kind, k = block
    return "f-cover" if kind == "cover" else f"f-{kind}{k}"


#: The file name of the stamp sheet among a front job's files (see `stamp_sheet`).
STAMP_SHEET = "stamps.pdf"


def stamp_sheet(job: PackJob) -> bytes:
    """A one-page PDF whose font draws the pack's page numbers (`assemble.STAMPED`) in
    the front matter's face, as WeasyPrint embeds it: the pack copies that font once and
    stamps every page with it (`assemble.PageNumbers`)."""
    from ..transforms.chinese import LANG
    from .pdf import STAMPED, finish, lay_out

    opts = job.render
    css = opts.find("briefing.css").read_text(encoding="utf-8")
    with contextlib.suppress(FileNotFoundError):
        css += "\n" + opts.find("pack.css").read_text(encoding="utf-8")
    lang, region = LANG[job.variant]
    html = (f'<!DOCTYPE html><html lang="{lang}" class="cjk-{region} pack"><head>'
            f'<meta charset="utf-8"><style>{css}</style></head><body>'
            f'<p style="font-size: 8pt; font-weight: normal; font-style: normal">{STAMPED}</p>'
            "</body></html>")
    document, options = lay_out(html, list(opts.search_path), opts.search_path[-1].resolve(),
                                dataclasses.replace(opts, pdf_tags=False, pdf_variant=None))
    return finish(document, options)


FrontRunner = Callable[[list[PackJob]], list[list[tuple[str, bytes]]]]


@dataclass
class PackPdf:
    """The pack's PDF as made: its bytes, notes on what could not be done as planned,
    and how it was read back: "ok" (every page shows its source's text), "joined"
    (the first make did not; made again the plain way, and that one does) or
    "unchecked" (no text extractor); `pages`: each part's first page in it (0-based)."""

    data: bytes
    notes: list[str]
    check: str
    pages: list[int]


@dataclass
class Assembled:
    """The pack's PDF as assembled, and what reading it back needs: the number stamped
    on each page, the front matter's PDFs, the briefings' parts, the stamp sheet."""

    data: bytes
    notes: list[str]
    stamps: list[str]
    fronts: list[bytes]
    parts: list[Any]
    sheet: bytes | None


def pack_pdf_bytes(job: PackJob, lay_out_front: FrontRunner | None = None,
                   texts: dict[str, list[str]] | None = None) -> PackPdf:
    """The pack's PDF, assembled (`assemble_pdf`) and read back (`read_back`)."""
    return read_back(job, assemble_pdf(job, lay_out_front), texts or {})


def assemble_pdf(job: PackJob, lay_out_front: FrontRunner | None = None) -> Assembled:
    """The front matter (knowing the pages the briefings will start on), then the
    briefings' own PDFs after it (`pdf.assemble_pack`).

    `lay_out_front(jobs)`: each front job's files (`render`), in order; it raises a
    DocpipeError when one fails. By default they are laid out here, one after the
    other; a pack runs them side by side on its workers. Meanwhile a thread reads the
    glyphs of the briefings' fonts (`read_parts`), the other long step."""
    from concurrent.futures import ThreadPoolExecutor

    from .pdf import Part, assemble_pack, read_parts

    parts = [Part(Path(path), display_title(art, job.render))
             for path, (_, art) in zip(job.parts, job.items, strict=True)]
    read_parts(parts, scan=False)  # their page counts: where each briefing starts
    starts = (0, *itertools.accumulate(p.pages for p in parts))[:-1]
    fronts = [dataclasses.replace(job, kind="front", starts=starts, sections=sections)
              for sections in FRONT_SECTIONS]
    reader = ThreadPoolExecutor(1)
    try:
        scanned = reader.submit(read_parts, parts)
        laid = (lay_out_front or _lay_out_here)(fronts)
        fonts = scanned.result()
    finally:  # interrupted, or the front matter failed: not waiting for the reading
        reader.shutdown(wait=False, cancel_futures=True)
    front_pdfs = [data for some in laid for name, data in some if name != STAMP_SHEET]
    sheet = next((data for some in laid for name, data in some if name == STAMP_SHEET),
                 None)
    data, notes, stamps = assemble_pack(front_pdfs, parts, fonts, sheet=sheet)
    return Assembled(data, notes, stamps, front_pdfs, parts, sheet)


def read_back(job: PackJob, made: Assembled, texts: dict[str, list[str]]) -> PackPdf:
    """The assembled PDF if every page reads as its source (`texts`: the briefings'
    pages as their workers read them back; those not given are read here), else the
    pack made again by `join_pack` (and a note saying why); an OutputError when that one
    does not either."""
    from .. import verify
    from ..errors import OutputError
    from .pdf import join_pack

    fronts, parts, data, notes = made.fronts, made.parts, made.data, made.notes
    try:
        sources, firsts = _page_sources(fronts, parts, made.stamps, texts)
    except verify.CheckUnavailable as exc:
        return PackPdf(data, [*notes, f"pack PDF not read back: {exc}"], "unchecked", [])
    wrong = _differences(data, sources, parts)
    if not wrong:
        return PackPdf(data, notes, "ok", firsts)
    data, more, stamps = join_pack(fronts, parts, made.sheet)
    sources, firsts = _page_sources(fronts, parts, stamps, texts)
    still = _differences(data, sources, parts)
    if still:
        raise OutputError(f"the pack's PDF does not show its briefings' text ({still}); "
                          "it was not written", str(job.target))
    return PackPdf(data, [*notes, f"pack PDF: {wrong}; made again with each briefing's "
                          "own fonts (a larger file)", *more], "joined", firsts)


def _page_sources(fronts: list[bytes], parts, stamps: list[str],
                  texts: dict[str, list[str]]):
    """Each page's source (`verify.PageSource`) in pack order, and each part's first
    page; the parts' texts not given are read now."""
    from .. import verify

    verify.extractor()  # CheckUnavailable before anything is read
    read = {str(p.path): verify.pdf_texts(p.path) for p in parts if str(p.path) not in texts}
    front_texts = [verify.pdf_texts(data) for data in fronts]
    sources: list[verify.PageSource] = []
    for pages in front_texts:
        sources += [verify.PageSource(t, "", -1) for t in pages]
    firsts = []
    for k, part in enumerate(parts):
        firsts.append(len(sources))
        pages = texts.get(str(part.path)) or read[str(part.path)]
        sources += [verify.PageSource(t, "", k) for t in pages]
    for source, stamp in zip(sources, stamps, strict=False):
        source.stamp = stamp
    return sources, firsts


def _differences(data: bytes, sources, parts) -> str:
    """What a reader would miss in the pack `data`, in one line ("" when nothing)."""
    from .. import verify

    try:  # (nothing else runs now: two processes read it, when poppler-utils is there)
        got = verify.pdf_texts(data, pages=len(sources), ways=2)
    except RuntimeError as exc:
        return f"it cannot be read back ({exc})"
    bad = verify.compare_pages(got, sources)
    if not bad:
        return ""
    lost = sum((c for rows in bad.values() for _, c, _ in rows), start=Counter())
    added = sum((a for rows in bad.values() for _, _, a in rows), start=Counter())
    names = [parts[k].title if k >= 0 else "the front matter" for k in sorted(bad)]
    what = f"{len(names)} part(s) differ ({', '.join(names[:3])}{', …' if len(names) > 3 else ''})"
    if lost:
        what += f", {verify.describe(lost)} missing"
    if added:
        what += f", {verify.describe(added)} not in the briefings"
    return what


def _lay_out_here(fronts: list[PackJob]) -> list[list[tuple[str, bytes]]]:
    return [render(job)[0] for job in fronts]


def pack_docx_bytes(job: PackJob) -> bytes:

    from ..decode import xml_safe
    from .docx import Adder, add_article, header_footer, set_properties, update_fields_on_open
    from .docxbase import deterministic_bytes, new_document

    L = labels_for(job.variant, job.render)
    cover = {**job.cover, "title": xml_safe(job.cover["title"])}
    doc = new_document(job.variant, job.render)
    section = doc.sections[0]
    section.different_first_page_header_footer = True  # a bare cover
    header_footer(section, cover["title"], "", total=None)  # i, ii …: no total

    _docx_cover(doc, cover, L)

    heading = doc.add_paragraph(L.contents, style="Title")  # not Heading 1: not in the TOC
    heading.paragraph_format.page_break_before = True
    titles = [xml_safe(display_title(a, job.render)) for _, a in job.items]
    _docx_contents(doc, job, titles, L)

    _docx_overview(doc, job, titles, L)
    _numbered_from_here(doc, cover["title"])

    from . import colophon

    adder = Adder(doc)
    for k, ((anchor, art), title) in enumerate(zip(job.items, titles, strict=True)):
        added: list = []

        def add(text: str = "", style: str | None = None, added=added):
            added.append(adder(text, style))
            return added[-1]

        art_L = labels_for(art.variant, job.render)
        add_article(doc, art, art_L, title, heading="Heading 1", add=add,
                    org=job.render.organisation, credit=colophon(art_L, job.render))
        # Each on a new page (the first: the section break before it starts one).
        added[0].paragraph_format.page_break_before = k > 0
        _bookmark(added[0], anchor)  # its first line: the overview's page numbers point here
    update_fields_on_open(doc)
    set_properties(doc, title=cover["title"], keywords=[], author="docpipe",
                   created=job.created, variant=job.variant, subject=cover["subtitle"])
    doc.core_properties.category = "briefing pack"
    data = deterministic_bytes(doc)
    _check_docx(job, data)
    return data


def _check_docx(job: PackJob, data: bytes) -> None:
    """OutputError when the pack's DOCX, read back, lacks text of an article in its
    own section (from its bookmark to the next one's)."""
    from .. import verify
    from ..errors import OutputError
    from .docx import xml_safe_article

    sections = verify.docx_sections(data, [anchor for anchor, _ in job.items])
    for (_, art), text in zip(job.items, sections, strict=True):
        missing = verify.lost(xml_safe_article(art), text)
        if missing:
            raise OutputError(f"the pack's DOCX lacks text of {display_title(art, job.render)}"
                              f" ({verify.describe(missing)}); it was not written",
                              str(job.target))


def _docx_cover(doc, cover: dict[str, Any], L: Labels) -> None:
    """The cover: logo, organisation, kicker, title, issue label, facts, date."""
    from docx.shared import Mm

    from ..decode import xml_safe

    logo = cover.get("logo_path")
    if logo and Path(logo).suffix.lower() in (".png", ".jpg", ".jpeg"):  # Word: no SVG
        with contextlib.suppress(Exception):  # an image python-docx cannot read: no logo
            doc.add_picture(logo, height=Mm(20))
    if cover.get("organisation"):
        doc.add_paragraph(xml_safe(cover["organisation"]), style="Heading 2")
    if cover.get("kicker", L.pack):  # not when the title is this word itself
        doc.add_paragraph(cover.get("kicker", L.pack), style="Kicker")
    doc.add_paragraph(cover["title"], style="Title")
    if cover.get("issue"):
        doc.add_paragraph(xml_safe(cover["issue"]), style="Heading 2")
    for label, value in cover["facts"]:
        doc.add_paragraph(f"{label}：{value}", style="Meta")
    if cover.get("date"):
        doc.add_paragraph(cover["date"], style="Meta")


def _bookmark(paragraph, name: str) -> None:
    """A Word bookmark around `paragraph`'s text (PAGEREF fields point at it)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    from .docx import oxml


    start = OxmlElement("w:bookmarkStart")
    start.set(qn("w:id"), str(int(name.lstrip("b") or 0)))
    start.set(qn("w:name"), name)
    end = OxmlElement("w:bookmarkEnd")
    end.set(qn("w:id"), start.get(qn("w:id")))
    p = oxml(paragraph)
    ppr = p.pPr
    p.insert(p.index(ppr) + 1 if ppr is not None else 0, start)
    p.append(end)


def _page_ref(paragraph, anchor: str) -> None:
    """A PAGEREF field to the bookmark `anchor`: the page number as the DOCX itself lays
    out (Word fills it on opening, LibreOffice as it lays the file out). Its cached
    result is left empty rather than a number from the PDF's layout, which may differ."""
    from .docx import field_code

    field_code(paragraph, f"PAGEREF {anchor} \\h", placeholder="")


def _docx_contents(doc, job: PackJob, titles: list[str], L: Labels) -> None:
    """The contents: each article's title, a dotted leader and its page (`_page_ref`),
    numbered as the PDF numbers the briefings (from 1, after the front matter)."""
    from docx.enum.text import WD_TAB_ALIGNMENT, WD_TAB_LEADER
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    from .docx import oxml

    section = doc.sections[0]
    width = section.page_width - section.left_margin - section.right_margin
    for (anchor, art), title in zip(job.items, titles, strict=True):
        p = doc.add_paragraph(style="Lead")
        p.paragraph_format.first_line_indent = Pt(0)
        oxml(p).get_or_add_pPr().get_or_add_ind().set(qn("w:firstLineChars"), "0")
        p.paragraph_format.tab_stops.add_tab_stop(width or Mm(170), WD_TAB_ALIGNMENT.RIGHT,
                                                  WD_TAB_LEADER.DOTS)
        p.add_run(title)
        if art.warnings:  # docpipe has doubts (listed in the manifest): check it
            p.add_run(f"〔{L.words.get('check', '待核')}〕")
        p.add_run("\t")
        _page_ref(p, anchor)


def _numbered_from_here(doc, title: str) -> None:
    """A section break: the front matter (cover, contents, overview) numbered i, ii …
    (none on the cover), the briefings from 1, as the pack's PDF numbers its pages, so
    the contents' and overview's numbers are the ones printed on the pages."""
    from docx.enum.section import WD_SECTION
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    from .docx import header_footer, oxml

    body = doc.add_section(WD_SECTION.NEW_PAGE)  # the break's paragraph ends the front
    front = doc.sections[len(doc.sections) - 2]

    def numbering(section, **attrs: str) -> None:
        sect = oxml(section)
        old = sect.find(qn("w:pgNumType"))
        if old is not None:
            sect.remove(old)
        el = OxmlElement("w:pgNumType")
        for k, v in attrs.items():
            el.set(qn(f"w:{k}"), v)
        cols = sect.find(qn("w:cols"))
        if cols is not None:
            cols.addprevious(el)
        else:
            sect.append(el)

    numbering(front, fmt="lowerRoman", start="1")
    numbering(body, fmt="decimal", start="1")
    body.different_first_page_header_footer = False
    body.header.is_linked_to_previous = False
    body.footer.is_linked_to_previous = False
    header_footer(body, title, "", total=None)


def _docx_overview(doc, job: PackJob, titles: list[str], L: Labels) -> None:
    """After the contents: each article's title, page (a PAGEREF field Word fills when
    it opens the file), source, date and summary."""
    from docx.shared import Pt

    from ..decode import xml_safe

    heading = doc.add_paragraph(L.words.get("overview", "本期概览"), style="Title")
    heading.paragraph_format.page_break_before = True
    before, after = L.words.get("page_before", "第"), L.words.get("page", "页")
    for (anchor, art), title in zip(job.items, titles, strict=True):
        p = doc.add_paragraph(style="Lead")
        p.paragraph_format.space_before = Pt(6)
        p.add_run(title).bold = True
        if art.warnings:  # docpipe has doubts (listed in the manifest): check it
            p.add_run(f"〔{L.words.get('check', '待核')}〕")
        p.add_run(f"  {before}")
        _page_ref(p, anchor)
        p.add_run(after)
        meta = " · ".join(x for x in (xml_safe(art.source or art.site), art.published or "")
                          if x)
        if meta:
            doc.add_paragraph(meta, style="Meta")
        if art.summary:
            doc.add_paragraph(xml_safe(art.summary), style="Keywords")
