"""Collection renderers: a briefing pack (cover, contents, every briefing) as one PDF and
one DOCX, beside the single-page writers. They return bytes: the process that runs the
pack writes them (workers, local or on a Dask cluster, never write outputs).

The PDF is not laid out again: its front matter is one small WeasyPrint document, and
the briefings are their own PDFs, joined by `assemble` (each page laid out once)."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import OutputError
from ..model import Article
from . import Labels, RenderOptions, display_title, labels_for


def render(job: PackJob) -> tuple[bytes, list[str]]:
    """The pack's file, and notes on what it could not do as planned (said as warnings)."""
    return pack_pdf_bytes(job) if job.kind == "pdf" else (pack_docx_bytes(job), [])


@dataclass(frozen=True)
class PackJob:
    kind: str  # pdf | docx
    target: Path
    items: tuple[tuple[str, Article], ...]  # (anchor, article) in pack order
    cover: dict[str, Any]
    variant: str
    created: str | None  # ISO date or datetime
    render: RenderOptions
    parts: tuple[str, ...] = ()  # the PDF: each briefing's own PDF, in pack order


def _items(job: PackJob, starts: list[int]) -> list[dict[str, Any]]:
    from ..transforms.chinese import LANG
    from .assemble import LINK_SCHEME

    items = []
    for (anchor, art), start in zip(job.items, starts, strict=True):
        items.append({
            "a": art,
            "anchor": anchor,
            "title": display_title(art, job.render),
            "page": start + 1,  # printed page numbers count from 1 (the cover)
            "href": f"{LINK_SCHEME}{start}",
            "L": labels_for(art.variant, job.render),
            "lang": LANG[art.variant][0],
            "region": LANG[art.variant][1],
        })
    return items


def pack_html(job: PackJob, starts: list[int]) -> str:
    """The front matter: cover, contents and overview; `starts` are the 0-based pack
    pages the briefings start on."""
    from ..transforms.chinese import LANG
    from .html import environment

    opts = job.render
    env = environment(tuple(str(p) for p in opts.search_path))
    css = opts.find("briefing.css").read_text(encoding="utf-8")
    with contextlib.suppress(FileNotFoundError):
        css += "\n" + opts.find("pack.css").read_text(encoding="utf-8")
    from . import colophon

    L = labels_for(job.variant, opts)
    return env.get_template("pack.html.j2").render(
        items=_items(job, starts),
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


def pack_pdf_bytes(job: PackJob) -> tuple[bytes, list[str]]:
    """The front matter laid out with the page numbers the briefings will have, then
    the briefings' own PDFs after it (`assemble`)."""
    from .assemble import Part, assemble, page_count
    from .pdf import finish, lay_out

    parts = [Part(Path(path), display_title(art, job.render))
             for path, (_, art) in zip(job.parts, job.items, strict=True)]
    counts = [page_count(p.path) for p in parts]
    roots = list(job.render.search_path)
    base = job.render.search_path[-1].resolve()
    front = 1 + (len(parts) + 24) // 25 + (len(parts) + 5) // 6  # a guess, checked below
    for _ in range(4):  # the numbers' widths could move a line: lay out until they agree
        starts = [front + sum(counts[:i]) for i in range(len(counts))]
        document, options = lay_out(pack_html(job, starts), roots, base, job.render)
        if len(document.pages) == front:
            break
        front = len(document.pages)
    else:
        raise OutputError("the contents' page numbers did not settle", str(job.target))
    return assemble(finish(document, options), parts)


def pack_docx_bytes(job: PackJob) -> bytes:
    from docx.oxml.ns import qn
    from docx.shared import Pt

    from ..decode import xml_safe
    from .docx import (
        _Adder,
        _field,
        add_article,
        deterministic_bytes,
        header_footer,
        new_document,
        set_properties,
        update_fields_on_open,
    )

    L = labels_for(job.variant, job.render)
    cover = {**job.cover, "title": xml_safe(job.cover["title"])}
    doc = new_document(job.variant)
    section = doc.sections[0]
    section.different_first_page_header_footer = True  # a bare cover
    header_footer(section, cover["title"], "")

    _docx_cover(doc, cover, L)

    heading = doc.add_paragraph(L.contents, style="Title")  # not Heading 1: not in the TOC
    heading.paragraph_format.page_break_before = True
    toc = doc.add_paragraph()
    toc.paragraph_format.first_line_indent = Pt(0)
    toc._p.get_or_add_pPr().get_or_add_ind().set(qn("w:firstLineChars"), "0")
    titles = [xml_safe(display_title(a, job.render)) for _, a in job.items]
    # Word fills the TOC with page numbers when it opens the file; until then it lists titles.
    _field(toc, 'TOC \\o "1-1" \\h \\z \\u', placeholder="\n".join(titles))

    _docx_overview(doc, job, titles, L)

    from . import colophon

    adder = _Adder(doc)
    for (anchor, art), title in zip(job.items, titles, strict=True):
        added: list = []

        def add(text: str = "", style: str | None = None, added=added):
            added.append(adder(text, style))
            return added[-1]

        art_L = labels_for(art.variant, job.render)
        add_article(doc, art, art_L, title, heading="Heading 1", add=add,
                    org=job.render.organisation, credit=colophon(art_L, job.render))
        added[0].paragraph_format.page_break_before = True  # each on a new page
        _bookmark(added[1], anchor)  # the overview's page numbers point here
    update_fields_on_open(doc)
    set_properties(doc, title=cover["title"], keywords=[], author="docpipe",
                   created=job.created, variant=job.variant, subject=cover["subtitle"])
    doc.core_properties.category = "briefing pack"
    return deterministic_bytes(doc)


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
    doc.add_paragraph(L.pack, style="Kicker")
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

    start = OxmlElement("w:bookmarkStart")
    start.set(qn("w:id"), str(int(name.lstrip("b") or 0)))
    start.set(qn("w:name"), name)
    end = OxmlElement("w:bookmarkEnd")
    end.set(qn("w:id"), start.get(qn("w:id")))
    p = paragraph._p
    ppr = p.pPr
    p.insert(p.index(ppr) + 1 if ppr is not None else 0, start)
    p.append(end)


def _docx_overview(doc, job: PackJob, titles: list[str], L: Labels) -> None:
    """After the contents: each article's title, page (a PAGEREF field Word fills when
    it opens the file), source, date and summary."""
    from docx.shared import Pt

    from ..decode import xml_safe
    from .docx import _field

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
        _field(p, f"PAGEREF {anchor} \\h", placeholder="?")
        p.add_run(after)
        meta = " · ".join(x for x in (xml_safe(art.source or art.site), art.published or "")
                          if x)
        if meta:
            doc.add_paragraph(meta, style="Meta")
        if art.summary:
            doc.add_paragraph(xml_safe(art.summary), style="Keywords")
