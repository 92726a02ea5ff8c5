"""Simplified <-> Traditional conversion with OpenCC, on every text field.

One converter per config per process (setup costs ~25 ms, conversion is fast).
"""

from __future__ import annotations

import dataclasses
import re
from functools import cache

from ..model import TEXT_FIELDS, Article, Dropped
from ..variants import ALL

#: Views of the variants table (variants.py) as the writers read them: variant -> OpenCC
#: config; variant -> (BCP 47 language tag, Noto CJK region).
CONFIGS = {name: v.opencc for name, v in ALL.items()}
LANG = {name: (v.lang, v.region) for name, v in ALL.items()}


_CJK = re.compile(r"[\u4e00-\u9fff]")


@cache
def converter(config: str):
    import opencc

    return opencc.OpenCC(f"{config}.json")


def convert_text(text: str, variant: str) -> str:
    return converter(CONFIGS[variant]).convert(text) if text else text


def detect_variant(text: str) -> str:
    """`hant` when the page is written in Traditional characters, else `hans`."""
    sample = "".join(_CJK.findall(text))[:4000]
    if not sample:
        return "hans"
    to_simp = sum(a != b for a, b in zip(sample, convert_text(sample, "hans"), strict=False))
    to_trad = sum(a != b for a, b in zip(sample, convert_text(sample, "hant"), strict=False))
    return "hant" if to_simp > to_trad else "hans"


def convert_article(art: Article, variant: str) -> Article:
    """Every text field of `art` in `variant` (dropped lines too, for --explain)."""

    def c(text: str) -> str:
        return convert_text(text, variant)

    body = [
        dataclasses.replace(b, text=c(b.text), lead_in=c(b.lead_in), caption=c(b.caption))
        for b in art.body
    ]
    # Converting a run-in separately must give the same prefix as converting the whole
    # paragraph (phrase conversion can look across the boundary): re-derive it.
    body = [
        b if b.text.startswith(b.lead_in) else dataclasses.replace(b, lead_in="")
        for b in body
    ]
    return dataclasses.replace(
        art,
        **{name: c(getattr(art, name)) for name in TEXT_FIELDS},
        keywords=[c(k) for k in art.keywords],
        body=body,
        dropped=[Dropped(d.line, c(d.text), d.rule) for d in art.dropped],
        variant=variant,
        log=[*art.log, f"script: converted with OpenCC {CONFIGS[variant]}"],
    )
