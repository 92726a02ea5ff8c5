"""Portal page lines -> Article: the line classifier shared by the text and HTML readers.

The page is read as a sequence of lines, in named passes over one `Reading`: classify
each line (the site profile's rules, which are data, and layout evidence), rescue long
sentences that only look like footers, find the headline (headline.py), find the
article's text block and its sign-off, note what interrupts the text without ending
it, then read the header above the headline, the body below it (metadata, lead and
editor's note, paragraphs, the footer from the first line a rule marks as the end of
the article), the trailing lines, the dates, the warnings and the metadata fields.
Every line that does not reach the briefing is recorded with the rule or the evidence
that dropped it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..model import Article, Block, Dropped
from ..profiles import Profile, evidence, patterns, thresholds, wechat
from . import headline
from .dates import parse_date
from .fields import apply_metadata, label_regex, metadata, site_from_copyright
from .layout import breadcrumb_rows, comment_zone, core, goes_on, weights
from .lines import (
    Hit,
    Line,
    block,
    breadcrumb_parts,
    clean,
    date_line,
    is_prose,
    rule_for,
    sign_off,
    split_label,
    squash,
)
from .reading import Hints, Reading

__all__ = ["Hints", "parse"]


def parse(
    raw_lines: list[str], profile: Profile, hints: Hints | None = None, *, path: str = ""
) -> Article:
    """Classify the page's lines and build the Article, pass by pass."""
    r = _start(raw_lines, profile, hints or Hints(), path)
    _classify(r)
    _rescue(r)
    headline.take(r)
    _text_block(r)
    _interruptions(r)
    _header(r)
    _body(r)
    _trailing(r)
    _dates(r)
    _warnings(r)
    _fields(r)
    return r.art


def _start(raw_lines: list[str], profile: Profile, hints: Hints, path: str) -> Reading:
    """The page's non-blank lines, cleaned, each with its line number in the page."""
    lines = [Line(i + 1, clean(t)) for i, t in enumerate(raw_lines)]
    lines = [ln for ln in lines if ln.text]
    art = Article(input_path=path, url=hints.url, author=hints.author)
    r = Reading(lines, profile, hints, art, label_regex(profile.labels))
    if hints.learnt:
        r.owner = profile.site_name or hints.site or site_from_copyright(lines)
    return r


def _classify(r: Reading) -> None:
    """Each line's rule hit, with layout evidence beyond the rules: comment threads,
    breadcrumbs set one segment a line, the extractors' vote. Lines learnt as the site's
    template are NOT evidence here: learning never moves the article or its headline (a
    page reads the same alone or with its site)."""
    lines, hints = r.lines, r.hints
    for i in breadcrumb_rows(lines, r.profile):
        r.extra[i] = ("breadcrumb (one segment per line)", False)
    r.comments = comment_zone(lines, r.rx)
    for i in r.comments:
        r.extra[i] = ("comment thread (posting times, reply/like buttons or user names "
                      "around it)", False)
    r.keep = {i for i, ln in enumerate(lines) if ln.no - 1 in hints.keep}
    for i, ln in enumerate(lines):
        if why := hints.voted.get(ln.no - 1):
            r.extra[i] = (f"extractors' vote: {why}", False)
    r.hits = [rule_for(ln.text, r.profile, in_body=False) or r.extra.get(i)
              for i, ln in enumerate(lines)]
    r.weights = weights(lines, r.hits)


def _rescue(r: Reading) -> None:
    """A long sentence that only looks like a footer (声明：…, 版权所有的问题…, 仅供参考
    inside a sentence), with more article text right after it, is part of the article.
    Then the text block: the span with the most sentence text."""
    p, lines, least = patterns(), r.lines, thresholds().rescue_min
    r.rescued = {
        i for i, h in enumerate(r.hits)
        if h and h[1] and len(lines[i].text) >= least and is_prose(lines[i].text)
        and i + 1 < len(lines) and goes_on(r.weights, i)
        and not (p.labelled_notice.match(lines[i].text)
                 and p.boilerplate_sentence.search(lines[i].text))
    }
    for i in r.rescued:
        r.art.log.append(f"line {lines[i].no}: kept although rule {r.hits[i][0]!r} matched: "
                         "a long sentence, and the article text goes on after it")
        r.hits[i] = None
    if r.rescued:
        r.weights = weights(lines, r.hits)
    r.core_start, r.core_end = core(r.weights)


def _text_block(r: Reading) -> None:
    """The article's text block, looked for after its headline, with the short lines
    that close it (a notice's sign-off) and open it."""
    if r.title_at >= 0:
        start, end = core(r.weights[r.title_at + 1:])
        shift = r.title_at + 1 if start >= 0 else 0
        r.core_start, r.core_end = start + shift, end + shift
    if r.core_start < 0:  # no sentence text at all: everything after the title until a footer
        r.core_start, r.core_end = r.title_at + 1, len(r.lines) - 1
    else:
        r.art.log.append(f"article text: lines {r.lines[r.core_start].no}-"
                         f"{r.lines[r.core_end].no} hold the most sentence text (sentence "
                         "punctuation, length) net of boilerplate")
        _closing_lines(r)
    _opening_lines(r)


def _closing_lines(r: Reading) -> None:
    """A notice ends with its attachments, signature and date: short, but article. A page
    cut short mid-paragraph ends with one line after the text."""
    t, p, lines, hits = thresholds(), patterns(), r.lines, r.hits
    ce = end = r.core_end
    listing = False
    while end + 1 < len(lines) and end - ce < t.sign_off_lines and not hits[end + 1]:
        nxt = squash(lines[end + 1].text)
        if sign_off(nxt):
            listing = bool(p.attachment.match(nxt))
        elif not (listing and re.match(r"^\d{1,2}\s*[.、．]", nxt) and len(nxt) <= t.item_max):
            break
        end += 1
    tail = [squash(lines[i].text) for i in range(ce + 1, end + 1)]
    if not any(p.sign_date.match(x) or p.attachment.match(x) or p.end_mark.match(x)
               for x in tail):
        end = ce  # names alone after the text are more likely links than a signature
    if end > ce:
        r.art.log.append(f"article text: lines {lines[ce + 1].no}-{lines[end].no} kept as "
                         "its sign-off (attachment, signature, date)")
        r.sign_off = range(ce + 1, end + 1)
        r.core_end = ce = end
    if ce == len(lines) - 2 and not hits[-1] and not metadata(lines[-1].text, r.profile, r.rx):
        r.art.log.append(f"article text: line {lines[-1].no} kept, the page ends there")
        r.sign_off = range(r.sign_off.start if r.sign_off else ce + 1, ce + 2)
        r.core_end = ce + 1


def _opening_lines(r: Reading) -> None:
    """Between the last share button / metadata line and the text block: short lines that
    open the article (下周一，/ 什么？) when sentence text is among them."""
    cs, lines = r.core_start, r.lines
    gap_from = cs
    while gap_from - 1 > r.title_at and not r.hits[gap_from - 1] \
            and not metadata(lines[gap_from - 1].text, r.profile, r.rx):
        gap_from -= 1
    if not any(is_prose(lines[i].text) for i in range(gap_from, cs)):
        gap_from = cs
    elif gap_from < cs:
        r.art.log.append(f"article text: lines {lines[gap_from].no}-{lines[cs - 1].no} open "
                         "it (after the last share/metadata line, with sentence text among "
                         "them)")
    r.gap_from = gap_from


def _interruptions(r: Reading) -> None:
    """A footer-like line inside the text block with more article text after it (责任编辑
    in the middle, a disclaimer between two parts) is dropped alone: it ends nothing. A
    related-links box set inside the article (the text block spans it, and much sentence
    text follows it): its heading and the list under it go, the article goes on."""
    t, hits, lines = thresholds(), r.hits, r.lines
    span = range(max(r.core_start, 0), r.core_end)
    suspended = {i for i in span if hits[i] and hits[i][1] and goes_on(r.weights, i)
                 # a notice's own heading (免责声明, 郑 重 声 明): what follows is the notice
                 and not (hits[i][0] == "disclaimer"
                          and len(squash(lines[i].text)) <= t.notice_heading_max)}
    r.boxes = {i for i in span if hits[i] and hits[i][1] and i not in suspended
               and hits[i][0] == "related"
               and sum(w for w in r.weights[i + 1: r.core_end + 1] if w > 0)
               >= t.goes_on_chars}
    r.suspended = suspended | r.boxes
    for i in sorted(r.suspended):
        r.art.log.append(f"line {lines[i].no}: rule {hits[i][0]!r} does not end the article: "
                         "its text goes on after it")


def _learnt_drop(r: Reading, idx: int) -> Hit:
    """Learning drops recurring lines around the article. Inside it, learning alone
    drops nothing: only a recurring line that names the site itself (its slogan)."""
    text = r.lines[idx].text
    if idx in r.title_lines or is_prose(text):
        return None
    if r.core_start <= idx <= r.core_end \
            and not (len(r.owner) >= thresholds().owner_min and r.owner in text):
        return None
    why = r.hints.learnt.get(squash(text)) if r.hints.learnt else None
    return (f"site template: {why}", False) if why else None


def _header(r: Reading) -> None:
    """Everything above the headline: metadata (a fallback for the lines under it, and a
    date line right above it), the breadcrumb's root, the site's header."""
    t_first = min(r.title_lines) if r.title_lines else r.title_at
    near = thresholds().near_date_lines
    for i, ln in enumerate(r.lines[: max(t_first, 0)]):
        rule = rule_for(ln.text, r.profile, in_body=False) or r.extra.get(i)
        if rule and rule[0] == "breadcrumb" and not r.crumb_site:
            r.crumb_site = _crumb_root(r, ln.text)
        if not rule and patterns().doc_number.match(squash(ln.text)):
            r.header_meta.setdefault("doc_number", ln.text)  # GB/T 9704: above the title
            r.drop(ln, "metadata (发文字号)")
            continue
        if not rule and (m := metadata(ln.text, r.profile, r.rx)):
            r.header_meta = {**m, **r.header_meta}
            if "published" in m and t_first - i <= near:
                r.near_date = m["published"]
            r.drop(ln, "metadata")
            continue
        rule = rule or _learnt_drop(r, i)
        r.drop(ln, rule[0] if rule else "site-header (above the title)")


def _crumb_root(r: Reading, text: str) -> str:
    """The breadcrumb's root when it names a site (人民网 > 文化), else ""."""
    parts = breadcrumb_parts(text, r.profile)
    root = parts[0] if parts else ""
    if root.endswith("首页") and len(root) > 2:
        root = root[:-2]
    if len(parts) > 1 and root not in r.profile.generic_roots and (
        root.endswith(("网", "站", "报", "台", "社")) or root != parts[0]
    ) and " " not in root:
        return root
    return ""


@dataclass
class _Cursor:
    """Where the body pass stands: in the footer (from which line, after what), waiting
    for a label's text in the next line, in the list under a related-links box."""

    footer_from: tuple[int, str] | None = None
    pending: str = ""  # "lead" / "note": a label whose text is in the next paragraph
    in_box: tuple[int, str] | None = None


def _body(r: Reading) -> None:
    """After the headline: metadata, lead and editor's note, then the body, then the
    footer. Each step may take the line (True); a line no step takes is the body's."""
    c = _Cursor()
    steps = (_footer, _pending, _ruled, _boxed, _account_line, _doc_number, _labelled,
             _metadata_line, _outside)
    for idx in range(r.title_at + 1, len(r.lines)):
        if not any(step(r, c, idx) for step in steps):
            ln = r.lines[idx]
            r.body.append((ln, Block(text=ln.text) if idx in r.sign_off
                           else block(ln.text, r.profile)))


def _footer(r: Reading, c: _Cursor, idx: int) -> bool:
    """In the footer every line goes, unless two extractors keep it as sentence text after
    a mere interruption (a related-links box): then the article goes on."""
    ln = r.lines[idx]
    if c.footer_from and idx in r.keep and is_prose(ln.text) \
            and c.footer_from[1] in evidence().interruptions \
            and not rule_for(ln.text, r.profile, in_body=True):
        r.art.log.append(f"line {ln.no}: the article goes on after the {c.footer_from[1]} on "
                         f"line {c.footer_from[0]}: two extractors keep this sentence text")
        c.footer_from = None
    if not c.footer_from:
        return False
    rule = rule_for(ln.text, r.profile, in_body=True) or r.extra.get(idx) or _learnt_drop(r, idx)
    r.drop(ln, rule[0] if rule else
           f"footer (after the {c.footer_from[1]} on line {c.footer_from[0]})")
    return True


def _pending(r: Reading, c: _Cursor, idx: int) -> bool:
    """The paragraph after a bare 导读 / 编者按 label is its text."""
    if not c.pending:
        return False
    if c.pending == "lead":
        r.art.lead = r.lines[idx].text
    else:
        r.art.editor_note = r.lines[idx].text
    c.pending = ""
    return True


def _ruled(r: Reading, c: _Cursor, idx: int) -> bool:
    """A line a rule (or learning) names: dropped; a rule that ends the article starts the
    footer, unless the text goes on after it; a related-links box opens its list."""
    ln = r.lines[idx]
    rule = rule_for(ln.text, r.profile, in_body=bool(r.body)) or r.extra.get(idx) \
        or _learnt_drop(r, idx)
    if rule and not rule[1] and idx < r.core_start and date_line(ln.text) and (
        m := metadata(ln.text, r.profile, r.rx)
    ):  # `2019年09月11日 新浪科技 收藏本文`: the date line, with a button in it
        r.add_meta(m)
        r.drop(ln, "metadata")
        return True
    if idx in r.rescued or not rule:
        return False
    r.drop(ln, rule[0])
    if rule[0] == "editor-credit" and (m := metadata(ln.text, r.profile, r.rx)):
        r.add_meta(m)
    if rule[1] and (r.body or idx >= r.core_start) and idx not in r.suspended:
        c.footer_from = (ln.no, rule[0])
    if idx in r.boxes:
        c.in_box = (ln.no, rule[0])
    return True


def _boxed(r: Reading, c: _Cursor, idx: int) -> bool:
    """The list under a related-links box inside the article, until sentence text."""
    ln = r.lines[idx]
    if c.in_box and not is_prose(ln.text):
        r.drop(ln, f"{c.in_box[1]} (the list under line {c.in_box[0]}, inside the article)")
        return True
    c.in_box = None
    return False


def _account_line(r: Reading, c: _Cursor, idx: int) -> bool:
    """原创 青禾小编 青禾公益 2025年01月14日 10:20 before the body: the account is the source."""
    ln = r.lines[idx]
    if r.body or not (wx := wechat().account_line.match(ln.text)):
        return False
    r.meta = {**r.meta, "source": wx["account"], "published": wx["date"],
              "published_time": wx["time"], "original": "1" if wx["original"] else ""}
    if wx["author"]:
        r.meta["author"] = wx["author"]
    r.art.log.append(f"line {ln.no}: WeChat account line: account {wx['account']!r} is "
                     "the source" + (f", {wx['author']!r} the author" if wx["author"] else ""))
    r.drop(ln, "metadata (WeChat account line)")
    return True


def _doc_number(r: Reading, c: _Cursor, idx: int) -> bool:
    """A 发文字号 between the title and the text."""
    ln = r.lines[idx]
    if r.body or not patterns().doc_number.match(squash(ln.text)):
        return False
    r.meta.setdefault("doc_number", ln.text)
    r.drop(ln, "metadata (发文字号)")
    return True


def _labelled(r: Reading, c: _Cursor, idx: int) -> bool:
    """The first 导读 and 编者按 (their text on the line, or in the next paragraph)."""
    text, art = r.lines[idx].text, r.art
    if (lead := split_label(text, r.profile.lead_labels)) is not None and not art.lead:
        art.lead = lead
        c.pending = "" if lead else "lead"
        return True
    if (note := split_label(text, r.profile.note_labels)) is not None and not art.editor_note:
        art.editor_note = note
        c.pending = "" if note else "note"
        return True
    return False


def _metadata_line(r: Reading, c: _Cursor, idx: int) -> bool:
    """A metadata line at the body's start or end (an editor's credit after the text
    starts the footer)."""
    ln, ce = r.lines[idx], r.core_end
    near_edge = len(r.body) < thresholds().head_paragraphs or idx > ce \
        or (idx >= ce - 1 and not is_prose(ln.text))
    if not near_edge or idx in r.sign_off or not (m := metadata(ln.text, r.profile, r.rx)):
        return False
    if r.body and "editor" in m and not is_prose(ln.text) \
            and not (idx < ce and goes_on(r.weights, idx)):
        c.footer_from = (ln.no, "editor's credit")
    r.late_date = r.late_date or bool(r.body and "published" in m and "published" not in r.meta)
    if not r.body and r.title_at >= 0 and "published" in m and "published" not in r.meta \
            and parse_date(m["published"]):
        r.art.log.append(f"published: line {ln.no}, the date line under the headline")
    r.add_meta(m)
    r.drop(ln, "metadata")
    return True


def _outside(r: Reading, c: _Cursor, idx: int) -> bool:
    """Short lines before the article's opening lines (copied text only), and what
    follows the text block (unless two extractors keep it as sentence text)."""
    ln, ce = r.lines[idx], r.core_end
    if idx < r.gap_from and r.hints.title_in_lines and not is_prose(ln.text):
        r.drop(ln, "before the article text: short line without sentence punctuation "
                   "(navigation, share or link)")
        return True
    if idx > ce and not (idx in r.keep and is_prose(ln.text)):
        c.footer_from = (ln.no, "end of the article text")
        r.drop(ln, f"after the article text (the text block ends on line {r.lines[ce].no}; "
                   "what follows has little sentence text)")
        return True
    return False


def _trailing(r: Reading) -> None:
    """Trailing lines after the last sentence of the article: short, unpunctuated."""
    while r.body and r.body[-1][1].kind == "heading" and len(r.body) > 1 \
            and not sign_off(r.body[-1][0].text):
        ln, _ = r.body.pop()
        r.dropped.append(Dropped(ln.no, ln.text, "trailing short line after the article"))
    r.art.body = [b for _, b in r.body]
    r.art.dropped = sorted(r.dropped, key=lambda d: d.line)


def _dates(r: Reading) -> None:
    """The article's date: the date line by the headline, else the lines under it, else
    the metadata above it, else a line that says when it was posted."""
    meta = r.meta = {**r.header_meta, **r.meta}
    if r.near_date and (r.late_date or "published" not in meta):
        meta["published"] = r.near_date
        r.art.log.append("published: the date line right above the headline")
    if r.date_at >= 0 and (anchor := parse_date(r.lines[r.date_at].text)) \
            and anchor != parse_date(meta.get("published", "")):
        meta["published"] = anchor
        r.art.log.append(f"published: line {r.lines[r.date_at].no}, the date line by the "
                         "headline")
    if parse_date(meta.get("published", "")):
        return
    # No date line leads into the article: a post's line (…于2005年8月12日发表, 发表于 …)
    # inside or just under it may date it.
    t, p = thresholds(), patterns()
    for i in range(r.title_at + 1, min(len(r.lines), max(r.core_end, r.title_at)
                                       + t.posted_within)):
        text = r.lines[i].text
        if i not in r.comments and p.follow_date.search(text) and (
                date_line(text) or len(text) <= t.posted_line_max and parse_date(text)):
            meta["published"] = text
            r.art.log.append(f"published: line {r.lines[i].no}, the line that says when the "
                             "article was posted")
            break


def _warnings(r: Reading) -> None:
    """Reader comments kept as the article, sentences dropped after a comment thread."""
    t, p = thresholds(), patterns()
    kept_comments = sum(1 for ln, _ in r.body if len(squash(ln.text)) <= t.comment_line_max
                        and p.comment_marker.match(squash(ln.text)))
    if kept_comments >= t.comments_kept_warn:
        r.art.warnings.append(f"comment-like lines kept: {kept_comments} line(s) of the "
                              "article look like reader comments (times, reply buttons)")
    if not r.comments:
        return
    # Sentences after a comment thread that no rule names: article, maybe.
    end = r.lines[max(r.comments)].no
    after = [d for d in r.dropped if d.line > end and is_prose(d.text)
             and len(d.text) >= t.after_comments_min
             # no named rule (a 网友评论 heading, a disclaimer) ended the article there
             and d.rule.startswith(("after the article text",
                                    "footer (after the end of the article text"))]
    if len(after) >= t.after_comments_warn:
        r.art.warnings.append(f"{len(after)} sentence line(s) after a reader-comment thread "
                              "were dropped as the page's end; check that the article is "
                              "whole (--explain lists them)")


def _fields(r: Reading) -> None:
    """The metadata found, set on the Article; a WeChat article without its account line."""
    site = r.profile.site_name or r.hints.site or site_from_copyright(r.lines) or r.crumb_site
    apply_metadata(r.art, r.meta, r.profile, site=site, source=r.hints.source,
                   published=r.hints.published)
    if "published_time" not in r.meta and not r.hints.source \
            and wechat().looks_like([ln.text for ln in r.lines], r.art.url):
        r.art.warnings.append("a WeChat article without its account line (原创 / author / "
                              "account / time under the headline): its source is unknown; "
                              "check the briefing's 来源")
