"""docpipe's cache in the user's cache folder (`$XDG_CACHE_HOME/docpipe`, else
`~/.cache/docpipe`): data derived once from files docpipe ships, so that other processes
need not load what derives it. Every entry is named after a digest of all it depends on,
written atomically, and optional: a read-only home only means computing it again."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "docpipe"


def cached(name: str, compute: Callable[[], bytes], load: Callable[[bytes], T]) -> T:
    """`load` of the bytes kept under `name`, or of `compute()`'s (then kept). An entry
    `load` rejects (ValueError, TypeError, EOFError, KeyError) is computed again."""
    path = cache_dir() / name
    with contextlib.suppress(OSError, ValueError, TypeError, EOFError, KeyError):
        return load(path.read_bytes())
    data = compute()
    value = load(data)
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{name}-")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, path)
        finally:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
    return value
