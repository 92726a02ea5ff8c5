"""The DOCX briefing read back with python-docx and its XML."""

from __future__ import annotations

import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from conftest import REFERENCE, invoke

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@pytest.fixture(scope="module")
def docs(tmp_path_factory) -> dict[str, Path]:
    from typer.testing import CliRunner

    found = {}
    for variant in ("hans", "tw"):
        out = tmp_path_factory.mktemp(f"docx{variant}")
        res = invoke(CliRunner(), "convert", str(REFERENCE), "-o", str(out), "-f", "docx",
                     "--to", variant)
        assert res.exit_code == 0, res.output
        found[variant] = out / f"{REFERENCE.stem}.docx"
    return found


def open_doc(path: Path):
    import docx

    return docx.Document(str(path))


def test_real_styles(docs):
    d = open_doc(docs["hans"])
    styles = [p.style.name for p in d.paragraphs]
    assert styles.count("Title") == 1
    # the summary is the editor's note's sentences: bold in the note, no Summary box
    # (issue 22; tests/test_editor.py)
    assert "Heading 2" in styles and "Editor Note" in styles
    title = next(p for p in d.paragraphs if p.style.name == "Title")
    assert title.text.startswith("小而美，大作为")
    body = [p for p in d.paragraphs if p.style.name == "Normal"]
    assert len(body) == 8


@pytest.mark.parametrize("variant,font,lang", [("hans", "Noto Serif CJK SC", "zh-CN"),
                                               ("tw", "Noto Serif CJK TC", "zh-TW")])
def test_east_asian_font_and_language(docs, variant, font, lang):
    d = open_doc(docs[variant])
    normal = d.styles["Normal"].element
    rfonts = normal.find(f"{W}rPr/{W}rFonts")
    assert rfonts.get(f"{W}eastAsia") == font
    # The headline in the serif face, as in the PDF; section headings in the sans.
    for name, face in (("Title", "Noto Serif CJK"), ("Heading 1", "Noto Serif CJK"),
                       ("Heading 2", "Noto Sans CJK")):
        rf = d.styles[name].element.find(f"{W}rPr/{W}rFonts")
        assert rf.get(f"{W}eastAsia", "").startswith(face)
        assert rf.get(f"{W}eastAsiaTheme") is None and rf.get(f"{W}asciiTheme") is None
    defaults = d.styles.element.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr/{W}lang")
    assert defaults.get(f"{W}eastAsia") == lang
    theme_lang = d.settings.element.find(f"{W}themeFontLang")
    assert theme_lang.get(f"{W}eastAsia") == lang


def test_first_line_indent_two_characters(docs):
    d = open_doc(docs["hans"])
    ind = d.styles["Normal"].element.find(f"{W}pPr/{W}ind")
    assert ind.get(f"{W}firstLineChars") == "200"


def test_run_in_points_bold(docs):
    d = open_doc(docs["hans"])
    points = [p for p in d.paragraphs if p.text.startswith("第")]
    assert len(points) == 4
    for p in points:
        assert p.runs[0].bold and p.runs[0].text.endswith("。")
        assert not p.runs[1].bold


def test_page_number_field_in_footer(docs):
    with zipfile.ZipFile(docs["hans"]) as z:
        footers = [z.read(n).decode() for n in z.namelist() if n.startswith("word/footer")]
    assert any(" PAGE " in f and " NUMPAGES " in f for f in footers)
    assert any("来源：中华慈善公益网" in f for f in footers)


def test_core_properties(docs):
    d = open_doc(docs["tw"])
    cp = d.core_properties
    assert cp.title.startswith("小而美，大作為")
    assert cp.created == datetime(2025, 3, 6, tzinfo=UTC).replace(tzinfo=None) or \
        cp.created.date().isoformat() == "2025-03-06"
    assert cp.language == "zh-Hant-TW"
    assert "志願" in cp.keywords
    assert cp.author == "中華慈善公益網"
    assert cp.last_modified_by == "docpipe"
    assert "python-docx" not in (cp.author + cp.last_modified_by)


def test_oxml_adapter_reaches_paragraph_and_section_elements():
    """writers/docx.oxml: python-docx has no public element of a paragraph or a section; if
    its `_p` / `_sectPr` go, this fails (and every field and column with it)."""
    import docx
    from docx.oxml.ns import qn

    from docpipe.writers.docx import oxml

    doc = docx.Document()
    paragraph = doc.add_paragraph("正文")
    assert oxml(paragraph).tag == qn("w:p") and oxml(paragraph).xpath("string(.)") == "正文"
    assert oxml(doc.sections[0]).tag == qn("w:sectPr")
