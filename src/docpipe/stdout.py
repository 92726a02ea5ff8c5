"""What the CLI prints on stdout, whatever stdout turns out to be.

A full disk (`>/dev/full`), a closed stream (`>&-`: Python then has no `sys.stdout` at
all) or a reader that went away (`| head`) are not bugs of docpipe: the first two end
the run with one line and exit 1, the last quietly (`errors.ReaderGone`), as `cat` does.
Paths are printed one per line with what could break or fake a line escaped
(`errors.path_line`), or raw and NUL-terminated with `--print0`.
"""

from __future__ import annotations

import errno
import os
import sys
from typing import IO

from .errors import ReaderGone, StdoutError, path_line

CLOSED = "cannot write to stdout: it is closed"


def failure(exc: OSError | ValueError) -> StdoutError:
    """The error to raise for a failed write or flush of stdout."""
    if isinstance(exc, BrokenPipeError) or getattr(exc, "errno", None) == errno.EPIPE:
        return ReaderGone()
    if isinstance(exc, ValueError):  # I/O on a closed file
        return StdoutError(CLOSED)
    return StdoutError(f"cannot write to stdout: {exc.strerror or exc}")


def text() -> IO[str]:
    if sys.stdout is None:
        raise StdoutError(CLOSED)
    return sys.stdout


def binary() -> IO[bytes]:
    """stdout for bytes (`-o -`)."""
    stream = getattr(sys.stdout, "buffer", None)
    if stream is None:
        raise StdoutError(CLOSED)
    return stream


def write(data: str) -> None:
    stream = text()
    try:
        stream.write(data)
    except (OSError, ValueError) as exc:
        raise failure(exc) from None


def line(data: str) -> None:
    write(data + "\n")


def path(value: str | os.PathLike[str], print0: bool = False) -> None:
    """One output path: a line a script can read back, or (`print0`) its bytes and NUL."""
    if not print0:
        line(path_line(os.fspath(value)))
        return
    stream = binary()
    try:
        text().flush()  # lines written before stay in order
        stream.write(os.fsencode(value) + b"\0")
    except (OSError, ValueError) as exc:
        raise failure(exc) from None


def flush() -> None:
    """Flush stdout (it may hold what a full disk refuses); nothing when it is closed."""
    if sys.stdout is None:
        return
    try:
        sys.stdout.flush()
    except (OSError, ValueError) as exc:
        raise failure(exc) from None


class Guarded:
    """`sys.stdout` whose write and flush failures are docpipe's errors, whoever writes:
    docpipe's own lines, or the help text the command-line library prints. Everything
    else is the stream's own."""

    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream

    def write(self, data: str) -> int:
        try:
            return self._stream.write(data)
        except (OSError, ValueError) as exc:
            raise failure(exc) from None

    def flush(self) -> None:
        try:
            self._stream.flush()
        except (OSError, ValueError) as exc:
            raise failure(exc) from None

    def __getattr__(self, name: str):
        return getattr(self._stream, name)


def guard() -> None:
    """Put `Guarded` in front of stdout (the console entry point does, once)."""
    if sys.stdout is not None and not isinstance(sys.stdout, Guarded):
        sys.stdout = Guarded(sys.stdout)


def silence() -> None:
    """After the reader went away: point stdout at /dev/null, so that nothing later
    (Python's own flush at exit) writes into the closed pipe and prints a traceback."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno() if sys.stdout is not None else 1)
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass
