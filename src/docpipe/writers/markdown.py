"""Markdown briefing (for wikis, chat and diff-friendly archives)."""

from __future__ import annotations

import re
from pathlib import Path

from ..model import Article
from ..outputs import write_text
from . import RenderOptions, display_title, labels_for

_SPECIAL = re.compile(r"([\\`*_\[\]<>#|&~])")


def md_escape(text: str) -> str:
    """Page text must not become Markdown or HTML markup (nor entities, lists, rules)."""
    text = _SPECIAL.sub(r"\\\1", text)
    text = re.sub(r"(?m)^(\s*)([-+=])", r"\1\\\2", text)  # list items, rules, setext
    return re.sub(r"(?m)^(\s*\d+)([.)])", r"\1\\\2", text)


def md_url(url: str) -> str:
    """A URL from the page, safe inside `<…>` and `(…)`: no spaces, brackets or quotes."""
    return re.sub(r"[\s<>()\[\]\"'`\\]", lambda m: f"%{ord(m[0]):02X}", url)


def render(art: Article, opts: RenderOptions) -> str:
    L = labels_for(art.variant, opts)
    e = md_escape
    out = [f"# {e(display_title(art, opts))}", ""]
    meta = []
    if art.source:
        meta.append(f"{L.source}：{e(art.source)}")
    if art.published:
        meta.append(art.published)
    if art.views is not None:
        meta.append(f"{L.views} {art.views}")
    if art.author:
        meta.append(f"{L.author}：{e(art.author)}")
    if meta:
        out += [" · ".join(meta), ""]
    if art.summary:
        out += [f"> **{L.summary}**：{e(art.summary)}", ">"]
    if art.keywords:
        out += [f"> **{L.keywords}**：{'、'.join(e(k) for k in art.keywords)}", ""]
    elif art.summary:
        out[-1] = ""
    if art.lead:
        out += [f"**{L.lead}**：{e(art.lead)}", ""]
    if art.editor_note:
        out += [f"## {L.editor_note}", "", e(art.editor_note), ""]
    for b in art.body:
        if b.kind == "heading":
            out += [f"### {e(b.text)}", ""]
        elif b.kind == "point":
            out += [f"**{e(b.lead_in)}**{e(b.rest)}", ""]
        elif b.kind == "image":
            out += [f"![{e(b.caption)}]({md_url(b.src)})" if b.src else f"*{e(b.caption)}*", ""]
        else:
            out += [e(b.text), ""]
    if art.url:  # a link only for http(s): javascript:, data: … stay plain text
        link = re.match(r"(?i)https?://[^\s/]", art.url)
        out += [f"{L.url}：<{md_url(art.url)}>" if link else f"{L.url}：{e(art.url)}", ""]
    return "\n".join(out)


def write(art: Article, target: Path, opts: RenderOptions) -> None:
    from .assets import export_images

    write_text(target, render(export_images(art, target), opts))
