"""The article's metadata: labelled lines (`来源:本站 热度:192 时间:2025/3/6`) read into
fields, the site's owner from its copyright line, and the fields set on the Article
(source, date, views, author, editor, an official document's record).
"""

from __future__ import annotations

import re

from ..model import Article
from ..profiles import Profile, patterns, thresholds
from .dates import DATE, parse_date
from .lines import CJK, SENTENCE_PUNCT, STRIP, Line, date_line, is_prose, squash

_DIGITS = re.compile(r"\d[\d,]*")


def label_regex(labels: dict[str, tuple[str, ...]]) -> re.Pattern[str]:
    """One pattern for every metadata label of a profile (`来源：`, `时间:` …), longest first."""
    alts = sorted({lab for labs in labels.values() for lab in labs}, key=len, reverse=True)
    body = "|".join(re.escape(a) for a in alts)
    return re.compile(rf"(?<![\u3400-\u9fff])({body})\s*[:：]\s*")


def metadata(text: str, profile: Profile, rx: re.Pattern[str]) -> dict[str, str] | None:
    """Parse a metadata line (`来源:本站 热度:192 时间:2025/3/6`) into fields, or None."""
    t = thresholds()
    text = text.strip("（）()【】[]" + STRIP)
    if len(text) > t.metadata_max or len(SENTENCE_PUNCT.findall(text)) > t.metadata_marks:
        return None
    hits = list(rx.finditer(text))
    d = DATE.search(text)
    starts_with_date = bool(d) and d.start() <= t.date_first_within \
        and len(text) <= t.date_first_max and (d.start() == 0 or date_line(text))
    if not hits and not starts_with_date:
        return {"published": d[0]} if d and date_line(text) else None
    if not hits and is_prose(text) and not date_line(text):
        return None  # a sentence that opens with its date (2020年11月18日上午，…) is text
    if len(hits) == 1 and not d and len(text) >= t.question_min \
            and is_prose(text[hits[0].end():]):
        return None  # an interview's question (记者：…，…？) is text, not a byline
    # One label in the middle of a line: only metadata if what precedes is a date.
    if hits and hits[0].start() > 0 and len(hits) < 2 and not starts_with_date \
            and not DATE.search(text[: hits[0].start()]):
        return None
    return _fields(text, hits, profile)


def _fields(text: str, hits: list[re.Match[str]], profile: Profile) -> dict[str, str] | None:
    """The labelled values of a metadata line, each field once (the first wins)."""
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
    if "published" not in out and (d := DATE.search(text)):
        out["published"] = d[0]
    return out or None


def site_from_copyright(lines: list[Line]) -> str:
    """`CopyRight © 2022 中国·中华慈善公益网 版权所有` -> the site's name."""
    for rx in patterns().site_owner:
        for ln in reversed(lines[-thresholds().copyright_tail:]):
            m = rx.search(ln.text)
            if m and CJK.search(m[1]) and not re.search(r"[，。：:]", m[1]):
                return m[1].split("·")[-1]
    return ""


def apply_metadata(art: Article, meta: dict[str, str], profile: Profile, *, site: str,
                   source: str, published: str | None) -> None:
    """Set the Article's fields from the metadata found; `source` and `published` are what
    the page's markup said, used when no line says it."""
    art.site = site
    source = meta.get("source", "") or source
    source = re.split(r"\s{2,}", source)[0].strip(STRIP) if source else ""
    source = patterns().buttons.sub("", source).strip(STRIP + "|｜")
    if m := patterns().reporter.search(source):
        source = source[: m.start()].strip(STRIP)  # `江南晚报 记者 孙立`
        meta.setdefault("author", m[2].strip(STRIP))
    if source and any(source == s or source.startswith(s) for s in profile.this_site):
        art.log.append(f"source: {source!r} means this site -> {site or '(site unknown)'}")
        source = site or source
    art.source = source
    art.published = parse_date(meta.get("published", "")) or published
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
    tail = [squash(b.text) for b in art.body[-thresholds().signature_tail:]]
    for text in reversed(tail):
        if not art.disclosure and (m := p.disclosure.match(text)):
            art.disclosure = m[1]
    if art.doc_number or art.index_number or art.issuer:
        # Only for a document that carries a record: a news item's closing date is not
        # its 成文日期.
        for text in reversed(tail):
            if not art.written and p.sign_date.match(text):
                art.written = parse_date(text)
