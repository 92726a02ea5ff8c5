"""The blank document every DOCX briefing starts from: page, styles, East Asian fonts.

python-docx's defaults are wrong for Chinese: `font.name` leaves the East Asian
font unset, the template declares East Asian text Japanese, headings use theme
fonts that override names. Each of those is set here explicitly, once per script
variant (cached as bytes), or taken from the user's reference.docx.
"""

from __future__ import annotations

import io
import zipfile
from functools import lru_cache
from pathlib import Path

from ..transforms.chinese import LANG
from ..variants import ALL as VARIANT_ROWS
from ..variants import REGIONS
from . import RenderOptions

#: Views of the variants table (variants.py), as this writer reads it: Noto CJK region ->
#: (body font, heading font); region -> (Windows stand-in for the body font, for the
#: heading font, w:charset), written as w:altName in the font table; variant -> the
#: w:lang eastAsia value Word understands.
FONTS = {name: (r.serif, r.sans) for name, r in REGIONS.items()}
WINDOWS_FALLBACK = {name: (r.windows_serif, r.windows_sans, r.windows_charset)
                    for name, r in REGIONS.items()}
WORD_LANG = {name: v.word_lang for name, v in VARIANT_ROWS.items()}
ACCENT = "8A1C1C"


def qname(tag: str) -> str:
    """`w:tag` as lxml's {namespace}tag (python-docx's qn, imported when first used)."""
    from docx.oxml.ns import qn

    return qn(tag)


def _child(parent, tag: str, first: bool = False):
    """The `tag` child of `parent`, created if missing (works on any lxml element)."""
    el = parent.find(qname(tag))
    if el is None:
        el = parent.makeelement(qname(tag), {})
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
        rfonts.attrib.pop(qname(attr), None)
    for attr, value in (("w:ascii", latin), ("w:hAnsi", latin), ("w:eastAsia", east_asia),
                        ("w:cs", latin)):
        rfonts.set(qname(attr), value)


def _set_lang(rpr_parent, east_asia: str) -> None:
    lang = _child(_child(rpr_parent, "w:rPr"), "w:lang")
    lang.set(qname("w:val"), "en-US")
    lang.set(qname("w:eastAsia"), east_asia)
    lang.set(qname("w:bidi"), "ar-SA")


def _first_line_chars(style, chars: int) -> None:
    """First-line indent in characters (w:firstLineChars), what Chinese Word users expect."""
    ind = _child(style.element.get_or_add_pPr(), "w:ind")
    ind.set(qname("w:firstLineChars"), str(chars * 100))


def _shade(style, fill: str, border: str) -> None:
    ppr = style.element.get_or_add_pPr()
    bdr = ppr.makeelement(qname("w:pBdr"), {})
    left = bdr.makeelement(qname("w:left"), {qname("w:val"): "single", qname("w:sz"): "18",
                                          qname("w:space"): "6", qname("w:color"): border})
    bdr.append(left)
    ppr.append(bdr)
    shd = ppr.makeelement(qname("w:shd"), {qname("w:val"): "clear", qname("w:color"): "auto",
                                         qname("w:fill"): fill})
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
        if child.tag != qname("w:sectPr"):
            body.remove(child)
    own = Document(io.BytesIO(_base_document(variant)))
    have = {st.get(qname("w:styleId")) for st in doc.styles.element.findall(qname("w:style"))}
    for st in own.styles.element.findall(qname("w:style")):
        if st.get(qname("w:styleId")) not in have:
            doc.styles.element.append(st)
    region = LANG[variant][1]
    word_lang = WORD_LANG[variant]
    for el in doc.styles.element.iter(qname("w:rFonts")):
        for attr, value in list(el.attrib.items()):
            if value.startswith(("Noto Serif CJK ", "Noto Sans CJK ")):
                el.set(attr, value[:-2] + region)
    for el in doc.styles.element.iter(qname("w:lang")):
        if el.get(qname("w:eastAsia")):
            el.set(qname("w:eastAsia"), word_lang)
    tfl = doc.settings.element.find(qname("w:themeFontLang"))
    if tfl is not None:
        tfl.set(qname("w:eastAsia"), word_lang)
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

    doc = Document()
    body_font, head_font = FONTS[LANG[variant][1]]
    _page_and_defaults(doc, body_font, WORD_LANG[variant])
    normal = _normal_style(doc, body_font)
    _heading_styles(doc, body_font, head_font)
    _own_styles(doc, normal, body_font)
    return doc


def _page_and_defaults(doc, body_font: str, word_lang: str) -> None:
    """A4 with the PDF's margins; the document's default font and East Asian language."""
    from docx.shared import Mm

    # Document defaults and the East Asian language of the whole file.
    styles_el = doc.styles.element
    rpr_default = styles_el.find(qname("w:docDefaults")).find(qname("w:rPrDefault"))
    _set_fonts(rpr_default, body_font, body_font)
    _set_lang(rpr_default, word_lang)
    settings = doc.settings.element
    tfl = settings.find(qname("w:themeFontLang"))
    if tfl is not None:
        tfl.set(qname("w:eastAsia"), word_lang)

    sec = doc.sections[0]
    sec.page_width, sec.page_height = Mm(210), Mm(297)
    sec.left_margin = sec.right_margin = Mm(20)
    sec.top_margin, sec.bottom_margin = Mm(24), Mm(22)


def _normal_style(doc, body_font: str):
    """Body text: 11 pt, 1.5 lines, a two-character first-line indent."""
    from docx.shared import Pt

    normal = doc.styles["Normal"]
    normal.font.size = Pt(11)
    _set_fonts(normal.element, body_font, body_font)
    pf = normal.paragraph_format
    pf.line_spacing = 1.5
    pf.space_after = Pt(4)
    pf.first_line_indent = Pt(22)
    _first_line_chars(normal, 2)
    return normal


def _heading_styles(doc, body_font: str, head_font: str) -> None:
    """Title and headings: bold, the headline in the serif face, sections in the sans."""
    from docx.shared import Pt, RGBColor

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
        for bdr in ppr.findall(qname("w:pBdr")):
            ppr.remove(bdr)


def _own_styles(doc, normal, body_font: str) -> None:
    """docpipe's paragraph styles (kicker, meta, summary box, note …) and Word's Caption."""
    from docx.enum.style import WD_STYLE_TYPE
    from docx.shared import Pt, RGBColor

    def para_style(name: str, size: float, color: str = "555555"):
        st = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        st.base_style = normal
        st.quick_style = True
        st.font.size = Pt(size)
        st.font.color.rgb = RGBColor.from_string(color)
        st.paragraph_format.first_line_indent = Pt(0)
        ind = st.element.get_or_add_pPr().find(qname("w:ind"))
        if ind is not None:
            ind.set(qname("w:firstLineChars"), "0")
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
    ind.set(qname("w:firstLineChars"), "0")
    note = para_style("Editor Note", 10.5, "1A1A1A")
    _first_line_chars(note, 2)
    note.paragraph_format.first_line_indent = Pt(21)


def deterministic_bytes(doc) -> bytes:
    """The .docx bytes with fixed zip timestamps, so the same input gives the same file.

    python-docx stamps each zip entry with the current time and has no option against it:
    the document is saved as `doc.save` writes it, then each entry is copied, in order and
    with the same bytes, into an entry dated 1980-01-01."""
    saved = io.BytesIO()
    doc.save(saved)
    out = io.BytesIO()
    with zipfile.ZipFile(saved) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for entry in src.infolist():
            fixed = zipfile.ZipInfo(entry.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            dst.writestr(fixed, src.read(entry))
    return out.getvalue()
