"""Extraction you can trust on pages nobody tuned for (issue 9).

Every page here is written by the test, one per failure class: nothing is lost, nothing
invented, and what docpipe is unsure of is said (warnings, --strict).
"""

from __future__ import annotations

import base64
import json
import struct
import zlib
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from pathlib import Path

import pytest

from conftest import invoke
from docpipe.pipeline import Settings, load, read_options_for
from docpipe.readers import ReadOptions, read
from docpipe.readers.dates import parse_date

# Characters a second rendering of the page used to lose: an inner ideographic space,
# CJK Ext-B, a compatibility ideograph, private use (造字), a ZWJ emoji sequence, zero
# width space, word joiner, BOM as ZWNBSP, RLM, and an ideograph newer than most tables.
RARE = "甲\u3000乙𠀋丙\uf900丁\ue000戊👨\u200d👩\u200d👧己\u200b庚\u2060辛\ufeff壬\u200f癸\U00031350"

PARAS = [
    "今年以来，市民政局会同各区县推进社区养老服务网点建设，新建助餐点四十二个，覆盖老年人三万余名。",
    f"在城东街道，记者看到助餐点里坐满了前来就餐的老人。{RARE}，工作人员说每天供应两荤两素。",
    "下一步，民政部门将把助餐服务与上门照护结合起来，让更多独居老人在家门口享受到便利服务。",
]
TITLE = "社区助餐点让老人吃上热乎饭"


def html_page(body: str, title: str = TITLE, head: str = "") -> bytes:
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}_市民政局</title>"
            f"{head}</head><body>{body}</body></html>").encode()


def article_html(paras=PARAS) -> str:
    ps = "".join(f"<p>{p}</p>" for p in paras)
    return (f"<h1>{TITLE}</h1><div class='info'>发布时间：2025-04-12 来源：市民政局</div>"
            f"<div class='content'>{ps}</div>")


NAV = "<div class='nav'><a href='/'>首页</a> <a href='/a'>政务公开</a> <a href='/b'>办事服务</a></div>"
FOOT = "<div class='foot'>版权所有：市民政局 备案号：京ICP备12345678号</div>"


def read_bytes_as(data: bytes, name: str, tmp_path: Path, **opts):
    path = tmp_path / name
    path.write_bytes(data)
    return read(data, str(path), ReadOptions(**opts))


def assert_every_char_kept(art) -> None:
    body = art.body_text
    for p in PARAS:
        assert p in body, f"paragraph changed or lost: {p[:20]}…"


# --- class 2 and 10: characters are the page's own ------------------------------------


def test_page_inside_a_form_keeps_every_character(tmp_path):
    page = html_page(f"<form id='aspnetForm' method='post' action='x.aspx'>{NAV}"
                     f"<input type='hidden' name='__VIEWSTATE' value='abc'>"
                     f"{article_html()}{FOOT}</form>")
    art = read_bytes_as(page, "form.html", tmp_path)
    assert art.title == TITLE
    assert art.published == "2025-04-12"
    assert_every_char_kept(art)
    assert "政务公开" not in art.kept_text() and "ICP" not in art.kept_text()


def test_private_use_zwj_and_rare_ideographs_reach_the_json(runner, tmp_path):
    page = tmp_path / "rare.html"
    page.write_bytes(html_page(NAV + article_html() + FOOT))
    res = invoke(runner, "convert", str(page), "-o", str(tmp_path / "out"), "-f", "json,md")
    assert res.exit_code == 0, res.stderr
    data = json.loads((tmp_path / "out" / "rare.json").read_text(encoding="utf-8"))
    assert PARAS[1] in data["body"]
    md = (tmp_path / "out" / "rare.md").read_text(encoding="utf-8")
    for ch in "\u3000𠀋\uf900\ue000\u200d\u200b\u2060\u200f\U00031350":
        assert ch in md, f"U+{ord(ch):04X} lost in the Markdown"


def test_text_and_html_give_the_same_paragraphs(tmp_path):
    text = "\n".join(["市民政局", "首页 > 政务公开", TITLE, "发布时间：2025-04-12 来源：市民政局",
                      *PARAS, "版权所有：市民政局"])
    t = read_bytes_as(text.encode(), "p.txt", tmp_path)
    h = read_bytes_as(html_page(NAV + article_html() + FOOT), "p.html", tmp_path)
    assert t.body_text == h.body_text == PARAS


# --- class 11: deep nesting ------------------------------------------------------------


def test_four_hundred_unclosed_divs_keep_every_paragraph(tmp_path):
    paras = [f"第{i}段：社区志愿者今天走访了第{i}户独居老人，帮助他们打扫卫生、检查燃气。"
             for i in range(1, 401)]
    body = f"<h1>{TITLE}</h1><p>发布时间：2025-04-12</p>" + "".join(
        f"<div class='p'>{p}" for p in paras)  # every <div> left open
    art = read_bytes_as(html_page(body), "deep.html", tmp_path)
    assert art.body_text == paras


# --- class 8: markup without <html> ----------------------------------------------------


def test_markup_without_html_element_is_read_as_a_browser_would(tmp_path):
    body = "".join(f"<p>{p}</p>" for p in PARAS)
    data = (f'<text id="http://example.org/a/1.html" title="{TITLE} - 某某博客">\n'
            f"<div>博客首页</div><h2>{TITLE}</h2><div>{body}</div>"
            "<div>发表于2005年09月07日 11:57 AM</div></text>").encode()
    for name in ("wrapped.html", "wrapped.page"):  # by suffix, and by content
        art = read_bytes_as(data, name, tmp_path)
        assert art.title == TITLE
        assert art.body_text == PARAS
        assert art.published == "2005-09-07"


# --- class 7: MHTML, and things that are not pages -------------------------------------


def _png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(
            ">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    raw = b"".join(b"\x00" + b"\xff\x00\x00" * 4 for _ in range(4))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 4, 4, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def mhtml_page() -> bytes:
    msg = MIMEMultipart("related", type="text/html")
    msg["Subject"] = TITLE
    msg["MIME-Version"] = "1.0"
    html = html_page(NAV + article_html().replace(
        "<div class='content'>",
        "<div class='content'><figure><img src='https://example.org/img/photo.png'>"
        "<figcaption>助餐点里就餐的老人</figcaption></figure>") + FOOT).decode()
    # The HTML part in GB18030 (base64), declaring GBK inside: the part's charset decides.
    part = MIMEText(html.replace("charset='utf-8'", "charset='gbk'"), "html", "gb18030")
    part["Content-Location"] = "https://example.org/news/1.html"
    msg.attach(part)
    img = MIMEBase("image", "png")
    img.set_payload(base64.b64encode(_png()).decode())
    img["Content-Transfer-Encoding"] = "base64"
    img["Content-Location"] = "https://example.org/img/photo.png"
    msg.attach(img)
    return msg.as_bytes()


def test_mhtml_save_gives_the_article_and_its_image(runner, tmp_path):
    art = read_bytes_as(mhtml_page(), "saved.mhtml", tmp_path)
    assert art.title == TITLE
    assert_every_char_kept(art)
    images = [b for b in art.body if b.kind == "image"]
    assert len(images) == 1 and images[0].src.startswith("data:image/png;base64,")
    assert images[0].caption == "助餐点里就餐的老人"
    assert "Content-Type" not in art.kept_text() and "MIME" not in art.kept_text()
    # The briefing embeds the image: DOCX carries it as a media part.
    res = invoke(runner, "convert", str(tmp_path / "saved.mhtml"), "-o", str(tmp_path / "o"),
                 "-f", "docx")
    assert res.exit_code == 0, res.stderr
    import zipfile

    with zipfile.ZipFile(tmp_path / "o" / "saved.docx") as z:
        assert any(n.startswith("word/media/") for n in z.namelist())


def test_mhtml_by_content_and_quoted_printable(tmp_path):
    html = html_page(article_html()).decode()
    import quopri

    body = quopri.encodestring(html.encode("utf-8")).decode("ascii")
    data = ("MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary=\"XX\"; "
            "type=\"text/html\"\r\n\r\n--XX\r\nContent-Type: text/html; charset=\"utf-8\"\r\n"
            "Content-Transfer-Encoding: quoted-printable\r\n\r\n" + body + "\r\n--XX--\r\n")
    art = read_bytes_as(data.encode("ascii"), "page.bin", tmp_path)
    assert art.title == TITLE
    assert_every_char_kept(art)


README = "# docpipe\n\nInstall it:\n\n```json\n{\"formats\": [\"pdf\"]}\n```\n\n- one\n- two\n"


def test_markdown_file_is_refused_with_one_line(runner, tmp_path):
    for name in ("README.md", "notes.txt"):
        page = tmp_path / name
        page.write_text(README, encoding="utf-8")
        res = invoke(runner, "convert", str(page), "-o", str(tmp_path / "out"), "-f", "json")
        assert res.exit_code == 1
        lines = res.stderr.strip().splitlines()
        assert len(lines) == 1 and "Markdown" in lines[0] and str(page) in lines[0]
        assert not list((tmp_path / "out").glob("*.json"))
    # --from txt reads it anyway, and says what it doubts.
    res = invoke(runner, "extract", str(tmp_path / "notes.txt"), "--from", "txt")
    assert res.exit_code == 0


@pytest.mark.parametrize("text,what", [
    ("def main():\n    x = 1;\n    return x;\n}\nimport os;\nclass A {\n}\n", "source code"),
    ("id,name,city\n1,张三,北京\n2,李四,上海\n3,王五,广州\n4,赵六,深圳\n", "CSV"),
])
def test_code_and_csv_are_not_pages(tmp_path, text, what):
    from docpipe.errors import InputError

    with pytest.raises(InputError, match=what):
        read_bytes_as(text.encode(), "x.txt", tmp_path)


# --- class 3: short plain pages --------------------------------------------------------


def test_short_page_with_image_keeps_paragraphs_and_image(tmp_path):
    (tmp_path / "short_files").mkdir()
    (tmp_path / "short_files" / "p.png").write_bytes(_png())
    body = (f"{NAV}<h1>{TITLE}</h1><div>2025-04-12</div>"
            f"<p>{PARAS[0]}</p><img src='short_files/p.png' alt='助餐点一角'>"
            f"<div>助餐点一角</div><p>{PARAS[2]}</p>{FOOT}")
    art = read_bytes_as(html_page(body), "short.html", tmp_path)
    assert art.title == TITLE
    assert art.body_text[0] == PARAS[0] and art.body_text[-1] == PARAS[2]
    # src is relative to the page's image folder, Article.base_dir (images.py)
    assert [Path(art.base_dir, b.src).as_posix() for b in art.body if b.kind == "image"] \
        == [(tmp_path / "short_files" / "p.png").as_posix()]
    assert "政务公开" not in art.kept_text() and "ICP" not in art.kept_text()


# --- class 1: comment threads ----------------------------------------------------------


def comment_thread(n: int = 12) -> list[str]:
    out = ["网友评论"]
    for i in range(n):
        out += [f"北京网友{i}", f"{i + 1}小时前",
                f"这篇报道写得很好，我家附近也有一个助餐点，价格实惠，饭菜可口，老人们都很喜欢去，"
                f"希望能多开一些这样的服务点，让更多老人受益，第{i}条评论。",
                f"回复 举报 赞{i + 3}"]
    return out


def test_comment_thread_longer_than_the_article_is_not_the_article(tmp_path):
    lines = ["市民政局", "首页 > 政务公开", TITLE, "2025-04-12 10:30 来源：市民政局",
             *PARAS, "责任编辑：王芳", *comment_thread(), "版权所有：市民政局"]
    comments = sum(len(x) for x in comment_thread())
    assert comments > 2 * sum(len(p) for p in PARAS)
    art = read_bytes_as("\n".join(lines).encode(), "c.txt", tmp_path)
    assert art.title == TITLE and art.published == "2025-04-12"
    assert art.body_text == PARAS
    assert not any("评论" in d for d in art.body_text)


@pytest.mark.parametrize("box", ["div class='comments'", "article"])
def test_comment_thread_in_html(tmp_path, box):
    """Comments in their own box, or in the <article> element the library favours while
    the article itself sits in plain <div>s: the article is still the article."""
    thread = "".join(f"<div class='c'><span>{u}</span><span>{t}</span><p>{c}</p><div>{b}</div></div>"
                     for u, t, c, b in zip(*[iter(comment_thread(15)[1:])] * 4, strict=True))
    story = article_html().replace("<p>", "<div>").replace("</p>", "</div>")
    page = html_page(NAV + story + f"<{box}><h3>网友评论</h3>{thread}</{box.split()[0]}>" + FOOT)
    art = read_bytes_as(page, "c.html", tmp_path)
    assert art.title == TITLE
    assert_every_char_kept(art)
    assert "希望能多开一些" not in art.kept_text()


# --- class 4: titles -------------------------------------------------------------------


def test_a_clock_time_or_a_menu_is_never_the_title(tmp_path):
    lines = ["首页 新闻 政务 服务 互动", "9 23", "2025-04-12", *PARAS, "版权所有：市民政局"]
    art = read_bytes_as("\n".join(lines).encode(), "t.txt", tmp_path)
    assert art.title not in ("9 23", "首页 新闻 政务 服务 互动")
    assert art.body_text == PARAS


def test_headline_on_two_lines_is_joined(tmp_path):
    lines = ["市政府门户网站", "首页>动态信息>政务动态", "为现代化建设凝聚强大智慧和力量",
             "——热烈祝贺市政协会议开幕", "市政府门户网站 www.example.gov.cn", "2022-02-11 09:52",
             *PARAS]
    art = read_bytes_as("\n".join(lines).encode(), "two.txt", tmp_path)
    assert art.title == "为现代化建设凝聚强大智慧和力量——热烈祝贺市政协会议开幕"


def test_page_without_headline_warns_and_strict_fails(runner, tmp_path):
    page = tmp_path / "nohead.txt"
    page.write_text("\n".join(PARAS), encoding="utf-8")
    res = invoke(runner, "convert", str(page), "-o", str(tmp_path / "out"), "-f", "json")
    assert res.exit_code == 0
    assert f"docpipe: warning: {page}: no headline found" in res.stderr
    data = json.loads((tmp_path / "out" / "nohead.json").read_text(encoding="utf-8"))
    assert any(w.startswith("no headline") for w in data["warnings"])
    assert data["confidence"] < 1.0
    res = invoke(runner, "convert", str(page), "-o", str(tmp_path / "strict"), "-f", "json",
                 "--strict")
    assert res.exit_code == 1
    assert "--strict" in res.stderr and "no headline" in res.stderr
    assert not (tmp_path / "strict" / "nohead.json").exists()


def test_a_clean_page_has_no_warnings(reference):
    art = load(str(reference), Settings())
    assert art.warnings == [] and art.confidence == 1.0


# --- class 5: dates --------------------------------------------------------------------


@pytest.mark.parametrize("text,want", [
    ("7/5/2005 9:23:57 PM", "2005-07-05"),
    ("06/02/2022", "2022-02-06"),
    ("Saturday, September 10th, 2005", "2005-09-10"),
    ("2019-9-5", "2019-09-05"),
    ("发布时间：2025年3月6日 10:20", "2025-03-06"),
    ("10 Sep 2005", "2005-09-10"),
    ("2/13/2022", "2022-02-13"),
])
def test_date_forms(text, want):
    assert parse_date(text) == want


def test_article_date_line_beats_a_sidebar_date(tmp_path):
    lines = ["市民政局", "热点新闻", "2024-01-01 市里召开年度会议", TITLE, "2025-04-12 来源：市民政局",
             *PARAS]
    art = read_bytes_as("\n".join(lines).encode(), "d.txt", tmp_path)
    assert art.published == "2025-04-12"


# --- class 9: one sentence does not end the article ------------------------------------


@pytest.mark.parametrize("sentence", [
    "版权所有的问题也很重要：志愿者创作的作品，其著作权归属应当在服务协议中写明，避免日后产生纠纷。",
    "声明：中国志愿服务联合会郑重声明，从未授权任何机构以联合会名义向志愿者收取培训费用。",
    "责任编辑：王芳",
])
def test_body_sentence_with_a_footer_word_does_not_end_the_article(tmp_path, sentence):
    more = ["此外，各区县将建立志愿服务记录制度，为志愿者提供保险保障和必要的培训机会，帮助他们更好地开展服务。",
            "市民政局有关负责人表示，将继续完善激励机制，让志愿服务在社区治理中发挥更大作用，惠及更多群众。",
            "据统计，全市注册志愿者已超过八十万人，累计服务时长达到一千二百万小时，各类志愿服务项目三千余个。"]
    lines = ["市民政局", TITLE, "2025-04-12 来源：市民政局", PARAS[0], sentence, *more,
             "版权所有：市民政局"]
    art = read_bytes_as("\n".join(lines).encode(), "s.txt", tmp_path)
    assert art.body_text[-3:] == more
    if len(sentence) > 20:
        assert sentence in art.body_text


# --- class 6: learning protects content ------------------------------------------------


def _site_page(title: str, paras: list[str], extra: list[str] = ()) -> str:
    return "\n".join(["绿洲环保网", "环保资讯 | 绿色生活 | 自然课堂", f"当前位置：首页 > 资讯 > {title}",
                      title, "发布时间：2024-07-02 来源：绿洲环保网", *extra, *paras,
                      "守护绿水青山 共建美丽家园", "版权所有 绿洲环保网"])


OTHER = ["八月初，绿洲环保网组织志愿者走进湿地公园，开展鸟类观测和水质检测活动，共记录鸟类三十多种。",
         "参加活动的中学生说，第一次用仪器检测水质，感觉很新奇，也更懂得了保护湿地的重要意义。"]


def test_two_saves_of_one_article_keep_their_title(tmp_path):
    a = _site_page(TITLE, PARAS)
    paths = []
    for name, text in (("a1.txt", a), ("a2.txt", a.replace("环保资讯", "环保新闻")),
                       ("b.txt", _site_page("湿地公园里的观鸟课", OTHER))):
        (tmp_path / name).write_text(text, encoding="utf-8")
        paths.append(str(tmp_path / name))
    opts = read_options_for(paths, Settings())
    for p in paths:
        alone = read((Path(p)).read_bytes(), p, ReadOptions())
        together = read((Path(p)).read_bytes(), p, opts[p])
        assert together.title == alone.title and together.title
        assert together.body_text == alone.body_text
        assert together.published == alone.published


def test_notices_keep_their_shared_addressee(tmp_path):
    addressee = "各区县民政局，市级各社会组织："
    notices = [
        ["关于开展社会组织年度检查的通知", "为加强社会组织管理，现就做好年度检查工作通知如下。请各单位于五月底前提交年检材料。"],
        ["关于做好汛期安全工作的通知", "入汛以来，我市降雨偏多，为切实做好汛期安全工作，请各单位立即开展隐患排查。"],
        ["关于举办社工培训班的通知", "为提升社会工作者专业能力，市民政局定于六月举办社工培训班，请各单位择优推荐学员。"],
    ]
    paths = []
    for i, (title, para) in enumerate(notices):
        text = "\n".join(["某市民政局", "首页 > 通知公告", title, "发布日期：2025-05-0" + str(i + 1),
                          addressee, para, "特此通知。", "某市民政局", "2025年5月1日",
                          "版权所有：某市民政局"])
        (tmp_path / f"n{i}.txt").write_text(text, encoding="utf-8")
        paths.append(str(tmp_path / f"n{i}.txt"))
    opts = read_options_for(paths, Settings())
    for p in paths:
        together = read(Path(p).read_bytes(), p, opts[p])
        alone = read(Path(p).read_bytes(), p, ReadOptions())
        assert addressee in together.body_text
        assert together.body_text == alone.body_text and together.title == alone.title


def test_learning_says_what_it_dropped(tmp_path):
    paths = []
    for i, (title, paras) in enumerate([(TITLE, PARAS), ("湿地公园里的观鸟课", OTHER)]):
        (tmp_path / f"p{i}.txt").write_text(_site_page(title, paras), encoding="utf-8")
        paths.append(str(tmp_path / f"p{i}.txt"))
    opts = read_options_for(paths, Settings())
    art = read(Path(paths[0]).read_bytes(), paths[0], opts[paths[0]])
    assert any(w.startswith("learning dropped") for w in art.warnings)


# --- --explain names the rule that fired ----------------------------------------------


def test_explain_names_the_real_rule(tmp_path):
    lines = ["市民政局", TITLE, "【字号 大 中 小】【打印】", "2025-04-12 来源：市民政局", *PARAS,
             "查看更多评论>>", "版权所有：市民政局"]
    art = read_bytes_as("\n".join(lines).encode(), "e.txt", tmp_path)
    rules = {d.text: d.rule for d in art.dropped}
    assert rules["【字号 大 中 小】【打印】"] == "page-buttons"
    assert rules["查看更多评论>>"] == "comments"


# --- layouts seen on other sites (each page written here) ------------------------------


def test_article_after_an_early_closing_html_tag(tmp_path):
    page = (f"<html><head><meta charset='utf-8'><title>{TITLE}</title></head><body>{NAV}"
            f"</body></html>\n{article_html()}{FOOT}").encode()
    art = read_bytes_as(page, "early.html", tmp_path)
    assert art.body_text == PARAS


def test_first_paragraph_outside_any_p_is_kept(tmp_path):
    body = (f"{NAV}<h1>{TITLE}</h1><div>发布时间：2025-04-12</div><div class='post'>{PARAS[0]}"
            f"<p>{PARAS[1]}</p><p>{PARAS[2]}</p><p>“谢谢你……”</p></div>{FOOT}")
    art = read_bytes_as(html_page(body), "loose.html", tmp_path)
    assert art.body_text[0] == PARAS[0]
    assert PARAS[2] in art.body_text


def test_letter_spaced_legal_notice_ends_the_article(tmp_path):
    notice = ["郑 重 声 明", "1. 任何言论纯属作者个人观点，与本论坛无关，本论坛不承担由此引起的任何法律责任；",
              "2. 禁止发表反动、色情和其他违反国家法律、法规的言论、信息，违者将被删除帖子；",
              "3. 任何转载或转贴都应注明真实作者和真实出处，否则视为侵权，后果由转载者承担。"]
    lines = [TITLE, "[ 回复本贴 ] [ 跟从标题 ] [ 关闭本窗口 ] [ 刷新 ]", *PARAS,
             "本贴由大卫于2005年8月12日16:12:21在〖心灵体操〗发表.", *notice]
    art = read_bytes_as("\n".join(lines).encode(), "forum.txt", tmp_path)
    assert art.title == TITLE
    assert art.body_text[:3] == PARAS
    assert not any("任何言论" in t for t in art.body_text)
    assert art.published == "2005-08-12"


def test_headline_under_its_date_line_and_a_header_clock(tmp_path):
    lines = ["首页 | 时事 | 生活 | 财经", "2006年12月27日（京港台时间）",
             "Saturday, September 10th, 2005   10:56 am", TITLE, *PARAS]
    art = read_bytes_as("\n".join(lines).encode(), "blog.txt", tmp_path)
    assert art.title == TITLE and art.published == "2005-09-10"


def test_notice_title_with_its_issuing_body_and_roc_date(tmp_path):
    lines = ["首页 | 法规 | 公告", "全国人民代表大会常务委员会", "关于批准财政部发行特别国债购买外汇及",
             "调整2007年末国债余额限额的决议", "中華民國107年3月13日", *PARAS]
    art = read_bytes_as("\n".join(lines).encode(), "notice.txt", tmp_path)
    assert art.title == ("全国人民代表大会常务委员会关于批准财政部发行特别国债购买外汇及"
                         "调整2007年末国债余额限额的决议")
    assert art.published == "2018-03-13"


@pytest.mark.parametrize("crumb", ["您所在的位置 首页 专题频道 国内专题", "专栏/轻小说/同人连载/资讯"])
def test_breadcrumbs_without_a_colon_or_with_slashes_are_not_the_title(tmp_path, crumb):
    lines = ["某某网", crumb, TITLE, "本报实习生 刘国栋 周炜", "2022-02-13 09:57 来源：某某网", *PARAS]
    art = read_bytes_as("\n".join(lines).encode(), "crumb.txt", tmp_path)
    assert art.title == TITLE


def test_title_label_is_left_out(tmp_path):
    lines = ["论坛首页", f"主题： {TITLE}", "2025-04-12 10:30", *PARAS]
    art = read_bytes_as("\n".join(lines).encode(), "bbs.txt", tmp_path)
    assert art.title == TITLE


def test_markup_title_in_the_header_loses_to_the_headline_by_the_date(tmp_path):
    body = (f"<div class='header'><h1>某某的博客</h1></div>{NAV}<div>1</div><div>2</div>"
            f"<div>3</div><div>4</div><div>5</div><div>6</div><h2>{TITLE}</h2>"
            f"<div>2025-04-12 10:30</div>" + "".join(f"<p>{p}</p>" for p in PARAS))
    page = f"<html><head><meta charset='utf-8'></head><body>{body}</body></html>".encode()
    art = read_bytes_as(page, "blog.html", tmp_path)
    assert art.title == TITLE


def test_headline_above_author_and_subtitle(tmp_path):
    lines = ["犬儒病(上)", "胡平", "——当代中国的精神危机 (上)", *PARAS]
    art = read_bytes_as("\n".join(lines).encode(), "essay.txt", tmp_path)
    assert art.title == "犬儒病(上)"


def test_date_line_above_the_headline_beats_a_date_at_the_body_end(tmp_path):
    lines = ["论坛首页 > 文章", "2003-5-29 09:07 高山流水", TITLE, *PARAS,
             "某某网站(http://www.example.net)搜集整理于2002-09-25"]
    art = read_bytes_as("\n".join(lines).encode(), "post.txt", tmp_path)
    assert art.published == "2003-05-29"


def test_pack_manifest_and_contents_carry_warnings(runner, tmp_path, reference):
    import subprocess

    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "a_ref.txt").write_bytes(reference.read_bytes())
    (pages / "b_nohead.txt").write_text("\n".join(PARAS), encoding="utf-8")
    out = tmp_path / "out"
    res = invoke(runner, "pack", str(pages), "-o", str(out), "--name", "p", "--no-pages",
                 "-j", "1", "-q")
    assert res.exit_code == 0, res.stderr
    assert f"docpipe: warning: {pages / 'b_nohead.txt'}: no headline found" in res.stderr
    rows = {Path(r["input"]).name: r for r in
            json.loads((out / "p.json").read_text(encoding="utf-8"))["pages"]}
    assert rows["a_ref.txt"]["warnings"] == [] and rows["a_ref.txt"]["confidence"] == 1.0
    assert any(w.startswith("no headline") for w in rows["b_nohead.txt"]["warnings"])
    text = subprocess.run(["pdftotext", "-layout", "-f", "2", "-l", "2", str(out / "p.pdf"), "-"],
                          capture_output=True, text=True, check=True).stdout
    marked = [line for line in text.splitlines() if "待核" in line]
    assert len(marked) == 1 and "（无标题）" in marked[0], text


def test_a_notice_with_numbered_items_is_a_page_not_markdown(tmp_path):
    items = [f"{i}. 各单位应于五月底前完成第{i}项检查工作，并将结果报送市民政局。" for i in range(1, 9)]
    lines = ["某市民政局", "关于开展年度检查的通知", "发布日期：2025-05-01", "各区县民政局：",
             "现就有关事项通知如下。", *items, "特此通知。"]
    art = read_bytes_as("\n".join(lines).encode(), "notice.txt", tmp_path)
    assert art.title == "关于开展年度检查的通知"
    assert all(x in art.body_text for x in items)


def test_the_site_name_above_a_notice_title_is_not_joined_to_it(tmp_path):
    lines = ["首页 > 通知公告", "某市民政局", "关于开展年度检查的通知", "发布日期：2025-05-01", *PARAS,
             "版权所有：某市民政局"]
    art = read_bytes_as("\n".join(lines).encode(), "site.txt", tmp_path)
    assert art.title == "关于开展年度检查的通知"


@pytest.mark.parametrize("last,cut", [
    ("本文摘自《读者文摘》2000年第09期，作者系某大学教授，转载时略有删节", False),
    ("记者从市民政局了解到，截至目前，全市已建成社区助餐点四十二个，资产负债比率仍然高达", True),
    ("据《人民日报》报道，当天下午有关负责人在会上表示今年将继续推进社区养老服务网络的", True),
])
def test_cut_off_warning_spares_a_closing_citation(tmp_path, last, cut):
    lines = [TITLE, "2025-04-12 来源：市民政局", *PARAS, last]
    art = read_bytes_as("\n".join(lines).encode(), "c.txt", tmp_path)
    assert any(w.startswith("text looks cut off") for w in art.warnings) == cut


def test_sentences_after_a_comment_like_run_are_not_lost_silently(tmp_path):
    """Article text after something that looks like a comment thread (an interview with
    times and names can) is either kept or said: never dropped without a warning."""
    thread = comment_thread(3)[1:]
    lines = [TITLE, "2025-04-12 10:30 来源：市民政局", *PARAS, *thread, *PARAS[::-1]]
    art = read_bytes_as("\n".join(lines).encode(), "mid.txt", tmp_path)
    lost = [p for p in PARAS[::-1][1:] if p not in art.body_text]
    assert not lost or any("after a reader-comment thread" in w for w in art.warnings)
    # A thread that ends the page is no reason for that warning.
    tail = read_bytes_as("\n".join([TITLE, "2025-04-12", *PARAS, *thread]).encode(), "t.txt",
                         tmp_path)
    assert not any("reader-comment thread" in w for w in tail.warnings)
