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

Failing fast: the address is checked before anything is read (`scheduler_address`:
tcp:// or tls://, one line otherwise), and the scheduler must answer Dask's handshake
within `--scheduler-timeout` seconds (`_knock`): a port that never answers, or a server
that is not Dask, is one line, not a wait of minutes. A scheduler runs what it is sent
and returns what it likes: trust it like a login.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from . import signals
from .errors import DocpipeError, UsageError, describe
from .options import SCHEDULER_TIMEOUT
from .workers import POLL, Budget, Done, Failed

#: Address schemes docpipe connects to: plain TCP, and TLS set up in Dask's own config.
SCHEMES = ("tcp", "tls")
DEFAULT_TIMEOUT = SCHEDULER_TIMEOUT  # seconds for the scheduler to answer (--scheduler-timeout)


class SchedulerError(DocpipeError):
    """The Dask scheduler cannot be used."""


def scheduler_address(address: str) -> str:
    """`address` as tcp://HOST:PORT or tls://HOST:PORT (HOST:PORT alone means tcp://), or
    a UsageError saying what is wrong: checked before any page is read."""
    from urllib.parse import urlsplit

    text = address.strip()
    given = text if "://" in text else f"tcp://{text}"
    usage = (f"--scheduler: {describe(address)!r} is not a Dask scheduler address "
             "(tcp://HOST:PORT)")
    try:
        parts = urlsplit(given)
        port = parts.port
    except ValueError:
        raise UsageError(usage) from None
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        raise UsageError(f"--scheduler: {scheme}:// addresses are not supported: use "
                         "tcp://HOST:PORT (or tls:// with Dask's TLS settings)")
    if not parts.hostname or port is None or parts.path not in ("", "/") or parts.query \
            or parts.username or parts.password:
        raise UsageError(usage)
    if scheme == "tls":
        _security(scheme)  # said now, before anything is read or written
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    return f"{scheme}://{host}:{port}"


def _security(scheme: str) -> Any:
    """Dask's own security settings (its config: distributed.comm.tls.*); tls:// without
    them is a usage error, not a traceback."""
    try:
        from distributed.security import Security
    except ImportError:
        raise SchedulerError("--scheduler needs Dask: pip install 'docpipe[dask]'") from None
    security = Security()
    if scheme == "tls" and security.get_connection_args("client").get("ssl_context") is None:
        raise UsageError("--scheduler: tls:// needs Dask's TLS settings (a CA and a "
                         "client certificate: distributed.comm.tls in Dask's config)")
    return security


def _knock(address: str, timeout: float, security: Any) -> None:
    """Connect and finish Dask's handshake within `timeout` seconds, or a SchedulerError:
    Dask's own connect timeout does not bound the handshake, and a server that accepts
    but never answers as Dask does (an HTTP server) would hold the run for minutes."""
    import asyncio

    from distributed.comm import connect

    async def knock() -> None:
        comm = await connect(address, timeout=timeout,
                             **security.get_connection_args("client"))
        comm.abort()

    try:
        _run_apart(lambda: asyncio.run(asyncio.wait_for(knock(), timeout)))
    except TimeoutError:
        raise SchedulerError(f"cannot reach the Dask scheduler at {address}: no Dask "
                             f"scheduler answered within {timeout:g} s (is it one? "
                             "--scheduler-timeout waits longer)") from None
    except (OSError, ValueError, TypeError) as exc:
        raise SchedulerError(f"cannot reach the Dask scheduler at {address}: "
                             f"{' '.join(str(exc).split()) or type(exc).__name__}") from None


def _run_apart(fn: Callable[[], Any]) -> Any:
    """`fn()` here, or in a thread of its own when this thread already runs an event loop
    (docpipe called from a notebook), where `asyncio.run` may not be called."""
    import asyncio
    import threading

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return fn()
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["value"] = fn()
        except BaseException as exc:  # noqa: BLE001 -- raised again in the caller
            outcome["error"] = exc

    thread = threading.Thread(target=target, daemon=True, name="docpipe-dask-knock")
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


class DaskPool:
    """Tasks as futures on the cluster whose scheduler is at `address`."""

    def __init__(self, address: str, connect_timeout: float = DEFAULT_TIMEOUT):
        address = scheduler_address(address)
        try:
            from distributed import Client
        except ImportError:
            raise SchedulerError("--scheduler needs Dask: pip install 'docpipe[dask]'") from None
        security = _security(address.split("://", 1)[0])
        _knock(address, connect_timeout, security)
        try:
            self.client = Client(address, timeout=connect_timeout, set_as_default=False,
                                 security=security)
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
            self.client.close(timeout=2)

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
