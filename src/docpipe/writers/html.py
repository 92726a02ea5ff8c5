"""HTML briefing: docpipe's Jinja2 template fed with extracted text (autoescaped)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from ..errors import UsageError
from ..model import Article
from ..outputs import write_text
from ..transforms.chinese import LANG
from . import RenderOptions, display_title, labels_for


@lru_cache(maxsize=8)
def environment(search_path: tuple[str, ...]):
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(list(search_path)),
        autoescape=True,  # page text is data, never markup
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )


def render(art: Article, opts: RenderOptions, template: str = "briefing.html.j2", **extra) -> str:
    env = environment(tuple(str(p) for p in opts.search_path))
    css = opts.find("briefing.css").read_text(encoding="utf-8")
    import jinja2

    try:
        return env.get_template(template).render(
            a=art,
            title=display_title(art, opts),
            L=labels_for(art.variant, opts),
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
    write_text(target, render(art, opts))
