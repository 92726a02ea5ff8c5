"""Briefing packs: many pages -> one PDF and one DOCX with cover, contents and bookmarks.

`build_pack` is five steps, each one call, over one `PackRun`:

    plan     the inputs read and fingerprinted, the cache looked up once: which pages
             are up to date, which must be made (`packplan`, `cache`)
    parse    each page to make, read and parsed by the parsing workers (jieba, OpenCC),
             which then end
    render   each page's own PDF and DOCX, by the render workers, in batches (their PDFs
             written together, then cut: writers.pdf); each read back as it is made
    pack     the pack's PDF: its front matter laid out on the workers, the pages' PDFs
             assembled after it here (writers.collection, writers.pdf), then read back
             and, when a page does not read as its source, made again the plain way;
             its DOCX beside it
    record   the manifest and the cache, written once

The jobs live in their own modules: `workers` (the crash-tolerant pool, with time and
memory budgets; `dask_executor` runs the same tasks on a cluster), `tasks` (what a
worker runs), `packplan` (entries, order, cover data, the pack's jobs, manifest),
`cache` (the validated cache, fingerprints, the folder lock) and `writers.collection`
(the pack's PDF and DOCX).

- Workers are `spawn` processes (WeasyPrint is imported only inside them). A page that
  fails, or whose worker process dies or runs over its time or memory budget, is
  reported and left out; the rest still land.
- One run at a time per output folder (a lock): a second one waits.
- Incremental: DIR/.docpipe-cache.json keeps, per input, a key made of the input's
  sha256, the options, docpipe's version and code, and the template files, with the
  parsed Article, so an unchanged page is neither parsed nor rendered again and the
  pack is rebuilt only when a page in it (or an option) changed.
- Deterministic: no wall-clock time reaches an output but the cover's default date (the
  day), which SOURCE_DATE_EPOCH or --date fixes.
"""

from __future__ import annotations

import contextlib
import dataclasses
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import __version__
from .cache import (
    CACHE_NAME,
    code_hash,
    digest,
    folder_lock,
    restore,
    settings_doc,
    sha,
    source_date,
    tree_hash,
    write_if_changed,
)
from .cache import load as load_cache
from .cache import record as cache_record
from .cache import save as save_cache
from .errors import DocpipeError, OutputError, UsageError
from .options import SCHEDULER_TIMEOUT
from .outputs import ensure_dir, write_bytes
from .packplan import (
    SORTS,
    Entry,
    PackReport,
    manifest,
    pack_plan,
    pack_record,
    sort_key,
)
from .pipeline import (
    STDIN,
    Settings,
    check_collisions,
    check_overwrites,
    check_pack_outputs,
    expand_inputs,
    output_stem,
    read_bytes,
    read_options_for,
    write_files,
)
from .progress import NoProgress
from .readers import ReadOptions
from .tasks import (
    PageTask,
    RenderBatch,
    RenderTask,
    build_page,
    run_in_batches,
    run_task,
    warm_parser,
    warm_renderer,
)
from .workers import DEFAULT_PAGE_MEMORY, DEFAULT_PAGE_TIMEOUT, Budget, default_jobs
from .writers import display_title
from .writers.collection import Assembled, PackJob, PackPdf, assemble_pdf, read_back

PAGE_FORMATS = ("pdf", "docx")


@dataclass(frozen=True)
class PackOptions:
    name: str = "pack"
    title: str | None = None  # default: the `pack` label (简报汇编)
    jobs: int = 0  # 0: one worker per CPU
    sort: str = "date"  # date | title | input
    pages: bool = True  # also write each page's own briefing (pdf, docx) into DIR
    force: bool = False  # ignore the cache
    page_timeout: float = DEFAULT_PAGE_TIMEOUT  # seconds per page (0: no limit)
    page_memory: int = DEFAULT_PAGE_MEMORY  # MB of a worker's RSS per page (0: no limit)
    scheduler: str | None = None  # tcp://HOST:PORT of a Dask scheduler; None: local workers
    scheduler_timeout: float = SCHEDULER_TIMEOUT  # seconds for the scheduler to answer
    issue: str | None = None  # the cover's issue label (第12期); default: the date range
    date: str | None = None  # the issue's date on the cover (YYYY-MM-DD); None: none shown


@dataclass
class PackRun:
    """What the steps of one run share: the options, the cache as read, the report
    being filled, the pages still to make and what the workers read back."""

    settings: Settings
    opts: PackOptions
    progress: Any
    page_worker: Callable[[PageTask], dict]
    page_settings: Settings  # the pages' own files (pdf, docx; none with --no-pages)
    read_opts: dict[str, ReadOptions]
    common: dict[str, Any]  # what every page's cache key holds
    created: str | None
    cache: dict[str, Any]
    report: PackReport
    todo: list[Entry] = field(default_factory=list)  # pages to parse and render
    texts: dict[str, list[str]] = field(default_factory=dict)  # PDFs read back, by path
    errors: list[str] = field(default_factory=list)  # the pack's own failures

    @property
    def budget(self) -> Callable[[Any], Budget]:
        return page_budget(self.opts.page_timeout, self.opts.page_memory)


def build_pack(
    inputs: list[str],
    settings: Settings,
    opts: PackOptions,
    progress=None,
    page_worker: Callable[[PageTask], dict] = build_page,
) -> PackReport:
    """Build DIR/NAME.pdf, DIR/NAME.docx, DIR/NAME.json (and the pages) from `inputs`."""
    started = time.monotonic()
    paths = checked_inputs(inputs, settings, opts)
    progress = progress or NoProgress()
    with folder_lock(settings.out_dir, progress.pack):
        run = plan(paths, settings, opts, progress, page_worker)
        try:
            with pools(run) as (parsers, workers):
                parse(run, parsers)
                render(run, workers)
                pack(run, workers, parsers)
        except BaseException:  # interrupted: keep what is done for the next run
            run.cache["pack"] = {}
            _save_cache(run)
            raise
        record(run)
    run.report.seconds = time.monotonic() - started
    return run.report


def checked_inputs(inputs: list[str], settings: Settings, opts: PackOptions) -> list[str]:
    """The input paths; a UsageError before anything is written or locked."""
    if opts.sort not in SORTS:
        raise UsageError(f"unknown sort {opts.sort!r}; choose from {', '.join(SORTS)}")
    name = opts.name.strip()
    if not name or "/" in name or "\\" in name or name.startswith("."):
        raise UsageError(f"pack name {opts.name!r} must be a plain file name")
    if opts.page_timeout < 0 or opts.page_memory < 0:
        raise UsageError("--page-timeout and --page-memory must be 0 (no limit) or more")
    paths = expand_inputs(inputs)
    if STDIN in paths:
        raise UsageError("pack reads files and folders, not stdin (-)")
    if not paths:
        raise UsageError("no inputs")
    ensure_dir(settings.out_dir)
    check_pack_outputs(paths, settings.out_dir, name)  # before the lock file is made
    return paths


# --- step 1: plan ------------------------------------------------------------------------


def plan(paths: list[str], settings: Settings, opts: PackOptions, progress,
         page_worker: Callable[[PageTask], dict]) -> PackRun:
    """Each input read and fingerprinted, the cache looked up once: an entry per input,
    and the pages to make (`run.todo`)."""
    created = source_date()
    page_settings = dataclasses.replace(settings, formats=PAGE_FORMATS if opts.pages else ())
    common = {
        "docpipe": __version__,
        "code": code_hash(),
        "templates": tree_hash(settings.render.search_path),
        "settings": settings_doc(page_settings),
        "source_date": created,
    }
    run = PackRun(settings, opts, progress, page_worker, page_settings,
                  read_options_for(paths, settings), common, created,
                  load_cache(settings.out_dir / CACHE_NAME),
                  PackReport(entries=[], out_dir=settings.out_dir, name=opts.name.strip()))
    clashes = {**check_collisions(paths), **check_overwrites(paths, page_settings)} \
        if opts.pages else {}
    first_of: dict[str, str] = {}
    for index, path in enumerate(paths):
        e = Entry(input=path, index=index, stem=output_stem(path))
        run.report.entries.append(e)
        if _fingerprint(run, e, clashes, first_of) and not _restored(run, e):
            run.todo.append(e)
    return run


def _fingerprint(run: PackRun, e: Entry, clashes: dict[str, str],
                 first_of: dict[str, str]) -> bool:
    """Read the input and give it its cache key; False when it fails or is skipped."""
    path, name = e.input, run.report.name
    try:
        data = read_bytes(path, run.settings.read.max_bytes)
    except DocpipeError as exc:
        e.status, e.error = "failed", str(exc)
        return False
    e.sha256 = sha(data)
    if path in clashes:
        e.status, e.error = "failed", clashes[path]
        return False
    if run.opts.pages and e.stem == name:
        e.status, e.error = "failed", f"{path}: its outputs would overwrite the pack {name}"
        return False
    if e.sha256 in first_of:
        e.status, e.error = "skipped", f"{path}: same content as {first_of[e.sha256]}"
        return False
    first_of[e.sha256] = path
    e.key = digest({**run.common, "sha256": e.sha256, "stem": e.stem,
                    "read": dataclasses.asdict(run.read_opts[path])})
    return True


def _restored(run: PackRun, e: Entry) -> bool:
    """True when the cache holds this page as it is now (its outputs still there)."""
    if run.opts.force:
        return False
    allowed = {f"{e.stem}.pdf", f"{e.stem}.docx"} if run.opts.pages else set()
    hit = restore(run.cache["pages"].get(str(Path(e.input).resolve())), e.key, e.input,
                  allowed, run.report.out_dir, run.read_opts[e.input].folder_images)
    if hit is None:
        return False
    e.status, e.article, text, e.outputs = hit
    if e.status == "failed":
        e.error = text
    else:
        e.title = text
    return True


@contextlib.contextmanager
def pools(run: PackRun) -> Iterator[tuple[Any, Any]]:
    """The parsing workers (local: they read the pages' folders) and the render workers
    (local, or the Dask cluster); the progress display runs while they do."""
    jobs = default_jobs(run.opts.jobs, len(run.todo) + 2)
    parsers = make_executor(jobs, warm=warm_parser)
    workers = make_executor(jobs, run.opts.scheduler, warm=warm_renderer,
                            timeout=run.opts.scheduler_timeout)
    cached = sum(1 for e in run.report.entries if e.status == "ok" and e.article is not None)
    with parsers, workers:
        run.progress.start(len(run.todo), cached, min(workers.jobs, len(run.todo)))
        try:
            yield parsers, workers
        finally:
            run.progress.stop()


# --- step 2: parse -----------------------------------------------------------------------


def parse(run: PackRun, parsers) -> None:
    """Each page to make read and parsed (~30 ms each), so that the pack's own PDF, the
    longest single job, can start as soon as the pages' files are made. The parsing
    workers then end: the render workers never hold their dictionaries."""
    by_path = {e.input: e for e in run.todo}

    def done(task: PageTask, result: dict) -> None:
        e = by_path[task.path]
        e.rebuilt = True
        if result.get("error"):
            e.status, e.error = "failed", result["error"]
            e.cacheable = bool(result.get("cacheable"))
        else:
            e.article = result["article"]
            e.title = display_title(e.article, run.settings.render)
            e.outputs = list(result["outputs"])
            e.pending = bool(run.page_settings.formats)
        if not e.pending:
            run.progress.page(e)

    if run.todo:
        tasks = [PageTask(e.input, e.stem, dataclasses.replace(
            run.page_settings, out_dir=run.report.out_dir, formats=(),
            read=run.read_opts[e.input])) for e in run.todo]
        parsers.run(run.page_worker, tasks, done, _page_failed, run.budget)
    parsers.close()


# --- step 3: render ----------------------------------------------------------------------


def render(run: PackRun, workers) -> None:
    """Each parsed page's own files (PDF and DOCX), in batches on the render workers,
    written here as each arrives; a page whose files fail is left out of the pack."""
    report = run.report
    entry_of = {e.input: e for e in run.todo if e.pending}
    tasks = [RenderTask(e.input, e.stem, e.article,
                        dataclasses.replace(run.page_settings, out_dir=report.out_dir))
             for e in entry_of.values()]

    def done(task: RenderTask, result: dict) -> None:
        e = entry_of[task.path]
        e.pending = False
        if not result.get("error"):
            try:
                e.outputs = [p.name for p in write_files(report.out_dir, result["files"])]
                for name, pages in result.get("texts", {}).items():
                    run.texts[str(report.out_dir / name)] = pages
            except DocpipeError as exc:
                result = {"error": str(exc), "cacheable": False}
        if result.get("error"):
            e.status, e.error = "failed", result["error"]
            e.cacheable = bool(result.get("cacheable"))
            e.outputs = []
        run.progress.page(e)

    run_in_batches(workers, tasks, done, _page_failed, run.budget)


# --- step 4: the pack --------------------------------------------------------------------


def pack(run: PackRun, workers, local) -> None:
    """The pack, planned without any page that failed: its PDF assembled from the pages'
    PDFs here (`local` lays its front matter out when the workers are a cluster), read
    back, and written; its DOCX made beside it. Nothing when it is up to date."""
    made = pack_plan(run.report, run.settings, run.opts, run.common, run.created, run.cache)
    if not made:
        return
    jobs, key, included = made
    with contextlib.ExitStack() as stack:
        parts = _parts(run, included, workers, stack)
        if len(parts) < len(included):  # (--no-pages: a page whose PDF failed)
            made = pack_plan(run.report, run.settings, run.opts, run.common, run.created,
                             run.cache)
            if not made:
                return
            jobs, key, included = made
        docx = [j for j in jobs if j.kind == "docx"]
        pdf = next(j for j in jobs if j.kind == "pdf")
        run.progress.pack(f"assembling the pack ({len(included)} briefings)")
        missing = [str(parts[e.input]) for e in included if not parts[e.input].is_file()]
        if missing:
            run.errors.append(f"{missing[0]}: missing, the pack needs it")
            workers.run(run_task, docx, _job_done(run), _job_failed, run.budget)
        else:
            pdf = dataclasses.replace(pdf, parts=tuple(str(parts[e.input]) for e in included))
            assembled = assemble(run, pdf, docx, workers, local)
            checked = check(run, pdf, assembled)
            if checked is not None:
                for e, first in zip(included, checked.pages, strict=False):
                    e.pack_page = first + 1
    run.report.pack_rebuilt = True
    run.report.pack_error = "; ".join(run.errors)
    run.cache["pack"] = {} if run.errors else pack_record(run.report, key)


def _parts(run: PackRun, included: list[Entry], workers, stack) -> dict[str, Path]:
    """Each page's PDF, by input: the pages' own, or (--no-pages) made for the pack alone
    in a temporary folder; a page whose PDF fails there is marked failed."""
    if run.opts.pages:
        return {e.input: run.report.out_dir / f"{e.stem}.pdf" for e in included}
    folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="docpipe-parts-")))
    part_settings = dataclasses.replace(run.settings, formats=("pdf",), out_dir=folder)
    tasks = [RenderTask(e.input, f"p{i:05d}", e.article, part_settings)
             for i, e in enumerate(included)]
    by_input = {e.input: e for e in included}
    parts: dict[str, Path] = {}

    def done(task: RenderTask, result: dict) -> None:
        if result.get("error"):
            e = by_input[task.path]
            e.status, e.error = "failed", result["error"]
            e.cacheable = bool(result.get("cacheable"))
            return  # (reported with the other failures at the end)
        for name, data in result["files"]:
            (folder / name).write_bytes(data)
        for name, pages in result.get("texts", {}).items():
            run.texts[str(folder / name)] = pages
        parts[task.path] = folder / f"{task.stem}.pdf"

    run_in_batches(workers, tasks, done, _page_failed, run.budget)
    return parts


def assemble(run: PackRun, pdf: PackJob, docx: list[PackJob], workers, local
             ) -> Assembled | None:
    """The pack's PDF assembled here (it reads the pages' PDFs from this machine's disk:
    `collection.assemble_pdf`). Its front matter's sections are laid out side by side on
    the workers, the longest (the overview) first, with the DOCX (`docx`) after them; on
    a cluster, the DOCX there and the front matter here. The DOCX is made even when the
    PDF fails before its front matter. None when it fails (the error is the pack's)."""
    pending = list(docx)

    def lay_out_front(fronts: list[PackJob]) -> list[list[tuple[str, bytes]]]:
        got: dict[tuple[str, ...], list[tuple[str, bytes]]] = {}
        failures: list[str] = []

        def front_done(task: Any, result: dict) -> None:
            if task.kind != "front":
                _job_done(run)(task, result)
            elif result.get("error"):
                failures.append(result["error"])
            else:
                got[task.sections] = list(result["files"])

        beside, pending[:] = list(pending), []
        if run.opts.scheduler:
            workers.run(run_task, beside, _job_done(run), _job_failed, run.budget)
            local.run(run_task, fronts[::-1], front_done, _job_failed, run.budget)
        else:
            workers.run(run_task, [*fronts[::-1], *beside], front_done, _job_failed,
                        run.budget)
            workers.close()  # their memory is not needed while this assembles
        if failures:
            raise OutputError(failures[0])
        return [got[f.sections] for f in fronts]

    try:
        return _guarded(run, pdf, lambda: assemble_pdf(pdf, lay_out_front))
    finally:
        if pending:  # (a page's PDF could not be read)
            workers.run(run_task, pending, _job_done(run), _job_failed, run.budget)


def check(run: PackRun, pdf: PackJob, assembled: Assembled | None) -> PackPdf | None:
    """The assembled PDF read back against its sources (`collection.read_back`: made
    again the plain way when a page does not read as its source) and written; None when
    there is nothing to write (the error is the pack's)."""
    if assembled is None:
        return None
    checked = _guarded(run, pdf, lambda: read_back(pdf, assembled, run.texts))
    if checked is None:
        return None
    try:
        write_bytes(pdf.target, checked.data)
    except DocpipeError as exc:
        run.errors.append(str(exc))
        return None
    run.report.pack_notes += checked.notes
    run.report.pack_check["pdf"] = checked.check
    return checked


def _guarded(run: PackRun, pdf: PackJob, step: Callable[[], Any]) -> Any:
    """`step()`, or None with its failure as the pack's error (a bug too: the pages
    still land)."""
    try:
        return step()
    except DocpipeError as exc:
        run.errors.append(str(exc))
    except Exception as exc:
        run.errors.append(f"{pdf.target}: internal error: {type(exc).__name__}: {exc}")
    return None


def _job_done(run: PackRun) -> Callable[[Any, dict], None]:
    """What is done with a pack job's result (the DOCX): written, or the pack's error."""
    def done(task: PackJob, result: dict) -> None:
        if result.get("error"):
            run.errors.append(result["error"])
            return
        run.report.pack_notes += result.get("notes", [])
        try:
            for _, data in result["files"]:
                write_bytes(task.target, data)
            run.report.pack_check[task.kind] = "ok"  # (read back in the worker)
        except DocpipeError as exc:
            run.errors.append(str(exc))

    return done


def _job_failed(task: Any, why: str) -> dict:
    if isinstance(task, PackJob):
        return {"error": f"{task.target}: rendering the pack {why}"}
    return _page_failed(task, why)


def _page_failed(task: PageTask | RenderTask, why: str) -> dict:
    return {"error": f"{task.path}: {why}", "cacheable": False}


# --- step 5: record ----------------------------------------------------------------------


def record(run: PackRun) -> None:
    """The manifest (its rows in pack order, then the others) and the cache."""
    report = run.report
    ok_rows = [e for e in report.entries if e.status == "ok"]
    others = [e for e in report.entries if e.status != "ok"]
    report.entries = sorted(ok_rows, key=sort_key(run.opts.sort)) + others
    report.manifest = report.out_dir / f"{report.name}.json"
    write_if_changed(report.manifest, manifest(report, run.opts, run.settings) + "\n")
    _save_cache(run)


def _save_cache(run: PackRun) -> None:
    pages = {}
    for e in run.report.entries:
        if not e.key or (e.status == "failed" and not e.cacheable) or e.status == "skipped":
            continue
        if e.status == "ok" and (e.article is None or e.pending):  # not built (interrupted)
            continue
        pages[str(Path(e.input).resolve())] = cache_record(
            e.status, e.key, e.outputs, e.title, e.article, e.error)
    save_cache(run.report.out_dir / CACHE_NAME, pages, run.cache.get("pack", {}))


# --- the workers ---------------------------------------------------------------------------


def page_budget(timeout: float, memory: int) -> Callable[[Any], Budget]:
    """Budgets per task: a page's, or for the pack's own PDF/DOCX one page's time per
    briefing in it (it is one long task) and no memory limit."""
    def budget(task: Any) -> Budget:
        if isinstance(task, PackJob):
            return Budget(timeout * max(1, len(task.items)) if timeout else None, None)
        if isinstance(task, RenderBatch):
            return Budget(timeout * len(task.tasks) if timeout else None, memory or None)
        return Budget(timeout or None, memory or None)

    return budget


def make_executor(jobs: int, scheduler: str | None = None,
                  warm: Callable[[], None] | None = None,
                  timeout: float = SCHEDULER_TIMEOUT):
    """Local spawn workers (warmed up by `warm`, default: for parsing and rendering),
    or the Dask cluster at `scheduler` (which must answer within `timeout` s)."""
    if scheduler:
        from .dask_executor import DaskPool

        return DaskPool(scheduler, timeout)
    from .tasks import warm_up
    from .workers import LocalPool

    return LocalPool(jobs, warm or warm_up)
