"""Pack planning: the entries (one per input), their order, the cover's data, the pack's
PDF and DOCX jobs with their cache key, and the manifest. No rendering, no processes."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import __version__
from .cache import digest, sha
from .errors import path_line
from .model import Article
from .options import SORTS  # noqa: F401  (the orders sort_key implements)
from .pipeline import Settings
from .writers import Labels, RenderOptions, labels_for
from .writers.collection import PackJob


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
    pack_page: int | None = None  # where it starts in the pack's PDF (1-based)

    def manifest_row(self) -> dict[str, Any]:
        return {
            "input": self.input,
            "sha256": self.sha256,
            "title": self.title,
            "date": self.article.published if self.article else None,
            "outputs": self.outputs,
            "status": self.status,
            "error": self.error,
            # What docpipe is unsure of (no headline, short text, lines dropped by
            # learning …): the contents mark such articles 〔待核〕.
            "warnings": list(self.article.warnings) if self.article else [],
            "confidence": self.article.confidence if self.article else None,
            "pack_page": self.pack_page,
        }


@dataclass
class PackReport:
    entries: list[Entry]  # ok ones in pack order, then the others in input order
    out_dir: Path
    name: str
    pack_outputs: list[Path] = field(default_factory=list)
    pack_rebuilt: bool = False
    pack_error: str = ""
    pack_notes: list[str] = field(default_factory=list)  # what the PDF could not do as planned
    #: how each pack file was read back: {"pdf": "ok" | "joined" | "unchecked", "docx": "ok"}
    pack_check: dict[str, str] = field(default_factory=dict)
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


def sort_key(sort: str):
    def by_date(e: Entry):
        a = e.article
        return (a.published is None, a.published or "", e.title, e.index)

    def by_title(e: Entry):
        a = e.article
        return (e.title, a.published is None, a.published or "", e.index)

    return {"date": by_date, "title": by_title, "input": lambda e: e.index}[sort]


def pack_variant(settings: Settings, arts: list[Article]) -> str:
    if settings.variant:
        return settings.variant
    counts = Counter(a.variant for a in arts)
    return counts.most_common(1)[0][0] if counts else "hans"


def cover_data(title: str, arts: list[Article], variant: str, L: Labels) -> dict[str, Any]:
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


def branding(render: RenderOptions, opts: Any, cover: dict[str, Any],
             when: str | None, variant: str) -> dict[str, Any]:
    """What the cover shows beside the title: organisation, logo, issue label, date."""
    from .writers import logo_uri

    issue = opts.issue or cover["dates"]
    if opts.issue and variant != "hans":
        from .transforms.chinese import convert_text

        issue = convert_text(issue, variant)
    # The logo travels as bytes (its data: URL); the DOCX's file is made from them
    # where the DOCX is rendered (tasks.render_pack), never read from a path.
    return {"organisation": render.organisation, "logo": logo_uri(render),
            "logo_path": "", "issue": issue, "date": (when or "")[:10]}


def pack_plan(report: PackReport, settings: Settings, opts: Any, common: dict,
              created: str | None, cache: dict
              ) -> tuple[list[PackJob], str, list[Entry]] | None:
    """The pack's PDF and DOCX jobs, their cache key and the pages in them; None when
    the pack is up to date or there is no page to pack (then `report.pack_error`)."""
    out, name = report.out_dir, report.name
    ok = sorted((e for e in report.entries if e.status == "ok"), key=sort_key(opts.sort))
    targets = [out / f"{name}.pdf", out / f"{name}.docx"]
    report.pack_outputs = targets
    if not ok:
        report.pack_error = "no page could be converted: no pack written"
        return None
    arts = [e.article for e in ok]
    variant = pack_variant(settings, arts)
    L = labels_for(variant, settings.render)
    title = opts.title or L.words.get("pack", "简报汇编")
    if opts.title and settings.variant:  # the user's title in the script asked for
        from .transforms.chinese import convert_text

        title = convert_text(title, settings.variant)
    report.title, report.variant = title, variant
    newest = max((a.published for a in arts if a.published), default=None)
    when = created or newest
    from .writers import logo_data

    if (note := logo_data(settings.render)[1]) and note not in report.pack_notes:
        report.pack_notes.append(note)  # screened out as a page's image would be
    logo = Path(settings.render.logo) if settings.render.logo else None
    key = digest({**common, "pages": [e.key for e in ok], "title": title, "sort": opts.sort,
                  "name": name, "variant": variant, "created": when, "issue": opts.issue,
                  "date": getattr(opts, "date", None), "titled": bool(opts.title),
                  "logo": sha(logo.read_bytes()) if logo and logo.is_file() else ""})
    if (not opts.force and cache["pack"].get("key") == key
            and all(t.is_file() for t in targets)):
        restore_pack(report, cache["pack"])
        return None
    cover = cover_data(title, arts, variant, L)
    cover.update(branding(settings.render, opts, cover, getattr(opts, "date", None),
                          variant))
    if not opts.issue:  # the issue label is the date range: not twice on the cover
        span = L.words.get("date_range", "时间范围")
        cover["facts"] = [f for f in cover["facts"] if f[0] != span]
    if cover["date"] and cover["date"] == cover["issue"]:
        cover["date"] = ""  # one article, or one day: the issue label is that date
    # Without --title the title is the pack's own word (简报汇编): the kicker above it
    # would say it again.
    cover["kicker"] = L.words.get("pack", "简报汇编") if opts.title else ""
    items = tuple((f"b{i:03d}", e.article) for i, e in enumerate(ok, 1))
    jobs = [PackJob(kind, target, items, cover, variant, when, settings.render)
            for kind, target in zip(("pdf", "docx"), targets, strict=True)]
    return jobs, key, ok


def pack_record(report: PackReport, key: str) -> dict[str, Any]:
    """What the cache keeps of a pack made in this run, for the manifest of a later
    run that finds it up to date."""
    return {"key": key, "notes": list(report.pack_notes), "check": dict(report.pack_check),
            "pages": {e.input: e.pack_page for e in report.entries if e.pack_page}}


def restore_pack(report: PackReport, record: dict[str, Any]) -> None:
    """`pack_record`'s data back into `report` (the cache is data: what has the wrong
    shape is left out)."""
    notes, check, pages = record.get("notes"), record.get("check"), record.get("pages")
    if isinstance(notes, list) and all(isinstance(n, str) for n in notes):
        report.pack_notes = list(notes)
    if isinstance(check, dict) and all(isinstance(v, str) for v in check.values()):
        report.pack_check = {str(k): v for k, v in check.items()}
    if isinstance(pages, dict):
        for e in report.entries:
            page = pages.get(e.input)
            if isinstance(page, int) and not isinstance(page, bool) and page > 0:
                e.pack_page = page


def manifest(report: PackReport, opts: Any, settings: Settings) -> str:
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
            "warnings": report.pack_notes,
            "check": report.pack_check,
        },
        "counts": {s: report.count(s) for s in ("ok", "failed", "skipped")},
        "pages": [e.manifest_row() for e in report.entries],
    }
    return json.dumps(doc, ensure_ascii=False, indent=2)


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
        lines.append(f"pack ({state}): " + " ".join(path_line(str(p))
                                                    for p in report.pack_outputs))
    lines.append(f"manifest: {path_line(str(report.manifest))}")
    return lines
