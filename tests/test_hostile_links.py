"""Issue 20, point 4: links in a folder of received pages.

- `NAME_files/` that is a link to its own parent folder (`ln -s . page_files`) let a
  page embed anything beside it (`page_files/tax-2024/passport-scan.png`): images now
  come only from the real `NAME_files/` (or, with --folder-images, the page's folder);
- a page in a packed folder that is a link to a file elsewhere (`notes.txt ->
  /etc/passwd`) went into the pack without a word: now a warning says where it leads.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from PIL import Image

from conftest import REFERENCE
from test_hostile_render import docx_images, page_with_image, pdf_images

DOCPIPE = Path(sys.executable).parent / "docpipe"


def run(*args: str, cwd: Path, timeout: float = 120):
    return subprocess.run([str(DOCPIPE), *args], capture_output=True, text=True, cwd=cwd,
                          timeout=timeout)


# --- point 4: NAME_files/ and pages that are links ---------------------------------------

def test_an_image_folder_linked_to_its_parent_gives_nothing_away(tmp_path):
    saved = tmp_path / "Downloads"
    (saved / "tax-2024").mkdir(parents=True)
    Image.new("RGB", (64, 48), (0, 0, 200)).save(saved / "tax-2024" / "passport-scan.png")
    (saved / "page.html").write_text(page_with_image("page_files/tax-2024/passport-scan.png"),
                                     encoding="utf-8")
    (saved / "page_files").symlink_to(".")
    res = run("convert", "page.html", "-o", "../out", "-f", "pdf,docx,html,md", cwd=saved)
    assert res.returncode == 0, res.stderr
    out = tmp_path / "out"
    assert pdf_images(out / "page.pdf") == 0 and docx_images(out / "page.docx") == 0
    assert not (out / "page_files").exists()  # nothing copied beside the HTML
    assert "passport-scan" not in (out / "page.html").read_text(encoding="utf-8")
    assert "page_files/ is a link to another folder" in res.stderr, res.stderr


def test_a_real_image_folder_still_works(tmp_path):
    (tmp_path / "page_files").mkdir()
    Image.new("RGB", (64, 48), (0, 0, 200)).save(tmp_path / "page_files" / "pic.png")
    (tmp_path / "page.html").write_text(page_with_image("page_files/pic.png"), encoding="utf-8")
    res = run("convert", "page.html", "-o", "out", "-f", "pdf", cwd=tmp_path)
    assert res.returncode == 0 and pdf_images(tmp_path / "out" / "page.pdf") == 1, res.stderr


def test_a_packed_page_linked_outside_its_folder_is_warned_of(tmp_path):
    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "a.txt").write_bytes(REFERENCE.read_bytes())
    private = tmp_path / "private"
    private.mkdir()
    (private / "notes.txt").write_bytes(REFERENCE.read_bytes().replace(
        "新时代以来".encode(), "私人笔记：新时代以来".encode()))
    (pages / "b.txt").symlink_to(private / "notes.txt")
    (pages / "c.txt").symlink_to("a.txt")  # a link inside the folder is no news
    res = run("pack", "pages", "-o", "out", "-j", "1", "--no-pages", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    said = [x for x in res.stderr.splitlines() if "outside its folder" in x]
    assert said == [f"docpipe: warning: pages/b.txt: the page is a link to "
                    f"{private.resolve() / 'notes.txt'}, outside its folder: check that it "
                    "is a page you mean to use"], res.stderr
    rows = {r["input"]: r for r in json.loads((tmp_path / "out" / "pack.json")
                                              .read_text(encoding="utf-8"))["pages"]}
    assert any("outside its folder" in w for w in rows["pages/b.txt"]["warnings"])
    assert not any("outside its folder" in w for w in rows["pages/a.txt"]["warnings"])
    strict = run("convert", "pages/b.txt", "-o", "out2", "--strict", cwd=tmp_path)
    assert strict.returncode == 1 and "outside its folder" in strict.stderr
