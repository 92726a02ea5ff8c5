"""DOCX briefing with python-docx: real styles, East Asian fonts, fields, fixed metadata.

python-docx's defaults are wrong for Chinese: `font.name` leaves the East Asian
font unset, the template declares East Asian text Japanese, headings use theme
fonts that override names, and core properties carry the library's author and a
2013 date. Each of those is set here explicitly.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import zipfile
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

from ..decode import xml_safe
from ..errors import OutputError
from ..model import Article
from ..outputs import write_bytes
from ..transforms.chinese import LANG
from ..variants import ALL as VARIANT_ROWS
from ..variants import REGIONS
from . import Labels, RenderOptions, colophon, display_title, labels_for, lead_shown

#: Views of the variants table (variants.py), as this writer reads it: Noto CJK region ->
#: (body font, heading font); region -> (Windows stand-in for the body font, for the
#: heading font, w:charset), written as w:altName in the font table; variant -> the
#: w:lang eastAsia value Word understands.
FONTS = {name: (r.serif, r.sans) for name, r in REGIONS.items()}
WINDOWS_FALLBACK = {name: (r.windows_serif, r.windows_sans, r.windows_charset)
                    for name, r in REGIONS.items()}
WORD_LANG = {name: v.word_lang for name, v in VARIANT_ROWS.items()}
ACCENT = "8A1C1C"
MARK = "E8D5A9"  # the summary's sentences in the editor's note (briefing.css .note .key)
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def _qn(tag: str) -> str:
    from docx.oxml.ns import qn

    return qn(tag)


def _child(parent, tag: str, first: bool = False):
    """The `tag` child of `parent`, created if missing (works on any lxml element)."""
    el = parent.find(_qn(tag))
    if el is None:
        el = parent.makeelement(_qn(tag), {})
        if first:
            parent.insert(0, el)
        else:
            parent.append(el)
    return el


def _set_fonts(rpr_parent, latin: str, east_asia: str) -> None:
    """Explicit font names on a style/run, with theme fonts removed (they win otherwise)."""
    rpr = _child(rpr_parent, "w:rPr")
    rfonts = _child(rpr, "w:rFonts", first=True)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        rfonts.attrib.pop(_qn(attr), None)
    for attr, value in (("w:ascii", latin), ("w:hAnsi", latin), ("w:eastAsia", east_asia),
                        ("w:cs", latin)):
        rfonts.set(_qn(attr), value)


def _set_lang(rpr_parent, east_asia: str) -> None:
    lang = _child(_child(rpr_parent, "w:rPr"), "w:lang")
    lang.set(_qn("w:val"), "en-US")
    lang.set(_qn("w:eastAsia"), east_asia)
    lang.set(_qn("w:bidi"), "ar-SA")


def _first_line_chars(style, chars: int) -> None:
    """First-line indent in characters (w:firstLineChars), what Chinese Word users expect."""
    ind = _child(style.element.get_or_add_pPr(), "w:ind")
    ind.set(_qn("w:firstLineChars"), str(chars * 100))


def _shade(style, fill: str, border: str) -> None:
    ppr = style.element.get_or_add_pPr()
    bdr = ppr.makeelement(_qn("w:pBdr"), {})
    left = bdr.makeelement(_qn("w:left"), {_qn("w:val"): "single", _qn("w:sz"): "18",
                                          _qn("w:space"): "6", _qn("w:color"): border})
    bdr.append(left)
    ppr.append(bdr)
    shd = ppr.makeelement(_qn("w:shd"), {_qn("w:val"): "clear", _qn("w:color"): "auto",
                                         _qn("w:fill"): fill})
    ppr.append(shd)


def new_document(variant: str, opts: RenderOptions | None = None):
    """A python-docx Document set up for `variant`: fonts, language, styles, page.

    The styled document is built once per process and variant (about 30 ms) and kept as
    its .docx bytes; each call opens a fresh copy of it (about 10 ms). With a
    `reference.docx` in the template folder (`docpipe templates export`), that document's
    styles, page set-up, headers and footers are the DOCX's, as pandoc's --reference-doc."""
    from docx import Document

    ref = _reference_path(opts)
    if ref is not None:
        return Document(io.BytesIO(_from_reference(variant, str(ref), ref.stat().st_mtime)))
    return Document(io.BytesIO(_base_document(variant)))


REFERENCE_MAX = 20_000_000  # bytes: a reference document is styles, not a book


def _reference_path(opts: RenderOptions | None) -> Path | None:
    """The user's reference.docx in the template folder, or None (docpipe's own styles)."""
    if opts is None or not opts.template_dir:
        return None
    path = Path(opts.template_dir) / "reference.docx"
    return path if path.is_file() else None


def reference_bytes() -> bytes:
    """docpipe's own styles as a reference document (`docpipe templates export`): a
    document with one paragraph of each style, so a user sees and edits every one."""
    from docx import Document

    doc = Document(io.BytesIO(_base_document("hans")))
    for style, text in (("Kicker", "简报 · 网站"), ("Title", "标题"), ("Meta", "来源 · 日期"),
                        ("Summary", "摘要"), ("Keywords", "关键词"), ("Lead", "导读"),
                        ("Heading 2", "编者按"), ("Editor Note", "编者按正文"),
                        ("Heading 1", "简报标题（简报汇编）"), ("Heading 3", "小标题"),
                        (None, "正文段落"), ("Caption", "图片说明"), ("Colophon", "本简报由 docpipe 据保存的网页整理")):
        doc.add_paragraph(text, style=style)
    return deterministic_bytes(doc)


@lru_cache(maxsize=4)
def _from_reference(variant: str, path: str, mtime: float) -> bytes:
    """The user's reference document emptied (its styles, sections, headers and footers
    kept), with docpipe's styles it lacks added, and set for `variant`: the Noto face of
    another region becomes this one's, the East Asian language this variant's."""
    from docx import Document

    from ..errors import UsageError
    from ..inputs import read_file

    try:
        doc = Document(io.BytesIO(read_file(path, REFERENCE_MAX)))
    except Exception as exc:  # noqa: BLE001 -- a user's file: one line, never a traceback
        raise UsageError(f"reference document cannot be read: {exc}", path) from None
    body = doc.element.body
    for child in list(body):
        if child.tag != _qn("w:sectPr"):
            body.remove(child)
    own = Document(io.BytesIO(_base_document(variant)))
    have = {st.get(_qn("w:styleId")) for st in doc.styles.element.findall(_qn("w:style"))}
    for st in own.styles.element.findall(_qn("w:style")):
        if st.get(_qn("w:styleId")) not in have:
            doc.styles.element.append(st)
    region = LANG[variant][1]
    word_lang = WORD_LANG[variant]
    for el in doc.styles.element.iter(_qn("w:rFonts")):
        for attr, value in list(el.attrib.items()):
            if value.startswith(("Noto Serif CJK ", "Noto Sans CJK ")):
                el.set(attr, value[:-2] + region)
    for el in doc.styles.element.iter(_qn("w:lang")):
        if el.get(_qn("w:eastAsia")):
            el.set(_qn("w:eastAsia"), word_lang)
    tfl = doc.settings.element.find(_qn("w:themeFontLang"))
    if tfl is not None:
        tfl.set(_qn("w:eastAsia"), word_lang)
    raw = io.BytesIO()
    doc.save(raw)
    return _with_font_fallbacks(raw.getvalue(), region)


@lru_cache(maxsize=8)
def _base_document(variant: str) -> bytes:
    raw = io.BytesIO()
    _build_document(variant).save(raw)
    return _with_font_fallbacks(raw.getvalue(), LANG[variant][1])


def _with_font_fallbacks(docx: bytes, region: str) -> bytes:
    """`docx` whose font table names each Noto font with its Windows stand-in (w:altName),
    East Asian charset and family: Word substitutes by these when Noto is missing."""
    from lxml import etree

    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    fonts = dict(zip(FONTS[region], WINDOWS_FALLBACK[region][:2], strict=True))
    charset = WINDOWS_FALLBACK[region][2]
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(docx)) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "word/fontTable.xml":
                root = etree.fromstring(data)
                for name, alt in fonts.items():
                    font = etree.SubElement(root, f"{{{w}}}font", {f"{{{w}}}name": name})
                    for tag, val in (("altName", alt), ("charset", charset),
                                     ("family", "roman" if "Serif" in name else "swiss"),
                                     ("pitch", "variable")):
                        etree.SubElement(font, f"{{{w}}}{tag}", {f"{{{w}}}val": val})
                data = etree.tostring(root, xml_declaration=True, encoding="UTF-8",
                                      standalone=True)
            dst.writestr(info, data)
    return out.getvalue()


def _build_document(variant: str):
    from docx import Document
    from docx.enum.style import WD_STYLE_TYPE
    from docx.shared import Mm, Pt, RGBColor

    doc = Document()
    body_font, head_font = FONTS[LANG[variant][1]]
    word_lang = WORD_LANG[variant]

    # Document defaults and the East Asian language of the whole file.
    styles_el = doc.styles.element
    rpr_default = styles_el.find(_qn("w:docDefaults")).find(_qn("w:rPrDefault"))
    _set_fonts(rpr_default, body_font, body_font)
    _set_lang(rpr_default, word_lang)
    settings = doc.settings.element
    tfl = settings.find(_qn("w:themeFontLang"))
    if tfl is not None:
        tfl.set(_qn("w:eastAsia"), word_lang)

    sec = doc.sections[0]
    sec.page_width, sec.page_height = Mm(210), Mm(297)
    sec.left_margin = sec.right_margin = Mm(20)
    sec.top_margin, sec.bottom_margin = Mm(24), Mm(22)

    normal = doc.styles["Normal"]
    normal.font.size = Pt(11)
    _set_fonts(normal.element, body_font, body_font)
    pf = normal.paragraph_format
    pf.line_spacing = 1.5
    pf.space_after = Pt(4)
    pf.first_line_indent = Pt(22)
    _first_line_chars(normal, 2)

    for name, size, color in (("Title", 20, None), ("Heading 1", 16, ACCENT),
                              ("Heading 2", 13, "6B4F1D"), ("Heading 3", 12, None)):
        st = doc.styles[name]
        # The headline in the serif face, as in the PDF; section headings in the sans.
        face = body_font if name in ("Title", "Heading 1") else head_font
        _set_fonts(st.element, face, face)
        st.font.size = Pt(size)
        st.font.bold = True
        st.font.color.rgb = RGBColor.from_string(color or "1A1A1A")
        st.paragraph_format.first_line_indent = Pt(0)
        st.paragraph_format.space_before = Pt(6)
        st.paragraph_format.space_after = Pt(6)
    title = doc.styles["Title"]
    # The default Title style draws a theme-coloured rule and uses a huge size.
    ppr = title.element.pPr
    if ppr is not None:
        for bdr in ppr.findall(_qn("w:pBdr")):
            ppr.remove(bdr)

    def para_style(name: str, size: float, color: str = "555555"):
        st = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        st.base_style = normal
        st.quick_style = True
        st.font.size = Pt(size)
        st.font.color.rgb = RGBColor.from_string(color)
        st.paragraph_format.first_line_indent = Pt(0)
        ind = st.element.get_or_add_pPr().find(_qn("w:ind"))
        if ind is not None:
            ind.set(_qn("w:firstLineChars"), "0")
        return st

    para_style("Kicker", 9, ACCENT)
    para_style("Meta", 9.5)
    summary = para_style("Summary", 10.5, "1A1A1A")
    _shade(summary, "F6F1E7", "B08D57")
    para_style("Keywords", 9.5, "444444")
    para_style("Lead", 10.5, "333333")
    para_style("Colophon", 8.5, "888888")
    caption = doc.styles["Caption"]  # Word's own: captions stay captions (lists, search)
    _set_fonts(caption.element, body_font, body_font)
    caption.font.size = Pt(9)
    caption.font.bold = False
    caption.font.color.rgb = RGBColor.from_string("555555")
    caption.paragraph_format.first_line_indent = Pt(0)
    caption.paragraph_format.alignment = 1  # centred, as in the PDF
    ind = caption.element.get_or_add_pPr().get_or_add_ind()
    ind.set(_qn("w:firstLineChars"), "0")
    note = para_style("Editor Note", 10.5, "1A1A1A")
    _first_line_chars(note, 2)
    note.paragraph_format.first_line_indent = Pt(21)
    return doc


def _field(paragraph, instr: str, placeholder: str = "1") -> None:
    """A complex field (PAGE, NUMPAGES, TOC …) that Word computes when it opens the file."""
    from docx.oxml import OxmlElement

    def fld(kind: str):
        run = paragraph.add_run()
        el = OxmlElement("w:fldChar")
        el.set(_qn("w:fldCharType"), kind)
        if kind == "begin":
            el.set(_qn("w:dirty"), "true")
        run._r.append(el)

    fld("begin")
    run = paragraph.add_run()
    it = OxmlElement("w:instrText")
    it.set(_qn("xml:space"), "preserve")
    it.text = f" {instr} "
    run._r.append(it)
    fld("separate")
    paragraph.add_run(placeholder)
    fld("end")


def update_fields_on_open(doc) -> None:
    from docx.oxml import OxmlElement

    el = OxmlElement("w:updateFields")
    el.set(_qn("w:val"), "true")
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
    _field(foot, "PAGE")
    if total:
        foot.add_run(" / ")
        _field(foot, total)
    for p in (head, foot):
        p.paragraph_format.first_line_indent = Pt(0)
        ind = p._p.get_or_add_pPr().get_or_add_ind()
        ind.set(_qn("w:firstLineChars"), "0")
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
    then for the default style): a few ms per paragraph. `_Adder` looks each up once."""
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


class _Adder:
    """`doc.add_paragraph(text, style=name)` in constant time, each style looked up once.

    python-docx inserts every paragraph before the body's `w:sectPr`, which it finds by
    scanning the body's children (`insert_element_before`): quadratic in the paragraphs
    (20k took 13 s). Here each new `w:p` goes straight before the `w:sectPr` found once."""

    def __init__(self, doc):
        self.doc = doc
        self.ids = _style_ids(doc)
        self.body = doc.element.body
        self.sect = self.body.find(_qn("w:sectPr"))

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
                t.set(_qn("xml:space"), "preserve")
            r.append(t)
            el.append(r)
        elif text:
            p.add_run(text)  # tabs and line breaks become w:tab and w:br
        if style is not None:
            p._p.style = self.ids[style]
        return p


def _notice_format(p, kind: str) -> None:
    """GB/T 9704 roles (transforms/notice.py): addressee flush left, items aligned with
    the paragraphs, attachments after 附件：, organ and date right-aligned."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    pf = p.paragraph_format
    ind = p._p.get_or_add_pPr().get_or_add_ind()
    if kind in ("addressee", "signature", "attachment-item"):
        pf.first_line_indent = Pt(0)
        ind.set(_qn("w:firstLineChars"), "0")
    if kind == "signature":
        pf.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    elif kind == "attachment-item":
        pf.left_indent = Pt(11 * 5)
        ind.set(_qn("w:leftChars"), "500")
    elif kind == "heading":
        pf.first_line_indent = Pt(22)
        ind.set(_qn("w:firstLineChars"), "200")


def add_article(doc, art: Article, L: Labels, title: str, heading: str = "Title",
                add=None, org: str = "", credit: str | None = None) -> None:
    """The briefing's content, appended to `doc` (a single briefing or a pack).
    `org`: the user's organisation in the kicker; `credit`: the closing line (None:
    docpipe's own, "": none)."""
    art, title = xml_safe_article(art), xml_safe(title)
    add = add or _Adder(doc)
    notice = any(b.kind == "addressee" for b in art.body)
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
    from . import record_rows

    rows = record_rows(art, L)
    if rows:  # the document's record (索引号, 发文机关, 成文日期 …), as in the PDF's header
        add("　".join(f"{label}：{value}" for label, value in rows), style="Meta")
    from . import note_marks

    marks = note_marks(art)  # the summary is the note's sentences: bold in the note
    if art.summary and not marks:
        p = add(style="Summary")
        p.add_run(f"{L.summary}：").bold = True
        p.add_run(art.summary)
    if art.keywords and not marks:
        p = add(style="Keywords")
        p.add_run(f"{L.keywords}：").bold = True
        p.add_run("、".join(art.keywords))
    if lead_shown(art):  # not when the editor's note holds it: page 1 says it once
        p = add(style="Lead")
        p.add_run(f"{L.lead}：").bold = True
        p.add_run(art.lead)
    if art.editor_note and marks:
        head = add(L.editor_note, style="Heading 2")
        head.add_run(f"　{L.words.get('summary_marked', '标出的句子即摘要')}").bold = False
        p = add(style="Editor Note")
        for text, key in marks:
            run = p.add_run(text)
            if key:  # the marker's tint the PDF gives these sentences
                shd = run._r.get_or_add_rPr().makeelement(_qn("w:shd"), {
                    _qn("w:val"): "clear", _qn("w:color"): "auto", _qn("w:fill"): MARK})
                run._r.get_or_add_rPr().append(shd)
        if art.keywords:
            p = add(style="Keywords")
            p.add_run(f"{L.keywords}：").bold = True
            p.add_run("、".join(art.keywords))
    elif art.editor_note:
        add(L.editor_note, style="Heading 2")
        add(art.editor_note, style="Editor Note")
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
    credit = L.colophon if credit is None else xml_safe(credit)
    closing = " · ".join(x for x in (credit, f"{L.url}：{art.url}" if art.url else "") if x)
    if closing:
        add(closing, style="Colophon")


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


def deterministic_bytes(doc) -> bytes:
    """The .docx bytes with fixed zip timestamps, so the same input gives the same file.

    The parts are written as `doc.save` writes them (same order, same bytes), each
    compressed once, straight into a zip entry with a fixed date."""
    from docx.opc.pkgwriter import PackageWriter

    package = doc.part.package
    for part in package.parts:
        part.before_marshal()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:

        class FixedDates:
            def write(self, pack_uri, blob: bytes) -> None:
                fixed = zipfile.ZipInfo(pack_uri.membername, date_time=(1980, 1, 1, 0, 0, 0))
                fixed.compress_type = zipfile.ZIP_DEFLATED
                fixed.external_attr = 0o644 << 16
                dst.writestr(fixed, blob)

        writer = FixedDates()
        PackageWriter._write_content_types_stream(writer, package.parts)
        PackageWriter._write_pkg_rels(writer, package.rels)
        PackageWriter._write_parts(writer, package.parts)
    return out.getvalue()


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
