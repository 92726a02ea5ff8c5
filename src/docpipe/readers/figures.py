"""The article's images from a saved page: local files in the page's own folder (or
`data:` parts of a web archive), placed after the paragraph they follow, with the
caption the page sets under them. Remote images are never fetched.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

from .. import profiles
from ..model import Article, Block
from ..profiles import patterns
from .lines import clean, squash
from .markup import text_of


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


def article_images(tree, art: Article, base: Path | None,
                    inline: dict[str, str] | None = None):
    """Images inside the article's container in the page, in document order, as
    (index of the body block they follow, src, caption); and how many were left out
    (remote or missing: never fetched)."""
    order = {el: i for i, el in enumerate(tree.iter())}
    paras = [squash(b.text) for b in art.body if b.kind != "image"]
    least = profiles.thresholds().image_anchor_min
    want = {t: i for i, t in enumerate(paras) if len(t) >= least}
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
            caption = text_of(cap)
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


def place_images(art: Article, images: list[tuple[int, str, str]]) -> list[Block]:
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
