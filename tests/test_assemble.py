"""The pack's PDF assembled from the briefings' own PDFs (writers/assemble.py): one
subset per font that draws the same glyphs, one structure tree, the front matter laid
out a chunk at a time like one document. Real packs, read back with pikepdf, pypdf,
pdffonts and pdftoppm."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from conftest import invoke


@pytest.fixture(scope="module")
def pack12(tmp_path_factory):
    from typer.testing import CliRunner

    from test_pack import make_pages

    tmp = tmp_path_factory.mktemp("pack12")
    make_pages(tmp / "pages", 12, with_samples=False)
    out = tmp / "out"
    invoke(CliRunner(), "pack", str(tmp / "pages"), "-o", str(out), "--name", "p", "-j", "2")
    return out


def _outline_starts(pdf: Path) -> list[int]:
    from pypdf import PdfReader

    reader = PdfReader(pdf)
    return [reader.get_destination_page_number(o) for o in reader.outline]


def test_one_subset_per_font(pack12):
    """Twelve briefings embed one program per font, not twelve."""
    out = subprocess.run(["pdffonts", str(pack12 / "p.pdf")], capture_output=True,
                         text=True, check=True).stdout.splitlines()[2:]
    names = [line.split()[0] for line in out]
    assert len(names) == len(set(names)) == 2, names  # regular and bold
    assert all(line.split()[-4:-2] == ["yes", "yes"] for line in out)  # embedded, subset


def test_merged_fonts_draw_the_same_glyphs(pack12, tmp_path):
    """A briefing's page drawn from the pack (merged fonts) equals its own PDF's page,
    pixel for pixel, but for the foot where the pack stamps its page number."""
    from PIL import Image, ImageChops

    pdf = pack12 / "p.pdf"
    starts = _outline_starts(pdf)
    own = sorted(pack12.glob("p0*.pdf"))
    assert len(own) == 12

    def png(path: Path, page: int, name: str) -> Image.Image:
        stem = tmp_path / name
        subprocess.run(["pdftoppm", "-r", "50", "-gray", "-png", "-singlefile", "-f",
                        str(page), "-l", str(page), str(path), str(stem)], check=True)
        return Image.open(f"{stem}.png")

    from pypdf import PdfReader

    reader = PdfReader(pdf)
    checked = 0
    for i in (0, 5, 11):
        title_page = reader.pages[starts[i]].extract_text()
        source = next(p for p in own if PdfReader(p).pages[0].extract_text().split("\n")[1]
                      in title_page)
        a, b = png(pdf, starts[i] + 1, f"pack{i}"), png(source, 1, f"own{i}")
        assert a.size == b.size
        foot = int(a.size[1] * 0.95)  # the bottom 5 %: footer and stamp
        diff = ImageChops.difference(a.crop((0, 0, a.size[0], foot)),
                                     b.crop((0, 0, b.size[0], foot)))
        assert diff.getbbox() is None, (i, diff.getbbox())
        assert ImageChops.difference(a, b).getbbox() is not None  # the stamp is there
        checked += 1
    assert checked == 3


def test_one_structure_tree_for_the_pack(pack12):
    """Tagged PDF: every page's structure key is in the one parent tree, keys do not
    repeat, every element's page is a page of the pack, one Art element per briefing."""
    import pikepdf

    with pikepdf.open(pack12 / "p.pdf") as pdf:
        root = pdf.Root.StructTreeRoot
        nums = list(root.ParentTree.Nums)
        keys = [int(nums[i]) for i in range(0, len(nums), 2)]
        assert len(keys) == len(set(keys))
        page_keys = [int(p.obj.StructParents) for p in pdf.pages]
        assert set(page_keys) <= set(keys) and len(set(page_keys)) == len(pdf.pages)
        assert int(root.ParentTreeNextKey) > max(keys)
        pages = {p.obj.objgen for p in pdf.pages}
        document = root.K[0] if isinstance(root.K, pikepdf.Array) else root.K
        assert document.S == "/Document"
        kids = list(document.K)
        assert sum(1 for k in kids if k.get("/S") == "/Art") == 12
        todo, seen = list(kids), 0
        while todo:
            elem = todo.pop()
            if not isinstance(elem, pikepdf.Dictionary):
                continue
            if "/Pg" in elem:
                assert elem.Pg.objgen in pages
                seen += 1
            k = elem.get("/K")
            todo += list(k) if isinstance(k, pikepdf.Array) else [k]
        assert seen > 100
    check = subprocess.run(["qpdf", "--check", str(pack12 / "p.pdf")], capture_output=True,
                           text=True)
    assert check.returncode == 0, check.stdout


def test_front_matter_chunks_lay_out_like_one_document(tmp_path, monkeypatch):
    """Laid out from seven lines or entries at a time (a chunk grows until a page ends
    inside it), the contents and overview of 30 briefings have the same pages, with the same lines, as laid out at once: a chunk
    ends where a page ends, never leaving a page half empty."""
    import pikepdf
    from pypdf import PdfReader

    from docpipe.pipeline import Settings, load
    from docpipe.writers import collection
    from docpipe.writers.collection import PackJob, front_matter
    from test_pack import make_pages

    pages = make_pages(tmp_path / "pages", 30, with_samples=False)
    settings = Settings()
    arts = tuple((f"b{i:03d}", load(str(p.path), settings)) for i, p in enumerate(pages))
    cover = {"title": "简报", "facts": [], "dates": "", "subtitle": "", "organisation": "",
             "logo": "", "logo_path": "", "issue": "", "date": ""}
    job = PackJob("pdf", tmp_path / "x.pdf", arts, cover, "hans", None, settings.render)
    starts = [3 * i for i in range(len(arts))]

    def text(pdfs: list[bytes]) -> list[str]:
        out = []
        for data in pdfs:
            path = tmp_path / "f.pdf"
            path.write_bytes(data)
            out += [p.extract_text() for p in PdfReader(path).pages]
        return out

    whole = text(front_matter(job, starts))
    monkeypatch.setattr(collection, "FRONT_CHUNK", 7)
    chunks = front_matter(job, starts)
    assert len(chunks) > 2
    got = text(chunks)
    assert len(got) == len(whole)
    for i, (a, b) in enumerate(zip(got, whole, strict=True)):
        assert a == b, (i, a[-200:], b[-200:])
    for data in chunks:  # every chunk is a PDF of its own (fonts, tags) for the assembler
        with pikepdf.open(__import__("io").BytesIO(data)) as pdf:
            assert "/StructTreeRoot" in pdf.Root
