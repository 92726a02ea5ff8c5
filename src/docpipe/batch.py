"""`convert -j N` / `convert --scheduler`: pages converted by render workers.

The same pool as the pack (`workers.LocalPool`, or `dask_executor.DaskPool`): a page whose
worker dies or runs over its budgets fails alone; workers return the files' bytes and
this process writes them. Results are reported in input order, whatever order the
workers finish in, so the output of a run does not depend on `-j`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .errors import DocpipeError
from .pipeline import Result, Settings, output_stem, read_bytes, write_files
from .readers import ReadOptions
from .tasks import PageTask, build_page


def convert_pages(paths: list[str], settings: Settings, read_opts: dict[str, ReadOptions],
                  on_result: Callable[[Result], None], *, jobs: int = 0,
                  scheduler: str | None = None, page_timeout: float = 120.0,
                  page_memory: int = 2048) -> None:
    """Convert `paths` (already checked for clashes) in workers; `on_result` per page,
    in input order."""
    from .pack import make_executor, page_budget
    from .workers import default_jobs

    results: dict[int, Result] = {}
    tasks: list[tuple[int, PageTask]] = []
    for i, path in enumerate(paths):
        data = None
        if scheduler:  # the cluster has no access to this machine's files
            try:
                data = read_bytes(path, settings.read.max_bytes)
            except DocpipeError as exc:
                results[i] = Result(path, error=str(exc))
                continue
        tasks.append((i, PageTask(path, output_stem(path),
                                  dataclasses.replace(settings, read=read_opts[path]), data)))
    index = {id(t): i for i, t in tasks}
    state = {"next": 0}

    def flush() -> None:
        while state["next"] in results:
            on_result(results.pop(state["next"]))
            state["next"] += 1

    def done(task: PageTask, result: dict[str, Any]) -> None:
        r = Result(task.path)
        if result.get("error"):
            r.error = result["error"]
        else:
            r.article = result["article"]
            try:
                r.outputs = write_files(Path(settings.out_dir), result["files"])
            except DocpipeError as exc:
                r.error = str(exc)
        results[index[id(task)]] = r
        flush()

    def failed(task: PageTask, why: str) -> dict[str, Any]:
        return {"error": f"{task.path}: {why}"}

    flush()
    with make_executor(default_jobs(jobs, len(tasks)), scheduler) as workers:
        workers.run(build_page, [t for _, t in tasks], done, failed,
                    page_budget(page_timeout, page_memory))
    flush()
