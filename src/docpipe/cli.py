"""Thin Typer layer over the Python API (api.py): options in, results printed.

Heavy libraries (WeasyPrint, python-docx, OpenCC, jieba) are imported by the
stages that use them, so `docpipe --help` stays fast. Every error a user can cause,
the command line's own included, is one line `docpipe: error: …` and an exit code.
Every command's options are rows of the one table in options.py: `takes` turns them into
the Typer parameters, and the command passes them on to the API by their keywords.
Option defaults may come from a config file (config.py): the `--config` option of each
command is eager and loads it before the other options are read.
"""

from __future__ import annotations

import functools
import inspect
import sys
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperCommand, TyperGroup

from . import __version__
from .errors import DocpipeError
from .options import REQUIRED, api_values, of

if TYPE_CHECKING:
    from .options import Option


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


# --- the options: rows of options.py, as Typer parameters ----------------------------


def takes(command: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A command function with the options `command` takes in the table after its own
    parameters (the context, the arguments), in its signature, where Typer reads them;
    it receives them as **opts, by their parameter names (`--from`: from_). Its errors
    are the user's (`user_errors`)."""

    def wrap(func: Callable[..., Any]) -> Callable[..., Any]:
        own = inspect.signature(func, eval_str=True)
        params = [p for p in own.parameters.values() if p.kind is not p.VAR_KEYWORD]
        run = user_errors(func) if command != "docpipe" else func
        run.__signature__ = own.replace(  # type: ignore[attr-defined]
            parameters=params + [_parameter(o) for o in of(command)])
        return run

    return wrap


def _parameter(o: Option) -> inspect.Parameter:
    """One row of the table as the Typer parameter that declares it."""
    kind, default = o.type, o.default
    extra: dict[str, Any] = {k: v for k, v in (
        ("metavar", o.metavar), ("min", o.min), ("max", o.max), ("envvar", o.envvar),
        ("callback", _CALLBACKS.get(o.name)), ("parser", _PARSERS.get(o.name)))
        if v is not None}
    if o.choices:  # an Enum, which Typer offers as a choice of any case
        choices = StrEnum(o.name.title(), [(c, c) for c in o.choices])  # type: ignore[misc]
        kind = choices if o.default is not None else choices | None
        default = choices(o.default) if o.default is not None else None
        extra["case_sensitive"] = False
    if not o.show_envvar:
        extra["show_envvar"] = False
    if o.eager:
        extra["is_eager"] = True
    return inspect.Parameter(
        o.param, inspect.Parameter.KEYWORD_ONLY,
        default=inspect.Parameter.empty if default is REQUIRED else default,
        annotation=Annotated[kind, typer.Option(*o.flags, help=o.help, **extra)])


def _check_to(value: str | None) -> str | None:
    """--to: a variant or a BCP 47 tag (zh-TW …), as the variant; else the usual error."""
    if value is None:
        return None
    from .variants import VARIANTS, variant_for

    found = variant_for(str(value))
    if found is None:
        raise typer.BadParameter(f"{value!r} is not one of {', '.join(VARIANTS)}")
    return found


def _load_config(ctx: typer.Context, value: str | None) -> str | None:
    """Eager: the config file's values become this command's option defaults."""
    from .config import load_into

    config = load_into(ctx, value)
    if config is not None and ctx.info_name != "config":
        READ["config"] = config
    return value


#: What the command line does with some options' values as it reads them.
_CALLBACKS: dict[str, Callable[..., Any]] = {
    "version": _version, "to": _check_to, "config": _load_config}
_PARSERS: dict[str, Callable[..., Any]] = {"phrases": lambda value: value if isinstance(
    value, dict) else str(value)}  # a file name; in a config file also a table


@app.callback()
@takes("docpipe")
def main_options(**opts: Any) -> None:
    DEBUG["on"] = opts["debug"]
    if opts["debug"]:  # the fallbacks docpipe took (writers/pdf), one line each
        import logging

        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("docpipe: debug: %(name)s: %(message)s"))
        logging.getLogger("docpipe").addHandler(handler)
        logging.getLogger("docpipe").setLevel(logging.INFO)


# --- printing what the API returns ---------------------------------------------------


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


# --- the commands --------------------------------------------------------------------


@app.command(cls=DocpipeCommand, epilog="""\b
Examples:
  docpipe convert page.txt -o out           # out/page.pdf, out/page.docx
  docpipe convert page.html -o brief.pdf --to tw    # exactly brief.pdf, Taiwan script
  docpipe convert saved/ -o out -f all      # every format of every page in saved/
  docpipe convert - -o - -f md < page.txt   # Markdown on stdout
""")
@takes("convert")
def convert(
    ctx: typer.Context,
    inputs: Annotated[list[str], typer.Argument(
        metavar="INPUT", help="Pages (.txt, .html), folders, globs, or - for stdin.")],
    **opts: Any,
) -> None:
    """Write a briefing of each page: OUT/<page>.pdf, OUT/<page>.docx, …

    Prints the files written, one per line (control characters and backslashes in
    names escaped as in Python; --print0: as they are)."""
    from . import stdout
    from .api import file_format, iter_convert

    if opts["formats"] and file_format(opts["out"]) and ctx.get_parameter_source(
            "formats").name == "DEFAULT_MAP":
        opts["formats"] = None  # -o brief.pdf on the command line beats the config file's
    quiet, failed = opts["quiet"], 0
    for result in iter_convert(inputs, debug=DEBUG["on"], **api_values("convert", opts)):
        if result.article and opts["explain"]:
            _explain(result.article)
        if result.article and not opts["strict"]:
            warn(result.input, result.article.warnings)
        if opts["verbose"] and not quiet and result.stages:
            _stages(result.input, result.stages)
        if not result.ok:
            err(result.error)
            failed += 1
        elif not quiet:
            for path in result.outputs:
                stdout.path(path, opts["print0"])
    stdout.flush()  # a full disk is this run's error, said now
    if failed:
        raise typer.Exit(1)


@app.command(cls=DocpipeCommand, epilog="""\b
Examples:
  docpipe extract page.txt                     # the article as JSON
  docpipe extract page.html --to tw --explain  # Taiwan script; dropped lines on stderr
""")
@takes("extract")
def extract(
    input: Annotated[str, typer.Argument(metavar="INPUT",
                                         help="One page (.txt, .html) or - for stdin.")],
    **opts: Any,
) -> None:
    """Print the cleaned article as JSON on stdout (its warnings also on stderr)."""
    from . import stdout
    from .api import extract as extract_article
    from .writers.json import dumps

    stages: list[tuple[str, float]] = []
    explain, quiet = opts["explain"], opts["quiet"]
    try:
        art = extract_article(Path(input) if input != "-" else "-", stages=stages,
                              **api_values("extract", opts))
    except DocpipeError as exc:
        if explain and getattr(exc, "article", None) is not None:
            _explain(exc.article)
        raise
    if explain and not quiet:
        _explain(art)
    warn(input, art.warnings)
    if opts["verbose"] and not quiet:
        _stages(input, stages)
    stdout.write(dumps(art))
    stdout.flush()


@app.command(cls=DocpipeCommand, epilog="""\b
Examples:
  docpipe pack pages/ -o out/week --name week --title "一周简报"
  docpipe pack pages/*.html -o out/tw --to tw --no-pages -j 2
""")
@takes("pack")
def pack(
    inputs: Annotated[list[str], typer.Argument(metavar="INPUT",
                                                help="Pages (.txt, .html), folders or globs.")],
    **opts: Any,
) -> None:
    """Build a briefing pack: OUT/NAME.pdf (cover, contents, bookmarks), OUT/NAME.docx,
    OUT/NAME.json (manifest), and each page's briefing. Only what changed is rebuilt."""
    from . import stdout
    from .api import pack as build
    from .packplan import summary_lines
    from .progress import progress_for

    quiet = opts["quiet"]
    report = build(inputs, progress=progress_for(sys.stderr, quiet),
                   **api_values("pack", opts))
    _tell_pack(report, opts["explain"], opts["verbose"] and not quiet, opts["strict"])
    if not quiet:
        for line in summary_lines(report):
            stdout.line(line)
    stdout.flush()
    if not report.ok:
        raise typer.Exit(1)


def _tell_pack(report, explain: bool, verbose: bool, strict: bool) -> None:
    """On stderr: each page's dropped lines (--explain), whether it was converted (-v),
    its warnings; the pages and the pack that failed; the pack's own notes and time."""
    for e in report.entries:
        if e.article is not None and explain:
            _explain(e.article)
        if verbose:
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
    if verbose:
        typer.echo(f"pack: {'made' if report.pack_rebuilt else 'up to date'}, "
                   f"{report.seconds:.2f} s", err=True)


@app.command(cls=DocpipeCommand, epilog="""\b
Examples:
  docpipe check out/week --name week     # before forwarding a pack someone else built
""")
@takes("check")
def check(
    folder: Annotated[Path, typer.Argument(metavar="DIR", help="The pack's folder (its -o).")],
    **opts: Any,
) -> None:
    """Read a pack back: say, per article, whether the pack's PDF and DOCX hold it (its
    own briefing's text, page by page; or its text from the folder's cache). Exit 1 when
    one does not."""
    from .api import check as check_pack

    results = check_pack(folder, **api_values("check", opts))
    bad = 0
    for r in results:
        if not r.ok:
            bad += 1
            problems = "; ".join(f"{kind} {what}" for kind, what in (("PDF", r.pdf),
                                 ("DOCX", r.docx)) if what not in ("ok", ""))
            err(f"{r.input}: {r.title}: {problems}")
        elif not opts["quiet"]:
            unchecked = [kind for kind, what in (("PDF", r.pdf), ("DOCX", r.docx)) if not what]
            how = f"not checked: {', '.join(unchecked)} (no briefing, no cached text)" \
                if unchecked else f"against {r.against}"
            typer.echo(f"ok  {r.title}  (pages {r.pages[0]}-{r.pages[1]}; {how})")
    if not opts["quiet"]:
        typer.echo(f"{len(results) - bad} of {len(results)} article(s) held by the pack")
    if bad:
        raise typer.Exit(1)


@app.command(cls=DocpipeCommand, epilog="""\b
Example:
  docpipe doctor -q        # nothing printed (exit 0) when all is ready
""")
@takes("doctor")
def doctor(**opts: Any) -> None:
    """Check fonts, HarfBuzz subsetting and OpenCC configs; say how to fix each problem."""
    from . import stdout
    from .doctor import run

    code = run(_quiet_doctor if opts["quiet"] else stdout.line)
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
@takes("config")
def show_config(ctx: typer.Context, **opts: Any) -> None:
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
@takes("templates export")
def templates_export(
    folder: Annotated[Path, typer.Argument(metavar="DIR", help="Folder to write them into.")],
    **opts: Any,
) -> None:
    """Write docpipe's templates (briefing/article/pack HTML, CSS, labels) and a commented
    docpipe.toml naming the folder as template_dir, ready to edit."""
    from . import stdout
    from .templates import export

    for path in export(folder, force=opts["force"]):
        if not opts["quiet"]:
            stdout.path(path, opts["print0"])
    stdout.flush()


def main() -> None:
    """Console entry point."""
    from . import quickexit
    from .signals import install
    from .stdout import guard

    quickexit.install()  # first, so that it runs after every other atexit handler
    install()  # SIGTERM/SIGHUP/Ctrl-C: one line, no output after it, exit within 2 s
    guard()  # a full disk or a closed pipe on stdout: one line, not a traceback
    try:
        app()
    except SystemExit as exc:
        _exit(exc.code)
    _exit(0)


def _exit(code) -> None:
    """Exit through Python's own shutdown (threads joined, atexit handlers run), with
    the interpreter's object teardown skipped at its end (quickexit.py). After a signal
    nothing is worth waiting for: a Dask client's finalizer would hold the exit for 20 s."""
    from . import quickexit
    from .signals import stopped

    if code is None:
        code = 0
    elif not isinstance(code, int):
        print(code, file=sys.stderr)  # as Python prints a SystemExit message
        code = 1
    code = _flush_stdout(code)
    quickexit.arm(code)
    if stopped():
        quickexit.leave()
    sys.exit(code)


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
