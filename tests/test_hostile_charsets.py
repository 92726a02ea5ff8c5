"""Issue 20, point 8: charsets and web archives that lied or nested.

`<meta charset="undefined">` (a Python codec that decodes nothing) was an internal
error and the page was lost; an MHTML part that says utf-16 but holds UTF-8 was lost
too; 3,000 nested multiparts were a RecursionError. Unknown or wrong charsets now fall
back to detection, and nesting has a limit said in one line.
"""

from __future__ import annotations

import base64
import subprocess
import sys
from pathlib import Path

import pytest

import docpipe
from docpipe.decode import codec_name
from docpipe.errors import InputError

DOCPIPE = Path(sys.executable).parent / "docpipe"
PARA = "这是一段用于测试的正文内容，包含足够多的汉字以便被识别为文章段落。"
TITLE = "字符集测试页面的标题"


def page(charset: str) -> str:
    body = "".join(f"<p>{PARA}第{i}段。</p>" for i in range(6))
    return (f'<html><head><meta charset="{charset}"><title>字符集测试页面</title></head>'
            f"<body><article><h1>{TITLE}</h1><p>2024-01-01 来源：测试</p>{body}"
            "</article></body></html>")


def mhtml(html: bytes, header: str, depth: int = 0) -> bytes:
    """A web archive whose HTML part has `header` (charset, transfer encoding), wrapped in
    `depth` more multipart sections."""
    part = (f"Content-Type: text/html; {header}\r\nContent-Location: "
            "http://example.com/a.html\r\n\r\n").encode() + html + b"\r\n"
    for d in range(depth):
        part = (f'Content-Type: multipart/related; boundary="b{d}"\r\n\r\n--b{d}\r\n'
                ).encode() + part + f"--b{d}--\r\n".encode()
    return (b'MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary="top"\r\n\r\n'
            b"--top\r\n" + part + b"--top--\r\n")


@pytest.mark.parametrize("charset", ["undefined", "rot13", "base64", "x-no-such-charset"])
def test_a_charset_that_decodes_nothing_falls_back_to_detection(tmp_path, charset):
    path = tmp_path / "page.html"
    path.write_bytes(page(charset).encode("utf-8"))
    art = docpipe.extract(path)
    assert art.title == TITLE and PARA in art.body[0].text


@pytest.mark.parametrize("name", ["undefined", "rot13", "base64", "hex", "zlib"])
def test_codecs_that_are_not_text_encodings_are_no_charset(name):
    assert codec_name(name) == ""
    assert codec_name("GBK") == "gb18030" and codec_name("utf-16le") == "utf-16-le"


def test_encoding_option_refuses_a_codec_that_is_no_charset(tmp_path):
    path = tmp_path / "page.html"
    path.write_bytes(page("utf-8").encode("utf-8"))
    with pytest.raises(docpipe.UsageError, match="unknown encoding 'undefined'"):
        docpipe.extract(path, encoding="undefined")


def test_a_web_archive_part_that_says_utf16_but_is_utf8_is_read(tmp_path):
    path = tmp_path / "page.mhtml"
    path.write_bytes(mhtml(page("utf-8").encode("utf-8"),
                           "charset=utf-16\r\nContent-Transfer-Encoding: 8bit"))
    art = docpipe.extract(path)
    assert art.title == TITLE and PARA in art.body[0].text


def test_a_web_archive_part_really_in_utf16_is_read(tmp_path):
    path = tmp_path / "page.mhtml"
    html = base64.encodebytes(page("utf-16").encode("utf-16-le"))  # no byte-order mark
    path.write_bytes(mhtml(html, "charset=utf-16le\r\nContent-Transfer-Encoding: base64"))
    assert docpipe.extract(path).title == TITLE


def test_deeply_nested_web_archive_is_one_line(tmp_path):
    path = tmp_path / "deep.mhtml"
    path.write_bytes(mhtml(page("utf-8").encode("utf-8"), "charset=utf-8", depth=3000))
    with pytest.raises(InputError, match="3001 multipart sections, more than the 50"):
        docpipe.extract(path)
    res = subprocess.run([str(DOCPIPE), "convert", str(path), "-o", str(tmp_path / "out")],
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 1
    assert res.stderr.splitlines() == [
        f"docpipe: error: {path}: web archive with 3001 multipart sections, more than the 50 "
        "docpipe reads (a browser saves one or two)"]


def test_a_few_nested_sections_are_still_read(tmp_path):
    path = tmp_path / "page.mhtml"
    path.write_bytes(mhtml(page("utf-8").encode("utf-8"), "charset=utf-8", depth=3))
    assert docpipe.extract(path).title == TITLE
