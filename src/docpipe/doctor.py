"""`docpipe doctor`: is this machine ready to render briefings fast and right?"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable

from .variants import ALL, REGIONS

FIX_FONTS = "sudo apt-get install -y fonts-noto-cjk"
FIX_HB = "sudo apt-get install -y libharfbuzz-subset0"
FIX_FALLBACK = "sudo apt-get install -y fonts-hanazono fonts-babelstone-han fonts-noto-color-emoji"
FIX_POPPLER = "sudo apt-get install -y poppler-utils"
#: blocks every character of which a briefing must draw (Ext-G/H: no Debian font has all)
MUST_COVER = ("CJK Ext-A", "CJK Unified", "CJK Ext-B", "CJK Ext-C", "CJK Ext-D", "CJK Ext-E",
              "CJK Ext-F", "emoji (1F600-1F64F)")


def glyph_coverage(region: str = "SC") -> tuple[bool, str]:
    """(every MUST_COVER block complete, one line of per-block coverage) for the PDF's
    font stack, as writers/pdf/glyphs.py checks each page against it."""
    from .writers import RenderOptions
    from .writers.pdf import BLOCKS, stack_coverage

    cover = stack_coverage(region, RenderOptions())
    if cover is None:
        return False, "glyph coverage: unknown (fontconfig's fc-match is missing)"
    shares = {name: cover.count(a, b) / (b - a + 1) for name, (a, b) in BLOCKS.items()}
    ok = all(shares[name] == 1 for name in MUST_COVER)
    line = ", ".join(f"{name.replace('CJK ', '')} {share:.0%}" for name, share in shares.items())
    return ok, f"glyph coverage of the PDF fonts: {line}"


def matched_font(family: str, lang: str) -> str:
    """The family fontconfig will really use for `family` (empty if fc-match is missing)."""
    if not shutil.which("fc-match"):
        return ""
    out = subprocess.run(["fc-match", "-f", "%{family[0]}|%{file}", f"{family}:lang={lang}"],
                         capture_output=True, text=True, check=False)
    return out.stdout.strip()


def _compact_fonts_work() -> bool:
    """Render two CJK characters; True when the PDF embeds them as compact bare CFF."""
    from weasyprint import HTML

    from .writers.pdf import font_config, write_pdf

    pdf = write_pdf(HTML(string='<p lang="zh-Hans" style="font-family: \'Noto Serif CJK SC\'">'
                                '编者按</p>'), font_config=font_config())
    return b"/CIDFontType0C" in pdf and len(pdf) < 60_000


def run(echo: Callable[[str], None]) -> int:
    """Print one line per check; return 0 when all pass, 1 otherwise."""
    problems = 0

    def report(ok: bool, what: str, fix: str = "") -> None:
        nonlocal problems
        problems += not ok
        echo(f"{'ok  ' if ok else 'FAIL'} {what}" + (f"\n     fix: {fix}" if fix and not ok else ""))

    for check in (_fonts, _weasyprint, _read_back, _library_versions, _opencc, _keywords):
        check(report)
    echo("all good" if not problems else f"{problems} problem(s)")
    return 1 if problems else 0


Report = Callable[..., None]  # report(ok, what, fix="")


def _fonts(report: Report) -> None:
    """The Noto face fontconfig picks for each variant, and the PDF stack's coverage."""
    for variant in ALL.values():
        body = REGIONS[variant.region].serif
        found = matched_font(body, variant.lang.lower())
        family = found.split("|")[0]
        ok = family.startswith("Noto Serif CJK") or family.startswith("Noto Sans CJK")
        exact = family == body
        report(ok, f"font for --to {variant.name:<4} ({variant.lang}): "
               + (f"{family} ({found.split('|')[-1]})" if found else "none found")
               + ("" if exact or not ok else f"; wanted {body}, falls back"), FIX_FONTS)

    ok, line = glyph_coverage()
    report(ok, line, FIX_FALLBACK)


def _weasyprint(report: Report) -> None:
    """WeasyPrint loads, subsets fonts with HarfBuzz, and embeds compact CJK subsets."""
    try:
        from .writers.pdf import load_weasyprint

        load_weasyprint()
        from weasyprint.text.ffi import harfbuzz, harfbuzz_subset

        fast = harfbuzz_subset is not None and bool(harfbuzz.hb_version_atleast(4, 1, 0))
        report(fast, "PDF font subsetting with HarfBuzz"
               + ("" if fast else ": missing, WeasyPrint falls back to fontTools "
                  "(about 30x slower on CJK fonts)"), FIX_HB)
        if fast:
            compact = _compact_fonts_work()
            report(compact, "compact CJK font subsets (no empty glyph slots)"
                   + ("" if compact else ": not working, PDFs stay correct but ~3x larger"),
                   FIX_HB)
    except (ImportError, OSError) as exc:
        report(False, f"WeasyPrint cannot load: {exc}",
               "sudo apt-get install -y libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0")


def _read_back(report: Report) -> None:
    from .verify import CheckUnavailable, extractor

    try:
        report(True, f"every PDF read back after writing, with {extractor()}")
    except CheckUnavailable as exc:
        report(False, f"PDFs cannot be read back after writing: {exc}", FIX_POPPLER)


def _library_versions(report: Report) -> None:
    from .versions import installed_versions, outside_tested, tested_ranges

    ranges = tested_ranges()
    off = outside_tested(ranges, installed_versions(ranges))
    for line in off:
        report(False, f"library version: {line}", "pip install -e . (or the versions named "
               "in docpipe's pyproject.toml)")
    if ranges and not off:
        report(True, "library versions within the tested ranges: "
               + ", ".join(f"{n} {v}" for n, v in installed_versions(ranges).items()))


def _opencc(report: Report) -> None:
    """Each variant's OpenCC config converts (from Simplified first, then back to it)."""
    from .transforms.chinese import converter

    for variant in sorted(ALL.values(), key=lambda v: v.opencc.startswith("t2")):
        config = variant.opencc
        try:
            sample = converter(config).convert("编者按 志愿服务" if variant.name != "hans"
                                               else "編者按")
            report(True, f"OpenCC {config:<5} (--to {variant.name}): {sample}")
        except Exception as exc:  # any failure of the native library is a finding here
            report(False, f"OpenCC {config} (--to {variant.name}): {exc}",
                   "pip install --force-reinstall opencc")


def _keywords(report: Report) -> None:
    try:
        from .transforms.keywords import keywords

        words = [w for w, _ in keywords("志愿服务是社会文明进步的重要标志。志愿服务国际合作。", 3)]
        report(bool(words), "keywords (jieba, docpipe's dictionary): " + " ".join(words))
    except (ImportError, OSError) as exc:
        report(False, f"keywords (jieba): {exc}", "pip install --force-reinstall jieba docpipe")
