"""The one model every reader produces and every writer consumes.

Plain dataclasses, no I/O: a reader fills an `Article`, transforms return a new
one, writers only read it. That keeps input kinds and output formats independent.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from .variants import VARIANTS


@dataclass(frozen=True)
class Block:
    """One body block. `lead_in` is the bold run-in of a point such as `第一,…。`."""

    text: str
    kind: str = "para"  # para | heading | point | image | caption; notices: addressee | attachment | attachment-item | signature
    lead_in: str = ""
    src: str = ""  # image: local path relative to the Article.base_dir (its image folder)
    caption: str = ""

    @property
    def rest(self) -> str:
        """Text after the run-in (the whole text for ordinary paragraphs)."""
        return self.text[len(self.lead_in):] if self.lead_in else self.text


@dataclass(frozen=True)
class Dropped:
    """A line of the page that is not in the briefing, and why."""

    line: int
    text: str
    rule: str


@dataclass
class Article:
    title: str = ""
    site: str = ""
    source: str = ""
    author: str = ""
    editor: str = ""
    url: str = ""
    published: str | None = None  # ISO 8601 date (YYYY-MM-DD)
    views: int | None = None
    views_label: str = ""  # the page's own word for its views: 浏览次数, 点击数, 阅读, 热度
    # WeChat articles (公众号): the 原创 mark and the publish time (HH:MM) the page shows.
    original: bool = False
    published_time: str = ""
    # An official document's record (the portal's 信息公开 table, GB/T 9704): 发文字号,
    # 索引号, 成文日期 (ISO), 发文机关, 主题分类, 公开方式. 发布日期 is `published`.
    doc_number: str = ""
    index_number: str = ""
    written: str | None = None
    issuer: str = ""
    topic: str = ""
    disclosure: str = ""
    lead: str = ""
    editor_note: str = ""
    body: list[Block] = field(default_factory=list)
    summary: str = ""
    keywords: list[str] = field(default_factory=list)
    variant: str = "hans"  # hans | hant | tw | twp | hk: the script of every text field
    dropped: list[Dropped] = field(default_factory=list)
    input_path: str = ""
    base_dir: str = ""  # folder local images may be read from (the page's NAME_files/)
    log: list[str] = field(default_factory=list)  # what transforms did, for --explain
    # What docpipe is unsure of (no headline, a short body, lines dropped by learning …):
    # printed on stderr, carried by the JSON and the pack manifest; --strict fails on them.
    warnings: list[str] = field(default_factory=list)

    @property
    def confidence(self) -> float:
        """1.0 when nothing was doubtful; each warning costs a share (never below 0.1)."""
        return round(max(0.1, 1.0 - 0.2 * len(self.warnings)), 2)

    @property
    def body_text(self) -> list[str]:
        return [b.text for b in self.body if b.kind != "image"]

    def kept_text(self) -> str:
        """Everything a briefing shows of the page, in order."""
        parts = [self.title, self.lead, self.editor_note, *self.body_text]
        return "\n".join(p for p in parts if p)

    def to_dict(self) -> dict[str, Any]:
        """The public JSON shape (`docpipe extract`)."""
        return {
            "title": self.title,
            "site": self.site,
            "source": self.source,
            "author": self.author,
            "editor": self.editor,
            "url": self.url,
            "published": self.published,
            "views": self.views,
            "views_label": self.views_label,
            "original": self.original,
            "published_time": self.published_time,
            **{name: getattr(self, name) for name in NOTICE_FIELDS},
            "lead": self.lead,
            "editor_note": self.editor_note,
            "summary": self.summary,
            "keywords": list(self.keywords),
            "body": self.body_text,
            "blocks": [asdict(b) for b in self.body],
            "variant": self.variant,
            "input": self.input_path,
            "warnings": list(self.warnings),
            "confidence": self.confidence,
            "dropped": [asdict(d) for d in self.dropped],
        }


#: An official document's record, in the order GB/T 9704 and the portals list it.
NOTICE_FIELDS = ("doc_number", "index_number", "issuer", "written", "topic", "disclosure")
#: Text fields a script conversion or the user's phrase table rewrites (body aside).
TEXT_FIELDS = ("title", "site", "source", "author", "editor", "lead", "editor_note",
               "summary", "views_label", "doc_number", "issuer", "topic", "disclosure")
BLOCK_KINDS = ("para", "heading", "point", "image",
               "caption",  # a photo's caption whose photo the page did not keep
               # and the parts of a notice:
               "addressee", "attachment", "attachment-item", "signature")
_STR_FIELDS = ("title", "site", "source", "author", "editor", "url", "lead", "editor_note",
               "summary", "variant", "input_path", "base_dir", "views_label",
               "published_time", "doc_number", "index_number", "issuer", "topic",
               "disclosure")


def article_record(art: Article) -> dict[str, Any]:
    """The Article as plain JSON data (the pack's cache); `article_from_record` reads it."""
    doc = asdict(art)
    doc["log"] = []
    return doc


def _strs(value: Any, what: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
        raise ValueError(f"{what}: not a list of strings")
    return list(value)


def article_from_record(doc: Any) -> Article:
    """An Article from `article_record` data, checked field by field: the data may have
    been edited by anyone, so a wrong shape or value raises ValueError (never TypeError,
    KeyError or an Article that breaks a writer later)."""
    import re

    if not isinstance(doc, dict):
        raise ValueError("article: not an object")
    known = {f for f in Article.__dataclass_fields__}
    if set(doc) - known:
        raise ValueError(f"article: unknown fields {sorted(set(doc) - known)}")
    kw: dict[str, Any] = {}
    for name in _STR_FIELDS:
        value = doc.get(name, "")
        if not isinstance(value, str):
            raise ValueError(f"article.{name}: not a string")
        kw[name] = value
    if kw["variant"] not in VARIANTS:
        raise ValueError(f"article.variant: {kw['variant']!r} is not one of {VARIANTS}")
    for name in ("published", "written"):
        when = doc.get(name)
        if when is not None and not (isinstance(when, str)
                                     and re.fullmatch(r"\d{4}-\d{2}-\d{2}", when)):
            raise ValueError(f"article.{name}: not a YYYY-MM-DD date")
        kw[name] = when
    if not isinstance(doc.get("original", False), bool):
        raise ValueError("article.original: not true or false")
    kw["original"] = doc.get("original", False)
    views = doc.get("views")
    if views is not None and (isinstance(views, bool) or not isinstance(views, int)):
        raise ValueError("article.views: not an integer")
    kw["views"] = views
    kw["keywords"] = _strs(doc.get("keywords", []), "article.keywords")
    kw["log"] = _strs(doc.get("log", []), "article.log")
    kw["warnings"] = _strs(doc.get("warnings", []), "article.warnings")
    body = doc.get("body", [])
    if not isinstance(body, list):
        raise ValueError("article.body: not a list")
    blocks = []
    for b in body:
        if not isinstance(b, dict) or set(b) - {"text", "kind", "lead_in", "src", "caption"}:
            raise ValueError("article.body: a block of the wrong shape")
        fields = {k: b.get(k, "") for k in ("text", "kind", "lead_in", "src", "caption")}
        fields["kind"] = fields["kind"] or "para"
        if not all(isinstance(v, str) for v in fields.values()):
            raise ValueError("article.body: a block field is not a string")
        if fields["kind"] not in BLOCK_KINDS:
            raise ValueError(f"article.body: unknown block kind {fields['kind']!r}")
        blocks.append(Block(**fields))
    kw["body"] = blocks
    dropped = doc.get("dropped", [])
    if not isinstance(dropped, list):
        raise ValueError("article.dropped: not a list")
    drops = []
    for d in dropped:
        if (not isinstance(d, dict) or set(d) != {"line", "text", "rule"}
                or isinstance(d["line"], bool) or not isinstance(d["line"], int)
                or not isinstance(d["text"], str) or not isinstance(d["rule"], str)):
            raise ValueError("article.dropped: an entry of the wrong shape")
        drops.append(Dropped(**d))
    kw["dropped"] = drops
    return Article(**kw)
