"""Reader for saved HTML pages (`.html`, `.htm`, saved "complete" with a `NAME_files/` folder).

1. Charset: BOM, then the declared `<meta charset>` / `http-equiv`, then detection; a
   declared charset that does not decode cleanly loses to one that does (decode.decode).
2. Page metadata from the markup: title (h1, og:title, `<title>` minus the site suffix),
   date (article meta tags), canonical URL, site name.
3. Main content with trafilatura (as XML, so paragraphs, headings and images stay apart).
4. The same line classifier as text input (readers/portal.py) on what trafilatura kept:
   Chinese metadata lines (来源/时间/作者/责任编辑), 导读, 编者按, and boilerplate that the
   library kept (disclaimers, comment notices, share prompts, related links).
5. Local images from the page's own folder are kept with their caption; remote images are
   never fetched and never reach the Article.

trafilatura and lxml are imported inside functions: the CLI does not pay for them at start.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from .. import profiles
from ..decode import decode, xml_safe
from ..errors import InputError
from ..model import NOTICE_FIELDS, Article, Block
from ..profiles import patterns
from . import ReadOptions, vote
from .dates import parse_date
from .lines import STRIP, clean, squash
from .portal import Hints, parse

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
_BLOCK_TAGS = {"p", "head", "item", "quote", "cell", "code", "list", "row", "table"}


def declared_charset(data: bytes) -> str | None:
    """The charset the page declares in its first bytes (`<meta charset>` or http-equiv)."""
    m = _META_CHARSET.search(data[:8192])
    return m[1].decode("ascii", "replace") if m else None


def _text_of(el) -> str:
    return clean(re.sub(r"\s+", " ", el.text_content() if hasattr(el, "text_content") else ""))


def _meta(tree, *names: str) -> str:
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
    first = parts[0]
    longest = max(parts, key=len)
    return (longest if len(first) < 6 and len(longest) > 2 * len(first) else first).strip(STRIP)


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
    return (_text_of(t) if t is not None else "") or _wrapper_title(tree)


def page_title(tree, site: str = "") -> tuple[str, str]:
    """The headline of the page and where it came from."""
    og = _meta(tree, "og:title", "twitter:title")
    doc = doc_title(tree)
    refs = [(squash(x), squash(_strip_suffix(x, site))) for x in (og, doc) if x]

    def agrees(text: str) -> bool:
        # Part of the <title> / og:title, and most of its headline part (not the logo).
        s = squash(text)
        return any(s in full and len(s) >= 0.5 * len(head) for full, head in refs)

    never = patterns().not_headline  # a byline, a blog's name … (rules/generic.toml)
    heads = [h for h in (_text_of(h) for h in tree.iter("h1"))
             if 4 <= len(h) <= 120 and not never.search(h)]
    for h in sorted(heads, key=len, reverse=True):
        if agrees(h):
            return h, "the page's h1 (matches its <title>)"
    for el in tree.iter("h2", "h3", "div", "span", "p", "strong", "td"):
        cls = (el.get("class") or "") + " " + (el.get("id") or "")
        if el.tag not in ("h2", "h3") and "title" not in cls.lower():
            continue
        h = _text_of(el)
        if 6 <= len(h) <= 120 and agrees(h):
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
        if d := parse_date(el.get("datetime") or "") or parse_date(_text_of(el)):
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


def _local_image(src: str, base: Path) -> str:
    """`page_files/a.jpg` -> the relative path when the file is inside the page's folder."""
    if not src or re.match(r"(?i)^(?:[a-z][a-z0-9+.-]*:|//)", src):
        return ""  # http:, https:, data:, file:, protocol-relative: never fetched
    rel = unquote(urlsplit(src).path)
    try:
        target = (base / rel).resolve()
        target.relative_to(base.resolve())
    except (ValueError, OSError):
        return ""
    return str(target.relative_to(base.resolve())) if target.is_file() else ""


def _extract(tree, url: str):
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


def _content_lines(root) -> list[str]:
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


def _in_page(extracted: list[str], page_lines: list[str]) -> list[int]:
    """Indices of the page's own lines that hold the extracted text.

    The library's lines only say *which* text is the article; the text itself is always
    taken from the page's lines, so nothing the library normalises or drops (private-use
    characters, ZWJ, U+3000, compatibility ideographs) is lost and nothing is invented."""
    whole = _key("".join(extracted))
    if not whole:
        return []
    keys = [_key(x) for x in page_lines]
    long_ext = [k for k in (_key(x) for x in extracted) if len(k) >= 8]
    # Lines long enough not to match by chance mark where the article is; the library's
    # text may join a page line with its neighbours, or a page line may hold a whole
    # extracted paragraph and more (a paragraph with its inline caption).
    anchors = [i for i, k in enumerate(keys) if len(k) >= 12 and (
        k in whole or any(e in k for e in long_ext if len(e) <= len(k)))]
    if not anchors:
        anchors = [i for i, k in enumerate(keys) if len(k) >= 4 and k in whole]
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
    while at >= 0 and j < len(keys) and j - anchors[-1] <= 3:
        if keys[j]:
            found = whole.find(keys[j], at)
            if found < 0 or found - at > 40:
                break
            inside.add(j)
            at = found + len(keys[j])
        j += 1
    return sorted(inside)


def read(data: bytes, path: str, opts: ReadOptions) -> Article:
    declared = declared_charset(data)
    decoded = decode(data, path=path, encoding=opts.encoding, declared=declared,
                     max_bytes=opts.max_bytes)
    head = f"read: html, {decoded.encoding}" + (f" ({decoded.note})" if decoded.note else "") \
        + (f", declared {declared}" if declared and not decoded.note else "")
    base = Path(path).parent if path not in ("-", "<stdin>") else None
    return read_markup(decoded.text, path, opts, head=head, base=base)


def _headline_by_its_date(page: Article, title: str, page_lines: list[str]) -> str:
    """Why the classifier's headline beats the markup's title, or "" when it does not.

    The classifier's headline stands by the article's date line; a markup title (a blog's
    name in its <h1>, a section name in <title>) that the page shows only far above that,
    in its header, or not at all as a line of its own, names the site, not the article."""
    found = next((x for x in page.log if x.startswith("title: line ")), "")
    m = re.match(r"title: line (\d+), (.*)", found)
    if not m or "date/metadata line" not in m[2] or squash(page.title) == squash(title):
        return ""
    at = int(m[1]) - 1
    want = squash(title)
    where = [i for i, x in enumerate(page_lines) if squash(x) == want]
    if not where:
        return "title is not a line of the page" if len(want) < len(squash(page.title)) else ""
    if all(at - i > 5 for i in where):
        return f"title {title!r} stands in the page's header"
    return ""


def _widen(chosen: list[int], page_lines: list[str], page: Article, comments: set[int],
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


def _prose_chars(art: Article | None) -> int:
    return sum(len(squash(b.text)) for b in art.body if b.kind == "para") if art else 0


def read_markup(text: str, path: str, opts: ReadOptions, *, head: str,
                base: Path | None, images: dict[str, str] | None = None) -> Article:
    """Decoded markup -> Article. `images` maps the page's image URLs to `data:` URLs
    (an MHTML save carries its images inside the file, not in a folder)."""
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)  # lxml refuses str with an encoding decl
    try:
        tree = parse_html(text)
    except Exception as exc:  # lxml's parser errors are not a documented hierarchy
        raise InputError(f"not an HTML page: {exc}", path) from None

    url = _meta(tree, "og:url")
    canon = tree.find(".//link[@rel='canonical']")
    if canon is not None and (canon.get("href") or "").startswith("http"):
        url = canon.get("href")
    site = _meta(tree, "og:site_name")
    title, title_why = page_title(tree, site)
    title = xml_safe(title)  # character references (&#1;) can spell what bytes could not
    published = page_date(tree)

    seen = [(y, inf) for x, inf in zip(*marked_lines(tree), strict=True)
            if (y := xml_safe(x)).strip()]
    page_lines, info = [x for x, _ in seen], [inf for _, inf in seen]
    if not page_lines:
        raise InputError("no article text found: the page has no visible text", path)
    root = _extract(tree, url)
    extracted = [xml_safe(line) for line in _content_lines(root)] if root is not None else []
    chosen = _in_page(extracted, page_lines)
    log = [head]
    if title:
        log.append(f"title: {title_why}")

    page_text = "\n".join([title, *page_lines[:80], *page_lines[-80:]])
    profile = profiles.profile_for(page_text, url=url, extra=opts.rules)
    learnt = dict(opts.learnt)
    # The page's visible text through the same line classifier as text input: the metadata
    # line (date, 来源, 作者) is often outside the container the library keeps, and it is
    # the second opinion on where the article is.
    # Only a headline the markup confirms twice (an <h1> that its <title> repeats) steers
    # this reading; a weaker one would make the second opinion a copy of the first.
    strong = "matches its <title>" in title_why
    page = parse(page_lines, profile, Hints(title=title if strong else "", site=site, url=url,
                                           learnt=learnt), path=path)
    # Reader comments are never the article, whatever container the library chose.
    comments = {d.line - 1 for d in page.dropped if d.rule.startswith("comment thread")}
    if comments & set(chosen):
        log.append(f"extraction: {len(comments & set(chosen))} line(s) of trafilatura's "
                   "container are a reader-comment thread: left out of it")
    chosen = _widen(chosen, page_lines, page, comments, log)
    # The second voter: readability-lxml's article, weighed against the other two.
    second = vote.second_reading(tree, url)
    if second is None:
        log.append("extraction: readability-lxml failed on the page: not counted")
    voted = vote.vote(page_lines, info, chosen, _in_page(second or [], page_lines), page,
                      comments, title, profile)
    log += voted.log
    chosen = sorted((set(chosen) | set(voted.add)) - comments)
    lines = [page_lines[i] for i in chosen]

    def hints_for(idx: list[int], **kw) -> Hints:
        at = {i: n for n, i in enumerate(idx)}
        return Hints(site=site, url=url, learnt=learnt, **kw,
                     voted={at[i]: why for i, why in voted.drop.items() if i in at},
                     keep=frozenset(at[i] for i in voted.keep if i in at))

    art = parse(lines, profile, hints_for(chosen, title=title, title_in_lines=False),
                path=path) if lines else None
    visible = sum(len(x) for x in page_lines)
    kept = sum(len(x) for x in lines)
    own, other = _prose_chars(page), _prose_chars(art)
    whole = False
    if art is None or not any(b.kind == "para" for b in art.body):
        found = "found no main content" if art is None else \
            "kept a container with no article text in it (comments, links, lists)"
        log.append(f"extraction: trafilatura {found}; docpipe's line classifier read the "
                   "page's visible text instead (its dropped lines are listed)")
        whole = True
    elif kept >= 0.9 * visible and len(page_lines) >= 6:
        log.append("extraction: trafilatura kept the whole page as one block; docpipe's line "
                   "classifier read the page's visible text instead (its dropped lines are "
                   "listed)")
        whole = True
    elif own >= 2 * other + 200 and page.title:
        log.append(f"extraction: trafilatura's container holds {other} characters of article "
                   f"text, the page's text around its headline {own}: the line classifier's "
                   "reading is used (its dropped lines are listed)")
        whole = True
    else:
        log.append(
            f"extraction: trafilatura kept {len(lines)} paragraphs ({kept} characters) of "
            f"about {visible} characters of visible page text; the rest (navigation, "
            "sidebars, comments, footer) is not listed line by line")
        if own > 2 * other + 200:
            art.warnings.append(
                f"extractors disagree: the library's container holds {other} characters of "
                f"article text, the page's text around its headline {own}; check the briefing")
    if whole:
        if voted.drop or voted.keep:  # the classifier's reading again, with the vote
            page = parse(page_lines, profile, hints_for(
                list(range(len(page_lines))), title=title if strong else ""), path=path)
        art, page, chosen = page, None, list(range(len(page_lines)))
    art.warnings += vote.doubts(art, page_lines, voted, chosen)
    if title and not art.title:
        art.title = title
    if page is not None and page.title and (not title or title_why.startswith("<title>")) \
            and (not title or squash(title) in squash(page.title)
                 or squash(page.title) in squash(doc_title(tree))):
        # A bare <title> is the weakest clue: the headline line the classifier found above
        # the date line, when it agrees with the <title>, is the better one.
        art.title = page.title
        log.append("title: the headline line in the page's text (agrees with its <title>)")
    elif page is not None and page.title and (moved := _headline_by_its_date(
            page, art.title, page_lines)):
        art.title = page.title
        log.append(f"title: the headline line in the page's text, by the article's date line "
                   f"(the markup's {moved})")
    if page is not None:
        filled = []
        for name in ("published", "source", "author", "editor", "views", "site",
                     "views_label", "published_time", "original", *NOTICE_FIELDS):
            if not getattr(art, name) and getattr(page, name):
                setattr(art, name, getattr(page, name))
                filled.append(name)
        if filled:
            art.log.append("metadata from the page's visible text: " + ", ".join(filled))
        by_headline = next((x for x in page.log if x.startswith("published:") and "headline"
                            in x), "")
        if page.published and art.published != page.published and by_headline \
                and squash(page.title) == squash(art.title):
            # The date line by the article's headline beats any other date line the
            # container holds (a sidebar's list of newer articles with their dates).
            art.log.append(f"published: {page.published} from the page's text ("
                           f"{by_headline.removeprefix('published: ')}), not {art.published}")
            art.published = page.published
    _wechat_fields(tree, art, url)
    if not art.published and published:
        art.published = published
        art.log.append("published: from the page's <meta> tags")
    art.base_dir = str(base) if base else ""
    art.log = log + [x for x in art.log if not x.startswith("title: from")]
    art.url = art.url or url
    if profile.name != "generic":
        art.log.insert(1, f"site profile: {profile.name}")
    found, skipped = _article_images(tree, art, base, images)
    art.body = _place_images(art, found)
    captions = caption_lines(tree)
    if captions:  # under an image that was left out (remote): still a caption
        art.body = [Block(text=b.text, kind="caption") if b.kind in ("para", "heading")
                    and squash(b.text) in captions else b for b in art.body]
    if opts.learnt:
        art.log.append(f"site template: {len(opts.learnt)} line(s) learnt from the other pages "
                       "of this site read together")
    if found:
        art.log.append(f"images: kept {len(found)} local image(s) from the page")
    if skipped:
        art.log.append(f"images: left out {skipped} remote or missing image(s) (never fetched)")
    if all(b.kind in ("heading", "image") for b in art.body) and not art.editor_note \
            and not art.lead:
        raise InputError("no article text found: the page is only boilerplate", path)
    return art


def _wechat_fields(tree, art: Article, url: str) -> None:
    """A saved WeChat article's account (the source), author, 原创 mark and publish time
    from its own elements (rules/wechat.toml [html]), where its text did not give them;
    the warning about a missing account line goes when they are found."""
    from ..profiles import wechat

    ids = wechat().html

    def text_of(key: str) -> str:
        for name in ids.get(key, ()):
            found = tree.xpath(f'//*[@id="{name}"]')
            if found and (value := clean(found[0].text_content())):
                return value
        return ""

    account = text_of("account")
    if not account and not any(d in url for d in wechat().domains):
        return
    filled = []
    if account and not art.source:
        art.source = account
        filled.append("source")
    if (author := text_of("author")) and not art.author:
        art.author, filled = author, [*filled, "author"]
    if text_of("original") and not art.original:
        art.original, filled = True, [*filled, "original"]
    if (when := re.search(r"\b(\d{1,2}:\d{2})\b", text_of("time"))) and not art.published_time:
        art.published_time, filled = when[1], [*filled, "published_time"]
    if filled:
        art.log.append("WeChat: " + ", ".join(filled) + " from the saved page's elements")
    if art.source:
        art.warnings = [w for w in art.warnings if not w.startswith("a WeChat article without")]


def _article_images(tree, art: Article, base: Path | None,
                    inline: dict[str, str] | None = None):
    """Images inside the article's container in the page, in document order, as
    (index of the body block they follow, src, caption); and how many were left out
    (remote or missing: never fetched)."""
    order = {el: i for i, el in enumerate(tree.iter())}
    paras = [squash(b.text) for b in art.body if b.kind != "image"]
    want = {t: i for i, t in enumerate(paras) if len(t) >= 8}
    found: dict[int, object] = {}
    for el in tree.iter("p", "div", "section", "td", "li", "span", "font", "h2", "h3", "h4"):
        t = squash(el.text_content())
        if t in want and want[t] not in found:
            found[want[t]] = el
    if not found:
        return [], 0
    # The article's container: the nearest common ancestor of the matched paragraphs.
    chains = [list(el.iterancestors()) for el in found.values()]
    common = [a for a in chains[0] if all(a in c for c in chains[1:])]
    container = common[0] if common else None
    if container is None:
        return [], 0
    anchors = sorted((order[el], i) for i, el in found.items())
    images: list[tuple[int, str, str]] = []
    skipped = 0
    for img in container.iter("img"):
        raw = img.get("src", "")
        src = (inline or {}).get(raw, "") or (_local_image(raw, base) if base else "")
        if not src:
            skipped += 1
            continue
        caption = ""
        fig = next((a for a in img.iterancestors("figure")), None)
        if fig is not None and (cap := fig.find(".//figcaption")) is not None:
            caption = _text_of(cap)
        caption = caption or _caption_under(img) \
            or clean(img.get("alt") or img.get("title") or "")
        at = order[img]
        after = max((i for pos, i in anchors if pos < at), default=-1)
        images.append((after, src, caption))
    return images, skipped


_CENTRED = re.compile(r"text-align\s*:\s*center", re.I)


def _caption_under(img) -> str:
    """The text of a short element right under `img` (the next block after the block the
    image stands in) that is centred or whose class names a caption: what the page shows
    as the photo's caption. "" when there is none."""
    ev = profiles.evidence()
    block = img
    for anc in img.iterancestors():
        if anc.tag in ("p", "div", "figure", "section", "center", "td", "span", "a"):
            block = anc
            if anc.tag != "span" and anc.tag != "a":
                break
    nxt = block.getnext()
    while nxt is not None and not isinstance(nxt.tag, str):
        nxt = nxt.getnext()
    if nxt is None or nxt.find(".//img") is not None or nxt.tag == "img":
        return ""
    text = clean(" ".join(nxt.text_content().split()))
    if not text or len(text) > ev.caption_max:
        return ""
    marks = [nxt, *nxt.iterdescendants()]
    centred = any(isinstance(el.tag, str) and (
        el.tag == "center" or (el.get("align") or "").lower() == "center"
        or _CENTRED.search(el.get("style") or "")
        or ev.caption_markup.search(f"{el.get('class') or ''} {el.get('id') or ''}".lower()))
        for el in marks)
    return text if centred or patterns().caption.search(text) else ""


def caption_lines(tree) -> set[str]:
    """The captions under every image of the page (squashed), the images kept or not:
    body lines with this text are captions, never indented paragraphs."""
    return {squash(c) for img in tree.iter("img") if (c := _caption_under(img))}


def _place_images(art: Article, images: list[tuple[int, str, str]]) -> list[Block]:
    """Insert image blocks after the body paragraph they follow in the page; a caption
    the extraction also kept as a paragraph is kept once, with its image."""
    if not images:
        return art.body
    captions = {squash(c) for _, _, c in images if c}
    after: dict[int, list[Block]] = {}
    for para, src, caption in images:
        after.setdefault(para, []).append(Block(text=caption, kind="image", src=src,
                                                caption=caption))
    out = list(after.get(-1, []))
    n = -1
    for b in art.body:
        if b.kind != "image":
            n += 1
            if squash(b.text) not in captions:
                out.append(b)
            out += after.get(n, [])
        else:
            out.append(b)
    return out
