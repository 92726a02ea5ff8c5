"""A saved page's markup: its declared charset, its tree as a browser builds it, its
visible lines (with what the markup says of each), and what its markup says of the
article (address, site name, headline, date).

`open_page` is the one way into a page's markup: the HTML and MHTML readers and the
site-template learning (learn.py) all read a page through it. lxml is imported inside
functions: the CLI does not pay for it at start.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ..decode import Decoded, decode
from ..errors import InputError
from ..profiles import patterns, thresholds
from .dates import parse_date
from .lines import STRIP, clean, squash

_META_CHARSET = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-.:]+)""", re.IGNORECASE
)
_TITLE_SEPARATORS = re.compile(r"\s*(?:[|｜_—–]|-{1,2}|\s-\s|::|——)\s*")
_DATE_META = (
    "article:published_time", "og:article:published_time", "og:release_date", "pubdate",
    "publishdate", "publish_date", "publishtime", "published_time", "datepublished",
    "date", "dc.date", "dc.date.issued", "dcterms.created", "sailthru.date",
    "parsely-pub-date", "weibo:article:create_at", "mediapub:publish_time", "pub_date",
    "article:published", "firstpublishedtime", "release_date",
)

def declared_charset(data: bytes) -> str | None:
    """The charset the page declares in its first bytes (`<meta charset>` or http-equiv)."""
    m = _META_CHARSET.search(data[:8192])
    return m[1].decode("ascii", "replace") if m else None


def text_of(el) -> str:
    return clean(re.sub(r"\s+", " ", el.text_content() if hasattr(el, "text_content") else ""))


def meta_content(tree, *names: str) -> str:
    wanted = {n.lower() for n in names}
    for el in tree.iter("meta"):
        key = (el.get("property") or el.get("name") or el.get("itemprop") or "").lower()
        if key in wanted and (val := clean(el.get("content") or "")):
            return val
    return ""


def _strip_suffix(title: str, site: str) -> str:
    """`标题_网易新闻` / `标题 - 新浪财经 | 新浪网` -> `标题` (the longest leading part)."""
    parts = [p for p in _TITLE_SEPARATORS.split(title) if p]
    if len(parts) <= 1:
        return title.strip(STRIP)
    if site:
        parts = [p for p in parts if squash(p) != squash(site)] or parts
    # The headline is the first part unless it is a short section name before a long one.
    t = thresholds()
    first = parts[0]
    longest = max(parts, key=len)
    section = len(first) < t.section_name_below and len(longest) > t.section_factor * len(first)
    return (longest if section else first).strip(STRIP)


def _wrapper_title(tree) -> str:
    """The `title` attribute of a non-HTML wrapper element that opens the body
    (`<text id=… title=…>` of saved page collections): the page's <title> stand-in."""
    from lxml.html import defs

    body = tree.body if tree.body is not None else tree
    for el in body[:3]:
        if isinstance(el.tag, str) and el.tag not in defs.tags and el.get("title"):
            return clean(el.get("title"))
    return ""


def doc_title(tree) -> str:
    """The page's <title>, or the title attribute of a wrapper element standing in for it."""
    t = tree.find(".//title")
    return (text_of(t) if t is not None else "") or _wrapper_title(tree)


def page_title(tree, site: str = "") -> tuple[str, str]:
    """The headline of the page and where it came from."""
    t = thresholds()
    og = meta_content(tree, "og:title", "twitter:title")
    doc = doc_title(tree)
    refs = [(squash(x), squash(_strip_suffix(x, site))) for x in (og, doc) if x]

    def agrees(text: str) -> bool:
        # Part of the <title> / og:title, and most of its headline part (not the logo).
        s = squash(text)
        return any(s in full and len(s) >= t.title_part_share * len(head) for full, head in refs)

    never = patterns().not_headline  # a byline, a blog's name … (rules/generic.toml)
    heads = [h for h in (text_of(h) for h in tree.iter("h1"))
             if t.h1_min <= len(h) <= t.markup_title_max and not never.search(h)]
    for h in sorted(heads, key=len, reverse=True):
        if agrees(h):
            return h, "the page's h1 (matches its <title>)"
    for el in tree.iter("h2", "h3", "div", "span", "p", "strong", "td"):
        cls = (el.get("class") or "") + " " + (el.get("id") or "")
        if el.tag not in ("h2", "h3") and "title" not in cls.lower():
            continue
        h = text_of(el)
        if t.titled_min <= len(h) <= t.markup_title_max and agrees(h):
            return h, f"the page's <{el.tag}> (matches its <title>)"
    if og:
        return _strip_suffix(og, site), "og:title"
    if doc:
        return _strip_suffix(doc, site), "<title> without the site's name"
    if len(heads) == 1:
        return heads[0], "the page's h1"
    return "", ""


def page_date(tree) -> str | None:
    for el in tree.iter("meta"):
        key = (el.get("property") or el.get("name") or el.get("itemprop") or "").lower()
        if key in _DATE_META and (d := parse_date(el.get("content") or "")):
            return d
    for el in tree.iter("time"):
        if d := parse_date(el.get("datetime") or "") or parse_date(text_of(el)):
            return d
    return None


_SKIP = {"script", "style", "noscript", "template", "head", "iframe", "svg", "select", "option",
         "textarea", "button", "title"}
_INLINE = {"a", "span", "b", "i", "em", "strong", "font", "small", "big", "sub", "sup", "u",
           "label", "abbr", "cite", "code", "img", "time", "mark", "q", "s", "var", "wbr",
           "ruby", "rb", "rt", "rp", "bdi", "bdo", "del", "ins", "kbd", "samp", "tt", "nobr",
           "strike", "dfn", "acronym", "data", "output"}
# What a browser collapses: ASCII white space only. No-break and ideographic spaces
# (U+00A0, U+3000) inside a line are the page's characters and stay.
_PAGE_END = re.compile(r"</\s*(?:html|body)\s*>", re.IGNORECASE)
_HTML_SPACE = re.compile(r"[ \t\n\r\f]+")


def parse_html(text: str):
    """The page's tree as a browser builds it: markup without `<html>`/`<body>` (a saved
    fragment, a `<text …>` wrapper) gets them implied, and deep nesting (one `<div>` left
    open per paragraph) is kept past libxml2's default depth of 255 (`huge_tree`)."""
    from lxml import html as lxml_html

    # A browser ignores `</body>` and `</html>` (a header include that closes the page
    # before the article does); libxml2 would drop what follows them.
    text = _PAGE_END.sub("", text)
    parser = lxml_html.HTMLParser(huge_tree=True, remove_blank_text=False)
    return lxml_html.document_fromstring(text, parser=parser)


@dataclass(frozen=True)
class LineInfo:
    """What the markup says about one visible line: how many of its characters are link
    text, and the class/id words of the elements around it (innermost last)."""

    linked: int = 0
    words: str = ""

    def link_density(self, text: str) -> float:
        n = len(squash(text))
        return min(1.0, self.linked / n) if n else 0.0


def visible_lines(tree) -> list[str]:
    """The page's text as a browser shows it: one line per block element, every character
    of the markup's text kept (forms included: whole government portals sit in one)."""
    return marked_lines(tree)[0]


def marked_lines(tree) -> tuple[list[str], list[LineInfo]]:
    """The page's visible lines (see `visible_lines`) and, for each, its `LineInfo`.
    Walked with an explicit stack, so no nesting depth loses block structure."""
    out: list[str] = [""]
    linked: list[int] = [0]
    ctx: list[str] = [""]
    words: list[str] = []  # class/id words of the open elements
    in_link = 0
    body = tree.body if tree.body is not None else tree

    def add(text: str) -> None:
        out[-1] += text
        if in_link:
            linked[-1] += len(text) - sum(map(text.count, " \t\n\r\f\u00a0\u3000"))

    def new_line() -> None:
        out.append("")
        linked.append(0)
        ctx.append(" ".join(w for w in words if w))

    # (element, None) opens an element; (element, block) closes it.
    stack: list[tuple[object, bool | None]] = [(body, None)]
    while stack:
        el, closing = stack.pop()
        if closing is not None:
            words.pop()
            if el.tag == "a":
                in_link -= 1
            if closing:
                new_line()
            if el.tail:
                add(el.tail)
            continue
        tag = el.tag if isinstance(el.tag, str) else ""
        style = (el.get("style") or "").replace(" ", "").lower() if tag else ""
        hidden = not tag or tag in _SKIP or "display:none" in style \
            or "visibility:hidden" in style or el.get("hidden") is not None
        if hidden:
            if el.tail and el is not body:
                add(el.tail)
            continue
        block = tag not in _INLINE
        words.append(f"{el.get('class') or ''} {el.get('id') or ''}".strip().lower())
        if tag == "a":
            in_link += 1
        if block:
            new_line()
        if tag == "br":
            new_line()
        if el.text:
            add(el.text)
        stack.append((el, block) if el is not body else (el, False))
        stack.extend((child, None) for child in reversed(el))
    lines: list[str] = []
    info: list[LineInfo] = []
    for text, n, w in zip(out, linked, ctx, strict=True):
        raw = _HTML_SPACE.sub(" ", text)
        if x := clean(raw):
            lines.append(x)
            info.append(LineInfo(n, w))  # link characters, white space not counted
    return lines, info


@dataclass
class Markup:
    """A page's parsed markup, and the address and site name its markup gives."""

    tree: Any
    url: str
    site: str


def decode_page(data: bytes, path: str, encoding: str | None, max_bytes: int,
                ) -> tuple[Decoded, str | None]:
    """A saved page's bytes as text: the charset it declares is evidence (used when it
    decodes the page cleanly); also returns that declared charset."""
    declared = declared_charset(data)
    return decode(data, path=path, encoding=encoding, declared=declared,
                  max_bytes=max_bytes), declared


def open_page(text: str, path: str) -> Markup:
    """Decoded markup -> its tree, its address (og:url, or the canonical link) and its
    site's name (og:site_name); InputError when it is not HTML at all."""
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)  # lxml refuses str with an encoding decl
    try:
        tree = parse_html(text)
    except Exception as exc:  # lxml's parser errors are not a documented hierarchy
        raise InputError(f"not an HTML page: {exc}", path) from None
    url = meta_content(tree, "og:url")
    canon = tree.find(".//link[@rel='canonical']")
    if canon is not None and (canon.get("href") or "").startswith("http"):
        url = canon.get("href")
    return Markup(tree, url, meta_content(tree, "og:site_name"))
