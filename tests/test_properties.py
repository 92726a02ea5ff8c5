"""Issue 6.5: property tests over reading and parsing (hypothesis).

- Any bytes, as a text page or a saved HTML page: the result is an `Article` or
  docpipe's own error (DocpipeError), never another exception.
- Nothing invented: every paragraph of the body (and the title, lead and editor's note)
  is a piece of the input's text.
- The reference page's article survives any mix of CRLF/CR line ends, a BOM, no-break
  spaces and trailing whitespace.

Example counts are modest so the suite stays fast on two cores.
"""

from __future__ import annotations

import codecs

from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from conftest import REFERENCE
from docpipe.decode import normalise_newlines, xml_safe
from docpipe.errors import DocpipeError
from docpipe.readers import ReadOptions, read

FAST = settings(max_examples=150, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
OPTS = ReadOptions()
REF_BYTES = REFERENCE.read_bytes()
REF_TEXT = REF_BYTES.decode("utf-8")
REF_LINES = REF_TEXT.split("\n")


def _read(data: bytes, path: str):
    try:
        art = read(data, path, OPTS)
    except DocpipeError as exc:
        assert str(exc).strip() and "\n" not in str(exc)  # one line for the user
        event(f"refused: {str(exc).split(': ', 1)[-1][:30]}")
        return None
    event("article")
    return art


# --- any bytes -------------------------------------------------------------------------

@st.composite
def mangled_reference(draw) -> bytes:
    """The reference in some encoding, cut, with random bytes spliced in."""
    enc = draw(st.sampled_from(["utf-8", "gb18030", "utf-16", "utf-16-le", "big5hkscs"]))
    data = REF_TEXT.encode(enc, errors="ignore")
    start = draw(st.integers(0, len(data)))
    end = draw(st.integers(start, len(data)))
    data = data[start:end]
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.binary(max_size=16)) + data[at:]
    return data


HTML_BITS = ["<html>", "<head>", "<meta charset=gbk>", "<meta charset='big5'>", "<title>",
             "</title>", "<body>", "<article>", "<p>", "</p>", "<h1>", "<img src=x.png>",
             "<script>", "</script>", "<!--", "-->", "<![CDATA[", "&lt;", "&#0;", "&#x1;",
             "\x00", "\x0b", "\ufeff", "来源：", "编者按：", "2025-03-06", "正文。", "\n",
             "<?xml version='1.0' encoding='utf-16'?>"]


@st.composite
def html_soup(draw) -> bytes:
    parts = draw(st.lists(st.one_of(st.sampled_from(HTML_BITS), st.text(max_size=12)),
                          max_size=40))
    enc = draw(st.sampled_from(["utf-8", "gb18030", "utf-16"]))
    return "".join(parts).encode(enc, errors="ignore")


ANY_BYTES = st.one_of(st.binary(max_size=3000), mangled_reference(), html_soup())


@FAST
@given(data=ANY_BYTES, path=st.sampled_from(["page.txt", "page.html", "<stdin>"]))
@example(data=b"", path="page.txt")
@example(data=b"\xff\xfe", path="page.txt")
@example(data=b"\xef\xbb\xbf", path="page.html")
@example(data=b"\xd2\xd2" * 300, path="page.txt")
@example(data=b"<html><body><p>\x00</p></body></html>", path="page.html")
@example(data=b"\x0b\x0c\x1c\x1d\x1e\x85", path="page.txt")
def test_any_bytes_give_an_article_or_docpipes_error(data, path):
    art = _read(data, path)
    if art is not None:
        assert art.body or art.editor_note or art.lead
        for text in [art.title, art.lead, art.editor_note, *art.body_text]:
            assert xml_safe(text) == text  # nothing python-docx would refuse


# --- nothing invented ------------------------------------------------------------------

LINE_BITS = ["来源:本站", "时间:2025/3/6", "热度:192", "编者按:", "导读:", "声明:本站内容",
             "第一,", "第二、", "当前位置:", " > ", "。", "，", "！", "？", "“", "”", "　",
             "\u00a0", "\t", "\r", "\x0b", "志愿服务", "国际合作", "是社会文明进步的重要标志",
             "Top", "CopyRight © 2022", "皖ICP备2022013964号", "2024年4月", "(UNV)", "  "]
PRINTABLE = st.characters(codec="utf-8", exclude_categories=("Cc", "Cs"))
PARA = st.lists(st.one_of(st.sampled_from(LINE_BITS), st.text(PRINTABLE, max_size=8),
                          st.text(max_size=3)), max_size=14)


@st.composite
def portal_text(draw) -> str:
    lines = ["".join(draw(PARA)) for _ in range(draw(st.integers(1, 25)))]
    if draw(st.booleans()):  # often a real article in the middle, with its chrome
        at = draw(st.integers(0, len(lines)))
        lines[at:at] = REF_LINES[draw(st.integers(0, 10)):draw(st.integers(20, 34))]
    return "\n".join(lines)


@FAST
@given(text=portal_text())
@example(text="\n" * 5 + "来源:本站第二、\r0来源:本站\n\n"  # taken as a headline on 2 lines
         + REF_TEXT[REF_TEXT.index("来源:本站 热度"):])
def test_nothing_invented(text):
    art = _read(text.encode("utf-8"), "page.txt")
    if art is None:
        return
    source = xml_safe(normalise_newlines(text))
    lines = [line.strip() for line in source.split("\n")]
    # the headline may be consecutive lines joined (主题 / ——副题, …及 / 调整…)
    assert any(art.title in "".join(lines[i:i + 3]) for i in range(len(lines))), art.title
    for piece in [art.lead, art.editor_note, *art.body_text]:
        assert piece in source, piece
    for block in art.body:
        if block.kind == "point":
            assert block.text.startswith(block.lead_in)


SENTENCES = ["志愿服务是社会文明进步的重要标志，也是衡量社会治理现代化水平的重要内容。",
             "新时代以来，我国始终坚持开放包容的志愿服务理念，讲好中国故事。", "来源：本站",
             "编者按：", "第一，与对外政策同向同行。", "2025年3月6日"]
HTML_TEXT = st.characters(codec="utf-8", exclude_categories=("Cc", "Cs"),
                          exclude_characters="<>&")


@settings(max_examples=100, deadline=None)
@given(paras=st.lists(st.lists(st.one_of(st.sampled_from(SENTENCES),
                                         st.text(HTML_TEXT, min_size=1, max_size=20)),
                               min_size=1, max_size=5).map("".join), min_size=1, max_size=8))
def test_nothing_invented_html(paras):
    body = "".join(f"<p>{p}</p>" for p in paras)
    page = f"<html><head><meta charset='utf-8'><title>标题</title></head><body><article>{body}"
    page += "</article></body></html>"
    art = _read(page.encode("utf-8"), "page.html")
    if art is None:
        return
    allowed = set(xml_safe(normalise_newlines(page))) | {" ", "\n"}
    for piece in [art.title, art.lead, art.editor_note, *art.body_text]:
        assert set(piece) <= allowed, piece


# --- the reference page survives line ends, BOM, no-break spaces, trailing blanks ------

REF_ARTICLE = read(REF_BYTES, "reference.txt", OPTS)
BLANKS = st.text(alphabet=" \t\u00a0\u3000", max_size=4)


@st.composite
def reshaped_reference(draw) -> bytes:
    out = []
    for line in REF_LINES:
        if not line.strip():
            line = draw(BLANKS)  # blank lines of spaces and no-break spaces
        out.append(line + draw(BLANKS))
        out.append(draw(st.sampled_from(["\n", "\r\n", "\r\n", "\r"])))
    text = "".join(out)
    data = text.encode("utf-8")
    return (codecs.BOM_UTF8 + data) if draw(st.booleans()) else data


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=reshaped_reference())
def test_reference_survives_line_ends_bom_and_blanks(data):
    art = read(data, "reference.txt", OPTS)
    assert art.title == REF_ARTICLE.title
    assert art.editor_note == REF_ARTICLE.editor_note
    assert art.lead == REF_ARTICLE.lead
    assert art.body_text == REF_ARTICLE.body_text
    assert (art.source, art.published, art.views) == (
        REF_ARTICLE.source, REF_ARTICLE.published, REF_ARTICLE.views)
