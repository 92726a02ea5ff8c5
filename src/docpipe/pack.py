"""Briefing packs: many pages -> one PDF and one DOCX with cover, contents and bookmarks.

    inputs ──read + sha256──▶ cache lookup ──▶ workers, phase 1: load (parse)
                                                     │
                          workers, phase 2: each page's PDF + DOCX, in batches of
                                                     │ up to 8 (one PDF written for the
                                                     │ batch, then split: writers.pdf;
                                                     │ workers return bytes, this
                                                     │ process writes)
        manifest ◀── phase 3: the pack's PDF: its front matter's sections laid out
                     side by side on the workers, its DOCX beside them, while this
                     process reads the pages' PDFs; then assembled here
                     (writers.collection, writers.pdf)

The jobs live in their own modules: `workers` (the crash-tolerant pool, with time and
memory budgets; `dask_executor` runs the same tasks on a cluster), `tasks` (what a
worker runs), `packplan` (entries, order, cover data, the pack's jobs, manifest),
`cache` (the validated cache, fingerprints, the folder lock) and
`writers.collection` (the pack's PDF and DOCX).

- Workers are `spawn` processes (WeasyPrint is imported only inside them). A page that
  fails, or whose worker process dies or runs over its time or memory budget, is
  reported and left out; the rest still land.
- One run at a time per output folder (a lock): a second one waits.
- Incremental: DIR/.docpipe-cache.json keeps, per input, a key made of the input's
  sha256, the options, docpipe's version and code, and the template files, with the
  parsed Article, so an unchanged page is neither parsed nor rendered again and the
  pack is rebuilt only when a page in it (or an option) changed.
- Deterministic: no wall-clock time reaches an output but the cover's issue date (the
  API and CLI default it to today, or to SOURCE_DATE_EPOCH's day when set); the PDF's
  and DOCX's metadata dates are the newest article's date, or SOURCE_DATE_EPOCH.
"""


from __future__ import annotations

import contextlib
import dataclasses
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
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
from .outputs import ensure_dir, write_bytes
from .packplan import (  # noqa: F401  (re-exported: pack's public names)
    SORTS,
    Entry,
    PackReport,
    branding,
    cover_data,
    manifest,
    pack_plan,
    pack_record,
    sort_key,
    summary_lines,
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
from .tasks import (  # noqa: F401
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
from .writers.collection import PackJob, PackPdf, pack_pdf_bytes

PAGE_FORMATS = ("pdf", "docx")
_sort_key, _cover, _branding = sort_key, cover_data, branding  # the old private names


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
    scheduler_timeout: float = 10.0  # seconds for the scheduler to answer
    issue: str | None = None  # the cover's issue label (第12期); default: the date range
    date: str | None = None  # the issue's date on the cover (YYYY-MM-DD); None: none shown


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
                  warm: Callable[[], None] | None = None, timeout: float = 10.0):
    """Local spawn workers (warmed up by `warm`, default: for parsing and rendering),
    or the Dask cluster at `scheduler` (which must answer within `timeout` s)."""
    if scheduler:
        from .dask_executor import DaskPool

        return DaskPool(scheduler, timeout)
    from .tasks import warm_up
    from .workers import LocalPool

    return LocalPool(jobs, warm or warm_up)


def build_pack(
    inputs: list[str],
    settings: Settings,
    opts: PackOptions,
    progress=None,
    page_worker: Callable[[PageTask], dict] = build_page,
) -> PackReport:
    """Build DIR/NAME.pdf, DIR/NAME.docx, DIR/NAME.json (and the pages) from `inputs`."""
    started = time.monotonic()
    progress = progress or NoProgress()
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
    out = settings.out_dir
    ensure_dir(out)
    check_pack_outputs(paths, out, name)  # refused before the lock file is made
    with folder_lock(out, progress.pack):
        report = _build(paths, name, settings, opts, progress, page_worker)
    report.seconds = time.monotonic() - started
    return report


def _build(paths: list[str], name: str, settings: Settings, opts: PackOptions, progress,
           page_worker: Callable[[PageTask], dict]) -> PackReport:
    out = settings.out_dir
    created = source_date()
    page_settings = dataclasses.replace(settings, formats=PAGE_FORMATS if opts.pages else ())
    read_opts = read_options_for(paths, settings)
    clashes = {**check_collisions(paths), **check_overwrites(paths, page_settings)} \
        if opts.pages else {}
    common = {
        "docpipe": __version__,
        "code": code_hash(),
        "templates": tree_hash(settings.render.search_path),
        "settings": settings_doc(page_settings),
        "source_date": created,
    }
    cache_path = out / CACHE_NAME
    cache = load_cache(cache_path)
    entries: list[Entry] = []
    todo: list[Entry] = []
    first_of: dict[str, str] = {}
    for index, path in enumerate(paths):
        e = Entry(input=path, index=index, stem=output_stem(path))
        entries.append(e)
        try:
            data = read_bytes(path, settings.read.max_bytes)
        except DocpipeError as exc:
            e.status, e.error = "failed", str(exc)
            continue
        e.sha256 = sha(data)
        if path in clashes:
            e.status, e.error = "failed", clashes[path]
            continue
        if opts.pages and e.stem == name:
            e.status, e.error = "failed", f"{path}: its outputs would overwrite the pack {name}"
            continue
        if e.sha256 in first_of:
            e.status, e.error = "skipped", f"{path}: same content as {first_of[e.sha256]}"
            continue
        first_of[e.sha256] = path
        e.key = digest({**common, "sha256": e.sha256, "stem": e.stem,
                        "read": dataclasses.asdict(read_opts[path])})
        allowed = {f"{e.stem}.pdf", f"{e.stem}.docx"} if opts.pages else set()
        hit = None if opts.force else restore(
            cache["pages"].get(str(Path(path).resolve())), e.key, path, allowed, out,
            read_opts[path].folder_images)
        if hit is not None:
            e.status, e.article, text, e.outputs = hit
            if e.status == "failed":
                e.error = text
            else:
                e.title = text
            continue
        todo.append(e)

    report = PackReport(entries=entries, out_dir=out, name=name)
    cached = sum(1 for e in entries if e.status == "ok" and e.article is not None)
    jobs = default_jobs(opts.jobs, len(todo) + 2)
    budget = page_budget(opts.page_timeout, opts.page_memory)
    # Parsing (phase 1) needs the pages' folders: local workers. Rendering (phase 2) runs
    # on the Dask cluster when there is one.
    parsers = make_executor(jobs, warm=warm_parser)
    workers = make_executor(jobs, opts.scheduler, warm=warm_renderer,
                            timeout=opts.scheduler_timeout)
    with parsers, workers:
        progress.start(len(todo), cached, min(workers.jobs, len(todo)))
        try:
            if todo:
                by_path = {e.input: e for e in todo}

                # Phase 1: parse every page (~30 ms each), so that the pack's own PDF, the
                # longest single job, can start at once and run beside the pages' files.
                def page_done(task: PageTask, result: dict) -> None:
                    e = by_path[task.path]
                    e.rebuilt = True
                    if result.get("error"):
                        e.status, e.error = "failed", result["error"]
                        e.cacheable = bool(result.get("cacheable"))
                    else:
                        e.article = result["article"]
                        e.title = display_title(e.article, settings.render)
                        e.outputs = list(result["outputs"])
                        e.pending = bool(page_settings.formats)
                    if not e.pending:
                        progress.page(e)

                tasks = [PageTask(e.input, e.stem,
                                  dataclasses.replace(page_settings, out_dir=out, formats=(),
                                                      read=read_opts[e.input]))
                         for e in todo]
                parsers.run(page_worker, tasks, page_done, _page_failed, budget)
                del tasks
            parsers.close()  # renderers never hold the parsers' dictionaries
            # Phase 2: each page's own files (in batches), then the pack (`_pack`).
            renders = [RenderTask(e.input, e.stem, e.article,
                                  dataclasses.replace(page_settings, out_dir=out))
                       for e in todo if e.pending]
            _pack(report, settings, opts, common, created, cache, workers, parsers, progress,
                  renders, budget)
        except BaseException:  # interrupted: keep what is done for the next run
            cache["pack"] = {}
            _save_cache(cache_path, cache, report)
            raise
        finally:
            progress.stop()

    ok_rows = [e for e in entries if e.status == "ok"]
    others = [e for e in entries if e.status != "ok"]
    report.entries = sorted(ok_rows, key=sort_key(opts.sort)) + others
    report.manifest = out / f"{name}.json"
    write_if_changed(report.manifest, manifest(report, opts, settings) + "\n")
    _save_cache(cache_path, cache, report)
    return report


def _page_failed(task: PageTask | RenderTask, why: str) -> dict:
    return {"error": f"{task.path}: {why}", "cacheable": False}


def _pack(report: PackReport, settings: Settings, opts: PackOptions, common: dict,
          created: str | None, cache: dict, workers, local, progress,
          renders: list[RenderTask], budget: Callable[[Any], Budget]) -> None:
    """Write each page's files (`renders`), then the pack: its PDF assembled from the
    pages' own PDFs (`writers.pdf`: nothing is laid out twice), its DOCX beside it.

    `workers` render (local processes or the Dask cluster); `local` runs the PDF's
    assembly, which reads the pages' PDFs from this machine's disk. A page whose own
    files fail is left out of the pack."""
    by_path = {e.input: e for e in report.entries}
    entry_of = {t.path: by_path[t.path] for t in renders}
    pack_errors: list[str] = []
    texts: dict[str, list[str]] = {}  # each page's PDF read back (its pages' text), by path

    def done(task: Any, result: dict) -> None:
        if isinstance(task, PackJob):
            if result.get("error"):
                pack_errors.append(result["error"])
                return
            report.pack_notes += result.get("notes", [])
            try:
                for _, data in result["files"]:
                    write_bytes(task.target, data)
                report.pack_check[task.kind] = "ok"  # (read back in the worker)
            except DocpipeError as exc:
                pack_errors.append(str(exc))
            return
        e = entry_of[task.path]
        e.pending = False
        if not result.get("error"):
            try:
                e.outputs = [p.name for p in write_files(report.out_dir, result["files"])]
                for name, pages in result.get("texts", {}).items():
                    texts[str(report.out_dir / name)] = pages
            except DocpipeError as exc:
                result = {"error": str(exc), "cacheable": False}
        if result.get("error"):
            e.status, e.error = "failed", result["error"]
            e.cacheable = bool(result.get("cacheable"))
            e.outputs = []
        progress.page(e)

    def failed(task: Any, why: str) -> dict:
        if isinstance(task, PackJob):
            return {"error": f"{task.target}: rendering the pack {why}"}
        return _page_failed(task, why)

    run_in_batches(workers, renders, done, failed, budget)  # the pages' own files first
    # Then the pack, planned without any page that failed: its PDF is assembled from the
    # pages' PDFs (on this machine) while its DOCX is written beside it.
    plan = pack_plan(report, settings, opts, common, created, cache)
    if not plan:
        return
    jobs, key, included = plan
    remote = bool(opts.scheduler)
    with contextlib.ExitStack() as stack:
        if opts.pages:
            parts = {e.input: report.out_dir / f"{e.stem}.pdf" for e in included}
        else:  # rendered for the pack alone; a page whose PDF fails is left out
            folder = Path(stack.enter_context(
                tempfile.TemporaryDirectory(prefix="docpipe-parts-")))
            parts = _part_pdfs(included, settings, folder, workers, budget, texts)
            if len(parts) < len(included):
                plan = pack_plan(report, settings, opts, common, created, cache)
                if not plan:
                    return
                jobs, key, included = plan
        docx = [j for j in jobs if j.kind == "docx"]
        pdf_job = next(j for j in jobs if j.kind == "pdf")
        progress.pack(f"assembling the pack ({len(included)} briefings)")
        missing = [str(parts[e.input]) for e in included if not parts[e.input].is_file()]
        if missing:
            pack_errors.append(f"{missing[0]}: missing, the pack needs it")
            workers.run(run_task, docx, done, failed, budget)
        else:
            pdf = dataclasses.replace(pdf_job, parts=tuple(str(parts[e.input])
                                                          for e in included))
            made = _pack_pdf(pdf, docx, workers, local, remote, done, failed, budget, report,
                             pack_errors, texts)
            if made is not None:
                for e, first in zip(included, made.pages, strict=False):
                    e.pack_page = first + 1
    report.pack_rebuilt = True
    report.pack_error = "; ".join(pack_errors)
    cache["pack"] = {} if pack_errors else pack_record(report, key)


def _pack_pdf(pdf: PackJob, docx: list[PackJob], workers, local, remote: bool,
              done: Callable[[Any, dict], None], failed: Callable[[Any, str], dict],
              budget, report: PackReport, errors: list[str],
              texts: dict[str, list[str]]) -> PackPdf | None:
    """The pack's PDF, assembled and written here (it reads the pages' PDFs from this
    machine's disk: `collection.pack_pdf_bytes`). Its front matter's sections are laid
    out side by side on the workers, the longest (the overview) first, with the DOCX
    (`docx`) after them; on a cluster, the DOCX there and the front matter here. The
    DOCX is made even when the PDF fails before its front matter. `texts`: the pages'
    PDFs as read back by the workers, for the pack's own reading back."""
    pending = list(docx)
    made = None

    def lay_out_front(fronts: list[PackJob]) -> list[list[tuple[str, bytes]]]:
        got: dict[tuple[str, ...], list[tuple[str, bytes]]] = {}
        failures: list[str] = []

        def front_done(task: Any, result: dict) -> None:
            if task.kind != "front":
                done(task, result)
            elif result.get("error"):
                failures.append(result["error"])
            else:
                got[task.sections] = list(result["files"])

        beside, pending[:] = list(pending), []
        if remote:
            workers.run(run_task, beside, done, failed, budget)
            local.run(run_task, fronts[::-1], front_done, failed, budget)
        else:
            workers.run(run_task, [*fronts[::-1], *beside], front_done, failed, budget)
            workers.close()  # their memory is not needed while this assembles
        if failures:
            raise OutputError(failures[0])
        return [got[f.sections] for f in fronts]

    try:
        made = pack_pdf_bytes(pdf, lay_out_front, texts)
        report.pack_notes += made.notes
        write_bytes(pdf.target, made.data)
        report.pack_check["pdf"] = made.check
    except DocpipeError as exc:
        errors.append(str(exc))
    except Exception as exc:  # a bug: this pack's error, the pages still land
        errors.append(f"{pdf.target}: internal error: {type(exc).__name__}: {exc}")
    if pending:  # (a page's PDF could not be read)
        workers.run(run_task, pending, done, failed, budget)
    return made


def _part_pdfs(included: list[Entry], settings: Settings, folder: Path, workers,
               budget, texts: dict[str, list[str]]) -> dict[str, Path]:
    """With --no-pages: each page's PDF rendered into `folder` for the pack alone, by
    input. A page whose PDF fails is marked failed (and so left out of the pack), as it
    is when the pages are written."""
    part_settings = dataclasses.replace(settings, formats=("pdf",), out_dir=folder)
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
            texts[str(folder / name)] = pages
        parts[task.path] = folder / f"{task.stem}.pdf"

    run_in_batches(workers, tasks, done, _page_failed, budget)
    return parts


def _save_cache(path: Path, cache: dict, report: PackReport) -> None:
    pages = {}
    for e in report.entries:
        if not e.key or (e.status == "failed" and not e.cacheable) or e.status == "skipped":
            continue
        if e.status == "ok" and (e.article is None or e.pending):  # not built (interrupted)
            continue
        pages[str(Path(e.input).resolve())] = cache_record(
            e.status, e.key, e.outputs, e.title, e.article, e.error)
    save_cache(path, pages, cache.get("pack", {}))
