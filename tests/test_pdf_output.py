"""The PDF briefing: fonts per variant, embedding, size, page furniture, glyph coverage."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from conftest import REFERENCE, invoke


def pdffonts(path: Path) -> list[dict[str, str]]:
    out = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True,
                         text=True).stdout.splitlines()[2:]
    rows = []
    for line in out:
        parts = line.split()
        # name type... encoding emb sub uni object ID: read the three yes/no columns
        yn = [p for p in parts if p in ("yes", "no")]
        rows.append({"name": parts[0], "emb": yn[0], "sub": yn[1], "uni": yn[2]})
    return rows


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory) -> dict[str, Path]:
    from typer.testing import CliRunner

    found = {}
    for variant in ("", "tw", "hk"):
        out = tmp_path_factory.mktemp(f"pdf{variant or 'hans'}")
        args = ["convert", str(REFERENCE), "-o", str(out), "-f", "pdf"]
        if variant:
            args += ["--to", variant]
        res = invoke(CliRunner(), *args)
        assert res.exit_code == 0, res.output
        found[variant or "hans"] = out / f"{REFERENCE.stem}.pdf"
    return found


@pytest.mark.parametrize("variant,family", [("hans", "Noto-Serif-CJK-SC"),
                                            ("tw", "Noto-Serif-CJK-TC"),
                                            ("hk", "Noto-Serif-CJK-HK")])
def test_font_follows_variant_embedded_and_subset(pdfs, variant, family):
    fonts = pdffonts(pdfs[variant])
    assert fonts, "no fonts in the PDF"
    assert any(family in f["name"] for f in fonts), fonts
    for f in fonts:
        assert f["emb"] == "yes" and f["sub"] == "yes", f
        assert re.match(r"^[A-Z]{6}\+", f["name"]), f  # subset tag


def test_lang_attribute_matches_variant(tmp_path, runner):
    for variant, lang in (("tw", "zh-Hant-TW"), ("hk", "zh-Hant-HK"), ("hans", "zh-Hans")):
        res = invoke(runner, "convert", str(REFERENCE), "-o", str(tmp_path / variant),
                     "-f", "html", "--to", variant)
        assert res.exit_code == 0
        html = (tmp_path / variant / f"{REFERENCE.stem}.html").read_text(encoding="utf-8")
        assert f'<html lang="{lang}"' in html


def test_reference_pdf_size(pdfs):
    assert pdfs["hans"].stat().st_size < 400_000


def test_page_numbers_running_header_and_attribution(pdfs):
    from pypdf import PdfReader

    reader = PdfReader(str(pdfs["hans"]))
    n = len(reader.pages)
    assert n >= 2
    for i, page in enumerate(reader.pages, 1):
        text = page.extract_text()
        assert f"{i} / {n}" in text
        assert "来源：中华慈善公益网" in text
    # running header with the title from page 2 on
    assert "小而美" in reader.pages[1].extract_text().split("\n")[0] or \
        "小而美，大作为" in reader.pages[1].extract_text()


def test_a4_pages(pdfs):
    from pypdf import PdfReader

    box = PdfReader(str(pdfs["hans"])).pages[0].mediabox
    assert round(float(box.width) / 72 * 25.4) == 210
    assert round(float(box.height) / 72 * 25.4) == 297


def test_every_character_has_a_glyph(pdfs):
    """No missing-glyph boxes: the font chosen for the variant covers all the page's text."""
    from fontTools.ttLib import TTCollection

    from docpipe.doctor import matched_font

    found = matched_font("Noto Serif CJK SC", "zh-cn")
    assert found, "fc-match not available"
    family, path = found.split("|")
    coll = TTCollection(path)
    font = next(f for f in coll.fonts if f["name"].getDebugName(1) == family)
    cmap = font.getBestCmap()
    text = subprocess.run(["pdftotext", str(pdfs["hans"]), "-"], capture_output=True,
                          text=True, check=True).stdout
    missing = {ch for ch in text if not ch.isspace() and ord(ch) not in cmap}
    assert not missing


def test_page_one_renders(pdfs, tmp_path):
    subprocess.run(["pdftoppm", "-r", "40", "-png", "-f", "1", "-l", "1", str(pdfs["tw"]),
                    str(tmp_path / "p")], check=True)
    png = next(tmp_path.glob("p*.png"))
    assert png.stat().st_size > 5000
