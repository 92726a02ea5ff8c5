"""Issue 10: briefings worth forwarding as they are. Every point is checked by rendering
real files and reading them back (pdftotext -bbox-layout, pdfimages, pdfinfo, pypdf,
python-docx and the DOCX XML)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from conftest import REFERENCE, SAMPLES, invoke

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
A4_WIDTH, MARGIN = 595.276, 20 / 25.4 * 72  # points; briefing.css: 20 mm left and right

NEWS = """某某新闻网
首页 > 社会

江苏推进社区养老服务“小而美”

来源:新华社 时间:2025/4/12

新华社南京4月12日电（记者李明轩、赵雪）江苏省民政厅12日发布消息,全省已建成社区养老服务站三千余个,覆盖城乡社区九成以上。

据介绍,这些服务站提供助餐、助浴、助医等服务,老年人步行十五分钟即可到达。今年全省还将新增家庭养老床位两万张。

民政部门表示,将继续推动社区养老服务提质扩面,让老年人在家门口安享晚年。（完）
"""

NOTICE = """青川市社会组织管理局
首页 > 通知公告

关于做好2026年度公益项目申报工作的通知

发布日期：2026-02-02    来源：青川市社会组织管理局

各区县社会组织管理局，市级各社会组织：

为规范公益项目申报管理，提高资金使用效益，经研究，决定开展2026年度公益项目申报工作。现将有关事项通知如下：

一、申报范围

在本市登记满一年、上年度年检合格的社会组织均可申报。每个组织限报一个项目，项目实施期不超过十二个月。

二、申报材料

（一）项目申报书一份，须加盖单位公章；

（二）上年度经审计的财务报告；

（三）项目预算明细表。

三、工作要求

各单位要如实填报申报材料，按时报送。逾期不报的，视为自动放弃本年度申报资格。

附件：1.公益项目申报书（模板）
2.项目预算明细表

青川市社会组织管理局
2026年2月2日
"""


def layout_lines(pdf: Path, page: int = 1) -> list[tuple[float, float, float, float, str]]:
    """(xMin, yMin, xMax, yMax, text) of each line on `page` (pdftotext -bbox-layout)."""
    html = subprocess.run(["pdftotext", "-bbox-layout", "-f", str(page), "-l", str(page),
                           str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    lines = []
    for m in re.finditer(r'<line xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" '
                         r'yMax="([\d.]+)">(.*?)</line>', html, re.S):
        text = "".join(re.findall(r">([^<]*)</word>", m[5]))
        lines.append((float(m[1]), float(m[2]), float(m[3]), float(m[4]), text))
    return lines


def page_text(pdf: Path, first: int = 1, last: int | None = None) -> str:
    return subprocess.run(["pdftotext", "-enc", "UTF-8", "-f", str(first), "-l",
                           str(last or first), str(pdf), "-"], check=True,
                          capture_output=True, text=True).stdout


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def logo_png(path: Path) -> Path:
    from PIL import Image, ImageDraw

    im = Image.new("RGB", (240, 80), "white")
    ImageDraw.Draw(im).rectangle([4, 4, 76, 76], fill=(31, 95, 139))
    im.save(path)
    return path


@pytest.fixture(scope="module")
def briefings(tmp_path_factory) -> dict[str, Path]:
    """The reference page and a notice, branded, as PDF and DOCX (one CLI run)."""
    from typer.testing import CliRunner

    tmp = tmp_path_factory.mktemp("brief")
    notice = tmp / "notice.txt"
    notice.write_text(NOTICE, encoding="utf-8")
    out = tmp / "out"
    res = invoke(CliRunner(), "convert", str(REFERENCE), str(notice), "-o", str(out),
                 "--organisation", "青川公益研究中心", "--credit", "青川公益研究中心编印")
    assert res.exit_code == 0, res.output
    return {"ref": out / f"{REFERENCE.stem}.pdf", "ref_docx": out / f"{REFERENCE.stem}.docx",
            "notice": out / "notice.pdf", "notice_docx": out / "notice.docx"}


@pytest.fixture(scope="module")
def pack(tmp_path_factory) -> dict[str, Path]:
    """A branded pack of three pages: the reference, a news page and a notice."""
    from typer.testing import CliRunner

    tmp = tmp_path_factory.mktemp("pack")
    pages = tmp / "pages"
    pages.mkdir()
    shutil.copy(REFERENCE, pages / REFERENCE.name)
    (pages / "news.txt").write_text(NEWS, encoding="utf-8")
    (pages / "notice.txt").write_text(NOTICE, encoding="utf-8")
    logo = logo_png(tmp / "logo.png")
    out = tmp / "out"
    res = invoke(CliRunner(), "pack", str(pages), "-o", str(out), "-j", "1", "--no-pages",
                 "--organisation", "青川公益研究中心", "--logo", str(logo), "--issue", "第12期",
                 "--title", "公益周报")
    assert res.exit_code == 0, res.output
    return {"pdf": out / "pack.pdf", "docx": out / "pack.docx", "json": out / "pack.json"}


# 1. No repeats on page 1 --------------------------------------------------------------


def test_page_one_shows_no_sentence_more_than_twice(briefings, runner):
    data = json.loads(invoke(runner, "extract", str(REFERENCE)).stdout)
    assert data["lead"] and data["editor_note"].startswith(data["lead"].rstrip("。"))
    first = squash(page_text(briefings["ref"]))
    sentence = squash(data["editor_note"].split("。")[0])
    # once: in the editor's note, marked as the summary (no 摘要 box repeating it: issue 22)
    assert first.count(sentence) == 1
    assert "导读" not in first
    assert "编者按" in first


def test_lead_shown_when_it_says_something_else(runner, tmp_path):
    page = tmp_path / "p.txt"
    page.write_text(REFERENCE.read_text(encoding="utf-8").replace(
        "导读:在国际志愿服务蓬勃发展的时代背景下", "导读:志愿服务走向世界的三条经验,在国际志愿服务蓬勃发展的时代背景下"),
        encoding="utf-8")
    out = tmp_path / "out"
    assert invoke(runner, "convert", str(page), "-o", str(out), "-f", "html,md").exit_code == 0
    for suffix in (".html", ".md"):
        assert "导读" in (out / f"p{suffix}").read_text(encoding="utf-8")


# 2. Summaries without datelines ---------------------------------------------------------


def test_summary_strips_dateline_byline_and_end_mark(runner, tmp_path):
    page = tmp_path / "news.txt"
    page.write_text(NEWS, encoding="utf-8")
    res = invoke(runner, "extract", str(page), "--explain")
    data = json.loads(res.stdout)
    assert data["summary"].startswith("江苏省民政厅12日发布消息")
    for mark in ("新华社", "记者", "（完）"):
        assert mark not in data["summary"]
    body = "".join(data["body"])
    assert body.startswith("新华社南京4月12日电（记者李明轩、赵雪）") and body.endswith("（完）")
    assert re.search(r"summary: from the body, because the editor's note is absent", res.stderr)


def test_explain_says_the_summary_came_from_the_note(runner):
    res = invoke(runner, "extract", str(REFERENCE), "--explain")
    assert "summary: from the editor's note:" in res.stderr


# 3. Regional typography -----------------------------------------------------------------


def test_half_width_marks_between_chinese_become_full_width():
    from collections import Counter

    from docpipe.transforms.punctuation import fix_text

    counts: Counter = Counter()
    assert fix_text("小而美,大作为:好吗?好!对;组织(UNV)与", "hans", counts) == \
        "小而美，大作为：好吗？好！对；组织（UNV）与"
    assert counts == {"half-width": 5, "brackets": 1}
    assert fix_text("《意见》,从动员 “志愿”,对", "hans") == "《意见》，从动员 “志愿”，对"
    # Not between Chinese characters: left alone.
    assert fix_text("10:30, a,b (x) https://a.b/c?d=1", "hans") == \
        "10:30, a,b (x) https://a.b/c?d=1"
    assert fix_text("“一带一路”与‘小而美’", "hans") == "“一带一路”与‘小而美’"


@pytest.mark.parametrize("variant", ["hant", "tw", "twp", "hk"])
def test_corner_quotes_in_traditional(variant):
    from docpipe.transforms.punctuation import fix_text

    assert fix_text("“一帶一路”與‘小而美’, don’t", variant) == "「一帶一路」與『小而美』, don’t"


def test_every_field_and_the_title_count_in_explain(runner):
    res = invoke(runner, "extract", str(REFERENCE), "--to", "tw", "--explain")
    data = json.loads(res.stdout)
    assert data["title"].startswith("小而美，大作為")
    text = json.dumps(data, ensure_ascii=False)
    body = "".join(data["body"])
    assert "「" in body and "“" not in body and "”" not in body
    assert "“" not in data["editor_note"] and "“" not in text.split('"dropped"')[0]
    m = re.search(r"punctuation: (\d+) change\(s\) \((.*)\)", res.stderr)
    assert m and int(m[1]) > 10 and "quotes" in m[2] and "half-width" in m[2]


def test_punct_keep_leaves_the_text(runner):
    res = invoke(runner, "extract", str(REFERENCE), "--to", "tw", "--punct", "keep",
                 "--explain")
    data = json.loads(res.stdout)
    assert data["title"].startswith("小而美,大作為") and "“" in "".join(data["body"])
    assert "punctuation:" not in res.stderr
    bad = invoke(runner, "extract", str(REFERENCE), "--punct", "fancy")
    assert bad.exit_code == 2 and "--punct" in bad.stderr and "Traceback" not in bad.stderr


# 4. The headline keeps two characters on its last line ----------------------------------


def _title_lines(lines, size_min: float = 20.0):
    """The lines set in the headline's size (19 pt: taller than 20 pt boxes)."""
    return [ln for ln in lines if ln[3] - ln[1] >= size_min]


def test_headline_last_line_has_two_characters(briefings, pack):
    titles = _title_lines(layout_lines(briefings["ref"]))
    assert len(titles) == 2, titles
    assert len(titles[-1][4]) >= 2 and titles[-1][4].endswith("格局")
    reader_pages = subprocess.run(["pdfinfo", str(pack["pdf"])], capture_output=True,
                                  text=True).stdout
    n = int(re.search(r"Pages:\s+(\d+)", reader_pages)[1])
    found = False
    for page in range(1, n + 1):
        lines = layout_lines(pack["pdf"], page)
        if any("加快构建" in ln[4] for ln in _title_lines(lines)):
            found = True
            assert len(_title_lines(lines)[-1][4]) >= 2
    assert found


# 5. Notices -------------------------------------------------------------------------------


def test_notice_layout_in_pdf(briefings):
    lines = layout_lines(briefings["notice"])
    by_text = {ln[4]: ln for ln in lines}
    left = min(ln[0] for ln in lines)
    assert abs(left - MARGIN) < 2
    addressee = by_text["各区县社会组织管理局，市级各社会组织："]
    assert abs(addressee[0] - left) < 1  # flush left, no indent
    para = [ln for ln in lines if ln[4].startswith("为规范公益项目申报管理")][-1]  # not 摘要's
    for item in ("一、申报范围", "二、申报材料", "三、工作要求"):
        assert abs(by_text[item][0] - para[0]) < 1  # numbered items line up
    sub = next(ln for ln in lines if ln[4].startswith("（一）项目申报书"))
    assert abs(sub[0] - para[0]) < 1
    for sign in ("青川市社会组织管理局", "2026年2月2日"):
        ln = [x for x in lines if x[4] == sign][-1]
        assert abs(ln[2] - (A4_WIDTH - MARGIN)) < 2  # right-aligned
    first_item = next(ln for ln in lines if ln[4].startswith("附件："))
    second = by_text["2.项目预算明细表"]
    assert abs(second[0] - (first_item[0] + 3 * 11)) < 1  # aligned after 附件： (11 pt)


def test_notice_layout_in_docx(briefings):
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    d = docx.Document(str(briefings["notice_docx"]))
    paras = {p.text: p for p in d.paragraphs}
    ind = paras["各区县社会组织管理局，市级各社会组织："]._p.pPr.find(f"{W}ind")
    assert ind.get(f"{W}firstLineChars") == "0"
    for sign in ("青川市社会组织管理局", "2026年2月2日"):
        assert paras[sign].alignment == WD_ALIGN_PARAGRAPH.RIGHT


def test_notice_is_not_guessed_for_articles(runner):
    data = json.loads(invoke(runner, "extract", str(REFERENCE)).stdout)
    assert {b["kind"] for b in data["blocks"]} <= {"para", "point", "heading", "image"}


# 6. Branding ------------------------------------------------------------------------------


def test_single_briefing_header_and_credit(briefings):
    first = page_text(briefings["ref"])
    assert "青川公益研究中心" in squash(first.split("\n")[0])
    last = page_text(briefings["ref"], 1, 9)
    assert "青川公益研究中心编印" in last and "docpipe" not in last
    import docx

    text = "\n".join(p.text for p in docx.Document(str(briefings["ref_docx"])).paragraphs)
    assert text.startswith("青川公益研究中心 · 简报")
    assert "青川公益研究中心编印" in text and "本简报由" not in text


def test_no_credit_removes_the_line(runner, tmp_path):
    out = tmp_path / "out"
    res = invoke(runner, "convert", str(REFERENCE), "-o", str(out), "-f", "html,docx",
                 "--no-credit")
    assert res.exit_code == 0
    assert "本简报由" not in (out / f"{REFERENCE.stem}.html").read_text(encoding="utf-8")
    import docx

    d = docx.Document(str(out / f"{REFERENCE.stem}.docx"))
    assert not any("本简报由" in p.text for p in d.paragraphs)


def test_bad_logo_is_a_usage_error(runner, tmp_path):
    bad = tmp_path / "logo.gif"
    bad.write_bytes(b"GIF89a")
    for logo in (bad, tmp_path / "missing.png"):
        res = invoke(runner, "convert", str(REFERENCE), "-o", str(tmp_path / "o"),
                     "--logo", str(logo))
        assert res.exit_code == 2 and res.stderr.startswith("docpipe: error:")
        assert "Traceback" not in res.stderr
    assert not (tmp_path / "o").exists()


def test_pack_cover(pack):
    cover = squash(page_text(pack["pdf"]))
    for text in ("青川公益研究中心", "公益周报", "第12期", "2026-02-02"):
        assert text in cover, text
    images = subprocess.run(["pdfimages", "-list", "-f", "1", "-l", "1", str(pack["pdf"])],
                            capture_output=True, text=True, check=True).stdout
    assert re.search(r"^\s+1\s+\d+\s+image\s+240\s+80\s", images, re.M), images


def test_pack_cover_issue_defaults_to_date_range():
    from docpipe.packbuild import PackOptions
    from docpipe.packplan import branding as _branding
    from docpipe.packplan import cover_data as _cover
    from docpipe.writers import Labels, RenderOptions

    cover = _cover("T", [], "hans", Labels({}))
    assert _branding(RenderOptions(), PackOptions(), cover, "2025-04-12", "hans")["issue"] \
        == cover["dates"]


def test_pack_docx_cover(pack):
    import docx

    d = docx.Document(str(pack["docx"]))
    assert len(d.inline_shapes) >= 1  # the logo
    texts = [p.text for p in d.paragraphs[:12]]
    assert "青川公益研究中心" in texts and "第12期" in texts and "公益周报" in texts


# 7. Pack overview -------------------------------------------------------------------------


def test_pack_overview_pages_and_numbers(pack):
    from pypdf import PdfReader

    reader = PdfReader(str(pack["pdf"]))
    texts = [squash(p.extract_text()) for p in reader.pages]
    overview = squash(page_text(pack["pdf"], 3))
    assert overview.startswith("本期概览")
    manifest = json.loads(pack["json"].read_text(encoding="utf-8"))
    for row in manifest["pages"]:
        title = squash(row["title"])
        m = re.search(re.escape(title) + r".*?第(\d+)页", overview)
        assert m, title
        index = reader.page_labels.index(m[1])  # briefings are numbered from 1
        assert index >= 3 and title[:12] in texts[index]
    assert "江苏省民政厅12日发布消息" in overview  # the summary


def test_pack_docx_overview(pack):
    with zipfile.ZipFile(pack["docx"]) as z:
        doc = z.read("word/document.xml").decode()
    anchors = re.findall(r'w:bookmarkStart w:id="\d+" w:name="(b\d+)"', doc)
    assert len(anchors) == 3
    for a in anchors:
        assert f"PAGEREF {a} \\h" in doc
    assert doc.index("本期概览") < doc.index(f'w:name="{anchors[0]}"')


# 8. Images of HTML and Markdown outputs ----------------------------------------------------


def test_images_travel_with_html_and_md(runner, tmp_path):
    page = SAMPLES / "003_tw_foodbank.html"
    out = tmp_path / "out"
    assert invoke(runner, "convert", str(page), "-o", str(out), "-f", "html,md").exit_code == 0
    original = (SAMPLES / "003_tw_foodbank_files" / "shelves.png").read_bytes()
    copied = out / "003_tw_foodbank_files" / "shelves.png"
    assert copied.read_bytes() == original
    html = (out / "003_tw_foodbank.html").read_text(encoding="utf-8")
    md = (out / "003_tw_foodbank.md").read_text(encoding="utf-8")
    assert 'src="003_tw_foodbank_files/shelves.png"' in html
    assert "](003_tw_foodbank_files/shelves.png)" in md
    assert "cdn.example.net" not in html


# 9. PDF details ---------------------------------------------------------------------------


def test_briefings_and_packs_are_tagged(briefings, pack):
    for pdf in (briefings["ref"], pack["pdf"]):
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
        assert re.search(r"Tagged:\s+yes", info)


def test_pack_opens_with_bookmarks(pack):
    from pypdf import PdfReader

    reader = PdfReader(str(pack["pdf"]))
    assert reader.trailer["/Root"]["/PageMode"] == "/UseOutlines"
    assert len(reader.outline) == 3


@pytest.mark.parametrize("variant,mark", [("pdf/a-2b", "pdfaid:part"),
                                          ("pdf/ua-1", "pdfuaid:part")])
def test_pdf_variant(runner, tmp_path, variant, mark):
    from pypdf import PdfReader

    out = tmp_path / "out"
    res = invoke(runner, "convert", str(REFERENCE), "-o", str(out), "-f", "pdf",
                 "--pdf-variant", variant)
    assert res.exit_code == 0, res.stderr
    reader = PdfReader(str(out / f"{REFERENCE.stem}.pdf"))
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode()
    assert mark in xmp
    assert "小而美" in reader.pages[0].extract_text()


# 10. DOCX matches the PDF -----------------------------------------------------------------


@pytest.mark.parametrize("variant,alt", [("hans", "SimSun"), ("tw", "PMingLiU"),
                                         ("hk", "MingLiU_HKSCS")])
def test_docx_windows_font_fallbacks(variant, alt):
    import io

    from docpipe.transforms.chinese import LANG
    from docpipe.writers.docxbase import FONTS, new_document

    doc = new_document(variant)
    raw = io.BytesIO()
    doc.save(raw)
    with zipfile.ZipFile(raw) as z:
        table = z.read("word/fontTable.xml").decode()
    body = FONTS[LANG[variant][1]][0]
    m = re.search(rf'<w:font w:name="{body}">(.*?)</w:font>', table, re.S)
    assert m and f'<w:altName w:val="{alt}"/>' in m[1]


def test_docx_captions_use_caption_style(runner, tmp_path):
    import docx

    out = tmp_path / "out"
    page = SAMPLES / "003_tw_foodbank.html"
    assert invoke(runner, "convert", str(page), "-o", str(out), "-f", "docx").exit_code == 0
    d = docx.Document(str(out / "003_tw_foodbank.docx"))
    captions = [p for p in d.paragraphs if p.style.name == "Caption"]
    assert captions and "貨架" in captions[0].text


def test_lead_repeating_the_first_paragraph_is_shown_once(runner, tmp_path):
    page = tmp_path / "p.txt"
    page.write_text(NEWS.replace("来源:新华社 时间:2025/4/12\n",
                                 "来源:新华社 时间:2025/4/12\n导读:江苏省民政厅12日发布消息,全省已建成社区养老服务站三千余个\n"),
                    encoding="utf-8")
    out = tmp_path / "out"
    assert invoke(runner, "convert", str(page), "-o", str(out), "-f", "html,json").exit_code == 0
    data = json.loads((out / "p.json").read_text(encoding="utf-8"))
    assert data["lead"].startswith("江苏省民政厅")  # the JSON keeps it
    html = (out / "p.html").read_text(encoding="utf-8")
    assert "导读" not in html
    assert html.count("全省已建成社区养老服务站三千余个") <= 2
