"""Reader for saved HTML pages (`.html`, `.htm`, saved "complete" with a `NAME_files/` folder).

1. Charset: BOM, then the declared `<meta charset>` / `http-equiv`, then detection; a
   declared charset that does not decode cleanly loses to one that does (markup.py,
   decode.decode).
2. Page metadata from the markup: title (h1, og:title, `<title>` minus the site suffix),
   date (article meta tags), canonical URL, site name (markup.py).
3. Main content with trafilatura (as XML, so paragraphs, headings and images stay apart),
   mapped onto the page's own lines (extract.py), weighed against readability-lxml's
   and the classifier's readings (vote.py).
4. The same line classifier as text input (readers/portal.py) on the lines chosen:
   Chinese metadata lines (来源/时间/作者/责任编辑), 导读, 编者按, and boilerplate that the
   library kept (disclaimers, comment notices, share prompts, related links).
5. Local images from the page's own folder are kept with their caption; remote images are
   never fetched and never reach the Article (figures.py).

trafilatura and lxml are imported inside functions: the CLI does not pay for them at start.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .. import profiles
from ..decode import xml_safe
from ..errors import InputError
from ..model import NOTICE_FIELDS, Article, Block
from ..profiles import Profile, thresholds
from . import ReadOptions, vote
from .extract import content_lines, extract, in_page, widen
from .figures import article_images, caption_lines, place_images
from .lines import clean, squash
from .markup import (
    LineInfo,
    Markup,
    decode_page,
    doc_title,
    marked_lines,
    open_page,
    page_date,
    page_title,
)
from .portal import parse
from .reading import Hints


def read(data: bytes, path: str, opts: ReadOptions) -> Article:
    decoded, declared = decode_page(data, path, opts.encoding, opts.max_bytes)
    head = f"read: html, {decoded.encoding}" + (f" ({decoded.note})" if decoded.note else "") \
        + (f", declared {declared}" if declared and not decoded.note else "")
    base = Path(path).parent if path not in ("-", "<stdin>") else None
    return read_markup(decoded.text, path, opts, head=head, base=base)


@dataclass
class _Saved:
    """A saved page on its way to an Article: its markup, what the markup says of the
    article, its visible lines, its site profile, and the reader's log so far."""

    path: str
    markup: Markup
    title: str
    title_why: str
    published: str | None
    lines: list[str]
    info: list[LineInfo]
    profile: Profile
    learnt: dict[str, str]
    log: list[str]

    @property
    def strong(self) -> bool:
        """Only a headline the markup confirms twice (an <h1> that its <title> repeats)
        steers the classifier's reading of the whole page; a weaker one would make that
        second opinion a copy of the first."""
        return "matches its <title>" in self.title_why

    def hints(self, idx: list[int], voted: vote.Vote, **kw) -> Hints:
        """Hints for the classifier over the lines `idx` of the page, with the vote."""
        at = {i: n for n, i in enumerate(idx)}
        return Hints(site=self.markup.site, url=self.markup.url, learnt=self.learnt, **kw,
                     voted={at[i]: why for i, why in voted.drop.items() if i in at},
                     keep=frozenset(at[i] for i in voted.keep if i in at))


def read_markup(text: str, path: str, opts: ReadOptions, *, head: str,
                base: Path | None, images: dict[str, str] | None = None) -> Article:
    """Decoded markup -> Article. `images` maps the page's image URLs to `data:` URLs
    (an MHTML save carries its images inside the file, not in a folder).

    Three readings of the page vote on its article (trafilatura's container,
    readability-lxml's, docpipe's line classifier over the whole page); the classifier
    then reads the chosen lines, or the whole page where the container fails."""
    s = _open(text, path, opts, head)
    page, chosen, voted = _readings(s)
    art, page, chosen = _choose(s, page, chosen, voted)
    art.warnings += vote.doubts(art, s.lines, voted, chosen)
    _title(s, art, page)
    if page is not None:
        _from_page(art, page)
    _finish(s, art, opts, base, images)
    return art


def _open(text: str, path: str, opts: ReadOptions, head: str) -> _Saved:
    """The page's markup, its title and date, its visible lines and its site profile."""
    markup = open_page(text, path)
    title, title_why = page_title(markup.tree, markup.site)
    title = xml_safe(title)  # character references (&#1;) can spell what bytes could not
    seen = [(y, inf) for x, inf in zip(*marked_lines(markup.tree), strict=True)
            if (y := xml_safe(x)).strip()]
    lines, info = [x for x, _ in seen], [inf for _, inf in seen]
    if not lines:
        raise InputError("no article text found: the page has no visible text", path)
    n = thresholds().profile_lines
    profile = profiles.profile_for("\n".join([title, *lines[:n], *lines[-n:]]),
                                   url=markup.url, extra=opts.rules)
    return _Saved(path, markup, title, title_why, page_date(markup.tree), lines, info,
                  profile, dict(opts.learnt), [head])


def _readings(s: _Saved) -> tuple[Article, list[int], vote.Vote]:
    """The classifier's reading of the whole page, trafilatura's container (grown by the
    lines the classifier reads next to it, reader comments left out) and the vote with
    readability-lxml's: the lines chosen as the article."""
    root = extract(s.markup.tree, s.markup.url)
    extracted = [xml_safe(line) for line in content_lines(root)] if root is not None else []
    chosen = in_page(extracted, s.lines)
    if s.title:
        s.log.append(f"title: {s.title_why}")
    # The page's visible text through the same line classifier as text input: the metadata
    # line (date, 来源, 作者) is often outside the container the library keeps, and it is
    # the second opinion on where the article is.
    page = parse(s.lines, s.profile, Hints(title=s.title if s.strong else "", site=s.markup.site,
                                           url=s.markup.url, learnt=s.learnt), path=s.path)
    # Reader comments are never the article, whatever container the library chose.
    comments = {d.line - 1 for d in page.dropped if d.rule.startswith("comment thread")}
    if comments & set(chosen):
        s.log.append(f"extraction: {len(comments & set(chosen))} line(s) of trafilatura's "
                     "container are a reader-comment thread: left out of it")
    chosen = widen(chosen, s.lines, page, comments, s.log)
    # The second voter: readability-lxml's article, weighed against the other two.
    second, failure = vote.second_reading(s.markup.tree, s.markup.url)
    if second is None:
        s.log.append(f"extraction: readability-lxml failed on the page ({failure}): "
                     "not counted")
    voted = vote.vote(s.lines, s.info, chosen, in_page(second or [], s.lines), page,
                      comments, s.title, s.profile)
    s.log += voted.log
    return page, sorted((set(chosen) | set(voted.add)) - comments), voted


def _choose(s: _Saved, page: Article, chosen: list[int], voted: vote.Vote,
            ) -> tuple[Article, Article | None, list[int]]:
    """The classifier over the chosen lines, unless the container failed (nothing, the
    whole page, or much less article text than the page holds around its headline):
    then the classifier's reading of the whole page. Returns the Article, the whole
    page's reading when it is a second opinion (else None), and the lines read."""
    t = thresholds()
    lines = [s.lines[i] for i in chosen]
    art = parse(lines, s.profile, s.hints(chosen, voted, title=s.title, title_in_lines=False),
                path=s.path) if lines else None
    visible = sum(len(x) for x in s.lines)
    kept = sum(len(x) for x in lines)
    own, other = _prose_chars(page), _prose_chars(art)
    much_more = t.own_text_factor * other + t.own_text_margin
    if art is None or not any(b.kind == "para" for b in art.body):
        found = "found no main content" if art is None else \
            "kept a container with no article text in it (comments, links, lists)"
        s.log.append(f"extraction: trafilatura {found}; docpipe's line classifier read the "
                     "page's visible text instead (its dropped lines are listed)")
    elif kept >= t.whole_page_share * visible and len(s.lines) >= t.whole_page_lines:
        s.log.append("extraction: trafilatura kept the whole page as one block; docpipe's "
                     "line classifier read the page's visible text instead (its dropped lines "
                     "are listed)")
    elif own >= much_more and page.title:
        s.log.append(f"extraction: trafilatura's container holds {other} characters of "
                     f"article text, the page's text around its headline {own}: the line "
                     "classifier's reading is used (its dropped lines are listed)")
    else:
        s.log.append(
            f"extraction: trafilatura kept {len(lines)} paragraphs ({kept} characters) of "
            f"about {visible} characters of visible page text; the rest (navigation, "
            "sidebars, comments, footer) is not listed line by line")
        if own > much_more:
            art.warnings.append(
                f"extractors disagree: the library's container holds {other} characters of "
                f"article text, the page's text around its headline {own}; check the briefing")
        return art, page, chosen
    if voted.drop or voted.keep:  # the classifier's reading again, with the vote
        page = parse(s.lines, s.profile, s.hints(list(range(len(s.lines))), voted,
                                                 title=s.title if s.strong else ""),
                     path=s.path)
    return page, None, list(range(len(s.lines)))


def _title(s: _Saved, art: Article, page: Article | None) -> None:
    """The markup's title, unless the headline line the classifier found in the page's
    text is the better one."""
    title = s.title
    if title and not art.title:
        art.title = title
    if page is None or not page.title:
        return
    if (not title or s.title_why.startswith("<title>")) \
            and (not title or squash(title) in squash(page.title)
                 or squash(page.title) in squash(doc_title(s.markup.tree))):
        # A bare <title> is the weakest clue: the headline line the classifier found above
        # the date line, when it agrees with the <title>, is the better one.
        art.title = page.title
        s.log.append("title: the headline line in the page's text (agrees with its <title>)")
    elif moved := _headline_by_its_date(page, art.title, s.lines):
        art.title = page.title
        s.log.append(f"title: the headline line in the page's text, by the article's date "
                     f"line (the markup's {moved})")


def _from_page(art: Article, page: Article) -> None:
    """Metadata the container's reading lacks, from the whole page's reading; the date
    line by the article's headline beats any other date line the container holds."""
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
        # (a sidebar's list of newer articles with their dates)
        art.log.append(f"published: {page.published} from the page's text ("
                       f"{by_headline.removeprefix('published: ')}), not {art.published}")
        art.published = page.published


def _finish(s: _Saved, art: Article, opts: ReadOptions, base: Path | None,
            images: dict[str, str] | None) -> None:
    """WeChat's own elements, the <meta> date, the log, the images and their captions;
    a page that is only boilerplate is refused."""
    tree, url = s.markup.tree, s.markup.url
    _wechat_fields(tree, art, url)
    if not art.published and s.published:
        art.published = s.published
        art.log.append("published: from the page's <meta> tags")
    art.base_dir = str(base) if base else ""
    art.log = s.log + [x for x in art.log if not x.startswith("title: from")]
    art.url = art.url or url
    if s.profile.name != "generic":
        art.log.insert(1, f"site profile: {s.profile.name}")
    found, skipped = article_images(tree, art, base, images)
    art.body = place_images(art, found)
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
        raise InputError("no article text found: the page is only boilerplate", s.path)


def _prose_chars(art: Article | None) -> int:
    return sum(len(squash(b.text)) for b in art.body if b.kind == "para") if art else 0


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
    if all(at - i > thresholds().header_distance for i in where):
        return f"title {title!r} stands in the page's header"
    return ""


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
