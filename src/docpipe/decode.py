"""bytes -> text: charset decision, line ends, refusal of binary input.

Order of evidence: BOM, then a declared charset that decodes cleanly, then strict
UTF-8, then charset-normalizer's guess. Legacy Chinese names are widened to the
superset codecs (gb2312/gbk -> gb18030, big5 -> big5hkscs) because pages use
characters outside the narrow tables.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from .errors import InputError

DEFAULT_MAX_BYTES = 20 * 1024 * 1024

_WIDER = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "cp936": "gb18030",
    "x-gbk": "gb18030",
    "gb_2312-80": "gb18030",
    "euc-cn": "gb18030",
    "hz-gb-2312": "gb18030",
    "big5": "big5hkscs",
    "cp950": "big5hkscs",
    "x-big5": "big5hkscs",
    "big5-hkscs": "big5hkscs",
    "ascii": "utf-8",
    "us-ascii": "utf-8",
    "iso-8859-1": "utf-8",  # mis-declared far more often than really Latin-1
    "latin-1": "utf-8",
    "windows-1252": "utf-8",
}

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

_MAGIC = (
    (b"\x89PNG", "a PNG image"),
    (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive (DOCX, XLSX, …)"),
    (b"GIF8", "a GIF image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"\x7fELF", "an executable"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"RIFF", "a RIFF media file"),
    (b"\xd0\xcf\x11\xe0", "an MS Office document"),
)

# Vertical tab and form feed are left out: Word's copied text uses them as line breaks.
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
# Characters XML 1.0 forbids (python-docx and lxml refuse them): dropped from page text.
# Vertical tab and form feed are line breaks in copied Word text: they become newlines.
_XML_INVALID = re.compile("[\x00-\x08\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_BREAKS = str.maketrans({"\x0b": "\n", "\x0c": "\n", "\x85": "\n", "\u2028": "\n",
                         "\u2029": "\n"})


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str
    note: str = ""  # e.g. "declared gb2312 but decoded as utf-8"


def codec_name(name: str) -> str:
    """Normalise a declared or requested charset name to the codec docpipe uses; "" for
    a name that is no text encoding Python has (`undefined`, `rot13`, `base64` are
    codecs too, but decode no page): a page's declaration is then ignored, and
    detection decides."""
    key = name.strip().strip("\"'").lower().replace("_", "-")
    key = {"gb-2312": "gb2312", "utf8": "utf-8"}.get(key, key)
    wide = _WIDER.get(key, key)
    try:
        codec = codecs.lookup(wide).name
        "".encode(codec)  # a bytes-to-bytes codec, or `undefined`, fails here
        b"".decode(codec)
    except (LookupError, UnicodeError, TypeError):
        return ""
    return codec


def normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def xml_safe(text: str) -> str:
    """`text` with line-break controls as newlines and XML-invalid characters dropped."""
    return _XML_INVALID.sub("", text.translate(_BREAKS))


def size_text(n: int) -> str:
    """A byte count for people: 512 bytes, 37.5 KB, 20.0 MB."""
    if n < 1000:
        return f"{n} bytes"
    if n < 1_000_000:
        return f"{n / 1e3:.1f} KB"
    return f"{n / 1e6:.1f} MB"


def too_big(size: int, max_bytes: int, path: str) -> InputError:
    return InputError(
        f"input is {size_text(size)}, over the limit of {size_text(max_bytes)} "
        "(raise it with --max-bytes, 0 for no limit)", path)


def _strict(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except (UnicodeError, LookupError):
        return None


def _utf8_truncated(data: bytes) -> str | None:
    """UTF-8 cut off inside the final character (a truncated download or copy)."""
    for cut in (1, 2, 3):
        if len(data) > cut:
            text = _strict(data[:-cut], "utf-8")
            if text is not None:
                return text
    return None


def _looks_binary(data: bytes) -> str | None:
    for magic, what in _MAGIC:
        if data.startswith(magic):
            return what
    sample = data[:8192]
    if b"\x00" in sample:
        return "binary data (NUL bytes)"
    return None


def _plausible(text: str) -> bool:
    """Reject decodings that are mostly control characters or private-use code points."""
    if not text:
        return False
    sample = text[:20000]
    bad = len(_CONTROL.findall(sample))
    bad += sum(1 for ch in sample if "\ue000" <= ch <= "\uf8ff" or ch == "\ufffd")
    return bad <= max(2, len(sample) // 200)


def decode(
    data: bytes,
    *,
    path: str = "<stdin>",
    encoding: str | None = None,
    declared: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Decoded:
    """Decide the charset of `data` and return normalised text, or raise InputError."""
    if max_bytes and len(data) > max_bytes:
        raise too_big(len(data), max_bytes, path)
    if not data.strip():
        raise InputError("empty input: nothing to convert", path)

    if encoding:
        codec = codec_name(encoding)
        if not codec:
            raise InputError(f"unknown encoding {encoding!r}", path)
        text = _strict(data, codec)
        if text is None:
            raise InputError(f"does not decode as {encoding}", path)
        return _done(text, codec, path)

    for bom, codec in _BOMS:
        if data.startswith(bom):
            text = _strict(data, codec)
            if text is None:
                raise InputError(f"starts with a {codec} byte-order mark but does not decode", path)
            return _done(text, codec, path)

    declared_codec = codec_name(declared) if declared else ""
    if declared_codec.startswith(("utf-16", "utf-32")):  # NUL bytes are its nature
        text = _strict(data, declared_codec)
        if text is not None and _plausible(text) and _strict(data, "utf-8") is None:
            return _done(text, declared_codec, path)

    what = _looks_binary(data)
    if what:
        raise InputError(f"not a text or HTML page: looks like {what}", path)

    if declared_codec and declared_codec != "utf-8":
        text = _strict(data, declared_codec)
        # A page re-saved as UTF-8 that still declares GBK decodes as both only when
        # it is pure ASCII; otherwise prefer the one that is clean and plausible.
        if text is not None and _plausible(text) and _strict(data, "utf-8") is None:
            return _done(text, declared_codec, path)

    text = _strict(data, "utf-8")
    if text is not None:
        note = f"declared {declared} but is UTF-8" if declared_codec not in ("", "utf-8") else ""
        return _done(text, "utf-8", path, note)

    text = _utf8_truncated(data)
    if text is not None:
        return _done(text, "utf-8", path, "last character truncated")

    guess = _guess(data)
    if guess:
        return _done(guess[0], guess[1], path)
    raise InputError("cannot decode: not UTF-8, GB18030, Big5 or UTF-16 (try --encoding)", path)


def _guess(data: bytes) -> tuple[str, str] | None:
    from charset_normalizer import from_bytes

    candidates: list[str] = []
    best = from_bytes(data[:200_000]).best()
    if best is not None and best.encoding:
        candidates.append(codec_name(best.encoding) or best.encoding)
    candidates += ["gb18030", "big5hkscs"]
    seen: set[str] = set()
    for codec in candidates:
        if codec in seen:
            continue
        seen.add(codec)
        text = _strict(data, codec)
        if text is not None and _plausible(text) and _mostly_cjk_or_ascii(text):
            return text, codec
    return None


def _mostly_cjk_or_ascii(text: str) -> bool:
    sample = text[:20000]
    ok = sum(
        1
        for ch in sample
        if ch < "\u0250" or "\u2000" <= ch <= "\u303f" or "\u3400" <= ch <= "\u9fff"
        or "\uff00" <= ch <= "\uffef"
    )
    return ok >= 0.9 * len(sample)


def _done(text: str, codec: str, path: str, note: str = "") -> Decoded:
    text = normalise_newlines(text)
    if text.startswith("\ufeff"):
        text = text[1:]
    if not _plausible(text):
        raise InputError(f"decodes as {codec} but is mostly control characters: not a page", path)
    text = xml_safe(text)
    if not text.strip():
        raise InputError("empty input: only whitespace", path)
    return Decoded(text, codec, note)
