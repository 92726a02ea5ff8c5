"""Reader for the text a browser gives when a user copies a saved portal page."""

from __future__ import annotations

from pathlib import Path

from .. import profiles
from ..decode import decode
from ..errors import InputError
from ..model import Article
from . import ReadOptions
from .portal import Hints, parse
from .sniff import refuse_non_page


def read(data: bytes, path: str, opts: ReadOptions) -> Article:
    decoded = decode(data, path=path, encoding=opts.encoding, max_bytes=opts.max_bytes)
    text = decoded.text
    if opts.kind != "txt":
        refuse_non_page(text, path)
    profile = profiles.profile_for(text, extra=opts.rules)
    hints = Hints(learnt=dict(opts.learnt)) if opts.learnt else None
    art = parse(text.split("\n"), profile, hints, path=path)
    art.base_dir = str(Path(path).parent) if path not in ("-", "<stdin>") else ""
    art.log.insert(0, f"read: {decoded.encoding}" + (f" ({decoded.note})" if decoded.note else ""))
    if profile.name != "generic":
        art.log.insert(1, f"site profile: {profile.name}")
    if opts.learnt:
        art.log.append(f"site template: {len(opts.learnt)} line(s) learnt from the other pages "
                       "of this site read together")
    # Headings alone (a site name left above no title) are not an article either.
    if all(b.kind == "heading" for b in art.body) and not art.editor_note and not art.lead:
        raise InputError("no article text found: the page is only boilerplate", path)
    return art
