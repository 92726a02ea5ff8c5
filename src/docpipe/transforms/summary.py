"""Extractive summary of the editor's note (falls back to the lead, then the body).

Whole sentences of the source, in their original order, chosen by how many of
the article's keywords they carry, with a small bonus for the opening sentence
(Chinese editor's notes usually state the point first).
"""

from __future__ import annotations

import dataclasses
import re
from functools import cache

from ..model import Article
from . import sentences

_ENDS = re.compile(f"[{re.escape(sentences.FULL_STOPS)}]")

DEFAULT_SENTENCES = 2
DEFAULT_MAX_CHARS = 120


@cache
def _strip_patterns() -> tuple[re.Pattern[str], ...]:
    """Datelines, bylines and end marks (data/typography.toml [summary] strip)."""
    from .punctuation import rules

    return tuple(re.compile(p) for p in rules()["summary"]["strip"])


def clean_sentence(sentence: str) -> str:
    """`sentence` without its agency dateline, byline or （完）: not the summary's content."""
    for pattern in _strip_patterns():
        sentence = pattern.sub("", sentence)
    return sentence.strip()


def _score(sentence: str, index: int, weights: dict[str, float]) -> float:
    hits = sum(w for word, w in weights.items() if word in sentence)
    return hits / max(len(sentence), 20) ** 0.5 + (0.15 if index == 0 else 0.0)


def summarise(
    text: str,
    weights: dict[str, float],
    n: int = DEFAULT_SENTENCES,
    max_chars: int = DEFAULT_MAX_CHARS,
) -> str:
    """At most `n` whole sentences of `text`, at most `max_chars`, shorter than `text`."""
    sents = [c for c in (clean_sentence(s) for s in sentences.split(text)) if c]
    if len(sents) <= 1:
        return ""
    ranked = sorted(range(len(sents)), key=lambda i: -_score(sents[i], i, weights))
    chosen: list[int] = []
    total = 0
    for i in ranked:
        if len(chosen) >= n:
            break
        if total + len(sents[i]) <= max_chars:
            chosen.append(i)
            total += len(sents[i])
    if not chosen:  # every sentence is long: the best one still beats nothing
        chosen = [ranked[0]]
    result = "".join(sents[i] for i in sorted(chosen))
    return result if len(result) < len(text) else ""


@cache
def _notice_rules() -> tuple[str, re.Pattern[str], re.Pattern[str]]:
    from .punctuation import rules

    raw = rules()["summary"]
    return raw["notice_points"], re.compile(raw["notice_item"]), re.compile(raw["notice_formula"])


def notice_summary(art: Article, n: int, max_chars: int) -> str:
    """What a notice is for and what it orders: the sentences before its first numbered
    item (its purpose and decision; a bare 现将有关事项通知如下 left out), then the headings
    of its first-level items (一、…) after 要点：. Whole sentences and whole headings, in
    order, never one item's text; "" when the notice has neither."""
    points, item, formula = _notice_rules()
    preamble: list[str] = []
    heads: list[str] = []
    for b in art.body[1:]:  # after the addressee
        if b.kind == "heading" or item.match(b.text):
            if item.match(b.text):
                heads.append(item.sub("", b.text).rstrip("。；;，,：: "))
            continue
        if not heads and b.kind in ("para", "point"):
            preamble += [c for s in sentences.split(b.text)
                         if (c := clean_sentence(s)) and not formula.match(c)]
    text = "".join(preamble[:n])
    if len(text) > max_chars and len(preamble) > 1:
        text = preamble[0]
    if heads:
        text += points + "；".join(heads) + "。"
    return text


def add_summary(
    art: Article,
    weights: dict[str, float],
    n: int = DEFAULT_SENTENCES,
    max_chars: int = DEFAULT_MAX_CHARS,
) -> Article:
    from .notice import is_notice

    if not art.editor_note and is_notice(art) and (text := notice_summary(art, n, max_chars)):
        note = ("summary: the notice's purpose (the sentences before its first item) and "
                f"the headings of its items: {len(text)} characters")
        return dataclasses.replace(art, summary=text, log=[*art.log, note])
    # Paragraphs apart (a sentence never runs from one into the next: a list number that
    # opens a paragraph opens its sentence, and is left out by clean_sentence).
    sources = [("editor's note", art.editor_note), ("lead", art.lead),
               ("body", "\n".join(b.text for b in art.body if b.kind in ("para", "point")
                                  and _ENDS.search(b.text)))]  # not salutations (各单位：)
    why: list[str] = []
    for name, text in sources:
        summary = summarise(text, weights, n, max_chars) if text else ""
        if summary:
            because = f", because {' and '.join(why)}" if why else ""
            note = (f"summary: from the {name}{because}: "
                    f"{len(sentences.split(summary))} sentence(s), "
                    f"{len(summary)} of {len(text)} characters")
            return dataclasses.replace(art, summary=summary, log=[*art.log, note])
        why.append(f"the {name} is absent" if not text
                   else f"the {name} is too short ({len(sentences.split(text))} sentence(s))")
    return dataclasses.replace(art, log=[*art.log, "summary: no text to summarise "
                                         f"({'; '.join(why)})"])
