"""Thin Typer layer over the Python API (api.py): options in, results printed.

Heavy libraries (WeasyPrint, python-docx, OpenCC, jieba) are imported by the
stages that use them, so `docpipe --help` stays fast. Every error a user can cause,
the command line's own included, is one line `docpipe: error: …` and an exit code.
Option defaults may come from a config file (config.py): the `--config` option of each
command is eager and loads it before the other options are read.
"""

from __future__ import annotations

import functools
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from typer.core import TyperCommand, TyperGroup

from . import __version__
from .errors import DocpipeError


class DocpipeGroup(TyperGroup):
    """Typer's group, with the command line's own errors (a bad value, a missing argument,
    an unknown option) said in one line instead of a box."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True,
             **extra):
        from .errors import ReaderGone

        READ["config"] = None
        try:
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except ReaderGone as exc:  # the help read by `| head`: quiet
            from .stdout import silence

            silence()
            code = exc.exit_code
        except DocpipeError as exc:  # a config file, or stdout failing under the help
            err(str(exc))
            _quiet_stdout_after(exc)
            code = exc.exit_code
        except typer.Abort:
            err("aborted")
            code = 1
        except typer.TyperException as exc:  # the command line's own: usage errors and such
            if type(exc).__name__ == "NoArgsIsHelpError":
                exc.show()  # `docpipe` alone: the help, on stderr (exit 2)
            else:
                argv = sys.argv[1:] if args is None else list(args)
                named = next((a for a in argv if a in self.commands), None)
                err(_click_message(exc, f"docpipe {named}" if named else "docpipe"))
            code = exc.exit_code
        code = code if isinstance(code, int) else 0
        if standalone_mode:
            sys.exit(code)
        return code


class DocpipeCommand(TyperCommand):
    """Help a person reads: arguments by their metavar (INPUT...), not by Python type."""

    def collect_usage_pieces(self, ctx) -> list[str]:
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            if param.param_type_name == "argument":
                pieces.append(_arg_name(param) if param.required else f"[{_arg_name(param)}]")
        return pieces

    def format_options(self, ctx, formatter) -> None:
        args = [(_arg_name(p), p.help or "") for p in self.get_params(ctx)
                if p.param_type_name == "argument" and not p.hidden]
        opts = [rec for p in self.get_params(ctx)
                if p.param_type_name == "option" and (rec := p.get_help_record(ctx))]
        for title, rows in (("Arguments", args), ("Options", opts)):
            if rows:
                with formatter.section(title):
                    formatter.write_dl(rows)


def _arg_name(param) -> str:
    name = param.metavar or param.name.upper()
    return name + ("..." if param.nargs != 1 and not name.endswith("...") else "")


def _click_message(exc, command: str = "docpipe") -> str:
    """'--to: 'xx' is not one of hans, hant, tw, twp, hk' from a parameter error."""
    from .config import clean_message

    param = getattr(exc, "param", None)
    if param is not None and getattr(exc, "message", None) is not None:
        names = sorted(getattr(param, "opts", []) or [param.name], key=len)
        hint = names[-1] if getattr(param, "param_type_name", "") == "option" \
            else _arg_name(param)
        if type(exc).__name__ == "MissingParameter":
            return f"missing {param.param_type_name} {hint}"
        return f"{hint}: {clean_message(exc.message)}"
    message = clean_message(exc.format_message())
    ctx = getattr(exc, "ctx", None)
    cmd = ctx.command_path if ctx is not None else command
    return f"{message[:1].lower()}{message[1:]} (see {cmd} --help)"


app = typer.Typer(
    cls=DocpipeGroup,
    rich_markup_mode=None,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Turn saved Chinese portal pages into clean PDF and DOCX briefings.",
    epilog="Start with: docpipe convert page.txt -o out   (each command has --help)",
)

DEBUG = {"on": False}
READ = {"config": None}  # the config files this command read (`_load_config`), to say so


class Variant(StrEnum):
    hans = "hans"
    hant = "hant"
    tw = "tw"
    twp = "twp"
    hk = "hk"


def err(message: str) -> None:
    from .errors import describe

    typer.echo(f"docpipe: error: {describe(message)}", err=True)


def user_errors(func):
    """Errors a user can cause become one line on stderr and the contract's exit code."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        from .errors import ReaderGone

        try:
            _say_config(kwargs.get("quiet", False))
            return func(*args, **kwargs)
        except ReaderGone as exc:  # `docpipe … | head`: quiet, as cat is
            from .stdout import silence

            silence()
            raise typer.Exit(exc.exit_code) from None
        except DocpipeError as exc:
            err(str(exc))
            _quiet_stdout_after(exc)
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt as exc:  # Ctrl-C, or SIGTERM/SIGHUP via _on_signal
            # Temporary output files are already gone (outputs.atomic_path's cleanup).
            err(str(exc) or "interrupted")
            raise typer.Exit(getattr(exc, "exit_code", 130)) from None

    return wrapper


def _quiet_stdout_after(exc: DocpipeError) -> None:
    """stdout failed and was said so: what its buffer still holds goes nowhere, so the
    exit's own flush does not fail (and say so) again."""
    from .errors import StdoutError

    if isinstance(exc, StdoutError):
        from .stdout import silence

        silence()


def _say_config(quiet: bool) -> None:
    """One stderr line naming the config files read (not with -q, nor for `docpipe
    config`, which says so on stdout)."""
    config, READ["config"] = READ["config"], None
    if config is not None and config.files and not quiet:
        from .config import note
        from .errors import describe

        typer.echo(describe(note(config)), err=True)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"docpipe {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks of internal errors.")] = False,
) -> None:
    DEBUG["on"] = debug


def _load_config(ctx: typer.Context, value: str | None) -> str | None:
    """Eager: the config file's values become this command's option defaults."""
    if ctx.resilient_parsing:  # shell completion: never fail on a config file
        return value
    from .config import load, user_file

    if not value and ctx.info_name != "config" and not any(
            Path(f).exists() for f in ("docpipe.toml", "pyproject.toml", user_file())):
        return value  # no file: nothing to load (the common case)

    config = load(ctx, value)
    ctx.meta["docpipe.config"] = config
    READ["config"] = config if ctx.info_name != "config" else None
    defaults = config.values.get(ctx.info_name or "", {})
    if defaults:
        ctx.default_map = {**(ctx.default_map or {}), **defaults}
    return value


# Options shared by the commands (Typer reads them from the annotations).
def _check_to(value: str | None) -> str | None:
    """--to: a variant or a BCP 47 tag (zh-TW …), as the variant; else the usual error."""
    if value is None:
        return None
    from .transforms.chinese import variant_for

    found = variant_for(str(value))
    if found is None:
        raise typer.BadParameter(f"{value!r} is not one of {', '.join(Variant)}")
    return found


ToOpt = Annotated[str | None, typer.Option(
    "--to", metavar="VARIANT", callback=_check_to,
    help="Script: hans (Simplified), hant, tw (Taiwan), twp (Taiwan phrases), hk; or a "
    "BCP 47 tag: zh-Hans, zh-Hant, zh-TW, zh-HK. Default: keep the page's.")]
EncodingOpt = Annotated[str | None, typer.Option(
    "--encoding", metavar="CHARSET",
    help="Input charset, overriding detection (gbk, big5, utf-16 …).")]
RulesOpt = Annotated[list[Path] | None, typer.Option(
    "--rules", metavar="DIR", help="Folder of extra site profiles (*.toml). Repeatable.")]
MaxBytesOpt = Annotated[int, typer.Option(
    "--max-bytes", min=0, metavar="BYTES",
    help="Refuse inputs larger than this many bytes (0: no limit).")]
SummaryOpt = Annotated[int, typer.Option(
    "--summary-sentences", min=1, max=10, metavar="N", help="Sentences in the summary (1-10).")]
TemplateDirOpt = Annotated[Path | None, typer.Option(
    "--template-dir", metavar="DIR",
    help="Folder whose templates override docpipe's (see: docpipe templates export).")]
QuietOpt = Annotated[bool, typer.Option("-q", "--quiet", help="Print errors and warnings only.")]
PageTimeoutOpt = Annotated[float, typer.Option(
    "--page-timeout", min=0, metavar="SECONDS", help="Seconds one page may take in a worker before it fails "
    "alone (0: no limit).")]
PageMemoryOpt = Annotated[int, typer.Option(
    "--page-memory", min=0, metavar="MB", help="MB of memory one page's worker may use before the page "
    "fails alone (0: no limit).")]
SchedulerOpt = Annotated[str | None, typer.Option(
    "--scheduler", envvar="DOCPIPE_SCHEDULER", metavar="ADDRESS", help="Dask scheduler (tcp://HOST:PORT): "
    "each page is a task on that cluster (needs the dask extra of docpipe). It runs what "
    "it is sent: give only one you trust like a login.")]
SchedulerTimeoutOpt = Annotated[float, typer.Option(
    "--scheduler-timeout", min=0.1, metavar="SECONDS",
    help="Seconds to wait for the Dask scheduler to answer before giving up.")]
Print0Opt = Annotated[bool, typer.Option(
    "-0", "--print0", help="Print the files written as they are, each ended by a NUL "
    "character (for xargs -0), instead of one escaped name per line.")]


class InputKind(StrEnum):
    txt = "txt"
    html = "html"
    mhtml = "mhtml"


FromOpt = Annotated[InputKind | None, typer.Option(
    "--from", case_sensitive=False, metavar="KIND",
    help="Read every input as this kind (txt, html, mhtml), whatever its name or "
    "content says. Also reads files docpipe would refuse as not a page.")]
StrictOpt = Annotated[bool, typer.Option(
    "--strict", help="A page with a warning (no headline, no date, a short or cut-off text, "
    "lines dropped by learning …) counts as failed: exit 1, its outputs not written.")]
VerboseOpt = Annotated[bool, typer.Option(
    "-v", "--verbose", help="Show each stage (read, parse, transform, each format) and its "
    "time, per page, on stderr.")]
ConfigOpt = Annotated[str | None, typer.Option(
    "--config", metavar="FILE", envvar="DOCPIPE_CONFIG", is_eager=True,
    callback=_load_config, show_envvar=False,
    help="Settings file (default: ./docpipe.toml, or [tool.docpipe] in ./pyproject.toml; "
    "also DOCPIPE_CONFIG). Command-line options beat it.")]


FolderImagesOpt = Annotated[bool, typer.Option(
    "--folder-images", help="Embed local images from anywhere under the page's folder, not "
    "only its NAME_files/ (pages saved by wget or other tools).")]
MaxPagesOpt = Annotated[int, typer.Option(
    "--max-pages", min=0, metavar="N",
    help="Refuse a page whose PDF would be longer (0: no limit).")]


def _file_or_table(value):
    """A file name on the command line; in a config file also a table (`phrases`)."""
    return value if isinstance(value, dict) else str(value)


PhrasesOpt = Annotated[str | None, typer.Option(
    "--phrases", metavar="FILE", parser=_file_or_table,
    help="Your phrase fixes after the script conversion (TOML: \"世界的視窗\" = "
    "\"世界的窗口\"; a [twp] table for one script only); --explain lists each fix. In "
    "docpipe.toml also a table: [phrases].")]


class Punct(StrEnum):
    auto = "auto"
    keep = "keep"


PunctOpt = Annotated[Punct, typer.Option(
    "--punct", case_sensitive=False, metavar="MODE",
    help="auto: regional punctuation (「」 for hant/tw/twp/hk, full-width ，：；？！（） "
    "between Chinese characters); keep: leave the text as it was.")]
OrganisationOpt = Annotated[str, typer.Option(
    "--organisation", metavar="NAME",
    help="Your organisation: in each briefing's header and on the pack cover.")]
LogoOpt = Annotated[Path | None, typer.Option(
    "--logo", metavar="FILE", help="Your logo (PNG, SVG or JPEG) for the pack cover.")]
CreditOpt = Annotated[str | None, typer.Option(
    "--credit", metavar="TEXT", help="Closing credit line, replacing docpipe's.")]
NoCreditOpt = Annotated[bool, typer.Option("--no-credit", help="No closing credit line.")]
PdfVariantOpt = Annotated[str | None, typer.Option(
    "--pdf-variant", metavar="VARIANT",
    help="PDF for archives or accessibility: pdf/a-2b, pdf/a-3b or pdf/ua-1.")]


def _settings(**options):
    """Every option checked, as one Settings record (api.settings)."""
    from .api import settings

    return settings(**options)


def _explain(art) -> None:
    typer.echo(f"# {art.input_path}", err=True)
    for line in art.log:
        typer.echo(f"  {line}", err=True)
    for d in art.dropped:
        typer.echo(f"  dropped line {d.line:>4} [{d.rule}] {d.text[:70]}", err=True)


def warn(path: str, warnings: list[str]) -> None:
    """Each warning as one stderr line naming the file: what to check before forwarding."""
    from .errors import describe

    for w in warnings:
        typer.echo(f"docpipe: warning: {describe(path)}: {describe(w)}", err=True)


def _stages(name: str, stages: list[tuple[str, float]]) -> None:
    """-v: one line per page, each stage and its time."""
    parts = ", ".join(f"{stage} {sec * 1000:.0f} ms" for stage, sec in stages)
    typer.echo(f"{name}: {parts}; total {sum(s for _, s in stages):.2f} s", err=True)


DEFAULT_MAX = 20_000_000

CONVERT_EXAMPLES = """\b
Examples:
  docpipe convert page.txt -o out           # out/page.pdf, out/page.docx
  docpipe convert page.html -o brief.pdf --to tw    # exactly brief.pdf, Taiwan script
  docpipe convert saved/ -o out -f all      # every format of every page in saved/
  docpipe convert - -o - -f md < page.txt   # Markdown on stdout
"""


@app.command(cls=DocpipeCommand, epilog=CONVERT_EXAMPLES)
@user_errors
def convert(
    ctx: typer.Context,
    inputs: Annotated[list[str], typer.Argument(
        metavar="INPUT", help="Pages (.txt, .html), folders, globs, or - for stdin.")],
    out: Annotated[str, typer.Option(
        "-o", "--out", metavar="DIR|FILE|-",
        help="Output folder (OUT/<page>.pdf …); or one file, its format from its suffix "
        "(brief.pdf, .docx, .html, .md, .json); or - for stdout (one format).")] = "out",
    formats: Annotated[str | None, typer.Option(
        "-f", "--formats", metavar="FORMATS",
        help="Comma-separated: pdf,docx,html,md,json, or all. Default: pdf,docx "
        "(with -o FILE: its suffix).")] = None,
    to: ToOpt = None,
    name: Annotated[str | None, typer.Option(
        "--name", metavar="STEM",
        help="Name the outputs of a single input (stdin too): OUT/STEM.pdf …")] = None,
    explain: Annotated[bool, typer.Option("--explain",
                                          help="Print each dropped line and its rule.")] = False,
    summary_sentences: SummaryOpt = 2,
    template_dir: TemplateDirOpt = None,
    encoding: EncodingOpt = None,
    rules: RulesOpt = None,
    max_bytes: MaxBytesOpt = DEFAULT_MAX,
    verbose: VerboseOpt = False,
    quiet: QuietOpt = False,
    from_: FromOpt = None,
    strict: StrictOpt = False,
    punct: PunctOpt = Punct.auto,
    organisation: OrganisationOpt = "",
    logo: LogoOpt = None,
    credit: CreditOpt = None,
    no_credit: NoCreditOpt = False,
    pdf_variant: PdfVariantOpt = None,
    max_pages: MaxPagesOpt = 500,
    folder_images: FolderImagesOpt = False,
    phrases: PhrasesOpt = None,
    config: ConfigOpt = None,
    jobs: Annotated[int, typer.Option("-j", "--jobs", min=0, metavar="N",
                                      help="Worker processes (1: convert in this process; "
                                      "0: one per CPU).")] = 1,
    page_timeout: PageTimeoutOpt = 120.0,
    page_memory: PageMemoryOpt = 2048,
    scheduler: SchedulerOpt = None,
    scheduler_timeout: SchedulerTimeoutOpt = 10.0,
    print0: Print0Opt = False,
) -> None:
    """Write a briefing of each page: OUT/<page>.pdf, OUT/<page>.docx, …

    Prints the files written, one per line (control characters and backslashes in
    names escaped as in Python; --print0: as they are)."""
    from . import stdout
    from .api import file_format, iter_convert

    if formats and file_format(out) and ctx.get_parameter_source("formats").name == \
            "DEFAULT_MAP":
        formats = None  # -o brief.pdf on the command line beats formats in the config file
    failed = 0
    for result in iter_convert(inputs, out, formats=formats, name=name, debug=DEBUG["on"],
                               to=to, summary_sentences=summary_sentences,
                               template_dir=template_dir, encoding=encoding, rules=rules,
                               max_bytes=max_bytes, kind=from_, strict=strict,
                               punct=punct.value, organisation=organisation, logo=logo,
                               credit=credit, no_credit=no_credit, pdf_variant=pdf_variant,
                               max_pages=max_pages, folder_images=folder_images,
                               phrases=phrases,
                               jobs=jobs, scheduler=scheduler, page_timeout=page_timeout,
                               page_memory=page_memory,
                               scheduler_timeout=scheduler_timeout):
        if result.article and explain:
            _explain(result.article)
        if result.article and not strict:
            warn(result.input, result.article.warnings)
        if verbose and not quiet and result.stages:
            _stages(result.input, result.stages)
        if not result.ok:
            err(result.error)
            failed += 1
        elif not quiet:
            for path in result.outputs:
                stdout.path(path, print0)
    stdout.flush()  # a full disk is this run's error, said now
    if failed:
        raise typer.Exit(1)


@app.command(cls=DocpipeCommand, epilog="""\b
Examples:
  docpipe extract page.txt                     # the article as JSON
  docpipe extract page.html --to tw --explain  # Taiwan script; dropped lines on stderr
""")
@user_errors
def extract(
    input: Annotated[str, typer.Argument(metavar="INPUT",
                                         help="One page (.txt, .html) or - for stdin.")],
    to: ToOpt = None,
    explain: Annotated[bool, typer.Option("--explain",
                                          help="Also print each dropped line on stderr.")] = False,
    summary_sentences: SummaryOpt = 2,
    encoding: EncodingOpt = None,
    rules: RulesOpt = None,
    max_bytes: MaxBytesOpt = DEFAULT_MAX,
    verbose: VerboseOpt = False,
    quiet: Annotated[bool, typer.Option("-q", "--quiet",
                                        help="Only the JSON and errors (no -v, --explain).")
                     ] = False,
    from_: FromOpt = None,
    strict: StrictOpt = False,
    punct: PunctOpt = Punct.auto,
    folder_images: FolderImagesOpt = False,
    phrases: PhrasesOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Print the cleaned article as JSON on stdout (its warnings also on stderr)."""
    from . import stdout
    from .api import extract as extract_article
    from .writers.json import dumps

    stages: list[tuple[str, float]] = []
    try:
        art = extract_article(Path(input) if input != "-" else "-", to=to,
                              summary_sentences=summary_sentences, encoding=encoding,
                              rules=rules, max_bytes=max_bytes, kind=from_, strict=strict,
                              punct=punct.value, folder_images=folder_images, phrases=phrases,
                              stages=stages)
    except DocpipeError as exc:
        if explain and getattr(exc, "article", None) is not None:
            _explain(exc.article)
        raise
    if explain and not quiet:
        _explain(art)
    warn(input, art.warnings)
    if verbose and not quiet:
        _stages(input, stages)
    stdout.write(dumps(art))
    stdout.flush()


class Sort(StrEnum):
    date = "date"
    title = "title"
    input = "input"


@app.command(cls=DocpipeCommand, epilog="""\b
Examples:
  docpipe pack pages/ -o out/week --name week --title "一周简报"
  docpipe pack pages/*.html -o out/tw --to tw --no-pages -j 2
""")
@user_errors
def pack(
    inputs: Annotated[list[str], typer.Argument(metavar="INPUT",
                                                help="Pages (.txt, .html), folders or globs.")],
    out: Annotated[Path, typer.Option("-o", "--out", metavar="DIR", help="Output folder.")],
    name: Annotated[str, typer.Option("--name", metavar="STEM",
                                      help="Pack file name: OUT/NAME.pdf, .docx, "
                                      ".json.")] = "pack",
    title: Annotated[str | None, typer.Option("--title", metavar="TEXT",
                                              help="Title on the cover "
                                              "(default: 简报汇编).")] = None,
    date: Annotated[str | None, typer.Option(
        "--date", metavar="YYYY-MM-DD",
        help="The issue's date on the cover (default: today).")] = None,
    jobs: Annotated[int, typer.Option("-j", "--jobs", min=0, metavar="N",
                                      help="Worker processes (0: one per CPU).")] = 0,
    to: ToOpt = None,
    sort: Annotated[Sort, typer.Option("--sort", case_sensitive=False, metavar="ORDER",
                                       help="Order: date (then title), title, "
                                       "or input order.")] = Sort.date,
    pages: Annotated[bool, typer.Option("--pages/--no-pages",
                                        help="Also write each page's own briefing.")] = True,
    force: Annotated[bool, typer.Option("--force", help="Rebuild everything, ignoring the "
                                        "cache.")] = False,
    summary_sentences: SummaryOpt = 2,
    template_dir: TemplateDirOpt = None,
    encoding: EncodingOpt = None,
    rules: RulesOpt = None,
    max_bytes: MaxBytesOpt = DEFAULT_MAX,
    quiet: QuietOpt = False,
    from_: FromOpt = None,
    strict: StrictOpt = False,
    punct: PunctOpt = Punct.auto,
    organisation: OrganisationOpt = "",
    logo: LogoOpt = None,
    credit: CreditOpt = None,
    no_credit: NoCreditOpt = False,
    pdf_variant: PdfVariantOpt = None,
    issue: Annotated[str | None, typer.Option(
        "--issue", metavar="TEXT",
        help="Issue label on the cover (第12期); default: the date range.")] = None,
    max_pages: MaxPagesOpt = 500,
    folder_images: FolderImagesOpt = False,
    phrases: PhrasesOpt = None,
    explain: Annotated[bool, typer.Option(
        "--explain", help="Print each page's dropped lines and their rules (and, for the "
        "pages converted in this run, what each step did).")] = False,
    verbose: Annotated[bool, typer.Option(
        "-v", "--verbose", help="Say, per page, whether it was converted or taken from the "
        "cache, and the pack's time, on stderr.")] = False,
    config: ConfigOpt = None,
    page_timeout: PageTimeoutOpt = 120.0,
    page_memory: PageMemoryOpt = 2048,
    scheduler: SchedulerOpt = None,
    scheduler_timeout: SchedulerTimeoutOpt = 10.0,
) -> None:
    """Build a briefing pack: OUT/NAME.pdf (cover, contents, bookmarks), OUT/NAME.docx,
    OUT/NAME.json (manifest), and each page's briefing. Only what changed is rebuilt."""
    from . import stdout
    from .api import pack as build
    from .packplan import summary_lines
    from .progress import progress_for

    report = build(inputs, out, name=name, title=title, date=date, jobs=jobs, sort=sort.value,
                   pages=pages, force=force, progress=progress_for(sys.stderr, quiet),
                   to=to, summary_sentences=summary_sentences, encoding=encoding,
                   rules=rules, max_bytes=max_bytes, template_dir=template_dir,
                   kind=from_, strict=strict, punct=punct.value, organisation=organisation,
                   logo=logo, credit=credit, no_credit=no_credit, pdf_variant=pdf_variant,
                   issue=issue, max_pages=max_pages, folder_images=folder_images,
                   page_timeout=page_timeout, page_memory=page_memory, scheduler=scheduler,
                   scheduler_timeout=scheduler_timeout, phrases=phrases)
    for e in report.entries:
        if e.article is not None and explain:
            _explain(e.article)
        if verbose and not quiet:
            how = "converted" if e.rebuilt else "from the cache" if e.status == "ok" else e.status
            typer.echo(f"{e.input}: {how}", err=True)
        if e.article is not None and not strict:
            warn(e.input, e.article.warnings)
    for e in report.failed:
        err(e.error)
    if report.pack_error:
        err(report.pack_error)
    elif report.pack_notes:
        warn(str(report.pack_outputs[0]), report.pack_notes)
    if verbose and not quiet:
        typer.echo(f"pack: {'made' if report.pack_rebuilt else 'up to date'}, "
                   f"{report.seconds:.2f} s", err=True)
    if not quiet:
        for line in summary_lines(report):
            stdout.line(line)
    stdout.flush()
    if not report.ok:
        raise typer.Exit(1)


@app.command(cls=DocpipeCommand, epilog="""\b
Examples:
  docpipe check out/week --name week     # before forwarding a pack someone else built
""")
@user_errors
def check(
    folder: Annotated[Path, typer.Argument(metavar="DIR", help="The pack's folder (its -o).")],
    name: Annotated[str, typer.Option("--name", metavar="STEM",
                                      help="The pack's name: DIR/NAME.json, .pdf, "
                                      ".docx.")] = "pack",
    quiet: QuietOpt = False,
) -> None:
    """Read a pack back: say, per article, whether the pack's PDF and DOCX hold it (its
    own briefing's text, page by page; or its text from the folder's cache). Exit 1 when
    one does not."""
    from .api import check as check_pack

    results = check_pack(folder, name=name)
    bad = 0
    for r in results:
        if not r.ok:
            bad += 1
            problems = "; ".join(f"{kind} {what}" for kind, what in (("PDF", r.pdf),
                                 ("DOCX", r.docx)) if what not in ("ok", ""))
            err(f"{r.input}: {r.title}: {problems}")
        elif not quiet:
            unchecked = [kind for kind, what in (("PDF", r.pdf), ("DOCX", r.docx)) if not what]
            how = f"not checked: {', '.join(unchecked)} (no briefing, no cached text)" \
                if unchecked else f"against {r.against}"
            typer.echo(f"ok  {r.title}  (pages {r.pages[0]}-{r.pages[1]}; {how})")
    if not quiet:
        typer.echo(f"{len(results) - bad} of {len(results)} article(s) held by the pack")
    if bad:
        raise typer.Exit(1)


@app.command(cls=DocpipeCommand, epilog="""\b
Example:
  docpipe doctor -q        # nothing printed (exit 0) when all is ready
""")
@user_errors
def doctor(
    quiet: Annotated[bool, typer.Option("-q", "--quiet",
                                        help="Print only what needs fixing.")] = False,
) -> None:
    """Check fonts, HarfBuzz subsetting and OpenCC configs; say how to fix each problem."""
    from . import stdout
    from .doctor import run

    code = run(_quiet_doctor if quiet else stdout.line)
    stdout.flush()
    raise typer.Exit(code)


def _quiet_doctor(line: str) -> None:
    from . import stdout

    if not line.startswith(("ok ", "all good")):
        stdout.line(line)


@app.command("config", cls=DocpipeCommand, epilog="""\b
Examples:
  docpipe config                         # what applies in this folder
  docpipe config --config ~/briefs.toml  # what that file gives
""")
@user_errors
def show_config(ctx: typer.Context, config: ConfigOpt = None) -> None:
    """Print the settings every command would use here, as TOML, and where each one comes
    from (the config file or the default)."""
    from . import stdout
    from .config import report

    for line in report(ctx, ctx.meta["docpipe.config"]):
        stdout.line(line)
    stdout.flush()


templates_app = typer.Typer(cls=DocpipeGroup, no_args_is_help=True,
                            help="The briefing templates: export them to edit your own.",
                            epilog="Example: docpipe templates export mytpl")
app.add_typer(templates_app, name="templates")


@templates_app.command("export", cls=DocpipeCommand, epilog="""\b
Example:
  docpipe templates export mytpl     # then edit mytpl/briefing.css …
  docpipe convert page.txt --config mytpl/docpipe.toml
""")
@user_errors
def templates_export(
    folder: Annotated[Path, typer.Argument(metavar="DIR", help="Folder to write them into.")],
    force: Annotated[bool, typer.Option("--force", help="Overwrite files already there.")
                     ] = False,
    quiet: QuietOpt = False,
    print0: Print0Opt = False,
) -> None:
    """Write docpipe's templates (briefing/article/pack HTML, CSS, labels) and a commented
    docpipe.toml naming the folder as template_dir, ready to edit."""
    from . import stdout
    from .templates import export

    for path in export(folder, force=force):
        if not quiet:
            stdout.path(path, print0)
    stdout.flush()


def main() -> None:
    """Console entry point."""
    from .signals import install
    from .stdout import guard

    install()  # SIGTERM/SIGHUP/Ctrl-C: one line, no output after it, exit within 2 s
    guard()  # a full disk or a closed pipe on stdout: one line, not a traceback
    try:
        app()
    except SystemExit as exc:
        _exit(exc.code)
    _exit(0)


def _exit(code) -> None:
    """End the process without tearing the interpreter down.

    Every output is written, renamed and closed by now; what is left is the interpreter's
    own finalization, which frees WeasyPrint's, Pango's and lxml's objects one by one:
    0.1-0.4 s of a ~1 s briefing. So: run the atexit handlers (logging, multiprocessing),
    flush stdout and stderr, and leave with the exit code Python would have used. (With
    another thread still running that Python would wait for, Python's own exit is used,
    unless a signal ended the run: then nothing is worth waiting for, and a Dask client's
    finalizer would hold the exit for 20 s.)"""
    import atexit
    import contextlib
    import os
    import threading

    if code is None:
        code = 0
    elif not isinstance(code, int):
        print(code, file=sys.stderr)  # as Python prints a SystemExit message
        code = 1
    code = _flush_stdout(code)
    from .signals import stopped

    waiting = [t for t in threading.enumerate() if not t.daemon and t.is_alive()
               and t is not threading.main_thread()]
    if waiting and not stopped():  # a thread Python would wait for: let it
        sys.exit(code)
    atexit._run_exitfuncs()
    with contextlib.suppress(OSError, ValueError, AttributeError):
        sys.stderr.flush()
    os._exit(code)


def _flush_stdout(code: int) -> int:
    """What stdout still holds, written: a full disk or a closed stream is one line and
    exit 1 (unless the run already failed); a reader that went away, quiet."""
    from .errors import DocpipeError, ReaderGone

    try:
        from .stdout import flush

        flush()
    except ReaderGone as exc:
        from .stdout import silence

        silence()
        return code or exc.exit_code
    except DocpipeError as exc:
        from .stdout import silence

        silence()
        err(str(exc))
        return code or 1
    return code


if __name__ == "__main__":
    main()
