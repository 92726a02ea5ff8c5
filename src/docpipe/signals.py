"""Signals obeyed in every phase (SIGTERM, SIGHUP, Ctrl-C).

A handler that only raises is not enough: WeasyPrint's SVG drawing catches
`BaseException`, so the exception can be swallowed and the render goes on to write
its output. So the handler also

- sets a flag that `outputs.atomic_path` checks before it renames a file into place
  (no output appears after the signal);
- kills the render workers at once (they hold no output: the parent writes);
- arms a watchdog: if the run has not ended within `GRACE` seconds, the temporary files
  in progress are removed and the process ends with 128 + signal (143, 130, 129).
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time
from pathlib import Path

GRACE = 1.5  # seconds from the signal to the hard exit

_state = {"signum": 0}
_temps: set[str] = set()  # temporary output files being written (outputs.atomic_path)
_children: set[int] = set()  # worker pids (workers.Pool)
_lock = threading.Lock()


def stopped() -> int:
    """The signal that stopped the run, or 0."""
    return _state["signum"]


def exit_code(signum: int) -> int:
    return 128 + signum


def interruption(signum: int) -> KeyboardInterrupt:
    """The exception the CLI turns into one line and the exit code."""
    if signum == signal.SIGINT:
        exc = KeyboardInterrupt()
        exc.exit_code = 130  # type: ignore[attr-defined]
        return exc
    from .errors import Terminated

    return Terminated(signum)


def check() -> None:
    """Raise the interruption when a signal came (call before anything is written)."""
    if _state["signum"]:
        raise interruption(_state["signum"])


def track_temp(path: Path, on: bool) -> None:
    with _lock:
        (_temps.add if on else _temps.discard)(str(path))


def track_child(pid: int, on: bool) -> None:
    with _lock:
        (_children.add if on else _children.discard)(pid)


def kill_children() -> None:
    with _lock:
        pids = list(_children)
    for pid in pids:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)


def _clean_up() -> None:
    """Kill the workers and remove every temporary output: nothing half-written stays."""
    kill_children()
    with _lock:
        temps = list(_temps)
    for t in temps:
        with contextlib.suppress(OSError):
            os.unlink(t)


def _hard_exit(signum: int) -> None:
    time.sleep(GRACE)
    _clean_up()
    message = "interrupted" if signum == signal.SIGINT else f"terminated by {signal.Signals(signum).name}"
    with contextlib.suppress(Exception):
        sys.stderr.write(f"docpipe: error: {message}\n")
        sys.stderr.flush()
    os._exit(exit_code(signum))


def _on_signal(signum: int, frame) -> None:
    if _state["signum"]:  # a second signal: end now
        _hard_exit_now(signum)
    _state["signum"] = signum
    kill_children()
    threading.Thread(target=_hard_exit, args=(signum,), daemon=True,
                     name="docpipe-signal-watchdog").start()
    raise interruption(signum)


def _hard_exit_now(signum: int) -> None:
    _clean_up()
    os._exit(exit_code(signum))


def install() -> None:
    """Install the handlers (the CLI's main process only)."""
    for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        signal.signal(sig, _on_signal)
