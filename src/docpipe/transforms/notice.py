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

NOTICE_KINDS = ("addressee", "attachment", "attachment-item", "signature")


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


def mark_notice(art: Article) -> Article:
    """`art` with notice roles on its blocks when it is an official notice, else as is."""
    rules = _rules()
    # The title words are listed in both scripts: no conversion for the common case.
    if not art.body or not any(w in art.title for w in rules["title_words"]):
        return art
    first = art.body[0]
    if first.kind != "para" or not rules["addressee"].match(first.text.strip()):
        return art
    signed = _signature(art.body, art.variant)
    if not signed:
        return art
    body = list(art.body)
    body[0] = dataclasses.replace(first, kind="addressee")
    end = len(body) - signed
    for i in range(end, len(body)):
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
