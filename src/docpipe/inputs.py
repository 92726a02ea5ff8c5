"""Bounded reads of input files: never trust `st_size`, never block on a pipe.

`st_size` is 0 for devices and pipes, so `Path.read_bytes()` on `/dev/zero` grows
without end and on a FIFO waits for a writer forever. Here a file is opened without
blocking, refused unless it is a regular file, and read in chunks up to one byte past
the limit. stdin (`-`) is the one stream docpipe reads, and it is read the same way.
"""

from __future__ import annotations

import errno
import os
import stat
from typing import BinaryIO

from .errors import InputError

CHUNK = 1 << 20


def link_out(path: str) -> str:
    """Where `path` really is, when that is outside the folder it was found in ("" when
    it is not): a folder of pages someone sent may hold `notes.txt -> ~/.ssh/id_rsa`,
    which a pack would otherwise carry unseen into a briefing to forward."""
    from pathlib import Path

    try:
        real = Path(path).resolve()
        folder = Path(path).parent.resolve()
    except (OSError, RuntimeError, ValueError):
        return ""
    return "" if real.is_relative_to(folder) else str(real)


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def _too_big(max_bytes: int, path: str) -> InputError:
    return InputError(f"input is over the limit of {max_bytes} bytes "
                      "(raise it with --max-bytes, 0 for no limit)", path)


def read_stream(stream: BinaryIO, max_bytes: int, label: str) -> bytes:
    """All of `stream`, or InputError as soon as it holds more than `max_bytes` (0: no
    limit) -- read in chunks, so an endless stream costs at most the limit plus a chunk."""
    parts: list[bytes] = []
    size = 0
    while True:
        want = CHUNK if not max_bytes else min(CHUNK, max_bytes + 1 - size)
        chunk = stream.read(want)
        if not chunk:
            return b"".join(parts)
        parts.append(chunk)
        size += len(chunk)
        if max_bytes and size > max_bytes:
            raise _too_big(max_bytes, label)


def read_file(path: str, max_bytes: int = 0) -> bytes:
    """The bytes of the regular file `path` (symlinks followed), at most `max_bytes`.

    FIFOs, sockets and devices are refused with one line, before any byte is read; a
    FIFO is opened with O_NONBLOCK, so no writer is waited for."""
    label = path
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise InputError("no such file", label) from None
    except IsADirectoryError:
        raise InputError("is a folder, not a page", label) from None
    except PermissionError:
        raise InputError("permission denied", label) from None
    except OSError as exc:
        if exc.errno == errno.ENXIO:  # a socket (or a FIFO on some systems)
            raise InputError("is a socket or pipe, not a page file", label) from None
        if exc.errno == errno.ENAMETOOLONG:
            raise InputError("file name too long", label) from None
        raise InputError(f"cannot read: {exc.strerror}", label) from None
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise InputError("is a folder, not a page", label)
        if not stat.S_ISREG(st.st_mode):
            raise InputError(f"is {_kind(st.st_mode)}, not a page file (docpipe reads regular "
                             "files, and stdin as -)", label)
        if max_bytes and st.st_size > max_bytes:
            from .decode import too_big

            raise too_big(st.st_size, max_bytes, label)
        with os.fdopen(fd, "rb", buffering=0, closefd=False) as stream:
            return read_stream(stream, max_bytes, label)  # a file still growing stops too
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", label) from None
    finally:
        os.close(fd)
