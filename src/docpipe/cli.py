"""Thin Typer layer: options -> one Settings record -> pipeline calls.

Heavy libraries (WeasyPrint, python-docx, OpenCC, jieba) are imported by the
stages that use them, so `docpipe --help` stays fast.
"""

from __future__ import annotations

import contextlib
import functools
import sys
import traceback
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from . import __version__
from .errors import DocpipeError, UsageError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Turn saved Chinese portal pages into clean PDF and DOCX briefings.",
)

DEBUG = {"on": False}


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
        try:
            return func(*args, **kwargs)
        except DocpipeError as exc:
            err(str(exc))
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt as exc:  # Ctrl-C, or SIGTERM/SIGHUP via _on_signal
            # Temporary output files are already gone (outputs.atomic_path's cleanup).
            err(str(exc) or "interrupted")
            raise typer.Exit(getattr(exc, "exit_code", 130)) from None

    return wrapper


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


# Options shared by the commands (Typer reads them from the annotations).
ToOpt = Annotated[Variant | None, typer.Option(
    "--to", help="Script: hans (Simplified), hant, tw (Taiwan), twp (Taiwan phrases), hk. "
    "Default: keep the page's.")]
EncodingOpt = Annotated[str | None, typer.Option(
    "--encoding", help="Input charset, overriding detection (gbk, big5, utf-16 …).")]
RulesOpt = Annotated[list[Path] | None, typer.Option(
    "--rules", help="Folder of extra site profiles (*.toml). Repeatable.")]
MaxBytesOpt = Annotated[int, typer.Option(
    "--max-bytes", min=0, help="Refuse inputs larger than this many bytes (0: no limit).")]
SummaryOpt = Annotated[int, typer.Option(
    "--summary-sentences", min=1, max=10, help="Sentences in the summary.")]
TemplateDirOpt = Annotated[Path | None, typer.Option(
    "--template-dir", help="Folder whose templates override docpipe's.")]
QuietOpt = Annotated[bool, typer.Option("-q", "--quiet", help="Print errors and warnings only.")]


class InputKind(StrEnum):
    txt = "txt"
    html = "html"
    mhtml = "mhtml"


FromOpt = Annotated[InputKind | None, typer.Option(
    "--from", help="Read every input as this kind (txt, html, mhtml), whatever its name or "
    "content says. Also reads files docpipe would refuse as not a page.")]
StrictOpt = Annotated[bool, typer.Option(
    "--strict", help="A page with a warning (no headline, no date, a short or cut-off text, "
    "lines dropped by learning …) counts as failed: exit 1, its outputs not written.")]


FolderImagesOpt = Annotated[bool, typer.Option(
    "--folder-images", help="Embed local images from anywhere under the page's folder, not "
    "only its NAME_files/ (pages saved by wget or other tools).")]
MaxPagesOpt = Annotated[int, typer.Option(
    "--max-pages", min=0, help="Refuse a page whose PDF would be longer (0: no limit).")]


def _settings(*, formats="pdf,docx", to=None, out=Path("out"), summary_sentences=2,
              encoding=None, rules=None, max_bytes=0, template_dir=None, kind=None,
              strict=False, max_pages=500, folder_images=False):
    from .decode import codec_name
    from .pipeline import Settings
    from .readers import ReadOptions
    from .writers import WRITERS, RenderOptions

    fmts = tuple(dict.fromkeys(f.strip().lower() for f in formats.split(",") if f.strip()))
    unknown = [f for f in fmts if f not in WRITERS]
    if unknown or not fmts:
        raise UsageError(f"unknown format {', '.join(unknown) or '(none)'}; "
                         f"choose from {', '.join(WRITERS)}")
    if encoding and not codec_name(encoding):
        raise UsageError(f"unknown encoding {encoding!r}")
    if template_dir and not Path(template_dir).is_dir():
        raise UsageError("template folder not found", str(template_dir))
    settings = Settings(
        formats=fmts,
        variant=to.value if to else None,
        out_dir=out,
        summary_sentences=summary_sentences,
        strict=strict,
        read=ReadOptions(encoding=encoding, max_bytes=max_bytes,
                         rules=tuple(str(r) for r in rules or ()),
                         kind=kind.value if kind else None, folder_images=folder_images),
        render=RenderOptions(template_dir=str(template_dir) if template_dir else None,
                             max_pages=max_pages),
    )
    from .profiles import site_profiles

    site_profiles(settings.read.rules)  # a bad rules folder is a usage error, said once
    return settings


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


def _internal(path: str, exc: BaseException) -> str:
    if DEBUG["on"]:
        traceback.print_exc()
    detail = " ".join(str(exc).split())  # one line, however the exception spells it
    if len(detail) > 200:
        detail = detail[:200] + "…"
    return f"{path}: internal error: {type(exc).__name__}: {detail} (run with --debug for details)"


DEFAULT_MAX = 20_000_000


@app.command()
@user_errors
def convert(
    inputs: Annotated[list[str], typer.Argument(help="Pages (.txt, .html), folders, globs or -.")],
    out: Annotated[Path, typer.Option("-o", "--out", help="Output folder.")] = Path("out"),
    formats: Annotated[str, typer.Option("-f", "--formats",
                                         help="Comma-separated: pdf,docx,html,md,json.")] = "pdf,docx",
    to: ToOpt = None,
    explain: Annotated[bool, typer.Option("--explain",
                                          help="Print each dropped line and its rule.")] = False,
    summary_sentences: SummaryOpt = 2,
    template_dir: TemplateDirOpt = None,
    encoding: EncodingOpt = None,
    rules: RulesOpt = None,
    max_bytes: MaxBytesOpt = DEFAULT_MAX,
    max_pages: MaxPagesOpt = 500,
    folder_images: FolderImagesOpt = False,
    quiet: QuietOpt = False,
    from_: FromOpt = None,
    strict: StrictOpt = False,
) -> None:
    """Write a briefing of each page: OUT/<page>.pdf, OUT/<page>.docx, …"""
    from .outputs import ensure_dir
    from .pipeline import (
        check_collisions,
        check_overwrites,
        convert_one,
        expand_inputs,
        read_options_for,
    )

    settings = _settings(formats=formats, to=to, out=out, summary_sentences=summary_sentences,
                         encoding=encoding, rules=rules, max_bytes=max_bytes,
                         template_dir=template_dir, kind=from_, strict=strict,
                         max_pages=max_pages, folder_images=folder_images)
    bad_inputs: list[DocpipeError] = []
    paths = expand_inputs(inputs, bad_inputs)
    ensure_dir(settings.out_dir)
    clashes = {**check_collisions(paths), **check_overwrites(paths, settings)}
    read_opts = read_options_for(paths, settings)
    failed = len(bad_inputs)
    for problem in bad_inputs:  # an empty folder or a pattern that matches nothing
        err(str(problem))
    for path in paths:
        if path in clashes:
            err(clashes[path])
            failed += 1
            continue
        try:
            result = convert_one(path, settings, read_opts=read_opts[path])
        except Exception as exc:  # a bug must not take the other pages down
            err(_internal(path, exc))
            failed += 1
            continue
        if result.article and explain:
            _explain(result.article)
        if result.article and not strict:
            warn(path, result.article.warnings)
        if not result.ok:
            err(result.error)
            failed += 1
        elif not quiet:
            typer.echo(" ".join(str(p) for p in result.outputs))
    if failed:
        raise typer.Exit(1)


@app.command()
@user_errors
def extract(
    input: Annotated[str, typer.Argument(help="One page (.txt, .html) or - for stdin.")],
    to: ToOpt = None,
    explain: Annotated[bool, typer.Option("--explain",
                                          help="Also print each dropped line on stderr.")] = False,
    summary_sentences: SummaryOpt = 2,
    encoding: EncodingOpt = None,
    rules: RulesOpt = None,
    max_bytes: MaxBytesOpt = DEFAULT_MAX,
    folder_images: FolderImagesOpt = False,
    from_: FromOpt = None,
    strict: StrictOpt = False,
) -> None:
    """Print the cleaned article as JSON on stdout (its warnings also on stderr)."""
    from .pipeline import load
    from .writers.json import dumps

    settings = _settings(to=to, summary_sentences=summary_sentences, encoding=encoding,
                         rules=rules, max_bytes=max_bytes, kind=from_, strict=strict,
                         folder_images=folder_images)
    with contextlib.suppress(OSError):  # a name too long is reported when read
        if Path(input).is_dir():
            raise UsageError("extract takes one page, not a folder", input)
    try:
        art = load(input, settings)
    except DocpipeError as exc:
        if explain and getattr(exc, "article", None) is not None:
            _explain(exc.article)
        raise
    if explain:
        _explain(art)
    warn(input, art.warnings)
    sys.stdout.write(dumps(art))


class Sort(StrEnum):
    date = "date"
    title = "title"
    input = "input"


@app.command()
@user_errors
def pack(
    inputs: Annotated[list[str], typer.Argument(help="Pages (.txt, .html), folders or globs.")],
    out: Annotated[Path, typer.Option("-o", "--out", help="Output folder.")],
    name: Annotated[str, typer.Option("--name", help="Pack file name: OUT/NAME.pdf, .docx, "
                                      ".json.")] = "pack",
    title: Annotated[str | None, typer.Option("--title", help="Title on the cover "
                                              "(default: 简报汇编).")] = None,
    jobs: Annotated[int, typer.Option("-j", "--jobs", min=0,
                                      help="Worker processes (0: one per CPU).")] = 0,
    to: ToOpt = None,
    sort: Annotated[Sort, typer.Option("--sort", help="Order: date (then title), title, "
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
    max_pages: MaxPagesOpt = 500,
    folder_images: FolderImagesOpt = False,
    quiet: QuietOpt = False,
    from_: FromOpt = None,
    strict: StrictOpt = False,
) -> None:
    """Build a briefing pack: OUT/NAME.pdf (cover, contents, bookmarks), OUT/NAME.docx,
    OUT/NAME.json (manifest), and each page's briefing. Only what changed is rebuilt."""
    from .pack import PackOptions, build_pack, summary_lines
    from .progress import progress_for

    settings = _settings(to=to, out=out, summary_sentences=summary_sentences,
                         encoding=encoding, rules=rules, max_bytes=max_bytes,
                         template_dir=template_dir, kind=from_, strict=strict,
                         max_pages=max_pages, folder_images=folder_images)
    opts = PackOptions(name=name, title=title, jobs=jobs, sort=sort.value, pages=pages,
                       force=force)
    report = build_pack(inputs, settings, opts, progress_for(sys.stderr, quiet))
    for e in report.entries:
        if e.article is not None and not strict:
            warn(e.input, e.article.warnings)
    for e in report.failed:
        err(e.error)
    if report.pack_error:
        err(report.pack_error)
    if not quiet:
        for line in summary_lines(report):
            typer.echo(line)
    if not report.ok:
        raise typer.Exit(1)


@app.command()
def doctor() -> None:
    """Check fonts, HarfBuzz subsetting and OpenCC configs; say how to fix each problem."""
    from .doctor import run

    raise typer.Exit(run(typer.echo))


def _on_signal(signum, frame) -> None:
    """SIGTERM/SIGHUP unwind like Ctrl-C, so temporary output files are removed.
    A second signal ends the process at once (the default action)."""
    import signal

    from .errors import Terminated

    signal.signal(signum, signal.SIG_DFL)
    raise Terminated(signum)


def main() -> None:
    """Console entry point."""
    import signal

    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _on_signal)
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
    any other thread still running, Python's own exit, which waits for it, is used.)"""
    import atexit
    import os
    import threading

    if threading.active_count() > 1:  # a thread still running: let Python wait for it
        sys.exit(code)
    if code is None:
        code = 0
    elif not isinstance(code, int):
        print(code, file=sys.stderr)  # as Python prints a SystemExit message
        code = 1
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (docpipe … | head) or stream
            code = code or 120  # what Python itself exits with when the flush fails
    os._exit(code)


if __name__ == "__main__":
    main()
