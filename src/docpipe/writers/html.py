"""HTML briefing: docpipe's Jinja2 template fed with extracted text (autoescaped)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from ..errors import UsageError
from ..model import Article
from ..outputs import write_text
from ..transforms.chinese import LANG
from . import (
    RenderOptions,
    colophon,
    display_title,
    labels_for,
    lead_shown,
    note_marks,
    record_rows,
)


@lru_cache(maxsize=8)
def environment(search_path: tuple[str, ...]):
    """The templates' Jinja2 environment, sandboxed: a template (a user's too, or one
    that came with a folder of pages) may show what it is given, never reach Python's
    internals (`lipsum.__globals__`), call what changes data, or read files outside its
    folder."""
    import jinja2
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    env = ImmutableSandboxedEnvironment(
        loader=_FolderLoader(list(search_path)),
        autoescape=True,  # page text is data, never markup
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    env.filters["keep_last"] = keep_last
    env.globals["lead_shown"] = lead_shown
    env.globals["record_rows"] = record_rows
    env.globals["note_marks"] = note_marks
    return env


def _FolderLoader(search_path: list[str]):
    """Jinja2's file loader, reading a template only from inside the folder it is found
    in: a link to a file outside that folder is an error, not followed."""
    import jinja2
    from jinja2.exceptions import SecurityError

    from . import LINK_OUT, inside

    class FolderLoader(jinja2.FileSystemLoader):
        def get_source(self, environment, template):
            source, filename, uptodate = super().get_source(environment, template)
            if not any(inside(filename, folder) for folder in self.searchpath):
                raise SecurityError(f"{filename}: {LINK_OUT}")
            return source, filename, uptodate

    return FolderLoader(search_path)


def keep_last(text: str, n: int = 2):
    """`text` (escaped) whose last `n` characters never break apart: a headline never
    ends with one character alone on its last line."""
    from markupsafe import Markup, escape

    if len(text) <= n:
        return escape(text)
    return Markup('{}<span class="nobr">{}</span>').format(text[:-n], text[-n:])


def render(art: Article, opts: RenderOptions, template: str = "briefing.html.j2",
           css: str | None = None, **extra) -> str:
    """`css`: what the template gets as its stylesheet (default: briefing.css's text)."""
    env = environment(tuple(str(p) for p in opts.search_path))
    if css is None:
        css = opts.find("briefing.css").read_text(encoding="utf-8")
    import jinja2

    L = labels_for(art.variant, opts)
    try:
        return env.get_template(template).render(
            a=art,
            title=display_title(art, opts),
            L=L,
            org=opts.organisation,
            credit=colophon(L, opts),
            lang=LANG[art.variant][0],
            region=LANG[art.variant][1],
            css=css,
            **extra,
        )
    except jinja2.TemplateError as exc:  # a user's template (--template-dir) is broken
        raise template_error(exc, art.input_path) from None


def template_error(exc: Exception, page: str = "") -> UsageError:
    """One line naming the template file and line, from the frames Jinja2 gives templates."""
    import traceback

    where = next((f"{f.filename}:{f.lineno}" for f in reversed(
        traceback.extract_tb(exc.__traceback__)) if f.filename.endswith(".j2")), "template")
    return UsageError(f"{where}: template error: {exc}" + (f" (page {page})" if page else ""))


def write(art: Article, target: Path, opts: RenderOptions) -> None:
    from .assets import export_images

    write_text(target, render(export_images(art, target), opts))
