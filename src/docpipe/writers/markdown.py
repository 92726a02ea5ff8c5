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


def _yaml(value: object) -> str:
    """A YAML scalar or flow list that no Markdown renderer turns into markup: JSON (a
    subset of YAML) with <, > and & escaped."""
    import json

    text = json.dumps(value, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def front_matter(art: Article, title: str) -> list[str]:
    """YAML front matter (pandoc, static site generators, note apps read it): the fields a
    citation needs, an official document's record (发文字号 …) and a WeChat article's
    原创 mark and time, when the page has them."""
    from ..model import NOTICE_FIELDS
    from ..transforms.chinese import LANG

    fields: list[tuple[str, object]] = [("title", title), ("lang", LANG[art.variant][0])]
    for name in ("site", "source", "author", "published", "published_time"):
        if getattr(art, name):
            fields.append(("date" if name == "published" else name, getattr(art, name)))
    if art.original:
        fields.append(("original", True))
    fields += [(name, getattr(art, name)) for name in NOTICE_FIELDS if getattr(art, name)]
    if art.summary:
        fields.append(("summary", art.summary))
    if art.keywords:
        fields.append(("keywords", list(art.keywords)))
    return ["---", *(f"{k}: {_yaml(v)}" for k, v in fields), "---", ""]


def render(art: Article, opts: RenderOptions) -> str:
    L = labels_for(art.variant, opts)
    e = md_escape
    title = display_title(art, opts)
    out = [*front_matter(art, title), f"# {e(title)}", ""]
    meta = []
    if art.source:
        meta.append(f"{L.source}：{e(art.source)}")
    if art.published:
        meta.append(art.published)
    if art.views is not None:
        meta.append(f"{e(art.views_label) or L.views} {art.views}")
    if art.author:
        meta.append(f"{L.author}：{e(art.author)}")
    if meta:
        out += [" · ".join(meta), ""]
    from . import note_marks

    marks = note_marks(art)  # the summary is the note's sentences: bold in the note
    if art.summary and not marks:
        out += [f"> **{L.summary}**：{e(art.summary)}", ">"]
    if art.keywords and not marks:
        out += [f"> **{L.keywords}**：{'、'.join(e(k) for k in art.keywords)}", ""]
    elif art.summary and not marks:
        out[-1] = ""
    if art.lead:
        out += [f"**{L.lead}**：{e(art.lead)}", ""]
    if art.editor_note and marks:
        hint = L.words.get("summary_marked", "标出的句子即摘要")
        note = "".join(f"**{e(t.strip())}**" if key else e(t) for t, key in marks)
        out += [f"## {L.editor_note}", "", f"*{hint}*", "", note, ""]
        if art.keywords:
            out += [f"**{L.keywords}**：{'、'.join(e(k) for k in art.keywords)}", ""]
    elif art.editor_note:
        out += [f"## {L.editor_note}", "", e(art.editor_note), ""]
    for b in art.body:
        if b.kind == "heading":
            out += [f"### {e(b.text)}", ""]
        elif b.kind == "point":
            out += [f"**{e(b.lead_in)}**{e(b.rest)}", ""]
        elif b.kind == "caption":
            out += [f"*{e(b.text)}*", ""]
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
