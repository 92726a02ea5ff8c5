"""Issue 23: every option declared once (options.py), every script variant one row
(variants.py); the command line, the API, the config keys and docs/cli.md made from them."""

from __future__ import annotations

import importlib.util
import inspect
import json
import subprocess
import sys
import tomllib

import pytest

from conftest import REFERENCE, ROOT, invoke


def _command(name: str):
    """The click command the app makes of `name` ("templates export" too)."""
    from typer.main import get_command

    from docpipe.cli import app

    cmd = get_command(app)
    for part in name.split():
        cmd = cmd.commands[part]
    return cmd


# --- the command line is made from the table ----------------------------------------------


@pytest.mark.parametrize("command", ["convert", "extract", "pack", "check", "doctor", "config",
                                     "templates export"])
def test_each_command_has_the_tables_options_in_its_order(command):
    from docpipe import options

    cmd = _command(command)
    params = [p for p in cmd.params if p.param_type_name == "option"]
    rows = options.of(command)
    ctx = cmd.make_context(command, [], resilient_parsing=True)
    assert [p.name for p in params] == [o.param for o in rows]
    for p, o in zip(params, rows, strict=True):
        assert tuple(p.opts + p.secondary_opts) == tuple(
            f for flag in o.flags for f in flag.split("/")), o.name
        assert p.help == o.help and p.metavar == o.metavar, o.name
        default = p.default.value if hasattr(p.default, "value") else p.default
        assert default == (None if o.default is options.REQUIRED else o.default), o.name
        assert p.required == (o.default is options.REQUIRED), o.name
        if o.choices:
            assert [c.value for c in p.shell_complete(ctx, "")] == list(o.choices), o.name


def test_the_tables_commands_are_the_apps():
    from docpipe import options

    named = {c for o in options.OPTIONS for c in o.commands} - {"docpipe"}
    assert named == set(options.COMMANDS)
    top = _command("")
    assert set(options.COMMANDS) == {n for n in top.commands if n != "templates"} | {
        "templates export"}
    assert [p.name for p in top.params if p.name != "install_completion"
            and p.name != "show_completion"] == [o.param for o in options.of("docpipe")]


# --- the API takes what its command takes -------------------------------------------------

#: The API's own keywords, which have no option: where output goes, how it is reported.
API_ONLY = {"stdout", "debug", "progress", "stages"}


@pytest.mark.parametrize("command", ["convert", "extract", "pack", "check"])
def test_the_api_takes_every_option_of_its_command_with_its_default(command):
    """Built from the table: the command's options minus the command line's own are the
    function's keywords, with the same defaults; and the function has no other."""
    import docpipe
    from docpipe import options

    cli = {("kind" if p.name == "from_" else p.name): p for p in _command(command).params
           if p.param_type_name == "option"}
    wanted = {o.kw: o for o in options.of(command) if not o.cli_only}
    assert set(wanted) == set(cli) - {o.param for o in options.of(command) if o.cli_only}
    params = inspect.signature(getattr(docpipe, command)).parameters
    taken = {n for n, p in params.items() if p.kind is not p.VAR_POSITIONAL} - API_ONLY
    taken -= {"inputs", "source", "folder"}
    assert taken == set(wanted)
    for name, o in wanted.items():
        expected = inspect.Parameter.empty if o.default is options.REQUIRED else o.default
        assert params[name].default == expected, name


def test_iter_convert_is_exported_with_converts_keywords():
    import docpipe

    assert "iter_convert" in docpipe.__all__
    assert inspect.signature(docpipe.iter_convert).parameters \
        == inspect.signature(docpipe.convert).parameters


def test_an_unknown_keyword_is_a_type_error_naming_the_function(tmp_path):
    import docpipe

    for call in (lambda: docpipe.convert([str(REFERENCE)], tmp_path, explain=True),
                 lambda: docpipe.extract(str(REFERENCE), quiet=True),
                 lambda: docpipe.pack([str(REFERENCE)], tmp_path, from_="txt")):
        with pytest.raises(TypeError, match=r"^\w+\(\) got an unexpected keyword"):
            call()
    assert not any(tmp_path.iterdir())


@pytest.mark.parametrize("keyword, value, message", [
    ("summary_sentences", 11, "summary_sentences: 11 is not a whole number from 1 to 10"),
    ("summary_sentences", True, "summary_sentences: True is not a whole number from 1 to 10"),
    ("max_bytes", -1, "max_bytes: -1 is not a whole number >= 0"),
    ("max_pages", 1.5, "max_pages: 1.5 is not a whole number >= 0"),
    ("kind", "pdf", "kind: 'pdf' is not one of txt, html, mhtml"),
    ("punct", "none", "punct: 'none' is not one of auto, keep"),
])
def test_the_api_checks_the_tables_choices_and_bounds(keyword, value, message):
    import docpipe
    from docpipe.api import settings

    with pytest.raises(docpipe.UsageError) as err:
        settings(**{keyword: value})
    assert str(err.value) == message


def test_a_choice_is_taken_in_any_case():
    import docpipe

    art = docpipe.extract(str(REFERENCE), kind="TXT", punct=" Keep ", to="ZH_tw")
    assert art.variant == "tw"
    assert not any(line.startswith("punctuation:") for line in art.log)


# --- config keys and what a found file may set ---------------------------------------------


def test_config_keys_are_the_tables():
    from docpipe import options
    from docpipe.config import commands_of, options_of

    keys = {n for c in commands_of(_command("")).values() for n in options_of(c)}
    top = set(options.COMMANDS) - {"templates export"}
    assert keys == {o.name for o in options.OPTIONS if o.in_file and set(o.commands) & top}
    assert "config" not in keys and "from" in keys and "kind" not in keys


def test_a_refusal_of_the_table_is_said_for_a_found_file(tmp_path):
    """Each refusal row, set from a found file to a value its rule refuses, is refused."""
    from docpipe import options

    outside = str(tmp_path.parent)
    value = {"always": lambda o: "tcp://127.0.0.1:1" if o.name == "scheduler" else "x",
             "outside": lambda o: [outside] if o.name == "rules" else outside,
             "on": lambda o: True, "lower": lambda o: 0}
    for o in {o.name: o for o in options.OPTIONS if o.refused}.values():
        (tmp_path / "docpipe.toml").write_text(f"{o.name} = {json.dumps(value[o.refused[0]](o))}\n",
                                               encoding="utf-8")
        res = subprocess.run([sys.executable, "-m", "docpipe.cli", "config"], cwd=tmp_path,
                             capture_output=True, text=True)
        assert res.returncode == 2, (o.name, res.stdout)
        assert f"key '{o.name}' {o.refused[1]}: a config file found in the working folder" \
            in res.stderr, res.stderr


# --- one table per fact ---------------------------------------------------------------------


def test_every_variant_has_its_region_labels_and_a_working_opencc_config():
    from docpipe.transforms.chinese import converter
    from docpipe.variants import ALL, REGIONS, TAGS, variant_for

    words = tomllib.loads((ROOT / "templates" / "labels.toml").read_text(encoding="utf-8"))
    for v in ALL.values():
        assert v.region in REGIONS and f"variant_{v.name}" in words
        assert converter(v.opencc).convert("编者按" if v.name != "hans" else "編者按")
        assert all(variant_for(t) == v.name for t in v.tags)
    assert len(TAGS) == sum(len(v.tags) for v in ALL.values())  # no tag names two variants


def test_every_format_has_its_writer_and_every_sort_its_key():
    from docpipe import options
    from docpipe.packplan import sort_key
    from docpipe.writers import WRITERS

    assert list(WRITERS) == list(options.FORMATS)
    for fmt, (module, suffix) in WRITERS.items():
        assert importlib.util.find_spec(f"docpipe.writers.{module}"), fmt
        assert suffix == options.FORMATS[fmt]
    for order in options.SORTS:
        assert callable(sort_key(order))


def test_the_help_names_the_tables_values():
    from docpipe import options
    from docpipe.variants import VARIANTS

    text = {o.name: o.help for o in options.of("convert")}
    assert all(v in text["to"] for v in VARIANTS)
    assert all(k in text["from"] for k in options.KINDS)
    assert all(m in text["punct"] for m in options.MODES)
    assert all(p in text["pdf_variant"] for p in options.PDF_VARIANTS)
    assert ",".join(options.FORMATS) in text["formats"]


def test_exported_config_names_the_variants(tmp_path, runner):
    from docpipe.variants import VARIANTS

    res = invoke(runner, "templates", "export", str(tmp_path / "tpl"))
    assert res.exit_code == 0, res.stderr
    text = (tmp_path / "tpl" / "docpipe.toml").read_text(encoding="utf-8")
    assert f"# {', '.join(VARIANTS)} (default: keep the page's script)" in text


# --- the command line stays light -----------------------------------------------------------


def test_building_every_command_imports_no_heavy_library():
    code = ("import sys; from typer.main import get_command; from docpipe.cli import app; "
            "get_command(app); print(sorted(m for m in ('weasyprint', 'docx', 'opencc', "
            "'jieba', 'docpipe.pipeline', 'docpipe.readers', 'docpipe.writers') "
            "if m in sys.modules))")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert res.stdout.strip() == "[]"
