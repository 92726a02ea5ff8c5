"""Units with sharp edges: sentence splitting, summaries, charset decisions."""

from __future__ import annotations

import pytest

from docpipe.decode import decode
from docpipe.errors import InputError
from docpipe.transforms.sentences import split
from docpipe.transforms.summary import summarise


def test_split_keeps_closing_quotes_with_their_sentence():
    text = "他说：“我们到了。”随后离开！是吗？好；再见……最后一句"
    assert split(text) == ["他说：“我们到了。”", "随后离开！", "是吗？", "好；", "再见……", "最后一句"]


def test_summary_is_whole_sentences_in_order_and_shorter():
    note = "第一句讲背景。第二句讲志愿服务的国际合作。第三句很长" + "很长" * 40 + "。第四句讲志愿服务。"
    s = summarise(note, {"志愿服务": 1.0, "国际合作": 0.5}, n=2, max_chars=120)
    assert s and len(s) < len(note)
    parts = split(s)
    assert all(p in split(note) for p in parts)
    assert [split(note).index(p) for p in parts] == sorted(split(note).index(p) for p in parts)


def test_summary_of_one_sentence_is_empty():
    assert summarise("只有一句话。", {}) == ""


@pytest.mark.parametrize("codec", ["utf-8", "utf-8-sig", "gb18030", "big5", "utf-16"])
def test_decode_charsets(codec):
    text = "編者按：志願服務" if codec == "big5" else "编者按：志愿服务国际合作交流新格局"
    text = text * 3
    assert decode(text.encode(codec)).text == text


def test_decode_line_ends():
    assert decode("一\r\n二\r三\n".encode()).text == "一\n二\n三\n"


@pytest.mark.parametrize("data", [b"", b"  \n\t ", b"\x89PNG\r\n\x1a\n" + bytes(100)])
def test_decode_refuses(data):
    with pytest.raises(InputError):
        decode(data, path="x.txt")


def test_encoding_override():
    assert decode("编者按".encode("gbk"), encoding="gbk").text == "编者按"
    with pytest.raises(InputError):
        decode("编者按".encode("gbk"), encoding="utf-8")


def test_body_summary_skips_salutations():
    from docpipe.model import Article, Block
    from docpipe.transforms.summary import add_summary

    art = Article(body=[Block("各区县民政局，市级各社会组织："),
                        Block("根据有关规定，决定开展年度检查。请各单位按时报送材料。逾期不报的将予以通报。")])
    summary = add_summary(art, {"年度检查": 1.0}).summary
    assert summary and not summary.startswith("各区县")
    assert summary in art.body[1].text or all(s in art.body[1].text for s in split(summary))
