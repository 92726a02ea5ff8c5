"""Issue 20, point 7: `--logo` was judged by its name (a link to a file without a
suffix: `KeyError: ''`) and never screened (an SVG `<use>` bomb took 6 minutes and
562 MB, a 225 Mpx PNG vanished without a word). Its type now comes from its bytes; it is
screened like a page's image, and left out with a warning.
"""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from PIL import Image

from conftest import REFERENCE
from test_hostile_render import nested_use_svg, pdf_images, png

DOCPIPE = Path(sys.executable).parent / "docpipe"


def run(*args: str, cwd: Path, timeout: float = 120):
    return subprocess.run([str(DOCPIPE), *args], capture_output=True, text=True, cwd=cwd,
                          timeout=timeout)


# --- point 7: the logo --------------------------------------------------------------------

def _pack(tmp_path: Path, logo: str, timeout: float = 120):
    (tmp_path / "a.txt").write_bytes(REFERENCE.read_bytes())
    return run("pack", "a.txt", "-o", "out", "--no-pages", "-j", "1", "--logo", logo,
               cwd=tmp_path, timeout=timeout)


def _docx_media(path: Path) -> list[str]:
    return [n for n in zipfile.ZipFile(path).namelist() if n.startswith("word/media/")]


def test_a_logo_is_told_by_its_bytes_not_its_name(tmp_path):
    Image.new("RGB", (60, 40), (200, 30, 30)).save(tmp_path / "logo-data", format="PNG")
    (tmp_path / "logo.png").symlink_to("logo-data")  # a link to a file without a suffix
    res = _pack(tmp_path, "logo.png")
    assert res.returncode == 0, res.stderr
    assert pdf_images(tmp_path / "out" / "pack.pdf") >= 1
    assert [n.rsplit(".", 1)[1] for n in _docx_media(tmp_path / "out" / "pack.docx")] == ["png"]
    from docpipe.writers import RenderOptions, check_render_options, logo_data

    plain = RenderOptions(logo=str(tmp_path / "logo-data"))  # no suffix at all: a PNG
    check_render_options(plain)
    assert logo_data(plain)[0].startswith("data:image/png;base64,")


def test_a_logo_that_is_no_image_is_one_line(tmp_path):
    (tmp_path / "logo.png").write_text("not an image", encoding="utf-8")
    res = _pack(tmp_path, "logo.png")
    assert res.returncode == 2
    assert res.stderr.strip().splitlines() == [
        "docpipe: error: logo.png: logo must be a PNG, SVG or JPEG image (its bytes say what "
        "it is, not its name)"]


@pytest.mark.parametrize("kind", ["svg-bomb", "huge-png"])
def test_a_logo_is_screened_like_a_pages_image(tmp_path, kind):
    if kind == "svg-bomb":
        (tmp_path / "logo.svg").write_text(nested_use_svg(7, 10), encoding="utf-8")  # 10^7
        logo, why = "logo.svg", "SVG drawing over 50,000 elements"
    else:
        (tmp_path / "logo.png").write_bytes(png(15_000, 15_000))  # 225 Mpx
        logo, why = "logo.png", "15000 × 15000 pixels (225.0 Mpx), over the limit of 25 Mpx"
    res = _pack(tmp_path, logo, timeout=90)  # the bomb took 6 minutes and 562 MB
    assert res.returncode == 0, res.stderr
    assert f"docpipe: warning: out/pack.pdf: logo {logo} left out: {why}" in res.stderr
    assert pdf_images(tmp_path / "out" / "pack.pdf") == 0
    assert _docx_media(tmp_path / "out" / "pack.docx") == []
    manifest = json.loads((tmp_path / "out" / "pack.json").read_text(encoding="utf-8"))
    assert any(w.startswith(f"logo {logo} left out") for w in manifest["pack"]["warnings"])
