"""Portal page lines -> Article: the line classifier shared by the text and HTML readers.

The page is read as a sequence of lines. Rules from the site profile (data) name
boilerplate lines; generic evidence places the rest: the title (confirmed by the
breadcrumb, or the line above the metadata line), the header zone before it, the
metadata/lead/editor's-note zone after it, the body, and the footer that starts at
the first line a rule marks as the end of the article. Every line that does not
reach the briefing is recorded with the rule or the evidence that dropped it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from ..model import Article, Block, Dropped
from ..profiles import Profile, evidence, patterns, wechat

STRIP = " \t\u00a0\u3000\u2002\u2003\u2009\u200b\ufeff"
SENTENCE_END = "。！？!?；;…"
_SENTENCE_PUNCT = re.compile(r"[。！？!?；;…]")
_ANY_PUNCT = re.compile(r"[，,。！？!?；;：:、…“”\"]")
_MONTHS = "jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec"
# The date forms portals print: 2025年3月6日 / 2025-03-06 / 2019-9-5 / 2025.3.6, and the
# Western ones of older and foreign-run sites: 7/5/2005 9:23:57 PM (month first, with a
# 12-hour clock), 06/02/2022 (day first), Saturday, September 10th, 2005, 10 Sep 2005.
_DATE = re.compile(
    r"(?<!\d)(?P<y>(?:19|20)\d{2})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})(?!\d)"
    r"\s*日?"
    r"|(?<![\d/])(?P<a>\d{1,2})/(?P<b>\d{1,2})/(?P<y2>(?:19|20)\d{2})(?![\d/])"
    r"(?P<clock>\s+\d{1,2}:\d{2}(?::\d{2})?\s*(?P<ampm>[AaPp]\.?[Mm]\b\.?)?)?"
    rf"|(?i:(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day,?\s+)?\b(?P<mon>{_MONTHS})[a-z]*\.?"
    r"\s+(?P<d3>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<y3>(?:19|20)\d{2})(?!\d))"
    rf"|(?i:(?<!\d)(?P<d4>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<mon4>{_MONTHS})[a-z]*\.?,?\s+"
    r"(?P<y4>(?:19|20)\d{2})(?!\d))"
    # The Republic of China calendar of Taiwan's courts and agencies: 民國107年3月13日.
    r"|(?:中華民國|中华民国|民國|民国)\s*(?P<roc>\d{2,3})\s*年\s*(?P<rm>\d{1,2})\s*月\s*"
    r"(?P<rd>\d{1,2})\s*日"
)
_DIGITS = re.compile(r"\d[\d,]*")
_DASH_START = re.compile(r"^(——|—|--|－－)")
_CJK = re.compile(r"[\u3400-\u9fff]")


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
class _Line:
    no: int  # 1-based line number in the page, blank lines counted
    text: str


def clean(line: str) -> str:
    return line.strip(STRIP)


def squash(text: str) -> str:
    """Whitespace-free form for comparing lines (title vs breadcrumb, hints)."""
    return re.sub(r"[\s\u00a0\u3000]+", "", text)


def _ymd(m: re.Match[str]) -> tuple[int, int, int]:
    """Year, month, day of a `_DATE` match. A numeric a/b/yyyy is month first with a
    12-hour clock (7/5/2005 9:23:57 PM) or when the second number cannot be a month,
    day first when the first cannot be, and otherwise day first when zero-padded
    (06/02/2022, the European habit) and month first when not (7/5/2005)."""
    if m["y"]:
        return int(m["y"]), int(m["m"]), int(m["d"])
    if m["roc"]:
        return int(m["roc"]) + 1911, int(m["rm"]), int(m["rd"])
    if m["y2"]:
        a, b = int(m["a"]), int(m["b"])
        month_first = bool(m["ampm"]) or b > 12 or (a <= 12 and not m["a"].startswith("0"))
        if a > 12:
            month_first = False
        return (int(m["y2"]), a, b) if month_first else (int(m["y2"]), b, a)
    mon, day, year = (m["mon"], m["d3"], m["y3"]) if m["mon"] else (m["mon4"], m["d4"], m["y4"])
    return int(year), _MONTHS.split("|").index(mon.lower()[:3]) + 1, int(day)


def parse_date(text: str) -> str | None:
    for m in _DATE.finditer(text):
        try:
            return date(*_ymd(m)).isoformat()
        except ValueError:
            continue
    return None


def _label_regex(labels: dict[str, tuple[str, ...]]) -> re.Pattern[str]:
    alts = sorted({lab for labs in labels.values() for lab in labs}, key=len, reverse=True)
    body = "|".join(re.escape(a) for a in alts)
    return re.compile(rf"(?<![\u3400-\u9fff])({body})\s*[:：]\s*")


def _metadata(text: str, profile: Profile, rx: re.Pattern[str]) -> dict[str, str] | None:
    """Parse a metadata line (`来源:本站 热度:192 时间:2025/3/6`) into fields, or None."""
    text = text.strip("（）()【】[]" + STRIP)
    if len(text) > 160 or len(_SENTENCE_PUNCT.findall(text)) > 1:
        return None
    hits = list(rx.finditer(text))
    d = _DATE.search(text)
    starts_with_date = bool(d) and d.start() <= 8 and len(text) <= 80 and (
        d.start() == 0 or _date_line(text))
    if not hits and not starts_with_date:
        return {"published": d[0]} if d and _date_line(text) else None
    if not hits and _is_prose(text) and not _date_line(text):
        return None  # a sentence that opens with its date (2020年11月18日上午，…) is text
    if len(hits) == 1 and not d and len(text) >= 40 and _is_prose(text[hits[0].end():]):
        return None  # an interview's question (记者：…，…？) is text, not a byline
    # One label in the middle of a line: only metadata if what precedes is a date.
    if hits and hits[0].start() > 0 and len(hits) < 2 and not starts_with_date \
            and not _DATE.search(text[: hits[0].start()]):
        return None
    field_of = {lab: f for f, labs in profile.labels.items() for lab in labs}
    out: dict[str, str] = {}
    for i, m in enumerate(hits):
        end = hits[i + 1].start() if i + 1 < len(hits) else len(text)
        value = text[m.end():end].strip(STRIP + "|｜/丨")
        name = field_of.get(m[1], "")
        if name and value and name not in out:
            out[name] = value
            if name == "views":  # the page's own word for it (浏览次数, 点击数 …)
                out["views_label"] = m[1]
    if "published" not in out and (d := _DATE.search(text)):
        out["published"] = d[0]
    return out or None


def _split_label(text: str, labels: tuple[str, ...]) -> str | None:
    """`编者按:xxx` / `【编者按】xxx` -> `xxx` ("" when the text is in the next paragraph)."""
    for lab in sorted(labels, key=len, reverse=True):
        e = re.escape(lab)
        m = re.match(rf"^(?:[【\[]\s*{e}\s*[】\]]\s*[:：]?|{e}\s*[:：]|{e}$)\s*", text)
        if m:
            return text[m.end():].strip(STRIP)
    return None


def _rule_for(text: str, profile: Profile, in_body: bool) -> tuple[str, bool] | None:
    # A short letter-spaced line (郑 重 声 明, 相 关 阅 读) is matched without its spaces too.
    forms = (text, squash(text)) if len(text) <= 24 and " " in text.strip() else (text,)
    for rule in profile.drops:
        if rule.before and in_body:
            continue
        if any(rule.hits(t) for t in forms):
            return rule.rule, rule.ends_body
    return None


def _breadcrumb_parts(text: str, profile: Profile) -> list[str]:
    body = re.sub(r"^[^:：]{0,12}[:：]", "", text, count=1)
    seps = "|".join(re.escape(s) for s in profile.breadcrumb_separators if s.strip())
    parts = [p.strip(STRIP) for p in re.split(rf"\s*(?:{seps})\s*", body)] if seps else [body]
    return [p for p in parts if p]


def _is_title_like(text: str) -> bool:
    """Could be a headline: never a sentence, a date, a web address, a clock time or bare
    numbers, or a row of menu words (`[patterns] not_headline`)."""
    return 4 <= len(text) <= 100 and not text.endswith(("。", "；", ";", "，", ",", "：", ":")) \
        and not _date_line(text) and not patterns().not_headline.search(text)


def _block(text: str, profile: Profile) -> Block:
    if _sign_off(text):
        return Block(text=text)
    if len(text) <= evidence().caption_max and patterns().caption.search(text):
        return Block(text=text, kind="caption")  # a photo's caption (…。记者 孙悦 摄)
    if profile.point and (m := profile.point.match(text)) and len(m[1]) < len(text):
        return Block(text=text, kind="point", lead_in=m[1])
    if (
        len(text) <= profile.heading_max
        and not _SENTENCE_PUNCT.search(text)
        and not text.endswith(("：", ":", "，", ",", "、"))
        and (profile.heading is None or profile.heading.match(text) or len(text) <= 20)
    ):
        return Block(text=text, kind="heading")
    return Block(text=text)


def _is_prose(text: str) -> bool:
    """Sentence text: what article paragraphs are made of (and menus, headlines are not)."""
    s = squash(text)
    n = len(s)
    if not n:
        return False
    if "。" in s or "；" in s or (n >= 2 and s[-1] in "，,、；;") or (n >= 8 and s[-1] in "：:"):
        return True
    commas = sum(s.count(c) for c in "，,、")
    marks = len(_SENTENCE_PUNCT.findall(s))
    if (commas and n >= 30) or (commas >= 2 and n >= 25) or (marks and n >= 40):
        return True
    return n >= 80 and bool(_CJK.search(s)) and (commas + marks) > 0


def _weights(lines: list[_Line], hits: list[tuple[str, bool] | None]) -> list[int]:
    """Evidence per line for the article's text block: + characters for sentence text,
    - for rule hits and short unpunctuated lines, 0 for short lines that may be either."""
    out: list[int] = []
    for ln, hit in zip(lines, hits, strict=True):
        n = len(squash(ln.text))
        if hit:
            out.append(-max(10, min(n, 60)))
        elif _is_prose(ln.text):
            out.append(n)
        elif n < 40 and _ANY_PUNCT.search(ln.text):
            out.append(0)
        else:
            out.append(-max(6, min(n, 40)))
    # A run of short non-sentence lines is a link list (headlines, menus): the ambiguous
    # ones in it count against the article too.
    i = 0
    while i < len(out):
        j = i
        while j < len(out) and out[j] <= 0:
            j += 1
        if j - i >= 3:
            for k in range(i, j):
                if out[k] == 0:
                    out[k] = -max(4, len(squash(lines[k].text)) // 2)
        i = j + 1
    return out


def _core(weights: list[int]) -> tuple[int, int]:
    """The span of lines with the most sentence text net of boilerplate (max-sum segment)."""
    return _core_total(weights)[:2]


def _core_total(weights: list[int]) -> tuple[int, int, int]:
    best, best_span = 0, (-1, -1)
    run, start = 0, 0
    for i, w in enumerate(weights):
        if run <= 0:
            run, start = 0, i
        run += w
        if run > best:
            best, best_span = run, (start, i)
    return (*best_span, best)


def _sign_off(text: str) -> bool:
    """An attachment line, an issuing body's name or the date under a notice."""
    s, p = squash(text), patterns()
    if p.attachment.match(s) and len(s) <= 60:
        return True
    if p.sign_date.match(s) or p.end_mark.match(s) or p.disclosure.match(s):
        return True
    return len(s) <= 30 and bool(p.sign_org.search(s)) and not _ANY_PUNCT.search(s)


def _date_line(text: str) -> bool:
    """A short line that states a date and little else (`2019-09-07 13:43 来源: 某报`)."""
    m = _DATE.search(text)
    if not m or len(text) > 100 or "。" in text or "，" in text:
        return False
    rest = text[: m.start()] + text[m.end():]
    return len(_CJK.findall(rest)) <= 30


def _comment_zone(lines: list[_Line], rx: re.Pattern[str]) -> set[int]:
    """Indices of the lines of reader-comment threads: where three or more comment
    markers (posting times, reply/report/like buttons, floors, user names) stand within a
    few lines of each other, the markers and the lines among them are comments."""
    marker = patterns().comment_marker
    marks = [i for i, ln in enumerate(lines)
             if len(s := squash(ln.text)) <= 80 and marker.match(s) and not rx.search(ln.text)]
    zone: set[int] = set()
    run: list[int] = []
    for i in [*marks, 10**9]:
        if run and i - run[-1] > 4:
            if len(run) >= 3:
                zone.update(range(max(0, run[0] - 1), min(len(lines), run[-1] + 2)))
            run = []
        run.append(i)
    return zone


def _breadcrumb_rows(lines: list[_Line], profile: Profile) -> set[int]:
    """A breadcrumb set one segment per line (`首页` / `>` / `地方` / `>` / `地方`): the
    separator lines and the segments on either side of them."""
    seps = {s.strip() for s in profile.breadcrumb_separators if s.strip()} | {">>", "»»"}
    out: set[int] = set()
    for i, ln in enumerate(lines):
        if ln.text in seps:
            out.update(j for j in (i - 1, i, i + 1)
                       if 0 <= j < len(lines) and len(squash(lines[j].text)) <= 16)
    return out


def _find_title(
    lines: list[_Line], profile: Profile, hints: Hints, rx, hits, core: tuple[int, int],
    weights: list[int],
) -> tuple[int, str, int]:
    """Index of the title line in `lines` (-1 if none), the evidence that chose it, and
    the date/metadata line it stands by (-1 if none): that line dates the article."""
    core_start, core_end = core
    limit = len(lines) if core_start < 0 else core_start + 3
    if hints.title:
        want = squash(hints.title)
        for i, ln in enumerate(lines[:limit]):
            s = squash(ln.text)
            if s == want or (len(s) >= 6 and (s in want or want in s)
                             and 0.7 * len(want) <= len(s) <= 1.5 * len(want)):
                return i, "title given by the page's metadata", -1
        if not hints.title_in_lines:
            return -1, "", -1
    for i, ln in enumerate(lines[:limit]):
        rule = hits[i]
        if rule and rule[0] == "breadcrumb":
            parts = _breadcrumb_parts(ln.text, profile)
            last = squash(parts[-1]).rstrip(".…") if parts else ""
            if len(last) >= 4:
                for j in range(i + 1, min(i + 30, len(lines))):
                    s = squash(lines[j].text)
                    if s == last or (s.startswith(last) and len(last) >= 8):
                        return j, f"matches the breadcrumb on line {ln.no}", -1
    # The date/metadata line that the most article text follows closely, and the headline
    # above it (a sidebar of summaries above the headline must not win).
    upto = max(limit, core_end + 1) if core_start >= 0 else len(lines)
    meta_at = [i for i in range(min(upto, len(lines)))
               if _date_line(lines[i].text) and not (hits[i] and hits[i][1])
               or not hits[i] and _metadata(lines[i].text, profile, rx)]
    nearest: dict[int, tuple[int, int]] = {}  # start of the text that follows -> (line, size)
    for m in meta_at:
        s, _, total = _core_total(weights[m + 1:])
        if 0 <= s <= 30:
            nearest[m + 1 + s] = (m, total)  # a later date line nearer the same text wins
    followed = sorted(nearest.values())
    if followed:
        best = max(t for _, t in followed)
        order = [m for m, t in followed if t >= 0.7 * best]
        order += [m for m in reversed(meta_at) if m < limit and m not in order]
    else:
        order = [m for m in reversed(meta_at) if m < limit]
    toolbar = evidence().toolbar_rules
    for m in order:
        cands: list[int] = []
        j, skipped = m - 1, 0
        while j >= 0 and len(cands) < 3 and m - j - skipped <= 5:
            text = lines[j].text
            if j in meta_at:
                j -= 1
                continue
            if hits[j] and hits[j][0] in toolbar and skipped < 20:
                # share and print buttons, font sizes between the headline and its date
                j, skipped = j - 1, skipped + 1
                continue
            if _is_title_like(text) and not hits[j] and not text.startswith(("·", "•", "●")) \
                    and "。" not in text:
                cands.append(j)
            elif hits[j] or len(squash(text)) > 100:
                break
            j -= 1
        if cands:
            pick = cands[0]
            near = len(squash(lines[pick].text))
            for c in cands[1:]:
                if near <= 12 and len(squash(lines[c].text)) >= 2 * near:
                    pick = c
                    break
            return pick, f"the headline above the date/metadata line {lines[m].no}", m
        # Date first, then the headline, then the text (blogs, newspaper pages).
        j, last = m + 1, m
        while j < len(lines) and j - m <= 3 and (j in meta_at or hits[j]):
            last = j if j in meta_at else last
            j += 1
        if j + 1 < len(lines) and j - m <= 3 and _is_title_like(lines[j].text) \
                and len(squash(lines[j].text)) >= 6 and "。" not in lines[j].text \
                and weights[j + 1] > 0 and m == order[0]:
            return j, f"the headline under the date/metadata line {lines[last].no}", last
    if core_start > 0:
        for j in range(core_start - 1, max(-1, core_start - 6), -1):
            text = lines[j].text
            if _is_title_like(text) and len(squash(text)) >= 8 and not hits[j] \
                    and "。" not in text:
                if _DASH_START.match(text):  # a subtitle: its headline stands above it
                    for k in range(j - 1, max(-1, j - 3), -1):
                        if _is_title_like(lines[k].text) and not hits[k] \
                                and not _DASH_START.match(lines[k].text) \
                                and len(squash(lines[k].text)) >= 4:
                            return k, "the headline above the article's subtitle", -1
                up = j - 1
                if up >= 1 and _is_title_like(lines[up].text) and len(squash(lines[up].text)) >= 8 \
                        and not hits[up] and "。" not in lines[up].text \
                        and _date_line(lines[up - 1].text):
                    # date / headline / subheadline / text (a newspaper page): the first.
                    return up, "the headline under the date line, above its subheadline", up - 1
                return j, "the headline-like line just above the article text", -1
    return -1, "", -1


def _only_here(lines: list[_Line], idx: int) -> bool:
    """An issuing body set above its notice's title, not the site's name: not the page's
    first line, no other line of its own, and not the owner its copyright line names."""
    s = squash(lines[idx].text)
    owner = squash(_site_from_copyright(lines))
    return idx > 0 and not (owner and (owner in s or s in owner)) and not any(
        squash(ln.text) == s for i, ln in enumerate(lines) if i != idx)


def _text_after(weights: list[int], idx: int) -> int:
    """Characters of sentence text in the next 5 lines, when at least 2 of them are sentence
    text (0 otherwise): evidence that the article is not over."""
    prose = [w for w in weights[idx + 1: idx + 6] if w > 0]
    return sum(prose) if len(prose) >= 2 else 0


_GOES_ON = 80  # characters of sentence text after a footer-like line: the article goes on


def _learnt_rule(text: str, learnt: dict[str, str]) -> tuple[str, bool] | None:
    why = learnt.get(squash(text)) if learnt else None
    return (f"site template: {why}", False) if why else None


def parse(
    raw_lines: list[str], profile: Profile, hints: Hints | None = None, *, path: str = ""
) -> Article:
    """Classify the page's lines and build the Article."""
    hints = hints or Hints()
    art = Article(input_path=path, url=hints.url, author=hints.author)
    lines = [_Line(i + 1, clean(t)) for i, t in enumerate(raw_lines)]
    lines = [ln for ln in lines if ln.text]
    rx = _label_regex(profile.labels)
    dropped: list[Dropped] = []
    meta: dict[str, str] = {}
    header_meta: dict[str, str] = {}  # metadata lines above the title: only a fallback

    def drop(ln: _Line, rule: str) -> None:
        dropped.append(Dropped(ln.no, ln.text, rule))

    # Layout evidence beyond the rules: comment threads, breadcrumbs set one segment a
    # line. Lines learnt as the site's template are NOT evidence here: learning never
    # moves the article or its headline (a page reads the same alone or with its site).
    extra: dict[int, tuple[str, bool]] = {}
    for i in _breadcrumb_rows(lines, profile):
        extra[i] = ("breadcrumb (one segment per line)", False)
    comments = _comment_zone(lines, rx)
    for i in comments:
        extra[i] = ("comment thread (posting times, reply/like buttons or user names "
                    "around it)", False)
    keep = {i for i, ln in enumerate(lines) if ln.no - 1 in hints.keep}
    for i, ln in enumerate(lines):
        if why := hints.voted.get(ln.no - 1):
            extra[i] = (f"extractors' vote: {why}", False)
    hits = [_rule_for(ln.text, profile, in_body=False) or extra.get(i)
            for i, ln in enumerate(lines)]
    weights = _weights(lines, hits)
    # A long sentence that only looks like a footer (声明：…, 版权所有的问题…, 仅供参考
    # inside a sentence), with more article text right after it, is part of the article.
    p = patterns()
    rescued = {
        i for i, h in enumerate(hits)
        if h and h[1] and len(lines[i].text) >= 40 and _is_prose(lines[i].text)
        and i + 1 < len(lines) and _text_after(weights, i) >= _GOES_ON
        and not (p.labelled_notice.match(lines[i].text)
                 and p.boilerplate_sentence.search(lines[i].text))
    }
    for i in rescued:
        art.log.append(f"line {lines[i].no}: kept although rule {hits[i][0]!r} matched: "
                       "a long sentence, and the article text goes on after it")
        hits[i] = None
    if rescued:
        weights = _weights(lines, hits)
    cs, ce = _core(weights)
    t_idx, why, date_at = _find_title(lines, profile, hints, rx, hits, (cs, ce), weights)
    title_lines = {t_idx} if t_idx >= 0 else set()
    if t_idx >= 0:
        art.title = lines[t_idx].text
        art.log.append(f"title: line {lines[t_idx].no}, {why}")
        if m := p.title_label.match(art.title):
            art.title = art.title[m.end():]
            art.log.append(f"title: label {m[0].strip()!r} left out")
        # A headline set on two lines, 主题 / ——副题, or broken after a connective
        # (…购买外汇及 / 调整…的决议): joined, whichever of them was found.
        prv, nxt = t_idx - 1, t_idx + 1
        gaps = [b.no - a.no for a, b in zip(lines, lines[1:], strict=False)]
        spaced = hints.title_in_lines and len(gaps) >= 6 \
            and sum(g > 1 for g in gaps) >= 0.8 * len(gaps)
        while prv >= 0 and len(title_lines) < 3 and not hits[prv] \
                and _is_title_like(lines[prv].text) \
                and not _DASH_START.match(lines[prv].text) and (
                    _DASH_START.match(art.title)
                    or lines[prv].text[-1] in "及和与的对在为暨、关于"
                    and len(lines[prv].text) >= 8
                    # 全国人民代表大会常务委员会 / 关于…的决议: the issuing body opens it
                    or art.title.startswith(("关于", "關於"))
                    and p.sign_org.search(squash(lines[prv].text))
                    and _only_here(lines, prv)
                    # copied text that sets blocks apart by blank lines: a line right above
                    # the headline, with no blank line between, is its first half (<br>)
                    or spaced and lines[prv].no == lines[prv + 1].no - 1
                    and (prv == 0 or lines[prv - 1].no < lines[prv].no - 1)
                    and len(squash(lines[prv].text)) >= 8
                    and not _ANY_PUNCT.search(lines[prv].text)):
            art.title = lines[prv].text + art.title
            art.log.append(f"title: line {lines[prv].no} joined, the headline goes on below it")
            title_lines.add(prv)
            prv -= 1
        if len(title_lines) == 1 and nxt < len(lines) and _DASH_START.match(lines[nxt].text) \
                and len(lines[nxt].text) <= 60 and "。" not in lines[nxt].text \
                and not hits[nxt]:
            art.title += lines[nxt].text
            art.log.append(f"title: line {lines[nxt].no} joined, it continues the headline")
            title_lines.add(nxt)
            t_idx = nxt
    elif hints.title:
        art.title = hints.title
        art.log.append("title: from the page's metadata")
    if t_idx >= 0:  # the article follows its headline: look for its text there
        cs, ce = _core(weights[t_idx + 1:])
        if cs >= 0:
            cs, ce = cs + t_idx + 1, ce + t_idx + 1
    sign_off: range = range(0)
    if cs < 0:  # no sentence text at all: everything after the title until a footer rule
        cs, ce = t_idx + 1, len(lines) - 1
    else:
        art.log.append(f"article text: lines {lines[cs].no}-{lines[ce].no} hold the most "
                       "sentence text (sentence punctuation, length) net of boilerplate")
        # A notice ends with its attachments, signature and date: short, but article.
        end, listing = ce, False
        while end + 1 < len(lines) and end - ce < 8 and not hits[end + 1]:
            nxt = squash(lines[end + 1].text)
            if _sign_off(nxt):
                listing = bool(patterns().attachment.match(nxt))
            elif not (listing and re.match(r"^\d{1,2}\s*[.、．]", nxt) and len(nxt) <= 60):
                break
            end += 1
        tail = [squash(lines[i].text) for i in range(ce + 1, end + 1)]
        p = patterns()
        if not any(p.sign_date.match(t) or p.attachment.match(t) or p.end_mark.match(t)
                   for t in tail):
            end = ce  # names alone after the text are more likely links than a signature
        if end > ce:
            art.log.append(f"article text: lines {lines[ce + 1].no}-{lines[end].no} kept as "
                           "its sign-off (attachment, signature, date)")
            sign_off = range(ce + 1, end + 1)
            ce = end
        if ce == len(lines) - 2 and not hits[-1] and not _metadata(lines[-1].text, profile, rx):
            # One line after the text and the page ends: a page cut short mid-paragraph.
            art.log.append(f"article text: line {lines[-1].no} kept, the page ends there")
            sign_off = range(sign_off.start if sign_off else ce + 1, ce + 2)
            ce += 1
    # Between the last share button / metadata line and the text block: short lines that
    # open the article (下周一，/ 什么？) when sentence text is among them.
    gap_from = cs
    while gap_from - 1 > t_idx and not hits[gap_from - 1] \
            and not _metadata(lines[gap_from - 1].text, profile, rx):
        gap_from -= 1
    if not any(_is_prose(lines[i].text) for i in range(gap_from, cs)):
        gap_from = cs
    elif gap_from < cs:
        art.log.append(f"article text: lines {lines[gap_from].no}-{lines[cs - 1].no} open it "
                       "(after the last share/metadata line, with sentence text among them)")
    # A footer-like line inside the text block with more article text after it (责任编辑
    # in the middle, a disclaimer between two parts) is dropped alone: it ends nothing.
    suspended = {i for i in range(max(cs, 0), ce) if hits[i] and hits[i][1]
                 and _text_after(weights, i) >= _GOES_ON
                 # a notice's own heading (免责声明, 郑 重 声 明): what follows is the notice
                 and not (hits[i][0] == "disclaimer" and len(squash(lines[i].text)) <= 20)}
    # A related-links box set inside the article (the text block spans it, and much
    # sentence text follows it): its heading and the list under it go, the article goes on.
    boxes = {i for i in range(max(cs, 0), ce) if hits[i] and hits[i][1] and i not in suspended
             and hits[i][0] == "related"
             and sum(w for w in weights[i + 1: ce + 1] if w > 0) >= _GOES_ON}
    suspended |= boxes
    for i in sorted(suspended):
        art.log.append(f"line {lines[i].no}: rule {hits[i][0]!r} does not end the article: "
                       "its text goes on after it")
    in_box: tuple[int, str] | None = None  # the list under a box's heading

    owner = (profile.site_name or hints.site or _site_from_copyright(lines)) if hints.learnt \
        else ""

    def learnt_drop(idx: int) -> tuple[str, bool] | None:
        """Learning drops recurring lines around the article. Inside it, learning alone
        drops nothing: only a recurring line that names the site itself (its slogan)."""
        text = lines[idx].text
        if idx in title_lines or _is_prose(text):
            return None
        if cs <= idx <= ce and not (len(owner) >= 2 and owner in text):
            return None
        return _learnt_rule(text, hints.learnt)

    site_name = profile.site_name or hints.site
    crumb_site = ""  # the breadcrumb's root: a weaker clue than the copyright line
    strict = hints.title_in_lines  # text input: judge lines outside the text block

    # Header zone: everything above the title.
    t_first = min(title_lines) if title_lines else t_idx
    near_date = ""
    late_date = False  # the first date after the headline comes from the body's end
    for i, ln in enumerate(lines[: max(t_first, 0)]):
        rule = _rule_for(ln.text, profile, in_body=False) or extra.get(i)
        if rule and rule[0] == "breadcrumb" and not crumb_site:
            parts = _breadcrumb_parts(ln.text, profile)
            root = parts[0] if parts else ""
            if root.endswith("首页") and len(root) > 2:
                root = root[:-2]
            if len(parts) > 1 and root not in profile.generic_roots and (
                root.endswith(("网", "站", "报", "台", "社")) or root != parts[0]
            ) and " " not in root:
                crumb_site = root
        if not rule and p.doc_number.match(squash(ln.text)):
            header_meta.setdefault("doc_number", ln.text)  # GB/T 9704: above the title
            drop(ln, "metadata (发文字号)")
            continue
        m = _metadata(ln.text, profile, rx)
        if m and not rule:
            header_meta = {**m, **header_meta}
            if "published" in m and t_first - i <= 2:
                near_date = m["published"]  # the date line right above the headline
            drop(ln, "metadata")
            continue
        rule = rule or learnt_drop(i)
        drop(ln, rule[0] if rule else "site-header (above the title)")

    # After the title: metadata, lead and editor's note, then the body, then the footer.
    body: list[tuple[_Line, Block]] = []
    footer_from: tuple[int, str] | None = None
    pending: str = ""  # "lead" / "note": a label whose text is in the next paragraph
    for idx in range(t_idx + 1, len(lines)):
        ln = lines[idx]
        text = ln.text
        if footer_from and idx in keep and _is_prose(text) \
                and footer_from[1] in evidence().interruptions \
                and not _rule_for(text, profile, in_body=True):
            art.log.append(f"line {ln.no}: the article goes on after the {footer_from[1]} on "
                           f"line {footer_from[0]}: two extractors keep this sentence text")
            footer_from = None
        if footer_from:
            rule = _rule_for(text, profile, in_body=True) or extra.get(idx) or learnt_drop(idx)
            drop(ln, rule[0] if rule else f"footer (after the {footer_from[1]} on line {footer_from[0]})")
            continue
        if pending:
            if pending == "lead":
                art.lead = text
            else:
                art.editor_note = text
            pending = ""
            continue
        rule = _rule_for(text, profile, in_body=bool(body)) or extra.get(idx) or learnt_drop(idx)
        if rule and not rule[1] and idx < cs and _date_line(text) and (
            m := _metadata(text, profile, rx)
        ):  # `2019年09月11日 新浪科技 收藏本文`: the date line, with a button in it
            meta = {**meta, **{k: v for k, v in m.items() if k not in meta}}
            drop(ln, "metadata")
            continue
        if idx in rescued:
            rule = None
        if rule:
            drop(ln, rule[0])
            if rule[0] == "editor-credit" and (m := _metadata(text, profile, rx)):
                meta = {**meta, **{k: v for k, v in m.items() if k not in meta}}
            if rule[1] and (body or idx >= cs) and idx not in suspended:
                footer_from = (ln.no, rule[0])
            if idx in boxes:
                in_box = (ln.no, rule[0])
            continue
        if in_box and not _is_prose(text):
            drop(ln, f"{in_box[1]} (the list under line {in_box[0]}, inside the article)")
            continue
        in_box = None
        if not body and (wx := wechat().account_line.match(text)):
            # 原创 青禾小编 青禾公益 2025年01月14日 10:20: the account is the source
            meta = {**meta, "source": wx["account"], "published": wx["date"],
                    "published_time": wx["time"], "original": "1" if wx["original"] else ""}
            if wx["author"]:
                meta["author"] = wx["author"]
            art.log.append(f"line {ln.no}: WeChat account line: account {wx['account']!r} is "
                           "the source" + (f", {wx['author']!r} the author" if wx["author"]
                                           else ""))
            drop(ln, "metadata (WeChat account line)")
            continue
        if not body and not rule and p.doc_number.match(squash(text)):
            meta.setdefault("doc_number", text)  # 发文字号 between the title and the text
            drop(ln, "metadata (发文字号)")
            continue
        if (lead := _split_label(text, profile.lead_labels)) is not None and not art.lead:
            art.lead = lead
            pending = "" if lead else "lead"
            continue
        if (note := _split_label(text, profile.note_labels)) is not None and not art.editor_note:
            art.editor_note = note
            pending = "" if note else "note"
            continue
        if (len(body) < 3 or idx > ce or (idx >= ce - 1 and not _is_prose(text))) and (
            idx not in sign_off
        ) and (m := _metadata(text, profile, rx)):
            if body and "editor" in m and not _is_prose(text) \
                    and not (idx < ce and _text_after(weights, idx) >= _GOES_ON):
                footer_from = (ln.no, "editor's credit")
            late_date = late_date or bool(body and "published" in m and "published" not in meta)
            if not body and t_idx >= 0 and "published" in m and "published" not in meta \
                    and parse_date(m["published"]):
                art.log.append(f"published: line {ln.no}, the date line under the headline")
            meta = {**meta, **{k: v for k, v in m.items() if k not in meta}}
            drop(ln, "metadata")
            continue
        if idx < gap_from and strict and not _is_prose(text):
            drop(ln, "before the article text: short line without sentence punctuation "
                     "(navigation, share or link)")
            continue
        if idx > ce and not (idx in keep and _is_prose(text)):
            footer_from = (ln.no, "end of the article text")
            drop(ln, f"after the article text (the text block ends on line {lines[ce].no}; "
                     "what follows has little sentence text)")
            continue
        body.append((ln, Block(text=text) if idx in sign_off else _block(text, profile)))

    # Trailing lines after the last sentence of the article: short, unpunctuated.
    while body and body[-1][1].kind == "heading" and len(body) > 1 \
            and not _sign_off(body[-1][0].text):
        ln, _ = body.pop()
        dropped.append(Dropped(ln.no, ln.text, "trailing short line after the article"))

    art.body = [b for _, b in body]
    art.dropped = sorted(dropped, key=lambda d: d.line)
    meta = {**header_meta, **meta}
    if near_date and (late_date or "published" not in meta):
        meta["published"] = near_date
        art.log.append("published: the date line right above the headline")
    if date_at >= 0 and (anchor := parse_date(lines[date_at].text)) \
            and anchor != parse_date(meta.get("published", "")):
        meta["published"] = anchor
        art.log.append(f"published: line {lines[date_at].no}, the date line by the headline")
    if not parse_date(meta.get("published", "")):
        # No date line leads into the article: a post's line (…于2005年8月12日发表, 发表于 …)
        # inside or just under it may date it.
        for i in range(t_idx + 1, min(len(lines), max(ce, t_idx) + 8)):
            text = lines[i].text
            if i not in comments and p.follow_date.search(text) and (
                    _date_line(text) or len(text) <= 80 and parse_date(text)):
                meta["published"] = text
                art.log.append(f"published: line {lines[i].no}, the line that says when the "
                               "article was posted")
                break
    kept_comments = sum(1 for ln, b in body if len(squash(ln.text)) <= 60
                        and p.comment_marker.match(squash(ln.text)))
    if kept_comments >= 2:
        art.warnings.append(f"comment-like lines kept: {kept_comments} line(s) of the "
                            "article look like reader comments (times, reply buttons)")
    if comments:  # sentences after a comment thread that no rule names: article, maybe
        end = lines[max(comments)].no
        after = [d for d in dropped if d.line > end and _is_prose(d.text) and len(d.text) >= 20
                 # no named rule (a 网友评论 heading, a disclaimer) ended the article there
                 and d.rule.startswith(("after the article text",
                                        "footer (after the end of the article text"))]
        if len(after) >= 2:
            art.warnings.append(f"{len(after)} sentence line(s) after a reader-comment thread "
                                "were dropped as the page's end; check that the article is "
                                "whole (--explain lists them)")
    _apply_metadata(art, meta, profile, hints, site_name, lines, crumb_site)
    if "published_time" not in meta and not hints.source \
            and wechat().looks_like([ln.text for ln in lines], art.url):
        art.warnings.append("a WeChat article without its account line (原创 / author / "
                            "account / time under the headline): its source is unknown; "
                            "check the briefing's 来源")
    return art


def _apply_metadata(
    art: Article, meta: dict[str, str], profile: Profile, hints: Hints, site: str,
    lines: list[_Line], crumb_site: str = "",
) -> None:
    site = site or _site_from_copyright(lines) or crumb_site
    art.site = site
    source = meta.get("source", "") or hints.source
    source = re.split(r"\s{2,}", source)[0].strip(STRIP) if source else ""
    source = patterns().buttons.sub("", source).strip(STRIP + "|｜")
    if m := patterns().reporter.search(source):
        source = source[: m.start()].strip(STRIP)  # `江南晚报 记者 孙立`
        meta.setdefault("author", m[2].strip(STRIP))
    if source and any(source == s or source.startswith(s) for s in profile.this_site):
        art.log.append(f"source: {source!r} means this site -> {site or '(site unknown)'}")
        source = site or source
    art.source = source
    art.published = parse_date(meta.get("published", "")) or hints.published
    if (views := meta.get("views")) and (m := _DIGITS.search(views)):
        art.views = int(m[0].replace(",", ""))
    art.author = meta.get("author", "") or art.author
    art.editor = meta.get("editor", "")
    art.published_time = meta.get("published_time", "") or art.published_time
    art.original = meta.get("original") == "1" or art.original
    if art.views is not None:
        art.views_label = meta.get("views_label", "")
    _notice_record(art, meta)
    if not art.url and meta.get("url", "").startswith("http"):
        art.url = meta["url"]


def _notice_record(art: Article, meta: dict[str, str]) -> None:
    """An official document's record (索引号, 发文字号 …) from its labelled values; the
    成文日期 from the date under the signature when no label gives it, the 公开方式 from
    GB/T 9704's 附注 (（此件公开发布）) when no label does."""
    p = patterns()
    art.doc_number = squash(meta.get("doc_number", ""))
    art.index_number = meta.get("index_number", "").strip(STRIP)
    art.issuer = meta.get("issuer", "").strip(STRIP)
    art.topic = meta.get("topic", "").strip(STRIP)
    art.disclosure = meta.get("disclosure", "").strip(STRIP)
    art.written = parse_date(meta.get("written", ""))
    tail = [squash(b.text) for b in art.body[-4:]]
    for text in reversed(tail):
        if not art.disclosure and (m := p.disclosure.match(text)):
            art.disclosure = m[1]
    if art.doc_number or art.index_number or art.issuer:
        # Only for a document that carries a record: a news item's closing date is not
        # its 成文日期.
        for text in reversed(tail):
            if not art.written and p.sign_date.match(text):
                art.written = parse_date(text)


def _site_from_copyright(lines: list[_Line]) -> str:
    """`CopyRight © 2022 中国·中华慈善公益网 版权所有` -> the site's name."""
    for rx in patterns().site_owner:
        for ln in reversed(lines[-60:]):
            m = rx.search(ln.text)
            if m and _CJK.search(m[1]) and not re.search(r"[，。：:]", m[1]):
                return m[1].split("·")[-1]
    return ""
