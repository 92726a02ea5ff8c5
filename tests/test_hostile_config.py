"""Issue 20, point 1: a config file found in the working folder is not a key to the
machine. Templates render sandboxed and only from inside their folder; a file found by
itself may set presentation and extraction, and what reaches outside the folder or
lowers a safety limit is refused from it with one line, and honoured from --config,
DOCPIPE_CONFIG and the user's own config folder; docpipe says which file it read.

Every test runs the installed command in a folder of "received" pages built here.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REFERENCE, invoke

DOCPIPE = Path(sys.executable).parent / "docpipe"
PAYLOAD = '{{ lipsum.__globals__["os"].popen("id > %s").read() }}\n'


def run(*args: str, cwd: Path, env: dict | None = None, timeout: float = 120):
    full = {k: v for k, v in os.environ.items() if not k.startswith("DOCPIPE_")}
    full.update({"COLUMNS": "200", "NO_COLOR": "1", **(env or {})})
    return subprocess.run([str(DOCPIPE), *args], capture_output=True, text=True, cwd=cwd,
                          env=full, timeout=timeout)


def one_error_line(stderr: str) -> str:
    """The one error line (beside the line naming the config file read)."""
    lines = [x for x in stderr.splitlines() if x.strip() and
             not x.startswith("docpipe: config: ")]
    assert len(lines) == 1 and lines[0].startswith("docpipe: error: "), stderr
    assert "Traceback" not in stderr
    return lines[0]


@pytest.fixture
def received(tmp_path) -> Path:
    """A folder of pages as someone might send it: a page, and what else they chose."""
    folder = tmp_path / "received"
    folder.mkdir()
    (folder / "page.txt").write_bytes(REFERENCE.read_bytes())
    return folder


# --- templates: sandboxed, and only from inside their folder ----------------------------

@pytest.mark.parametrize("how", ["found config", "--template-dir"])
def test_a_template_cannot_run_a_command(received, how):
    proof = received.parent / "ran-a-command"
    (received / "tpl").mkdir()
    (received / "tpl" / "briefing.html.j2").write_text(PAYLOAD % proof, encoding="utf-8")
    extra = ["--template-dir", "tpl"] if how == "--template-dir" else []
    if how == "found config":
        (received / "docpipe.toml").write_text('template_dir = "tpl"\n', encoding="utf-8")
    res = run("convert", "page.txt", "-o", "out", "-f", "html", *extra, cwd=received)
    assert not proof.exists(), "the template ran a command"
    assert res.returncode != 0 and not (received / "out" / "page.html").exists()
    assert "unsafe" in one_error_line(res.stderr)


@pytest.mark.parametrize("name", ["briefing.css", "briefing.html.j2", "labels.toml"])
def test_a_template_file_linked_out_of_its_folder_is_refused(received, name, runner,
                                                              monkeypatch):
    secret = received.parent / "secret.txt"
    secret.write_text("SECRET-TOKEN-4242 = 'x'\n", encoding="utf-8")
    (received / "tpl").mkdir()
    (received / "tpl" / name).symlink_to(secret)
    monkeypatch.chdir(received)
    res = invoke(runner, "convert", "page.txt", "-o", "out", "-f", "html", "--template-dir",
                 "tpl")
    line = one_error_line(res.stderr)
    assert res.exit_code == 2 and "link to outside its template folder" in line, line
    out = received / "out" / "page.html"
    assert not out.exists() or "SECRET-TOKEN" not in out.read_text(encoding="utf-8")


def test_the_sandbox_keeps_docpipes_own_templates_working(received):
    res = run("convert", "page.txt", "-o", "out", "-f", "html,pdf", cwd=received)
    assert res.returncode == 0, res.stderr
    assert "小而美" in (received / "out" / "page.html").read_text(encoding="utf-8")


# --- keys a file found by itself may not set --------------------------------------------

REFUSED = [
    ('scheduler = "tcp://127.0.0.1:9"\n', "scheduler"),
    ('[convert]\nout = "../elsewhere/settings.json"\n', "convert.out"),
    ('template_dir = "../tpl"\n', "template_dir"),
    ('logo = "../logo.png"\n', "logo"),
    ("folder_images = true\n", "folder_images"),
    ("max_bytes = 0\n", "max_bytes"),
    ("page_timeout = 0\n", "page_timeout"),
    ("page_memory = 0\n", "page_memory"),
    ("max_pages = 0\n", "max_pages"),
    ("[tool.docpipe]\nmax_bytes = 0\n", "max_bytes"),  # pyproject.toml
]


@pytest.mark.parametrize(("text", "key"), REFUSED, ids=[k for _, k in REFUSED[:-1]] + ["pyproject"])
def test_a_found_config_may_not_reach_out_or_lower_a_limit(received, text, key, runner,
                                                           monkeypatch):
    (received.parent / "tpl").mkdir()
    (received.parent / "tpl" / "briefing.css").write_text("body{}", encoding="utf-8")
    (received.parent / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 40)
    name = "pyproject.toml" if text.startswith("[tool") else "docpipe.toml"
    (received / name).write_text(text, encoding="utf-8")
    monkeypatch.chdir(received)
    res = invoke(runner, "convert", "page.txt", "-o", "out", "-f", "md")
    line = one_error_line(res.stderr)
    assert res.exit_code == 2, res.stderr
    assert f"{name}: key {key!r}" in line and "--config FILE" in line, line
    assert not (received.parent / "elsewhere").exists()
    assert not (received / "out").exists()


def test_harmless_values_and_presentation_pass_from_a_found_config(received):
    (received / "tpl").mkdir()
    (received / "tpl" / "labels.toml").write_bytes(
        (Path(__file__).resolve().parent.parent / "templates" / "labels.toml").read_bytes()
        .replace("编者按".encode(), "编辑部的话".encode()))
    (received / "docpipe.toml").write_text(
        'to = "tw"\ntemplate_dir = "tpl"\nmax_bytes = 1000000\nfolder_images = false\n',
        encoding="utf-8")
    res = run("convert", "page.txt", "-o", "out", "-f", "html", cwd=received)
    assert res.returncode == 0, res.stderr
    assert "編輯部的話" in (received / "out" / "page.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("where", ["--config", "DOCPIPE_CONFIG", "user folder"])
def test_the_refused_keys_are_honoured_from_files_the_user_names_or_owns(received, where):
    home = received.parent / "xdg"
    text = "max_bytes = 100\n"  # lower than the page: honoured means refused as too big
    env = {"XDG_CONFIG_HOME": str(home)}
    args: list[str] = []
    if where == "user folder":
        (home / "docpipe").mkdir(parents=True)
        (home / "docpipe" / "docpipe.toml").write_text(text, encoding="utf-8")
    else:
        (received.parent / "mine.toml").write_text(text, encoding="utf-8")
        if where == "--config":
            args = ["--config", str(received.parent / "mine.toml")]
        else:
            env["DOCPIPE_CONFIG"] = str(received.parent / "mine.toml")
    res = run("convert", "page.txt", "-o", "out", "-f", "md", *args, cwd=received, env=env)
    assert res.returncode == 1 and "over the limit of 100 bytes" in res.stderr, res.stderr


def test_the_found_file_beats_the_users_and_both_are_named(received):
    home = received.parent / "xdg"
    (home / "docpipe").mkdir(parents=True)
    (home / "docpipe" / "docpipe.toml").write_text('to = "hk"\nsummary_sentences = 1\n',
                                                   encoding="utf-8")
    (received / "docpipe.toml").write_text('to = "tw"\n', encoding="utf-8")
    env = {"XDG_CONFIG_HOME": str(home)}
    res = run("config", cwd=received, env=env)
    convert = res.stdout.split("[convert]")[1].split("[extract]")[0]
    assert '\nto = "tw"' in convert and "summary_sentences = 1" in convert, res.stdout
    assert str(home / "docpipe" / "docpipe.toml") in convert


def test_docpipe_says_which_config_file_it_read(received):
    (received / "docpipe.toml").write_text('to = "tw"\n', encoding="utf-8")
    res = run("convert", "page.txt", "-o", "out", "-f", "md", cwd=received)
    assert res.returncode == 0, res.stderr
    assert res.stderr.splitlines() == ["docpipe: config: docpipe.toml (working folder)"]
    quiet = run("convert", "page.txt", "-o", "out", "-f", "md", "-q", cwd=received)
    assert quiet.returncode == 0 and quiet.stderr == ""
    none = run("convert", str(REFERENCE), "-o", "out2", "-f", "md", cwd=received.parent)
    assert none.stderr == ""


def test_the_refused_keys_are_one_table():
    """One column of the options table says what a found file may not set: every refusal
    is of a real config key, and the limits and paths are among them."""
    from typer.main import get_command

    from docpipe import options
    from docpipe.cli import app
    from docpipe.config import commands_of, options_of

    names = {n for c in commands_of(get_command(app)).values() for n in options_of(c)}
    refused = {o.name for o in options.OPTIONS if o.refused}
    assert refused <= names
    assert {"scheduler", "out", "template_dir", "folder_images", "max_bytes", "page_timeout",
            "page_memory", "max_pages", "logo"} <= refused
    for name in refused:  # rows of one option (out of convert and of pack) agree
        assert len({o.refused for o in options.OPTIONS if o.name == name}) == 1, name
