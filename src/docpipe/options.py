"""Every option of docpipe, declared once. The command line (cli.py), the Python API's
signatures and checks (api.py), the config files' keys (config.py) and docs/cli.md
(clidoc.py) are all made from the table `OPTIONS`.

A row is one option as one or more commands take it: its flags, the type the command
line reads, default, choices, bounds, help and metavar; its keyword in the API (`--from`
is `kind`); whether it is the command line's own (how a command prints: the API returns
values instead); whether it is part of a page's `Settings`; and what a config file may
do with it. Where two commands give the same flag a different meaning or default
(`--jobs` of convert and of pack), each has its own row. A command's help lists its
options in the order of this table.

The values options take (formats, input kinds, punctuation modes, sort orders, PDF
variants; the script variants in variants.py) and the limits' defaults are here too:
the modules that implement them read them from here. Plain data that imports only the
variants table, no Typer: `docpipe --help` and `import docpipe` stay light, and any
layer may read it.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, get_args, get_origin

from .variants import ALL as VARIANT_ROWS

if TYPE_CHECKING:
    from collections.abc import Callable

REQUIRED: Any = ...  # the default of an option that must be given

#: Output formats, in the order the help lists them -> file suffix (writers.WRITERS adds
#: each one's writer module).
FORMATS = {"pdf": ".pdf", "docx": ".docx", "html": ".html", "md": ".md", "json": ".json"}
DEFAULT_FORMATS = ("pdf", "docx")
#: Input kinds (--from); readers/sniff.py tells a file's own by its suffix or bytes.
KINDS = ("txt", "html", "mhtml")
#: --punct's modes, with what each does (transforms/punctuation.py is `auto`).
MODES = {
    "auto": "regional punctuation (「」 for hant/tw/twp/hk, full-width ，：；？！（） between "
            "Chinese characters)",
    "keep": "leave the text as it was",
}
#: The orders of a pack's articles (--sort), with the help's words for each;
#: packplan.sort_key implements each.
SORTS = {"date": "date (then title)", "title": "title", "input": "input order"}
#: PDF variants for archives and accessibility (--pdf-variant), as WeasyPrint names them.
PDF_VARIANTS = ("pdf/a-2b", "pdf/a-3b", "pdf/ua-1")

# Limits (0: none): the largest input read (bytes), the longest PDF (pages), and what one
# page may take in a worker (seconds, MB of the worker's RSS); seconds a Dask scheduler
# has to answer.
MAX_BYTES = 20_000_000
MAX_PAGES = 500
PAGE_TIMEOUT = 120.0
PAGE_MEMORY = 2048
SCHEDULER_TIMEOUT = 10.0

# What a config file found by itself in the working folder may not set (git's
# safe.directory): (when it is refused, why). `always`: whatever the value; `outside`: a
# path that leads out of the working folder (links followed); `on`: true; `lower`: a
# limit set to 0 (none) or above its default. Honoured from --config, DOCPIPE_CONFIG and
# the user's own config folder.
WRITES_ANYWHERE = ("always", "writes files where the file says")
WEAKENS = ("lower", "weakens a safety limit")


@dataclass(frozen=True)
class Option:
    name: str  # the long name with _ (summary_sentences): the config key
    flags: tuple[str, ...]  # as the command line spells them: ("-o", "--out")
    type: Any  # what the command line reads: int, str | None, list[Path] | None …
    default: Any
    help: str
    commands: tuple[str, ...]  # the commands that take it ("docpipe": the program's own)
    metavar: str | None = None
    choices: Iterable[str] = ()  # the values it takes (any case), in the order told
    min: float | None = None
    max: float | None = None
    keyword: str = ""  # the API's keyword when not `name` (--from: kind)
    api_type: str = ""  # the API's annotation when it takes more than the command line
    # How the command line shows its work (explain, verbose, quiet, print0) or where its
    # settings come from (config): the API returns values instead, so it has no such
    # keyword.
    cli_only: bool = False
    page: bool = False  # part of a page's `Settings` (api.settings), not of how a run goes
    in_file: bool = True  # a key of docpipe.toml (of every command that takes it)
    table: bool = False  # in docpipe.toml also a TOML table ([phrases])
    refused: tuple[str, str] | None = None  # (when, why) a found file may not set it
    envvar: str | None = None
    show_envvar: bool = True
    eager: bool = False

    @property
    def kw(self) -> str:
        """The API's keyword for it."""
        return self.keyword or self.name

    @property
    def param(self) -> str:
        """The command function's parameter: the name, with _ after a Python keyword
        (--from: from_)."""
        import keyword

        return self.name + "_" if keyword.iskeyword(self.name) else self.name


C, E, P = "convert", "extract", "pack"
#: The commands, in the help's order; those with a function of the same name in the
#: Python API (docpipe.convert …), which takes their options but the command line's own.
COMMANDS = ("convert", "extract", "pack", "check", "doctor", "config", "templates export")
API_COMMANDS = ("convert", "extract", "pack", "check")
SCRIPT = ", ".join(f"{v.name} ({v.gloss})" if v.gloss else v.name
                   for v in VARIANT_ROWS.values())
TAGS = ", ".join(v.tags[0] for v in VARIANT_ROWS.values() if v.tags)
SUFFIXES = ", ".join(FORMATS.values())


def _or(items: Iterable[str], last: str = " or ") -> str:
    """'a, b or c'."""
    *head, tail = items
    return f"{', '.join(head)}{last}{tail}" if head else tail


OPTIONS: tuple[Option, ...] = (
    Option("version", ("--version",), bool, False, "Print the version and exit.",
           ("docpipe",), eager=True, cli_only=True),
    Option("debug", ("--debug",), bool, False, "Show tracebacks of internal errors.",
           ("docpipe",), cli_only=True),
    Option("out", ("-o", "--out"), str, "out",
           f"Output folder (OUT/<page>.pdf …); or one file, its format from its suffix "
           f"(brief{SUFFIXES}); or - for stdout (one format).", (C,),
           metavar="DIR|FILE|-", api_type="PathLike", page=True, refused=WRITES_ANYWHERE),
    Option("formats", ("-f", "--formats"), str | None, None,
           f"Comma-separated: {','.join(FORMATS)}, or all. Default: "
           f"{','.join(DEFAULT_FORMATS)} (with -o FILE: its suffix).", (C,),
           metavar="FORMATS", api_type="str | Iterable[str] | None", page=True),
    Option("out", ("-o", "--out"), Path, REQUIRED, "Output folder.", (P,), metavar="DIR",
           api_type="PathLike", page=True, refused=WRITES_ANYWHERE),
    Option("name", ("--name",), str, "pack", "Pack file name: OUT/NAME.pdf, .docx, .json.",
           (P,), metavar="STEM"),
    Option("name", ("--name",), str, "pack", "The pack's name: DIR/NAME.json, .pdf, .docx.",
           ("check",), metavar="STEM"),
    Option("title", ("--title",), str | None, None, "Title on the cover (default: 简报汇编).",
           (P,), metavar="TEXT"),
    Option("date", ("--date",), str | None, None,
           "The issue's date on the cover (default: today).", (P,), metavar="YYYY-MM-DD"),
    Option("jobs", ("-j", "--jobs"), int, 0, "Worker processes (0: one per CPU).", (P,),
           metavar="N", min=0),
    Option("to", ("--to",), str | None, None,
           f"Script: {SCRIPT}; or a BCP 47 tag: {TAGS}. Default: keep the page's.",
           (C, E, P), metavar="VARIANT", page=True),
    Option("name", ("--name",), str | None, None,
           "Name the outputs of a single input (stdin too): OUT/STEM.pdf …", (C,),
           metavar="STEM"),
    Option("explain", ("--explain",), bool, False, "Print each dropped line and its rule.",
           (C,), cli_only=True),
    Option("explain", ("--explain",), bool, False, "Also print each dropped line on stderr.",
           (E,), cli_only=True),
    Option("sort", ("--sort",), str, "date", f"Order: {_or(SORTS.values(), ', or ')}.",
           (P,), metavar="ORDER", choices=SORTS),
    Option("pages", ("--pages/--no-pages",), bool, True,
           "Also write each page's own briefing.", (P,)),
    Option("force", ("--force",), bool, False, "Rebuild everything, ignoring the cache.",
           (P,)),
    Option("force", ("--force",), bool, False, "Overwrite files already there.",
           ("templates export",), in_file=False),
    Option("summary_sentences", ("--summary-sentences",), int, 2,
           "Sentences in the summary (1-10).", (C, E, P), metavar="N", min=1, max=10,
           page=True),
    Option("template_dir", ("--template-dir",), Path | None, None,
           "Folder whose templates override docpipe's (see: docpipe templates export).",
           (C, P), metavar="DIR", api_type="PathLike | None", page=True,
           refused=("outside", "reads templates from outside the working folder")),
    Option("encoding", ("--encoding",), str | None, None,
           "Input charset, overriding detection (gbk, big5, utf-16 …).", (C, E, P),
           metavar="CHARSET", page=True),
    Option("rules", ("--rules",), list[Path] | None, None,
           "Folder of extra site profiles (*.toml). Repeatable.", (C, E, P), metavar="DIR",
           api_type="Iterable[PathLike] | None", page=True,
           refused=("outside", "reads rules from outside the working folder")),
    Option("max_bytes", ("--max-bytes",), int, MAX_BYTES,
           "Refuse inputs larger than this many bytes (0: no limit).", (C, E, P),
           metavar="BYTES", min=0, page=True, refused=WEAKENS),
    Option("verbose", ("-v", "--verbose"), bool, False,
           "Show each stage (read, parse, transform, each format) and its time, per page, "
           "on stderr.", (C, E), cli_only=True),
    Option("quiet", ("-q", "--quiet"), bool, False, "Print errors and warnings only.",
           (C, P, "check", "templates export"), cli_only=True),
    Option("quiet", ("-q", "--quiet"), bool, False,
           "Only the JSON and errors (no -v, --explain).", (E,), cli_only=True),
    Option("quiet", ("-q", "--quiet"), bool, False, "Print only what needs fixing.",
           ("doctor",), cli_only=True),
    Option("from", ("--from",), str | None, None,
           f"Read every input as this kind ({', '.join(KINDS)}), whatever its name or "
           "content says. Also reads files docpipe would refuse as not a page.", (C, E, P),
           metavar="KIND", choices=KINDS, keyword="kind", page=True),
    Option("strict", ("--strict",), bool, False,
           "A page with a warning (no headline, no date, a short or cut-off text, lines "
           "dropped by learning …) counts as failed: exit 1, its outputs not written.",
           (C, E, P), page=True),
    Option("punct", ("--punct",), str, "auto",
           "; ".join(f"{mode}: {what}" for mode, what in MODES.items()) + ".", (C, E, P),
           metavar="MODE", choices=MODES, page=True),
    Option("organisation", ("--organisation",), str, "",
           "Your organisation: in each briefing's header and on the pack cover.", (C, P),
           metavar="NAME", page=True),
    Option("logo", ("--logo",), Path | None, None,
           "Your logo (PNG, SVG or JPEG) for the pack cover.", (C, P), metavar="FILE",
           api_type="PathLike | None", page=True,
           refused=("outside", "reads an image from outside the working folder")),
    Option("credit", ("--credit",), str | None, None,
           "Closing credit line, replacing docpipe's.", (C, P), metavar="TEXT",
           api_type="str | bool | None", page=True),
    Option("no_credit", ("--no-credit",), bool, False, "No closing credit line.", (C, P),
           page=True),
    Option("pdf_variant", ("--pdf-variant",), str | None, None,
           f"PDF for archives or accessibility: {_or(PDF_VARIANTS)}.", (C, P),
           metavar="VARIANT", page=True),
    Option("issue", ("--issue",), str | None, None,
           "Issue label on the cover (第12期); default: the date range.", (P,),
           metavar="TEXT"),
    Option("max_pages", ("--max-pages",), int, MAX_PAGES,
           "Refuse a page whose PDF would be longer (0: no limit).", (C, P), metavar="N",
           min=0, page=True, refused=WEAKENS),
    Option("folder_images", ("--folder-images",), bool, False,
           "Embed local images from anywhere under the page's folder, not only its "
           "NAME_files/ (pages saved by wget or other tools).", (C, E, P), page=True,
           refused=("on", "embeds images from anywhere in a page's folder")),
    Option("phrases", ("--phrases",), str | None, None,
           "Your phrase fixes after the script conversion (TOML: \"世界的視窗\" = "
           "\"世界的窗口\"; a [twp] table for one script only); --explain lists each fix. "
           "In docpipe.toml also a table: [phrases].", (C, E, P), metavar="FILE",
           api_type="PathLike | dict[str, Any] | None", page=True, table=True),
    Option("explain", ("--explain",), bool, False,
           "Print each page's dropped lines and their rules (and, for the pages converted "
           "in this run, what each step did).", (P,), cli_only=True),
    Option("verbose", ("-v", "--verbose"), bool, False,
           "Say, per page, whether it was converted or taken from the cache, and the "
           "pack's time, on stderr.", (P,), cli_only=True),
    Option("config", ("--config",), str | None, None,
           "Settings file (default: ./docpipe.toml, or [tool.docpipe] in ./pyproject.toml; "
           "also DOCPIPE_CONFIG). Command-line options beat it.", (C, E, P, "config"),
           metavar="FILE", envvar="DOCPIPE_CONFIG", show_envvar=False, eager=True,
           cli_only=True, in_file=False),
    Option("jobs", ("-j", "--jobs"), int, 1,
           "Worker processes (1: convert in this process; 0: one per CPU).", (C,),
           metavar="N", min=0),
    Option("page_timeout", ("--page-timeout",), float, PAGE_TIMEOUT,
           "Seconds one page may take in a worker before it fails alone (0: no limit).",
           (C, P), metavar="SECONDS", min=0, refused=WEAKENS),
    Option("page_memory", ("--page-memory",), int, PAGE_MEMORY,
           "MB of memory one page's worker may use before the page fails alone "
           "(0: no limit).", (C, P), metavar="MB", min=0, refused=WEAKENS),
    Option("scheduler", ("--scheduler",), str | None, None,
           "Dask scheduler (tcp://HOST:PORT): each page is a task on that cluster (needs "
           "the dask extra of docpipe). It runs what it is sent: give only one you trust "
           "like a login.", (C, P), metavar="ADDRESS", envvar="DOCPIPE_SCHEDULER",
           refused=("always", "sends every page to another machine")),
    Option("scheduler_timeout", ("--scheduler-timeout",), float, SCHEDULER_TIMEOUT,
           "Seconds to wait for the Dask scheduler to answer before giving up.", (C, P),
           metavar="SECONDS", min=0.1),
    Option("print0", ("-0", "--print0"), bool, False,
           "Print the files written as they are, each ended by a NUL character (for "
           "xargs -0), instead of one escaped name per line.", (C, "templates export"),
           cli_only=True),
)


def of(command: str) -> list[Option]:
    """The options `command` takes, in its help's order."""
    return [o for o in OPTIONS if command in o.commands]


def keywords(command: str) -> list[Option]:
    """The options of `command` its API function takes (not the command line's own)."""
    return [o for o in of(command) if not o.cli_only]


def api_values(command: str, opts: dict[str, Any]) -> dict[str, Any]:
    """The command line's values of `command`'s options (by parameter name, a choice as
    an Enum) as its API function's keywords."""
    from enum import Enum

    return {o.kw: (v.value if isinstance(v := opts[o.param], Enum) else v)
            for o in keywords(command)}


def page_values(values: dict[str, Any]) -> dict[str, Any]:
    """The part of an API call's keywords that makes a page's `Settings`."""
    return {k: v for k, v in values.items() if k in _PAGE}


_PAGE = {o.kw for o in OPTIONS if o.page}


def value_type(option: Option) -> tuple[type, bool]:
    """(the type one value has in a config file, whether a list of them is taken)."""
    t, many = option.type, False
    args = [a for a in get_args(t) if a is not type(None)]
    if args and get_origin(t) is not list:  # X | None
        t = args[0]
    if get_origin(t) is list:
        t, many = (get_args(t) or (str,))[0], True
    return (t if t in (bool, int, float) else str), many


# --- the API -------------------------------------------------------------------------

def takes(command: str, *, page_only: bool = False
          ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Give an API function the keywords of `command` from the table, after its own
    parameters, with the table's defaults: its signature (for help() and editors), and
    each call checked against it (an unknown keyword is a TypeError, as Python's own)
    and completed with the defaults. A parameter of its own that the table knows (`out`)
    takes the table's default. The function takes the table's keywords as **options."""
    rows = [o for o in keywords(command) if o.page or not page_only]

    def wrap(func: Callable[..., Any]) -> Callable[..., Any]:
        own = inspect.signature(func)
        table = {o.kw: o for o in rows}
        params = []
        for p in own.parameters.values():
            if p.kind is p.VAR_KEYWORD:
                continue
            if p.name in table and table[p.name].default is not REQUIRED:
                p = p.replace(default=table[p.name].default)
            params.append(p)
        params += [inspect.Parameter(o.kw, inspect.Parameter.KEYWORD_ONLY,
                                     default=o.default, annotation=_api_type(o))
                   for o in rows if o.kw not in own.parameters]
        sig = own.replace(parameters=params)

        @functools.wraps(func)
        def call(*args: Any, **kwargs: Any) -> Any:
            try:
                bound = sig.bind(*args, **kwargs)
            except TypeError as exc:
                raise TypeError(f"{func.__name__}() {exc}") from None
            bound.apply_defaults()
            return func(*bound.args, **bound.kwargs)

        call.__signature__ = sig  # type: ignore[attr-defined]
        return call

    return wrap


def _api_type(option: Option) -> str:
    if option.api_type:
        return option.api_type
    t = option.type
    return t.__name__ if isinstance(t, type) else str(t)


def check_values(command: str, values: dict[str, Any]) -> dict[str, Any]:
    """`values` (API keywords of `command`'s page options) with every choice and bound
    the table states checked: a value outside them is a one-line UsageError. Choices come
    back as the table spells them ("KEEP " -> "keep")."""
    from .errors import UsageError

    checked = dict(values)
    for o in keywords(command):
        if not o.page or o.kw not in values:
            continue
        value = values[o.kw]
        if o.choices and not (value is None and o.default is None):
            checked[o.kw] = choice(o.kw, value, tuple(o.choices))
        elif o.type is int and not _whole_in_bounds(value, o):
            bounds = f"from {o.min} to {o.max}" if o.max is not None else f">= {o.min}"
            raise UsageError(f"{o.kw}: {value!r} is not a whole number {bounds}")
    return checked


def _whole_in_bounds(value: Any, o: Option) -> bool:
    if isinstance(value, bool) or not isinstance(value, int):
        return False
    return (o.min is None or value >= o.min) and (o.max is None or value <= o.max)


def choice(name: str, value: Any, choices: tuple[str, ...]) -> str:
    """`value` (any case, or an Enum member) as one of `choices`, or a one-line UsageError."""
    from enum import Enum

    from .errors import UsageError

    text = value.value if isinstance(value, Enum) else value
    if isinstance(text, str) and text.strip().lower() in choices:
        return text.strip().lower()
    raise UsageError(f"{name}: {text!r} is not one of {', '.join(choices)}")


# --- docs/cli.md ---------------------------------------------------------------------


def markdown() -> list[str]:
    """The table as docs/cli.md shows it: each option, its commands, its keyword in the
    Python API, and what a config file may do with it."""
    lines = ["## Options: commands, Python keywords, config keys", "",
             "Made from `src/docpipe/options.py`, the one table of options. A Python "
             "keyword is", "one of the function named after the command "
             "(`docpipe.convert`, `.extract`, `.pack`,", "`.check`); a config key is one of "
             "`docpipe.toml`. A key marked \"not from a found", "file\" is refused from a "
             "file found in the working folder (see the README's", "\"Security\").", "",
             "| option | commands | Python keyword | config key |",
             "| --- | --- | --- | --- |"]
    rows: dict[tuple[str, str, str], list[str]] = {}
    for o in sorted(OPTIONS, key=lambda o: o.flags[-1].lstrip("-")):
        if "docpipe" in o.commands:
            continue
        python = "(command line only)" if o.cli_only else f"`{o.kw}`" \
            if set(o.commands) & set(API_COMMANDS) else "-"
        key = "no" if not o.in_file else f"`{o.name}`"
        if o.refused:
            key += f", not from a found file{_WHEN[o.refused[0]]}"
        flags = ", ".join(f"`{f}`" for f in o.flags)
        rows.setdefault((flags, python, key), []).extend(o.commands)
    lines += [f"| {flags} | {', '.join(sorted(commands, key=COMMANDS.index))} | {python} "
              f"| {key} |" for (flags, python, key), commands in rows.items()]
    return lines


_WHEN = {"always": "", "outside": " outside its folder", "on": " when true",
         "lower": " when 0 or above the default"}
