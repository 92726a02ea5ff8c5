"""What a render worker runs: importable by name (spawn processes, Dask workers).

Each task carries what it needs (the page's bytes, its settings, its parsed Article) and
returns plain data: an Article and/or a list of (file name, bytes). The process that runs
the pack or the convert writes the files, so a worker that is killed leaves nothing
half-written, and a worker on another machine needs no shared folder.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .errors import DocpipeError
from .model import Article
from .pipeline import Settings


@dataclass(frozen=True)
class PageTask:
    """Parse one page (and render its files when `settings.formats` is not empty)."""

    path: str
    stem: str
    settings: Settings  # out_dir, the formats (none for the pack's first phase), read options
    data: bytes | None = None  # the page's bytes (read by the parent); None: read `path`


@dataclass(frozen=True)
class RenderTask:
    """Render one page's files from its Article (parsed earlier by `build_page`)."""

    path: str
    stem: str
    article: Article
    settings: Settings


def warm_up() -> None:
    """Load what every page needs (WeasyPrint and its fonts, the keyword dictionary) once
    per worker, before its first page's time budget starts."""
    from .transforms.keywords import keywords
    from .writers.pdf import font_config

    font_config()
    keywords("社区志愿服务", 1)


def _failure(path: str, exc: BaseException) -> dict[str, Any]:
    if isinstance(exc, DocpipeError):
        return {"error": str(exc), "cacheable": True}
    # a bug: reported for this page only, tried again next run
    return {"error": f"{path}: internal error: {type(exc).__name__}: {exc}", "cacheable": False}


def build_page(task: PageTask) -> dict[str, Any]:
    """Read, parse and transform one page, and render its files. Runs in a worker."""
    from .pipeline import load, render_files

    try:
        art = load(task.path, task.settings, task.data)
        files = render_files(art, task.stem, task.settings) if task.settings.formats else []
    except Exception as exc:
        return _failure(task.path, exc)
    return {"article": art, "files": files, "outputs": [n for n, _ in files], "error": ""}


def render_page(task: RenderTask) -> dict[str, Any]:
    """One page's files from its parsed Article. Runs in a worker."""
    from .pipeline import render_files

    try:
        files = render_files(task.article, task.stem, task.settings)
    except Exception as exc:
        return _failure(task.path, exc)
    return {"files": files, "outputs": [n for n, _ in files], "error": ""}


def render_pack(job: Any) -> dict[str, Any]:
    """The pack's PDF or DOCX as bytes. Runs in a worker."""
    from .writers.collection import render

    try:
        data = render(job)
    except DocpipeError as exc:
        return {"error": str(exc)}
    except Exception as exc:
        return {"error": f"{job.target}: internal error: {type(exc).__name__}: {exc}"}
    return {"files": [(job.target.name, data)], "error": ""}


def run_task(task: Any) -> dict[str, Any]:
    """One task of the pack's second phase: the pack's PDF or DOCX, or a page's files."""
    return render_page(task) if isinstance(task, RenderTask) else render_pack(task)
