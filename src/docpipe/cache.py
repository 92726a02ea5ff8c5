"""The pack's cache, DIR/.docpipe-cache.json: data, never trusted.

Anyone can edit the file. So every record is checked against the shape docpipe writes
(`valid_record`), and anything else is a miss, never a traceback: a page is parsed
again, the pack rendered again. What the cache cannot be trusted with is recomputed:
the page's folder (`base_dir`, where its images are read from) and its path come from
the real input, output names from the page's name, and each image path is checked again
on every run. A poisoned cache therefore embeds nothing from outside the page's folder.

Plus the fingerprints the keys are made of, and the lock that keeps two runs into one
folder from corrupting each other's cache and manifest.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import re
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from . import __version__
from .errors import OutputError, UsageError
from .model import Article, article_from_record, article_record
from .outputs import write_bytes

CACHE_NAME = ".docpipe-cache.json"
LOCK_NAME = ".docpipe-cache.lock"
CACHE_VERSION = 1
LOCK_TIMEOUT = 600.0  # seconds a second run into the same folder waits

_HEX = re.compile(r"[0-9a-f]{64}")


def empty() -> dict[str, Any]:
    return {"pages": {}, "pack": {}}


def load(path: Path) -> dict[str, Any]:
    """The cache, or an empty one when it is missing, unreadable or of another shape.
    Single page records are checked when used (`restore`)."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeError, RecursionError):
        return empty()
    if not isinstance(doc, dict) or doc.get("cache") != CACHE_VERSION:
        return empty()
    pages = doc.get("pages")
    pack = doc.get("pack")
    if not isinstance(pages, dict) or not isinstance(pack, dict):
        return empty()
    return {"pages": pages, "pack": pack if _is_key(pack.get("key")) else {}}


def _is_key(value: Any) -> bool:
    return isinstance(value, str) and bool(_HEX.fullmatch(value))


def valid_record(rec: Any, allowed_outputs: set[str]) -> bool:
    """The shape `record` writes, with outputs limited to the page's own file names."""
    if not isinstance(rec, dict) or not _is_key(rec.get("key")):
        return False
    outputs = rec.get("outputs")
    if not isinstance(outputs, list) or not all(
            isinstance(o, str) and o in allowed_outputs for o in outputs):
        return False
    status = rec.get("status")
    if status == "failed":
        return set(rec) == {"key", "status", "outputs", "error"} and isinstance(
            rec["error"], str) and not outputs
    if status != "ok":
        return False
    return (set(rec) == {"key", "status", "outputs", "title", "article"}
            and isinstance(rec["title"], str) and isinstance(rec["article"], dict))


def restore(rec: Any, key: str, input_path: str, allowed_outputs: set[str], out: Path,
            folder_images: bool = False
            ) -> tuple[str, Article | None, str, list[str]] | None:
    """(status, article, title or error, outputs) from a valid, matching record whose
    outputs are all on disk; None for a miss. `folder_images`: the page's whole folder
    holds its images, not only NAME_files/ (the read option)."""
    if not valid_record(rec, allowed_outputs) or rec["key"] != key:
        return None
    if not all((out / o).is_file() for o in rec["outputs"]):
        return None
    if rec["status"] == "failed":
        return "failed", None, rec["error"], []
    try:
        art = article_from_record(rec["article"])
    except ValueError:
        return None
    # Never from the cache: where the page is, and so where its images may come from.
    from .images import image_folder, real_image_folder

    parent = str(Path(input_path).parent)
    base_dir = str(image_folder(input_path, parent, folder_images))
    if real_image_folder(input_path, parent, folder_images) is None:  # a link elsewhere
        if any(b.kind == "image" and b.src and not b.src.startswith("data:")
               for b in art.body):
            return None
        base_dir = ""
    art = dataclasses.replace(art, input_path=input_path, base_dir=base_dir)
    if not images_ok(art):
        return None
    return "ok", art, rec["title"], list(rec["outputs"])


def images_ok(art: Article) -> bool:
    """Every image of the article passes the reader's checks again (each run): a file
    inside the page's image folder, within the pixel and SVG budgets, or a `data:` URL
    within them."""
    from .images import data_url_problem, image_problem

    srcs = [b.src for b in art.body if b.kind == "image" and b.src]
    if not srcs:
        return True
    try:
        base = Path(art.base_dir).resolve()
    except (OSError, RuntimeError):
        return False
    for src in srcs:
        if src.startswith("data:"):
            if data_url_problem(src):
                return False
            continue
        if Path(src).is_absolute() or "\\" in src:
            return False
        try:
            path = (base / src).resolve()
        except (OSError, RuntimeError):
            return False
        if not path.is_relative_to(base) or not path.is_file() or image_problem(path):
            return False
    return True


def record(status: str, key: str, outputs: list[str], title: str = "",
           article: Article | None = None, error: str = "") -> dict[str, Any]:
    if status == "ok" and article is not None:
        return {"key": key, "status": status, "outputs": outputs, "title": title,
                "article": article_record(article)}
    return {"key": key, "status": status, "outputs": [], "error": error}


def save(path: Path, pages: dict[str, Any], pack: dict[str, Any]) -> None:
    doc = {"cache": CACHE_VERSION, "docpipe": __version__, "pages": pages, "pack": pack}
    write_if_changed(path, json.dumps(doc, ensure_ascii=False, sort_keys=True),
                     after_signal=True)


def write_if_changed(path: Path, text: str, after_signal: bool = False) -> None:
    data = text.encode("utf-8")
    with contextlib.suppress(OSError):
        if path.read_bytes() == data:
            return  # same bytes: keep the file (and its mtime) for Make
    write_bytes(path, data, after_signal=after_signal)


@contextlib.contextmanager
def folder_lock(out: Path, waiting=None, timeout: float = LOCK_TIMEOUT) -> Iterator[None]:
    """Only one pack at a time writes into `out`: a second one waits (telling `waiting`),
    and gives up with one line after `timeout` seconds."""
    from filelock import FileLock, Timeout

    lock = FileLock(str(out / LOCK_NAME))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        if waiting:
            waiting(f"waiting for another docpipe run writing into {out}")
        try:
            lock.acquire(timeout=timeout)
        except Timeout:
            raise OutputError(f"another docpipe run is writing into this folder (waited "
                              f"{timeout:g} s)", str(out)) from None
    except OSError as exc:
        raise OutputError(f"cannot lock the output folder: {exc.strerror or exc}",
                          str(out)) from None
    try:
        yield
    finally:
        lock.release()


# --- fingerprints ----------------------------------------------------------------------


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def tree_hash(folders: Iterable[Path], suffixes: tuple[str, ...] | None = None) -> str:
    h = hashlib.sha256()
    for folder in folders:
        files = folder.rglob("*") if suffixes else folder.glob("*")
        for f in sorted(files):
            if not f.is_file() or f.name.startswith(".") or "__pycache__" in f.parts:
                continue
            if suffixes and f.suffix not in suffixes:
                continue
            h.update(str(f.relative_to(folder)).encode() + b"\0" + f.read_bytes() + b"\0")
    return h.hexdigest()


@lru_cache(maxsize=1)
def code_hash() -> str:
    """docpipe's own code and rules: a changed rule or writer rebuilds (once per process)."""
    return tree_hash([Path(__file__).resolve().parent], (".py", ".toml"))


def source_date() -> str | None:
    """SOURCE_DATE_EPOCH as an ISO timestamp (reproducible builds), if set."""
    raw = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not raw:
        return None
    try:
        return datetime.fromtimestamp(int(raw), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (ValueError, OverflowError, OSError):
        raise UsageError(f"SOURCE_DATE_EPOCH is not a number of seconds: {raw!r}") from None


def digest(obj: Any) -> str:
    return sha(json.dumps(obj, sort_keys=True, ensure_ascii=False, default=str).encode())


def settings_doc(settings: Any) -> dict[str, Any]:
    doc = dataclasses.asdict(settings)
    doc.pop("out_dir", None)
    return doc
