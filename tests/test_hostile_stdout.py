"""Issue 20, points 5 and 6: what docpipe prints on stdout, and stdout that fails.

- A page named `a\\nfake-line.txt` printed two lines per output, and ESC and U+202E
  reached the terminal raw: one output is now one line a script reads back (escaped as
  in the error lines, the backslash too), or raw and NUL-ended with `-0/--print0`.
- `>/dev/full` gave an OSError traceback and a closed stdout (`>&-`) an AttributeError,
  for every command: now one line and exit 1; a reader that goes away (`| head`) is quiet.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REFERENCE

DOCPIPE = Path(sys.executable).parent / "docpipe"
NAME = "a\nfake-line\x1b[31m\u202e\\n.txt"  # newline, ESC, RIGHT-TO-LEFT OVERRIDE, a backslash


def run(*args: str, cwd: Path, stdout=subprocess.PIPE, timeout: float = 120, **kw):
    return subprocess.run([str(DOCPIPE), *args], stdout=stdout, stderr=subprocess.PIPE,
                          cwd=cwd, timeout=timeout, **kw)


def read_back(line: str) -> str:
    """The README's recipe for reading a printed path back."""
    return line.encode("latin-1", "backslashreplace").decode("unicode-escape")


# --- point 5: names on stdout -----------------------------------------------------------

def test_each_output_is_one_line_a_script_reads_back(tmp_path):
    (tmp_path / NAME).write_bytes(REFERENCE.read_bytes())
    res = run("convert", NAME, "-o", "out", "-f", "md,json", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    lines = res.stdout.decode("utf-8").splitlines()
    assert len(lines) == 2, lines
    assert not any(ch in res.stdout.decode("utf-8") for ch in "\x1b\u202e")
    stem = NAME[:-len(".txt")]
    assert [read_back(x) for x in lines] == [f"out/{stem}.md", f"out/{stem}.json"]
    assert all((tmp_path / read_back(x)).is_file() for x in lines)


def test_print0_gives_the_names_as_they_are(tmp_path):
    (tmp_path / NAME).write_bytes(REFERENCE.read_bytes())
    res = run("convert", NAME, "-o", "out", "-f", "md,json", "-0", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    names = res.stdout.split(b"\0")
    assert names[-1] == b"" and len(names) == 3
    assert all((tmp_path / os.fsdecode(n)).is_file() for n in names[:-1])
    exported = run("templates", "export", "t\nx", "--print0", cwd=tmp_path)
    assert exported.returncode == 0
    assert all((tmp_path / os.fsdecode(n)).is_file() for n in exported.stdout.split(b"\0")[:-1])


def test_the_pack_summary_keeps_each_path_on_its_line(tmp_path):
    from docpipe.packplan import PackReport, summary_lines

    out = tmp_path / "out\nmanifest: fake"
    report = PackReport(entries=[], out_dir=out, name="week",
                        pack_outputs=[out / "week.pdf", out / "week.docx"],
                        manifest=out / "week.json")
    lines = "\n".join(summary_lines(report)).splitlines()
    assert len(lines) == 3 and lines[2] == f"manifest: {tmp_path}/out\\nmanifest: fake/week.json"


# --- point 6: stdout that fails ---------------------------------------------------------

COMMANDS = {
    "extract": ["extract", "page.txt"],
    "config": ["config"],
    "convert": ["convert", "page.txt", "-o", "out", "-f", "md"],
    "convert to stdout": ["convert", "page.txt", "-o", "-", "-f", "md"],
    "pack": ["pack", "page.txt", "-o", "pack", "-j", "1", "--no-pages"],
    "doctor": ["doctor"],
    "templates export": ["templates", "export", "tpl", "--force"],
    "help": ["convert", "--help"],
}


@pytest.mark.parametrize("stdout", ["/dev/full", "closed"])
@pytest.mark.parametrize("command", list(COMMANDS))
def test_a_full_or_closed_stdout_is_one_line_and_exit_1(tmp_path, command, stdout):
    if command in ("help", "pack") and stdout == "closed":
        pytest.skip("help with no stdout: nothing lost; pack: its lines go the same way")
    (tmp_path / "page.txt").write_bytes(REFERENCE.read_bytes())
    args = COMMANDS[command]
    if stdout == "/dev/full":
        with open("/dev/full", "wb") as full:
            res = run(*args, cwd=tmp_path, stdout=full)
    else:  # exec with file descriptor 1 closed, as `docpipe … >&-`
        res = subprocess.run(["sh", "-c", 'exec "$0" "$@" >&-', str(DOCPIPE), *args],
                             stderr=subprocess.PIPE, cwd=tmp_path, timeout=120)
    err = res.stderr.decode("utf-8")
    assert "Traceback" not in err and "Exception" not in err, err
    errors = [x for x in err.splitlines() if x.startswith("docpipe: error:")]
    assert res.returncode == 1, err
    assert len(errors) == 1 and errors[0].endswith(
        ("No space left on device", "it is closed")), err


@pytest.mark.parametrize("command", ["extract", "convert to stdout", "config", "convert"])
def test_a_reader_that_went_away_is_no_error(tmp_path, command):
    """`docpipe … | head -1` once `head` has read its line: the pipe's reading end is
    closed before docpipe writes (so the test does not depend on timing)."""
    (tmp_path / "page.txt").write_bytes(REFERENCE.read_bytes())
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        res = run(*COMMANDS[command], cwd=tmp_path, stdout=write_end)
    finally:
        os.close(write_end)
    err = res.stderr.decode("utf-8")
    assert res.returncode == 141, err  # as `cat` ends when `head` has read enough
    assert err == "", err


def test_a_full_stdout_is_said_once_in_a_minimal_environment(tmp_path):
    """Started as cron or `env -i` start it (no locale: Python's UTF-8 mode), the
    failed flush left its buffer to fail, and be said, a second time at exit."""
    with open("/dev/full", "wb") as full:
        res = subprocess.run(["env", "-i", "PATH=/usr/bin:/bin", str(DOCPIPE), "config"],
                             stdout=full, stderr=subprocess.PIPE, cwd=tmp_path, timeout=60)
    assert res.returncode == 1
    assert res.stderr.decode().splitlines() == [
        "docpipe: error: cannot write to stdout: No space left on device"]
