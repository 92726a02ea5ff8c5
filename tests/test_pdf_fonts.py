"""Compact CJK font subsets (writers/fonts.py): same pages, same text, a third of the size.

The compact PDF is compared with WeasyPrint's own output of the same HTML: text read back
by pdftotext and pages rendered by pdftoppm must be identical.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import REFERENCE

pytestmark = pytest.mark.skipif(not shutil.which("pdftoppm"), reason="poppler-utils missing")


@pytest.fixture(scope="module")
def article():
    from docpipe.pipeline import Settings, load

    return load(str(REFERENCE), Settings(variant="tw"))


@pytest.fixture(scope="module")
def both(article, tmp_path_factory) -> dict[str, Path]:
    """The reference briefing (--to tw) as WeasyPrint writes it and as docpipe does."""
    from docpipe.writers import RenderOptions
    from docpipe.writers.html import render
    from docpipe.writers.pdf import pdf_bytes, roots_for

    opts = RenderOptions()
    html = render(article, opts)
    out = tmp_path_factory.mktemp("fonts")
    paths = {}
    for name, shrink in (("weasyprint", False), ("docpipe", True)):
        paths[name] = out / f"{name}.pdf"
        paths[name].write_bytes(pdf_bytes(html, roots_for(article, opts),
                                          opts.search_path[-1], shrink=shrink))
    return paths


def fonts(pdf: Path) -> list[dict[str, str]]:
    lines = subprocess.run(["pdffonts", str(pdf)], check=True, capture_output=True,
                           text=True).stdout.splitlines()[2:]
    rows = []
    for line in lines:
        yn = [p for p in line.split() if p in ("yes", "no")]
        rows.append({"name": line.split()[0], "type": line[37:55].strip(),
                     "emb": yn[0], "sub": yn[1], "uni": yn[2]})
    return rows


def test_reference_pdf_under_400_kb(both):
    assert both["docpipe"].stat().st_size < 400_000
    assert both["docpipe"].stat().st_size < both["weasyprint"].stat().st_size / 2


def test_every_font_embedded_subset_and_bare_cid_cff(both):
    rows = fonts(both["docpipe"])
    assert len(rows) == 2, rows  # Regular and Bold
    for row in rows:
        assert (row["emb"], row["sub"], row["uni"]) == ("yes", "yes", "yes"), row
        assert re.match(r"^[A-Z]{6}\+Noto-Serif-CJK-TC", row["name"]), row
        assert row["type"] == "CID Type 0C", row


def test_text_identical_to_weasyprint(both):
    def text(pdf: Path) -> str:
        return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True,
                              capture_output=True, text=True).stdout

    compact = text(both["docpipe"])
    assert compact == text(both["weasyprint"])
    assert "志願服務" in compact


@pytest.mark.parametrize("tool", ["pdftoppm", "pdftocairo"])
def test_pages_render_identically(both, tmp_path, tool):
    images = {}
    for name, pdf in both.items():
        prefix = tmp_path / f"{tool}-{name}"
        args = [tool, "-r", "60", "-gray"] if tool == "pdftoppm" else [tool, "-png", "-r", "60"]
        subprocess.run([*args, str(pdf), str(prefix)], check=True)
        images[name] = sorted(tmp_path.glob(f"{tool}-{name}*"))
    assert len(images["docpipe"]) == len(images["weasyprint"]) >= 2
    for a, b in zip(images["docpipe"], images["weasyprint"], strict=True):
        assert a.read_bytes() == b.read_bytes(), f"{a.name} differs from {b.name}"


def test_run_in_points_in_the_bold_face(both, article):
    """Each run-in (第一,…。) is drawn with the Bold font: its characters are in that
    font's ToUnicode map and not only in the Regular one."""
    from pypdf import PdfReader

    reader = PdfReader(str(both["docpipe"]))
    chars: dict[str, set[str]] = {}
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            cmap = font["/ToUnicode"].get_object().get_data().decode("latin-1")
            found = {chr(int(u, 16)) for u in re.findall(r"<[0-9a-f]{4}> <([0-9a-f]{4})>", cmap)}
            chars.setdefault(str(font["/BaseFont"]), set()).update(found)
    bold = set().union(*(v for k, v in chars.items() if "Bold" in k))
    lead_ins = [b.lead_in for b in article.body if b.lead_in]
    assert len(lead_ins) == 4
    for lead in lead_ins:
        cjk = {c for c in lead if "\u4e00" <= c <= "\u9fff"}
        assert cjk <= bold, (lead, cjk - bold)


def test_non_cid_fonts_left_as_weasyprint_writes_them(tmp_path):
    """A Latin TrueType font is not touched: same type as WeasyPrint's own output."""
    from docpipe.writers.pdf import pdf_bytes

    html = '<p style="font-family: DejaVu Sans, Liberation Sans, sans-serif">Briefing 2025</p>'
    rows = {}
    for shrink in (False, True):
        pdf = tmp_path / f"{shrink}.pdf"
        pdf.write_bytes(pdf_bytes(html, [tmp_path], tmp_path, shrink=shrink))
        rows[shrink] = [(r["type"], r["emb"], r["sub"]) for r in fonts(pdf)]
    assert rows[True] == rows[False]


def test_cff_inspection():
    from docpipe.writers import fonts as f

    noto = Path("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc")
    if not noto.is_file():
        pytest.skip("fonts-noto-cjk missing")
    assert not f.is_cid_keyed_cff(noto.read_bytes()[:4096])  # a collection, not OTTO
    assert not f.is_cid_keyed_cff(b"\x00\x01\x00\x00" + bytes(100))  # TrueType
    assert not f.is_cid_keyed_cff(b"")


def _cid_cff(charset: bytes) -> bytes:
    """A minimal CID-keyed CFF table: header, Name INDEX, Top DICT (ROS, charset offset)."""
    name = b"\x00\x01\x01\x01\x02A"
    top_data = bytes([139, 139, 139, 12, 30]) + b"\x1d" + (0).to_bytes(4, "big") + b"\x0f"
    start = 4 + len(name) + 5 + len(top_data)
    top_data = top_data[:6] + start.to_bytes(4, "big") + top_data[10:]
    top = b"\x00\x01\x01\x01" + bytes([1 + len(top_data)]) + top_data
    return b"\x01\x00\x04\x01" + name + top + charset


def test_cid_equals_gid_guard():
    """Only fonts whose CIDs are their glyph ids are renumbered (Noto CJK's charset is
    one range 1..65534); an Adobe-Japan1-like charset is left to WeasyPrint."""
    from docpipe.writers import fonts as f

    identity = _cid_cff(b"\x02" + (1).to_bytes(2, "big") + (8).to_bytes(2, "big"))
    shifted = _cid_cff(b"\x02" + (5).to_bytes(2, "big") + (8).to_bytes(2, "big"))
    listed = _cid_cff(b"\x00" + b"".join(i.to_bytes(2, "big") for i in (1, 2, 4)))
    assert f._cff_is_cid_keyed(identity)
    assert f._cids_are_gids(identity, 10)
    assert not f._cids_are_gids(shifted, 10)
    assert not f._cids_are_gids(listed, 4)
    assert f._cids_are_gids(listed, 3)
