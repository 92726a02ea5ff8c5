"""Render workers on a Dask cluster: `--scheduler tcp://HOST:PORT` (or DOCPIPE_SCHEDULER).

The same interface as `workers.LocalPool`, so `pack` and `convert` run unchanged:

- each task (a page's files, the pack's PDF or DOCX) is one Dask task; the client sends
  the task with the images it needs (`tasks.detach`), since no shared folder is assumed,
  and gets the files' bytes back, which it writes itself, atomically;
- a task whose worker is lost is run again elsewhere by Dask (its `allowed-failures`);
  a task that still cannot finish, or fails, is that page's failure;
- `done` is called in the caller's thread as futures finish: the same progress bar;
- a signal cancels every future at once.

Time and memory budgets on a cluster are the Dask workers' own (`dask worker
--memory-limit`, which restarts a worker over it; its tasks then fail after Dask's
`allowed-failures`): a thread on a Dask worker cannot be stopped from outside, so
`--page-timeout` and `--page-memory` apply to local workers.
Parsing stays on this machine (`pack`'s first phase): it needs the page's folder and
takes ~30 ms a page.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from . import signals
from .errors import DocpipeError
from .workers import POLL, Budget, Done, Failed


class SchedulerError(DocpipeError):
    """The Dask scheduler cannot be used."""


class DaskPool:
    """Tasks as futures on the cluster whose scheduler is at `address`."""

    def __init__(self, address: str, connect_timeout: float = 10.0):
        try:
            from distributed import Client
        except ImportError:
            raise SchedulerError("--scheduler needs Dask: pip install 'docpipe[dask]'") from None
        try:
            self.client = Client(address, timeout=connect_timeout, set_as_default=False)
        except (OSError, TimeoutError, ValueError) as exc:
            raise SchedulerError(f"cannot reach the Dask scheduler at {address}: "
                                 f"{' '.join(str(exc).split()) or type(exc).__name__}") from None
        self.jobs = max(1, sum(self.client.nthreads().values()))

    def __enter__(self) -> DaskPool:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        import contextlib

        with contextlib.suppress(Exception):
            self.client.close()

    def run(self, fn: Callable[[Any], dict], tasks: Iterable[Any], done: Done,
            failed: Failed, budget: Callable[[Any], Budget] | None = None) -> None:
        import time

        from .tasks import detach, run_remote

        pending: dict[Any, Any] = {}
        try:
            for task in tasks:
                fut = self.client.submit(run_remote, fn, task, detach(task), pure=False)
                pending[fut] = task
            while pending:
                signals.check()
                finished = [f for f in pending if f.done()]
                if not finished:
                    time.sleep(POLL)
                    continue
                for fut in finished:  # in submission order: the same order each run
                    task = pending.pop(fut)
                    try:
                        result = fut.result()
                    except Exception as exc:  # KilledWorker, lost data, …
                        detail = " ".join(str(exc).split())[:200]
                        result = failed(task, f"failed on the Dask cluster: "
                                              f"{type(exc).__name__}: {detail}")
                    fut.release()
                    done(task, result)
        except BaseException:
            self.client.cancel(list(pending), force=True)
            raise
