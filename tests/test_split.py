"""Briefings written together and split (writers/pdf/split.py, writers/pdf.batch_bytes): each
one's PDF reads, draws and navigates as the one WeasyPrint writes for it alone, and its
bytes do not depend on the batch. Real layouts of the samples (an image, a notice, both
scripts) and generated pages, read back with pikepdf, pdftoppm, pdftotext and qpdf."""

from __future__ import annotations

import io
import re
import subprocess
from pathlib import Path

import pytest

from conftest import SAMPLES, invoke


def _pdfs(made: list) -> list:
    """`batch_bytes`' results as their PDFs' bytes (errors as they are)."""
    return [m[0] if isinstance(m, tuple) else m for m in made]


@pytest.fixture(scope="module")
def briefings(tmp_path_factory):
    """Eight briefings: each written alone, in one batch, and (three of them) in
    another batch with other companions, in another order."""
    from docpipe.pipeline import Settings, load
    from docpipe.writers import RenderOptions
    from docpipe.writers.html import render
    from docpipe.writers.pdf import batch_bytes, pdf_bytes, roots_for, to_bytes
    from test_pack import make_pages

    tmp = tmp_path_factory.mktemp("split")
    pages = [p.path for p in make_pages(tmp / "pages", 10)]
    opts = RenderOptions()
    arts = [load(str(p), Settings()) for p in pages]
    names = [str(p) for p in pages]
    batch = _pdfs(batch_bytes(arts[:8], opts, names[:8]))
    other = _pdfs(batch_bytes([arts[9], arts[6], arts[1], arts[8], arts[3]], opts,
                              [names[9], names[6], names[1], names[8], names[3]]))
    alone = [pdf_bytes(render(a, opts), roots_for(a, opts),
                       Path(a.base_dir or opts.search_path[-1]).resolve(), opts=opts)
             for a in arts[:8]]  # as WeasyPrint writes each one (docpipe's fonts)
    single = [to_bytes(a, opts, n) for a, n in zip(arts[:8], names[:8], strict=True)]
    assert all(isinstance(b, bytes) for b in batch + other)
    return {"tmp": tmp, "pages": pages, "alone": alone, "batch": batch, "single": single,
            "other": {6: other[1], 1: other[2], 3: other[4]}}


def _save(folder: Path, name: str, data: bytes) -> Path:
    path = folder / f"{name}.pdf"
    path.write_bytes(data)
    return path


def _outline(pdf) -> list:
    import pikepdf

    out = []

    def walk(items, depth):
        for item in items:
            dest = item.destination
            out.append((depth, item.title, pdf.pages.index(pikepdf.Page(dest[0])),
                        [round(float(v), 3) for v in list(dest)[2:4]], item.is_closed))
            walk(item.children, depth + 1)

    with pdf.open_outline() as outline:
        walk(outline.root, 0)
    return out


def _tree(pdf) -> list:
    """The structure tree: each element's depth, type and page; each MCID."""
    import pikepdf

    out = []

    def walk(elem, depth):
        if isinstance(elem, pikepdf.Dictionary):
            pg = elem.get("/Pg")
            out.append((depth, str(elem.get("/S")),
                        pdf.pages.index(pikepdf.Page(pg)) if pg is not None else None))
            kids = elem.get("/K")
            for kid in kids if isinstance(kids, pikepdf.Array) else \
                    ([kids] if kids is not None else []):
                walk(kid, depth + 1)
        else:
            out.append((depth, "mcid", int(elem)))

    root = pdf.Root.StructTreeRoot
    walk(root.K[0], 0)
    nums = list(root.ParentTree.Nums)
    parents = [(int(nums[i]), len(nums[i + 1]) if isinstance(nums[i + 1], pikepdf.Array)
                else 1) for i in range(0, len(nums), 2)]
    return out + [("parents", parents),
                  ("pages", [int(p.obj.get("/StructParents", -1)) for p in pdf.pages])]


def _dests(pdf) -> list:
    import pikepdf

    names = list(pdf.Root.Names.Dests.Names)
    return [(str(names[i]), pdf.pages.index(pikepdf.Page(names[i + 1][0])),
             [round(float(v), 3) for v in list(names[i + 1])[2:4]])
            for i in range(0, len(names), 2)]


def _fonts(pdf) -> dict:
    out = {}
    for page in pdf.pages:
        for font in page.obj.Resources.Font.values():
            cid = font.DescendantFonts[0]
            desc = cid.FontDescriptor
            program = desc.get("/FontFile3") or desc.get("/FontFile2")
            out[str(font.BaseFont)] = (program.read_bytes(), repr(cid.W), repr(
                {k: v for k, v in desc.items() if k not in ("/FontFile2", "/FontFile3")}))
    return out


def test_each_briefing_of_a_batch_is_the_one_written_alone(briefings, tmp_path):
    import pikepdf

    for i, (alone, split) in enumerate(zip(briefings["alone"], briefings["batch"],
                                           strict=True)):
        a, b = _save(tmp_path, f"a{i}", alone), _save(tmp_path, f"b{i}", split)
        draw = [subprocess.run(["pdftoppm", "-r", "40", "-gray", str(p)],
                               capture_output=True, check=True).stdout for p in (a, b)]
        assert draw[0] == draw[1], f"briefing {i}: pages drawn differently"
        text = [subprocess.run(["pdftotext", str(p), "-"], capture_output=True,
                               check=True).stdout for p in (a, b)]
        assert text[0] == text[1] and len(text[0]) > 200, i
        subprocess.run(["qpdf", "--check", str(b)], capture_output=True, check=True)
        with pikepdf.open(a) as pa, pikepdf.open(b) as pb:
            assert len(pa.pages) == len(pb.pages)
            assert dict(pa.docinfo) == dict(pb.docinfo), i  # title, author, dates …
            assert pb.trailer.ID[0] == pa.trailer.ID[0]
            for key in ("/Lang", "/MarkInfo", "/ViewerPreferences"):
                assert repr(pa.Root[key]) == repr(pb.Root[key]), key
            assert _outline(pa) == _outline(pb) and _outline(pb), i
            assert _tree(pa) == _tree(pb), i
            assert _dests(pa) == _dests(pb), i
            assert _fonts(pa) == _fonts(pb), i  # the same programs, cut to its glyphs
            # nothing of the other briefings rides along (the structure tree's links
            # up to the batch's Document lead to all their pages)
            assert sum(1 for o in pb.objects if isinstance(o, pikepdf.Dictionary)
                       and o.get("/Type") == pikepdf.Name.Page) == len(pb.pages)
            assert len(pb.objects) <= len(pa.objects) + 5, (len(pb.objects),
                                                            len(pa.objects))


def test_a_briefings_bytes_do_not_depend_on_its_batch(briefings):
    """Cache and cluster: a page rendered again with other pages, or alone on another
    worker, gives the same file."""
    for i, data in briefings["other"].items():
        assert data == briefings["batch"][i], i
    # `convert` writes each briefing alone: WeasyPrint's own PDF, with docpipe's fonts
    assert briefings["single"] == briefings["alone"]


def test_a_briefing_that_fails_in_a_batch_fails_alone(tmp_path):
    """A laid-out PDF over --max-pages: that page fails; the rest of its batch (and the
    pack) is made, each page as `convert` makes it."""
    import json

    from test_pack import make_pages

    make_pages(tmp_path / "pages", 6, with_samples=False)
    lines = ["一份行很多的文本页面", "", "来源：测试 时间：2024-01-01", ""]
    lines += [f"第{i}段。这是一段用于测试的正文内容，包含足够多的汉字以便被识别为文章段落。"
              for i in range(200)]  # the estimate: 4 pages; the layout: 8
    (tmp_path / "pages" / "p000.txt").write_text("\n\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    res = invoke(CliRunnerOnce(), "pack", str(tmp_path / "pages"), "-o", str(out), "-j", "1",
                 "--max-pages", "4")
    assert res.exit_code == 1, res.output
    rows = {Path(r["input"]).name: r["status"]
            for r in json.loads((out / "pack.json").read_text(encoding="utf-8"))["pages"]}
    assert rows.pop("p000.txt") == "failed" and set(rows.values()) == {"ok"}, rows
    assert re.search(r"p000.txt: PDF would have [5-9] pages", res.stderr)  # the layout
    assert len(rows) == 6
    one = tmp_path / "one"
    res = invoke(CliRunnerOnce(), "convert", str(tmp_path / "pages" / "p003.txt"), "-o",
                 str(one), "-f", "pdf", "-q")
    assert res.exit_code == 0, res.output
    draw = [subprocess.run(["pdftoppm", "-r", "40", "-gray", str(p)], capture_output=True,
                           check=True).stdout for p in (out / "p003.pdf", one / "p003.pdf")]
    assert draw[0] == draw[1]


def CliRunnerOnce():  # noqa: N802 (a fresh runner per call, as the CLI tests use)
    from typer.testing import CliRunner

    return CliRunner()


def test_a_pdf_variant_is_written_a_briefing_at_a_time(tmp_path):
    """PDF/A carries its own metadata stream and output intent: not split, written
    alone, and still in the pack's pages."""
    import pikepdf

    from docpipe.pipeline import Settings, load
    from docpipe.writers import RenderOptions
    from docpipe.writers.pdf import batch_bytes

    pages = sorted(p for p in SAMPLES.iterdir() if p.suffix == ".txt")[:3]
    arts = [load(str(p), Settings()) for p in pages]
    out = _pdfs(batch_bytes(arts, RenderOptions(pdf_variant="pdf/a-3b"),
                            [str(p) for p in pages]))
    for data in out:
        with pikepdf.open(io.BytesIO(data)) as pdf:
            assert "/Metadata" in pdf.Root and "/OutputIntents" in pdf.Root


def test_fallback_fonts_and_a_second_engine(tmp_path):
    """Ext-B…F ideographs and emoji come from the TrueType fallback fonts: cut per
    briefing too (with a /CIDToGIDMap). PDFium, a second engine, draws the briefing
    from a batch like WeasyPrint's own PDF of it, and extracts the same text."""
    import pikepdf
    from PIL import ImageChops

    from docpipe.pipeline import Settings, load
    from docpipe.writers import RenderOptions
    from docpipe.writers.html import render
    from docpipe.writers.pdf import batch_bytes, pdf_bytes, roots_for
    from test_pdf_fonts import RARE, _pdfium_pages

    page = tmp_path / "rare.txt"
    page.write_text(f"罕用字测试{RARE}\n来源：测试 时间：2024-01-01\n\n"
                    f"这是正文第一段，含有罕用字{RARE}，用来检查字体。\n\n"
                    f"这是正文第二段，继续说明情况{RARE * 2}，内容足够长以便成为文章的一部分。\n",
                    encoding="utf-8")
    opts = RenderOptions()
    arts = [load(str(page), Settings()), load(str(SAMPLES / "002_news_related.txt"),
                                             Settings())]
    batch = _pdfs(batch_bytes(arts, opts, [str(page), "other"]))
    alone = pdf_bytes(render(arts[0], opts), roots_for(arts[0], opts),
                      Path(arts[0].base_dir or opts.search_path[-1]).resolve(), opts=opts)
    a, b = _save(tmp_path, "alone", alone), _save(tmp_path, "split", batch[0])
    with pikepdf.open(b) as pdf:
        kinds = {str(f.DescendantFonts[0].Subtype) for p in pdf.pages
                 for f in p.obj.Resources.Font.values()}
        assert "/CIDFontType2" in kinds  # the TrueType fallback, cut for this briefing
        assert _fonts(pdf) == _fonts(pikepdf.open(a))
    draw = [subprocess.run(["pdftoppm", "-r", "40", "-gray", str(p)], capture_output=True,
                           check=True).stdout for p in (a, b)]
    assert draw[0] == draw[1]
    ours, theirs = _pdfium_pages(b), _pdfium_pages(a)
    assert len(ours) == len(theirs) >= 1
    for (img, text), (ref_img, ref_text) in zip(ours, theirs, strict=True):
        assert text == ref_text
        assert ImageChops.difference(img, ref_img).getextrema()[1] <= 64
    assert RARE in ours[0][1].replace("\r\n", "").replace("\n", "")


def test_a_briefing_that_cannot_be_cut_is_written_alone_in_any_batch(tmp_path):
    """A template whose notices are drawn half transparent: WeasyPrint numbers such
    groups through the whole document (`x0`, `x1` …), so a notice is written alone,
    and its companions are still cut from the batch; each file is the one a batch of
    one gives."""
    import pikepdf

    from docpipe.pipeline import Settings, load
    from docpipe.writers import RenderOptions
    from docpipe.writers.pdf import batch_bytes

    templates = tmp_path / "templates"
    templates.mkdir()
    css = RenderOptions().find("briefing.css").read_text(encoding="utf-8")
    (templates / "briefing.css").write_text(
        css + "\n.briefing.notice h1 { opacity: 0.6; }\n", encoding="utf-8")
    opts = RenderOptions(template_dir=str(templates))
    pages = [SAMPLES / "002_news_related.txt", SAMPLES / "001_gov_notice.txt",
             SAMPLES / "000_0e4211b785ff5086.txt", SAMPLES / "001_gov_notice.txt"]
    arts = [load(str(p), Settings(render=opts)) for p in pages]
    assert [any(b.kind == "addressee" for b in a.body) for a in arts] == \
        [False, True, False, True]  # two notices: the second one's group is not `x0`
    batch = _pdfs(batch_bytes(arts, opts, [str(p) for p in pages]))
    alone = [_pdfs(batch_bytes([a], opts, [str(p)]))[0]
             for a, p in zip(arts, pages, strict=True)]
    assert batch == alone
    with pikepdf.open(io.BytesIO(batch[1])) as notice, \
            pikepdf.open(io.BytesIO(batch[0])) as other:
        assert "/Metadata" not in notice.Root
        groups = notice.pages[0].obj.Resources.get("/XObject", {})
        assert any(re.match(r"^/x\d+$", k) for k in groups), "the notice has its group"
        assert not other.pages[0].obj.Resources.get("/XObject")


def test_dates_are_written_as_weasyprint_writes_them():
    """The /Info dates of a cut PDF: WeasyPrint's own conversion for every full date
    and time (other forms make split write the briefing alone)."""
    from weasyprint.pdf import _w3c_date_to_pdf  # read, to compare with: not replaced

    from docpipe.writers.pdf.split import _pdf_date

    for when in ("2025-03-06T00:00:00Z", "2025-03-06T10:20+08:00",
                 "2024-02-29T00:00-05:30", "2025-01-02T03:04:05+00:00"):
        assert _pdf_date(when) == _w3c_date_to_pdf(when, "created"), when
    for other in ("2025-03-06", "2025", "1999-12-31T23:59:59"):
        assert _pdf_date(other) is None, other


def test_stylesheet_parsed_once_only_where_the_cascade_is_the_same(tmp_path):
    """The template's stylesheet is parsed once per process and given to WeasyPrint as a
    user stylesheet when it is the page's only one. Beside another <style> (a user's
    template) it stays inline: the later rule wins, as in the page itself; as a user
    stylesheet it would lose to the author's rule."""
    from PIL import Image

    from docpipe.writers.pdf.briefing import CSS_MARK, _stylesheet, finish, lay_out

    def colour(html: str) -> tuple[int, int, int]:
        document, options = lay_out(html, [tmp_path], tmp_path, None,
                                    "p { color: rgb(0, 0, 255); font-size: 60pt }")
        (tmp_path / "c.pdf").write_bytes(finish(document, options))
        subprocess.run(["pdftoppm", "-r", "20", "-png", "-singlefile",
                        str(tmp_path / "c.pdf"), str(tmp_path / "c")], check=True)
        colours = Image.open(tmp_path / "c.png").convert("RGB").getcolors(1 << 24)
        return min((c for _, c in colours), key=sum)  # the darkest: the text's ink

    body = "<body><p>墨墨墨墨</p></body></html>"
    _stylesheet.cache_clear()
    alone = colour(f"<html><head><style>{CSS_MARK}</style></head>{body}")
    assert _stylesheet.cache_info().misses == 1  # parsed apart
    beside = colour("<html><head><style>p { color: rgb(255, 0, 0) }</style>"
                    f"<style>{CSS_MARK}</style></head>{body}")
    assert _stylesheet.cache_info().misses == 1 and not _stylesheet.cache_info().hits
    assert alone[2] > 150 and alone[0] < 100, alone  # blue, parsed once
    assert beside[2] > 150 and beside[0] < 100, beside  # blue: the later rule won


def test_a_page_that_quotes_the_stylesheet_mark_keeps_its_text(tmp_path):
    """The mark that stands for the stylesheet cannot come from a page: a page whose
    text is the mark's own characters keeps them, and gets no CSS in its text."""
    from docpipe.pipeline import Settings, load
    from docpipe.writers import RenderOptions
    from docpipe.writers.pdf import CSS_MARK, to_bytes

    page = tmp_path / "mark.txt"
    page.write_text("标题：样式标记测试\n\n" + ("正文第一段，说明情况。" * 8) + "\n\n"
                    f"正文第二段引用了 {CSS_MARK} 这几个字符。" * 3 + "\n", encoding="utf-8")
    art = load(str(page), Settings())
    (tmp_path / "mark.pdf").write_bytes(to_bytes(art, RenderOptions(), str(page)))
    text = subprocess.run(["pdftotext", str(tmp_path / "mark.pdf"), "-"], check=True,
                          capture_output=True, text=True).stdout.replace("\n", "")
    assert CSS_MARK in text and "font-family" not in text
