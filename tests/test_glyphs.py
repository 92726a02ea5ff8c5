"""Every character renders, or the user is told (issue 13, point 9).

Pages built here carry CJK extension B..G ideographs and emoji: the PDF draws each with a
real glyph of an installed fallback font and its text layer gives the character itself
back. A character no installed font has is named in one warning line.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from docpipe.writers import RenderOptions
from docpipe.writers.pdf import glyphs as g

DOCPIPE = Path(sys.executable).parent / "docpipe"
# Ext-B, Ext-C, Ext-D, Ext-E, Ext-F ideographs none of them in Noto CJK, then emoji
EXTENSIONS = {"Ext-B": "𠀁", "Ext-C": "𪜁", "Ext-D": "𫝁", "Ext-E": "𫠡", "Ext-F": "𬺱"}
EMOJI = "😀"
UNCOVERED = "\u0378\U0002EBF0"  # unassigned; Ext-I (Unicode 15.1: no Debian font yet)


def page(folder: Path, extra: str, name: str = "rare.txt") -> Path:
    rare = "".join(EXTENSIONS.values())
    text = (f"生僻字測試頁{rare}\n\n"
            f"這一段文字包含擴展區的漢字{rare}，以及表情符號{EMOJI}，用來檢查每個字都有字形。\n\n"
            f"第二段再寫一次：{extra}{rare[::-1]}，這些字要原樣回到文字層裡。\n")
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def convert(src: Path, out: Path, *args: str) -> subprocess.CompletedProcess:
    done = subprocess.run([str(DOCPIPE), "convert", str(src), "-o", str(out), *args],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done


def pdftotext(pdf: Path) -> str:
    return subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    folder = tmp_path_factory.mktemp("glyphs")
    done = convert(page(folder, ""), folder / "out", "-f", "pdf", "--to", "tw")
    return folder / "out" / "rare.pdf", done


@pytest.mark.parametrize("block", list(EXTENSIONS))
def test_extension_ideographs_come_back_as_themselves(rendered, block):
    pdf, _ = rendered
    text = pdftotext(pdf)
    ch = EXTENSIONS[block]
    assert text.count(ch) >= 3, (block, ch, f"U+{ord(ch):04X}")
    assert "\ufffd" not in text
    assert "\U00020000" not in text  # the old stand-in for every missing glyph


def test_emoji_comes_back_and_is_drawn_in_colour(rendered):
    pdf, _ = rendered
    assert EMOJI in pdftotext(pdf)
    images = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True,
                            text=True, check=True).stdout.splitlines()[2:]
    assert any(" rgb " in line for line in images), images  # the emoji's colour bitmap


def test_fallback_fonts_draw_them_embedded_as_small_subsets(rendered):
    pdf, _ = rendered
    rows = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True,
                          check=True).stdout.splitlines()[2:]
    names = " ".join(r.split()[0] for r in rows)
    assert "HanaMinB" in names, names
    assert all(" yes yes yes " in r for r in rows), rows
    assert pdf.stat().st_size < 120_000


def test_no_warning_when_every_character_has_a_glyph(rendered):
    _, done = rendered
    assert "missing glyphs" not in done.stderr


def test_uncovered_character_is_named_in_one_warning_line(tmp_path):
    src = page(tmp_path, UNCOVERED)
    done = convert(src, tmp_path / "out", "-f", "pdf,docx")
    lines = [ln for ln in done.stderr.splitlines() if "missing glyphs" in ln]
    assert lines == [f"docpipe: warning: {src}: missing glyphs: \u0378 (U+0378), "
                     "\U0002EBF0 (U+2EBF0)"]
    text = pdftotext(tmp_path / "out" / "rare.pdf")
    # drawn as .notdef boxes; the text layer says U+FFFD, never another real character
    assert "：\ufffd\ufffd𬺱𫠡" in text, text
    for ch in EXTENSIONS.values():
        assert ch in text


def test_warning_is_data_on_the_article(tmp_path):
    from docpipe.pipeline import Settings, load

    art = load(str(page(tmp_path, UNCOVERED)), Settings(formats=("pdf",)))
    assert [w for w in art.warnings if w.startswith("missing glyphs:")] == [
        "missing glyphs: \u0378 (U+0378), \U0002EBF0 (U+2EBF0)"]
    art = load(str(page(tmp_path, UNCOVERED)), Settings(formats=("docx",)))
    assert not any(w.startswith("missing glyphs:") for w in art.warnings)


# --- the parts

def test_css_stack_names_the_fallback_fonts():
    css = RenderOptions().find("briefing.css").read_text(encoding="utf-8")
    for region in ("SC", "TC", "HK"):
        families = g.css_families(css, region)
        assert families[0] == f"Noto Serif CJK {region}"
        assert "HanaMinB" in families and "BabelStone Han" in families, families
        assert "Noto Color Emoji" not in families  # it would draw digits


def test_stack_covers_extension_b_to_f_and_emoji():
    cover = g.stack_coverage("SC", RenderOptions())
    assert cover is not None
    for block in ("CJK Ext-B", "CJK Ext-C", "CJK Ext-D", "CJK Ext-E", "CJK Ext-F",
                  "emoji (1F600-1F64F)"):
        first, last = g.BLOCKS[block]
        assert cover.count(first, last) == last - first + 1, block
    assert 0x378 not in cover


def test_parse_charsets_and_missing():
    cover = g.parse_charsets("20-7e a0 4e00-9fff\n4e00-4e10 20000-2a6df 1f600\n")
    assert cover.starts == (0x20, 0xA0, 0x4E00, 0x1F600, 0x20000)
    assert 0x9FFF in cover and 0xA000 not in cover and 0x1F600 in cover
    assert cover.count(0x4DFF, 0x4E01) == 2
    text = "漢字a \u200d\ufe0f\n\U0002EBF0ꀀ\U0002EBF0"
    assert g.missing(text, cover) == ["\U0002EBF0", "ꀀ"]


def test_describe_caps_the_line():
    chars = [chr(0x2EBF0 + i) for i in range(25)]
    line = g.describe(chars)
    assert line.startswith("missing glyphs: \U0002EBF0 (U+2EBF0), ")
    assert line.endswith(" and 5 more") and line.count("(U+") == g.MAX_NAMED


def test_doctor_reports_coverage():
    from docpipe.doctor import glyph_coverage

    ok, line = glyph_coverage()
    assert ok, line
    assert "Ext-B 100%" in line and "Ext-F 100%" in line and "emoji (1F600-1F64F) 100%" in line


def test_without_fallback_fonts_doctor_fails_and_pages_warn(tmp_path):
    """A fontconfig set-up with Noto CJK only (as before the fallback fonts): `doctor`
    names the gap and each page names the characters it cannot draw."""
    noto = Path("/usr/share/fonts/opentype/noto")
    conf = tmp_path / "fonts.conf"
    conf.write_text(f"<?xml version='1.0'?><fontconfig><dir>{noto}</dir>"
                    f"<cachedir>{tmp_path / 'cache'}</cachedir></fontconfig>")
    env = {**os.environ, "FONTCONFIG_FILE": str(conf)}
    doctor = subprocess.run([str(DOCPIPE), "doctor"], capture_output=True, text=True, env=env)
    line = next(ln for ln in doctor.stdout.splitlines() if "glyph coverage" in ln)
    assert line.startswith("FAIL") and "Ext-C 1%" in line, line
    assert "fonts-hanazono" in doctor.stdout and doctor.returncode == 1
    done = subprocess.run([str(DOCPIPE), "convert", str(page(tmp_path, "")), "-o",
                           str(tmp_path / "out"), "-f", "pdf"], capture_output=True, text=True,
                          env=env)
    assert done.returncode == 0, done.stderr
    warning = next(ln for ln in done.stderr.splitlines() if "missing glyphs" in ln)
    for ch in [*EXTENSIONS.values(), EMOJI]:
        assert f"{ch} (U+{ord(ch):04X})" in warning
