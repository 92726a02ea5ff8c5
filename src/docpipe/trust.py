"""What docpipe is unsure of in an Article, as warnings a user reads before forwarding it.

A wrong briefing with exit 0 is the worst outcome: a briefing without a headline, a body
of one sentence, a last paragraph that stops mid-sentence or lines dropped only because
they recur on the site's other pages are all said, on stderr, in the JSON and in the
pack's manifest (`--strict` fails such pages). Readers may add their own warnings
(comment-like lines kept, extractors that disagree); these are added once, here.
"""

from __future__ import annotations

import re

from .model import Article
from .transforms.sentences import CLOSERS, ENDS, split

# What a last paragraph may end with: a sentence's end, an ASCII full stop, a closing
# quote or bracket.
_ENDS = ENDS + "." + CLOSERS


#: A citation of where an article first appeared: a citing word, then the title.
_CITED = re.compile(r"(摘自|选自|選自|转自|轉自|转载自|轉載自|原载|原載|刊于|刊於|刊登于|刊登於|出自"
                    r"|来源|來源)[：:]?\s*《[^》]+》")


def _closing_line(text: str) -> bool:
    """A line that ends an article without a full stop: a citation of where it first
    appeared (摘自《…》2000年第09期) or a date under it. A sentence that merely names a
    paper (据《人民日报》报道，…) is not one."""
    from .readers.dates import parse_date

    return (len(text) <= 80 and bool(_CITED.search(text))) or bool(parse_date(text[-16:]))


def assess(art: Article) -> Article:
    found: list[str] = []
    if not art.title.strip():
        found.append("no headline found: the briefing has no title")
    if not art.published:
        found.append("no date found on the page")
    prose = [b.text for b in art.body if b.kind in ("para", "point")]
    sentences = sum(len(split(t)) for t in prose)
    if sentences < 2 and not art.editor_note and not art.lead:
        found.append(f"short article: {sentences} sentence(s) of body text; check that the "
                     "page holds the whole article")
    learnt = sum(1 for d in art.dropped if d.rule.startswith("site template"))
    if learnt:
        found.append(f"learning dropped {learnt} line(s) that recur on this site's other "
                     "pages in this run (--explain lists them)")
    if prose and len(last := prose[-1].rstrip()) >= 30 and last[-1] not in _ENDS \
            and not _closing_line(last):
        found.append(f"text looks cut off: the last paragraph ends mid-sentence (…{last[-12:]})")
    art.warnings = list(dict.fromkeys([*art.warnings, *found]))
    return art
