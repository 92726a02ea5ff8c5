"""CLI contract: version, formats, template override, usage errors, stdin, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from conftest import REFERENCE, ROOT, invoke


def test_version(runner):
    res = invoke(runner, "--version")
    assert res.exit_code == 0 and res.stdout.startswith("docpipe ")


def test_help_lists_commands(runner):
    res = invoke(runner, "--help")
    assert res.exit_code == 0
    for cmd in ("convert", "extract", "doctor"):
        assert cmd in res.stdout


def test_default_formats_are_pdf_and_docx(runner, tmp_path):
    res = invoke(runner, "convert", str(REFERENCE), "-o", str(tmp_path))
    assert res.exit_code == 0
    assert sorted(p.suffix for p in tmp_path.iterdir()) == [".docx", ".pdf"]


def test_unknown_format_is_a_usage_error(runner, tmp_path):
    res = invoke(runner, "convert", str(REFERENCE), "-o", str(tmp_path), "-f", "pdf,odt")
    assert res.exit_code == 2
    assert "unknown format odt" in res.stderr
    assert not list(tmp_path.iterdir())


def test_unknown_variant_is_a_usage_error(runner, tmp_path):
    res = invoke(runner, "convert", str(REFERENCE), "-o", str(tmp_path), "--to", "jp")
    assert res.exit_code == 2


def test_missing_input_fails_others_still_produced(runner, tmp_path):
    res = invoke(runner, "convert", str(REFERENCE), str(tmp_path / "nope.txt"),
                 "-o", str(tmp_path / "out"), "-f", "md")
    assert res.exit_code == 1
    assert "nope.txt: no such file" in res.stderr
    assert (tmp_path / "out" / f"{REFERENCE.stem}.md").is_file()


def test_stdin(runner, tmp_path):
    res = invoke(runner, "extract", "-", input=REFERENCE.read_bytes())
    assert res.exit_code == 0
    assert json.loads(res.stdout)["views"] == 192
    res = invoke(runner, "convert", "-", "-o", str(tmp_path), "-f", "md",
                 input=REFERENCE.read_bytes())
    assert res.exit_code == 0 and (tmp_path / "stdin.md").is_file()


def test_template_dir_overrides(runner, tmp_path):
    tpl = tmp_path / "tpl"
    tpl.mkdir()
    (tpl / "labels.toml").write_text(
        (ROOT / "templates" / "labels.toml").read_text(encoding="utf-8").replace(
            'editor_note = "编者按"', 'editor_note = "编辑部的话"'), encoding="utf-8")
    res = invoke(runner, "convert", str(REFERENCE), "-o", str(tmp_path / "o"), "-f", "html,md",
                 "--template-dir", str(tpl))
    assert res.exit_code == 0
    html = (tmp_path / "o" / f"{REFERENCE.stem}.html").read_text(encoding="utf-8")
    assert "编辑部的话" in html and ">编者按<" not in html


def test_summary_sentences_option(runner):
    one = json.loads(invoke(runner, "extract", str(REFERENCE), "--summary-sentences", "1").stdout)
    two = json.loads(invoke(runner, "extract", str(REFERENCE)).stdout)
    assert len(one["summary"]) < len(two["summary"])


def test_console_script_runs(tmp_path):
    exe = Path(sys.executable).with_name("docpipe")
    res = subprocess.run([str(exe), "extract", str(REFERENCE)], capture_output=True, text=True)
    assert res.returncode == 0
    assert json.loads(res.stdout)["published"] == "2025-03-06"


def test_doctor(runner):
    res = invoke(runner, "doctor")
    assert "HarfBuzz" in res.stdout
    for variant in ("hans", "tw", "twp", "hk", "hant"):
        assert f"--to {variant}" in res.stdout
    assert res.exit_code == 0, res.stdout


# The entry point with one more atexit handler, registered as a library would during a
# run (after quickexit's): it must still run, and the exit code and stdout must be whole.
_WITH_HANDLER = """
import atexit, sys
from docpipe import cli, quickexit

marker = sys.argv.pop(1)
real_install = quickexit.install

def install():
    real_install()
    atexit.register(lambda: open(marker, "w").write("ran"))

quickexit.install = install
sys.argv = ["docpipe", *sys.argv[1:]]
cli.main()
"""


def test_exit_runs_every_atexit_handler_and_keeps_the_code(tmp_path):
    """quickexit skips only the interpreter's teardown: handlers run, stdout is flushed,
    the exit code is the command's (0 for a page on stdout, 1 for a missing one)."""
    page = tmp_path / "page.txt"
    page.write_bytes(REFERENCE.read_bytes())
    for args, code in ((["convert", str(page), "-o", "-", "-f", "md"], 0),
                       (["convert", str(tmp_path / "missing.txt"), "-o", str(tmp_path)], 1)):
        marker = tmp_path / f"ran-{code}"
        done = subprocess.run([sys.executable, "-c", _WITH_HANDLER, str(marker), *args],
                              capture_output=True, text=True, timeout=120, check=False)
        assert done.returncode == code, done.stderr
        assert marker.read_text() == "ran"
        if code == 0:  # the whole Markdown, flushed before the exit: its last paragraph
            assert done.stdout.rstrip().endswith("注入新的活力和动力。")
