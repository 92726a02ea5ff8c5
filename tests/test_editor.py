"""Briefings an editor would sign (issue 22): rendered once per module, read back.

Pages that end well, a notice's record, summaries that add something, keywords a reader
would choose, the page's own word for views, captions, WeChat articles. Every page here
is written for the test (or is one of samples/, written for docpipe).
"""

from __future__ import annotations

import json
import re
import subprocess
import zipfile
from pathlib import Path

import pytest

from conftest import FIXTURES, REFERENCE, SAMPLES

NOTICE = SAMPLES / "004_province_notice.txt"
WECHAT = SAMPLES / "005_wechat_article.txt"
WECHAT_HTML = FIXTURES / "html" / "wechat" / "wechat_saved.html"
CREDIT = "本简报由 docpipe 据保存的网页整理"
FILLER = ("社区志愿服务站今年组织了多次关爱行动，为辖区独居老人提供上门探访、代购生活用品和"
          "健康咨询等服务，参与的志愿者来自周边学校、企业和居民家庭。")


def filler_page(paragraphs: int, extra: int) -> str:
    """A page whose length puts the credit alone on page 2 (10, 6) or a two-page
    briefing whose second page holds the credit only (11, 0) with docpipe before
    issue 22: found by rendering a range of lengths."""
    lines = ["某某公益网", "", "社区志愿服务站关爱独居老人", "", "来源:本站 时间:2025/3/6", ""]
    for i in range(paragraphs):
        tail = "补充说明。" * extra if i == paragraphs - 1 else ""
        lines += [f"（{i + 1}）{FILLER}{tail}", ""]
    lines += ["声明:本站部分内容来源于网络，仅供参考。", "CopyRight © 2025 某某公益网 版权所有"]
    return "\n".join(lines)


CAPTION_TXT = """某某公益网

社区慈善超市启动冬季关爱行动

来源:本站 时间:2025/1/10

1月9日，社区慈善超市冬季关爱行动在街道文化广场启动，二十多家爱心企业和商户现场认捐。

志愿者在启动仪式现场分装慰问物资。记者 孙悦 摄

活动将持续到春节前，慰问物资将由志愿者分批送到困难家庭手中，每户都会收到米、油和御寒衣物。
"""

CAPTION_HTML = """<!DOCTYPE html><html><head><meta charset="utf-8">
<title>社区慈善超市启动冬季关爱行动</title></head><body>
<h1>社区慈善超市启动冬季关爱行动</h1>
<p>2025-01-10 来源：某某公益网</p>
<div class="article">
<p>1月9日，社区慈善超市冬季关爱行动在街道文化广场启动，二十多家爱心企业和商户现场认捐，现场气氛热烈。</p>
<p style="text-align:center"><img src="cap_files/photo.png"></p>
<p style="text-align: center">志愿者在启动仪式现场分装慰问物资</p>
<p>活动将持续到春节前，慰问物资将由志愿者分批送到困难家庭手中，每户都会收到米、油和御寒衣物。</p>
<p>街道表示，今年还将新增两个慈善超市网点，方便更多居民就近参与捐赠和志愿服务。</p>
<p style="text-align:center"><img src="https://example.org/remote.jpg"></p>
<p style="text-align:center">爱心企业代表在认捐墙前签名</p>
<p>组织方介绍，所有认捐物资的去向都将在社区公告栏和公众号上公开，接受居民监督。</p>
</div></body></html>
"""


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    """Every page of this module converted once, to every format."""
    import shutil

    tmp = tmp_path_factory.mktemp("editor")
    pages = tmp / "pages"
    pages.mkdir()
    for src in (REFERENCE, NOTICE, WECHAT, SAMPLES / "001_gov_notice.txt", WECHAT_HTML):
        shutil.copy(src, pages / src.name)
    (pages / "credit_alone.txt").write_text(filler_page(10, 6), encoding="utf-8")
    (pages / "credit_page.txt").write_text(filler_page(11, 0), encoding="utf-8")
    (pages / "caption.txt").write_text(CAPTION_TXT, encoding="utf-8")
    (pages / "cap.html").write_text(CAPTION_HTML, encoding="utf-8")
    (pages / "cap_files").mkdir()
    shutil.copy(FIXTURES / "html" / "complete" / "report_files" / "photo.png",
                pages / "cap_files" / "photo.png")
    import docpipe

    results = docpipe.convert([pages], tmp / "out", formats="pdf,docx,md,json")
    assert all(r.ok for r in results), [r.error for r in results if not r.ok]
    return tmp / "out"


def pages_text(pdf: Path) -> list[str]:
    from pypdf import PdfReader

    return [p.extract_text() or "" for p in PdfReader(str(pdf)).pages]


def lines_of(text: str) -> list[str]:
    return [ln for ln in (x.strip() for x in text.split("\n")) if ln]


def data(out: Path, stem: str) -> dict:
    return json.loads((out / f"{stem}.json").read_text(encoding="utf-8"))


def docx_xml(path: Path, part: str = "word/document.xml") -> str:
    with zipfile.ZipFile(path) as z:
        return z.read(part).decode("utf-8")


# --- 1. pages that end well ----------------------------------------------------------------


def test_no_page_holds_only_the_credit(out):
    for stem in ("credit_alone", "credit_page", *(p.stem for p in (REFERENCE, NOTICE))):
        texts = pages_text(out / f"{stem}.pdf")
        for n, text in enumerate(texts, 1):
            body = [ln for ln in lines_of(text) if ln != CREDIT and not ln.startswith("来源")
                    and not re.fullmatch(r"\d+\s*/\s*\d+", ln) and "关爱独居老人" not in ln
                    and "人民政府办公厅关于" not in ln and "小而美" not in ln]
            assert body, f"{stem} page {n} holds only the credit: {lines_of(text)}"


def test_a_last_page_of_a_few_lines_is_saved_by_tighter_spacing(out):
    """Before: two pages, the second with the credit alone; a small change of spacing
    fits the briefing on one."""
    assert len(pages_text(out / "credit_page.pdf")) == 1


def test_notice_attachments_organ_and_date_stay_together(out):
    texts = pages_text(out / f"{NOTICE.stem}.pdf")
    where = {key: max(n for n, t in enumerate(texts) if key in t.replace(" ", ""))
             for key in ("附件：", "3.社会救助服务热线一览表", "2025年1月8日", "（此件公开发布）")}
    assert len(set(where.values())) == 1, where
    last = lines_of(texts[where["附件："]])
    # the attachment list is not the page's first line: the text above it comes along
    assert not last[1].startswith("附件"), last[:3]


def test_last_page_lines_reads_weasyprint_boxes():
    """The tighter second layout depends on reading WeasyPrint's page boxes: fail loudly
    when an upgrade changes them."""
    from docpipe.pipeline import Settings, load
    from docpipe.writers import RenderOptions
    from docpipe.writers.pdf.briefing import last_page_lines, lay_out_article

    doc, _ = lay_out_article(load(str(REFERENCE), Settings()), RenderOptions())
    assert (last_page_lines(doc) or 0) > 3


# --- 2. notice metadata --------------------------------------------------------------------

RECORD = {"doc_number": "江政办发〔2025〕18号", "index_number": "11360000/2025-00018",
          "issuer": "江川省人民政府办公厅", "written": "2025-01-08",
          "topic": "社会保障、扶贫、救灾", "disclosure": "公开发布"}


def test_notice_record_in_json_markdown_docx_and_pdf(out):
    doc = data(out, NOTICE.stem)
    assert {k: doc[k] for k in RECORD} == RECORD
    assert doc["published"] == "2025-01-10"
    assert not any(d["rule"].startswith("site-header") and "索引号" in d["text"]
                   for d in doc["dropped"])
    md = (out / f"{NOTICE.stem}.md").read_text(encoding="utf-8")
    front = md.split("---")[1]
    assert 'doc_number: "江政办发〔2025〕18号"' in front and 'written: "2025-01-08"' in front
    custom = docx_xml(out / f"{NOTICE.stem}.docx", "docProps/custom.xml")
    assert 'name="发文字号"' in custom and "江政办发〔2025〕18号" in custom
    assert "<dc:identifier>江政办发〔2025〕18号" in docx_xml(out / f"{NOTICE.stem}.docx",
                                                        "docProps/core.xml")
    first = pages_text(out / f"{NOTICE.stem}.pdf")[0].replace(" ", "")
    # GB/T 9704: the 文号 above the title, the record under the source line
    assert first.index("江政办发〔2025〕18号") < first.index("关于做好2025年元旦春节")
    for label in ("索引号", "发文机关", "成文日期2025年1月8日", "主题分类", "公开方式"):
        assert label in first, label
    assert "（此件公开发布）" in "".join(pages_text(out / f"{NOTICE.stem}.pdf"))


# --- 3. summaries -------------------------------------------------------------------------


def test_summary_of_the_note_is_marked_in_the_note_not_repeated(out):
    from docx import Document
    from docx.oxml.ns import qn

    from docpipe.transforms.sentences import split

    doc = data(out, REFERENCE.stem)
    sents = split(doc["summary"])
    assert len(sents) >= 2 and all(s in doc["editor_note"] for s in sents)
    first = pages_text(out / f"{REFERENCE.stem}.pdf")[0].replace("\n", "").replace(" ", "")
    for s in sents:  # once on page 1: in the note, not again in a 摘要 box above it
        assert first.count(s.replace(" ", "")) == 1, s
    assert "标出的句子即摘要" in first and "摘要：" not in first
    d = Document(str(out / f"{REFERENCE.stem}.docx"))
    assert not [p for p in d.paragraphs if p.style.name == "Summary"]
    note = next(p for p in d.paragraphs if p.style.name == "Editor Note")
    marked = [r.text for r in note.runs if r._r.rPr is not None
              and r._r.rPr.find(qn("w:shd")) is not None]
    assert "".join(marked) == "".join(sents)
    assert note.text == doc["editor_note"]
    md = (out / f"{REFERENCE.stem}.md").read_text(encoding="utf-8")
    assert f"**{sents[0]}**" in md and "summary:" in md.split("---")[1]


def test_notice_summary_says_what_it_orders(out):
    summary = data(out, NOTICE.stem)["summary"]
    assert summary.startswith("元旦春节将至")
    assert "要点：全面排查，做到应救尽救；加大投入，确保资金到位；压实责任，加强监督检查。" in summary
    assert "财政部门" not in summary and not re.search(r"。\d|^\d", summary)


@pytest.mark.parametrize("sentence, clean", [
    ("新江网讯1月14日，青禾公益开设的长者饭堂正式开餐。", "1月14日，青禾公益开设的长者饭堂正式开餐。"),
    ("新江网讯（记者 王某）1月14日，饭堂开餐。", "1月14日，饭堂开餐。"),
    ("2.财政部门要统筹安排救助资金。", "财政部门要统筹安排救助资金。"),
    ("（三）压实责任，加强监督检查；", "压实责任，加强监督检查；"),
    ("现将有关事项通知如下：1.", "现将有关事项通知如下："),
])
def test_list_numbers_and_half_datelines_never_bound_a_summary_sentence(sentence, clean):
    from docpipe.transforms.summary import clean_sentence

    assert clean_sentence(sentence) == clean


# --- 4. keywords --------------------------------------------------------------------------

KEYWORD_PAGE = """粤港澳大湾区公益联盟成立

来源:本站 时间:2025/3/6

3月5日，粤港澳大湾区公益联盟在广州成立，我局作为指导单位出席。联盟第三次筹备会议确定，未来一年将在大湾区九个城市开展社区公益项目。
大湾区的社会组织将共享志愿者培训课程，我局将提供场地支持。联盟秘书长陈立新表示，大湾区公益合作已有基础。
志愿者在成立仪式现场分装慰问物资。记者 孙悦 摄
"""


def test_keywords_are_terms_a_reader_would_choose(out):
    from docpipe.transforms.keywords import keywords

    ref = data(out, REFERENCE.stem)["keywords"]
    assert "志愿服务" in ref and not {"志愿", "服务"} <= set(ref)
    words = [w for w, _ in keywords(KEYWORD_PAGE, 8)]
    assert "大湾区" in words and "大湾" not in words
    for bad in ("我局", "第三", "一年", "孙悦", "陈立新", "三次"):
        assert bad not in words, (bad, words)
    import docpipe

    food = docpipe.extract(SAMPLES / "003_tw_foodbank.html").keywords
    assert "食物銀行" in food and "銀行" not in food


# --- 5. the page's own word for views ----------------------------------------------------


def test_views_label_is_the_pages_own(out):
    assert data(out, NOTICE.stem)["views_label"] == "点击数"
    assert data(out, "001_gov_notice")["views_label"] == "浏览次数"
    assert "点击数 3562" in pages_text(out / f"{NOTICE.stem}.pdf")[0]
    assert "浏览次数 1286" in pages_text(out / "001_gov_notice.pdf")[0]
    assert "热度" not in pages_text(out / "001_gov_notice.pdf")[0]
    assert "热度 192" in pages_text(out / f"{REFERENCE.stem}.pdf")[0]
    assert "浏览次数 1286" in (out / "001_gov_notice.md").read_text(encoding="utf-8")


# --- 6. captions --------------------------------------------------------------------------


def test_captions_in_both_readers(out):
    from docx import Document

    text = data(out, "caption")
    cap = [b for b in text["blocks"] if "记者 孙悦 摄" in b["text"]]
    assert [b["kind"] for b in cap] == ["caption"]
    d = Document(str(out / "caption.docx"))
    assert [p.style.name for p in d.paragraphs if "孙悦" in p.text] == ["Caption"]
    html = data(out, "cap")
    image = next(b for b in html["blocks"] if b["kind"] == "image")
    assert image["caption"] == "志愿者在启动仪式现场分装慰问物资"
    assert not [b for b in html["blocks"] if b["kind"] == "para"
                and "分装慰问物资" in b["text"]]
    remote = [b for b in html["blocks"] if "认捐墙" in b["text"]]
    assert [b["kind"] for b in remote] == ["caption"]  # its photo was not kept
    wx = data(out, WECHAT_HTML.stem)
    assert [b["kind"] for b in wx["blocks"] if "林小满 摄" in b["text"]] == ["caption"]


# --- 10. WeChat articles -----------------------------------------------------------------


def test_wechat_account_author_original_and_time(out):
    for stem, want in ((WECHAT.stem, ("青禾公益", "青禾小编", "2025-01-14", "10:20")),
                       (WECHAT_HTML.stem, ("山川书香公益", "林小满", "2025-02-20", "19:45"))):
        doc = data(out, stem)
        assert (doc["source"], doc["author"], doc["published"], doc["published_time"]) == want
        assert doc["original"] is True and doc["warnings"] == []
    first = pages_text(out / f"{WECHAT.stem}.pdf")[0]
    assert "来源：青禾公益" in first and "原创" in first and "10:20" in first


def test_wechat_without_its_account_line_warns():
    import docpipe

    text = WECHAT.read_text(encoding="utf-8").replace(
        "原创 青禾小编 青禾公益 2025年01月14日 10:20 广东\n", "")
    art = docpipe.extract(text)
    assert art.source == "" and any("WeChat" in w for w in art.warnings)


def test_pdftotext_present():
    """The read-back above needs poppler; say so plainly when it is missing."""
    assert subprocess.run(["pdftotext", "-v"], capture_output=True).returncode == 0
