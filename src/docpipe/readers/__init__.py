"""Readers: one per input kind, each turns bytes into the same `Article`.

Adding an input kind means one module here and one line in READERS.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..model import Article


@dataclass(frozen=True)
class ReadOptions:
    encoding: str | None = None
    max_bytes: int = 0
    rules: tuple[str, ...] = ()  # extra site-profile folders
    # Lines learnt as boilerplate of this page's site from the other pages of the run
    # (squashed text -> evidence); see pipeline.read_options_for.
    learnt: tuple[tuple[str, str], ...] = ()
    # Images from anywhere under the page's folder, not only its NAME_files/ (pages saved
    # by wget and other tools); see images.py.
    folder_images: bool = False

    def __post_init__(self) -> None:
        if self.max_bytes < 0:
            from ..errors import UsageError

            raise UsageError(f"max_bytes must be 0 (no limit) or more, not {self.max_bytes}")


Reader = Callable[[bytes, str, ReadOptions], Article]


def _text(data: bytes, path: str, opts: ReadOptions) -> Article:
    from . import text

    return text.read(data, path, opts)


def _html(data: bytes, path: str, opts: ReadOptions) -> Article:
    from . import html

    return html.read(data, path, opts)


READERS: dict[str, Reader] = {"txt": _text, "html": _html}
SUFFIXES: dict[str, str] = {".txt": "txt", ".text": "txt", ".html": "html", ".htm": "html",
                            ".xhtml": "html", ".shtml": "html"}


def kind_of(path: str, data: bytes) -> str:
    """Input kind from the file name, or from the content for stdin and odd names."""
    for suffix, kind in SUFFIXES.items():
        if path.lower().endswith(suffix):
            return kind
    head = data[:2048].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html", b"<?xml")) or b"<body" in head:
        return "html"
    return "txt"


def read(data: bytes, path: str, opts: ReadOptions) -> Article:
    from ..images import screen

    # Local images only from the page's own NAME_files/ folder, checked before decoding.
    return screen(READERS[kind_of(path, data)](data, path, opts), opts.folder_images)
