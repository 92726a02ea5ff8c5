"""Writers: one per output format, each takes an `Article` and writes one file.

Adding a format means one module here and one line in WRITERS. Modules are
imported on first use so `docpipe --help` does not pay for WeasyPrint or docx.
"""

from __future__ import annotations

import contextlib
import importlib
import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from ..model import Article
from ..options import DEFAULT_FORMATS, FORMATS, MAX_PAGES, PDF_VARIANTS

#: format -> (module, file suffix): each format of the options table (options.FORMATS)
#: has its writer module, named after it (md: markdown.py).
WRITERS: dict[str, tuple[str, str]] = {
    fmt: ({"md": "markdown"}.get(fmt, fmt), suffix) for fmt, suffix in FORMATS.items()}
__all__ = ["DEFAULT_FORMATS", "PDF_VARIANTS", "WRITERS"]  # and the rest of the module


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
    # Branding (--organisation, --logo, --credit/--no-credit): the organisation in a
    # briefing's header and on a pack's cover, its logo (PNG/SVG/JPEG) on the cover, and
    # the closing credit line (None: docpipe's own; "": none).
    organisation: str = ""
    logo: str | None = None
    credit: str | None = None
    # PDF: tagged (accessible structure) and the WeasyPrint variant (--pdf-variant).
    pdf_tags: bool = True
    pdf_variant: str | None = None
    max_pages: int = MAX_PAGES  # a PDF longer than this is refused (0: no limit)

    @property
    def search_path(self) -> list[Path]:
        dirs = [Path(self.template_dir)] if self.template_dir else []
        return [*dirs, default_template_dir()]

    def find(self, name: str) -> Path:
        """The first folder's `name`; a template folder's file is read only from inside
        that folder (a link out of it is refused, as by the templates' loader)."""
        for folder in self.search_path:
            if (folder / name).is_file():
                if not inside(folder / name, folder):
                    from ..errors import UsageError

                    raise UsageError(f"{folder / name}: {LINK_OUT}")
                return folder / name
        raise FileNotFoundError(name)


LINK_OUT = ("a link to outside its template folder: templates and stylesheets are read "
            "only from inside it")


def inside(path: str | Path, folder: str | Path) -> bool:
    """Whether `path`, links followed, is in `folder` (links followed too)."""
    import os

    real, root = os.path.realpath(path), os.path.realpath(folder)
    return real == root or real.startswith(root.rstrip(os.sep) + os.sep)


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
    raw = Path(path).read_text(encoding="utf-8")
    words = tomllib.loads(raw)
    if variant != "hans":
        words = _converted(raw, words, variant)
    return Labels(words)


def _converted(raw: str, words: dict[str, str], variant: str) -> dict[str, str]:
    """The template's words in `variant`'s script. OpenCC's dictionaries take ~45 MB in
    each process that loads them, and a process that only renders needs just these few
    words: they are converted once and kept in the user's cache (`usercache`), keyed by
    the words, the variant and the OpenCC release."""
    import hashlib
    import json
    from importlib.metadata import PackageNotFoundError, version

    from ..transforms.chinese import CONFIGS, convert_text
    from ..usercache import cached

    try:
        release = version("opencc")
    except PackageNotFoundError:
        release = "?"
    key = hashlib.sha256(f"{CONFIGS[variant]}\0{release}\0{raw}".encode()).hexdigest()[:16]

    def compute() -> bytes:
        return json.dumps({k: convert_text(v, variant) for k, v in words.items()},
                          ensure_ascii=False).encode("utf-8")

    def load(data: bytes) -> dict[str, str]:
        loaded = json.loads(data)
        if not (isinstance(loaded, dict) and set(loaded) == set(words)
                and all(isinstance(v, str) for v in loaded.values())):
            raise ValueError("not these labels")
        return loaded

    return cached(f"labels-{key}.json", compute, load)


def labels_for(variant: str, opts: RenderOptions) -> Labels:
    """The template's own words in the article's script (编者按 -> 編者按 for tw)."""
    return _labels(str(opts.find("labels.toml")), variant)


def display_title(art: Article, opts: RenderOptions) -> str:
    return art.title or labels_for(art.variant, opts).untitled


def colophon(L: Labels, opts: RenderOptions) -> str:
    """The closing credit line: the user's, none, or docpipe's own."""
    return L.colophon if opts.credit is None else opts.credit


def record_rows(art: Article, L: Labels) -> list[tuple[str, str]]:
    """An official document's record as (label, value) rows for the briefing's header, in
    GB/T 9704's order; the 发文字号 stands above the title, so it is not repeated here."""
    from ..model import NOTICE_FIELDS

    defaults = {"index_number": "索引号", "issuer": "发文机关", "written": "成文日期",
                "topic": "主题分类", "disclosure": "公开方式"}
    rows = []
    for name in NOTICE_FIELDS:
        value = getattr(art, name)
        if name == "doc_number" or not value:
            continue
        if name == "written":
            value = cn_date(value)
        rows.append((L.words.get(name, defaults[name]), value))
    return rows


def note_marks(art: Article) -> list[tuple[str, bool]] | None:
    """The editor's note in pieces, each marked True when it is one of the summary's
    sentences, when the summary comes from the note: the briefing then shows one box,
    the note with its summary sentences in bold, rather than a 摘要 box repeating the
    note's sentences right above the note. None when the summary is not the note's (or
    there is none): then the 摘要 box stands on its own. The pieces join to the note
    exactly, so no character of it is lost or changed."""
    from ..transforms.sentences import spans, split
    from ..transforms.summary import clean_sentence

    if not (art.summary and art.editor_note):
        return None
    wanted = set(split(art.summary))
    pieces = spans(art.editor_note)
    marks = [(piece, clean_sentence(piece.strip()) in wanted) for piece in pieces]
    found = {clean_sentence(p.strip()) for p, key in marks if key}
    return marks if found == wanted else None


def cn_date(iso: str) -> str:
    """2025-01-08 -> 2025年1月8日, the way GB/T 9704 writes a 成文日期."""
    y, m, d = iso.split("-")
    return f"{y}年{int(m)}月{int(d)}日"


_LOOSE = re.compile(r"[\s。．.…！!？?；;，,：:]+$")


def lead_shown(art: Article) -> bool:
    """False when the lead (导读) is the editor's note's beginning or part of it, or part
    of the body's first paragraph: page 1 shows it once, there (the JSON keeps both
    fields), so no sentence is shown more than twice (summary and source)."""
    if not art.lead:
        return False
    lead = _LOOSE.sub("", "".join(art.lead.split()))
    first = next((b.text for b in art.body if b.kind != "image"), "")
    return not (lead and any(lead in "".join(t.split()) for t in (art.editor_note, first)))


LOGO_TYPES = ("image/png", "image/jpeg", "image/svg+xml")  # told by the bytes, not the name
_LOGO_SUFFIXES = {"image/png": ".png", "image/jpeg": ".jpg"}  # what Word takes: no SVG


@lru_cache(maxsize=4)
def _logo_data(path: str, mtime: float, shown: str) -> tuple[str, str]:
    import base64

    from ..errors import describe
    from ..images import IMAGE_MAX_BYTES, image_problem, image_type
    from ..inputs import read_file

    if problem := image_problem(Path(path)):
        return "", f"logo {describe(shown)} left out: {problem}"
    data = read_file(path, IMAGE_MAX_BYTES)
    kind = image_type(data[:4096])
    if kind not in LOGO_TYPES:
        return "", f"logo {describe(shown)} left out: not a PNG, SVG or JPEG image"
    return f"data:{kind};base64," + base64.b64encode(data).decode("ascii"), ""


def check_render_options(opts: RenderOptions) -> None:
    """A logo that cannot be used, or an unknown PDF variant, is the user's error, said
    before anything is rendered."""
    from ..errors import UsageError

    if opts.logo:
        from ..images import image_type

        p = Path(opts.logo)
        if not p.is_file():
            raise UsageError("logo file not found", opts.logo)
        try:
            with p.open("rb") as f:
                head = f.read(4096)
        except OSError as exc:
            raise UsageError(f"cannot read the logo: {exc.strerror or exc}", opts.logo) from None
        if image_type(head) not in LOGO_TYPES:
            raise UsageError("logo must be a PNG, SVG or JPEG image (its bytes say what it "
                             "is, not its name)", opts.logo)
    if opts.pdf_variant and opts.pdf_variant not in PDF_VARIANTS:
        raise UsageError(f"unknown PDF variant {opts.pdf_variant!r}; choose from "
                         f"{', '.join(PDF_VARIANTS)}")


def logo_data(opts: RenderOptions) -> tuple[str, str]:
    """(the logo as a `data:` URL, "") so the renderer reads nothing outside its assets
    and a worker elsewhere gets its bytes; or ("", a warning) when it is screened out as
    a page's image would be (too many pixels, an SVG that draws too much, too big)."""
    if not opts.logo:
        return "", ""
    p = Path(opts.logo)
    try:
        return _logo_data(str(p.resolve()), p.stat().st_mtime, opts.logo)
    except Exception as exc:  # noqa: BLE001 -- gone or unreadable since the options' check
        from ..errors import describe

        return "", f"logo {describe(opts.logo)} left out: cannot be read ({exc})"


def logo_uri(opts: RenderOptions) -> str:
    """The logo as a `data:` URL, or "" (none, or screened out: see `logo_data`)."""
    return logo_data(opts)[0]


@contextlib.contextmanager
def logo_on_disk(cover: dict) -> Iterator[dict]:
    """`cover` whose `logo_path` is a file made from the logo's bytes (its `data:` URL),
    named after its type: python-docx reads a file, and Word takes PNG and JPEG only.
    The path given with --logo is never read here (it may be on another machine)."""
    import base64
    import tempfile

    uri = cover.get("logo") or ""
    kind = uri[5:].split(";", 1)[0] if uri.startswith("data:") else ""
    suffix = _LOGO_SUFFIXES.get(kind)
    if suffix is None:
        yield {**cover, "logo_path": ""}
        return
    with tempfile.TemporaryDirectory(prefix="docpipe-logo-") as tmp:
        path = Path(tmp) / f"logo{suffix}"
        path.write_bytes(base64.b64decode(uri.split(",", 1)[1]))
        yield {**cover, "logo_path": str(path)}


def write(fmt: str, art: Article, target: Path, opts: RenderOptions) -> None:
    module = importlib.import_module(f"{__name__}.{WRITERS[fmt][0]}")
    module.write(art, target, opts)


def to_bytes(fmt: str, art: Article, opts: RenderOptions) -> bytes:
    """The output's bytes, not written anywhere: render workers send them to the process
    that writes (locally or from a Dask cluster). A writer without `to_bytes` writes
    into a private temporary folder that is read back."""
    import tempfile

    module = importlib.import_module(f"{__name__}.{WRITERS[fmt][0]}")
    if hasattr(module, "to_bytes"):
        return module.to_bytes(art, opts)
    with tempfile.TemporaryDirectory(prefix="docpipe-") as tmp:
        target = Path(tmp) / f"out{WRITERS[fmt][1]}"
        module.write(art, target, opts)
        return target.read_bytes()
