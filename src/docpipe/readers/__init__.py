"""Readers: one per input kind, each turns bytes into the same `Article`.

Adding an input kind means one module here and one line in READERS.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..model import Article
from .sniff import KINDS, SUFFIXES, kind_of

__all__ = ["KINDS", "READERS", "SUFFIXES", "ReadOptions", "kind_of", "read"]


@dataclass(frozen=True)
class ReadOptions:
    encoding: str | None = None
    max_bytes: int = 0
    rules: tuple[str, ...] = ()  # extra site-profile folders
    # Lines learnt as boilerplate of this page's site from the other pages of the run
    # (squashed text -> evidence); see pipeline.read_options_for.
    learnt: tuple[tuple[str, str], ...] = ()
    kind: str | None = None  # --from: txt | html | mhtml, overriding the name and content
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


def _mhtml(data: bytes, path: str, opts: ReadOptions) -> Article:
    from . import mhtml

    return mhtml.read(data, path, opts)


READERS: dict[str, Reader] = {"txt": _text, "html": _html, "mhtml": _mhtml}


def read(data: bytes, path: str, opts: ReadOptions) -> Article:
    """The reader for the input's kind (`--from`, else its name and content), its local
    images screened (only from the page's own NAME_files/ folder, checked before
    decoding: images.py), then what docpipe is unsure of about the result
    (`trust.assess`)."""
    from ..images import screen
    from ..trust import assess

    art = READERS[opts.kind or kind_of(path, data)](data, path, opts)
    return assess(screen(art, opts.folder_images))
