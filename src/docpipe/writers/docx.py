"""DOCX briefing with python-docx: real styles, East Asian fonts, fields, fixed metadata.

python-docx's defaults are wrong for Chinese: `font.name` leaves the East Asian
font unset, the template declares East Asian text Japanese, headings use theme
fonts that override names, and core properties carry the library's author and a
2013 date. Each of those is set here explicitly.
"""

from __future__ import annotations

import contextlib
import os
import re
from datetime import UTC, datetime
from pathlib import Path

from ..decode import xml_safe
from ..errors import OutputError
from ..model import Article
from ..outputs import write_bytes
from ..transforms.chinese import LANG
from . import Labels, RenderOptions, colophon, display_title, labels_for, lead_shown
from .docxbase import deterministic_bytes, new_document, qname

MARK = "E8D5A9"  # the summary's sentences in the editor's note (briefing.css .note .key)
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def oxml(item):
    """The lxml element under a python-docx paragraph or section, for what python-docx has
    no call for (fields, keep-with-next chains, section columns).

    Adapter: a Run has a public `.element`, a Paragraph and a Section do not; python-docx's
    own documentation reaches them as `_p` and `_sectPr`. tests/test_docx_output.py fails
    if they stop being there."""
    return item._sectPr if hasattr(item, "start_type") else item._p


def field_code(paragraph, instr: str, placeholder: str = "1") -> None:
    """A complex field (PAGE, NUMPAGES, TOC …) that Word computes when it opens the file."""
    from docx.oxml import OxmlElement

    def fld(kind: str):
        run = paragraph.add_run()
        el = OxmlElement("w:fldChar")
        el.set(qname("w:fldCharType"), kind)
        if kind == "begin":
            el.set(qname("w:dirty"), "true")
        run.element.append(el)

    fld("begin")
    run = paragraph.add_run()
    it = OxmlElement("w:instrText")
    it.set(qname("xml:space"), "preserve")
    it.text = f" {instr} "
    run.element.append(it)
    fld("separate")
    paragraph.add_run(placeholder)
    fld("end")


def update_fields_on_open(doc) -> None:
    from docx.oxml import OxmlElement

    el = OxmlElement("w:updateFields")
    el.set(qname("w:val"), "true")
    doc.settings.element.append(el)


def header_footer(section, title: str, attribution: str, total: str | None = "NUMPAGES"
                  ) -> None:
    """The running head (the title) and foot (source, page / pages). What a reference
    document already puts there (内部资料 · 注意保存) stays, docpipe's follows it."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    def free(part):
        last = part.paragraphs[-1]
        return last if not last.text.strip() and not last.runs else part.add_paragraph()

    head = free(section.header)
    head.text = title
    head.alignment = WD_ALIGN_PARAGRAPH.CENTER
    foot = free(section.footer)
    foot.alignment = WD_ALIGN_PARAGRAPH.CENTER
    if attribution:
        foot.add_run(attribution + "    ")
    field_code(foot, "PAGE")
    if total:
        foot.add_run(" / ")
        field_code(foot, total)
    for p in (head, foot):
        p.paragraph_format.first_line_indent = Pt(0)
        ind = oxml(p).get_or_add_pPr().get_or_add_ind()
        ind.set(qname("w:firstLineChars"), "0")
        for r in p.runs:
            r.font.size = Pt(8.5)


def xml_safe_article(art: Article) -> Article:
    """`art` without the control characters XML forbids (python-docx raises on them).
    Readers already drop them (decode.xml_safe); this guards Articles made elsewhere."""
    import dataclasses

    from ..decode import xml_safe
    from ..model import TEXT_FIELDS

    fields = {f: xml_safe(getattr(art, f)) for f in (*TEXT_FIELDS, "url", "index_number",
                                                     "published_time")}
    body = [dataclasses.replace(b, text=xml_safe(b.text), lead_in=xml_safe(b.lead_in),
                                caption=xml_safe(b.caption)) for b in art.body]
    return dataclasses.replace(art, **fields, body=body,
                               keywords=[xml_safe(k) for k in art.keywords])


def _style_ids(doc) -> dict[str, str | None]:
    """Paragraph style name -> style id (None for the default style) of `doc`.

    python-docx resolves a style given by name by scanning every style, twice (by name,
    then for the default style): a few ms per paragraph. `Adder` looks each up once."""
    from docx.enum.style import WD_STYLE_TYPE
    from docx.styles import BabelFish

    styles = doc.styles.element.style_lst
    defaults = [st for st in styles if st.type == WD_STYLE_TYPE.PARAGRAPH and st.default]
    default = defaults[-1] if defaults else None  # python-docx: the last one counts
    first: dict[str, object] = {}
    for st in styles:
        if st.name_val is not None:
            first.setdefault(BabelFish.internal2ui(st.name_val), st)  # the first of a name
    return {name: None if st is default else st.styleId for name, st in first.items()
            if st.type == WD_STYLE_TYPE.PARAGRAPH}


_BREAKS_OR_TABS = re.compile(r"[\t\n\r]")


class Adder:
    """`doc.add_paragraph(text, style=name)` in constant time, each style looked up once.

    python-docx inserts every paragraph before the body's `w:sectPr`, which it finds by
    scanning the body's children (`insert_element_before`): quadratic in the paragraphs
    (20k took 13 s). Here each new `w:p` goes straight before the `w:sectPr` found once."""

    def __init__(self, doc):
        self.doc = doc
        self.ids = _style_ids(doc)
        self.body = doc.element.body
        self.sect = self.body.find(qname("w:sectPr"))

    def __call__(self, text: str = "", style: str | None = None):
        from docx.oxml import OxmlElement
        from docx.text.paragraph import Paragraph

        if style is not None and style not in self.ids:  # python-docx says why
            return self.doc.add_paragraph(text, style=style)
        el = OxmlElement("w:p")
        if self.sect is not None and self.sect.getparent() is self.body:
            self.sect.addprevious(el)
        else:
            self.body.append(el)
        p = Paragraph(el, self.doc)
        if text and not _BREAKS_OR_TABS.search(text):
            # What `add_run(text)` builds, without its character-by-character parse.
            r, t = OxmlElement("w:r"), OxmlElement("w:t")
            t.text = text
            if text != text.strip():
                t.set(qname("xml:space"), "preserve")
            r.append(t)
            el.append(r)
        elif text:
            p.add_run(text)  # tabs and line breaks become w:tab and w:br
        if style is not None:
            oxml(p).style = self.ids[style]
        return p


def _notice_format(p, kind: str) -> None:
    """GB/T 9704 roles (transforms/notice.py): addressee flush left, items aligned with
    the paragraphs, attachments after 附件：, organ and date right-aligned."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    pf = p.paragraph_format
    ind = oxml(p).get_or_add_pPr().get_or_add_ind()
    if kind in ("addressee", "signature", "attachment-item"):
        pf.first_line_indent = Pt(0)
        ind.set(qname("w:firstLineChars"), "0")
    if kind == "signature":
        pf.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    elif kind == "attachment-item":
        pf.left_indent = Pt(11 * 5)
        ind.set(qname("w:leftChars"), "500")
    elif kind == "heading":
        pf.first_line_indent = Pt(22)
        ind.set(qname("w:firstLineChars"), "200")


def add_article(doc, art: Article, L: Labels, title: str, heading: str = "Title",
                add=None, org: str = "", credit: str | None = None) -> None:
    """The briefing's content, appended to `doc` (a single briefing or a pack).
    `org`: the user's organisation in the kicker; `credit`: the closing line (None:
    docpipe's own, "": none)."""
    art, title = xml_safe_article(art), xml_safe(title)
    add = add or Adder(doc)
    _add_head(add, art, L, title, heading, org)
    _add_summary_and_note(add, art, L)
    _add_body(doc, art, add)
    credit = L.colophon if credit is None else xml_safe(credit)
    closing = " · ".join(x for x in (credit, f"{L.url}：{art.url}" if art.url else "") if x)
    if closing:
        add(closing, style="Colophon")


def _add_head(add, art: Article, L: Labels, title: str, heading: str, org: str) -> None:
    """Kicker, 发文字号, title, the metadata line and the document's record."""
    from . import record_rows

    kicker = (f"{xml_safe(org)} · " if org else "") + L.briefing
    add(kicker + (f" · {art.site}" if art.site else ""), style="Kicker")
    if art.doc_number:  # GB/T 9704: the 发文字号 centred above the title
        from docx.enum.text import WD_ALIGN_PARAGRAPH

        add(art.doc_number, style="Meta").paragraph_format.alignment = \
            WD_ALIGN_PARAGRAPH.CENTER
    add(title, style=heading)
    meta = []
    if art.source:
        meta.append(f"{L.source}：{art.source}")
    if art.published:
        meta.append(art.published + (f" {art.published_time}" if art.published_time else ""))
    if art.views is not None:
        meta.append(f"{art.views_label or L.views} {art.views}")
    if art.author:
        meta.append(f"{L.author}：{art.author}")
    if art.original:
        meta.append(L.words.get("original", "原创"))
    if meta:
        add(" · ".join(meta), style="Meta")
    rows = record_rows(art, L)
    if rows:  # the document's record (索引号, 发文机关, 成文日期 …), as in the PDF's header
        add("　".join(f"{label}：{value}" for label, value in rows), style="Meta")


def _add_labelled(add, style: str, label: str, text: str) -> None:
    p = add(style=style)
    p.add_run(f"{label}：").bold = True
    p.add_run(text)


def _add_summary_and_note(add, art: Article, L: Labels) -> None:
    """摘要, keywords, lead and 编者按; when the summary is the note's own sentences, the
    note with those sentences marked instead of a summary box."""
    from . import note_marks

    marks = note_marks(art)  # the summary is the note's sentences: bold in the note
    if art.summary and not marks:
        _add_labelled(add, "Summary", L.summary, art.summary)
    if art.keywords and not marks:
        _add_labelled(add, "Keywords", L.keywords, "、".join(art.keywords))
    if lead_shown(art):  # not when the editor's note holds it: page 1 says it once
        _add_labelled(add, "Lead", L.lead, art.lead)
    if art.editor_note and marks:
        head = add(L.editor_note, style="Heading 2")
        head.add_run(f"　{L.words.get('summary_marked', '标出的句子即摘要')}").bold = False
        p = add(style="Editor Note")
        for text, key in marks:
            run = p.add_run(text)
            if key:  # the marker's tint the PDF gives these sentences
                shd = run.element.get_or_add_rPr().makeelement(qname("w:shd"), {
                    qname("w:val"): "clear", qname("w:color"): "auto", qname("w:fill"): MARK})
                run.element.get_or_add_rPr().append(shd)
        if art.keywords:
            _add_labelled(add, "Keywords", L.keywords, "、".join(art.keywords))
    elif art.editor_note:
        add(L.editor_note, style="Heading 2")
        add(art.editor_note, style="Editor Note")


def _add_body(doc, art: Article, add) -> None:
    """The body's blocks, each in its style (a notice's parts as GB/T 9704 sets them)."""
    notice = any(b.kind == "addressee" for b in art.body)
    for b in art.body:
        if b.kind == "heading":
            p = add(b.text, style="Heading 3")
            if notice:
                _notice_format(p, "heading")
        elif b.kind in ("addressee", "attachment", "attachment-item", "signature"):
            _notice_format(add(b.text), b.kind)
        elif b.kind == "point":
            p = add()
            p.add_run(b.lead_in).bold = True
            p.add_run(b.rest)
        elif b.kind == "image":
            _add_image(doc, art, b, add)
        elif b.kind == "caption":
            add(b.text, style="Caption")
        else:
            add(b.text)


def _add_image(doc, art: Article, block, add) -> None:
    from docx.shared import Mm

    # Only a file inside the page's own folder (the reader checks; so does the writer),
    # or the image a web archive carried inside itself (a `data:` URL).
    source = None
    if block.src.startswith("data:") and ";base64," in block.src:
        import base64
        import io

        with contextlib.suppress(ValueError):
            source = io.BytesIO(base64.b64decode(block.src.split(",", 1)[1]))
    else:
        base = Path(art.base_dir).resolve() if art.base_dir else None
        path = (base / block.src).resolve() if base and block.src else None
        if path and path.is_relative_to(base) and path.is_file():
            source = str(path)
    if source is not None:
        # An image python-docx cannot read is left out; its caption stays.
        with contextlib.suppress(Exception):
            doc.add_picture(source, width=Mm(120))
    if block.caption:
        add(block.caption, style="Caption")


def set_properties(doc, *, title: str, keywords: list[str], author: str, created: str | None,
                   variant: str, subject: str = "") -> None:
    cp = doc.core_properties
    when = EPOCH
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()  # reproducible builds
    if epoch:
        with contextlib.suppress(ValueError, OverflowError, OSError):
            when = datetime.fromtimestamp(int(epoch), UTC)
    if created:
        with contextlib.suppress(ValueError):
            when = datetime.fromisoformat(created).replace(tzinfo=UTC)
    # Core properties hold at most 255 characters (python-docx raises beyond that).
    cp.title = title[:255]
    cp.subject = subject[:255]
    cp.keywords = ", ".join(keywords)[:255]
    cp.author = (author or "docpipe")[:255]
    cp.last_modified_by = "docpipe"
    cp.comments = "docpipe"
    cp.language = LANG[variant][0]
    cp.created = when
    cp.modified = when
    cp.last_printed = when
    cp.revision = 1
    cp.category = "briefing"


def set_record(doc, art: Article, L: Labels) -> None:
    """An official document's record as document properties: the 发文字号 as the core
    `identifier`, every field as a custom property (Word: File > Properties > Custom)
    named by its label (发文字号, 索引号 …), so a records system can read it."""
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part
    from lxml import etree

    from ..model import NOTICE_FIELDS

    rows = [(L.words.get(n, n), getattr(art, n)) for n in NOTICE_FIELDS if getattr(art, n)]
    if not rows:
        return
    if art.doc_number:
        doc.core_properties.identifier = art.doc_number[:255]
    ns = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
    vt = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"
    root = etree.Element(f"{{{ns}}}Properties", nsmap={None: ns, "vt": vt})
    for pid, (name, value) in enumerate(rows, start=2):  # pid 0 and 1 are reserved
        prop = etree.SubElement(root, f"{{{ns}}}property", {
            "fmtid": "{D5CDD505-2E9C-101B-9397-08002B2CF9AE}", "pid": str(pid),
            "name": name})
        etree.SubElement(prop, f"{{{vt}}}lpwstr").text = value
    blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    package = doc.part.package
    part = Part(PackURI("/docProps/custom.xml"),
                "application/vnd.openxmlformats-officedocument.custom-properties+xml",
                blob, package)
    package.relate_to(part, RT.CUSTOM_PROPERTIES)


def to_bytes(art: Article, opts: RenderOptions) -> bytes:
    """The briefing's DOCX, read back: an OutputError when it lacks any character of
    the article's text (`verify`)."""
    from .. import verify

    art = xml_safe_article(art)
    L = labels_for(art.variant, opts)
    title = display_title(art, opts)
    doc = new_document(art.variant, opts)
    attribution = f"{L.source}：{art.source or art.site}" if (art.source or art.site) else ""
    header_footer(doc.sections[0], title, attribution)
    add_article(doc, art, L, title, org=opts.organisation, credit=colophon(L, opts))
    set_properties(doc, title=title, keywords=art.keywords, author=art.source or art.site,
                   created=art.published, variant=art.variant, subject=art.summary)
    set_record(doc, art, L)
    data = deterministic_bytes(doc)
    missing = verify.lost(art, verify.docx_text(data))
    if missing:
        raise OutputError(f"its DOCX lacks text of the article ({verify.describe(missing)});"
                          " it was not written", art.input_path or None)
    return data


def write(art: Article, target: Path, opts: RenderOptions) -> None:
    write_bytes(target, to_bytes(art, opts))
