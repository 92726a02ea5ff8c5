"""What a render worker runs: importable by name (spawn processes, Dask workers).

Each task carries what it needs (the page's bytes, its settings, its parsed Article) and
returns plain data: an Article and/or a list of (file name, bytes). The process that runs
the pack or the convert writes the files, so a worker that is killed leaves nothing
half-written, and a worker on another machine needs no shared folder.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .errors import DocpipeError
from .model import Article
from .pipeline import Settings


@dataclass(frozen=True)
class PageTask:
    """Parse one page (and render its files when `settings.formats` is not empty)."""

    path: str
    stem: str
    settings: Settings  # out_dir, the formats (none for the pack's first phase), read options
    data: bytes | None = None  # the page's bytes (read by the parent); None: read `path`


@dataclass(frozen=True)
class RenderTask:
    """Render one page's files from its Article (parsed earlier by `build_page`)."""

    path: str
    stem: str
    article: Article
    settings: Settings


@dataclass(frozen=True)
class RenderBatch:
    """Several pages' files at once: their PDFs made together (`writers.pdf.batch_bytes`:
    one font pass for the batch; each PDF as it would be alone)."""

    tasks: tuple[RenderTask, ...]


#: Pages rendered together, at most: their PDFs share one font pass (`RenderBatch`).
BATCH = 8


def run_in_batches(workers: Any, tasks: list[RenderTask], done: Callable[[Any, dict], None],
                   failed: Callable[[Any, str], dict], budget: Any = None) -> None:
    """Run `tasks` on `workers` (an `Executor`) in batches, a few per worker so that the
    last ones end together. A batch that fails as a whole (its worker died, or ran over
    its budget) is run again a page at a time: a page that crashes its worker fails
    alone. `done` and `failed` see single pages only."""
    jobs = max(1, workers.jobs)
    if len(tasks) < 6 * jobs:  # too few to share a font pass and still end together
        workers.run(run_task, tasks, done, failed, budget)
        return
    again: list[RenderTask] = []

    def batch_done(task: Any, result: dict) -> None:
        if not isinstance(task, RenderBatch):
            done(task, result)
        elif "batch" in result:
            for one, res in zip(task.tasks, result["batch"], strict=True):
                done(one, res)
        else:
            again.extend(task.tasks)

    def batch_failed(task: Any, why: str) -> dict:
        return {"error": why} if isinstance(task, RenderBatch) else failed(task, why)

    workers.run(run_task, batches_of(tasks, jobs), batch_done, batch_failed, budget)
    if again:
        workers.run(run_task, again, done, failed, budget)


def batches_of(tasks: list[RenderTask], jobs: int) -> list[RenderBatch]:
    """Batches of up to BATCH pages, smaller as the pages left get fewer (each is at
    most a 2*jobs-th of them, and at least 2 pages): the workers end within a small
    batch of each other, not a whole one (~1 s of a pack of 100 on 2 workers)."""
    batches, begin = [], 0
    while begin < len(tasks):
        left = len(tasks) - begin
        size = min(left, max(2, min(BATCH, -(-left // (2 * jobs)))))
        batches.append(RenderBatch(tuple(tasks[begin:begin + size])))
        begin += size
    return batches


def warm_up() -> None:
    """Load what every page needs (WeasyPrint and its fonts, the keyword dictionary) once
    per worker, before its first page's time budget starts."""
    warm_parser()
    warm_renderer()


def warm_parser() -> None:
    """What parsing needs: the keyword dictionary (jieba)."""
    from .transforms.keywords import keywords

    keywords("社区志愿服务", 1)


def warm_renderer() -> None:
    """What rendering needs: WeasyPrint and the fonts (fontconfig)."""
    from .writers.pdf import font_config

    _give_back_big_blocks()
    font_config()


def _give_back_big_blocks() -> None:
    """glibc: blocks of 4 MB or more are mapped apart, so memory is given back to the
    system when they are freed. For each PDF it writes, WeasyPrint copies each CJK font
    file it uses (26 MB for a Noto Serif CJK face); glibc's default threshold rises past
    that size after the first such block is freed, and a worker then keeps ~50 MB it no
    longer uses between batches (measured: 227 MB against 178 MB after rendering)."""
    import contextlib
    import ctypes
    import sys

    if sys.platform.startswith("linux"):
        with contextlib.suppress(Exception):  # not glibc (musl has no such threshold)
            M_MMAP_THRESHOLD = -3
            ctypes.CDLL(None).mallopt(M_MMAP_THRESHOLD, 4 << 20)


def _failure(path: str, exc: BaseException) -> dict[str, Any]:
    if isinstance(exc, DocpipeError):
        return {"error": str(exc), "cacheable": True}
    # a bug: reported for this page only, tried again next run
    return {"error": f"{path}: internal error: {type(exc).__name__}: {exc}", "cacheable": False}


def build_page(task: PageTask) -> dict[str, Any]:
    """Read, parse and transform one page, and render its files. Runs in a worker."""
    from .pipeline import load, render_files
    from .writers.pdf import check_length

    try:
        art = load(task.path, task.settings, data=task.data)
        check_length(art, task.settings.render)  # the pack's PDF holds it too
        files = render_files(art, task.stem, task.settings) if task.settings.formats else []
    except Exception as exc:
        return _failure(task.path, exc)
    return {"article": art, "files": files, "outputs": [n for n, _ in files], "error": ""}


def render_page(task: RenderTask) -> dict[str, Any]:
    """One page's files from its parsed Article. Runs in a worker."""
    from .pipeline import render_files

    try:
        files = render_files(task.article, task.stem, task.settings)
    except Exception as exc:
        return _failure(task.path, exc)
    return {"files": files, "outputs": [n for n, _ in files], "error": ""}


def render_batch(batch: RenderBatch) -> dict[str, Any]:
    """Each page's files of `batch`, as `render_page` gives them, under "batch". Runs in
    a worker; a page that fails fails alone."""
    from .writers import WRITERS, to_bytes
    from .writers.pdf import batch_bytes

    settings = batch.tasks[0].settings
    pdfs: list[Any] = [None] * len(batch.tasks)
    if "pdf" in settings.formats:
        try:
            pdfs = batch_bytes([t.article for t in batch.tasks], settings.render,
                               [t.path for t in batch.tasks])
        except Exception as exc:  # the batch's own write: each page is tried alone
            return {"error": f"internal error: {type(exc).__name__}: {exc}"}
    results = []
    for task, pdf in zip(batch.tasks, pdfs, strict=True):
        try:
            if isinstance(pdf, Exception):
                raise pdf
            files = [(f"{task.stem}{WRITERS[fmt][1]}",
                      pdf[0] if fmt == "pdf" else to_bytes(fmt, task.article, settings.render))
                     for fmt in settings.formats]
        except Exception as exc:
            results.append(_failure(task.path, exc))
            continue
        texts = {f"{task.stem}.pdf": pdf[1]} if pdf is not None and pdf[1] is not None else {}
        results.append({"files": files, "outputs": [n for n, _ in files], "texts": texts,
                        "error": ""})
    return {"batch": results, "error": ""}


def render_pack(job: Any) -> dict[str, Any]:
    """The pack's PDF or DOCX, or sections of its front matter, as bytes. Runs in a
    worker. The cover's logo comes as bytes (a `data:` URL), never as a path to read."""
    from .writers import logo_on_disk
    from .writers.collection import render

    try:
        with logo_on_disk(job.cover) as cover:
            files, notes = render(dataclasses.replace(job, cover=cover))
    except DocpipeError as exc:
        return {"error": str(exc)}
    except Exception as exc:
        return {"error": f"{job.target}: internal error: {type(exc).__name__}: {exc}"}
    return {"files": files, "notes": notes, "error": ""}


def run_task(task: Any) -> dict[str, Any]:
    """One task of the pack's second phase: the pack's PDF or DOCX, or pages' files."""
    if isinstance(task, RenderTask):
        return render_page(task)
    if isinstance(task, RenderBatch):
        return render_batch(task)
    return render_pack(task)


# --- tasks sent to another machine: the images travel with them ------------------------


def _articles(task: Any) -> list[Article]:
    if isinstance(task, RenderTask):
        return [task.article]
    if isinstance(task, RenderBatch):
        return [t.article for t in task.tasks]
    items = getattr(task, "items", None)  # a writers.collection.PackJob
    return [a for _, a in items] if items is not None else []


def image_files(art: Article) -> dict[str, bytes]:
    """The article's local images, {path relative to its page's folder: bytes}: only
    files inside that folder, as the writers themselves check."""
    from pathlib import Path

    if not art.base_dir:
        return {}
    base = Path(art.base_dir).resolve()
    files = {}
    for b in art.body:
        if b.kind == "image" and b.src and b.src not in files:
            path = (base / b.src).resolve()
            if path.is_relative_to(base) and path.is_file():
                files[b.src] = path.read_bytes()
    return files


def _render_options(task: Any) -> Any:
    if isinstance(task, RenderBatch):
        return task.tasks[0].settings.render if task.tasks else None
    settings = getattr(task, "settings", None)
    return settings.render if settings is not None else getattr(task, "render", None)


def detach(task: Any) -> dict[str, Any]:
    """What a task needs from this machine's disk besides itself, as bytes: each
    article's images, and the files of the user's template folder (`--template-dir`; a
    worker elsewhere has neither the pages' folders nor that folder)."""
    from .templates import folder_files

    render = _render_options(task)
    folder = render.template_dir if render is not None else None
    return {"images": [image_files(a) for a in _articles(task)],
            "templates": folder_files(folder) if folder else {}}


def _with_templates(task: Any, folder: str) -> Any:
    """`task` whose render options read the templates from `folder`."""
    if isinstance(task, RenderBatch):
        return RenderBatch(tuple(_with_templates(t, folder) for t in task.tasks))
    if hasattr(task, "settings"):
        render = dataclasses.replace(task.settings.render, template_dir=folder)
        return dataclasses.replace(task, settings=dataclasses.replace(task.settings,
                                                                      render=render))
    return dataclasses.replace(task, render=dataclasses.replace(task.render,
                                                                template_dir=folder))


def _attach(task: Any, roots: list[str]) -> Any:
    if isinstance(task, RenderTask):
        return dataclasses.replace(task, article=dataclasses.replace(task.article,
                                                                     base_dir=roots[0]))
    if isinstance(task, RenderBatch):
        return RenderBatch(tuple(_attach(t, [root])
                                 for t, root in zip(task.tasks, roots, strict=True)))
    items = tuple((anchor, dataclasses.replace(a, base_dir=root))
                  for (anchor, a), root in zip(task.items, roots, strict=True))
    return dataclasses.replace(task, items=items)


def run_remote(fn: Any, task: Any, baggage: dict[str, Any]) -> dict[str, Any]:
    """Run `fn(task)` on a machine without the pages' folders or the template folder:
    each article's images, and the templates, are laid out in a private temporary
    folder that stands in for theirs (`detach`). Whatever goes wrong comes back as this
    task's error: an exception leaving a Dask task (a RecursionError's deep traceback)
    may never reach the client, which would then wait for ever."""
    import tempfile
    from pathlib import Path

    try:
        files, templates = baggage["images"], baggage["templates"]
        if not any(files) and not templates:
            return fn(task)
        with tempfile.TemporaryDirectory(prefix="docpipe-task-") as tmp:
            if templates:
                task = _with_templates(task, _lay_out(Path(tmp) / "templates", templates))
            if any(files):
                task = _attach(task, [_lay_out(Path(tmp) / f"page{i}", images)
                                      for i, images in enumerate(files)])
            return fn(task)
    except Exception as exc:
        detail = " ".join(str(exc).split())[:200]
        where = getattr(task, "path", "") or str(getattr(task, "target", ""))
        return {"error": f"{where}: internal error on the Dask worker: "
                         f"{type(exc).__name__}: {detail}", "cacheable": False}


def _lay_out(root: Any, files: dict[str, bytes]) -> str:
    """`files` (relative path -> bytes) written under the new folder `root`."""
    root.mkdir()
    for rel, data in files.items():
        target = (root / rel).resolve()
        if not target.is_relative_to(root.resolve()):
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return str(root)
