"""Regional typography: corner quotes for Traditional Chinese, full-width marks between
Chinese characters. The vocabulary is data (data/typography.toml); this applies it.

A pure `Article -> Article` step that counts what it changed, for the log and --explain.
`--punct keep` skips it.
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
from collections import Counter
from functools import cache
from pathlib import Path

from ..model import Article

DATA = Path(__file__).parent / "data" / "typography.toml"

# Chinese characters (and the full-width marks that sit among them) on either side.
_HAN = r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]"
# A Chinese character or a closing mark after one (《意见》,从 -> 《意见》，从).
_HAN_OR_CLOSE = r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f》」』”’）】〉]"
_HAN_OR_MARK = r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f\u3001-\u3011\uff01-\uff1f“”‘’「」『』]"


@cache
def rules() -> dict:
    return tomllib.loads(DATA.read_text(encoding="utf-8"))


@cache
def _half_width() -> tuple[re.Pattern[str], dict[str, str], re.Pattern[str]]:
    hw = rules()["half_width"]
    marks = "".join(re.escape(k) for k in hw["map"])
    # A mark after a Chinese character and before one (spaces after the mark allowed).
    between = re.compile(rf"(?<={_HAN_OR_CLOSE})([{marks}])[ \t]*(?={_HAN_OR_MARK})")
    n = int(hw.get("bracket_max", 40))
    bracket = re.compile(
        rf"(?:(?<={_HAN_OR_MARK})\(([^()\n]{{1,{n}}})\)|\(((?:{_HAN})[^()\n]{{0,{n - 1}}})\))")
    return between, dict(hw["map"]), bracket


@cache
def _quote_pairs() -> list[re.Pattern[str]]:
    """Paired quotes only: a lone ’ (an English apostrophe) is left as it is."""
    keys = list(rules()["quotes"]["map"])  # open, close, open, close
    return [re.compile(f"({re.escape(o)})([^{o}{c}\\n]*)({re.escape(c)})")
            for o, c in zip(keys[::2], keys[1::2], strict=True)]


def fix_text(text: str, variant: str, counts: Counter | None = None) -> str:
    """`text` with regional punctuation; `counts` (if given) adds what changed."""
    if not text:
        return text
    counts = counts if counts is not None else Counter()
    between, marks, bracket = _half_width()

    def full(m: re.Match[str]) -> str:
        counts["half-width"] += 1
        return marks[m[1]]

    text = between.sub(full, text)

    def brackets(m: re.Match[str]) -> str:
        counts["brackets"] += 1
        return f"（{m[1] if m[1] is not None else m[2]}）"

    text = bracket.sub(brackets, text)
    q = rules()["quotes"]
    if variant in q["variants"]:
        for pair in _quote_pairs():
            text, n = pair.subn(lambda m: q["map"][m[1]] + m[2] + q["map"][m[3]], text)
            counts["quotes"] += n
    return text


def fix_article(art: Article) -> Article:
    """Every text field of `art` (not its URL, nor the dropped lines) with regional
    punctuation, and one log line counting the changes."""
    counts: Counter = Counter()
    v = art.variant

    def f(text: str) -> str:
        return fix_text(text, v, counts)

    body = []
    for b in art.body:
        text = f(b.text)
        lead_in = f(b.lead_in)
        if lead_in and not text.startswith(lead_in):
            lead_in = ""
        body.append(dataclasses.replace(b, text=text, lead_in=lead_in, caption=f(b.caption)))
    out = dataclasses.replace(
        art, title=f(art.title), site=f(art.site), source=f(art.source), author=f(art.author),
        editor=f(art.editor), lead=f(art.lead), editor_note=f(art.editor_note),
        summary=f(art.summary), keywords=[f(k) for k in art.keywords], body=body)
    total = sum(counts.values())
    detail = ", ".join(f"{n} {what}" for what, n in sorted(counts.items()))
    note = f"punctuation: {total} change(s)" + (f" ({detail})" if detail else "")
    return dataclasses.replace(out, log=[*out.log, note])
