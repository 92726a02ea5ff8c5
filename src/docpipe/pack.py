"""Briefing packs: many pages -> one PDF and one DOCX with cover, contents and bookmarks.

    inputs ──read + sha256──▶ cache lookup ──▶ workers (spawn), phase 1: load (parse)
                                                     │
        manifest ◀── workers, phase 2, one queue: pack PDF, pack DOCX (one document
                     each, Articles in pack order), then each page's PDF + DOCX

- Workers are `spawn` processes (WeasyPrint is imported only inside them). A page that
  fails, or whose worker process dies, is reported and left out; the rest still land.
- Incremental: DIR/.docpipe-cache.json keeps, per input, a key made of the input's
  sha256, the options, docpipe's version and code, and the template files, with the
  parsed Article, so an unchanged page is neither parsed nor rendered again and the
  pack is rebuilt only when a page in it (or an option) changed.
- Deterministic: no wall-clock time reaches an output; the pack's date is the newest
  article's date, or SOURCE_DATE_EPOCH when set.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from . import __version__
from .errors import DocpipeError, UsageError
from .model import Article, Block, Dropped
from .outputs import ensure_dir, write_bytes
from .pipeline import (
    STDIN,
    Settings,
    check_collisions,
    check_overwrites,
    check_pack_outputs,
    expand_inputs,
    output_stem,
    read_bytes,
    read_options_for,
)
from .progress import NoProgress
from .writers import Labels, RenderOptions, display_title, labels_for

CACHE_NAME = ".docpipe-cache.json"
CACHE_VERSION = 1
SORTS = ("date", "title", "input")
PAGE_FORMATS = ("pdf", "docx")


@dataclass(frozen=True)
class PackOptions:
    name: str = "pack"
    title: str | None = None  # default: the `pack` label (简报汇编)
    jobs: int = 0  # 0: one worker per CPU
    sort: str = "date"  # date | title | input
    pages: bool = True  # also write each page's own briefing (pdf, docx) into DIR
    force: bool = False  # ignore the cache
    issue: str | None = None  # the cover's issue label (第12期); default: the date range


@dataclass
class Entry:
    """One input of the pack and what became of it (a manifest row)."""

    input: str
    index: int
    stem: str
    sha256: str = ""
    key: str = ""
    status: str = "ok"  # ok | failed | skipped
    error: str = ""
    outputs: list[str] = field(default_factory=list)  # file names in DIR
    article: Article | None = None
    title: str = ""
    rebuilt: bool = False
    cacheable: bool = True  # False for crashes: tried again next run
    pending: bool = False  # parsed, its own files not written yet (not cached as done)

    def manifest_row(self) -> dict[str, Any]:
        return {
            "input": self.input,
            "sha256": self.sha256,
            "title": self.title,
            "date": self.article.published if self.article else None,
            "outputs": self.outputs,
            "status": self.status,
            "error": self.error,
        }


@dataclass
class PackReport:
    entries: list[Entry]  # ok ones in pack order, then the others in input order
    out_dir: Path
    name: str
    pack_outputs: list[Path] = field(default_factory=list)
    pack_rebuilt: bool = False
    pack_error: str = ""
    manifest: Path | None = None
    seconds: float = 0.0
    title: str = ""  # as on the cover
    variant: str = ""  # the cover's script

    def count(self, status: str) -> int:
        return sum(e.status == status for e in self.entries)

    @property
    def rebuilt(self) -> list[Entry]:
        return [e for e in self.entries if e.rebuilt]

    @property
    def failed(self) -> list[Entry]:
        return [e for e in self.entries if e.status == "failed"]

    @property
    def ok(self) -> bool:
        return not self.failed and not self.pack_error

    @property
    def nothing_rebuilt(self) -> bool:
        return not self.rebuilt and not self.pack_rebuilt


# --- worker side: these run in spawn processes and must stay importable by name ------


@dataclass(frozen=True)
class PageTask:
    path: str
    stem: str
    settings: Settings  # out_dir, the page formats (none with --no-pages), its read options


def build_page(task: PageTask) -> dict[str, Any]:
    """Read, parse and transform one page, write its briefings. Runs in a worker."""
    from .pipeline import load, render
    from .writers.pdf import check_length

    try:
        art = load(task.path, task.settings)
        check_length(art, task.settings.render)  # the pack's PDF holds it too
        outputs = render(art, task.stem, task.settings) if task.settings.formats else []
    except DocpipeError as exc:
        return {"error": str(exc), "cacheable": True}
    except Exception as exc:  # a bug: reported for this page only, tried again next run
        return {"error": f"{task.path}: internal error: {type(exc).__name__}: {exc}",
                "cacheable": False}
    return {"article": art, "outputs": [p.name for p in outputs], "error": ""}


@dataclass(frozen=True)
class RenderTask:
    """Write one page's briefings from its Article (parsed earlier by `build_page`)."""

    path: str
    stem: str
    article: Article
    settings: Settings  # out_dir and the page formats


def render_page(task: RenderTask) -> dict[str, Any]:
    """Write one page's PDF and DOCX from its parsed Article. Runs in a worker."""
    from .pipeline import render

    try:
        outputs = render(task.article, task.stem, task.settings)
    except DocpipeError as exc:
        return {"error": str(exc), "cacheable": True}
    except Exception as exc:  # a bug: reported for this page only, tried again next run
        return {"error": f"{task.path}: internal error: {type(exc).__name__}: {exc}",
                "cacheable": False}
    return {"outputs": [p.name for p in outputs], "error": ""}


def run_task(task: Any) -> dict[str, Any]:
    """One task of the pack's second phase: the pack's PDF or DOCX, or a page's files."""
    return render_pack(task) if isinstance(task, PackJob) else render_page(task)


@dataclass(frozen=True)
class PackJob:
    kind: str  # pdf | docx
    target: Path
    items: tuple[tuple[str, Article], ...]  # (anchor, article) in pack order
    cover: dict[str, Any]
    variant: str
    created: str | None  # ISO date or datetime
    render: RenderOptions


def render_pack(job: PackJob) -> dict[str, Any]:
    """Write the pack's PDF or DOCX. Runs in a worker (WeasyPrint is already warm there)."""
    try:
        if job.kind == "pdf":
            _pack_pdf(job)
        else:
            _pack_docx(job)
    except DocpipeError as exc:
        return {"error": str(exc)}
    except Exception as exc:
        return {"error": f"{job.target}: internal error: {type(exc).__name__}: {exc}"}
    return {"error": ""}


def _items(job: PackJob) -> list[dict[str, Any]]:
    from .transforms.chinese import LANG

    items = []
    for anchor, art in job.items:
        items.append({
            "a": _absolute_images(art),
            "anchor": anchor,
            "title": display_title(art, job.render),
            "L": labels_for(art.variant, job.render),
            "lang": LANG[art.variant][0],
            "region": LANG[art.variant][1],
        })
    return items


def _absolute_images(art: Article) -> Article:
    """Images resolve against their own page's folder: the pack has no single base URL."""
    if not art.base_dir or not any(b.kind == "image" and b.src for b in art.body):
        return art
    base = Path(art.base_dir).resolve()
    body = []
    for b in art.body:
        if b.kind == "image" and b.src:
            path = (base / b.src).resolve()
            # Only a file inside the page's own folder, as for a single briefing.
            src = path.as_uri() if path.is_relative_to(base) and path.is_file() else ""
            b = dataclasses.replace(b, src=src)
        body.append(b)
    return dataclasses.replace(art, body=body)


def pack_html(job: PackJob) -> str:
    from .transforms.chinese import LANG
    from .writers.html import environment

    opts = job.render
    env = environment(tuple(str(p) for p in opts.search_path))
    css = opts.find("briefing.css").read_text(encoding="utf-8")
    with contextlib.suppress(FileNotFoundError):
        css += "\n" + opts.find("pack.css").read_text(encoding="utf-8")
    from .writers import colophon

    L = labels_for(job.variant, opts)
    items = _items(job)
    return env.get_template("pack.html.j2").render(
        items=items,
        cover=job.cover,
        L=L,
        org=opts.organisation,
        credit=colophon(L, opts),
        lang=LANG[job.variant][0],
        region=LANG[job.variant][1],
        created=_w3c(job.created),
        css=css,
    )


def _w3c(created: str | None) -> str:
    if not created:
        return ""
    return created if "T" in created else f"{created}T00:00:00Z"


def _pack_pdf(job: PackJob) -> None:
    from .writers.pdf import pdf_bytes

    roots = list(job.render.search_path)
    roots += sorted({Path(a.base_dir) for _, a in job.items if a.base_dir})
    html = pack_html(job)
    write_bytes(job.target, pdf_bytes(html, roots, job.render.search_path[-1].resolve(),
                                      opts=job.render, outlines=True))


def _pack_docx(job: PackJob) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt

    from .decode import xml_safe
    from .writers.docx import (
        _Adder,
        _field,
        add_article,
        deterministic_bytes,
        header_footer,
        new_document,
        set_properties,
        update_fields_on_open,
    )

    L = labels_for(job.variant, job.render)
    cover = {**job.cover, "title": xml_safe(job.cover["title"])}
    doc = new_document(job.variant)
    section = doc.sections[0]
    section.different_first_page_header_footer = True  # a bare cover
    header_footer(section, cover["title"], "")

    _docx_cover(doc, cover, L)

    heading = doc.add_paragraph(L.contents, style="Title")  # not Heading 1: not in the TOC
    heading.paragraph_format.page_break_before = True
    toc = doc.add_paragraph()
    toc.paragraph_format.first_line_indent = Pt(0)
    toc._p.get_or_add_pPr().get_or_add_ind().set(qn("w:firstLineChars"), "0")
    titles = [xml_safe(display_title(a, job.render)) for _, a in job.items]
    # Word fills the TOC with page numbers when it opens the file; until then it lists titles.
    _field(toc, 'TOC \\o "1-1" \\h \\z \\u', placeholder="\n".join(titles))

    _docx_overview(doc, job, titles, L)

    from .writers import colophon

    credit = colophon(L, job.render)
    adder = _Adder(doc)
    for (anchor, art), title in zip(job.items, titles, strict=True):
        added: list = []

        def add(text: str = "", style: str | None = None, added=added):
            added.append(adder(text, style))
            return added[-1]

        add_article(doc, art, labels_for(art.variant, job.render), title, heading="Heading 1",
                    add=add, org=job.render.organisation, credit=credit)
        added[0].paragraph_format.page_break_before = True  # each on a new page
        _bookmark(added[1], anchor)  # the overview's page numbers point here
    update_fields_on_open(doc)
    set_properties(doc, title=cover["title"], keywords=[], author="docpipe",
                   created=job.created, variant=job.variant, subject=cover["subtitle"])
    doc.core_properties.category = "briefing pack"
    write_bytes(job.target, deterministic_bytes(doc))


def _docx_cover(doc, cover: dict[str, Any], L: Labels) -> None:
    """The cover: logo, organisation, kicker, title, issue label, facts, date."""
    from docx.shared import Mm

    from .decode import xml_safe

    logo = cover.get("logo_path")
    if logo and Path(logo).suffix.lower() in (".png", ".jpg", ".jpeg"):  # Word: no SVG
        with contextlib.suppress(Exception):  # an image python-docx cannot read: no logo
            doc.add_picture(logo, height=Mm(20))
    if cover.get("organisation"):
        doc.add_paragraph(xml_safe(cover["organisation"]), style="Heading 2")
    doc.add_paragraph(L.pack, style="Kicker")
    doc.add_paragraph(cover["title"], style="Title")
    if cover.get("issue"):
        doc.add_paragraph(xml_safe(cover["issue"]), style="Heading 2")
    for label, value in cover["facts"]:
        doc.add_paragraph(f"{label}：{value}", style="Meta")
    if cover.get("date"):
        doc.add_paragraph(cover["date"], style="Meta")


def _bookmark(paragraph, name: str) -> None:
    """A Word bookmark around `paragraph`'s text (PAGEREF fields point at it)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    start = OxmlElement("w:bookmarkStart")
    start.set(qn("w:id"), str(int(name.lstrip("b") or 0)))
    start.set(qn("w:name"), name)
    end = OxmlElement("w:bookmarkEnd")
    end.set(qn("w:id"), start.get(qn("w:id")))
    p = paragraph._p
    ppr = p.pPr
    p.insert(p.index(ppr) + 1 if ppr is not None else 0, start)
    p.append(end)


def _docx_overview(doc, job: PackJob, titles: list[str], L: Labels) -> None:
    """After the contents: each article's title, page (a PAGEREF field Word fills when
    it opens the file), source, date and summary."""
    from docx.shared import Pt

    from .decode import xml_safe
    from .writers.docx import _field

    heading = doc.add_paragraph(L.words.get("overview", "本期概览"), style="Title")
    heading.paragraph_format.page_break_before = True
    before, after = L.words.get("page_before", "第"), L.words.get("page", "页")
    for (anchor, art), title in zip(job.items, titles, strict=True):
        p = doc.add_paragraph(style="Lead")
        p.paragraph_format.space_before = Pt(6)
        p.add_run(title).bold = True
        p.add_run(f"  {before}")
        _field(p, f"PAGEREF {anchor} \\h", placeholder="?")
        p.add_run(after)
        meta = " · ".join(x for x in (xml_safe(art.source or art.site), art.published or "")
                          if x)
        if meta:
            doc.add_paragraph(meta, style="Meta")
        if art.summary:
            doc.add_paragraph(xml_safe(art.summary), style="Keywords")


# --- worker pool: a worker that dies fails its page only ------------------------------


class Workers:
    """`spawn` process pool that survives a worker dying.

    At most `jobs` tasks are in flight. When the pool breaks, the tasks that were in
    flight are suspects: each is run again alone in a fresh one-worker pool, so only
    the task that really kills its process is reported as crashed.
    """

    def __init__(self, jobs: int):
        self.jobs = max(1, jobs)
        self._pool = None

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _executor(self, size: int):
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        return ProcessPoolExecutor(max_workers=size, mp_context=multiprocessing.get_context("spawn"))

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def run(self, fn: Callable[[Any], dict], tasks: Iterable[Any],
            done: Callable[[Any, dict], None], crashed: Callable[[Any], dict]) -> None:
        from concurrent.futures import FIRST_COMPLETED, wait
        from concurrent.futures.process import BrokenProcessPool

        queue = deque(tasks)
        suspects: list[Any] = []
        stalls = 0

        def settle(fut, task) -> bool:
            """Report a finished future; False when it died with the pool."""
            exc = fut.exception()
            if isinstance(exc, BrokenProcessPool):
                return False
            if exc is not None:
                done(task, {"error": f"internal error: {type(exc).__name__}: {exc}",
                            "cacheable": False})
            else:
                done(task, fut.result())
            return True

        while queue:
            if stalls > 2:  # the pool cannot even start: fail what is left, do not spin
                while queue:
                    task = queue.popleft()
                    done(task, crashed(task))
                break
            if self._pool is None:
                self._pool = self._executor(self.jobs)  # processes start on demand
            inflight: dict[Any, Any] = {}
            broken = False
            before = len(queue)
            while (queue or inflight) and not broken:
                while queue and len(inflight) < self.jobs:
                    try:
                        fut = self._pool.submit(fn, queue[0])
                    except BrokenProcessPool:  # the pool broke since the last wait
                        broken = True
                        break
                    inflight[fut] = queue.popleft()
                if not inflight:
                    break
                finished, _ = wait(inflight, return_when=FIRST_COMPLETED)
                for fut in finished:
                    task = inflight.pop(fut)
                    if not settle(fut, task):
                        suspects.append(task)
                        broken = True
            if broken:
                stalls = stalls + 1 if len(queue) == before else 0
                for fut, task in inflight.items():
                    wait([fut])
                    if not settle(fut, task):
                        suspects.append(task)
                with contextlib.suppress(Exception):
                    self._pool.shutdown(wait=True, cancel_futures=True)
                self._pool = None
        for task in suspects:  # each alone: only the page that kills its process fails
            pool = self._executor(1)
            try:
                fut = pool.submit(fn, task)
                wait([fut])
                if not settle(fut, task):
                    done(task, crashed(task))
            finally:
                with contextlib.suppress(Exception):
                    pool.shutdown(wait=True, cancel_futures=True)


# --- fingerprints and cache -------------------------------------------------------------


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _tree_hash(folders: Iterable[Path], suffixes: tuple[str, ...] | None = None) -> str:
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
def _code_hash() -> str:
    """docpipe's own code and rules: a changed rule or writer rebuilds (once per process)."""
    return _tree_hash([Path(__file__).resolve().parent], (".py", ".toml"))


def source_date() -> str | None:
    """SOURCE_DATE_EPOCH as an ISO timestamp (reproducible builds), if set."""
    raw = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not raw:
        return None
    try:
        return datetime.fromtimestamp(int(raw), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (ValueError, OverflowError, OSError):
        raise UsageError(f"SOURCE_DATE_EPOCH is not a number of seconds: {raw!r}") from None


def _digest(obj: Any) -> str:
    return _sha(json.dumps(obj, sort_keys=True, ensure_ascii=False, default=str).encode())


def _settings_doc(settings: Settings) -> dict[str, Any]:
    doc = dataclasses.asdict(settings)
    doc.pop("out_dir", None)
    return doc


def article_to_json(art: Article) -> dict[str, Any]:
    doc = dataclasses.asdict(art)
    doc["log"] = []
    if art.base_dir:
        doc["base_dir"] = str(Path(art.base_dir).resolve())
    return doc


def article_from_json(doc: dict[str, Any]) -> Article:
    names = {f.name for f in dataclasses.fields(Article)}
    kw = {k: v for k, v in doc.items() if k in names}
    kw["body"] = [Block(**b) for b in kw.get("body", [])]
    kw["dropped"] = [Dropped(**d) for d in kw.get("dropped", [])]
    return Article(**kw)


def _load_cache(path: Path) -> dict[str, Any]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"pages": {}, "pack": {}}
    if not isinstance(doc, dict) or doc.get("cache") != CACHE_VERSION:
        return {"pages": {}, "pack": {}}
    doc.setdefault("pages", {})
    doc.setdefault("pack", {})
    return doc


def _write_if_changed(path: Path, text: str) -> None:
    data = text.encode("utf-8")
    with contextlib.suppress(OSError):
        if path.read_bytes() == data:
            return  # same bytes: keep the file (and its mtime) for Make
    write_bytes(path, data)


# --- the pack ---------------------------------------------------------------------------


def _sort_key(sort: str):
    def by_date(e: Entry):
        a = e.article
        return (a.published is None, a.published or "", e.title, e.index)

    def by_title(e: Entry):
        a = e.article
        return (e.title, a.published is None, a.published or "", e.index)

    return {"date": by_date, "title": by_title, "input": lambda e: e.index}[sort]


def _pack_variant(settings: Settings, arts: list[Article]) -> str:
    if settings.variant:
        return settings.variant
    counts = Counter(a.variant for a in arts)
    return counts.most_common(1)[0][0] if counts else "hans"


def _cover(title: str, arts: list[Article], variant: str, L: Labels) -> dict[str, Any]:
    words = L.words
    dates = sorted(a.published for a in arts if a.published)
    if not dates:
        span = words.get("undated", "日期不详")
    elif dates[0] == dates[-1]:
        span = dates[0]
    else:
        span = f"{dates[0]} — {dates[-1]}"
    variants = list(dict.fromkeys(a.variant for a in arts)) or [variant]
    names = [words.get(f"variant_{v}", v) for v in variants]
    count = f"{len(arts)} {words.get('articles', '篇')}"
    facts = [
        (words.get("date_range", "时间范围"), span),
        (words.get("count", "篇数"), count),
        (words.get("variant", "文字"), "、".join(names)),
    ]
    return {"title": title, "facts": facts, "dates": span, "count": count,
            "subtitle": f"{span} · {count}"}


def _branding(render: RenderOptions, opts: PackOptions, cover: dict[str, Any],
              when: str | None, variant: str) -> dict[str, Any]:
    """What the cover shows beside the title: organisation, logo, issue label, date."""
    from .writers import logo_uri

    issue = opts.issue or cover["dates"]
    if opts.issue and variant != "hans":
        from .transforms.chinese import convert_text

        issue = convert_text(issue, variant)
    return {"organisation": render.organisation, "logo": logo_uri(render),
            "logo_path": render.logo or "", "issue": issue, "date": (when or "")[:10]}


def build_pack(
    inputs: list[str],
    settings: Settings,
    opts: PackOptions,
    progress=None,
    page_worker: Callable[[PageTask], dict] = build_page,
) -> PackReport:
    """Build DIR/NAME.pdf, DIR/NAME.docx, DIR/NAME.json (and the pages) from `inputs`."""
    started = time.monotonic()
    progress = progress or NoProgress()
    if opts.sort not in SORTS:
        raise UsageError(f"unknown sort {opts.sort!r}; choose from {', '.join(SORTS)}")
    name = opts.name.strip()
    if not name or "/" in name or "\\" in name or name.startswith("."):
        raise UsageError(f"pack name {opts.name!r} must be a plain file name")
    paths = expand_inputs(inputs)
    if STDIN in paths:
        raise UsageError("pack reads files and folders, not stdin (-)")
    if not paths:
        raise UsageError("no inputs")
    out = settings.out_dir
    ensure_dir(out)
    created = source_date()

    page_settings = dataclasses.replace(settings, formats=PAGE_FORMATS if opts.pages else ())
    read_opts = read_options_for(paths, settings)
    clashes = {**check_collisions(paths), **check_overwrites(paths, page_settings)} \
        if opts.pages else {}
    check_pack_outputs(paths, out, name)
    common = {
        "docpipe": __version__,
        "code": _code_hash(),
        "templates": _tree_hash(settings.render.search_path),
        "settings": _settings_doc(page_settings),
        "source_date": created,
    }
    cache_path = out / CACHE_NAME
    cache = _load_cache(cache_path)
    entries: list[Entry] = []
    todo: list[Entry] = []
    first_of: dict[str, str] = {}
    for index, path in enumerate(paths):
        e = Entry(input=path, index=index, stem=output_stem(path))
        entries.append(e)
        try:
            data = read_bytes(path, settings.read.max_bytes)
        except DocpipeError as exc:
            e.status, e.error = "failed", str(exc)
            continue
        e.sha256 = _sha(data)
        if path in clashes:
            e.status, e.error = "failed", clashes[path]
            continue
        if opts.pages and e.stem == name:
            e.status, e.error = "failed", f"{path}: its outputs would overwrite the pack {name}"
            continue
        if e.sha256 in first_of:
            e.status, e.error = "skipped", f"{path}: same content as {first_of[e.sha256]}"
            continue
        first_of[e.sha256] = path
        e.key = _digest({**common, "sha256": e.sha256, "stem": e.stem,
                         "read": dataclasses.asdict(read_opts[path])})
        hit = cache["pages"].get(str(Path(path).resolve()))
        if not opts.force and _restore(e, hit, out):
            continue
        todo.append(e)

    jobs = opts.jobs if opts.jobs > 0 else (os.cpu_count() or 1)
    report = PackReport(entries=entries, out_dir=out, name=name)
    cached = sum(1 for e in entries if e.status == "ok" and e.article is not None)
    with Workers(jobs) as workers:
        progress.start(len(todo), cached, min(jobs, len(todo)))
        try:
            if todo:
                by_path = {e.input: e for e in todo}

                # Phase 1: parse every page (~30 ms each), so that the pack's own PDF, the
                # longest single job, can start at once and run beside the pages' files.
                def page_done(task: PageTask, result: dict) -> None:
                    e = by_path[task.path]
                    e.rebuilt = True
                    if result.get("error"):
                        e.status, e.error = "failed", result["error"]
                        e.cacheable = bool(result.get("cacheable"))
                    else:
                        e.article = result["article"]
                        e.title = display_title(e.article, settings.render)
                        e.outputs = list(result["outputs"])
                        e.pending = bool(page_settings.formats)
                    if not e.pending:
                        progress.page(e)

                tasks = [PageTask(e.input, e.stem,
                                  dataclasses.replace(page_settings, out_dir=out, formats=(),
                                                      read=read_opts[e.input]))
                         for e in todo]
                workers.run(page_worker, tasks, page_done, _page_crashed)
            # Phase 2: the pack's PDF and DOCX, and each page's own files, all in one queue.
            renders = [RenderTask(e.input, e.stem, e.article,
                                  dataclasses.replace(page_settings, out_dir=out))
                       for e in todo if e.pending]
            _pack(report, settings, opts, common, created, cache, workers, progress, renders)
        except BaseException:  # interrupted: keep what is done for the next run
            cache["pack"] = {}
            _save_cache(cache_path, cache, report)
            raise
        finally:
            progress.stop()

    ok_rows = [e for e in entries if e.status == "ok"]
    others = [e for e in entries if e.status != "ok"]
    report.entries = sorted(ok_rows, key=_sort_key(opts.sort)) + others
    report.manifest = out / f"{name}.json"
    _write_if_changed(report.manifest, _manifest(report, opts, settings) + "\n")
    _save_cache(cache_path, cache, report)
    report.seconds = time.monotonic() - started
    return report


def _restore(e: Entry, hit: dict | None, out: Path) -> bool:
    """Fill `e` from its cache record when the key matches and the outputs are there."""
    if not hit or hit.get("key") != e.key:
        return False
    if not all((out / o).is_file() for o in hit.get("outputs", [])):
        return False
    if hit.get("status") == "failed":
        e.status, e.error = "failed", hit.get("error", "")
        return True
    try:
        e.article = article_from_json(hit["article"])
    except (KeyError, TypeError, ValueError):
        return False
    e.title = hit.get("title", "")
    e.outputs = list(hit.get("outputs", []))
    return True


def _page_crashed(task: PageTask | RenderTask) -> dict:
    return {"error": f"{task.path}: the worker process died converting this "
                     "page (crash, out of memory or killed)",
            "cacheable": False}


def _pack(report: PackReport, settings: Settings, opts: PackOptions, common: dict,
          created: str | None, cache: dict, workers: Workers, progress,
          renders: list[RenderTask] = ()) -> None:
    """Write the pack's PDF and DOCX and run `renders` (the pages' own files) beside them.

    The pack jobs go first in the queue: the PDF, one WeasyPrint document of every page,
    is the longest job. A page whose own files then fail is left out of the pack, which
    is written again without it (rare: the page parsed, only its writer failed)."""
    by_path = {e.input: e for e in report.entries}
    entry_of = {t.path: by_path[t.path] for t in renders}
    pack_errors: list[str] = []

    def done(task: Any, result: dict) -> None:
        if isinstance(task, PackJob):
            if result.get("error"):
                pack_errors.append(result["error"])
            return
        e = entry_of[task.path]
        e.pending = False
        if result.get("error"):
            e.status, e.error = "failed", result["error"]
            e.cacheable = bool(result.get("cacheable"))
            e.outputs = []
        else:
            e.outputs = list(result["outputs"])
        progress.page(e)

    def crashed(task: Any) -> dict:
        if isinstance(task, PackJob):
            return {"error": f"{task.target}: the worker process died rendering the pack"}
        return _page_crashed(task)

    plan = _pack_plan(report, settings, opts, common, created, cache)
    jobs = plan[0] if plan else []
    if jobs:
        progress.pack(f"rendering the pack ({len(jobs[0].items)} briefings)")
    workers.run(run_task, [*jobs, *renders], done, crashed)
    if not plan:
        return
    jobs, key, included = plan
    if any(e.status != "ok" for e in included):  # a page failed after the pack started
        pack_errors.clear()
        cache["pack"] = {}  # the files on disk now hold that page: never up to date
        plan = _pack_plan(report, settings, opts, common, created, cache)
        if not plan:
            return
        jobs, key, _ = plan
        workers.run(run_task, jobs, done, crashed)
    report.pack_rebuilt = True
    report.pack_error = "; ".join(pack_errors)
    cache["pack"] = {} if pack_errors else {"key": key}


def _pack_plan(report: PackReport, settings: Settings, opts: PackOptions, common: dict,
               created: str | None, cache: dict
               ) -> tuple[list[PackJob], str, list[Entry]] | None:
    """The pack's PDF and DOCX jobs, their cache key and the pages in them; None when
    the pack is up to date or there is no page to pack (then `report.pack_error`)."""
    out, name = report.out_dir, report.name
    ok = sorted((e for e in report.entries if e.status == "ok"), key=_sort_key(opts.sort))
    targets = [out / f"{name}.pdf", out / f"{name}.docx"]
    report.pack_outputs = targets
    if not ok:
        report.pack_error = "no page could be converted: no pack written"
        return None
    arts = [e.article for e in ok]
    variant = _pack_variant(settings, arts)
    L = labels_for(variant, settings.render)
    title = opts.title or L.words.get("pack", "简报汇编")
    if opts.title and settings.variant:  # the user's title in the script asked for
        from .transforms.chinese import convert_text

        title = convert_text(title, settings.variant)
    report.title, report.variant = title, variant
    newest = max((a.published for a in arts if a.published), default=None)
    when = created or newest
    logo = Path(settings.render.logo) if settings.render.logo else None
    key = _digest({**common, "pages": [e.key for e in ok], "title": title, "sort": opts.sort,
                   "name": name, "variant": variant, "created": when, "issue": opts.issue,
                   "logo": _sha(logo.read_bytes()) if logo and logo.is_file() else ""})
    if (not opts.force and cache["pack"].get("key") == key
            and all(t.is_file() for t in targets)):
        return None
    cover = _cover(title, arts, variant, L)
    cover.update(_branding(settings.render, opts, cover, when, variant))
    if not opts.issue:  # the issue label is the date range: not twice on the cover
        span = L.words.get("date_range", "时间范围")
        cover["facts"] = [f for f in cover["facts"] if f[0] != span]
    items = tuple((f"b{i:03d}", e.article) for i, e in enumerate(ok, 1))
    jobs = [PackJob(kind, target, items, cover, variant, when, settings.render)
            for kind, target in zip(("pdf", "docx"), targets, strict=True)]
    return jobs, key, ok


def _manifest(report: PackReport, opts: PackOptions, settings: Settings) -> str:
    ok = [e for e in report.entries if e.status == "ok"]
    dates = sorted(e.article.published for e in ok if e.article and e.article.published)
    doc = {
        "docpipe": __version__,
        "name": report.name,
        "title": report.title or opts.title,
        "variant": report.variant or settings.variant,
        "sort": opts.sort,
        "dates": [dates[0], dates[-1]] if dates else [],
        "pack": {
            "outputs": [p.name for p in report.pack_outputs if not report.pack_error],
            "error": report.pack_error,
        },
        "counts": {s: report.count(s) for s in ("ok", "failed", "skipped")},
        "pages": [e.manifest_row() for e in report.entries],
    }
    return json.dumps(doc, ensure_ascii=False, indent=2)


def _save_cache(path: Path, cache: dict, report: PackReport) -> None:
    pages = {}
    for e in report.entries:
        if not e.key or (e.status == "failed" and not e.cacheable) or e.status == "skipped":
            continue
        if e.status == "ok" and (e.article is None or e.pending):  # not built (interrupted)
            continue
        rec: dict[str, Any] = {"key": e.key, "status": e.status, "outputs": e.outputs}
        if e.status == "ok" and e.article is not None:
            rec["title"] = e.title
            rec["article"] = article_to_json(e.article)
        else:
            rec["error"] = e.error
        pages[str(Path(e.input).resolve())] = rec
    doc = {"cache": CACHE_VERSION, "docpipe": __version__, "pages": pages,
           "pack": cache.get("pack", {})}
    _write_if_changed(path, json.dumps(doc, ensure_ascii=False, sort_keys=True))


def summary_lines(report: PackReport) -> list[str]:
    """The closing summary (stdout)."""
    ok, failed, skipped = (report.count(s) for s in ("ok", "failed", "skipped"))
    rebuilt = len(report.rebuilt)
    lines = []
    if report.nothing_rebuilt and not report.pack_error:
        lines.append(f"up to date: nothing rebuilt ({ok} page(s) and the pack unchanged)")
    else:
        fresh = sum(1 for e in report.entries if e.status == "ok" and not e.rebuilt)
        lines.append(f"pages: {ok} ok, {failed} failed, {skipped} skipped; "
                     f"{rebuilt} rebuilt, {fresh} up to date")
    if not report.pack_error:
        state = "rebuilt" if report.pack_rebuilt else "up to date"
        lines.append(f"pack ({state}): " + " ".join(str(p) for p in report.pack_outputs))
    lines.append(f"manifest: {report.manifest}")
    return lines
