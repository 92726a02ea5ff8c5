"""Writers: one per output format, each takes an `Article` and writes one file.

Adding a format means one module here and one line in WRITERS. Modules are
imported on first use so `docpipe --help` does not pay for WeasyPrint or docx.
"""

from __future__ import annotations

import importlib
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from ..model import Article

#: format -> (module, file suffix)
WRITERS: dict[str, tuple[str, str]] = {
    "pdf": ("pdf", ".pdf"),
    "docx": ("docx", ".docx"),
    "html": ("html", ".html"),
    "md": ("markdown", ".md"),
    "json": ("json", ".json"),
}
DEFAULT_FORMATS = ("pdf", "docx")


def default_template_dir() -> Path:
    """`templates/` in the package (installed) or at the top of a source checkout."""
    here = Path(__file__).resolve().parent.parent
    for cand in (here / "templates", here.parent.parent / "templates"):
        if (cand / "briefing.html.j2").is_file():
            return cand
    raise FileNotFoundError("docpipe's templates folder is missing from the installation")


@dataclass(frozen=True)
class RenderOptions:
    template_dir: str | None = None  # user override, searched before the default
    max_pages: int = 500  # a PDF longer than this is refused (0: no limit)

    @property
    def search_path(self) -> list[Path]:
        dirs = [Path(self.template_dir)] if self.template_dir else []
        return [*dirs, default_template_dir()]

    def find(self, name: str) -> Path:
        for folder in self.search_path:
            if (folder / name).is_file():
                return folder / name
        raise FileNotFoundError(name)


@dataclass(frozen=True)
class Labels:
    words: dict[str, str] = field(default_factory=dict)

    def __getattr__(self, key: str) -> str:
        try:
            return self.words[key]
        except KeyError:
            raise AttributeError(key) from None


@lru_cache(maxsize=32)
def _labels(path: str, variant: str) -> Labels:
    from ..transforms.chinese import convert_text

    words = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    if variant != "hans":
        words = {k: convert_text(v, variant) for k, v in words.items()}
    return Labels(words)


def labels_for(variant: str, opts: RenderOptions) -> Labels:
    """The template's own words in the article's script (编者按 -> 編者按 for tw)."""
    return _labels(str(opts.find("labels.toml")), variant)


def display_title(art: Article, opts: RenderOptions) -> str:
    return art.title or labels_for(art.variant, opts).untitled


def write(fmt: str, art: Article, target: Path, opts: RenderOptions) -> None:
    module = importlib.import_module(f"{__name__}.{WRITERS[fmt][0]}")
    module.write(art, target, opts)
