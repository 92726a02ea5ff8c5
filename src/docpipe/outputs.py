"""Output files appear whole or not at all: write to a temporary name, then rename."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from .errors import OutputError


def ensure_dir(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create output folder: {exc.strerror}", str(folder)) from None
    if not os.access(folder, os.W_OK):
        raise OutputError("output folder is not writable", str(folder))


@contextlib.contextmanager
def atomic_path(target: Path, after_signal: bool = False) -> Iterator[Path]:
    """A temporary path beside `target`, renamed onto it only if the block succeeds.

    After SIGTERM/Ctrl-C nothing is renamed into place (`signals`), unless
    `after_signal` (the pack's cache, saved so that a re-run resumes)."""
    from . import signals

    if not after_signal:
        signals.check()
    ensure_dir(target.parent)
    try:
        # The temporary name must fit where the target's does (255 bytes on most systems).
        stem = target.name.encode("utf-8")[:200].decode("utf-8", "ignore")
        fd, tmp = tempfile.mkstemp(prefix=f".{stem}.", suffix=".part", dir=target.parent)
    except OSError as exc:
        raise OutputError(f"cannot write: {exc.strerror}", str(target)) from None
    os.close(fd)
    tmp_path = Path(tmp)
    signals.track_temp(tmp_path, True)
    try:
        yield tmp_path
        os.chmod(tmp_path, 0o644)
        if not after_signal:
            signals.check()  # the signal's exception may have been swallowed by a library
        os.replace(tmp_path, target)
    except OSError as exc:
        raise OutputError(f"cannot write: {exc.strerror}", str(target)) from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp_path.unlink()
        signals.track_temp(tmp_path, False)


def write_bytes(target: Path, data: bytes, after_signal: bool = False) -> None:
    with atomic_path(target, after_signal) as tmp:
        tmp.write_bytes(data)


def write_text(target: Path, text: str) -> None:
    write_bytes(target, text.encode("utf-8"))


#: The pack's cache file in its output folder (pack.CACHE_NAME; a test keeps them equal).
PACK_CACHE_NAME = ".docpipe-cache.json"


def name_too_long(folder: Path, name: str) -> bool:
    """Whether the file name `name` is longer than `folder`'s file system allows."""
    try:
        limit = os.pathconf(folder if folder.is_dir() else ".", "PC_NAME_MAX")
    except (OSError, ValueError):
        limit = 255
    return len(os.fsencode(name)) > limit


class Protected:
    """What no output may replace: the run's inputs (symlinks and hard links seen
    through), each page's `NAME_files/` image folder, and a pack's cache."""

    def __init__(self, inputs: list[str], out_dir: Path):
        self.files: set[Path] = set()
        self.ids: set[tuple[int, int]] = set()
        self.folders: list[Path] = []
        for item in inputs:
            if item == "-":
                continue
            p = Path(item)
            with contextlib.suppress(OSError, ValueError):
                self.files.add(p.resolve())
                st = p.stat()
                self.ids.add((st.st_dev, st.st_ino))
            with contextlib.suppress(OSError, ValueError):
                folder = p.parent / f"{p.stem}_files"
                if folder.is_dir():
                    self.folders.append(folder.resolve())
        with contextlib.suppress(OSError, ValueError):
            self.files.add((out_dir / PACK_CACHE_NAME).resolve())

    def problem(self, target: Path) -> str:
        """Why writing `target` would destroy an input, as "would …" ("" when not)."""
        try:
            real = target.resolve()
        except (OSError, ValueError):
            return ""
        hit = real in self.files
        if not hit:
            with contextlib.suppress(OSError):
                st = target.stat()
                hit = (st.st_dev, st.st_ino) in self.ids
        if hit:
            if real.name == PACK_CACHE_NAME:
                return "would overwrite the pack's cache"
            return "would overwrite an input"
        for folder in self.folders:
            if real.is_relative_to(folder):
                return f"would go into the image folder {folder.name}/ of a page"
        return ""
