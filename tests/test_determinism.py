"""Same input and options, same bytes: no wall-clock time, path or random identifier in
a PDF or DOCX, so Make and version control see real changes only. SOURCE_DATE_EPOCH
is honoured where a date is needed and the page has none (and for packs)."""

from __future__ import annotations

import io
import shutil
import zipfile
from datetime import UTC, datetime

import pytest

from conftest import REFERENCE, SAMPLES, invoke
from test_pack import make_pages

FORMATS = "pdf,docx,html,md,json"
EPOCH = "1700000000"  # 2023-11-14T22:13:20Z


def _today_stamps() -> list[bytes]:
    now = datetime.now(UTC)
    return [now.strftime("D:%Y%m%d").encode(), now.strftime("%Y-%m-%dT").encode()]


def _no_clock(pdf: bytes, docx: bytes) -> None:
    core = zipfile.ZipFile(io.BytesIO(docx)).read("docProps/core.xml")
    for stamp in _today_stamps():
        assert stamp not in pdf
        assert stamp not in core


@pytest.mark.parametrize("to", [None, "tw"])
def test_convert_twice_gives_identical_bytes(tmp_path, runner, to):
    """The page rendered twice, and a copy of it from another folder: the same bytes
    (the JSON excepted for the copy: it records the input's path)."""
    other = tmp_path / "elsewhere"
    other.mkdir()
    shutil.copy(REFERENCE, other / REFERENCE.name)
    extra = ["--to", to] if to else []
    for src, out in ((REFERENCE, "a"), (REFERENCE, "b"), (other / REFERENCE.name, "c")):
        r = invoke(runner, "convert", str(src), "-o", str(tmp_path / out), "-f", FORMATS, *extra)
        assert r.exit_code == 0, r.output
    names = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert len(names) == 5
    for name in names:
        a = (tmp_path / "a" / name).read_bytes()
        assert a == (tmp_path / "b" / name).read_bytes(), name
        if not name.endswith(".json"):
            assert a == (tmp_path / "c" / name).read_bytes(), name
    stem = REFERENCE.stem
    _no_clock((tmp_path / "a" / f"{stem}.pdf").read_bytes(),
              (tmp_path / "a" / f"{stem}.docx").read_bytes())


def test_undated_page_uses_source_date_epoch(tmp_path, runner, monkeypatch):
    import docx

    page = next(p for p in make_pages(tmp_path / "pages", 6, with_samples=False) if not p.date)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    for out in ("a", "b"):
        r = invoke(runner, "convert", str(page.path), "-o", str(tmp_path / out))
        assert r.exit_code == 0, r.output
    for suffix in (".pdf", ".docx"):
        name = page.path.stem + suffix
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    created = docx.Document(tmp_path / "a" / f"{page.path.stem}.docx").core_properties.created
    assert created == datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)


def test_pack_twice_gives_identical_bytes(tmp_path, runner, monkeypatch):
    """Two packs of the same pages in different folders: identical PDF and DOCX, dated
    SOURCE_DATE_EPOCH."""
    import docx
    from pypdf import PdfReader

    pages = tmp_path / "pages"  # an article, a notice, a Traditional page with an image
    pages.mkdir()
    for name in ("000_0e4211b785ff5086.txt", "001_gov_notice.txt", "003_tw_foodbank.html"):
        shutil.copy(SAMPLES / name, pages / name)
    shutil.copytree(SAMPLES / "003_tw_foodbank_files", pages / "003_tw_foodbank_files")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    for out in ("a", "b"):
        r = invoke(runner, "pack", str(tmp_path / "pages"), "-o", str(tmp_path / out),
                   "--no-pages", "-j", "2", "--title", "测试")
        assert r.exit_code == 0, r.output
    for name in ("pack.pdf", "pack.docx", "pack.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    meta = PdfReader(tmp_path / "a" / "pack.pdf").metadata
    assert meta["/CreationDate"].startswith("D:20231114221320")
    created = docx.Document(tmp_path / "a" / "pack.docx").core_properties.created
    assert created == datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)
    _no_clock((tmp_path / "a" / "pack.pdf").read_bytes(),
              (tmp_path / "a" / "pack.docx").read_bytes())


def _page_with_image(folder):
    from PIL import Image

    (folder / "news_files").mkdir(parents=True)
    Image.new("RGB", (120, 80), (200, 30, 30)).save(folder / "news_files" / "pic.png")
    para = "<p>第{}段：志愿服务国际合作交流的新格局正在形成，青年志愿者走向更广阔的舞台。</p>"
    body = "".join(para.format(i) for i in range(6))
    (folder / "news.html").write_text(
        '<html><head><meta charset="utf-8"><title>测试新闻标题</title></head><body>'
        f'<h1>测试新闻标题</h1><div class="article">{body}<p><img src="news_files/pic.png">'
        f'</p>{body}</div></body></html>', encoding="utf-8")
    return folder / "news.html"


def test_pdf_with_local_image_does_not_depend_on_the_page_folder(tmp_path, runner):
    """Two checkouts in different folders give the same bytes (WeasyPrint names images
    after their URL: the page's folder has one location-independent URL)."""
    import subprocess

    pdfs = []
    for where in ("one", "two/deeper/still"):
        page = _page_with_image(tmp_path / where)
        res = invoke(runner, "convert", str(page), "-o", str(tmp_path / where / "out"),
                     "-f", "pdf", "-q")
        assert res.exit_code == 0, res.output
        pdfs.append(tmp_path / where / "out" / "news.pdf")
    images = subprocess.run(["pdfimages", "-list", str(pdfs[0])], capture_output=True,
                            text=True, check=True).stdout.splitlines()[2:]
    assert len(images) == 1 and " 120 " in images[0], images  # the image is there
    assert pdfs[0].read_bytes() == pdfs[1].read_bytes()
    assert str(tmp_path).encode() not in pdfs[0].read_bytes()


def test_a_page_with_an_emoji_has_no_clock_in_its_fonts(tmp_path, runner):
    """WeasyPrint rebuilds a colour font with fontTools, which stamps the current time
    in its 'head' table: the PDF of a page with an emoji changed every second."""
    import io

    import pikepdf
    from fontTools.ttLib import TTFont

    page = tmp_path / "emoji.txt"
    page.write_text("表情测试标题😀\n来源：测试 时间：2024-01-01\n\n这是正文第一段，含有表情😀👍，"
                    "用来检查字体。\n\n这是正文第二段，继续说明情况，内容足够长以便成为文章的一部分。\n",
                    encoding="utf-8")
    r = invoke(runner, "convert", str(page), "-o", str(tmp_path / "out"), "-f", "pdf")
    assert r.exit_code == 0, r.output
    heads = []
    with pikepdf.open(tmp_path / "out" / "emoji.pdf") as pdf:
        for font in pdf.pages[0].obj.Resources.Font.values():
            program = font.DescendantFonts[0].FontDescriptor.get("/FontFile2")
            if program is not None:
                head = TTFont(io.BytesIO(program.read_bytes()))["head"]
                heads.append((str(font.BaseFont), head.created, head.modified))
    assert any("Emoji" in name for name, _, _ in heads), heads
    assert all(created == modified for _, created, modified in heads), heads
