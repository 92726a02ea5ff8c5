"""Chinese sentence splitting: after 。！？；… keeping closing quotes and brackets."""

from __future__ import annotations

import re

#: The marks that end a sentence: 。！？；… and the ASCII ones. Every module that asks
#: "does this end a sentence?" reads them here.
ENDS = "。！？!?；;…"
#: The marks that end a statement outright (no ；, no …): a summary's sentences, a line
#: that cannot be a site's template.
FULL_STOPS = "。！？!?"
#: Closing quotes and brackets: they stay with the sentence they end.
CLOSERS = "”’」』）)】》\"'"

# A sentence end (a run of marks, an ellipsis, ASCII dots, and ASCII ] closes one here
# too) and the closing quotes/brackets after it.
_MARKS = re.escape(ENDS.replace("…", ""))
_END = re.compile(rf"(?:[{_MARKS}]+|…{{1,2}}|\.{{3,6}})[{re.escape(CLOSERS)}\]]*")


def split(text: str) -> list[str]:
    """Sentences of `text`, each keeping its end punctuation and closing quote.

    Linear time: a one-megabyte line with no sentence end must not take minutes (a lazy
    `.+?` regex over such a line is quadratic). A sentence never spans a newline; text
    after the last sentence end is the final sentence."""
    out: list[str] = []
    last = 0  # where the text after the last sentence starts
    offset = 0
    for line in text.split("\n"):
        pos = 0
        while (m := _END.search(line, pos + 1)) is not None:
            out.append(line[pos:m.end()].strip())
            pos = m.end()
            last = offset + pos
        offset += len(line) + 1
    tail = text[last:].strip()
    if tail:
        out.append(tail)
    return [s for s in out if s]


def spans(text: str) -> list[str]:
    """`text` cut after each sentence end (closing quotes kept), nothing stripped: the
    pieces join to `text` exactly (the briefing marks some of them)."""
    out: list[str] = []
    pos = 0
    for m in _END.finditer(text):
        if m.end() > pos and text[pos:m.end()].strip():
            out.append(text[pos:m.end()])
            pos = m.end()
    if pos < len(text):
        if out and not text[pos:].strip():
            out[-1] += text[pos:]
        else:
            out.append(text[pos:])
    return out
