"""Evidence across lines: where the page's article text is (the span with the most
sentence text net of boilerplate), whether text goes on after a line, reader-comment
threads, breadcrumbs set one segment a line.
"""

from __future__ import annotations

import re

from ..profiles import Profile, patterns, thresholds
from .fields import site_from_copyright
from .lines import ANY_PUNCT, Hit, Line, is_prose, squash


def weights(lines: list[Line], hits: list[Hit]) -> list[int]:
    """Evidence per line for the article's text block: + characters for sentence text,
    - for rule hits and short unpunctuated lines, 0 for short lines that may be either."""
    t = thresholds()
    out: list[int] = []
    for ln, hit in zip(lines, hits, strict=True):
        n = len(squash(ln.text))
        if hit:
            out.append(-max(t.rule_weight_min, min(n, t.rule_weight_max)))
        elif is_prose(ln.text):
            out.append(n)
        elif n < t.ambiguous_max and ANY_PUNCT.search(ln.text):
            out.append(0)
        else:
            out.append(-max(t.other_weight_min, min(n, t.other_weight_max)))
    # A run of short non-sentence lines is a link list (headlines, menus): the ambiguous
    # ones in it count against the article too, with half their characters.
    i = 0
    while i < len(out):
        j = i
        while j < len(out) and out[j] <= 0:
            j += 1
        if j - i >= t.link_list_min:
            for k in range(i, j):
                if out[k] == 0:
                    out[k] = -max(t.link_list_weight_min, len(squash(lines[k].text)) // 2)
        i = j + 1
    return out


def core(weights: list[int]) -> tuple[int, int]:
    """The span of lines with the most sentence text net of boilerplate (max-sum segment)."""
    return core_total(weights)[:2]


def core_total(weights: list[int]) -> tuple[int, int, int]:
    """`core`'s first and last line, and its sum ((-1, -1, 0) when no line weighs)."""
    best, best_span = 0, (-1, -1)
    run, start = 0, 0
    for i, w in enumerate(weights):
        if run <= 0:
            run, start = 0, i
        run += w
        if run > best:
            best, best_span = run, (start, i)
    return (*best_span, best)


def text_after(weights: list[int], idx: int) -> int:
    """Characters of sentence text in the next few lines, when enough of them are sentence
    text (0 otherwise): evidence that the article is not over."""
    t = thresholds()
    prose = [w for w in weights[idx + 1: idx + 1 + t.goes_on_lines] if w > 0]
    return sum(prose) if len(prose) >= t.goes_on_min_lines else 0


def goes_on(weights: list[int], idx: int) -> bool:
    """Enough sentence text follows line `idx` for the article to go on after it."""
    return text_after(weights, idx) >= thresholds().goes_on_chars


def comment_zone(lines: list[Line], rx: re.Pattern[str]) -> set[int]:
    """Indices of the lines of reader-comment threads: where three or more comment
    markers (posting times, reply/report/like buttons, floors, user names) stand within a
    few lines of each other, the markers and the lines among them are comments."""
    t = thresholds()
    marker = patterns().comment_marker
    marks = [i for i, ln in enumerate(lines) if len(s := squash(ln.text)) <= t.comment_marker_max
             and marker.match(s) and not rx.search(ln.text)]
    zone: set[int] = set()
    run: list[int] = []
    for i in [*marks, len(lines) + t.comment_gap + 1]:  # (the last one closes the last run)
        if run and i - run[-1] > t.comment_gap:
            if len(run) >= t.comment_markers:
                zone.update(range(max(0, run[0] - 1), min(len(lines), run[-1] + 2)))
            run = []
        run.append(i)
    return zone


def breadcrumb_rows(lines: list[Line], profile: Profile) -> set[int]:
    """A breadcrumb set one segment per line (`首页` / `>` / `地方` / `>` / `地方`): the
    separator lines and the segments on either side of them."""
    seps = {s.strip() for s in profile.breadcrumb_separators if s.strip()} | {">>", "»»"}
    most = thresholds().crumb_segment_max
    out: set[int] = set()
    for i, ln in enumerate(lines):
        if ln.text in seps:
            out.update(j for j in (i - 1, i, i + 1)
                       if 0 <= j < len(lines) and len(squash(lines[j].text)) <= most)
    return out


def only_here(lines: list[Line], idx: int) -> bool:
    """An issuing body set above its notice's title, not the site's name: not the page's
    first line, no other line of its own, and not the owner its copyright line names."""
    s = squash(lines[idx].text)
    owner = squash(site_from_copyright(lines))
    return idx > 0 and not (owner and (owner in s or s in owner)) and not any(
        squash(ln.text) == s for i, ln in enumerate(lines) if i != idx)
