"""The stages as plain functions: read -> parse -> transform -> render.

The CLI builds one `Settings` and calls these; so do `pack` and the benchmarks.
"""

from __future__ import annotations

import dataclasses
import glob
import sys
from dataclasses import dataclass, field
from pathlib import Path

from .errors import DocpipeError, InputError
from .model import Article
from .readers import SUFFIXES, ReadOptions, read
from .writers import DEFAULT_FORMATS, WRITERS, RenderOptions, write

STDIN = "-"


@dataclass(frozen=True)
class Settings:
    """Every option of a run, in one record (the CLI never passes argv further)."""

    formats: tuple[str, ...] = DEFAULT_FORMATS
    variant: str | None = None  # None: keep the page's script
    out_dir: Path = Path("out")
    summary_sentences: int = 2
    summary_chars: int = 120
    keywords: int = 8
    read: ReadOptions = field(default_factory=ReadOptions)
    render: RenderOptions = field(default_factory=RenderOptions)


@dataclass
class Result:
    input: str
    outputs: list[Path] = field(default_factory=list)
    article: Article | None = None
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error


def expand_inputs(inputs: list[str]) -> list[str]:
    """Files as given, folders as their pages (sorted), globs expanded, `-` for stdin."""
    found: list[str] = []
    for item in inputs:
        p = Path(item)
        if item == STDIN or p.is_file():
            found.append(item)
        elif p.is_dir():
            pages = sorted(
                str(f) for f in p.iterdir()
                if f.is_file() and f.suffix.lower() in SUFFIXES and not f.name.startswith(".")
            )
            if not pages:
                raise InputError("folder holds no pages (.txt, .html, .htm)", item)
            found += pages
        elif any(ch in item for ch in "*?["):
            matches = sorted(glob.glob(item))
            if not matches:
                raise InputError("pattern matches no file", item)
            found += matches
        else:
            found.append(item)  # reported as missing when read, with the others still done
    return found


def read_bytes(path: str, max_bytes: int = 0) -> bytes:
    if path == STDIN:
        return sys.stdin.buffer.read()
    p = Path(path)
    try:
        if max_bytes and p.stat().st_size > max_bytes:
            raise InputError(
                f"input is {p.stat().st_size / 1e6:.1f} MB, over the limit of "
                f"{max_bytes / 1e6:.1f} MB (raise it with --max-bytes)", path)
        return p.read_bytes()
    except FileNotFoundError:
        raise InputError("no such file", path) from None
    except IsADirectoryError:
        raise InputError("is a folder, not a page", path) from None
    except PermissionError:
        raise InputError("permission denied", path) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", path) from None


def read_options_for(paths: list[str], settings: Settings) -> dict[str, ReadOptions]:
    """Read options per input. When several pages of one site are read together, this is
    where what they share (the site's template) is learnt, so each page's reader drops it."""
    return {p: settings.read for p in paths}


def transform(art: Article, settings: Settings) -> Article:
    """Summary, keywords and script conversion: every step logged for --explain."""
    from .transforms.chinese import convert_article, detect_variant
    from .transforms.keywords import keywords
    from .transforms.summary import add_summary

    pairs = keywords(art.kept_text(), settings.keywords)
    art = dataclasses.replace(art, keywords=[w for w, _ in pairs],
                              log=[*art.log, "keywords: " + " ".join(w for w, _ in pairs)])
    art = add_summary(art, dict(pairs), settings.summary_sentences, settings.summary_chars)
    if settings.variant:
        return convert_article(art, settings.variant)
    return dataclasses.replace(art, variant=detect_variant(art.kept_text()))


def load(path: str, settings: Settings) -> Article:
    """One input, read, parsed and transformed."""
    data = read_bytes(path, settings.read.max_bytes)
    art = read(data, path if path != STDIN else "<stdin>", settings.read)
    return transform(art, settings)


def output_stem(path: str) -> str:
    return "stdin" if path == STDIN else Path(path).stem


def render(art: Article, stem: str, settings: Settings) -> list[Path]:
    outputs = []
    for fmt in settings.formats:
        target = settings.out_dir / f"{stem}{WRITERS[fmt][1]}"
        write(fmt, art, target, settings.render)
        outputs.append(target)
    return outputs


def convert_one(
    path: str, settings: Settings, stem: str | None = None, read_opts: ReadOptions | None = None
) -> Result:
    result = Result(path)
    if read_opts is not None:
        settings = dataclasses.replace(settings, read=read_opts)
    try:
        result.article = load(path, settings)
        result.outputs = render(result.article, stem or output_stem(path), settings)
    except DocpipeError as exc:
        result.error = str(exc)
    return result


def check_collisions(paths: list[str]) -> dict[str, str]:
    """Inputs whose outputs would overwrite an earlier input's: path -> message."""
    seen: dict[str, str] = {}
    clash: dict[str, str] = {}
    for p in paths:
        stem = output_stem(p)
        if stem in seen:
            clash[p] = f"{p}: its outputs would overwrite those of {seen[stem]} (same name)"
        else:
            seen[stem] = p
    return clash
