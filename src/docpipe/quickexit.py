"""Leave the process once everything is written, without the interpreter's teardown.

By the time a command returns, every output is written, renamed and closed; what Python
would do next is free WeasyPrint's, Pango's and lxml's objects one by one, 0.1-0.4 s of a
~1 s briefing. So the console entry point registers `leave` first (atexit runs handlers
last-registered-first, so it runs after every other one: logging, multiprocessing, Dask)
and `arm`s it with the exit code just before the normal `sys.exit`. Python's shutdown
still waits for non-daemon threads and runs every other atexit handler; only the object
teardown after them is skipped. Library callers never arm it: their interpreter exits as
usual."""

from __future__ import annotations

import atexit
import contextlib
import os
import sys

_armed: dict[str, int] = {}


def install() -> None:
    """Register `leave`; call it before anything else registers an atexit handler."""
    atexit.register(leave)


def arm(code: int) -> None:
    """The exit code `leave` ends the process with."""
    _armed["code"] = code


def leave() -> None:
    """The last atexit handler: flush what is buffered, then end with the armed code."""
    if "code" not in _armed:
        return
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError, AttributeError):
            stream.flush()
    os._exit(_armed["code"])
