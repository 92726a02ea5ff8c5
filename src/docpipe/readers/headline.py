"""Finding the headline among a page's lines, and the date line it stands by.

The evidence, strongest first: the title the markup gives; the line the breadcrumb's
last segment names; the headline-like line above the date/metadata line that the most
article text follows (or under it: date first, then headline); the headline-like line
just above the article's text. A headline set on two lines is joined.
"""

from __future__ import annotations

from ..profiles import evidence, patterns, thresholds
from .fields import metadata
from .layout import core_total, only_here
from .lines import ANY_PUNCT, DASH_START, breadcrumb_parts, date_line, is_title_like, squash
from .reading import Reading

#: Where the headline is (index in the lines, -1: none), why, and the date line by it.
Found = tuple[int, str, int]


def take(r: Reading) -> None:
    """The headline pass: find the headline, join its other half, set the Article's title."""
    r.title_at, why, r.date_at = find(r)
    r.title_lines = {r.title_at} if r.title_at >= 0 else set()
    art = r.art
    if r.title_at >= 0:
        art.title = r.lines[r.title_at].text
        art.log.append(f"title: line {r.lines[r.title_at].no}, {why}")
        if m := patterns().title_label.match(art.title):
            art.title = art.title[m.end():]
            art.log.append(f"title: label {m[0].strip()!r} left out")
        _join_above(r)
        _join_below(r)
    elif r.hints.title:
        art.title = r.hints.title
        art.log.append("title: from the page's metadata")


def find(r: Reading) -> Found:
    """Index of the title line (-1 if none), the evidence that chose it, and the
    date/metadata line it stands by (-1 if none): that line dates the article."""
    limit = len(r.lines) if r.core_start < 0 else r.core_start + thresholds().title_after_text
    return _given(r, limit) or _by_breadcrumb(r, limit) or _by_date_line(r, limit) \
        or _above_text(r) or (-1, "", -1)


def _given(r: Reading, limit: int) -> Found | None:
    """The line that repeats the markup's title (or no line, when the lines are only the
    article's text)."""
    if not r.hints.title:
        return None
    t = thresholds()
    want = squash(r.hints.title)
    for i, ln in enumerate(r.lines[:limit]):
        s = squash(ln.text)
        if s == want or (len(s) >= t.given_title_min and (s in want or want in s)
                         and t.given_title_lo * len(want) <= len(s)
                         <= t.given_title_hi * len(want)):
            return i, "title given by the page's metadata", -1
    return None if r.hints.title_in_lines else (-1, "", -1)


def _by_breadcrumb(r: Reading, limit: int) -> Found | None:
    """The line that the breadcrumb's last segment names."""
    t = thresholds()
    for i, ln in enumerate(r.lines[:limit]):
        rule = r.hits[i]
        if not rule or rule[0] != "breadcrumb":
            continue
        parts = breadcrumb_parts(ln.text, r.profile)
        last = squash(parts[-1]).rstrip(".…") if parts else ""
        if len(last) < t.crumb_title_min:
            continue
        for j in range(i + 1, min(i + t.crumb_title_within, len(r.lines))):
            s = squash(r.lines[j].text)
            if s == last or (s.startswith(last) and len(last) >= t.crumb_prefix_min):
                return j, f"matches the breadcrumb on line {ln.no}", -1
    return None


def _date_lines(r: Reading, limit: int) -> tuple[list[int], list[int]]:
    """The date/metadata lines, and the order to try them in: first those that the most
    article text follows closely (a sidebar of summaries above the headline must not
    win), then the others above the text, nearest first."""
    t = thresholds()
    hits, lines = r.hits, r.lines
    upto = max(limit, r.core_end + 1) if r.core_start >= 0 else len(lines)
    meta_at = [i for i in range(min(upto, len(lines)))
               if date_line(lines[i].text) and not (hits[i] and hits[i][1])
               or not hits[i] and metadata(lines[i].text, r.profile, r.rx)]
    nearest: dict[int, tuple[int, int]] = {}  # start of the text that follows -> (line, size)
    for m in meta_at:
        s, _, total = core_total(r.weights[m + 1:])
        if 0 <= s <= t.date_text_within:
            nearest[m + 1 + s] = (m, total)  # a later date line nearer the same text wins
    followed = sorted(nearest.values())
    if not followed:
        return meta_at, [m for m in reversed(meta_at) if m < limit]
    best = max(total for _, total in followed)
    order = [m for m, total in followed if total >= t.date_text_share * best]
    return meta_at, order + [m for m in reversed(meta_at) if m < limit and m not in order]


def _by_date_line(r: Reading, limit: int) -> Found | None:
    """The headline above (or under) the date/metadata line the article text follows."""
    meta_at, order = _date_lines(r, limit)
    for m in order:
        found = _above_date(r, m, meta_at)
        if found is None and m == order[0]:
            found = _under_date(r, m, meta_at)
        if found is not None:
            return found
    return None


def _above_date(r: Reading, m: int, meta_at: list[int]) -> Found | None:
    """The headline-like line above date line `m` (toolbar lines passed over); of two,
    a longer one above a very short one (a column's name under the headline)."""
    t = thresholds()
    toolbar = evidence().toolbar_rules
    cands: list[int] = []
    j, skipped = m - 1, 0
    while j >= 0 and len(cands) < t.above_date_candidates and m - j - skipped <= t.above_date_lines:
        text = r.lines[j].text
        if j in meta_at:
            j -= 1
            continue
        if r.hits[j] and r.hits[j][0] in toolbar and skipped < t.toolbar_lines_max:
            # share and print buttons, font sizes between the headline and its date
            j, skipped = j - 1, skipped + 1
            continue
        if is_title_like(text) and not r.hits[j] and not text.startswith(("·", "•", "●")) \
                and "。" not in text:
            cands.append(j)
        elif r.hits[j] or len(squash(text)) > t.above_date_stop:
            break
        j -= 1
    if not cands:
        return None
    pick = cands[0]
    near = len(squash(r.lines[pick].text))
    for c in cands[1:]:
        if near <= t.short_headline and len(squash(r.lines[c].text)) >= t.longer_headline * near:
            pick = c
            break
    return pick, f"the headline above the date/metadata line {r.lines[m].no}", m


def _under_date(r: Reading, m: int, meta_at: list[int]) -> Found | None:
    """Date first, then the headline, then the text (blogs, newspaper pages)."""
    t = thresholds()
    lines = r.lines
    j, last = m + 1, m
    while j < len(lines) and j - m <= t.under_date_lines and (j in meta_at or r.hits[j]):
        last = j if j in meta_at else last
        j += 1
    if j + 1 < len(lines) and j - m <= t.under_date_lines and is_title_like(lines[j].text) \
            and len(squash(lines[j].text)) >= t.under_date_min and "。" not in lines[j].text \
            and r.weights[j + 1] > 0:
        return j, f"the headline under the date/metadata line {lines[last].no}", last
    return None


def _headline_at(r: Reading, j: int, least: int) -> bool:
    """Line `j` could be the headline: headline-like, no rule names it, no full stop."""
    text = r.lines[j].text
    return is_title_like(text) and len(squash(text)) >= least and not r.hits[j] \
        and "。" not in text


def _above_text(r: Reading) -> Found | None:
    """The headline-like line just above the article's text (or the headline above its
    subtitle, or the first of a headline and its subheadline under a date line)."""
    t = thresholds()
    lines, start = r.lines, r.core_start
    if start <= 0:
        return None
    for j in range(start - 1, max(-1, start - 1 - t.above_text_lines), -1):
        if not _headline_at(r, j, t.above_text_min):
            continue
        if DASH_START.match(lines[j].text):  # a subtitle: its headline stands above it
            for k in range(j - 1, max(-1, j - 1 - t.subtitle_lines), -1):
                if is_title_like(lines[k].text) and not r.hits[k] \
                        and not DASH_START.match(lines[k].text) \
                        and len(squash(lines[k].text)) >= t.subtitle_head_min:
                    return k, "the headline above the article's subtitle", -1
        up = j - 1
        if up >= 1 and _headline_at(r, up, t.above_text_min) and date_line(lines[up - 1].text):
            # date / headline / subheadline / text (a newspaper page): the first.
            return up, "the headline under the date line, above its subheadline", up - 1
        return j, "the headline-like line just above the article text", -1
    return None


def _join_above(r: Reading) -> None:
    """A headline set on two lines, 主题 / ——副题, or broken after a connective
    (…购买外汇及 / 调整…的决议), or under its issuing body: the line above joined."""
    t = thresholds()
    lines = r.lines
    gaps = [b.no - a.no for a, b in zip(lines, lines[1:], strict=False)]
    spaced = r.hints.title_in_lines and len(gaps) >= t.spaced_page_lines \
        and sum(g > 1 for g in gaps) >= t.spaced_page_share * len(gaps)
    prv = r.title_at - 1
    while prv >= 0 and len(r.title_lines) < t.headline_lines_max and not r.hits[prv] \
            and is_title_like(lines[prv].text) and not DASH_START.match(lines[prv].text) \
            and _first_half(r, prv, spaced):
        r.art.title = lines[prv].text + r.art.title
        r.art.log.append(f"title: line {lines[prv].no} joined, the headline goes on below it")
        r.title_lines.add(prv)
        prv -= 1


def _first_half(r: Reading, prv: int, spaced: bool) -> bool:
    """Line `prv`, right above the headline, is its first half."""
    t = thresholds()
    lines, title = r.lines, r.art.title
    above = lines[prv].text
    return bool(
        DASH_START.match(title)
        or above[-1] in "及和与的对在为暨、关于" and len(above) >= t.headline_half_min
        # 全国人民代表大会常务委员会 / 关于…的决议: the issuing body opens it
        or title.startswith(("关于", "關於")) and patterns().sign_org.search(squash(above))
        and only_here(lines, prv)
        # copied text that sets blocks apart by blank lines: a line right above the
        # headline, with no blank line between, is its first half (<br>)
        or spaced and lines[prv].no == lines[prv + 1].no - 1
        and (prv == 0 or lines[prv - 1].no < lines[prv].no - 1)
        and len(squash(above)) >= t.headline_half_min and not ANY_PUNCT.search(above))


def _join_below(r: Reading) -> None:
    """A subtitle (——…) right under a headline found alone continues it."""
    nxt = r.title_at + 1
    lines = r.lines
    if len(r.title_lines) == 1 and nxt < len(lines) and DASH_START.match(lines[nxt].text) \
            and len(lines[nxt].text) <= thresholds().subtitle_max \
            and "。" not in lines[nxt].text and not r.hits[nxt]:
        r.art.title += lines[nxt].text
        r.art.log.append(f"title: line {lines[nxt].no} joined, it continues the headline")
        r.title_lines.add(nxt)
        r.title_at = nxt

