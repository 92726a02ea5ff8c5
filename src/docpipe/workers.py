"""Render workers: a crash-tolerant pool of processes, used by `pack` and `convert -j`.

Why not `concurrent.futures.ProcessPoolExecutor`: it cannot stop one task. Here each
worker runs one task at a time, so the parent knows which task a worker holds and can

- fail that task alone when its worker dies (crash, OOM killer, `kill -9`);
- kill the worker when its task runs over the time budget (`--page-timeout`) or its
  memory over the memory budget (RSS, from /proc), and fail that task alone;
- kill every worker at once on SIGTERM/Ctrl-C (`signals`).

Workers never write outputs: a task returns its files' bytes and the parent writes them
atomically, so a killed worker leaves nothing half-written. Workers end when the parent
dies (PR_SET_PDEATHSIG, and a parent-pid watch where that is not available).

A worker is a fresh interpreter (`python -c`, as `spawn` would start it) that talks to
its parent over a socket pair, pickled messages each after its length. It never imports
the caller's script (a `spawn` child would: a script calling `docpipe.pack()` without an
`if __name__ == "__main__":` guard ran again in every worker), only docpipe's functions.

`Executor` is the interface: `LocalPool` here, `dask_executor.DaskPool` on a cluster.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import socket
import subprocess
import sys
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


class Channel:
    """Pickled messages over one end of a socket pair, each after its length (8 bytes)."""

    def __init__(self, sock: socket.socket):
        self.sock = sock

    def fileno(self) -> int:  # (multiprocessing.connection.wait takes it)
        return self.sock.fileno()

    def send(self, obj: Any) -> None:
        data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
        self.sock.sendall(len(data).to_bytes(8, "big") + data)

    def recv(self) -> Any:
        return pickle.loads(self._exactly(int.from_bytes(self._exactly(8), "big")))

    def _exactly(self, n: int) -> bytes:
        buf = bytearray()
        while len(buf) < n:
            chunk = self.sock.recv(min(n - len(buf), 1 << 20))
            if not chunk:
                raise EOFError("the other end closed")
            buf += chunk
        return bytes(buf)

    def close(self) -> None:
        self.sock.close()


#: What a worker process runs: the parent's import path, then the socket it was given.
_BOOT = ("import sys, json; sys.path[:] = json.loads(sys.argv[1]); "
         "from docpipe.workers import serve_fd; serve_fd(int(sys.argv[2]))")


def serve_fd(fd: int) -> None:
    """A worker process's entry point: its channel is the socket `fd`; the first message
    says who its parent is and how to warm up."""
    conn = Channel(socket.socket(fileno=fd))
    try:
        ppid, pdeathsig, warm = conn.recv()
    except (EOFError, OSError):
        return
    _serve(conn, ppid, pdeathsig, warm)


def _serve(conn: Channel, ppid: int, pdeathsig: bool, warm: Callable[[], None] | None
           ) -> None:
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
        except (OSError, ValueError, pickle.PicklingError):
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


class _Worker:
    """One worker process and its channel; `task` is what it runs now."""

    def __init__(self, warm: Callable[[], None] | None):
        import json

        parent, child = socket.socketpair()
        pdeathsig = threading.current_thread() is threading.main_thread()
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-c", _BOOT, json.dumps(sys.path), str(child.fileno())],
                pass_fds=(child.fileno(),), stdin=subprocess.DEVNULL)
        except BaseException:
            parent.close()
            raise
        finally:
            child.close()
        self.conn = Channel(parent)
        self.ready = False
        self.task: Any = None
        self.started = 0.0
        signals.track_child(self.proc.pid, True)
        self.conn.send((os.getpid(), pdeathsig, warm))

    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> None:
        with contextlib.suppress(Exception):
            self.proc.kill()
        with contextlib.suppress(Exception):
            self.proc.wait(5)
        with contextlib.suppress(Exception):
            self.conn.close()
        signals.track_child(self.proc.pid, False)

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self.conn.send(None)
        try:
            self.proc.wait(2)
        except subprocess.TimeoutExpired:
            self.kill()
            return
        with contextlib.suppress(Exception):
            self.conn.close()
        signals.track_child(self.proc.pid, False)


class LocalPool:
    """Up to `jobs` worker processes, started on demand and kept for the next `run`."""

    def __init__(self, jobs: int, warm: Callable[[], None] | None = None):
        self.jobs = max(1, jobs)
        self._warm = warm
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
                        w = self._idle.pop() if self._idle else _Worker(self._warm)
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
                ready = set(wait([w.conn for w in busy], timeout=POLL))
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
                    if w.conn in ready or not w.alive():
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
