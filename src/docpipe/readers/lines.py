"""What one line of a page is, judged alone: sentence text, a headline, a date line, a
notice's sign-off, a line a boilerplate rule names, a labelled lead or editor's note.

Both readers and the site-template learning (learn.py) ask these questions; the
vocabulary is `rules/generic.toml` ([[drop]], [patterns]) and the numbers its
[thresholds], read through profiles.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..model import Block
from ..profiles import Profile, evidence, patterns, thresholds
from ..transforms.sentences import ENDS
from .dates import DATE

STRIP = " \t\u00a0\u3000\u2002\u2003\u2009\u200b\ufeff"
SENTENCE_PUNCT = re.compile(f"[{re.escape(ENDS)}]")
ANY_PUNCT = re.compile(f"[，,：:、“”\"{re.escape(ENDS)}]")  # sentence marks and the others
DASH_START = re.compile(r"^(——|—|--|－－)")
CJK = re.compile(r"[\u3400-\u9fff]")

#: What a boilerplate rule says of a line: its name, and whether the article ends there.
Hit = tuple[str, bool] | None


@dataclass
class Line:
    no: int  # 1-based line number in the page, blank lines counted
    text: str


def clean(line: str) -> str:
    return line.strip(STRIP)


def squash(text: str) -> str:
    """Whitespace-free form for comparing lines (title vs breadcrumb, hints)."""
    return re.sub(r"[\s\u00a0\u3000]+", "", text)


def is_prose(text: str) -> bool:
    """Sentence text: what article paragraphs are made of (and menus, headlines are not)."""
    t = thresholds()
    s = squash(text)
    n = len(s)
    if not n:
        return False
    if "。" in s or "；" in s or (n >= t.prose_comma_end and s[-1] in "，,、；;") \
            or (n >= t.prose_colon_end and s[-1] in "：:"):
        return True
    commas = sum(s.count(c) for c in "，,、")
    marks = len(SENTENCE_PUNCT.findall(s))
    return bool(commas and n >= t.prose_one_comma or commas >= 2 and n >= t.prose_two_commas
                or marks and n >= t.prose_one_mark)


def date_line(text: str) -> bool:
    """A short line that states a date and little else (`2019-09-07 13:43 来源: 某报`)."""
    t = thresholds()
    m = DATE.search(text)
    if not m or len(text) > t.date_line_max or "。" in text or "，" in text:
        return False
    rest = text[: m.start()] + text[m.end():]
    return len(CJK.findall(rest)) <= t.date_line_other_cjk


def is_title_like(text: str) -> bool:
    """Could be a headline: never a sentence, a date, a web address, a clock time or bare
    numbers, or a row of menu words (`[patterns] not_headline`)."""
    t = thresholds()
    return t.headline_min <= len(text) <= t.headline_max \
        and not text.endswith(("。", "；", ";", "，", ",", "：", ":")) \
        and not date_line(text) and not patterns().not_headline.search(text)


def sign_off(text: str) -> bool:
    """An attachment line, an issuing body's name or the date under a notice."""
    t = thresholds()
    s, p = squash(text), patterns()
    if p.attachment.match(s) and len(s) <= t.attachment_max:
        return True
    if p.sign_date.match(s) or p.end_mark.match(s) or p.disclosure.match(s):
        return True
    return len(s) <= t.sign_org_max and bool(p.sign_org.search(s)) and not ANY_PUNCT.search(s)


def rule_for(text: str, profile: Profile, in_body: bool) -> Hit:
    """The first boilerplate rule of the profile that names this line (rules marked
    `before` only until the article's body has begun)."""
    # A short letter-spaced line (郑 重 声 明, 相 关 阅 读) is matched without its spaces too.
    spaced = len(text) <= thresholds().spaced_max and " " in text.strip()
    forms = (text, squash(text)) if spaced else (text,)
    for rule in profile.drops:
        if rule.before and in_body:
            continue
        if any(rule.hits(t) for t in forms):
            return rule.rule, rule.ends_body
    return None


def split_label(text: str, labels: tuple[str, ...]) -> str | None:
    """`编者按:xxx` / `【编者按】xxx` -> `xxx` ("" when the text is in the next paragraph)."""
    for lab in sorted(labels, key=len, reverse=True):
        e = re.escape(lab)
        m = re.match(rf"^(?:[【\[]\s*{e}\s*[】\]]\s*[:：]?|{e}\s*[:：]|{e}$)\s*", text)
        if m:
            return text[m.end():].strip(STRIP)
    return None


def breadcrumb_parts(text: str, profile: Profile) -> list[str]:
    """`当前位置：首页 > 新闻 > 正文` -> its segments."""
    body = re.sub(r"^[^:：]{0,12}[:：]", "", text, count=1)
    seps = "|".join(re.escape(s) for s in profile.breadcrumb_separators if s.strip())
    parts = [p.strip(STRIP) for p in re.split(rf"\s*(?:{seps})\s*", body)] if seps else [body]
    return [p for p in parts if p]


def block(text: str, profile: Profile) -> Block:
    """The body block a kept line becomes: a caption, a run-in point, a heading or a
    paragraph."""
    if sign_off(text):
        return Block(text=text)
    if len(text) <= evidence().caption_max and patterns().caption.search(text):
        return Block(text=text, kind="caption")  # a photo's caption (…。记者 孙悦 摄)
    if profile.point and (m := profile.point.match(text)) and len(m[1]) < len(text):
        return Block(text=text, kind="point", lead_in=m[1])
    if (
        len(text) <= profile.heading_max
        and not SENTENCE_PUNCT.search(text)
        and not text.endswith(("：", ":", "，", ",", "、"))
        and (profile.heading is None or profile.heading.match(text)
             or len(text) <= thresholds().heading_short)
    ):
        return Block(text=text, kind="heading")
    return Block(text=text)
