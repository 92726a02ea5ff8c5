"""docpipe's Python API: what the command line does, as functions.

    import docpipe
    art = docpipe.extract("page.txt", to="tw")          # -> Article
    results = docpipe.convert(["page.txt"], "out")       # -> list[Result]
    report = docpipe.pack(["pages/"], "out/week", name="week")   # -> PackReport

Every option of a command is a keyword of its function, by its long name (`--from` is
`kind`): the keywords, their defaults and the choices and bounds checked are the rows of
the options table (options.py, through `takes`). Every option is checked here, before
anything is read or written, so a bad value raises `docpipe.UsageError` with one
readable line (the CLI prints that line and exits 2). The CLI is a thin layer over these
functions; `iter_convert` is `convert` one result at a time.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import shutil
import tempfile
import traceback
from collections.abc import Iterable, Iterator
from enum import Enum
from pathlib import Path
from types import SimpleNamespace
from typing import IO, TYPE_CHECKING, Any

from .errors import DocpipeError, InputError, ReaderGone, UsageError
from .model import Article
from .options import check_values, choice, page_values, takes
from .pipeline import (
    STDIN,
    Result,
    Settings,
    check_collisions,
    check_overwrites,
    convert_one,
    expand_inputs,
    load,
    output_stem,
    read_options_for,
    transform,
)
from .readers import ReadOptions
from .variants import VARIANTS, variant_for
from .writers import DEFAULT_FORMATS, WRITERS, RenderOptions

if TYPE_CHECKING:
    from .packplan import PackReport
    from .verify import ArticleCheck

#: File suffix -> format, for `out="brief.pdf"`.
SUFFIX_FORMATS = {suffix: fmt for fmt, (_, suffix) in WRITERS.items()}
BINARY_FORMATS = ("pdf", "docx")

PathLike = str | os.PathLike[str]


def _variant(to: Any) -> str:
    """`to` as a variant: hans, hant, tw, twp, hk or a BCP 47 tag (zh-Hans, zh-Hant,
    zh-TW, zh-HK, zh-CN …), any case; else the one-line UsageError of `choice`."""
    text = to.value if isinstance(to, Enum) else to
    found = variant_for(text) if isinstance(text, str) else None
    return found or choice("to", to, VARIANTS)


def parse_formats(formats: str | Iterable[str] | None) -> tuple[str, ...]:
    """'pdf,docx', ['pdf', 'docx'] or 'all' -> ('pdf', 'docx'); unknown ones are an error."""
    if formats is None:
        return DEFAULT_FORMATS
    items = formats.split(",") if isinstance(formats, str) else list(formats)
    names = [str(f).strip().lower() for f in items if str(f).strip()]
    if "all" in names:
        return tuple(WRITERS)
    fmts = tuple(dict.fromkeys(names))
    unknown = [f for f in fmts if f not in WRITERS]
    if unknown or not fmts:
        raise UsageError(f"unknown format {', '.join(unknown) or '(none)'}; "
                         f"choose from {', '.join(WRITERS)}, or all")
    return fmts


@takes("convert", page_only=True)
def settings(**options: Any) -> Settings:
    """Every option that makes a page's outputs checked and gathered into one `Settings`
    record: the keywords are those of `convert` that are part of `Settings` (see
    options.py).

    `credit`: the closing line of each briefing (None: docpipe's own; "" or False, or
    `no_credit=True`: none; True: docpipe's own, as `credit = true` in a config file)."""
    from .decode import codec_name
    from .writers import check_render_options

    fmts = parse_formats(options["formats"])
    variant = _variant(options["to"]) if options["to"] is not None else None
    o = SimpleNamespace(**check_values("convert", options))
    if o.encoding and not codec_name(o.encoding):
        raise UsageError(f"unknown encoding {o.encoding!r}")
    rules = [o.rules] if isinstance(o.rules, str | os.PathLike) else o.rules
    if o.template_dir:
        if not Path(o.template_dir).is_dir():
            raise UsageError("template folder not found", str(o.template_dir))
        from .templates import check_templates

        check_templates(Path(o.template_dir))  # a broken template: one line, file and line
    render = RenderOptions(template_dir=str(o.template_dir) if o.template_dir else None,
                           organisation=o.organisation or "",
                           logo=str(o.logo) if o.logo else None,
                           credit=_credit(o.credit, o.no_credit), pdf_variant=o.pdf_variant,
                           max_pages=o.max_pages)
    check_render_options(render)
    from .transforms.phrases import load as load_phrases

    result = Settings(
        phrases=load_phrases(o.phrases, VARIANTS),
        formats=fmts,
        variant=variant,
        out_dir=Path(o.out),
        summary_sentences=o.summary_sentences,
        strict=bool(o.strict),
        punct=o.punct,
        read=ReadOptions(encoding=o.encoding, max_bytes=o.max_bytes,
                         rules=tuple(str(r) for r in rules or ()), kind=o.kind,
                         folder_images=bool(o.folder_images)),
        render=render,
    )
    from .profiles import site_profiles

    site_profiles(result.read.rules)  # a bad rules folder is a usage error, said once
    return result


def _credit(credit: str | bool | None, no_credit: bool) -> str | None:
    """The closing line: "" for none, None for docpipe's own, else the user's text."""
    if no_credit or credit is False:
        return ""
    return None if credit is True else credit


# --- extract -------------------------------------------------------------------------


def _source(source: str | bytes | os.PathLike[str]) -> tuple[str, bytes | None]:
    """(name, data): data None means `name` is a file (or `-`) still to be read."""
    if isinstance(source, bytes | bytearray):
        return "<bytes>", bytes(source)
    if isinstance(source, os.PathLike):
        return os.fspath(source), None
    if not isinstance(source, str):
        raise UsageError(f"source must be text, bytes or a path, not {type(source).__name__}")
    if source == STDIN:
        return STDIN, None
    if "\n" not in source and len(source) < 1024:
        from .readers import SUFFIXES

        with contextlib.suppress(OSError, ValueError):
            if Path(source).exists():
                return source, None
        if Path(source).suffix.lower() in SUFFIXES:  # a page's name: "no such file", not text
            return source, None
    return "<text>", source.encode("utf-8")


@takes("extract")
def extract(
    source: str | bytes | os.PathLike[str],
    *,
    stages: list[tuple[str, float]] | None = None,
    **options: Any,
) -> Article:
    """The cleaned article of one page.

    `source` is a `pathlib.Path` (or a one-line string naming a file: an existing one, or
    one ending in .txt, .html …; "-" is stdin), the page's text as `str`, or its raw
    `bytes` (charset detected). Every option of `docpipe extract` is a keyword here, by
    its long name (`--from` is `kind`: "txt", "html" or "mhtml"; default: from the file
    name, else from the content). The article's `warnings` say what to check; with
    `strict=True` a warning raises `StrictError`. Raises `InputError` for a page that
    cannot be read, `UsageError` for a bad option. `stages` (a list) receives each
    stage's name and time."""
    opts = settings(**options)
    name, data = _source(source)
    if data is None:
        with contextlib.suppress(OSError):  # a name too long is reported when read
            if name != STDIN and Path(name).is_dir():
                raise UsageError("extract takes one page, not a folder", name)
        return load(name, opts, stages)
    if options["encoding"] is None and isinstance(source, str):
        opts = dataclasses.replace(opts, read=dataclasses.replace(opts.read, encoding="utf-8"))
    if opts.read.max_bytes and len(data) > opts.read.max_bytes:
        raise InputError(f"input is over the limit of {opts.read.max_bytes} bytes", name)
    from .readers import read

    art = transform(read(data, name, opts.read), opts)
    if opts.strict and art.warnings:
        from .errors import StrictError

        raise StrictError(f"--strict: {len(art.warnings)} warning(s), first: {art.warnings[0]}",
                          name, article=art)
    return art


# --- convert -------------------------------------------------------------------------


def _as_inputs(inputs: PathLike | Iterable[PathLike]) -> list[str]:
    if isinstance(inputs, str | os.PathLike):
        return [os.fspath(inputs)]
    return [os.fspath(i) for i in inputs]


def _plain_name(name: str, what: str) -> str:
    stem = name.strip()
    if not stem or "/" in stem or "\\" in stem or stem.startswith(".") or "\0" in stem:
        raise UsageError(f"{what} {name!r} must be a plain file name")
    return stem


def _internal(path: str, exc: BaseException) -> str:
    detail = " ".join(str(exc).split())  # one line, however the exception spells it
    if len(detail) > 200:
        detail = detail[:200] + "…"
    return f"{path}: internal error: {type(exc).__name__}: {detail} (run with --debug for details)"


def file_format(out: PathLike) -> str | None:
    """The format `-o OUT` names when it is one file (brief.pdf -> pdf), else None."""
    target = Path(os.fspath(out))
    fmt = SUFFIX_FORMATS.get(target.suffix.lower()) if os.fspath(out) != "-" else None
    return fmt if fmt and not target.is_dir() else None


@takes("convert")
def iter_convert(
    inputs: PathLike | Iterable[PathLike],
    out: PathLike,
    *,
    stdout: IO[bytes] | None = None,
    debug: bool = False,
    **options: Any,
) -> Iterator[Result]:
    """`convert`, one `Result` at a time as each page is done (the CLI prints as it goes).

    `jobs` other than 1 (0: one per CPU) or a Dask `scheduler` (tcp://HOST:PORT, which
    must answer within `scheduler_timeout` seconds) render the pages in workers
    (`batch.convert_pages`), each within `page_timeout` seconds and `page_memory` MB.
    Every usage error is raised before the first page is read."""
    o = SimpleNamespace(**options)
    scheduler = _scheduler(o.scheduler, o.scheduler_timeout)
    paths_in = _as_inputs(inputs)
    out_s = os.fspath(out)
    mode, fmts = _destination(out_s, o.formats, o.name, stdout)
    target = Path(out_s)
    name = _plain_name(o.name, "--name") if o.name is not None else None
    run = settings(**{**page_values(options), "formats": fmts,
                      "out": target.parent if mode == "file" else target})
    bad: list[InputError] = []
    paths = expand_inputs(paths_in, bad)
    if (mode != "dir" or name is not None) and len(paths) + len(bad) > 1:
        why = {"file": f"-o {out_s} names one file", "stdout": "-o - writes one page",
               "dir": "--name names one page's outputs"}[mode]
        raise UsageError(f"{why}, but {len(paths) + len(bad)} inputs were given")
    if mode == "dir":
        _make_folder(out_s, run)
    file_targets = {fmts[0]: target} if mode == "file" and fmts else None
    clashes = check_collisions(paths) if name is None else {}
    if mode != "stdout":
        clashes = {**check_overwrites(paths, run, stem=name, targets=file_targets), **clashes}
    read_opts = read_options_for(paths, run)
    for problem in bad:  # an empty folder or a pattern that matches nothing
        yield Result(problem.path or "", error=str(problem))
    if mode == "dir" and name is None and (o.jobs != 1 or scheduler):
        yield from _in_workers(paths, clashes, run, read_opts, scheduler, o)
        return
    for path in paths:
        if path in clashes:
            yield Result(path, error=clashes[path])
            continue
        try:
            if mode == "stdout":
                result = _to_stdout(path, run, read_opts[path], stdout or _stdout())
            else:
                result = convert_one(path, run, stem=name, read_opts=read_opts[path],
                                     targets=file_targets)
        except ReaderGone:  # `| head` read enough: nothing more to write
            raise
        except Exception as exc:  # a bug must not take the other pages down
            if debug:
                traceback.print_exc()
            result = Result(path, error=_internal(path, exc))
        yield result


def _destination(out: str, formats: str | Iterable[str] | None, name: str | None,
                 stdout: IO[bytes] | None) -> tuple[str, tuple[str, ...] | None]:
    """Where `-o OUT` sends a page's outputs: "stdout" (-), "file" (brief.pdf: that format
    alone) or "dir"; and the formats asked for (None: the default), checked against it."""
    fmts = parse_formats(formats) if formats is not None else None
    if out == "-":
        if fmts is None or len(fmts) != 1:
            raise UsageError("-o - writes one format to stdout: choose it with -f "
                             "(md, html, json; pdf or docx into a pipe or a file)")
        stream = stdout or _stdout()  # a closed stdout: one line now, before any page
        if fmts[0] in BINARY_FORMATS and _is_terminal(stream):
            raise UsageError(f"will not write {fmts[0]} to a terminal: redirect stdout "
                             f"(> page.{fmts[0]}) or pipe it")
        return "stdout", fmts
    fmt = file_format(Path(out))
    if not fmt:
        return "dir", fmts
    if fmts is not None and fmts != (fmt,):
        raise UsageError(f"-o {out} is a {fmt} file, but the formats asked for are "
                         f"{','.join(fmts)}")
    if name is not None:
        raise UsageError("--name names the outputs in a folder; -o FILE names the file "
                         "itself")
    return "file", (fmt,)


def _make_folder(out: str, run: Settings) -> None:
    """The output folder, made; `-o` naming an existing file where a folder must go is the
    user's error, said with the way out."""
    from .outputs import ensure_dir

    if len(run.formats) > 1 and Path(out).exists() and not Path(out).is_dir():
        what = f"{len(run.formats)} outputs per page ({','.join(run.formats)})"
        suffix = WRITERS[run.formats[0]][1]
        raise UsageError(f"-o {out} is an existing file, not a folder: {what} go into "
                         f"a folder (-o DIR), or name one output file by its format "
                         f"(-o brief{suffix} -f {run.formats[0]})")
    ensure_dir(run.out_dir)


def _in_workers(paths: list[str], clashes: dict[str, str], run: Settings,
                read_opts: dict[str, ReadOptions], scheduler: str | None,
                o: SimpleNamespace) -> Iterator[Result]:
    """`convert -j N` or `--scheduler`: the pages rendered in workers, in input order."""
    from .batch import convert_pages

    for path in paths:
        if path in clashes:
            yield Result(path, error=clashes[path])
    done: list[Result] = []
    convert_pages([p for p in paths if p not in clashes], run, read_opts, done.append,
                  jobs=o.jobs, scheduler=scheduler, page_timeout=o.page_timeout,
                  page_memory=o.page_memory, scheduler_timeout=o.scheduler_timeout)
    yield from done


def _scheduler(address: str | None, timeout: float) -> str | None:
    """A Dask scheduler's address, checked (None: local workers), before anything runs."""
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
        raise UsageError(f"scheduler_timeout: {timeout!r} is not a number of seconds > 0")
    if not address:
        return None
    from .dask_executor import scheduler_address

    return scheduler_address(address)


def _is_terminal(stream: Any) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _stdout() -> IO[bytes]:
    from .stdout import binary

    return binary()


def _to_stdout(path: str, run: Settings, read_opts: ReadOptions, stream: IO[bytes]) -> Result:
    """Render into a temporary folder, then copy the one file's bytes to `stream`. A full
    disk is the page's error; a reader that stops early (| head) raises `ReaderGone`."""
    from .stdout import failure

    with tempfile.TemporaryDirectory(prefix="docpipe-") as tmp:
        result = convert_one(path, dataclasses.replace(run, out_dir=Path(tmp)),
                             stem="page", read_opts=read_opts)
        if result.ok:
            try:
                with result.outputs[0].open("rb") as f:
                    shutil.copyfileobj(f, stream)
                stream.flush()
            except (OSError, ValueError) as exc:
                problem = failure(exc)
                if isinstance(problem, ReaderGone):
                    raise problem from None
                result.error = f"{path}: {problem}"
            result.outputs = []
    return result


@takes("convert")
def convert(
    inputs: PathLike | Iterable[PathLike],
    out: PathLike,
    *,
    stdout: IO[bytes] | None = None,
    debug: bool = False,
    **options: Any,
) -> list[Result]:
    """Write a briefing of each page; one `Result` per page (`.ok`, `.outputs`, `.error`).

    `out` is a folder (OUT/<page>.pdf …), one file whose suffix gives the format
    ("brief.pdf", one page only), or "-" for stdout (one page, one format). `formats`
    is "pdf,docx" (default), a list, or "all". Every option of `docpipe convert` is a
    keyword here, by its long name (`--from` is `kind`). A page that fails does not stop
    the others: its `Result.error` says why, and `Result.article.warnings` what to check.
    Bad options raise `UsageError` up front."""
    return list(iter_convert(inputs, out, stdout=stdout, debug=debug, **options))


# --- pack ----------------------------------------------------------------------------


@takes("pack")
def pack(
    inputs: PathLike | Iterable[PathLike],
    out: PathLike,
    *,
    progress: Any = None,
    **options: Any,
) -> PackReport:
    """Build OUT/NAME.pdf, OUT/NAME.docx and OUT/NAME.json (the manifest) from many pages.

    Every option of `docpipe pack` is a keyword here, by its long name (`--from` is
    `kind`). `issue` labels the cover (第12期; default: the date range); `date` is the
    issue's date on the cover (YYYY-MM-DD; default: today). Incremental: what did not
    change is not rebuilt. `page_timeout` (s) and `page_memory` (MB) bound each page in
    its worker; `scheduler` (tcp://HOST:PORT) renders on a Dask cluster, which must
    answer within `scheduler_timeout` seconds. `progress` receives the pack's progress
    (progress.py). Safe to call from a script without an `if __name__ == "__main__":`
    guard (workers never import the caller's script)."""
    from .packbuild import PackOptions, build_pack
    from .packplan import SORTS

    run = settings(out=out, **page_values(options))
    o = SimpleNamespace(**options)
    opts = PackOptions(name=_plain_name(o.name, "pack name"), title=o.title, jobs=o.jobs,
                       sort=choice("sort", o.sort, tuple(SORTS)), pages=o.pages,
                       force=o.force, issue=o.issue, page_timeout=o.page_timeout,
                       page_memory=o.page_memory,
                       scheduler=_scheduler(o.scheduler, o.scheduler_timeout),
                       scheduler_timeout=o.scheduler_timeout, date=issue_date(o.date))
    return build_pack(_as_inputs(inputs), run, opts, progress)


def issue_date(date: str | None) -> str:
    """The pack's issue date as YYYY-MM-DD: `date` checked, else today (the day of
    SOURCE_DATE_EPOCH when set, so a reproducible build keeps its bytes)."""
    import datetime as dt

    if date is not None:
        text = str(date).strip()
        try:
            return dt.date.fromisoformat(text).isoformat()
        except ValueError:
            raise UsageError(f"date: {date!r} is not a date (YYYY-MM-DD)") from None
    from .cache import source_date

    stamp = source_date()
    return stamp[:10] if stamp else dt.date.today().isoformat()


# --- check ---------------------------------------------------------------------------


@takes("check")
def check(folder: PathLike, name: str) -> list[ArticleCheck]:
    """Each article of the pack in `folder` (made by `pack` with this `name`), read back
    from the pack's PDF and DOCX and compared with its own briefing (or, for a pack made
    without its pages, its text as the folder's cache keeps it). `UsageError` when there
    is no pack's manifest there."""
    from .verify import CheckUnavailable, check_pack

    path = Path(os.fspath(folder))
    if not path.is_dir():
        raise UsageError("not a folder", str(path))
    try:
        return check_pack(path, _plain_name(name, "pack name"))
    except CheckUnavailable as exc:
        raise UsageError(f"cannot read PDFs back: {exc}") from None


__all__ = ["DocpipeError", "UsageError", "InputError", "Article", "Result", "convert",
           "extract", "pack", "check", "iter_convert", "settings", "output_stem"]
