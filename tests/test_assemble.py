"""The pack's PDF assembled from the briefings' own PDFs (writers/pdf/assemble.py): one
subset per font that draws the same glyphs, one structure tree, the front matter laid
out a chunk at a time like one document. Real packs, read back with pikepdf, pypdf,
pdffonts and pdftoppm."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from conftest import invoke

#: A pack's cover data (front_matter's tests lay out the contents and overview).
COVER = {"title": "简报", "facts": [], "dates": "", "subtitle": "", "organisation": "",
         "logo": "", "logo_path": "", "issue": "", "date": ""}


@pytest.fixture(scope="module")
def pack12(tmp_path_factory):
    from typer.testing import CliRunner

    from test_pack import make_pages

    tmp = tmp_path_factory.mktemp("pack12")
    make_pages(tmp / "pages", 12, with_samples=False)
    out = tmp / "out"
    invoke(CliRunner(), "pack", str(tmp / "pages"), "-o", str(out), "--name", "p", "-j", "1")
    return out


@pytest.fixture(scope="module")
def articles30(tmp_path_factory):
    """Thirty generated pages (test_pack.make_pages), loaded: (settings, articles)."""
    from docpipe.pipeline import Settings, load
    from test_pack import make_pages

    pages = make_pages(tmp_path_factory.mktemp("front") / "pages", 30, with_samples=False)
    settings = Settings()
    return settings, [load(str(p.path), settings) for p in pages]


def two_pages(tmp_path: Path, in_title: str, in_body: str) -> Path:
    """A folder of two short pages whose titles and first paragraphs hold the given text
    (the title's own number follows `in_title`)."""
    pages = tmp_path / "pages"
    pages.mkdir()
    for i in (1, 2):
        (pages / f"p{i}.txt").write_text(
            f"测试标题第{i}篇{in_title} {i}\n来源：测试网 时间：2025-01-0{i}\n\n"
            f"这是正文第一段，{in_body}第{i}篇的内容，用来检查字体。\n\n"
            "这是正文第二段，继续说明情况，内容足够长以便成为文章的一部分。再写一句话。\n",
            encoding="utf-8")
    return pages


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


def test_front_matter_chunks_lay_out_like_one_document(articles30, tmp_path, monkeypatch):
    """Laid out from seven lines or entries at a time (a chunk grows until a page ends
    inside it), or a section at a time, the contents and overview of 30 briefings have
    the same pages, with the same lines, as laid out at once: a chunk ends where a page
    ends, never leaving a page half empty."""
    import pikepdf
    from pypdf import PdfReader

    from docpipe.writers import collection
    from docpipe.writers.collection import PackJob, front_matter

    settings, loaded = articles30
    arts = tuple((f"b{i:03d}", a) for i, a in enumerate(loaded))
    job = PackJob("pdf", tmp_path / "x.pdf", arts, COVER, "hans", None, settings.render)
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
    # The pack lays its sections out apart, side by side on its workers: joined in
    # order, they are the same pages again (each section starts on a new page).
    apart = [text(front_matter(job, starts, sections))
             for sections in collection.FRONT_SECTIONS]
    assert len(apart) > 1 and all(apart)
    assert [page for some in apart for page in some] == whole


def test_truetype_fallback_font_stays_per_briefing_and_draws_the_same(tmp_path):
    """Ext-B ideographs come from a TrueType fallback font (HanaMinB): only CID-keyed CFF
    fonts are merged, so each part keeps its own small subset of it (the briefings and
    the overview that quotes them), and the page from the pack draws what the briefing's
    own PDF draws."""
    from PIL import Image, ImageChops
    from typer.testing import CliRunner

    pages = two_pages(tmp_path, "：罕见字", "包含扩展B区汉字𠀀𠀁𠀂和")
    out = tmp_path / "out"
    invoke(CliRunner(), "pack", str(pages), "-o", str(out), "--name", "x", "-j", "1")
    fonts = subprocess.run(["pdffonts", str(out / "x.pdf")], capture_output=True, text=True,
                           check=True).stdout.splitlines()[2:]
    hana = [line for line in fonts if "HanaMinB" in line]
    assert len(hana) == 3 and all("CID TrueType" in line for line in hana)
    text = subprocess.run(["pdftotext", str(out / "x.pdf"), "-"], capture_output=True,
                          text=True, check=True).stdout
    own = sum(subprocess.run(["pdftotext", str(out / f"p{i}.pdf"), "-"], capture_output=True,
                             text=True, check=True).stdout.count("𠀀𠀁𠀂") for i in (1, 2))
    assert own >= 2 and text.count("𠀀𠀁𠀂") >= own  # the briefings, and the overview
    start = _outline_starts(out / "x.pdf")[0]

    def png(path: Path, page: int, name: str) -> Image.Image:
        stem = tmp_path / name
        subprocess.run(["pdftoppm", "-r", "60", "-gray", "-png", "-singlefile", "-f",
                        str(page), "-l", str(page), str(path), str(stem)], check=True)
        return Image.open(f"{stem}.png")

    a, b = png(out / "x.pdf", start + 1, "pack"), png(out / "p1.pdf", 1, "own")
    foot = int(a.size[1] * 0.95)
    box = (0, 0, a.size[0], foot)
    assert ImageChops.difference(a.crop(box), b.crop(box)).getbbox() is None


def test_font_whose_file_is_not_found_stays_per_briefing_with_a_warning(tmp_path,
                                                                       monkeypatch):
    """When the installed file of a font cannot be found (fontconfig knows no such
    PostScript name: made elsewhere, or a template's own font), the pack cannot cut one
    subset of it: each part keeps its own copy, and docpipe says so in the report and
    the manifest; the text is all there, and read back."""
    import json

    import docpipe
    from docpipe.writers.pdf import fontmerge

    monkeypatch.setattr(fontmerge, "_font_file", lambda ps_name: None)
    pages = two_pages(tmp_path, " Latin Title", "English words here, ")
    out = tmp_path / "out"
    report = docpipe.pack([str(pages)], out, name="x", jobs=1)
    assert report.ok and report.pack_check["pdf"] == "ok"
    assert any("installed file not found" in n for n in report.pack_notes)
    manifest = json.loads((out / "x.json").read_text(encoding="utf-8"))
    assert any("Noto-Serif-CJK-SC" in w for w in manifest["pack"]["warnings"])
    fonts = subprocess.run(["pdffonts", str(out / "x.pdf")], capture_output=True, text=True,
                           check=True).stdout
    assert fonts.count("Noto-Serif-CJK-SC-Bold") >= 3  # a copy per briefing and front matter
    text = subprocess.run(["pdftotext", str(out / "x.pdf"), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert "English words here" in text and "Latin Title 2" in text


def test_contents_and_overview_links_go_to_each_briefing(pack12):
    """Each contents line and overview entry links to the page its briefing starts on
    (explicit destinations: no URI left behind), described by that page's number."""
    import pikepdf

    starts = _outline_starts(pack12 / "p.pdf")
    with pikepdf.open(pack12 / "p.pdf") as pdf:
        index = {p.obj.objgen: i for i, p in enumerate(pdf.pages)}
        targets = []
        for page in list(pdf.pages)[:starts[0]]:
            for annot in page.obj.get("/Annots", []):
                assert "/A" not in annot or "/URI" not in annot.A, "a docpipe: URI is left"
                target = index[annot.Dest[0].objgen]
                targets.append(target)
                assert str(annot.Contents) == str(target - starts[0] + 1)
    # contents: its line; overview: the title and the page number (a wrapped line: more)
    assert sorted(set(targets)) == starts
    assert all(targets.count(s) >= 3 for s in starts)


def test_a_pack_template_from_before_the_chunks_is_refused_with_one_line(tmp_path):
    """A pack.html.j2 exported before the front matter was laid out in chunks would show
    every briefing again in each chunk: refused, saying what to do."""
    from typer.testing import CliRunner

    tpl = tmp_path / "tpl"
    tpl.mkdir()
    (tpl / "pack.html.j2").write_text(
        "<html><body>{% for it in items %}<p>{{ it.title }}</p>{% endfor %}</body></html>",
        encoding="utf-8")
    pages = two_pages(tmp_path, "：旧模板", "")
    res = invoke(CliRunner(), "pack", str(pages), "-o", str(tmp_path / "out"), "--name", "x",
                 "-j", "1", "--template-dir", str(tpl))
    assert res.exit_code == 1
    assert "pack.html.j2: a pack template from an older docpipe" in res.stderr
    assert "templates export" in res.stderr and "Traceback" not in res.stderr
    assert not (tmp_path / "out" / "x.pdf").exists()


def test_a_page_pdf_spoilt_since_it_was_made_fails_the_pack_with_one_line(tmp_path):
    """The pack reads the pages' PDFs from the output folder: one overwritten there since
    (the cache still says the page is up to date) gives one line naming it, not a
    traceback, and `--force` makes everything anew."""
    from typer.testing import CliRunner

    pages = two_pages(tmp_path, "：改动", "")
    out = tmp_path / "out"
    args = ["pack", str(pages), "-o", str(out), "--name", "x", "-j", "1"]
    assert invoke(CliRunner(), *args).exit_code == 0
    (out / "p1.pdf").write_bytes(b"not a pdf")
    res = invoke(CliRunner(), *args, "--title", "另一个标题")  # the pack only is rebuilt
    assert res.exit_code == 1
    assert "p1.pdf: cannot be read into the pack" in res.stderr and "--force" in res.stderr
    assert "Traceback" not in res.stderr and "internal error" not in res.stderr
    import docx  # the DOCX, which needs no page's PDF, is made all the same

    assert docx.Document(str(out / "x.docx")).core_properties.title == "另一个标题"
    res = invoke(CliRunner(), *args, "--title", "另一个标题", "--force")
    assert res.exit_code == 0 and (out / "p1.pdf").read_bytes().startswith(b"%PDF")


def test_an_entry_taller_than_a_page_is_never_cut_between_chunks(articles30, tmp_path,
                                                                monkeypatch):
    """An overview entry longer than a page splits across pages, and a chunk's last page
    (dropped) may hold its end: the next chunk starts with the whole entry again, so
    every sentence of it is in the PDF, wherever the chunks end (six briefings, the
    third one's entry over two pages long: chunks of every size from 3 blocks up to the
    whole front matter end before, inside and after it)."""
    import dataclasses

    from pypdf import PdfReader

    from docpipe.writers import collection
    from docpipe.writers.collection import PackJob, front_matter

    settings, loaded = articles30
    arts = list(loaded[:6])
    long = "".join(f"第{i}句很长的摘要内容，用来撑满整整一页以上的篇幅。" for i in range(120))
    arts[2] = dataclasses.replace(arts[2], summary=long)
    items = tuple((f"b{i:03d}", a) for i, a in enumerate(arts))
    job = PackJob("pdf", tmp_path / "x.pdf", items, COVER, "hans", None, settings.render)
    blocks = 1 + 2 * len(items)  # the cover, a contents line and an overview entry each
    for size in range(3, blocks):  # chunks ending at every place around the long entry
        monkeypatch.setattr(collection, "FRONT_CHUNK", size)
        text = ""
        for data in front_matter(job, [3 * i for i in range(len(items))]):
            (tmp_path / "f.pdf").write_bytes(data)
            text += "".join(p.extract_text() for p in PdfReader(tmp_path / "f.pdf").pages)
        squashed = "".join(text.split())
        assert all(f"第{i}句" in squashed for i in range(120)), size


def test_assembly_bytes_do_not_depend_on_the_process(pack12):
    """The same parts assembled in processes with other string hashes give the same
    bytes (pikepdf gives a dictionary's keys as a set: taken in that order, the merged
    fonts were written in an order that varied from one worker to the next)."""
    import os
    import sys

    parts = sorted(str(p) for p in pack12.glob("p0*.pdf"))
    assert len(parts) == 12
    script = ("import sys, hashlib\n"
              "from pathlib import Path\n"
              "from docpipe.writers.pdf import Part, assemble_pack\n"
              "parts = [Part(Path(p), Path(p).stem) for p in sys.argv[1:]]\n"
              "data, notes, _ = assemble_pack([], parts)\n"
              "print(hashlib.sha256(data).hexdigest(), len(notes))\n")
    digests = set()
    for seed in ("1", "2", "3", "4"):
        res = subprocess.run([sys.executable, "-c", script, *parts], capture_output=True,
                             text=True, env={**os.environ, "PYTHONHASHSEED": seed},
                             check=True)
        digests.add(res.stdout)
    assert len(digests) == 1, digests
