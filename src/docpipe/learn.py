"""Learning a site's template from several of its pages read together.

Lines that recur on most pages of one site (header, navigation, slogans, footer) are
boilerplate even when no rule names them. Pages are grouped by site: the host of the
saved page's URL, a matched site profile, the copyright line's owner, the breadcrumb's
root; pages with none of these are grouped with the pages whose short lines they share.
Exact and near duplicates (two saves of one article) count as one page. Within a group of
at least two distinct pages, a line (whitespace removed) that occurs on at least 60 % of
them is learnt, with its evidence ("recurs on 3 of 3 pages of this site"), unless
it may be article text or a label the classifier needs: sentence text (any line ending a
sentence), a metadata or date line, a signature, a lead / editor's-note label, a numbered
section heading.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlsplit

MIN_PAGES = 2
SHARE = 0.6
MAX_LEN = 80  # longer lines are article text or a disclaimer the rules already know


@dataclass
class Page:
    path: str
    lines: list[str]
    clues: set[str] = field(default_factory=set)  # host:…, owner:…, profile:…
    site: str = ""  # the group's name once grouped
    keys: set[str] = field(default_factory=set)  # squashed candidate lines, once per page


def page_of(path: str, data: bytes, encoding: str | None = None, rules=(),
            kind: str | None = None) -> Page | None:
    """Decode one input and find its site; None when it cannot be read (the reader will
    report the error itself)."""
    from . import profiles
    from .errors import DocpipeError
    from .readers import kind_of
    from .readers.fields import site_from_copyright
    from .readers.lines import Line

    try:
        lines, url, site = _lines_of(path, data, encoding, kind or kind_of(path, data))
    except DocpipeError:  # not readable (the reader says why), or not HTML at all
        return None
    clues: set[str] = set()
    if url and (host := urlsplit(url).hostname):
        clues.add("host:" + _domain(host))
    if site:
        clues.add("name:" + site)
    lines = [x for x in lines if x]
    n = profiles.thresholds().profile_lines
    head_tail = "\n".join(lines[:n] + lines[-n:])
    prof = profiles.profile_for(head_tail, url=url, extra=tuple(rules))
    if prof.name != "generic":
        clues.add("profile:" + prof.name)
    if owner := site_from_copyright([Line(i, t) for i, t in enumerate(lines)]):
        clues.add("owner:" + owner)
    return Page(path, lines, clues)


def _lines_of(path: str, data: bytes, encoding: str | None, kind: str,
              ) -> tuple[list[str], str, str]:
    """The page's lines, address and site name, decoded and parsed as its reader does."""
    from .decode import decode
    from .readers.lines import clean

    if kind not in ("html", "mhtml"):
        text = decode(data, path=path, encoding=encoding, max_bytes=0).text
        return [clean(x) for x in text.split("\n")], "", ""
    from .readers.markup import decode_page, open_page, visible_lines
    from .readers.mhtml import open_archive

    decoded = open_archive(data, path, encoding)[0] if kind == "mhtml" \
        else decode_page(data, path, encoding, 0)[0]
    markup = open_page(decoded.text, path)
    return visible_lines(markup.tree), markup.url, markup.site


_SECOND_LEVEL = {"com", "net", "org", "gov", "edu", "ac", "co", "or", "idv", "mil"}


def _domain(host: str) -> str:
    """news.sina.com.cn -> sina.com.cn; www.example.org -> example.org."""
    parts = host.lower().rstrip(".").split(".")
    if len(parts) >= 3 and parts[-2] in _SECOND_LEVEL and len(parts[-1]) == 2:
        return ".".join(parts[-3:])
    return ".".join(parts[-2:])


def _candidate(text: str, rx) -> bool:
    """May this line be learnt as template? Never article-like text or needed labels."""
    from . import profiles
    from .readers.dates import DATE
    from .readers.fields import metadata
    from .readers.lines import is_prose, sign_off, split_label, squash
    from .transforms.sentences import FULL_STOPS

    s = squash(text)
    if not s or len(s) > MAX_LEN:
        return False
    prof = profiles.generic()
    if is_prose(text) and len(s) >= 30:
        return False
    # A sentence (特此通知。) or a notice's signature recurs in a site's articles too.
    if s[-1] in FULL_STOPS + "…" and len(s) > 1 or sign_off(text):
        return False
    if DATE.search(text) or metadata(text, prof, rx):
        return False
    if split_label(text, prof.lead_labels) is not None or \
            split_label(text, prof.note_labels) is not None:
        return False
    return not (prof.heading and prof.heading.match(text) or prof.point and prof.point.match(text))


def _group(pages: list[Page]) -> None:
    """Pages sharing a site clue form one group (transitively); pages without any clue
    join the pages they share many short lines with."""
    parent = list(range(len(pages)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[str, int] = {}
    for i, p in enumerate(pages):
        for clue in p.clues:
            if clue in owner:
                parent[find(i)] = find(owner[clue])
            else:
                owner[clue] = i
    for i, p in enumerate(pages):
        if p.clues:
            continue
        for j, q in enumerate(pages):
            if j == i:
                continue
            shared = len(p.keys & q.keys)
            if shared >= max(3, 0.3 * min(len(p.keys), len(q.keys))):
                parent[find(i)] = find(j)
    for i, p in enumerate(pages):
        root = pages[find(i)]
        names = sorted(c.split(":", 1)[1] for c in root.clues if not c.startswith("profile:"))
        p.site = f"{find(i)}:" + (names[0] if names else "grouped by shared lines")


def _prose_of(page: Page) -> set[str]:
    from .readers.lines import is_prose, squash

    return {squash(t) for t in page.lines if len(t) >= 20 and is_prose(t)}


def _distinct(members: list[Page]) -> list[list[Page]]:
    """The pages of one site grouped by article: exact and near duplicates (saves of the
    same article, a page saved twice with another header) share most of their sentences."""
    groups: list[tuple[set[str], list[Page]]] = []
    for p in members:
        prose = _prose_of(p)
        for seen, group in groups:
            if prose and seen and len(prose & seen) >= 0.5 * min(len(prose), len(seen)):
                group.append(p)
                seen |= prose
                break
        else:
            groups.append((prose, [p]))
    return [g for _, g in groups]


def learn(pages: list[Page]) -> dict[str, tuple[tuple[str, str], ...]]:
    """path -> learnt (squashed line, evidence) pairs for every page of a site group."""
    from . import profiles
    from .readers.fields import label_regex
    from .readers.lines import squash

    rx = label_regex(profiles.generic().labels)
    cache: dict[str, bool] = {}
    for p in pages:
        for text in p.lines:
            s = squash(text)
            if s not in cache:
                cache[s] = _candidate(text, rx)
            if cache[s]:
                p.keys.add(s)
    _group(pages)
    groups: dict[str, list[Page]] = {}
    for p in pages:
        groups.setdefault(p.site, []).append(p)
    out: dict[str, tuple[tuple[str, str], ...]] = {}
    for site, members in groups.items():
        copies = _distinct(members)
        n = len(copies)
        if n < MIN_PAGES:
            continue
        need = max(MIN_PAGES, math.ceil(SHARE * n))
        # A line counts once per distinct article: two saves of one page are one page.
        counts = Counter(k for group in copies for k in set().union(*(p.keys for p in group)))
        label = site.split(":", 1)[1]
        learnt = tuple(sorted(
            (k, f"recurs on {c} of {n} pages of this site ({label})")
            for k, c in counts.items() if c >= need
        ))
        if learnt:
            for p in members:
                out[p.path] = learnt
    return out
