"""Issue 22: the pack's cover and DOCX, the reference document, phrase fixes, the habits
of the command line, and a Python API that cannot hang."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from conftest import REFERENCE, ROOT, SAMPLES, invoke

NEWS = SAMPLES / "002_news_related.txt"
WINDOW_PAGE = ("公益让青年走向更广阔世界的窗口\n\n来源:本站 时间:2025/3/6\n\n"
               "国际志愿服务是青年走向更广阔世界的窗口。参与者在服务中了解他人，也认识自己。\n")


@pytest.fixture(scope="module")
def pack(tmp_path_factory):
    """One pack of two samples, without --title, with --date, --explain and -v: made once
    (the command line's result is kept for the options' test)."""
    from typer.testing import CliRunner

    out = tmp_path_factory.mktemp("pack")
    res = invoke(CliRunner(), "pack", str(REFERENCE), str(NEWS), "-o", str(out), "--name",
                 "week", "--date", "2025-03-20", "--no-pages", "-j", "1", "--explain", "-v")
    assert res.exit_code == 0, res.stderr
    return out, res


def pdf_pages(path: Path) -> list[str]:
    from pypdf import PdfReader

    return [p.extract_text() or "" for p in PdfReader(str(path)).pages]


# --- 7. the pack's cover -----------------------------------------------------------------


def test_cover_title_and_date_once(pack):
    cover = pdf_pages(pack[0] / "week.pdf")[0].replace(" ", "")
    assert cover.count("简报汇编") == 1, cover
    assert cover.count("2025-03-20") == 1, cover  # the date, not the newest article's
    assert cover.count("2024-11-18") == 1  # the date range, once


def test_date_is_checked():
    import docpipe

    with pytest.raises(docpipe.UsageError, match="date: '2025-13-40' is not a date"):
        docpipe.pack([NEWS], "unused", date="2025-13-40")


# --- 8. the pack's DOCX: page numbers of its own ------------------------------------------


def test_pack_docx_contents_and_overview_number_pages_by_its_own_layout(pack):
    with zipfile.ZipFile(pack[0] / "week.docx") as z:
        xml = z.read("word/document.xml").decode("utf-8")
    refs = re.findall(r"PAGEREF (b\d{3})", xml)
    assert refs == ["b001", "b002", "b001", "b002"]  # contents, then overview
    assert " TOC " not in xml and ">?<" not in xml  # no list without numbers, no guesses
    numbering = re.findall(r'<w:pgNumType ([^>]*)/>', xml)
    assert len(numbering) == 2
    assert 'w:fmt="lowerRoman"' in numbering[0] and 'w:start="1"' in numbering[1]
    assert 'w:fmt="decimal"' in numbering[1]
    # the section break comes before the first article's bookmark: it is page 1
    assert xml.index("<w:pgNumType") < xml.index('w:name="b001"')


# --- 9. templates reach the DOCX: the reference document --------------------------------


def test_reference_docx_exported_and_edited_changes_the_docx(tmp_path, runner):
    from docx import Document
    from docx.shared import RGBColor

    res = invoke(runner, "templates", "export", str(tmp_path / "tpl"))
    assert res.exit_code == 0 and "reference.docx" in res.stdout
    ref = Document(str(tmp_path / "tpl" / "reference.docx"))
    assert {"Kicker", "Editor Note", "Summary", "Caption"} <= {s.name for s in ref.styles}
    ref.styles["Title"].font.color.rgb = RGBColor.from_string("1F4E79")
    ref.sections[0].header.paragraphs[0].text = "内部资料 · 注意保存"
    ref.save(str(tmp_path / "tpl" / "reference.docx"))
    res = invoke(runner, "convert", str(NEWS), "-o", str(tmp_path / "out"), "-f", "docx",
                 "--template-dir", str(tmp_path / "tpl"), "--to", "tw")
    assert res.exit_code == 0, res.stderr
    doc = Document(str(tmp_path / "out" / f"{NEWS.stem}.docx"))
    assert doc.styles["Title"].font.color.rgb == RGBColor.from_string("1F4E79")
    head = [p.text for p in doc.sections[0].header.paragraphs]
    assert head[0] == "内部资料 · 注意保存" and "一元助學" in head[-1]
    with zipfile.ZipFile(tmp_path / "out" / f"{NEWS.stem}.docx") as z:
        styles = z.read("word/styles.xml").decode("utf-8")
    assert "Noto Serif CJK TC" in styles and "Noto Serif CJK SC" not in styles
    assert 'w:eastAsia="zh-TW"' in styles
    assert doc.paragraphs[1].text.startswith("「一元助學」")  # the body is the article's


# --- 11. the user's phrase fixes -----------------------------------------------------------


def test_phrase_table_fixes_opencc_and_is_explained(tmp_path, runner):
    import docpipe

    plain = docpipe.extract(WINDOW_PAGE, to="twp")
    assert "世界的視窗" in plain.body_text[0]
    fixed = docpipe.extract(WINDOW_PAGE, to="twp", phrases={"世界的視窗": "世界的窗口"})
    assert "世界的窗口" in fixed.body_text[0] and "世界的窗口" in fixed.title
    assert "phrases: 世界的視窗 → 世界的窗口 ×2 (your phrase table)" in fixed.log
    (tmp_path / "page.txt").write_text(WINDOW_PAGE, encoding="utf-8")
    (tmp_path / "docpipe.toml").write_text('[phrases.twp]\n"世界的視窗" = "世界的窗口"\n',
                                           encoding="utf-8")
    res = subprocess.run([sys.executable, "-m", "docpipe.cli", "extract", "page.txt", "--to",
                          "twp", "--explain"], cwd=tmp_path, capture_output=True, text=True,
                         env=dict(os.environ))
    assert res.returncode == 0, res.stderr
    assert "世界的窗口" in json.loads(res.stdout)["body"][0]
    assert "phrases: 世界的視窗 → 世界的窗口" in res.stderr
    (tmp_path / "fix.toml").write_text('"青年" = "年輕人"\n[xx]\n"a" = "b"\n', encoding="utf-8")
    with pytest.raises(docpipe.UsageError, match=r"\[xx\] is not a script"):
        docpipe.extract(WINDOW_PAGE, phrases=tmp_path / "fix.toml")


# --- 12. habits -------------------------------------------------------------------------


@pytest.mark.parametrize("tag, variant", [("zh-TW", "tw"), ("zh-Hant", "hant"),
                                          ("zh-HK", "hk"), ("zh-Hans", "hans"),
                                          ("zh_hant_tw", "tw")])
def test_to_takes_bcp47_tags(runner, tag, variant):
    res = invoke(runner, "extract", str(NEWS), "--to", tag)
    assert res.exit_code == 0, res.stderr
    assert json.loads(res.stdout)["variant"] == variant


def test_o_naming_an_existing_file_says_why(tmp_path, runner):
    page = tmp_path / "in.txt"
    page.write_text(NEWS.read_text(encoding="utf-8"), encoding="utf-8")
    res = invoke(runner, "convert", str(page), "-o", str(page))
    assert res.exit_code == 2
    assert "is an existing file, not a folder: 2 outputs per page (pdf,docx)" in res.stderr
    assert "File exists" not in res.stderr


def test_config_aligns_comments_after_cjk_values(tmp_path):
    from wcwidth import wcswidth

    (tmp_path / "docpipe.toml").write_text('[pack]\ntitle = "公益周报第十二期"\n', encoding="utf-8")
    res = subprocess.run([sys.executable, "-m", "docpipe.cli", "config"], cwd=tmp_path,
                         capture_output=True, text=True,
                         env=dict(os.environ))
    assert res.returncode == 0, res.stderr
    rows = [ln for ln in res.stdout.splitlines() if "  # " in ln and not ln.startswith("# ")]
    title = next(ln for ln in rows if ln.startswith("title ="))
    other = next(ln for ln in rows if ln.startswith("name ="))
    column = {wcswidth(ln[: ln.index("  # ")]) for ln in (title, other)}
    assert len(column) == 1, (title, other)


def test_pack_explain_and_verbose(pack):
    res = pack[1]
    assert f"# {NEWS}" in res.stderr and "dropped line" in res.stderr
    assert f"{NEWS}: converted" in res.stderr and "pack: made" in res.stderr


def test_examples_makefile_takes_every_kind_pack_takes(tmp_path):
    from docpipe.readers import SUFFIXES

    text = (ROOT / "examples" / "Makefile").read_text(encoding="utf-8")
    kinds = set(re.search(r"^KINDS\s*:=\s*(.+)$", text, re.M)[1].split())
    assert kinds == {s.lstrip(".") for s in SUFFIXES}
    pages = tmp_path / "pages"
    pages.mkdir()
    for name in ("a.txt", "b.html", "c.htm", "d.mhtml", "e.mht"):
        (pages / name).write_text("x", encoding="utf-8")
    (tmp_path / "Makefile").write_text(text, encoding="utf-8")
    res = subprocess.run(["make", "-n", "DOCPIPE=echo"], cwd=tmp_path, capture_output=True,
                         text=True)
    for name in ("a.txt", "b.html", "c.htm", "d.mhtml", "e.mht"):
        assert f"convert pages/{name} " in res.stdout, res.stdout


# --- 13. a Python API that cannot hang ----------------------------------------------------


# (Every option of a command is a keyword of its function: tests/test_options.py.)


@pytest.mark.slow
def test_unguarded_script_neither_hangs_nor_reruns(tmp_path):
    """A script without `if __name__ == "__main__":` calling convert(jobs=2) and pack():
    the workers never import it again (before: they did, failed, and were replaced for
    ever)."""
    (tmp_path / "page.txt").write_text(NEWS.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "script.py").write_text(
        "import docpipe\n"
        "print('start', flush=True)\n"
        "r = docpipe.convert(['page.txt'], 'out', formats='md', jobs=2, organisation='某机构',\n"
        "                    punct='keep', max_pages=50, folder_images=False)\n"
        "print('convert', all(x.ok for x in r), flush=True)\n"
        "rep = docpipe.pack(['page.txt'], 'packed', name='p', jobs=1, pages=False)\n"
        "print('pack', rep.ok, flush=True)\n", encoding="utf-8")
    res = subprocess.run([sys.executable, "script.py"], cwd=tmp_path, capture_output=True,
                         text=True, timeout=150,
                         env=dict(os.environ))
    assert res.returncode == 0, res.stderr[-2000:]
    assert res.stdout.split() == ["start", "convert", "True", "pack", "True"]
