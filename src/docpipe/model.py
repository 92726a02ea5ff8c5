"""The one model every reader produces and every writer consumes.

Plain dataclasses, no I/O: a reader fills an `Article`, transforms return a new
one, writers only read it. That keeps input kinds and output formats independent.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Block:
    """One body block. `lead_in` is the bold run-in of a point such as `第一,…。`."""

    text: str
    kind: str = "para"  # para | heading | point | image; notices: addressee | attachment | attachment-item | signature
    lead_in: str = ""
    src: str = ""  # image: local path relative to the Article.base_dir (its image folder)
    caption: str = ""

    @property
    def rest(self) -> str:
        """Text after the run-in (the whole text for ordinary paragraphs)."""
        return self.text[len(self.lead_in):] if self.lead_in else self.text


@dataclass(frozen=True)
class Dropped:
    """A line of the page that is not in the briefing, and why."""

    line: int
    text: str
    rule: str


@dataclass
class Article:
    title: str = ""
    site: str = ""
    source: str = ""
    author: str = ""
    editor: str = ""
    url: str = ""
    published: str | None = None  # ISO 8601 date (YYYY-MM-DD)
    views: int | None = None
    lead: str = ""
    editor_note: str = ""
    body: list[Block] = field(default_factory=list)
    summary: str = ""
    keywords: list[str] = field(default_factory=list)
    variant: str = "hans"  # hans | hant | tw | twp | hk: the script of every text field
    dropped: list[Dropped] = field(default_factory=list)
    input_path: str = ""
    base_dir: str = ""  # folder local images may be read from (the page's NAME_files/)
    log: list[str] = field(default_factory=list)  # what transforms did, for --explain
    # What docpipe is unsure of (no headline, a short body, lines dropped by learning …):
    # printed on stderr, carried by the JSON and the pack manifest; --strict fails on them.
    warnings: list[str] = field(default_factory=list)

    @property
    def confidence(self) -> float:
        """1.0 when nothing was doubtful; each warning costs a share (never below 0.1)."""
        return round(max(0.1, 1.0 - 0.2 * len(self.warnings)), 2)

    @property
    def body_text(self) -> list[str]:
        return [b.text for b in self.body if b.kind != "image"]

    def kept_text(self) -> str:
        """Everything a briefing shows of the page, in order."""
        parts = [self.title, self.lead, self.editor_note, *self.body_text]
        return "\n".join(p for p in parts if p)

    def to_dict(self) -> dict[str, Any]:
        """The public JSON shape (`docpipe extract`)."""
        return {
            "title": self.title,
            "site": self.site,
            "source": self.source,
            "author": self.author,
            "editor": self.editor,
            "url": self.url,
            "published": self.published,
            "views": self.views,
            "lead": self.lead,
            "editor_note": self.editor_note,
            "summary": self.summary,
            "keywords": list(self.keywords),
            "body": self.body_text,
            "blocks": [asdict(b) for b in self.body],
            "variant": self.variant,
            "input": self.input_path,
            "warnings": list(self.warnings),
            "confidence": self.confidence,
            "dropped": [asdict(d) for d in self.dropped],
        }
