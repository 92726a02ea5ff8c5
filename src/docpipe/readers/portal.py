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
from ..profiles import Profile

STRIP = " \t\u00a0\u3000\u2002\u2003\u2009\u200b\ufeff"
SENTENCE_END = "。！？!?；;…"
_SENTENCE_PUNCT = re.compile(r"[。！？!?；;…]")
_ANY_PUNCT = re.compile(r"[，,。！？!?；;：:、…“”\"]")
_DATE = re.compile(
    r"(?<!\d)((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})(?!\d)\s*日?"
)
_DIGITS = re.compile(r"\d[\d,]*")
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


@dataclass
class _Line:
    no: int  # 1-based line number in the page, blank lines counted
    text: str


@dataclass
class _State:
    art: Article
    dropped: list[Dropped] = field(default_factory=list)


def clean(line: str) -> str:
    return line.strip(STRIP)


def squash(text: str) -> str:
    """Whitespace-free form for comparing lines (title vs breadcrumb, hints)."""
    return re.sub(r"[\s\u00a0\u3000]+", "", text)


def parse_date(text: str) -> str | None:
    m = _DATE.search(text)
    if not m:
        return None
    try:
        return date(int(m[1]), int(m[2]), int(m[3])).isoformat()
    except ValueError:
        return None


def _label_regex(labels: dict[str, tuple[str, ...]]) -> re.Pattern[str]:
    alts = sorted({lab for labs in labels.values() for lab in labs}, key=len, reverse=True)
    body = "|".join(re.escape(a) for a in alts)
    return re.compile(rf"(?<![\u3400-\u9fff])({body})\s*[:：]\s*")


def _metadata(text: str, profile: Profile, rx: re.Pattern[str]) -> dict[str, str] | None:
    """Parse a metadata line (`来源:本站 热度:192 时间:2025/3/6`) into fields, or None."""
    if len(text) > 160 or len(_SENTENCE_PUNCT.findall(text)) > 1:
        return None
    hits = list(rx.finditer(text))
    starts_with_date = bool(_DATE.match(text)) and len(text) <= 80
    if not hits and not starts_with_date:
        return None
    if hits and hits[0].start() > 0 and len(hits) < 2 and not starts_with_date:
        # One label in the middle of a line: only metadata if what precedes is a date.
        if not _DATE.search(text[: hits[0].start()]):
            return None
    field_of = {lab: f for f, labs in profile.labels.items() for lab in labs}
    out: dict[str, str] = {}
    for i, m in enumerate(hits):
        end = hits[i + 1].start() if i + 1 < len(hits) else len(text)
        value = text[m.end():end].strip(STRIP + "|｜/丨")
        name = field_of.get(m[1], "")
        if name and value and name not in out:
            out[name] = value
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
    for rule in profile.drops:
        if rule.before and in_body:
            continue
        if rule.hits(text):
            return rule.rule, rule.ends_body
    return None


def _breadcrumb_parts(text: str, profile: Profile) -> list[str]:
    body = re.sub(r"^[^:：]{0,12}[:：]", "", text, count=1)
    seps = "|".join(re.escape(s) for s in profile.breadcrumb_separators if s.strip())
    parts = [p.strip(STRIP) for p in re.split(rf"\s*(?:{seps})\s*", body)] if seps else [body]
    return [p for p in parts if p]


def _is_title_like(text: str) -> bool:
    return 4 <= len(text) <= 100 and not text.endswith(tuple(SENTENCE_END + "，,：:"))


def _block(text: str, profile: Profile) -> Block:
    if profile.point and (m := profile.point.match(text)) and len(m[1]) < len(text):
        return Block(text=text, kind="point", lead_in=m[1])
    if (
        len(text) <= profile.heading_max
        and not _SENTENCE_PUNCT.search(text)
        and (profile.heading is None or profile.heading.match(text) or len(text) <= 20)
    ):
        return Block(text=text, kind="heading")
    return Block(text=text)


def _find_title(lines: list[_Line], profile: Profile, hints: Hints, rx) -> tuple[int, str]:
    """Index of the title line in `lines` (-1 if none) and the evidence that chose it."""
    if hints.title:
        want = squash(hints.title)
        for i, ln in enumerate(lines[:200]):
            s = squash(ln.text)
            if s == want or (len(s) >= 6 and (s in want or want in s) and len(s) <= 2 * len(want)):
                return i, "title given by the page's metadata"
    for i, ln in enumerate(lines[:60]):
        rule = _rule_for(ln.text, profile, in_body=False)
        if rule and rule[0] == "breadcrumb":
            parts = _breadcrumb_parts(ln.text, profile)
            last = squash(parts[-1]).rstrip(".…") if parts else ""
            if len(last) >= 4:
                for j in range(i + 1, min(i + 30, len(lines))):
                    s = squash(lines[j].text)
                    if s == last or (s.startswith(last) and len(last) >= 8):
                        return j, f"matches the breadcrumb on line {ln.no}"
    for i, ln in enumerate(lines[:80]):
        if _metadata(ln.text, profile, rx) and not (
            i and _rule_for(ln.text, profile, in_body=False)
        ):
            for j in range(i - 1, max(-1, i - 4), -1):
                cand = lines[j].text
                if _is_title_like(cand) and not _rule_for(cand, profile, in_body=False) \
                        and not _metadata(cand, profile, rx):
                    return j, f"the headline above the metadata line {ln.no}"
            break
    return -1, ""


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

    def drop(ln: _Line, rule: str) -> None:
        dropped.append(Dropped(ln.no, ln.text, rule))

    t_idx, why = _find_title(lines, profile, hints, rx)
    if t_idx >= 0:
        art.title = lines[t_idx].text
        art.log.append(f"title: line {lines[t_idx].no}, {why}")
    elif hints.title:
        art.title = hints.title
        art.log.append("title: from the page's metadata")
    if not hints.title_in_lines and t_idx < 0:
        t_idx = -1  # the lines are all article: nothing is header
    site_name = profile.site_name or hints.site

    # Header zone: everything above the title.
    for ln in lines[: max(t_idx, 0)]:
        rule = _rule_for(ln.text, profile, in_body=False)
        if rule and rule[0] == "breadcrumb" and not site_name:
            parts = _breadcrumb_parts(ln.text, profile)
            if parts and parts[0] not in profile.generic_roots and len(parts) > 1:
                site_name = parts[0]
        m = _metadata(ln.text, profile, rx)
        if m and not rule:
            meta = {**m, **meta}
            drop(ln, "metadata")
            continue
        drop(ln, rule[0] if rule else "site-header (above the title)")

    # After the title: metadata, lead and editor's note, then the body, then the footer.
    body: list[tuple[_Line, Block]] = []
    footer_from: tuple[int, str] | None = None
    pending: str = ""  # "lead" / "note": a label whose text is in the next paragraph
    for ln in lines[t_idx + 1:]:
        text = ln.text
        if footer_from:
            rule = _rule_for(text, profile, in_body=True)
            drop(ln, rule[0] if rule else f"footer (after the {footer_from[1]} on line {footer_from[0]})")
            continue
        if pending:
            if pending == "lead":
                art.lead = text
            else:
                art.editor_note = text
            pending = ""
            continue
        rule = _rule_for(text, profile, in_body=bool(body))
        if rule:
            drop(ln, rule[0])
            if rule[1]:
                footer_from = (ln.no, rule[0])
            continue
        if (lead := _split_label(text, profile.lead_labels)) is not None and not art.lead:
            art.lead = lead
            pending = "" if lead else "lead"
            continue
        if (note := _split_label(text, profile.note_labels)) is not None and not art.editor_note:
            art.editor_note = note
            pending = "" if note else "note"
            continue
        if len(body) < 3 and (m := _metadata(text, profile, rx)):
            meta = {**meta, **{k: v for k, v in m.items() if k not in meta}}
            drop(ln, "metadata")
            continue
        body.append((ln, _block(text, profile)))

    # Trailing lines after the last sentence of the article: short, unpunctuated.
    while body and body[-1][1].kind == "heading" and len(body) > 1:
        ln, _ = body.pop()
        dropped.append(Dropped(ln.no, ln.text, "trailing short line after the article"))

    art.body = [b for _, b in body]
    art.dropped = sorted(dropped, key=lambda d: d.line)
    _apply_metadata(art, meta, profile, hints, site_name, lines)
    return art


def _apply_metadata(
    art: Article, meta: dict[str, str], profile: Profile, hints: Hints, site: str,
    lines: list[_Line],
) -> None:
    if not site:
        site = _site_from_copyright(lines, profile)
    art.site = site
    source = meta.get("source", "") or hints.source
    source = re.split(r"\s{2,}", source)[0].strip(STRIP) if source else ""
    if source and any(source == s or source.startswith(s) for s in profile.this_site):
        art.log.append(f"source: {source!r} means this site -> {site or '(site unknown)'}")
        source = site or source
    art.source = source
    art.published = parse_date(meta.get("published", "")) or hints.published
    if (views := meta.get("views")) and (m := _DIGITS.search(views)):
        art.views = int(m[0].replace(",", ""))
    art.author = meta.get("author", "") or art.author
    art.editor = meta.get("editor", "")
    if not art.url and meta.get("url", "").startswith("http"):
        art.url = meta["url"]


def _site_from_copyright(lines: list[_Line], profile: Profile) -> str:
    """`CopyRight © 2022 中国·中华慈善公益网 版权所有` -> the site's name."""
    for ln in reversed(lines[-40:]):
        m = re.search(
            r"(?i)(?:copyright|©|\(c\))[\s©\d\-–,]*([^\s©]{2,30}?)\s*(?:版权所有|all rights)",
            ln.text,
        )
        if m and _CJK.search(m[1]):
            return m[1].split("·")[-1]
    return ""
