"""Issue 6.1: a catalogue of bad inputs through the real CLI.

Each input gets a briefing, or one line on stderr naming the file and the problem; the
exit code follows the contract (0 all good, 1 some inputs failed, 2 usage error); no
traceback without --debug; no partial or temporary output file; the other inputs of the
same run are unaffected. Large inputs are generated in tmp_path, never committed.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import zipfile
from pathlib import Path

import pytest

from conftest import REFERENCE, ROOT, invoke

DOCPIPE = ROOT / ".venv" / "bin" / "docpipe"
REF_TEXT = REFERENCE.read_text(encoding="utf-8")
REF_LINES = REF_TEXT.split("\n")
FAST = "docx,md,json,html"  # every writer but PDF (PDF is exercised once, below)
# As docpipe sets them: full-width marks between Chinese characters (transforms/punctuation).
TITLE = "小而美，大作为 ——加快构建志愿服务国际合作交流新格局"
BODY_START = "2024年4月，中央办公厅、国务院办公厅印发"


def _gbk_safe(text: str) -> str:
    """The reference without the few characters GBK and Big5 lack (©, no-break space)."""
    return text.replace("\u00a0", " ").replace("©", "(c)")


def _traditional(text: str) -> str:
    """Taiwan Traditional, keeping only characters Big5 has (as a Big5 page would)."""
    from docpipe.transforms.chinese import convert_text

    def big5(ch: str) -> bool:
        try:
            ch.encode("big5")
        except UnicodeEncodeError:
            return False
        return True

    return "".join(ch for ch in convert_text(_gbk_safe(text), "tw") if big5(ch))


def _boilerplate_only() -> str:
    # The reference's own chrome: site header, breadcrumb, disclaimer, footer, ICP, Top.
    return "\n".join(REF_LINES[i - 1] for i in (1, 2, 29, 30, 31, 32, 33, 34)) + "\n"


def _truncated() -> bytes:
    data = REF_TEXT.encode("utf-8")
    cut = data.index("运作模式日益丰富".encode()) + 3 * 7 + 2  # inside the UTF-8 of 富
    return data[:cut]


def _random_bytes() -> bytes:
    return random.Random(6).randbytes(6000)


def _random_high_bytes() -> bytes:
    """Random bytes with no NUL and no ASCII at all: no magic number gives them away."""
    rng = random.Random(7)
    return bytes(rng.randrange(0x80, 0x100) for _ in range(6000))


# name -> (bytes, expected): expected is "ok" or the substring of the one-line error.
FAILS: dict[str, tuple[bytes, str]] = {
    "empty.txt": (b"", "empty input"),
    "whitespace.txt": (" \n\t\r\n\u3000\u00a0  \r\n".encode(), "empty input"),
    "image.txt": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200), "a PNG image"),
    "document.txt": (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n", "a PDF document"),
    "random.txt": (_random_bytes(), "not a text or HTML page"),
    "control.txt": (bytes(range(1, 9)) * 500, "control characters"),
    "boilerplate.txt": (_boilerplate_only().encode(), "only boilerplate"),
    "png_page.html": (b"\x89PNG\r\n\x1a\n\x00\x00", "a PNG image"),
    "empty_page.html": (b"", "empty input"),
    "nav.html": (('<html><head><title>x</title></head><body><div class="nav"><a href="/">首页'
                 '</a> &gt; <a href="/n">新闻</a></div><div class="footer">版权所有 © 测试网 '
                 "京ICP备123号</div></body></html>").encode(), "no article text found"),
}

OKS: dict[str, bytes] = {
    "truncated.txt": _truncated(),
    "gbk.txt": _gbk_safe(REF_TEXT).encode("gbk"),
    "big5.txt": _traditional(REF_TEXT).encode("big5"),
    "utf16le.txt": REF_TEXT.encode("utf-16"),  # with BOM (little-endian here)
    "utf16be.txt": b"\xfe\xff" + REF_TEXT.encode("utf-16-be"),
    "utf8bom.txt": b"\xef\xbb\xbf" + REF_TEXT.replace("\n", "\r\n").encode(),
    "notitle.txt": "\n".join(REF_LINES[5:]).encode(),
    "nonote.txt": REF_TEXT.replace("编者按:\n", "").encode(),
    "nometa.txt": "\n".join(line for i, line in enumerate(REF_LINES)
                            if i not in (0, 1, 5, 6)).encode(),
    "mixed.txt": REF_TEXT.replace("\n新时代以来,", "\n這是一段繁體中文的正文，與上面的簡體混在"
                                  "同一頁裡。臺灣與香港的讀者都會讀到這一段，它必須原樣保留。\n\n"
                                  "新时代以来,").encode(),
    "controls.txt": REF_TEXT.replace("第一,", "第一,\x0b\x0c\x01\x1f").encode(),
    # Text copied from Word: vertical tabs (manual line breaks) instead of newlines.
    "vtabs.txt": REF_TEXT.replace("\n", "\x0b").encode(),
}


def _stderr_lines(res) -> list[str]:
    return [line for line in res.stderr.splitlines() if line.strip()]


def _leftovers(folder: Path) -> list[str]:
    """Temporary or partial files left behind in an output folder."""
    if not folder.exists():
        return []
    return sorted(p.name for p in folder.rglob("*") if p.name.startswith(".") or
                  p.suffix == ".part")


def _check_docx(path: Path) -> str:
    from docx import Document

    with zipfile.ZipFile(path) as z:
        assert z.testzip() is None
    return "\n".join(p.text for p in Document(str(path)).paragraphs)


@pytest.mark.parametrize("name", sorted(FAILS))
def test_bad_input_fails_alone_with_one_line(runner, tmp_path, name):
    data, problem = FAILS[name]
    page = tmp_path / name
    page.write_bytes(data)
    out = tmp_path / "out"
    res = invoke(runner, "convert", str(page), "-o", str(out), "-f", FAST)
    assert res.exit_code == 1, res.stderr
    lines = _stderr_lines(res)
    assert len(lines) == 1, lines
    assert str(page) in lines[0] and problem in lines[0], lines[0]
    assert "Traceback" not in res.stderr and "internal error" not in res.stderr
    assert res.stdout == ""
    assert not any(out.glob(f"{page.stem}.*")) and _leftovers(out) == []


@pytest.mark.parametrize("name", sorted(OKS))
def test_awkward_input_gets_a_briefing(runner, tmp_path, name):
    page = tmp_path / name
    page.write_bytes(OKS[name])
    out = tmp_path / "out"
    res = invoke(runner, "convert", str(page), "-o", str(out), "-f", FAST)
    assert res.exit_code == 0, res.stderr
    # No error; a page without a date line is said to have none (a warning, exit 0).
    assert all(line.startswith(f"docpipe: warning: {page}: ") for line in _stderr_lines(res)), \
        res.stderr
    for suffix in (".docx", ".md", ".json", ".html"):
        assert (out / f"{page.stem}{suffix}").is_file()
    assert _leftovers(out) == []
    art = json.loads((out / f"{page.stem}.json").read_text(encoding="utf-8"))
    body = "\n".join(art["body"])
    docx_text = _check_docx(out / f"{page.stem}.docx")
    if name == "big5.txt":
        assert art["title"] == _traditional(TITLE)
        assert _traditional(BODY_START) in body
    else:
        assert BODY_START in body and BODY_START in docx_text
    if name in ("gbk.txt", "utf16le.txt", "utf16be.txt", "utf8bom.txt", "controls.txt",
                "nonote.txt", "mixed.txt", "vtabs.txt"):
        assert art["title"] == TITLE
    if name == "truncated.txt":
        assert body.endswith("第四，运作模式日益丰")  # all up to the cut, nothing invented
    if name == "nonote.txt":
        assert art["summary"]  # falls back to the lead or the body
    if name == "nometa.txt":
        assert art["published"] is None and art["views"] is None
    if name == "mixed.txt":
        assert "這是一段繁體中文的正文，與上面的簡體混在同一頁裡。" in body
        assert "构建志愿服务" in body or "构建志愿服务" in art["title"]
    if name == "controls.txt":
        assert "\x0b" not in docx_text and "\x01" not in docx_text
        assert "第一," in docx_text


@pytest.mark.parametrize("noise", ["random", "repeated"])
def test_random_high_bytes_get_a_briefing_or_one_line(runner, tmp_path, noise):
    """No magic number, no NUL: either some decoding is plausible or it is refused.
    ("repeated": one GB18030 character 3000 times, whose keywords once overflowed the
    DOCX core properties' 255-character limit.)"""
    page = tmp_path / "noise.txt"
    page.write_bytes(_random_high_bytes() if noise == "random" else b"\xd2\xd2" * 3000)
    res = invoke(runner, "convert", str(page), "-o", str(tmp_path / "out"), "-f", FAST)
    assert res.exit_code in (0, 1)
    if res.exit_code == 1:
        lines = _stderr_lines(res)
        assert len(lines) == 1 and str(page) in lines[0] and "internal" not in lines[0]
    assert _leftovers(tmp_path / "out") == []


def test_single_one_megabyte_line(runner, tmp_path):
    line = "这是一行没有换行的很长的正文，" * 23000  # about 1 MB of UTF-8 on one line
    page = tmp_path / "oneline.txt"
    page.write_text("一行到底的页面\n\n" + line + "\n", encoding="utf-8")
    assert page.stat().st_size > 1_000_000
    out = tmp_path / "out"
    res = invoke(runner, "convert", str(page), "-o", str(out), "-f", "docx,md,json")
    assert res.exit_code == 0, res.stderr
    art = json.loads((out / "oneline.json").read_text(encoding="utf-8"))
    assert "".join(art["body"]).count("这是一行没有换行的很长的正文") >= 23000 - 1


def test_fifty_megabytes_refused_by_default(runner, tmp_path):
    page = tmp_path / "huge.txt"
    with page.open("wb") as f:
        chunk = ("大文件的一段正文。" * 200 + "\n\n").encode()
        while f.tell() < 50 * 1024 * 1024:
            f.write(chunk)
    out = tmp_path / "out"
    res = invoke(runner, "convert", str(page), str(REFERENCE), "-o", str(out), "-f", "md")
    assert res.exit_code == 1
    lines = _stderr_lines(res)
    assert len(lines) == 1
    assert str(page) in lines[0] and "52.4 MB, over the limit of 20.0 MB" in lines[0]
    assert "--max-bytes" in lines[0]
    assert (out / f"{REFERENCE.stem}.md").is_file() and not (out / "huge.md").exists()


def test_max_bytes_option(runner, tmp_path):
    out = tmp_path / "out"
    res = invoke(runner, "convert", str(REFERENCE), "-o", str(out), "-f", "md",
                 "--max-bytes", "1000")
    assert res.exit_code == 1
    assert "10.1 KB, over the limit of 1.0 KB" in res.stderr
    assert not out.exists() or not list(out.iterdir())
    res = invoke(runner, "convert", str(REFERENCE), "-o", str(out), "-f", "md",
                 "--max-bytes", "0")
    assert res.exit_code == 0
    res = invoke(runner, "extract", "-", "--max-bytes", "1000", input=REFERENCE.read_bytes())
    assert res.exit_code == 1 and "<stdin>: input is over the limit of 1000 bytes" in res.stderr


def test_stdin_bad_input(runner, tmp_path):
    res = invoke(runner, "convert", "-", "-o", str(tmp_path), "-f", "md", input=b"\x89PNG\r\n")
    assert res.exit_code == 1
    assert _stderr_lines(res) == ["docpipe: error: <stdin>: not a text or HTML page: "
                                  "looks like a PNG image"]


def test_missing_path_and_empty_folder_leave_others_done(runner, tmp_path):
    empty = tmp_path / "empty_folder"
    empty.mkdir()
    (empty / "notes.pdf").write_bytes(b"%PDF-1.4")  # not a page
    out = tmp_path / "out"
    res = invoke(runner, "convert", str(tmp_path / "nope.txt"), str(empty),
                 str(tmp_path / "*.nomatch"), str(REFERENCE), "-o", str(out), "-f", "md")
    assert res.exit_code == 1
    lines = _stderr_lines(res)
    assert len(lines) == 3, lines
    assert any("nope.txt: no such file" in x for x in lines)
    assert any(f"{empty}: folder holds no pages" in x for x in lines)
    assert any("*.nomatch: pattern matches no file" in x for x in lines)
    assert [p.name for p in out.iterdir()] == [f"{REFERENCE.stem}.md"]


def test_folder_with_good_and_bad_pages(runner, tmp_path):
    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "a_good.txt").write_bytes(REFERENCE.read_bytes())
    for name, (data, _) in FAILS.items():
        (pages / name).write_bytes(data)
    (pages / "z_good.txt").write_bytes(OKS["gbk.txt"])
    out = tmp_path / "out"
    res = invoke(runner, "convert", str(pages), "-o", str(out), "-f", "docx,md")
    assert res.exit_code == 1
    lines = _stderr_lines(res)
    assert len(lines) == len(FAILS)
    for name, (_, problem) in FAILS.items():
        assert any(name in x and problem in x for x in lines), name
    assert sorted(p.name for p in out.iterdir()) == [
        "a_good.docx", "a_good.md", "z_good.docx", "z_good.md"]


@pytest.mark.parametrize("where", ["file", "under_file", "proc"])
def test_output_folder_cannot_be_written(runner, tmp_path, where):
    blocker = tmp_path / "blocker"
    blocker.write_text("not a folder")
    out = {"file": blocker, "under_file": blocker / "sub",
           "proc": Path("/proc/docpipe-cannot-write")}[where]
    res = invoke(runner, "convert", str(REFERENCE), "-o", str(out), "-f", "md")
    assert res.exit_code == 1
    lines = _stderr_lines(res)
    assert len(lines) == 1 and str(out) in lines[0] and "cannot create output folder" in lines[0]
    assert blocker.read_text() == "not a folder"


def test_output_file_cannot_be_written(runner, tmp_path):
    """The folder exists but a file cannot be created in it (/proc): every page fails."""
    res = invoke(runner, "convert", str(REFERENCE), "-o", "/proc", "-f", "md")
    assert res.exit_code == 1
    lines = _stderr_lines(res)
    assert len(lines) == 1 and f"/proc/{REFERENCE.stem}.md: cannot write" in lines[0]


def test_output_name_is_a_folder(runner, tmp_path):
    """OUT/page.md exists as a folder: that page fails, its folder is left alone."""
    out = tmp_path / "out"
    (out / f"{REFERENCE.stem}.md").mkdir(parents=True)
    other = tmp_path / "other.txt"
    other.write_bytes(REFERENCE.read_bytes())
    res = invoke(runner, "convert", str(REFERENCE), str(other), "-o", str(out), "-f", "md")
    assert res.exit_code == 1
    lines = _stderr_lines(res)
    assert len(lines) == 1 and f"{REFERENCE.stem}.md: cannot write" in lines[0]
    assert (out / f"{REFERENCE.stem}.md").is_dir() and (out / "other.md").is_file()
    assert _leftovers(out) == []


def test_usage_errors_exit_2(runner, tmp_path):
    res = invoke(runner, "convert", str(REFERENCE), "-o", str(tmp_path), "--encoding", "klingon")
    assert res.exit_code == 2 and "unknown encoding" in res.stderr
    res = invoke(runner, "extract", str(tmp_path))
    assert res.exit_code == 2 and "not a folder" in res.stderr
    assert not list(tmp_path.iterdir())


def test_wrong_encoding_option_is_an_input_error(runner, tmp_path):
    page = tmp_path / "page.txt"
    page.write_bytes(REFERENCE.read_bytes())
    res = invoke(runner, "convert", str(page), "-o", str(tmp_path / "out"), "--encoding", "big5",
                 "-f", "md")
    assert res.exit_code == 1 and f"{page}: does not decode as big5" in res.stderr


# --- the real executable: real stderr, real exit codes, tracebacks only with --debug -----

def _run(*args: str, **kw) -> subprocess.CompletedProcess:
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200"}
    return subprocess.run([str(DOCPIPE), *args], capture_output=True, text=True, env=env,
                          timeout=300, **kw)


def test_subprocess_whole_catalogue_in_one_run(tmp_path):
    """Every bad and awkward input in one run, with PDF too: each page on its own."""
    pages = tmp_path / "pages"
    pages.mkdir()
    for name, (data, _) in FAILS.items():
        (pages / name).write_bytes(data)
    for name in ("gbk.txt", "controls.txt", "truncated.txt"):
        (pages / name).write_bytes(OKS[name])
    out = tmp_path / "out"
    proc = _run("convert", str(pages), str(tmp_path / "missing.txt"), "-o", str(out),
                "-f", "pdf,docx")
    assert proc.returncode == 1
    lines = [x for x in proc.stderr.splitlines() if x.strip()]
    assert len(lines) == len(FAILS) + 1, proc.stderr
    assert all(x.startswith("docpipe: error: ") for x in lines)
    assert "Traceback" not in proc.stderr
    assert sorted(p.name for p in out.iterdir()) == sorted(
        f"{stem}.{ext}" for stem in ("gbk", "controls", "truncated") for ext in ("pdf", "docx"))
    for pdf in out.glob("*.pdf"):
        assert pdf.read_bytes().rstrip().endswith(b"%%EOF")


def test_subprocess_usage_error(tmp_path):
    proc = _run("convert", str(REFERENCE), "-o", str(tmp_path), "-f", "odt")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    proc = _run("convert", "--no-such-option")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr


def test_subprocess_output_folder_is_a_file(tmp_path):
    blocker = tmp_path / "blocker"
    blocker.write_text("x")
    proc = _run("convert", str(REFERENCE), "-o", str(blocker / "out"), "-f", "md")
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines() == [
        f"docpipe: error: {blocker / 'out'}: cannot create output folder: Not a directory"]


def test_traceback_only_with_debug(tmp_path):
    """An internal error (here a user template that divides by zero) is one line; --debug
    adds the trace. (A template that does not parse or names an undefined variable is a
    user error naming file:line: tests/test_usability.py.)"""
    tpl = tmp_path / "tpl"
    tpl.mkdir()
    (tpl / "briefing.html.j2").write_text("{{ 1 // 0 }}", encoding="utf-8")
    other = tmp_path / "other.txt"
    other.write_bytes(REFERENCE.read_bytes())
    args = ["convert", str(other), "-o", str(tmp_path / "out"), "-f", "html,md",
            "--template-dir", str(tpl)]
    proc = _run(*args)
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "internal error" in lines[0] and str(other) in lines[0]
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "out" / "other.html").exists()
    assert _leftovers(tmp_path / "out") == []
    proc = _run("--debug", *args)
    assert proc.returncode == 1 and "Traceback" in proc.stderr


HTML_PARA = "这是一段足够长的中文正文内容，用来测试保存下来的网页。这是同一段的第二句正文。"
HTML_OKS: dict[str, bytes] = {
    # GBK bytes, no <meta charset>: the charset is detected.
    "gbk.html": f"<html><body><article><p>{HTML_PARA}</p><p>{HTML_PARA}</p></article>"
                "</body></html>".encode("gbk"),
    # Big5 bytes, no declaration.
    "big5.html": f"<html><body><article><p>{_traditional(HTML_PARA)}</p></article>"
                 "</body></html>".encode("big5"),
    # Control characters python-docx refuses, inside the text.
    "controls.html": ('<html><head><meta charset="utf-8"></head><body><article><p>正文\x0b里有'
                      f"\x0c控制\x01字符。{HTML_PARA}</p></article></body></html>").encode(),
}


@pytest.mark.parametrize("name", sorted(HTML_OKS))
def test_awkward_saved_html_gets_a_briefing(runner, tmp_path, name):
    page = tmp_path / name
    page.write_bytes(HTML_OKS[name])
    out = tmp_path / "out"
    res = invoke(runner, "convert", str(page), "-o", str(out), "-f", FAST)
    assert res.exit_code == 0, res.stderr
    art = json.loads((out / f"{page.stem}.json").read_text(encoding="utf-8"))
    body = "\n".join(art["body"])
    expected = _traditional(HTML_PARA) if name == "big5.html" else HTML_PARA
    assert expected in body
    docx_text = _check_docx(out / f"{page.stem}.docx")
    assert expected in docx_text and "\x0b" not in docx_text and "\x01" not in docx_text
    assert _leftovers(out) == []


def test_name_too_long_for_the_system(runner, tmp_path):
    """A path the OS refuses (ENAMETOOLONG) is that input's error, not a traceback."""
    out = tmp_path / "out"
    res = invoke(runner, "convert", "a" * 5000, str(REFERENCE), "-o", str(out), "-f", "md")
    assert res.exit_code == 1
    lines = _stderr_lines(res)
    assert len(lines) == 1 and "File name too long" in lines[0]
    assert (out / f"{REFERENCE.stem}.md").is_file()


def test_longest_file_name_still_converts(runner, tmp_path):
    """A page whose name is near the 255-byte limit: its temporary output name fits too."""
    page = tmp_path / ("长" * 80 + ".txt")  # 244 bytes; page.docx is 245
    page.write_bytes(REFERENCE.read_bytes())
    out = tmp_path / "out"
    res = invoke(runner, "convert", str(page), "-o", str(out), "-f", "docx,md")
    assert res.exit_code == 0, res.stderr
    assert sorted(p.suffix for p in out.iterdir()) == [".docx", ".md"]
