"""`convert -j N` / `convert --scheduler`: pages converted by render workers.

The same pool as the pack (`workers.LocalPool`, or `dask_executor.DaskPool`): a page whose
worker dies or runs over its budgets fails alone; workers return the files' bytes and
this process writes them. Pages are parsed first (here: the pages' folders), then each
is rendered alone, as `convert` does in its own process: a page's files are the same
bytes whatever `-j`, and results are reported in input order, whatever order the
workers finish in, so the output of a run does not depend on `-j`.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .errors import DocpipeError
from .options import SCHEDULER_TIMEOUT
from .pipeline import STDIN, Result, Settings, output_stem, read_bytes, write_files
from .readers import ReadOptions
from .tasks import PageTask, RenderTask, build_page, run_task
from .workers import DEFAULT_PAGE_MEMORY, DEFAULT_PAGE_TIMEOUT


def convert_pages(paths: list[str], settings: Settings, read_opts: dict[str, ReadOptions],
                  on_result: Callable[[Result], None], *, jobs: int = 0,
                  scheduler: str | None = None,
                  page_timeout: float = DEFAULT_PAGE_TIMEOUT,
                  page_memory: int = DEFAULT_PAGE_MEMORY,
                  scheduler_timeout: float = SCHEDULER_TIMEOUT) -> None:
    """Convert `paths` (already checked for clashes) in workers; `on_result` per page,
    in input order. A Dask `scheduler` is reached first, before any page is parsed: one
    that does not answer is said at once."""
    from .packbuild import make_executor, page_budget
    from .workers import default_jobs

    results: dict[int, Result] = {}
    index: dict[str, int] = {p: i for i, p in enumerate(paths)}
    articles: dict[str, Any] = {}
    state = {"next": 0}

    def flush() -> None:
        while state["next"] in results:
            on_result(results.pop(state["next"]))
            state["next"] += 1

    def done(task: Any, result: dict[str, Any]) -> None:
        r = Result(task.path, article=result.get("article") or articles.get(task.path))
        if result.get("error"):
            r.error = result["error"]
        elif isinstance(task, PageTask):  # parsed: rendered next, in batches
            articles[task.path] = result["article"]
            return
        else:
            try:
                r.outputs = write_files(Path(settings.out_dir), result["files"])
            except DocpipeError as exc:
                r.error = str(exc)
        results[index[task.path]] = r
        flush()

    def failed(task: Any, why: str) -> dict[str, Any]:
        return {"error": f"{task.path}: {why}"}

    budget = page_budget(page_timeout, page_memory)
    tasks = []
    for p in paths:
        data = None
        if p == STDIN:  # a worker has no stdin: this process reads it
            try:
                data = read_bytes(p, settings.read.max_bytes)
            except DocpipeError as exc:
                results[index[p]] = Result(p, error=str(exc))
                continue
        tasks.append(PageTask(p, output_stem(p), dataclasses.replace(
            settings, read=read_opts[p], formats=()), data))
    with contextlib.ExitStack() as stack:
        cluster = stack.enter_context(make_executor(1, scheduler, timeout=scheduler_timeout)
                                      ) if scheduler else None
        local = stack.enter_context(make_executor(default_jobs(jobs, len(tasks))))
        local.run(build_page, tasks, done, failed, budget)  # parsed here: the pages' folders
        renders = [RenderTask(p, output_stem(p), articles[p], settings)
                   for p in paths if p in articles]
        (cluster or local).run(run_task, renders, done, failed, budget)
    flush()
