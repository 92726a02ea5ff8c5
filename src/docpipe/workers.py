"""Render workers: a crash-tolerant pool of `spawn` processes, used by `pack` and `convert -j`.

Why not `concurrent.futures.ProcessPoolExecutor`: it cannot stop one task. Here each
worker runs one task at a time, so the parent knows which task a worker holds and can

- fail that task alone when its worker dies (crash, OOM killer, `kill -9`);
- kill the worker when its task runs over the time budget (`--page-timeout`) or its
  memory over the memory budget (RSS, from /proc), and fail that task alone;
- kill every worker at once on SIGTERM/Ctrl-C (`signals`).

Workers never write outputs: a task returns its files' bytes and the parent writes them
atomically, so a killed worker leaves nothing half-written. Workers end when the parent
dies (PR_SET_PDEATHSIG, and a parent-pid watch where that is not available).

`Executor` is the interface: `LocalPool` here, `dask_executor.DaskPool` on a cluster.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from . import signals
from .options import PAGE_MEMORY, PAGE_TIMEOUT

DEFAULT_PAGE_TIMEOUT = PAGE_TIMEOUT  # seconds
DEFAULT_PAGE_MEMORY = PAGE_MEMORY  # MB of one worker's RSS
POLL = 0.1  # seconds between budget checks

Done = Callable[[Any, dict], None]
Failed = Callable[[Any, str], dict]  # (task, why) -> the task's result


class Executor(Protocol):
    """Runs `fn(task)` for each task; `done(task, result)` is called in the caller's
    thread as each finishes; a task whose process dies or runs over budget gets
    `done(task, failed(task, why))`."""

    jobs: int

    def run(self, fn: Callable[[Any], dict], tasks: Iterable[Any], done: Done,
            failed: Failed, budget: Callable[[Any], Budget] | None = None) -> None: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class Budget:
    seconds: float | None = DEFAULT_PAGE_TIMEOUT  # None: no limit
    memory_mb: int | None = DEFAULT_PAGE_MEMORY


DIED = "the worker process died converting this page (crash, out of memory or killed)"


def over_time(seconds: float) -> str:
    return f"took longer than the time budget of {seconds:g} s (raise it with --page-timeout)"


def over_memory(mb: int) -> str:
    return f"used more than the memory budget of {mb} MB (raise it with --page-memory)"


# --- worker side ------------------------------------------------------------------------


def _die_with_parent(ppid: int, pdeathsig: bool) -> None:
    """End this worker when the parent dies: the kernel's PR_SET_PDEATHSIG (Linux) and a
    watch thread on the parent pid (other systems, and the gap before prctl)."""
    if pdeathsig:
        with contextlib.suppress(Exception):
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            PR_SET_PDEATHSIG = 1
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != ppid:
        os._exit(1)

    def watch() -> None:
        while True:
            time.sleep(0.5)
            if os.getppid() != ppid:
                os._exit(1)

    threading.Thread(target=watch, daemon=True, name="docpipe-parent-watch").start()


READY = "ready"


def _serve(conn, ppid: int, pdeathsig: bool, warm: Callable[[], None] | None) -> None:
    """A worker's loop: warm up, say so, then receive (fn, task), send back fn(task).
    The time budget of the first task starts at "ready", not at the process start."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides; it kills us
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _die_with_parent(ppid, pdeathsig)
    if warm is not None:
        with contextlib.suppress(Exception):  # a real problem shows in the task itself
            warm()
    try:
        conn.send(READY)
    except (OSError, ValueError):
        return
    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError):
            return
        if msg is None:
            return
        fn, task = msg
        try:
            result = fn(task)
        except Exception as exc:  # a bug: reported for this task only
            result = {"error": f"internal error: {type(exc).__name__}: {exc}",
                      "cacheable": False}
        try:
            conn.send(result)
        except (OSError, ValueError):
            return


# --- parent side ------------------------------------------------------------------------


def rss_mb(pid: int) -> float:
    """Resident memory of a process, in MB (0 when unknown)."""
    try:
        with open(f"/proc/{pid}/statm", "rb") as f:
            pages = int(f.read().split()[1])
    except (OSError, ValueError, IndexError):
        return 0.0
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


@contextlib.contextmanager
def _callers_main_hidden():
    """While a worker starts, `__main__` is a blank module.

    A `spawn` child imports the parent's `__main__` (the caller's script) before it runs
    its task, so a script that calls `docpipe.pack()` without an `if __name__ ==
    "__main__":` guard would run again in every worker, each failing at once and being
    replaced for ever. Workers run docpipe's own functions only, so they are started as
    if `__main__` had no file: the script is never imported again (and `docpipe`'s own
    entry point is not imported twice either)."""
    import sys
    import types

    main = sys.modules.get("__main__")
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        if main is not None:
            sys.modules["__main__"] = main


class _Worker:
    def __init__(self, ctx, warm: Callable[[], None] | None):
        parent, child = ctx.Pipe()
        pdeathsig = threading.current_thread() is threading.main_thread()
        self.proc = ctx.Process(target=_serve, args=(child, os.getpid(), pdeathsig, warm),
                                daemon=True, name="docpipe-worker")
        self.ready = False
        with _callers_main_hidden():
            self.proc.start()
        child.close()
        self.conn = parent
        self.task: Any = None
        self.started = 0.0
        signals.track_child(self.proc.pid, True)

    def kill(self) -> None:
        with contextlib.suppress(Exception):
            self.proc.kill()
        with contextlib.suppress(Exception):
            self.proc.join(5)
        with contextlib.suppress(Exception):
            self.conn.close()
        signals.track_child(self.proc.pid, False)

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self.conn.send(None)
        self.proc.join(2)
        if self.proc.is_alive():
            self.kill()
        else:
            with contextlib.suppress(Exception):
                self.conn.close()
            signals.track_child(self.proc.pid, False)


class LocalPool:
    """Up to `jobs` spawn workers, started on demand and kept for the next `run`."""

    def __init__(self, jobs: int, warm: Callable[[], None] | None = None):
        import multiprocessing

        self.jobs = max(1, jobs)
        self._warm = warm
        self._ctx = multiprocessing.get_context("spawn")
        self._idle: list[_Worker] = []

    def __enter__(self) -> LocalPool:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self, kill: bool = True) -> None:
        """End the workers. Idle workers hold nothing (no output, no temporary file), so
        they are killed rather than asked: no wait for their interpreter's teardown."""
        workers, self._idle = self._idle, []
        for w in workers:
            w.kill() if kill else w.stop()

    def run(self, fn: Callable[[Any], dict], tasks: Iterable[Any], done: Done,
            failed: Failed, budget: Callable[[Any], Budget] | None = None) -> None:
        from multiprocessing.connection import wait

        queue = deque(tasks)
        busy: list[_Worker] = []
        limits: dict[int, Budget] = {}
        try:
            while queue or busy:
                signals.check()
                while queue and len(busy) < self.jobs:
                    task = queue.popleft()
                    try:
                        w = self._idle.pop() if self._idle else _Worker(self._ctx, self._warm)
                    except OSError as exc:  # no process can be started (limits, memory)
                        done(task, failed(task, f"cannot start a worker process: "
                                                f"{exc.strerror or exc}"))
                        continue
                    try:
                        w.conn.send((fn, task))
                    except (OSError, ValueError):  # died while idle: a fresh one next
                        w.kill()
                        queue.appendleft(task)
                        continue
                    w.task = task
                    if w.ready:
                        w.started = time.monotonic()
                    limits[id(w)] = budget(task) if budget else Budget()
                    busy.append(w)
                ready = set(wait([w.conn for w in busy] + [w.proc.sentinel for w in busy],
                                 timeout=POLL))
                now = time.monotonic()
                for w in list(busy):
                    limit = limits[id(w)]
                    result: dict | None = None
                    if w.conn in ready:
                        try:
                            result = w.conn.recv()
                        except (EOFError, OSError):
                            result = None
                        if result == READY:
                            w.ready, w.started = True, now
                            continue
                        if result is not None:
                            busy.remove(w)
                            task, w.task = w.task, None
                            self._idle.append(w)
                            done(task, result)
                            continue
                    why = ""
                    if w.conn in ready or w.proc.sentinel in ready or not w.proc.is_alive():
                        why = DIED
                    elif not w.ready:
                        pass  # starting up: budgets count from "ready"
                    elif limit.seconds is not None and now - w.started > limit.seconds:
                        why = over_time(limit.seconds)
                    elif limit.memory_mb is not None and rss_mb(w.proc.pid) > limit.memory_mb:
                        why = over_memory(limit.memory_mb)
                    if why:
                        busy.remove(w)
                        w.kill()
                        done(w.task, failed(w.task, why))
        except BaseException:
            for w in busy:
                w.kill()
            self.close(kill=True)
            raise


def default_jobs(jobs: int, tasks: int) -> int:
    """`-j 0`: one worker per CPU, never more than there are tasks."""
    n = jobs if jobs > 0 else (os.cpu_count() or 1)
    return max(1, min(n, tasks)) if tasks else max(1, n)
