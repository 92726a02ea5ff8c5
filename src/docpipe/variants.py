"""The scripts docpipe writes (`--to`), one row each, and the fonts of each Noto CJK region.

Everything docpipe knows of a script variant is a column here: the OpenCC config that
converts to it, the language tags outputs carry, its region (which picks the fonts and
the CSS class `cjk-SC`/`cjk-TC`/`cjk-HK`), Word's East Asian language, and the BCP 47
tags `--to` also takes for it. The model, the options, the transforms, the writers and
`docpipe doctor` read this table: adding a variant is one row (and its words in
templates/labels.toml). Pure data, no imports: every layer may read it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Variant:
    name: str  # what --to takes, and Article.variant
    gloss: str  # the help's word for it ("" when the name says enough)
    opencc: str  # OpenCC's config that converts a page into it
    lang: str  # BCP 47 tag of the outputs (HTML lang, PDF, DOCX core properties)
    region: str  # Noto CJK region: a key of REGIONS
    word_lang: str  # Word's East Asian language (w:eastAsia, w:lang)
    tags: tuple[str, ...] = ()  # BCP 47 tags --to takes for it (any case, - or _); the
    # first is the one the help names


ALL: dict[str, Variant] = {v.name: v for v in (
    Variant("hans", "Simplified", "t2s", "zh-Hans", "SC", "zh-CN",
            ("zh-Hans", "zh-CN", "zh-SG", "zh-Hans-CN")),
    Variant("hant", "", "s2t", "zh-Hant", "TC", "zh-TW", ("zh-Hant",)),
    Variant("tw", "Taiwan", "s2tw", "zh-Hant-TW", "TC", "zh-TW", ("zh-TW", "zh-Hant-TW")),
    Variant("twp", "Taiwan phrases", "s2twp", "zh-Hant-TW", "TC", "zh-TW"),
    Variant("hk", "", "s2hk", "zh-Hant-HK", "HK", "zh-HK", ("zh-HK", "zh-Hant-HK")),
)}
#: The variants' names, in the order the help and the errors list them.
VARIANTS: tuple[str, ...] = tuple(ALL)


@dataclass(frozen=True)
class Region:
    """The fonts of one Noto CJK region. The DOCX names `serif` (body) and `sans`
    (headings) and `docpipe doctor` checks that fontconfig has them; the PDF's stack is
    the `.cjk-<region>` rule of templates/briefing.css (a template a user may edit)."""

    serif: str
    sans: str
    # Word on Windows without Noto: the faces standing in for serif and sans, and the
    # font charset Word files under them (GB2312 86, Big5 88), so that Chinese text
    # falls back to SimSun/宋体, PMingLiU/新細明體 or MingLiU_HKSCS, not a Japanese face.
    windows_serif: str
    windows_sans: str
    windows_charset: str


REGIONS: dict[str, Region] = {
    "SC": Region("Noto Serif CJK SC", "Noto Sans CJK SC", "SimSun", "SimHei", "86"),
    "TC": Region("Noto Serif CJK TC", "Noto Sans CJK TC", "PMingLiU", "Microsoft JhengHei",
                 "88"),
    "HK": Region("Noto Serif CJK HK", "Noto Sans CJK HK", "MingLiU_HKSCS",
                 "Microsoft JhengHei", "88"),
}

#: BCP 47 tag, lower case -> variant: the tags a user's other tools speak (zh-TW in a
#: CMS, zh-Hant in pandoc's `lang`).
TAGS: dict[str, str] = {t.lower(): v.name for v in ALL.values() for t in v.tags}


def variant_for(value: str) -> str | None:
    """A variant name (hans …) or a BCP 47 tag (zh-TW …) as docpipe's variant, or None."""
    key = value.strip().lower().replace("_", "-")
    return key if key in ALL else TAGS.get(key)
