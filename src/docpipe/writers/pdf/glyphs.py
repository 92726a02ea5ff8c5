"""Which characters of a page no installed font can draw: named, never printed as boxes.

The PDF's text goes through the CSS font stack of the briefing (`.cjk-SC` …: Noto CJK,
then the fallback fonts for the CJK extension planes), and Pango falls back from there
to any installed font that has the character (emoji reach Noto Color Emoji that way).
fontconfig sorts exactly that list (`fc-match -s`), with the characters each font
covers; their union is what the PDF can show. A character outside it would be drawn as
an empty box, so the page gets one warning line naming such characters instead.
"""

from __future__ import annotations

import bisect
import contextlib
import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ...model import Article
from ...verify import ignorable
from .. import RenderOptions

#: Noto CJK region of the CSS class -> fontconfig language (orders fonts, not coverage)
FC_LANG = {"SC": "zh-cn", "TC": "zh-tw", "HK": "zh-hk"}

#: blocks `doctor` reports: name -> (first, last) assigned code point (Unicode 15.1)
BLOCKS = {
    "CJK Ext-A": (0x3400, 0x4DBF),
    "CJK Unified": (0x4E00, 0x9FFF),
    "CJK Ext-B": (0x20000, 0x2A6DF),
    "CJK Ext-C": (0x2A700, 0x2B739),
    "CJK Ext-D": (0x2B740, 0x2B81D),
    "CJK Ext-E": (0x2B820, 0x2CEA1),
    "CJK Ext-F": (0x2CEB0, 0x2EBE0),
    "CJK Ext-G": (0x30000, 0x3134A),
    "CJK Ext-H": (0x31350, 0x323AF),
    "CJK Ext-I": (0x2EBF0, 0x2EE5D),
    "emoji (1F600-1F64F)": (0x1F600, 0x1F64F),
}

MAX_NAMED = 20  # characters named in one warning line; the rest are counted


@dataclass(frozen=True)
class Coverage:
    """Sorted, merged code point ranges that some font of the stack draws."""

    starts: tuple[int, ...]
    ends: tuple[int, ...]

    def __contains__(self, cp: int) -> bool:
        i = bisect.bisect_right(self.starts, cp) - 1
        return i >= 0 and cp <= self.ends[i]

    def count(self, first: int, last: int) -> int:
        """How many code points of first..last are covered."""
        total = 0
        i = max(bisect.bisect_right(self.starts, first) - 1, 0)
        while i < len(self.starts) and self.starts[i] <= last:
            lo, hi = max(self.starts[i], first), min(self.ends[i], last)
            total += max(hi - lo + 1, 0)
            i += 1
        return total


def css_families(css: str, region: str) -> tuple[str, ...]:
    """The font-family list of the `.cjk-REGION` rule of the briefing's CSS."""
    m = re.search(r"\.cjk-" + re.escape(region) + r"\s*\{[^}]*?font-family\s*:\s*([^;}]+)", css)
    if not m:
        return ("serif",)
    return tuple(f.strip().strip("'\"") for f in m[1].split(",") if f.strip())


_RANGE = re.compile(r"\b([0-9a-f]+)(?:-([0-9a-f]+))?\b")


def parse_charsets(text: str) -> Coverage:
    """fontconfig `%{charset}` lines ("20-7e a0 4e00-9fff …") as one merged Coverage."""
    ranges = [(int(lo, 16), int(hi or lo, 16)) for lo, hi in _RANGE.findall(text)]
    ranges.sort()
    starts: list[int] = []
    ends: list[int] = []
    for lo, hi in ranges:
        if ends and lo <= ends[-1] + 1:
            ends[-1] = max(ends[-1], hi)
        else:
            starts.append(lo)
            ends.append(hi)
    return Coverage(tuple(starts), tuple(ends))


@lru_cache(maxsize=16)
def coverage(families: tuple[str, ...], lang: str) -> Coverage | None:
    """What the font stack `families` (then fontconfig's fallback) can draw; None when
    fontconfig's `fc-match` is not installed (coverage unknown).

    Asking fontconfig costs a process and ~60 ms, a twentieth of a briefing: the answer
    is kept in docpipe's cache folder, keyed by the question and by the state of
    fontconfig's own caches (installing or removing a font changes their folders)."""
    if not shutil.which("fc-match"):
        return None
    cached = _cache_file(families, lang)
    if cached is not None:
        with contextlib.suppress(OSError, ValueError, TypeError):
            data = json.loads(cached.read_text(encoding="utf-8"))
            return Coverage(tuple(data["starts"]), tuple(data["ends"]))
    pattern = ",".join(re.sub(r"([-,:\\])", r"\\\1", f) for f in families)
    done = subprocess.run(["fc-match", "-s", f"{pattern}:lang={lang}", "--format",
                           "%{charset}\n"], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        return None
    cover = parse_charsets(done.stdout)
    if cached is not None:
        with contextlib.suppress(OSError):
            from ...outputs import write_bytes

            cached.parent.mkdir(parents=True, exist_ok=True)
            write_bytes(cached, json.dumps({"starts": cover.starts, "ends": cover.ends})
                        .encode("utf-8"))
    return cover


def _cache_file(families: tuple[str, ...], lang: str) -> Path | None:
    """Where the coverage of this stack is kept, or None (no usable cache folder)."""
    import hashlib
    import os

    home = os.environ.get("XDG_CACHE_HOME") or (
        str(Path.home() / ".cache") if Path.home().is_dir() else "")
    if not home:
        return None
    state: list[str] = [repr(families), lang]
    state += [f"{k}={os.environ.get(k, '')}" for k in ("FONTCONFIG_FILE", "FONTCONFIG_PATH",
                                                        "FONTCONFIG_SYSROOT")]
    for folder in ("/var/cache/fontconfig", f"{home}/fontconfig", "/etc/fonts",
                   "/etc/fonts/conf.d", "/usr/share/fonts", "/usr/local/share/fonts"):
        with contextlib.suppress(OSError):
            state.append(f"{folder}:{os.stat(folder).st_mtime_ns}")
    key = hashlib.sha256("\n".join(state).encode("utf-8")).hexdigest()[:24]
    return Path(home) / "docpipe" / f"coverage-{key}.json"


@lru_cache(maxsize=8)
def _css(path: str) -> str:
    return Path(path).read_text(encoding="utf-8")


def stack_coverage(region: str, opts: RenderOptions) -> Coverage | None:
    """Coverage of the briefing CSS's font stack for `region` (SC, TC, HK)."""
    try:
        css = _css(str(opts.find("briefing.css")))
    except FileNotFoundError:
        css = ""
    return coverage(css_families(css, region), FC_LANG.get(region, "zh-cn"))


def missing(text: str, cover: Coverage) -> list[str]:
    """The distinct characters of `text` that `cover` lacks, in order of appearance."""
    seen: set[str] = set()
    out = []
    for ch in text:
        if ch in seen:
            continue
        seen.add(ch)
        if ord(ch) not in cover and not ignorable(ch):
            out.append(ch)
    return out


def shown_text(art: Article) -> str:
    """Every text field a briefing shows."""
    parts = [art.title, art.site, art.source, art.author, art.editor, art.url, art.lead,
             art.editor_note, art.summary, *art.keywords]
    for block in art.body:
        parts += [block.text, block.caption]
    return "\n".join(p for p in parts if p)


def describe(chars: list[str]) -> str:
    """`missing glyphs: 𰀀 (U+30000), … and 3 more`."""
    named = ", ".join(f"{c} (U+{ord(c):04X})" for c in chars[:MAX_NAMED])
    more = f" and {len(chars) - MAX_NAMED} more" if len(chars) > MAX_NAMED else ""
    return f"missing glyphs: {named}{more}"


def glyph_warning(art: Article, opts: RenderOptions) -> str | None:
    """The page's warning line, or None when every character has a glyph (or fontconfig
    cannot tell)."""
    from ...transforms.chinese import LANG

    region = LANG.get(art.variant, ("", "SC"))[1]
    cover = stack_coverage(region, opts)
    if cover is None:
        return None
    chars = missing(shown_text(art), cover)
    return describe(chars) if chars else None
