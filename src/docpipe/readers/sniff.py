"""What kind of input a file is, judged from its name and its first bytes, and the
files that are not saved pages at all (Markdown, source code, CSV, a renamed PDF).

A README converted into a briefing titled "```json" is a wrong briefing with exit 0:
such inputs are refused with one line, and `--from` reads them anyway.
"""

from __future__ import annotations

import re

from ..errors import InputError
from ..options import KINDS  # noqa: F401  (the kinds --from takes; readers re-exports it)

SUFFIXES: dict[str, str] = {".txt": "txt", ".text": "txt", ".html": "html", ".htm": "html",
                            ".xhtml": "html", ".shtml": "html", ".mhtml": "mhtml",
                            ".mht": "mhtml"}

_MIME_HEAD = re.compile(rb"(?im)^(mime-version:|content-type:\s*multipart/related)")
_TAGS = re.compile(rb"(?i)<(html|head|body|p|div|br|table|td|span|a\s+href|h[1-6]|meta|title|"
                   rb"font|center|ul|li)\b")


def kind_of(path: str, data: bytes) -> str:
    """Input kind from the file name, or from the content for stdin and odd names."""
    lower = path.lower()
    for suffix, kind in SUFFIXES.items():
        if lower.endswith(suffix):
            return kind
    head = data[:4096].lstrip()
    if _MIME_HEAD.search(head[:2048]) and b"multipart/related" in data[:8192].lower():
        return "mhtml"
    low = head.lower()
    if low.startswith((b"<!doctype html", b"<html", b"<?xml")) or b"<body" in low:
        return "html"
    # Markup without <html>: a saved fragment or a wrapper element, read as a browser would.
    if head.startswith(b"<") and len(_TAGS.findall(head)) >= 3:
        return "html"
    return "txt"


# Markdown's own syntax (a heading, a fence, a link, a table rule) and its lists; a
# notice's numbered items (1. …) alone are not Markdown.
_MD_STRONG = re.compile(r"^(#{1,6} \S|```|~~~|!\[[^\]]*\]\(|.*\[[^\]]+\]\([^)\s]+\)|"
                        r"\|?\s*:?-{3,}:?\s*\|)")
_MD_LIST = re.compile(r"^([-*+] \S|\d{1,3}\. \S|> \S|\|.*\|\s*$)")
_CODE_LINE = re.compile(r"(^\s*(def |class |import |from \S+ import |#include|function |"
                        r"const |let |var |public |private |return\b|package |fn |use )|"
                        r"[;{}]\s*$)")


def not_a_page(text: str) -> str | None:
    """Why `text` is not a copied page (None when it may be one). Judged on the share of
    lines that are Markdown structure, program code or table rows, so a page that quotes
    a line of code or a list is still a page."""
    lines = [x for x in text.split("\n") if x.strip()][:400]
    if len(lines) < 3:
        return None
    n = len(lines)
    strong = sum(1 for x in lines if _MD_STRONG.match(x.strip()))
    listed = sum(1 for x in lines if _MD_LIST.match(x.strip()))
    fenced = sum(1 for x in lines if x.strip().startswith(("```", "~~~")))
    if fenced >= 2 or strong >= 2 and strong + listed >= 0.3 * n:
        return "looks like Markdown, not a saved page"
    code = sum(1 for x in lines if _CODE_LINE.search(x))
    if code >= 0.4 * n:
        return "looks like program source code, not a saved page"
    for sep in (",", "\t", ";"):
        counts = [x.count(sep) for x in lines]
        common = max(set(counts), key=counts.count)
        if common >= 2 and n >= 4 and counts.count(common) >= 0.8 * n:
            return "looks like a table of values (CSV), not a saved page"
    return None


def refuse_non_page(text: str, path: str) -> None:
    if why := not_a_page(text):
        raise InputError(f"{why} (--from txt reads it anyway)", path)
