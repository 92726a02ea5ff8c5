"""docpipe fits its users' habits (issue 11): pandoc-style output paths, friendly options,
a config file, templates a user owns, shell completion, a Python API, a CLI reference.
Every test runs the real CLI (in-process or as the installed command) or the real API,
and reads what was written back."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from docx import Document
from pypdf import PdfReader

from conftest import REFERENCE, ROOT, invoke

DOCPIPE = Path(sys.executable).with_name("docpipe")
ENV = {**os.environ, "COLUMNS": "100", "NO_COLOR": "1"}


def run(*args: str, cwd: Path | None = None, env: dict | None = None, stdin=None,
        stdout=subprocess.PIPE) -> subprocess.CompletedProcess:
    return subprocess.run([str(DOCPIPE), *args], cwd=cwd, env=env or ENV, stdin=stdin,
                          stdout=stdout, stderr=subprocess.PIPE, timeout=300)


def pdf_text(path: Path) -> str:
    return "".join(page.extract_text() for page in PdfReader(path).pages)


# --- 1. output paths ------------------------------------------------------------------


def test_o_file_writes_exactly_that_file(runner, tmp_path):
    target = tmp_path / "sub" / "Brief.PDF"
    res = invoke(runner, "convert", str(REFERENCE), "-o", str(target), "--to", "tw")
    assert res.exit_code == 0, res.stderr
    assert res.stdout.splitlines() == [str(target)]
    assert sorted(p.name for p in target.parent.iterdir()) == ["Brief.PDF"]
    assert "志願" in pdf_text(target)
    res = invoke(runner, "convert", str(REFERENCE), "-o", str(tmp_path / "b.docx"))
    assert res.exit_code == 0
    assert "小而美" in "".join(p.text for p in Document(tmp_path / "b.docx").paragraphs)


def test_o_dir_keeps_the_folder_behaviour(runner, tmp_path):
    existing = tmp_path / "looks.pdf"
    existing.mkdir()  # an existing folder stays a folder, whatever its name
    res = invoke(runner, "convert", str(REFERENCE), "-o", str(existing), "-f", "md,json")
    assert res.exit_code == 0
    assert res.stdout.splitlines() == [str(existing / f"{REFERENCE.stem}.md"),
                                       str(existing / f"{REFERENCE.stem}.json")]
    fresh = tmp_path / "briefs"
    assert invoke(runner, "convert", str(REFERENCE), "-o", str(fresh)).exit_code == 0
    assert sorted(p.suffix for p in fresh.iterdir()) == [".docx", ".pdf"]


def test_o_file_with_several_inputs_is_a_usage_error(runner, tmp_path):
    other = tmp_path / "other.txt"
    other.write_bytes(REFERENCE.read_bytes())
    res = invoke(runner, "convert", str(REFERENCE), str(other), "-o", str(tmp_path / "b.pdf"))
    assert res.exit_code == 2
    assert res.stderr.strip() == (f"docpipe: error: -o {tmp_path / 'b.pdf'} names one file, "
                                  "but 2 inputs were given")
    assert not (tmp_path / "b.pdf").exists()
    res = invoke(runner, "convert", str(REFERENCE), "-o", str(tmp_path / "b.pdf"), "-f", "md")
    assert res.exit_code == 2 and "is a pdf file" in res.stderr


def test_o_dash_writes_text_to_stdout(tmp_path):
    proc = run("convert", "-", "-o", "-", "-f", "json", stdin=REFERENCE.open("rb"))
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["views"] == 192
    assert not Path("-").exists()
    proc = run("convert", str(REFERENCE), "-o", "-", "-f", "md")
    assert proc.stdout.decode().startswith("---\n")  # YAML front matter, then the title
    assert "\n# 小而美" in proc.stdout.decode()
    proc = run("convert", str(REFERENCE), "-o", "-")  # two formats cannot share stdout
    assert proc.returncode == 2 and b"one format" in proc.stderr


def test_o_dash_pdf_into_a_file_and_refused_on_a_terminal(tmp_path):
    target = tmp_path / "piped.pdf"
    with target.open("wb") as f:
        proc = run("convert", str(REFERENCE), "-o", "-", "-f", "pdf", stdout=f)
    assert proc.returncode == 0, proc.stderr
    assert "小而美" in pdf_text(target)
    import pty

    leader, follower = pty.openpty()  # stdout on a terminal
    try:
        proc = run("convert", str(REFERENCE), "-o", "-", "-f", "pdf", stdout=follower)
    finally:
        os.close(follower)
        os.close(leader)
    assert proc.returncode == 2
    assert proc.stderr.decode().startswith("docpipe: error: will not write pdf to a terminal")


def test_name_names_a_single_input_stdin_included(runner, tmp_path):
    res = invoke(runner, "convert", "-", "-o", str(tmp_path), "-f", "md", "--name", "weekly",
                 input=REFERENCE.read_bytes())
    assert res.exit_code == 0
    assert res.stdout.splitlines() == [str(tmp_path / "weekly.md")]
    assert "\n---\n\n# 小而美" in (tmp_path / "weekly.md").read_text(encoding="utf-8")
    res = invoke(runner, "convert", str(REFERENCE), str(SAMPLE_HTML), "-o", str(tmp_path),
                 "--name", "x")
    assert res.exit_code == 2 and "--name names one page's outputs" in res.stderr


SAMPLE_HTML = next(p for p in sorted((ROOT / "samples").iterdir()) if p.suffix == ".html")


# --- 2. friendlier options --------------------------------------------------------------


def test_to_is_case_insensitive_and_f_all(runner, tmp_path):
    res = invoke(runner, "convert", str(REFERENCE), "-o", str(tmp_path), "--to", "TW",
                 "-f", "all", "-q")
    assert res.exit_code == 0 and res.stdout == ""
    assert sorted(p.suffix for p in tmp_path.iterdir()) == [".docx", ".html", ".json", ".md",
                                                            ".pdf"]
    doc = json.loads((tmp_path / f"{REFERENCE.stem}.json").read_text(encoding="utf-8"))
    assert doc["variant"] == "tw"


def test_bad_value_is_one_line():
    proc = run("convert", str(REFERENCE), "--to", "xx")
    assert proc.returncode == 2
    assert proc.stderr.decode() == \
        "docpipe: error: --to: 'xx' is not one of hans, hant, tw, twp, hk\n"
    proc = run("pack", "x", "-o", "y", "--sort", "size")
    assert proc.returncode == 2
    assert proc.stderr.decode() == \
        "docpipe: error: --sort: 'size' is not one of date, title, input\n"
    proc = run("convert")
    assert proc.returncode == 2 and proc.stderr.decode() == \
        "docpipe: error: missing argument INPUT...\n"
    proc = run("convert", "x", "-f")
    assert proc.returncode == 2 and proc.stderr.decode() == \
        "docpipe: error: option '-f' requires an argument (see docpipe convert --help)\n"
    proc = run()  # docpipe alone: its help, on stderr
    assert proc.returncode == 2 and proc.stderr.decode().startswith("Usage: docpipe ")


def test_help_reads_like_a_person_wrote_it():
    for cmd in ("convert", "extract", "pack", "config"):
        proc = run(cmd, "--help")
        text = proc.stdout.decode()
        assert proc.returncode == 0
        assert "<list" not in text and "<path>" not in text and "<bool>" not in text
        assert "Example" in text
    text = run("convert", "--help").stdout.decode()
    for metavar in ("-f, --formats FORMATS", "--to VARIANT", "--template-dir DIR",
                    "--rules DIR", "-o, --out DIR|FILE|-", "--config FILE"):
        assert metavar in text


def test_verbose_shows_each_stage_and_quiet_silences(runner, tmp_path):
    res = invoke(runner, "convert", str(REFERENCE), "-o", str(tmp_path), "-f", "md,html", "-v")
    assert res.exit_code == 0
    line = res.stderr.strip()
    for stage in ("read", "parse", "transform", "md", "html", "total"):
        assert f"{stage} " in line
    assert line.startswith(str(REFERENCE))
    res = invoke(runner, "extract", str(REFERENCE), "-v")
    assert "transform" in res.stderr and json.loads(res.stdout)["views"] == 192
    res = invoke(runner, "extract", str(REFERENCE), "-v", "-q", "--explain")
    assert res.stderr == ""
    for args in (["templates", "export", str(tmp_path / "t"), "-q"], ["doctor", "-q"]):
        res = invoke(runner, *args)
        assert res.stdout == "", args


# --- 3. config file --------------------------------------------------------------------


def test_docpipe_toml_in_the_working_folder(tmp_path):
    (tmp_path / "docpipe.toml").write_text(
        'to = "tw"\nformats = "md,json"\nsummary-sentences = 1\n', encoding="utf-8")
    proc = run("convert", str(REFERENCE), "-o", "out", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads((tmp_path / "out" / f"{REFERENCE.stem}.json").read_text("utf-8"))
    assert doc["variant"] == "tw" and sorted(p.suffix for p in (tmp_path / "out").iterdir()) \
        == [".json", ".md"]
    # a flag on the command line beats the file
    proc = run("convert", str(REFERENCE), "-o", "out2", "--to", "hk", "-f", "json",
               cwd=tmp_path)
    assert json.loads((tmp_path / "out2" / f"{REFERENCE.stem}.json").read_text("utf-8")
                      )["variant"] == "hk"
    # so does -o FILE: its suffix, not the file's formats, says the format
    proc = run("convert", str(REFERENCE), "-o", "one.docx", cwd=tmp_path)
    assert proc.returncode == 0 and proc.stdout.decode() == "one.docx\n", proc.stderr
    assert "志願" in "".join(p.text for p in Document(tmp_path / "one.docx").paragraphs)


def test_pyproject_tool_table_config_option_and_env(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.docpipe]\nto = "hant"\n\n[tool.docpipe.extract]\n'
        'summary_sentences = 1\n', encoding="utf-8")
    out = json.loads(run("extract", str(REFERENCE), cwd=tmp_path).stdout)
    assert out["variant"] == "hant"
    other = tmp_path / "elsewhere.toml"
    other.write_text('to = "hk"\n', encoding="utf-8")
    out = json.loads(run("extract", str(REFERENCE), "--config", str(other), cwd=tmp_path).stdout)
    assert out["variant"] == "hk"
    env = {**ENV, "DOCPIPE_CONFIG": str(other)}
    out = json.loads(run("extract", str(REFERENCE), cwd=tmp_path, env=env).stdout)
    assert out["variant"] == "hk"


@pytest.mark.parametrize(("text", "message"), [
    ('colour = "red"\n', "docpipe.toml: unknown key 'colour'"),
    ("to = 5\n", "docpipe.toml: key 'to' must be a string, not 5"),
    ('summary_sentences = "two"\n', "docpipe.toml: key 'summary_sentences' must be a whole"),
    ('to = "xx"\n', "docpipe.toml: key 'to': 'xx' is not one of hans, hant, tw, twp, hk"),
    ("[pack]\nformats = \"md\"\n", "docpipe.toml: unknown key 'formats' in [pack]"),
    ("to = \n", "docpipe.toml: not valid TOML"),
])
def test_bad_config_is_one_line_exit_2(tmp_path, text, message):
    (tmp_path / "docpipe.toml").write_text(text, encoding="utf-8")
    proc = run("convert", str(REFERENCE), "-o", "out", cwd=tmp_path)
    err = proc.stderr.decode()
    assert proc.returncode == 2 and err.startswith(f"docpipe: error: {message}"), err
    assert len(err.splitlines()) == 1 and not (tmp_path / "out").exists()


def test_options_added_later_are_config_keys_without_code(tmp_path):
    """The loader reads keys from the commands' parameters: every option of every command
    (the one-letter ones by their long name) is accepted, with its type."""
    from typer.main import get_command

    from docpipe.cli import app
    from docpipe.config import commands_of, options_of

    names = {n for c in commands_of(get_command(app)).values() for n in options_of(c)}
    assert {"to", "formats", "summary_sentences", "template_dir", "rules", "jobs", "title",
            "sort", "pages", "max_bytes"} <= names
    (tmp_path / "docpipe.toml").write_text("[pack]\npages = false\njobs = 1\n",
                                           encoding="utf-8")
    proc = run("pack", str(REFERENCE), "-o", "p", "--name", "one", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in (tmp_path / "p").iterdir() if not p.name.startswith(".")) \
        == ["one.docx", "one.json", "one.pdf"]  # no page briefings: pages = false applied


def test_config_command_shows_values_and_origins(tmp_path):
    (tmp_path / "docpipe.toml").write_text('to = "tw"\n[pack]\ntitle = "周报"\n',
                                           encoding="utf-8")
    proc = run("config", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    text = proc.stdout.decode()
    assert text.startswith("# config file: docpipe.toml (from working folder)")
    convert = text.split("[convert]")[1].split("[extract]")[0]
    assert '\nto = "tw"' in convert and "# docpipe.toml" in convert
    assert "summary_sentences = 2" in convert and "# default" in convert
    assert 'title = "周报"' in text.split("[pack]")[1]
    import tomllib

    parsed = tomllib.loads(text)  # the report is valid TOML
    assert parsed["convert"]["to"] == "tw" and parsed["pack"]["title"] == "周报"


# --- 4. templates a user owns -----------------------------------------------------------


def test_templates_export_then_edit_then_use(tmp_path):
    proc = run("templates", "export", "mytpl", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    written = proc.stdout.decode().splitlines()
    for name in ("briefing.html.j2", "article.html.j2", "pack.html.j2", "briefing.css",
                 "pack.css", "labels.toml", "docpipe.toml"):
        assert f"mytpl/{name}" in written
        assert (tmp_path / "mytpl" / name).is_file()
    conf = (tmp_path / "mytpl" / "docpipe.toml").read_text(encoding="utf-8")
    assert 'template_dir = "mytpl"' in conf and conf.startswith("#")
    labels = tmp_path / "mytpl" / "labels.toml"
    labels.write_text(labels.read_text(encoding="utf-8").replace(
        'editor_note = "编者按"', 'editor_note = "编辑部的话"'), encoding="utf-8")
    proc = run("convert", str(REFERENCE), "-o", "o.html", "--config", "mytpl/docpipe.toml",
               cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "编辑部的话" in (tmp_path / "o.html").read_text(encoding="utf-8")
    again = run("templates", "export", "mytpl", cwd=tmp_path)
    assert again.returncode == 2 and b"--force" in again.stderr


@pytest.mark.parametrize(("source", "where"), [
    ("<p>\n{% if a.title %}\n<b>{{ a.title }}</b>\n", "briefing.html.j2:3"),  # no endif
    ("<p>\n\n{{ a.title | nosuchfilter }}</p>\n", "briefing.html.j2:3"),
    ('{% extends "article.html.j2" %}\n{% block nosuch %}x{% endblock %}\n',
     "briefing.html.j2:2"),
])
def test_broken_template_is_one_line_naming_file_and_line(tmp_path, source, where):
    tpl = tmp_path / "tpl"
    tpl.mkdir()
    (tpl / "briefing.html.j2").write_text(source, encoding="utf-8")
    proc = run("convert", str(REFERENCE), "-o", str(tmp_path / "out"), "-f", "html",
               "--template-dir", str(tpl))
    err = proc.stderr.decode()
    assert proc.returncode == 2 and len(err.splitlines()) == 1, err
    assert err.startswith(f"docpipe: error: {tpl}/{where}: template error"), err
    assert not (tmp_path / "out").exists()


def test_undefined_in_template_names_file_and_line(tmp_path):
    tpl = tmp_path / "tpl"
    tpl.mkdir()
    (tpl / "article.html.j2").write_text("<h1>{{ a.title }}</h1>\n<p>{{ a.titel }}</p>\n",
                                         encoding="utf-8")
    proc = run("convert", str(REFERENCE), "-o", str(tmp_path / "o.html"),
               "--template-dir", str(tpl))
    err = proc.stderr.decode()
    assert proc.returncode == 1 and len(err.splitlines()) == 1
    assert f"{tpl}/article.html.j2:2: template error:" in err and "titel" in err


# --- 5. completion ----------------------------------------------------------------------


def test_install_completion_in_bash_then_complete(tmp_path):
    """Typer's own --install-completion, run from bash (the shell it detects), into a fresh
    HOME; the installed script, sourced in a real bash, completes docpipe's options.
    bash stays docpipe's parent (`; exit`: not replaced by docpipe), so the shell found
    is bash whatever shell started the tests (`sh` under cron, CI or Docker's RUN)."""
    env = {**ENV, "HOME": str(tmp_path), "PATH": f"{DOCPIPE.parent}:{os.environ['PATH']}"}
    proc = subprocess.run(["bash", "-c", f"'{DOCPIPE}' --install-completion; exit $?"],
                          env=env, capture_output=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    script = tmp_path / ".bash_completions" / "docpipe.sh"
    assert script.is_file() and str(script) in (tmp_path / ".bashrc").read_text()
    line = ("source ~/.bash_completions/docpipe.sh; COMP_WORDS=(docpipe convert --t); "
            'COMP_CWORD=2; _docpipe_completion docpipe; echo "${COMPREPLY[@]}"')
    proc = subprocess.run(["bash", "-c", line], env=env, capture_output=True, timeout=60)
    assert proc.stdout.decode().split() == ["--to", "--template-dir"]
    line = line.replace("(docpipe convert --t)", "(docpipe con)").replace("=2", "=1")
    proc = subprocess.run(["bash", "-c", line], env=env, capture_output=True, timeout=60)
    assert sorted(proc.stdout.decode().split()) == ["config", "convert"]


def test_the_completion_test_passes_when_sh_starts_the_tests(tmp_path):
    """`env -i PATH=/usr/bin:/bin sh -c 'make test'`: the test above, started from sh with
    a minimal environment, as cron, many CI systems and Docker's RUN start it."""
    proc = subprocess.run(
        ["env", "-i", "PATH=/usr/bin:/bin", "sh", "-c",
         f"'{sys.executable}' -m pytest -q -p no:cacheprovider -p no:xdist "
         f"'{Path(__file__)}::test_install_completion_in_bash_then_complete'"],
        cwd=ROOT, capture_output=True, timeout=120)
    assert proc.returncode == 0, proc.stdout.decode()[-2000:]


@pytest.mark.parametrize(("shell", "marker"), [("bash", "complete -o default -F"),
                                               ("zsh", "#compdef docpipe"),
                                               ("fish", "complete --command docpipe")])
def test_show_completion_each_shell(shell, marker):
    env = {**ENV, "_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION": "1"}  # name the shell
    proc = run("--show-completion", shell, env=env)
    assert proc.returncode == 0, proc.stderr
    assert marker in proc.stdout.decode() and "_DOCPIPE_COMPLETE" in proc.stdout.decode()


# --- 6. Python API ----------------------------------------------------------------------


def test_api_extract_from_path_text_and_bytes():
    import docpipe

    from_path = docpipe.extract(REFERENCE, to="TW")
    assert isinstance(from_path, docpipe.Article) and from_path.variant == "tw"
    assert from_path.to_dict()["views"] == 192
    text = REFERENCE.read_text(encoding="utf-8")
    assert docpipe.extract(text).title == docpipe.extract(str(REFERENCE)).title
    assert docpipe.extract(text.encode("gb18030")).title == docpipe.extract(text).title
    html = "<html><body><article><h1>标题</h1><p>这是第一句正文内容，足够长。这是第二句。</p>" \
           "</article></body></html>"
    assert "这是第一句" in "".join(docpipe.extract(html, kind="html").body_text)


def test_api_validation_raises_usage_error(tmp_path):
    import docpipe

    with pytest.raises(docpipe.UsageError, match="to: 'xx' is not one of hans"):
        docpipe.extract(REFERENCE, to="xx")
    with pytest.raises(docpipe.UsageError, match="unknown format odt"):
        docpipe.convert([REFERENCE], tmp_path, formats="pdf,odt")
    with pytest.raises(docpipe.UsageError, match="sort: 'size'"):
        docpipe.pack([REFERENCE], tmp_path, sort="size")
    with pytest.raises(docpipe.UsageError, match="kind"):
        docpipe.extract("text", kind="pdf")
    with pytest.raises(docpipe.InputError, match="missing.txt: no such file"):
        docpipe.extract("missing.txt")  # a page's name, not a page's text
    with pytest.raises(docpipe.UsageError, match="not a folder"):
        docpipe.extract(ROOT / "samples")
    assert list(tmp_path.iterdir()) == []


def test_api_convert_and_pack(tmp_path):
    import docpipe

    results = docpipe.convert([REFERENCE, tmp_path / "missing.txt"], tmp_path / "o",
                              formats=["md", "json"], to="hk")
    assert [r.ok for r in results] == [True, False]
    assert results[0].outputs == [tmp_path / "o" / f"{REFERENCE.stem}.md",
                                  tmp_path / "o" / f"{REFERENCE.stem}.json"]
    assert "no such file" in results[1].error
    assert json.loads(results[0].outputs[1].read_text("utf-8"))["variant"] == "hk"
    one = docpipe.convert(REFERENCE, tmp_path / "b.html")
    assert one[0].outputs == [tmp_path / "b.html"] and (tmp_path / "b.html").is_file()
    report = docpipe.pack([REFERENCE, SAMPLE_HTML], tmp_path / "p", name="two", pages=False,
                          jobs=1)
    assert isinstance(report, docpipe.PackReport) and report.ok
    assert len(PdfReader(tmp_path / "p" / "two.pdf").outline) == 2


def test_api_is_declared():
    import docpipe

    assert set(docpipe.__all__) >= {"extract", "convert", "pack", "Article", "Result",
                                     "PackReport", "UsageError"}
    for name in docpipe.__all__:
        assert getattr(docpipe, name) is not None
    assert (ROOT / "src" / "docpipe" / "py.typed").is_file()
    from docpipe.packbuild import build_pack  # the module has a name of its own

    assert callable(build_pack) and callable(docpipe.pack)
    import docpipe.packbuild  # noqa: F401  (importing it leaves docpipe.pack the function)

    assert docpipe.pack.__module__ == "docpipe.api"
    cli = (ROOT / "src" / "docpipe" / "cli.py").read_text(encoding="utf-8")
    assert "convert_one" not in cli and "expand_inputs" not in cli  # the loop is the API's


def test_readme_from_python_examples_run(tmp_path, monkeypatch):
    """Every ```python block of README's "From Python" section runs as written."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## From Python", 1)[1].split("\n## ", 1)[0]
    blocks = [b.split("```", 1)[0] for b in section.split("```python\n")[1:]]
    assert blocks
    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "page.txt").write_bytes(REFERENCE.read_bytes())
    (pages / "page2.html").write_bytes(SAMPLE_HTML.read_bytes())
    monkeypatch.chdir(tmp_path)
    for block in blocks:
        exec(compile(block, "README.md", "exec"), {})
    assert (tmp_path / "out").is_dir()


# --- 7. CLI reference -------------------------------------------------------------------


def test_cli_reference_is_current():
    from docpipe.clidoc import render

    committed = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    assert committed == render(), "docs/cli.md is stale: run `make docs`"
