"""The extractors' vote on a saved page's lines (issue 21).

Three readings of which visible lines are the article: trafilatura's container,
readability-lxml's (the second voter) and docpipe's own line classifier over the whole
page. Where they agree, docpipe acts; where they disagree, generic evidence decides, and
when none decides for article text, docpipe keeps the text and says so (a warning):

- a line that trafilatura's container or the classifier keeps and readability-lxml leaves
  out is dropped when the markup says it points elsewhere (mostly link text), sits in a
  block whose class or id words say related/recommend/promo/share/tag/comment… (words
  the article's own lines do not carry), or, without sentence text, stands before or
  after readability-lxml's article;
- whatever readability-lxml says, a line that is all link text and no sentence is a
  headline of another page (or a menu), not the article's;
- a sentence line that readability-lxml keeps and trafilatura's container misses is
  added when it stands inside that container's span, or the classifier reads it as
  article text too, and nothing marks it as boilerplate;
- a sentence line that both libraries keep is never cut off by the classifier's idea of
  where the article ends (a related-links box in the middle of an article).

The vocabulary and thresholds are data: `[evidence]` in rules/generic.toml, beside the
boilerplate vocabulary both readers share. readability-lxml is imported here, on use.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..model import Article
from ..profiles import Profile, evidence, thresholds
from .fields import label_regex, metadata
from .lines import date_line, is_prose, rule_for, sign_off, squash


@dataclass
class Vote:
    """The outcome, in indices of the page's visible lines."""

    counted: bool = False  # readability-lxml's reading agreed enough to be a voter
    drop: dict[int, str] = field(default_factory=dict)  # line -> evidence
    add: list[int] = field(default_factory=list)  # sentence lines only readability kept
    keep: set[int] = field(default_factory=set)  # sentence lines both libraries keep
    second: set[int] = field(default_factory=set)  # readability-lxml's lines
    log: list[str] = field(default_factory=list)


def second_reading(tree, url: str = "") -> tuple[list[str] | None, str]:
    """(readability-lxml's article as lines, "") or (None, why it failed on the page). It
    gets a copy of docpipe's own tree, forms turned into plain containers (as trafilatura)."""
    import copy

    from readability import Document

    from .markup import parse_html, visible_lines

    doc = copy.deepcopy(tree)
    for form in doc.iter("form"):
        form.tag = "div"
    try:
        summary = Document(doc, url=url or None).summary(html_partial=True)
    except Exception as exc:  # the library's failures are not a documented hierarchy
        return None, f"{type(exc).__name__}: {exc}"[:200]
    return (visible_lines(parse_html(summary)) if summary else []), ""


def _prose(lines: list[str], idx) -> int:
    return sum(len(squash(lines[i])) for i in idx if is_prose(lines[i]))


def vote(lines: list[str], info: list, first: list[int], second: list[int], page: Article,
         comments: set[int], title: str, profile: Profile) -> Vote:
    """Weigh trafilatura's container (`first`, widened by the classifier), readability-lxml's
    (`second`) and the classifier's reading of the whole page (`page`)."""
    ev, t = evidence(), thresholds()
    out = Vote(second=set(second))
    T, R = set(first) - comments, set(second) - comments
    keys = {squash(b.text) for b in page.body if b.kind != "image"}
    C = {i for i, x in enumerate(lines) if squash(x) in keys} - comments
    base = T | C
    rx = label_regex(profile.labels)
    want = squash(title)

    def protected(i: int) -> bool:
        text = lines[i]
        s = squash(text)
        return bool(want) and (s == want or len(s) >= t.vote_title_part_min and s in want) \
            or date_line(text) or bool(metadata(text, profile, rx)) or sign_off(text)

    # Whatever the second voter says: a line that is all link text and no sentence, set
    # between the article's paragraphs, is a headline of another article (or a menu).
    for i in sorted(base):
        text = lines[i]
        if info[i].link_density(text) >= ev.headline_link_density and not is_prose(text) \
                and len(squash(text)) >= t.link_headline_min and not protected(i):
            out.drop[i] = "all link text and no sentence: a headline of another page"
    p_r, p_base = _prose(lines, R), min(x for x in (_prose(lines, T), _prose(lines, C)) if x) \
        if _prose(lines, T) or _prose(lines, C) else 0
    if not R or not p_r or _prose(lines, R & base) < ev.agreement * p_r \
            or p_r < ev.coverage * p_base:
        out.log.append(f"extraction: readability-lxml's reading ({len(R)} line(s), {p_r} "
                       f"characters of sentence text) is not where the others read the "
                       "article: not counted")
        _log_drops(out)
        return out
    out.counted = True
    first_r, last_r = min(R), max(R)
    # Class/id words the article's own lines carry are no evidence against a line.
    own_words = {w for i in R for w in ev.boilerplate_classes.findall(info[i].words)}

    def against(i: int) -> str:
        text = lines[i]
        density = info[i].link_density(text)
        if density >= ev.link_density and len(squash(text)) >= 2:
            return f"a link ({density:.0%} of its characters link text): it points elsewhere"
        words = [w for w in ev.boilerplate_classes.findall(info[i].words) if w not in own_words]
        if words:
            return f"in a block marked {words[-1]!r} (class/id), outside the article's block"
        if not is_prose(text) and (i < first_r or i > last_r) and i not in C:
            where = "before" if i < first_r else "after"
            return f"no sentence text, {where} readability-lxml's article"
        return ""

    for i in sorted(base - R - set(out.drop)):
        if not protected(i) and (why := against(i)):
            out.drop[i] = why
    if T:
        lo, hi = min(T), max(T)
        for i in sorted(R - T):
            text = lines[i]
            if is_prose(text) and (i in C or lo < i < hi) and not against(i) \
                    and not rule_for(text, profile, in_body=True):
                out.add.append(i)
    out.keep = {i for i in (T & R) | set(out.add) if is_prose(lines[i])}
    _log_drops(out)
    if out.add:
        out.log.append(f"extraction: {len(out.add)} sentence line(s) that trafilatura's "
                       "container misses kept: readability-lxml reads them as article text")
    return out


def _log_drops(out: Vote) -> None:
    if out.drop:
        out.log.append(f"extraction: {len(out.drop)} line(s) dropped on the markup's evidence "
                       "(link text, related/share blocks, no sentence text outside "
                       "readability-lxml's article); --explain lists them")


def doubts(art: Article, lines: list[str], result: Vote, kept: list[int]) -> list[str]:
    """Where the article's own text is in doubt after the vote: sentence text that one
    library keeps and the other leaves out, with no evidence either way."""
    if not result.counted:
        return []
    ev = evidence()
    body = {squash(b.text) for b in art.body if b.kind != "image"}
    in_art = {i for i in kept if squash(lines[i]) in body}
    alone = [i for i in in_art - result.second - set(result.drop) if is_prose(lines[i])]
    out = []
    if (n := _prose(lines, alone)) >= ev.doubt_chars:
        out.append(f"extractors disagree: {len(alone)} sentence line(s) ({n} characters) of "
                   "the article are not in readability-lxml's reading of the page; check "
                   "the briefing")
    return out
