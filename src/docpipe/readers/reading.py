"""The state the line classifier's passes share (readers/portal.py, readers/headline.py):
what a reader knows of the page besides its lines (`Hints`), and one page as it is read
(`Reading`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..model import Article, Block, Dropped
from ..profiles import Profile
from .lines import Hit, Line


@dataclass
class Hints:
    """What a reader already knows about the page (HTML metadata), besides its lines."""

    title: str = ""
    published: str | None = None
    site: str = ""
    url: str = ""
    author: str = ""
    source: str = ""
    title_in_lines: bool = True  # False: the lines hold only the article text
    learnt: dict[str, str] = field(default_factory=dict)  # squashed line -> evidence
    # The extractors' vote (readers/html.py), by index in the lines given to `parse`:
    # lines to drop and the evidence (a link, a block marked related …), and sentence
    # lines two extractors keep as the article (no position ends the article before them).
    voted: dict[int, str] = field(default_factory=dict)
    keep: frozenset[int] = frozenset()


@dataclass
class Reading:
    """One page as the passes read it. Each pass fills its part, in this order: what the
    rules and the layout say of each line, the article's text block and its headline,
    what interrupts the text without ending it, then the Article's header, body and
    metadata. Line positions are indices into `lines` (non-blank lines only)."""

    lines: list[Line]
    profile: Profile
    hints: Hints
    art: Article
    rx: re.Pattern[str]  # the profile's metadata labels
    owner: str = ""  # the site's own name, when learnt lines are in play
    # Classify: a rule's or the layout's verdict on each line, and its weight as text.
    hits: list[Hit] = field(default_factory=list)
    extra: dict[int, tuple[str, bool]] = field(default_factory=dict)  # layout evidence
    comments: set[int] = field(default_factory=set)  # reader-comment threads
    keep: set[int] = field(default_factory=set)  # sentence lines two extractors keep
    weights: list[int] = field(default_factory=list)
    rescued: set[int] = field(default_factory=set)  # rule hits that are article text
    # The text block (the most sentence text), the headline and the date line by it.
    core_start: int = -1
    core_end: int = -1
    title_at: int = -1
    title_lines: set[int] = field(default_factory=set)
    date_at: int = -1
    sign_off: range = range(0)  # a notice's attachments, signature and date
    gap_from: int = -1  # short lines that open the article, before its text block
    suspended: set[int] = field(default_factory=set)  # footer-like lines that end nothing
    boxes: set[int] = field(default_factory=set)  # related-links boxes inside the article
    # What the passes found: the body, the dropped lines and the metadata.
    body: list[tuple[Line, Block]] = field(default_factory=list)
    dropped: list[Dropped] = field(default_factory=list)
    meta: dict[str, str] = field(default_factory=dict)
    header_meta: dict[str, str] = field(default_factory=dict)  # above the title: a fallback
    near_date: str = ""  # the date line right above the headline
    late_date: bool = False  # the first date after the headline comes from the body's end
    crumb_site: str = ""  # the breadcrumb's root: a weaker clue than the copyright line

    def drop(self, ln: Line, rule: str) -> None:
        self.dropped.append(Dropped(ln.no, ln.text, rule))

    def add_meta(self, found: dict[str, str]) -> None:
        """Metadata from a line after the headline: the first line to give a field wins."""
        self.meta = {**self.meta, **{k: v for k, v in found.items() if k not in self.meta}}
