"""Issue 13: hostile files and names. Devices, FIFOs and endless streams are refused
with one line, inputs are never overwritten, odd names stay on one error line.

Each hostile input is built here (FIFO via os.mkfifo, /dev/zero, a name with a newline).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import invoke
from docpipe.errors import InputError, UsageError
from docpipe.inputs import read_file, read_stream
from docpipe.pipeline import read_bytes

DOCPIPE = Path(sys.executable).parent / "docpipe"
PAGE = "<html><head><meta charset='utf-8'><title>测试页面</title></head><body><article>" \
    "<h1>测试页面的标题</h1><p>2024-01-01 来源：测试</p>" + "<p>这是一段用于测试的正文内容，包含足够多的汉字以便被识别为文章段落。</p>" * 4 + \
    "</article></body></html>"


def run(*args: str, timeout: float = 60, stdin=subprocess.DEVNULL, cwd=None):
    return subprocess.run([str(DOCPIPE), *args], capture_output=True, text=True,
                          timeout=timeout, stdin=stdin, cwd=cwd)


def one_error_line(stderr: str) -> str:
    lines = [x for x in stderr.splitlines() if x.strip()]
    assert len(lines) == 1, stderr
    assert lines[0].startswith("docpipe: error: ")
    assert "Traceback" not in stderr
    return lines[0]


# --- point 1: bounded reads ------------------------------------------------------------

@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_devices_are_refused_at_once(device):
    if not os.path.exists(device):
        pytest.skip(f"{device} missing")
    res = run("extract", device, timeout=10)  # /dev/zero used to grow to 12 GB
    assert res.returncode == 1
    assert "is a device" in one_error_line(res.stderr)


def test_read_file_refuses_a_device_even_with_no_limit():
    with pytest.raises(InputError, match="device"):
        read_file("/dev/zero", 0)


def test_fifo_among_inputs_never_hangs(tmp_path):
    fifo = tmp_path / "pipe.html"
    os.mkfifo(fifo)  # no writer ever opens it: a blocking open would wait forever
    good = tmp_path / "good.html"
    good.write_text(PAGE, encoding="utf-8")
    other = tmp_path / "other.html"
    other.write_text(PAGE.replace("测试", "实验"), encoding="utf-8")
    out = tmp_path / "out"
    # Several inputs: the learning pre-read (read_options_for) reads the FIFO too.
    res = run("convert", str(fifo), str(good), str(other), "-o", str(out), "-f", "md",
              timeout=60)
    assert res.returncode == 1
    assert "named pipe" in one_error_line(res.stderr)
    assert (out / "good.md").is_file() and (out / "other.md").is_file()


def test_socket_is_refused(tmp_path):
    path = tmp_path / "s.html"
    sock = socket.socket(socket.AF_UNIX)
    try:
        sock.bind(str(path))
        with pytest.raises(InputError, match="socket"):
            read_bytes(str(path), 1000)
    finally:
        sock.close()


def test_stdin_stays_readable_and_bounded(tmp_path):
    res = run("extract", "-", "--max-bytes", "100000",
              stdin=open("/dev/zero", "rb"), timeout=20)  # noqa: SIM115
    assert res.returncode == 1
    assert "over the limit" in one_error_line(res.stderr)
    text = "标题一则\n\n这是一段用于测试标准输入的正文内容，包含足够多的汉字。\n"
    res = subprocess.run([str(DOCPIPE), "extract", "-"], input=text, capture_output=True,
                         text=True, timeout=60)
    assert res.returncode == 0, res.stderr
    assert "标准输入" in res.stdout


def test_read_stream_stops_one_byte_past_the_limit():
    class Endless:
        def __init__(self):
            self.given = 0

        def read(self, n: int) -> bytes:
            self.given += n
            return b"x" * n

    stream = Endless()
    with pytest.raises(InputError, match="over the limit"):
        read_stream(stream, 5_000_000, "<stdin>")
    assert stream.given == 5_000_001


def test_a_growing_regular_file_is_cut_at_the_limit(tmp_path):
    path = tmp_path / "a.txt"
    path.write_bytes(b"a" * 10)
    assert read_file(str(path), 10) == b"a" * 10
    with pytest.raises(InputError, match="over the limit"):
        read_file(str(path), 9)


def test_learning_pre_read_errors_stay_each_inputs_own(tmp_path):
    from docpipe.pipeline import Settings, read_options_for

    fifo = tmp_path / "x.html"
    os.mkfifo(fifo)
    good = tmp_path / "good.html"
    good.write_text(PAGE, encoding="utf-8")
    binary = tmp_path / "b.html"
    binary.write_bytes(b"\x00\xff" * 5000)
    paths = [str(fifo), "/dev/urandom", str(binary), str(good)]
    opts = read_options_for(paths, Settings())
    assert set(opts) == set(paths)


# --- point 6: an input is never overwritten ---------------------------------------------

def test_convert_into_the_pages_own_folder_keeps_the_page(tmp_path, runner, monkeypatch):
    page = tmp_path / "page.html"
    page.write_text(PAGE, encoding="utf-8")
    before = page.read_bytes()
    monkeypatch.chdir(tmp_path)
    res = invoke(runner, "convert", "page.html", "-o", ".", "-f", "html")
    assert res.exit_code == 1
    assert "would overwrite an input" in res.output
    assert page.read_bytes() == before


def test_symlinked_and_hard_linked_inputs_are_protected(tmp_path, runner):
    real = tmp_path / "real.html"
    real.write_text(PAGE, encoding="utf-8")
    before = real.read_bytes()
    (tmp_path / "link.html").symlink_to(real)
    out = tmp_path / "out"
    out.mkdir()
    os.link(real, out / "page.html")
    res = invoke(runner, "convert", str(tmp_path / "link.html"), "-o", str(tmp_path),
                 "-f", "html")
    assert res.exit_code == 1 and "would overwrite an input" in res.output
    res = invoke(runner, "convert", str(real), "-o", str(out), "-f", "html")
    assert res.exit_code == 0  # real.html -> out/real.html: a new file
    res = invoke(runner, "convert", str(out / "page.html"), "-o", str(out), "-f", "html")
    assert res.exit_code == 1 and "would overwrite an input" in res.output
    assert real.read_bytes() == before


def test_no_output_goes_into_a_pages_image_folder(tmp_path, runner):
    page = tmp_path / "page.html"
    page.write_text(PAGE, encoding="utf-8")
    images = tmp_path / "page_files"
    images.mkdir()
    res = invoke(runner, "convert", str(page), "-o", str(images), "-f", "md")
    assert res.exit_code == 1 and "image folder page_files/" in res.output
    assert list(images.iterdir()) == []


def test_pack_never_overwrites_an_input_or_its_cache(tmp_path, runner):
    a = tmp_path / "a.html"
    a.write_text(PAGE, encoding="utf-8")
    odd = tmp_path / "notes.pdf"  # an input with an output's suffix, given by name
    odd.write_text(PAGE.replace("测试", "实验"), encoding="utf-8")
    before = odd.read_bytes()
    res = invoke(runner, "pack", str(a), str(odd), "-o", str(tmp_path), "--name", "notes",
                 "--no-pages", "-j", "1")
    assert res.exit_code == 2 and "would overwrite an input" in res.output
    assert odd.read_bytes() == before
    (tmp_path / "a_files").mkdir()
    res = invoke(runner, "pack", str(a), "-o", str(tmp_path / "a_files"), "-j", "1")
    assert res.exit_code == 2 and "image folder" in res.output
    assert list((tmp_path / "a_files").iterdir()) == []


def test_the_cache_name_is_the_packs():
    from docpipe.cache import CACHE_NAME
    from docpipe.outputs import PACK_CACHE_NAME

    assert PACK_CACHE_NAME == CACHE_NAME


def test_convert_never_writes_over_a_pack_cache(tmp_path, runner):
    page = tmp_path / ".docpipe-cache.txt"
    page.write_text("标题一则\n\n这是一段用于测试的正文内容，包含足够多的汉字。\n", encoding="utf-8")
    out = tmp_path / "out"
    res = invoke(runner, "convert", str(page), "-o", str(out), "-f", "json")
    assert res.exit_code == 1 and "pack's cache" in res.output
    assert not (out / ".docpipe-cache.json").exists()


# --- point 10: small ones ----------------------------------------------------------------

def test_newline_in_a_file_name_cannot_fake_an_error_line(tmp_path):
    name = "a\ndocpipe: error: fake\x1b[2J.html"
    (tmp_path / name).write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 100)
    res = run("convert", name, "-o", "out", cwd=tmp_path)
    line = one_error_line(res.stderr)
    assert "a\\ndocpipe: error: fake\\x1b[2J.html" in line
    res = run("extract", "missing\rname.html", cwd=tmp_path)
    assert "missing\\rname.html: no such file" in one_error_line(res.stderr)


def test_negative_max_bytes_is_a_usage_error(tmp_path, runner):
    page = tmp_path / "a.txt"
    page.write_text("标题\n\n正文内容一段。\n", encoding="utf-8")
    res = invoke(runner, "extract", str(page), "--max-bytes", "-1")
    assert res.exit_code == 2
    from docpipe.readers import ReadOptions

    with pytest.raises(UsageError):
        ReadOptions(max_bytes=-1)


def test_pack_name_too_long_is_one_clear_error_before_any_work(tmp_path, runner):
    page = tmp_path / "a.html"
    page.write_text(PAGE, encoding="utf-8")
    out = tmp_path / "out"
    res = invoke(runner, "pack", str(page), "-o", str(out), "--name", "n" * 300, "-j", "1")
    assert res.exit_code == 2
    assert "too long for the file system" in res.output
    assert not out.exists() or not any(out.iterdir())


def test_output_stem_too_long_is_one_clear_error(tmp_path):
    name = "长" * 83 + "ab.htm"  # 255 bytes: fine as an input, one too long as .docx
    (tmp_path / name).write_text(PAGE, encoding="utf-8")
    res = run("convert", name, "-o", "out", "-f", "docx", cwd=tmp_path)
    assert res.returncode == 1
    assert "too long for the file system" in one_error_line(res.stderr)


def test_pack_progress_lines_escape_names(tmp_path):
    name = "a\ndocpipe: error: fake.html"
    (tmp_path / name).write_text(PAGE, encoding="utf-8")
    res = run("pack", name, "-o", "out", "-j", "1", "--no-pages", cwd=tmp_path, timeout=120)
    assert res.returncode == 0, res.stderr
    assert not any(x.startswith("docpipe: error:") for x in res.stderr.splitlines()), res.stderr
    assert "a\\ndocpipe: error: fake.html" in res.stderr


def test_fifo_in_a_rules_folder_is_a_usage_error_not_a_hang(tmp_path):
    rules = tmp_path / "rules"
    rules.mkdir()
    os.mkfifo(rules / "site.toml")
    page = tmp_path / "a.txt"
    page.write_text("标题\n\n这是一段用于测试的正文内容，包含足够多的汉字。\n", encoding="utf-8")
    res = run("extract", str(page), "--rules", str(rules), timeout=30)
    assert res.returncode == 2
    assert "bad rules file" in one_error_line(res.stderr)
