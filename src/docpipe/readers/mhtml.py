"""Reader for pages saved as one file ("Webpage, Single File": `.mhtml` / `.mht`).

The file is a MIME multipart/related message: the standard library's email parser
takes it apart. The HTML part (its own charset and transfer encoding) goes through the
HTML reader; the image parts become the page's local images, as `data:` URLs keyed by
the addresses the HTML uses for them (Content-Location, or `cid:` + Content-ID), so
nothing is fetched and nothing is written beside the input.
"""

from __future__ import annotations

import base64
import email
import email.policy
import re
from pathlib import Path

from ..decode import Decoded, decode
from ..errors import InputError
from ..model import Article
from . import ReadOptions

_IMAGE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp", "image/svg+xml"}
#: Multipart sections a web archive may hold: a browser saves one or two. The parser
#: (the standard library's) goes one level of recursion deeper for each.
MAX_MULTIPARTS = 50
_MULTIPART = re.compile(rb"(?im)^content-type:[ \t]*multipart/")


def _parts(data: bytes, path: str):
    if (n := len(_MULTIPART.findall(data))) > MAX_MULTIPARTS:
        raise InputError(f"web archive with {n} multipart sections, more than the "
                         f"{MAX_MULTIPARTS} docpipe reads (a browser saves one or two)", path)
    try:
        msg = email.message_from_bytes(data, policy=email.policy.compat32)
        if not msg.is_multipart():
            raise InputError("not a web archive: no MIME parts (save the page again, or "
                             "use --from html / --from txt)", path)
        return [p for p in msg.walk() if not p.is_multipart()]
    except RecursionError:  # nesting the count above did not see (folded headers)
        raise InputError("web archive nested too deep to read", path) from None


def open_archive(data: bytes, path: str, encoding: str | None) -> tuple[Decoded, list]:
    """The archive's HTML part, decoded, and all its parts. The part's declared charset
    is evidence, as a page's <meta charset> is: used when it decodes the part cleanly,
    else (unknown, or wrong: "utf-16" on UTF-8 bytes) detection decides. `encoding`
    (--encoding) alone is obeyed as it is."""
    parts = _parts(data, path)
    html = next((p for p in parts if p.get_content_type() in ("text/html",
                                                               "application/xhtml+xml")), None)
    if html is None:
        raise InputError("web archive without an HTML part", path)
    raw = html.get_payload(decode=True) or b""
    return decode(raw, path=path, encoding=encoding, declared=html.get_content_charset(),
                  max_bytes=0), parts


def read(data: bytes, path: str, opts: ReadOptions) -> Article:
    if opts.max_bytes and len(data) > opts.max_bytes:
        from ..decode import too_big

        raise too_big(len(data), opts.max_bytes, path)
    decoded, parts = open_archive(data, path, opts.encoding)
    images: dict[str, str] = {}
    for p in parts:
        ctype = p.get_content_type()
        if ctype not in _IMAGE_TYPES:
            continue
        payload = p.get_payload(decode=True) or b""
        if not payload:
            continue
        url = "data:" + ctype + ";base64," + base64.b64encode(payload).decode("ascii")
        if loc := (p.get("Content-Location") or "").strip():
            images[loc] = url
        if cid := (p.get("Content-ID") or "").strip().strip("<>"):
            images["cid:" + cid] = url
    from .html import read_markup

    head = f"read: mhtml (web archive), HTML part {decoded.encoding}" + \
        (f", {len(images)} image part(s)" if images else "")
    base = Path(path).parent if path not in ("-", "<stdin>") else None
    return read_markup(decoded.text, path, opts, head=head, base=base, images=images)
