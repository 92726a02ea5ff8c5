"""The stages as plain functions: read -> parse -> transform -> render.

The CLI builds one `Settings` and calls these; so do `pack` and the benchmarks.
"""

from __future__ import annotations

import dataclasses
import glob
import logging
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from .errors import DocpipeError, InputError, UsageError
from .inputs import link_out
from .model import Article
from .readers import SUFFIXES, ReadOptions, read
from .writers import DEFAULT_FORMATS, WRITERS, RenderOptions, write

#: Pages left out of learning by a failure of docpipe's own, shown under --debug.
log = logging.getLogger(__name__)

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
    punct: str = "auto"  # auto: regional typography (transforms/punctuation.py); keep
    strict: bool = False  # a page with warnings fails (exit 1), its outputs unwritten
    # The user's phrase fixes after OpenCC (transforms/phrases.py): (script, from, to).
    phrases: tuple[tuple[str, str, str], ...] = ()
    read: ReadOptions = field(default_factory=ReadOptions)
    render: RenderOptions = field(default_factory=RenderOptions)


@dataclass
class Result:
    input: str
    outputs: list[Path] = field(default_factory=list)
    article: Article | None = None
    error: str = ""
    stages: list[tuple[str, float]] = field(default_factory=list)  # (stage, seconds): -v

    @property
    def ok(self) -> bool:
        return not self.error


def expand_inputs(inputs: list[str], errors: list[InputError] | None = None) -> list[str]:
    """Files as given, folders as their pages (sorted), globs expanded, `-` for stdin.

    An empty folder or a pattern matching nothing raises InputError, or, when `errors`
    is given, is appended to it so the other inputs of the run are still converted."""
    found: list[str] = []
    for item in inputs:
        if errors is not None:
            try:
                found += expand_inputs([item])
            except InputError as exc:
                errors.append(exc)
            continue
        p = Path(item)
        try:  # a name too long, a folder that cannot be listed: this input's error only
            is_file = item == STDIN or p.is_file()
            is_dir = not is_file and p.is_dir()
            pages = sorted(
                str(f) for f in p.iterdir()
                if f.is_file() and f.suffix.lower() in SUFFIXES and not f.name.startswith(".")
            ) if is_dir else []
        except OSError as exc:
            raise InputError(f"cannot read: {exc.strerror or exc}", item) from None
        if is_file:
            found.append(item)
        elif is_dir:
            if not pages:
                raise InputError("folder holds no pages (.txt, .html, .htm, .mhtml)", item)
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
    """One input's bytes, at most `max_bytes` (0: no limit): see `inputs.read_file`."""
    from .inputs import read_file, read_stream

    if path == STDIN:
        return read_stream(sys.stdin.buffer, max_bytes, "<stdin>")
    return read_file(path, max_bytes)


def read_options_for(paths: list[str], settings: Settings) -> dict[str, ReadOptions]:
    """Read options per input. When several pages of one site are read together, this is
    where what they share (the site's template) is learnt, so each page's reader drops it."""
    opts = {p: settings.read for p in paths}
    files = [p for p in dict.fromkeys(paths) if p != STDIN]
    if len(files) < 2:
        return opts
    from .learn import learn, page_of

    pages = []
    for p in files:
        try:
            data = read_bytes(p, settings.read.max_bytes)
            page = page_of(p, data, settings.read.encoding, settings.read.rules,
                           kind=settings.read.kind)
        except DocpipeError:  # reported when the page itself is read
            continue  # one bad input never stops the others
        except Exception as exc:  # a bug: this page is not learnt from; its own read reports
            log.info("learning: %s left out (%s: %s)", p, type(exc).__name__, exc)
            continue
        if page is not None:
            pages.append(page)
    for p, learnt in learn(pages).items():
        opts[p] = dataclasses.replace(settings.read, learnt=learnt)
    return opts


def transform(art: Article, settings: Settings) -> Article:
    """Summary, keywords, script conversion, punctuation and notice layout: every step
    logged for --explain."""
    from .transforms.chinese import convert_article, detect_variant
    from .transforms.keywords import keywords
    from .transforms.notice import mark_notice
    from .transforms.punctuation import fix_article
    from .transforms.summary import add_summary

    pairs = keywords(art.kept_text(), settings.keywords)
    art = dataclasses.replace(art, keywords=[w for w, _ in pairs],
                              log=[*art.log, "keywords: " + " ".join(w for w, _ in pairs)])
    art = add_summary(art, dict(pairs), settings.summary_sentences, settings.summary_chars)
    if settings.variant:
        art = convert_article(art, settings.variant)
    else:
        art = dataclasses.replace(art, variant=detect_variant(art.kept_text()))
    if settings.phrases:
        from .transforms.phrases import apply

        art = apply(art, settings.phrases)
    if settings.punct != "keep":
        art = fix_article(art)
    return mark_notice(art)


def load(path: str, settings: Settings, stages: list[tuple[str, float]] | None = None,
         data: bytes | None = None) -> Article:
    """One input, read (unless its bytes are given), parsed and transformed; each stage's
    time goes to `stages`."""
    t0 = time.perf_counter()
    if data is None:
        data = read_bytes(path, settings.read.max_bytes)
    t1 = time.perf_counter()
    art = read(data, path if path != STDIN else "<stdin>", settings.read)
    if path != STDIN and (real := link_out(path)):
        from .errors import describe

        art = dataclasses.replace(art, warnings=[
            *art.warnings, f"the page is a link to {describe(real)}, outside its folder: "
                           "check that it is a page you mean to use"])
    t2 = time.perf_counter()
    art = transform(art, settings)
    if "pdf" in settings.formats:
        art = check_glyphs(art, settings)
    if stages is not None:
        stages += [("read", t1 - t0), ("parse", t2 - t1), ("transform", time.perf_counter() - t2)]
    if settings.strict and art.warnings:
        from .errors import StrictError

        raise StrictError(f"--strict: {len(art.warnings)} warning(s), first: {art.warnings[0]}",
                          path if path != STDIN else "<stdin>", article=art)
    return art


def check_glyphs(art: Article, settings: Settings) -> Article:
    """Warn about characters no installed font can draw in the PDF (writers/pdf/glyphs.py),
    and when the PDF cannot be read back (no pdftotext: `verify`)."""
    from .verify import unchecked_warning
    from .writers.pdf import glyph_warning

    warnings = [w for w in (glyph_warning(art, settings.render), unchecked_warning()) if w]
    return dataclasses.replace(art, warnings=[*art.warnings, *warnings]) if warnings else art


def output_stem(path: str) -> str:
    return "stdin" if path == STDIN else Path(path).stem


def render(art: Article, stem: str, settings: Settings,
           stages: list[tuple[str, float]] | None = None,
           targets: dict[str, Path] | None = None) -> list[Path]:
    """Write each format to OUT/<stem><suffix>, or to the file `targets` names for it."""
    outputs = []
    for fmt in settings.formats:
        target = (targets or {}).get(fmt) or settings.out_dir / f"{stem}{WRITERS[fmt][1]}"
        t0 = time.perf_counter()
        write(fmt, art, target, settings.render)
        if stages is not None:
            stages.append((fmt, time.perf_counter() - t0))
        outputs.append(target)
    return outputs


def render_files(art: Article, stem: str, settings: Settings) -> list[tuple[str, bytes]]:
    """What `render` writes, as (file name, bytes): made in a worker, written by the parent."""
    from .writers import to_bytes

    return [(f"{stem}{WRITERS[fmt][1]}", to_bytes(fmt, art, settings.render))
            for fmt in settings.formats]


def write_files(out_dir: Path, files: list[tuple[str, bytes]]) -> list[Path]:
    """Write a worker's files atomically (nothing after a signal: outputs.atomic_path)."""
    from .outputs import write_bytes

    paths = []
    for name, data in files:
        write_bytes(out_dir / name, data)
        paths.append(out_dir / name)
    return paths


def convert_one(
    path: str, settings: Settings, stem: str | None = None, read_opts: ReadOptions | None = None,
    targets: dict[str, Path] | None = None,
) -> Result:
    result = Result(path)
    if read_opts is not None:
        settings = dataclasses.replace(settings, read=read_opts)
    try:
        result.article = load(path, settings, result.stages)
        result.outputs = render(result.article, stem or output_stem(path), settings,
                                result.stages, targets)
    except DocpipeError as exc:
        result.error = str(exc)
        result.article = result.article or getattr(exc, "article", None)
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


def check_overwrites(paths: list[str], settings: Settings, stem: str | None = None,
                     targets: dict[str, Path] | None = None) -> dict[str, str]:
    """Inputs whose outputs would replace an input, go into a page's image folder or the
    pack's cache, or have a name too long for the file system: path -> message.
    `stem` (--name) and `targets` (-o FILE) name the outputs as `render` will."""
    from .outputs import Protected, name_too_long

    guard = Protected(paths, settings.out_dir)
    bad: dict[str, str] = {}
    for p in paths:
        for fmt in settings.formats:
            target = (targets or {}).get(fmt) or \
                settings.out_dir / f"{stem or output_stem(p)}{WRITERS[fmt][1]}"
            if name_too_long(settings.out_dir, target.name):
                bad[p] = (f"{p}: output name {target.name[:40]}… is too long for the file "
                          "system (rename the page)")
                break
            if problem := guard.problem(target):
                bad[p] = f"{p}: its output {target} {problem}"
                break
    return bad


def check_pack_outputs(paths: list[str], out_dir: Path, name: str) -> None:
    """UsageError when the pack's own files (NAME.pdf, .docx, .json) cannot be written
    without destroying an input, or when NAME is too long for the file system."""
    from .outputs import Protected, name_too_long

    guard = Protected(paths, out_dir)
    for suffix in (".docx", ".json", ".pdf"):
        target = out_dir / f"{name}{suffix}"
        if name_too_long(out_dir, target.name) or name_too_long(out_dir, f".{target.name}"):
            raise UsageError(f"pack name {name[:40]}… is too long for the file system "
                             "(choose a shorter --name)")
        if problem := guard.problem(target):
            raise UsageError(f"pack output {target} {problem}")
