"""Official notices (通知, 通告, 公告, 决定, 意见, 函): GB/T 9704 layout roles.

A notice is recognised by its title word, an addressee line and a signature (the
issuing organ and the date). Its blocks then get the kinds `addressee`, `attachment`,
`attachment-item` and `signature`, which the writers set flush left, aligned and right-aligned. The
text is unchanged: only the blocks' kinds, so every output keeps every character.
"""

from __future__ import annotations

import dataclasses
import re
from functools import cache

from ..model import Article, Block


@cache
def _rules() -> dict:
    from .punctuation import rules

    raw = rules()["notice"]
    return {**raw, "addressee": re.compile(raw["addressee"]),
            "attachment": re.compile(raw["attachment"]),
            "attachment_more": re.compile(raw["attachment_more"])}


def _simplified(text: str, variant: str) -> str:
    """The layout patterns are written in Simplified characters."""
    if variant == "hans":
        return text
    from .chinese import convert_text

    return convert_text(text, "hans")


def _signature(body: list[Block], variant: str) -> int:
    """How many blocks at the end are the signature (organ lines, then a date); 0: none."""
    from ..profiles import patterns

    pats = patterns()
    last = len(body) - 1
    if last < 1 or body[last].kind != "para":
        return 0
    if not pats.sign_date.search(_simplified(body[last].text.strip(), variant)):
        return 0
    n = 1
    while n < _rules()["signature_max"] and last - n >= 0:
        b = body[last - n]
        text = _simplified(b.text.strip(), variant)
        if b.kind != "para" or len(text) > 40 or not pats.sign_org.search(text):
            break
        n += 1
    return n if n > 1 else 0


def _remark(body: list[Block], variant: str) -> int:
    """How many blocks at the end are GB/T 9704's 附注 (（此件公开发布）), under the date."""
    from ..profiles import patterns

    n = 0
    while n < len(body) and body[-1 - n].kind == "para" and patterns().disclosure.match(
            _simplified(re.sub(r"\s+", "", body[-1 - n].text), variant)):
        n += 1
    return n


def is_notice(art: Article) -> bool:
    """An official notice: its title word, an addressee line and a signature."""
    rules = _rules()
    if not art.body or not any(w in art.title for w in rules["title_words"]):
        return False
    first = art.body[0]
    if first.kind != "para" or not rules["addressee"].match(first.text.strip()):
        return False
    remark = _remark(art.body, art.variant)
    return bool(_signature(art.body[:len(art.body) - remark], art.variant))


def mark_notice(art: Article) -> Article:
    """`art` with notice roles on its blocks when it is an official notice, else as is."""
    rules = _rules()
    # The title words are listed in both scripts: no conversion for the common case.
    if not art.body or not any(w in art.title for w in rules["title_words"]):
        return art
    first = art.body[0]
    if first.kind != "para" or not rules["addressee"].match(first.text.strip()):
        return art
    remark = _remark(art.body, art.variant)  # the 附注 stays a paragraph under the date
    signed = _signature(art.body[:len(art.body) - remark], art.variant)
    if not signed:
        return art
    body = list(art.body)
    body[0] = dataclasses.replace(first, kind="addressee")
    end = len(body) - remark - signed
    for i in range(end, len(body) - remark):
        body[i] = dataclasses.replace(body[i], kind="signature")
    in_attachment = False
    for i in range(1, end):
        b = body[i]
        text = b.text.strip()
        if b.kind == "para" and rules["attachment"].match(text):
            in_attachment = True
            body[i] = dataclasses.replace(b, kind="attachment")
        elif in_attachment and b.kind == "para" and rules["attachment_more"].match(text):
            body[i] = dataclasses.replace(b, kind="attachment-item")
        else:
            in_attachment = False
    note = f"notice: GB/T 9704 layout (addressee, {signed} signature line(s))"
    return dataclasses.replace(art, body=body, log=[*art.log, note])
