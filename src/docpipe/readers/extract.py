"""The main content as trafilatura reads it, mapped back onto the page's own lines.

The library's text only says *which* lines are the article: the text itself is always
taken from the page's visible lines (markup.py), so nothing the library normalises or
drops is lost and nothing is invented. trafilatura and lxml are imported on use.
"""

from __future__ import annotations

import re

from ..model import Article
from ..profiles import thresholds
from .lines import clean, squash

_BLOCK_TAGS = {"p", "head", "item", "quote", "cell", "code", "list", "row", "table"}


def extract(tree, url: str):
    """trafilatura's main content as XML (None when it finds nothing).

    The library gets a copy of docpipe's own tree (parsed with `huge_tree`), with `<form>`
    elements turned into plain containers: the library removes forms whole, and many
    portals wrap the entire page in one (ASP.NET's `<form id="aspnetForm">`)."""
    import copy

    import trafilatura

    doc = copy.deepcopy(tree)
    for form in doc.iter("form"):
        form.tag = "div"
    xml = trafilatura.extract(
        doc, url=url or None, output_format="xml", include_images=False,
        include_comments=False, include_tables=True, include_formatting=False,
        with_metadata=False, favor_recall=True,
    )
    if not xml:
        return None
    from lxml import etree

    return etree.fromstring(xml.encode("utf-8"), etree.XMLParser(recover=True, huge_tree=True))


def content_lines(root) -> list[str]:
    """Lines of the extracted text: one per paragraph, heading, list item or cell."""
    lines: list[str] = []
    buf: list[str] = []

    def flush() -> None:
        text = "".join(buf)
        buf.clear()
        for part in text.split("\n"):
            if t := clean(re.sub(r"[ \t\u00a0]+", " ", part)):
                lines.append(t)

    def walk(el) -> None:
        if el.tag == "lb":
            buf.append("\n")
        elif el.tag != "graphic":
            block = el.tag in _BLOCK_TAGS
            if block:
                flush()
            if el.text:
                buf.append(el.text)
            for child in el:
                walk(child)
            if block:
                flush()
        if el.tail:
            buf.append(el.tail)

    main = root.find(".//main") if root.tag != "main" else root
    walk(main if main is not None else root)
    flush()
    return lines


def _key(text: str) -> str:
    """Letters and digits only, NFKC: what survives any library's text normalisation
    (white space, punctuation forms, zero-width and private-use characters aside)."""
    import unicodedata

    return "".join(ch for ch in unicodedata.normalize("NFKC", text) if ch.isalnum())


def in_page(extracted: list[str], page_lines: list[str]) -> list[int]:
    """Indices of the page's own lines that hold the extracted text.

    The library's lines only say *which* text is the article; the text itself is always
    taken from the page's lines, so nothing the library normalises or drops (private-use
    characters, ZWJ, U+3000, compatibility ideographs) is lost and nothing is invented."""
    whole = _key("".join(extracted))
    if not whole:
        return []
    t = thresholds()
    keys = [_key(x) for x in page_lines]
    long_ext = [k for k in (_key(x) for x in extracted) if len(k) >= t.extracted_min]
    # Lines long enough not to match by chance mark where the article is; the library's
    # text may join a page line with its neighbours, or a page line may hold a whole
    # extracted paragraph and more (a paragraph with its inline caption).
    anchors = [i for i, k in enumerate(keys) if len(k) >= t.anchor_min and (
        k in whole or any(e in k for e in long_ext if len(e) <= len(k)))]
    if not anchors:
        anchors = [i for i, k in enumerate(keys) if len(k) >= t.anchor_fallback_min and k in whole]
    if not anchors:
        return []
    # Shorter lines (a subheading, a caption, 特此通知) count only between two anchors,
    # where a menu word that the article happens to mention cannot be.
    inside = set(anchors)
    for i in range(anchors[0], anchors[-1] + 1):
        if i not in inside and keys[i] and keys[i] in whole:
            inside.add(i)
    # After the last anchor: the short lines that follow it in the library's text too
    # (a last short paragraph, 特此通知, the editor's credit the classifier then drops).
    at = whole.find(keys[anchors[-1]]) + len(keys[anchors[-1]]) \
        if keys[anchors[-1]] in whole else -1
    j = anchors[-1] + 1
    while at >= 0 and j < len(keys) and j - anchors[-1] <= t.after_anchor_lines:
        if keys[j]:
            found = whole.find(keys[j], at)
            if found < 0 or found - at > t.after_anchor_gap:
                break
            inside.add(j)
            at = found + len(keys[j])
        j += 1
    return sorted(inside)


def widen(chosen: list[int], page_lines: list[str], page: Article, comments: set[int],
           log: list[str]) -> list[int]:
    """The library's container, grown by the article lines the line classifier reads right
    before or after it (a first paragraph outside any <p>, a short last line): where the
    two extractors agree on the article, none of its lines is left behind."""
    if not chosen:
        return chosen
    body = {squash(b.text) for b in page.body if b.kind != "image"}
    added: list[int] = []
    i = chosen[0] - 1
    while i >= 0 and i not in comments and squash(page_lines[i]) in body:
        added.append(i)
        i -= 1
    i = chosen[-1] + 1
    while i < len(page_lines) and i not in comments and squash(page_lines[i]) in body:
        added.append(i)
        i += 1
    if added:
        log.append(f"extraction: {len(added)} line(s) next to trafilatura's container kept, "
                   "the line classifier reads them as article text too")
    return sorted({*chosen, *added})
