"""A pack never loses a character (verify.py, writers/collection.py, writers/pdf/join.py):
every page of a pack reads as the page of the briefing (or front matter) it came from,
plus the number the pack stamps on it; a briefing's PDF and DOCX hold the article's
text; a pack whose assembly goes wrong is made again the plain way, with a warning.

The comparisons here use their own extraction (PDFium, through pypdfium2, and
python-docx) and their own character counting, not the product's, so that a blind spot
of one is not a blind spot of both."""

from __future__ import annotations

import json
import subprocess
import unicodedata
from collections import Counter
from pathlib import Path

import pytest

from conftest import REFERENCE, SAMPLES, invoke

NO_FONT = "𮯰"  # U+2EBF0 (CJK Ext-I): no installed font draws it


def seen(text: str) -> Counter:
    """What a reader sees of `text`, counted (white space, format characters and
    variation selectors left out: extractors differ on them)."""
    def drawn(ch: str) -> bool:
        cp = ord(ch)
        if 0xFE00 <= cp <= 0xFE0F or 0xE0100 <= cp <= 0xE01EF:
            return False
        return not ch.isspace() and unicodedata.category(ch) not in ("Cc", "Cf", "Zl", "Zp")

    return Counter(ch for ch in text if drawn(ch))


def pdfium_pages(pdf: Path | bytes) -> list[str]:
    """Each page's text, as PDFium (a second engine) reads it."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf)
    try:
        out = []
        for i in range(len(doc)):
            page = doc[i]
            textpage = page.get_textpage()
            out.append(textpage.get_text_range())
            textpage.close()
            page.close()
        return out
    finally:
        doc.close()


def roman(n: int) -> str:
    out = ""
    for value, letters in ((10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")):
        while n >= value:
            out += letters
            n -= value
    return out


def outline_starts(pdf: Path) -> list[int]:
    from pypdf import PdfReader

    reader = PdfReader(pdf)
    return [reader.get_destination_page_number(o) for o in reader.outline]


def assert_pack_holds(pack: Path, briefings: list[Path], extract=pdfium_pages) -> None:
    """Every page of each briefing is, character for character, its page in the pack
    (plus the pack's stamped number), in pack order after the front matter."""
    got = extract(pack)
    starts = outline_starts(pack)
    assert len(starts) == len(briefings)
    front = starts[0]
    for start, own in zip(starts, briefings, strict=True):
        want = extract(own)
        for i, text in enumerate(want):
            index = start + i
            stamp = roman(index + 1) if index < front else str(index - front + 1)
            have = seen(got[index])
            expected = seen(text) + seen(stamp)
            assert have == expected, (own.name, i, "lost:", expected - have, "added:",
                                      have - expected)
    assert len(got) == starts[-1] + len(extract(briefings[-1]))


def rare_page(folder: Path, name: str, extra: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    page = folder / f"{name}.txt"
    page.write_text(
        f"测试网 > 新闻 > 正文\n{name}：社区志愿者冬季送温暖\n来源：测试网  时间：2025-03-06\n"
        "这是正文第一段，讲述社区志愿者如何在冬季为独居老人送去温暖。志愿者们挨家挨户走访，记录"
        f"老人的需求，并及时联系有关部门解决实际困难。{extra}\n"
        "第二段继续讲述：活动得到了当地居民的广泛支持，许多年轻人主动报名参加，累计服务时长超过"
        "三千小时。组织者表示，将把这项活动长期坚持下去，让更多需要帮助的人感受到社会的关爱。\n",
        encoding="utf-8")
    return page


# --- the cause: a character no font has ---------------------------------------------------


def test_a_page_with_a_character_no_font_has_keeps_its_text_in_the_pack(tmp_path):
    """WeasyPrint encodes a face through a CMap when a glyph is missing (U+2EBF0 here);
    the pack read that face as unmergeable but still swapped it for the front matter's
    merged subset, by name: the article's body went blank in the pack (3,263 characters
    of one real page). Only the fonts read into a merged subset are swapped now."""
    from typer.testing import CliRunner

    rare_page(tmp_path / "in", "p1", f"这一段包含一个任何字体都没有的字：{NO_FONT}。")
    out = tmp_path / "out"
    res = invoke(CliRunner(), "pack", str(tmp_path / "in"), "-o", str(out), "-j", "1")
    assert res.exit_code == 0, res.stderr
    assert_pack_holds(out / "pack.pdf", [out / "p1.pdf"])
    text = "".join(pdfium_pages(out / "pack.pdf"))
    assert "讲述社区志愿者如何在冬季为独居老人送去温暖" in "".join(text.split())
    manifest = json.loads((out / "pack.json").read_text(encoding="utf-8"))
    assert manifest["pack"]["check"] == {"pdf": "ok", "docx": "ok"}
    assert manifest["pages"][0]["pack_page"] == outline_starts(out / "pack.pdf")[0] + 1


def test_the_real_page_that_lost_its_body_in_the_pack(tmp_path):
    """The page where it was seen (a saved portal page of 2004 with a character no font
    draws), when the corpus is beside the project."""
    from typer.testing import CliRunner

    page = SAMPLES.parent.parent / "shared" / "corpus" / "dev2" / "trafce_sohu_39.html"
    if not page.is_file():
        pytest.skip("corpus not present")
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / page.name).write_bytes(page.read_bytes())
    out = tmp_path / "out"
    assert invoke(CliRunner(), "pack", str(tmp_path / "in"), "-o", str(out), "-j",
                  "1").exit_code == 0
    assert_pack_holds(out / "pack.pdf", [out / "trafce_sohu_39.pdf"])


# --- the self-check and its fallback --------------------------------------------------------


def _three_pages(folder: Path) -> Path:
    for i, extra in enumerate(("", "又一句话。", f"罕见字{NO_FONT}在此。")):
        rare_page(folder, f"p{i}", extra)
    return folder


@pytest.fixture
def three_pages(tmp_path) -> Path:
    return _three_pages(tmp_path / "in")


@pytest.fixture(scope="module")
def packed_three(tmp_path_factory) -> tuple[Path, Path]:
    """The three pages packed once (--name w, with the pages' briefings), for the tests
    of `docpipe check` that read it: (the pages' folder, the pack's folder)."""
    from typer.testing import CliRunner

    tmp = tmp_path_factory.mktemp("three")
    pages, out = _three_pages(tmp / "in"), tmp / "out"
    res = invoke(CliRunner(), "pack", str(pages), "-o", str(out), "--name", "w", "-j", "1")
    assert res.exit_code == 0, res.stderr
    return pages, out


def test_a_pack_whose_merged_font_is_spoilt_is_made_again_whole(three_pages, tmp_path,
                                                                monkeypatch):
    """The merged font's text map loses every other glyph: the pack's reading back sees
    pages that no longer show their briefing's text, makes the pack again with each
    briefing's own fonts (pikepdf), says so in one warning and in the manifest, and that
    pack holds every character."""
    import docpipe
    from docpipe.writers.pdf import fontmerge

    real = fontmerge.cmap_bytes
    monkeypatch.setattr(fontmerge, "cmap_bytes", lambda text: real(
        {g: t for i, (g, t) in enumerate(sorted(text.items())) if i % 2}))
    out = tmp_path / "out"
    report = docpipe.pack([str(three_pages)], out, jobs=1)
    assert report.ok
    assert report.pack_check["pdf"] == "joined"
    assert any("made again with each briefing's own fonts" in n for n in report.pack_notes)
    manifest = json.loads((out / "pack.json").read_text(encoding="utf-8"))
    assert manifest["pack"]["check"]["pdf"] == "joined"
    assert any("missing" in w for w in manifest["pack"]["warnings"])
    assert_pack_holds(out / "pack.pdf", [out / f"p{i}.pdf" for i in (0, 1, 2)])
    info = subprocess.run(["pdfinfo", str(out / "pack.pdf")], capture_output=True,
                          text=True, check=True).stdout
    assert "Tagged:          yes" in info
    from pypdf import PdfReader

    assert [o.title for o in PdfReader(out / "pack.pdf").outline] == \
        [m["title"] for m in manifest["pages"]]


def test_a_merged_font_that_lacks_glyphs_is_not_used(three_pages, tmp_path, monkeypatch):
    """A merged subset cut short (half its glyphs) is caught before it is written: each
    briefing keeps its own copy of that font, with a warning, and the pack holds every
    character and every glyph it shows."""
    import docpipe
    from docpipe.writers.pdf import fonts

    real = fonts.cff_subset
    calls = []

    def short(face, gids):  # the merge cuts twice a font: to check the file, then whole
        calls.append(gids)
        if len(calls) % 2 == 0:
            gids = set(sorted(gids)[: len(gids) // 2])
        return real(face, gids)

    monkeypatch.setattr(fonts, "cff_subset", short)
    out = tmp_path / "out"
    report = docpipe.pack([str(three_pages)], out, jobs=1, pages=True)
    assert report.ok, report.pack_error
    assert any("lacks glyphs" in n for n in report.pack_notes)
    assert_pack_holds(out / "pack.pdf", [out / f"p{i}.pdf" for i in (0, 1, 2)])


def test_a_pack_that_cannot_be_made_right_is_not_written(three_pages, tmp_path,
                                                         monkeypatch):
    """When the plain way loses text too, no pack is shipped: the error names the pack,
    and the pack of the run before stays as it was."""
    import docpipe
    from docpipe.writers.pdf import fontmerge, join

    out = tmp_path / "out"
    assert docpipe.pack([str(three_pages)], out, jobs=1).ok
    before = (out / "pack.pdf").read_bytes()
    real = fontmerge.cmap_bytes
    monkeypatch.setattr(fontmerge, "cmap_bytes", lambda text: real({}))
    monkeypatch.setattr(join, "stamp_text", lambda index, front: "第")  # a lie on each page
    (three_pages / "p1.txt").write_text((three_pages / "p1.txt").read_text(
        encoding="utf-8").replace("又一句话", "另一句话"), encoding="utf-8")
    report = docpipe.pack([str(three_pages)], out, jobs=1)
    assert not report.ok
    assert "does not show its briefings' text" in report.pack_error
    assert (out / "pack.pdf").read_bytes() == before


def test_a_briefing_whose_pdf_lacks_text_fails_loudly(tmp_path, monkeypatch):
    """`convert` reads every PDF back: one that lacks text of the article (here its
    fonts' text maps lose every other entry) is not written, and the page fails."""
    import docpipe
    from docpipe.writers.pdf import fonts

    real = fonts._unclaim_clamped_glyphs

    def spoil(objects):
        real(objects)
        for obj in objects:
            stream = getattr(obj, "stream", None)
            if isinstance(stream, list) and any(
                    isinstance(line, bytes) and line.endswith(b"beginbfchar") for line in stream):
                obj.stream = [line for i, line in enumerate(stream)
                              if not (isinstance(line, bytes) and line.startswith(b"<")
                                      and b"> <" in line and i % 2 and i > 14)]

    monkeypatch.setattr(fonts, "_unclaim_clamped_glyphs", spoil)
    results = docpipe.convert([str(REFERENCE)], tmp_path / "out", formats="pdf,docx")
    assert not results[0].ok
    assert "its PDF lacks text of the article" in results[0].error
    assert not (tmp_path / "out" / f"{REFERENCE.stem}.pdf").exists()


def test_a_briefing_whose_docx_lacks_text_fails_loudly(tmp_path, monkeypatch):
    """The DOCX is read back from its own XML: a paragraph that never reaches it fails
    the page."""
    import docpipe
    from docpipe.writers import docx

    real = docx.add_article

    def drop_last(doc, art, *args, **kwargs):
        import dataclasses

        return real(doc, dataclasses.replace(art, body=art.body[:-1]), *args, **kwargs)

    monkeypatch.setattr(docx, "add_article", drop_last)
    results = docpipe.convert([str(REFERENCE)], tmp_path / "out", formats="docx")
    assert not results[0].ok and "its DOCX lacks text of the article" in results[0].error


def test_the_briefings_of_a_pack_are_read_back_too(tmp_path):
    """A pack's pages' PDFs (cut from batches) hold their article's text, and the
    pack's DOCX every article's, read by other engines than the product's."""
    from docx import Document

    import docpipe

    pages = sorted(p for p in SAMPLES.iterdir() if p.suffix in (".txt", ".html"))
    out = tmp_path / "out"
    report = docpipe.pack([str(p) for p in pages], out, jobs=1)
    assert report.ok
    doc = Document(str(out / "pack.docx"))
    docx_text = seen("".join(p.text for p in doc.paragraphs))
    for e in report.entries:
        art = e.article
        want = seen("".join([art.title, art.editor_note, *(
            b.caption if b.kind == "image" else b.text for b in art.body)]))
        assert not want - docx_text, e.input
        pdf = seen("".join(pdfium_pages(out / f"{e.stem}.pdf")))
        assert not want - pdf, e.input


# --- `docpipe check` ---------------------------------------------------------------------


def test_check_says_per_article_that_the_pack_holds_it(packed_three):
    from typer.testing import CliRunner

    _, out = packed_three
    res = invoke(CliRunner(), "check", str(out), "--name", "w")
    assert res.exit_code == 0, res.stderr
    lines = res.stdout.splitlines()
    assert sum(line.startswith("ok  ") for line in lines) == 3
    assert "against its briefing's files" in lines[0]
    assert lines[-1] == "3 of 3 article(s) held by the pack"


def test_check_names_the_article_a_changed_pack_lacks(packed_three, tmp_path):
    """A pack whose PDF and DOCX were swapped for those of another run (one page less)
    is caught, per article, with exit 1."""
    import shutil

    from typer.testing import CliRunner

    runner = CliRunner()
    pages, packed = packed_three
    out, other, fewer = tmp_path / "out", tmp_path / "other", tmp_path / "in"
    shutil.copytree(packed, out)  # the pack of the three pages, changed here only
    shutil.copytree(pages, fewer)
    (fewer / "p2.txt").unlink()
    assert invoke(runner, "pack", str(fewer), "-o", str(other), "--name", "w",
                  "-j", "1").exit_code == 0
    shutil.copy(other / "w.pdf", out / "w.pdf")
    shutil.copy(other / "w.docx", out / "w.docx")
    res = invoke(runner, "check", str(out), "--name", "w")
    assert res.exit_code == 1
    assert "p2.txt" in res.stderr and "PDF" in res.stderr and "DOCX" in res.stderr


def test_check_reads_a_pack_without_pages_against_its_cached_text(three_pages, tmp_path):
    from typer.testing import CliRunner

    runner = CliRunner()
    out = tmp_path / "out"
    invoke(runner, "pack", str(three_pages), "-o", str(out), "--no-pages", "-j", "1")
    res = invoke(runner, "check", str(out), "-q")
    assert res.exit_code == 0 and res.stdout == ""
    res = invoke(runner, "check", str(out))
    assert "against its text (the cache)" in res.stdout


def test_check_without_a_pack_is_one_line(tmp_path):
    from typer.testing import CliRunner

    res = invoke(CliRunner(), "check", str(tmp_path))
    assert res.exit_code == 2
    assert res.stderr.count("\n") == 1 and "not a pack's manifest" in res.stderr


def test_without_pdftotext_outputs_are_written_unread_and_said_so(tmp_path, monkeypatch):
    """Without poppler-utils nothing can be read back: the briefing is still written,
    and every page says it was not read back (a warning: stderr, JSON, manifest)."""
    import docpipe
    from docpipe import verify

    monkeypatch.setenv("PATH", str(tmp_path))  # no pdftotext
    with pytest.raises(verify.CheckUnavailable):
        verify.extractor()
    results = docpipe.convert([str(REFERENCE)], tmp_path / "b", formats="pdf")
    assert results[0].ok
    assert any("not read back" in w for w in results[0].article.warnings)


SHARED = "⼈人 •‧ …⋯ ①➀ -‑ ＡBc"  # pairs Noto CJK draws with one glyph (and case)


def test_characters_one_glyph_draws_are_not_taken_for_lost(tmp_path):
    """A PDF maps each glyph to one text: a page with • and ‧ (one glyph) reads back as
    two •, a Kangxi radical as its ideograph. Reading back must not take them for lost
    text (the page would fail): counted by glyph, they are all there."""
    import docpipe

    page = rare_page(tmp_path / "in", "p", f"共用字形：{SHARED}。")
    results = docpipe.convert([str(page)], tmp_path / "out", formats="pdf,docx", to="tw")
    assert results[0].ok, results[0].error


def test_a_pack_keeps_each_briefings_reading_of_a_shared_glyph(tmp_path):
    """Two briefings read one glyph as • and as ‧: the pack keeps one merged font program
    and gives each its own text map, so each page reads as its briefing does."""
    import pikepdf
    from typer.testing import CliRunner

    folder = tmp_path / "in"
    rare_page(folder, "p1", "要点•一，要点•二。")
    rare_page(folder, "p2", "要点‧一，要点‧二。")
    out = tmp_path / "out"
    assert invoke(CliRunner(), "pack", str(folder), "-o", str(out), "-j", "1").exit_code == 0
    assert_pack_holds(out / "pack.pdf", [out / "p1.pdf", out / "p2.pdf"])
    manifest = json.loads((out / "pack.json").read_text(encoding="utf-8"))
    assert manifest["pack"]["warnings"] == [] and manifest["pack"]["check"]["pdf"] == "ok"
    with pikepdf.open(out / "pack.pdf") as pdf:
        programs = {o.objgen for o in pdf.objects if isinstance(o, pikepdf.Stream)
                    and o.get("/Subtype") == "/CIDFontType0C"}
    assert len(programs) == 2  # regular and bold, once each
