"""Chinese sentence splitting: after 。！？；… keeping closing quotes and brackets."""

from __future__ import annotations

import re

_SPLIT = re.compile(r"(.+?(?:[。！？!?；;]+|…{1,2}|\.{3,6})[”’」』）)\]】》\"']*)")


def split(text: str) -> list[str]:
    """Sentences of `text`, each keeping its end punctuation and closing quote."""
    out: list[str] = []
    pos = 0
    for m in _SPLIT.finditer(text):
        out.append(m[1].strip())
        pos = m.end()
    tail = text[pos:].strip()
    if tail:
        out.append(tail)
    return [s for s in out if s]
