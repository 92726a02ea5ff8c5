"""Issue 13: render budgets and image policy. Huge-pixel images, nested-<use> SVGs,
images outside the page's own folder, 20,000-paragraph pages, pages too long for a PDF,
javascript: links. Every hostile input is built here.
"""

from __future__ import annotations

import io
import resource
import struct
import subprocess
import sys
import warnings
import zlib
from pathlib import Path

import pytest

from conftest import invoke

DOCPIPE = Path(sys.executable).parent / "docpipe"
PARA = "这是一段用于测试的正文内容，包含足够多的汉字以便被识别为文章段落。"


def png(width: int, height: int) -> bytes:
    """A PNG that declares `width` × `height` in its header; its pixel data is a few
    bytes (decoding it would fail, or cost gigabytes: docpipe must never try)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(
            ">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    rows = zlib.compress(b"\x00" * (width + 1) * min(height, 2))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", rows) + \
        chunk(b"IEND", b"")


def page_with_image(src: str) -> str:
    body = f"<p>{PARA}</p>" * 4
    return ("<html><head><meta charset='utf-8'><title>图片页面</title></head><body><article>"
            f"<h1>图片页面的标题</h1><p>2024-01-01 来源：测试</p>{body}<figure><img src='{src}'><figcaption>图一 说明文字"
            f"</figcaption></figure>{body}</article></body></html>")


def nested_use_svg(levels: int, fan: int) -> str:
    """fan ** levels rectangles drawn from a file of a few KB."""
    parts = ['<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/'
             'xlink" width="200" height="200"><defs><g id="l0"><rect width="1" height="1"/>'
             '</g>']
    for i in range(1, levels + 1):
        parts.append(f'<g id="l{i}">' + "".join(
            f'<use xlink:href="#l{i - 1}" x="{k}"/>' for k in range(fan)) + "</g>")
    parts.append(f'</defs><use xlink:href="#l{levels}"/></svg>')
    return "".join(parts)


def pdf_images(path: Path) -> int:
    from pypdf import PdfReader

    return sum(len(p.images) for p in PdfReader(str(path)).pages)


def docx_images(path: Path) -> int:
    import zipfile

    return sum(1 for n in zipfile.ZipFile(path).namelist() if n.startswith("word/media/"))


def run(*args: str, cwd: Path, timeout: float = 120):
    return subprocess.run([str(DOCPIPE), *args], capture_output=True, text=True, cwd=cwd,
                          timeout=timeout)


# --- point 4: images checked from the header; SVG work limited ---------------------------

def test_huge_pixel_images_are_left_out_with_one_line_each(tmp_path):
    (tmp_path / "page_files").mkdir()
    sides = (13_300, 40_000)  # 1.7 GB to decode; over Pillow's own bomb limit (vanished)
    for side in sides:
        (tmp_path / "page_files" / f"{side}.png").write_bytes(png(side, side))
    page = page_with_image("page_files/13300.png").replace(
        "</article>", "<figure><img src='page_files/40000.png'><figcaption>图二 说明文字"
        "</figcaption></figure></article>")
    (tmp_path / "page.html").write_text(page, encoding="utf-8")
    res = run("convert", "page.html", "-o", "out", "-f", "pdf,docx", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    # One line per image: no raw DecompressionBombWarning, no traceback.
    assert res.stderr.strip().splitlines() == [
        f"docpipe: warning: page.html: image page_files/{side}.png left out: {side} × {side} "
        f"pixels ({side * side / 1e6:.1f} Mpx), over the limit of 25 Mpx" for side in sides]
    assert pdf_images(tmp_path / "out" / "page.pdf") == 0
    assert docx_images(tmp_path / "out" / "page.docx") == 0
    text = subprocess.run(["pdftotext", str(tmp_path / "out" / "page.pdf"), "-"],
                          capture_output=True, text=True).stdout
    assert "图一 说明文字" in text  # the caption stays


def test_an_image_within_the_limit_is_kept(tmp_path):
    from PIL import Image

    (tmp_path / "page_files").mkdir()
    Image.new("RGB", (40, 30), "red").save(tmp_path / "page_files" / "ok.png")
    (tmp_path / "page.html").write_text(page_with_image("page_files/ok.png"), encoding="utf-8")
    res = run("convert", "page.html", "-o", "out", "-f", "pdf,docx", cwd=tmp_path)
    assert res.returncode == 0 and res.stderr == "", res.stderr
    assert pdf_images(tmp_path / "out" / "page.pdf") == 1
    assert docx_images(tmp_path / "out" / "page.docx") == 1


@pytest.mark.parametrize("fmt", ["PNG", "GIF", "JPEG", "WEBP", "BMP", "TIFF"])
def test_header_sizes_agree_with_pillow(tmp_path, fmt):
    from PIL import Image

    from docpipe.images import raster_size

    path = tmp_path / f"x.{fmt.lower()}"
    Image.new("RGB", (317, 211), "blue").save(path, fmt)
    assert raster_size(path.read_bytes()[:65536], path) == (317, 211)


def test_progressive_jpeg_with_long_metadata_is_measured(tmp_path):
    from PIL import Image

    from docpipe.images import raster_size

    path = tmp_path / "p.jpg"
    buf = io.BytesIO()
    Image.new("RGB", (123, 45)).save(buf, "JPEG", progressive=True, icc_profile=b"\0" * 70000)
    path.write_bytes(buf.getvalue())
    assert raster_size(path.read_bytes()[:65536], path) == (123, 45)


def test_pdf_writer_refuses_a_huge_image_even_in_a_hand_made_article(tmp_path):
    """Screening happens when reading; the PDF's URL fetcher checks each image again."""
    from docpipe.model import Article, Block
    from docpipe.writers import RenderOptions, write

    folder = tmp_path / "x_files"
    folder.mkdir()
    (folder / "big.png").write_bytes(png(20_000, 20_000))
    art = Article(title="图片", input_path="x.html", base_dir=str(folder),
                  body=[Block(text=PARA), Block(text="图", kind="image", src="big.png")])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        write("pdf", art, tmp_path / "x.pdf", RenderOptions())
    assert caught == []
    assert pdf_images(tmp_path / "x.pdf") == 0


def test_nested_use_svg_is_left_out_quickly(tmp_path):
    svg = nested_use_svg(levels=9, fan=10)  # 10⁹ rectangles in under 3 KB
    assert len(svg) < 3200
    (tmp_path / "page_files").mkdir()
    (tmp_path / "page_files" / "bomb.svg").write_text(svg)
    (tmp_path / "page.html").write_text(page_with_image("page_files/bomb.svg"), encoding="utf-8")
    res = run("convert", "page.html", "-o", "out", "-f", "pdf", cwd=tmp_path, timeout=60)
    assert res.returncode == 0, res.stderr
    assert res.stderr.strip() == ("docpipe: warning: page.html: image page_files/bomb.svg left out: SVG "
                                  "drawing over 50,000 elements once <use> is expanded")
    assert (tmp_path / "out" / "page.pdf").is_file()
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    assert usage.ru_maxrss < 1_000_000  # KB: the SVG was never drawn


def test_svg_work_counts_use_expansion_and_finds_cycles():
    from lxml import etree

    from docpipe.images import svg_problem, svg_work

    small = etree.fromstring(nested_use_svg(levels=2, fan=3).encode())
    # rect 1, l0 2, each use of l0 3, l1 10, each use of l1 11, l2 34, defs 1 + 2 + 10 + 34,
    # the top use 35, the root 1 + 47 + 35
    assert svg_work(small, 10_000) == 83
    assert svg_problem(nested_use_svg(levels=3, fan=5).encode()) == ""
    cycle = (b'<svg xmlns="http://www.w3.org/2000/svg"><g id="a"><use href="#b"/></g>'
             b'<g id="b"><use href="#a"/></g></svg>')
    assert "cycle" in svg_problem(cycle)
    deep = ("<svg xmlns='http://www.w3.org/2000/svg'>" + "<g>" * 5000 + "</g>" * 5000
            + "</svg>").encode()
    assert svg_problem(deep)  # too deep to parse, or too much work: never a RecursionError
    bomb = zlib.compress(b"<svg xmlns='http://www.w3.org/2000/svg'>" + b" " * 50_000_000
                         + b"</svg>")
    gz = b"\x1f\x8b" + bomb  # not a valid gzip stream either way: refused, never inflated
    assert svg_problem(gz)


# --- point 8: images only from the page's own NAME_files/ folder --------------------------

def _downloads(tmp_path: Path) -> Path:
    from PIL import Image

    folder = tmp_path / "Downloads"
    (folder / "tax-2024").mkdir(parents=True)
    Image.new("RGB", (40, 30), "green").save(folder / "tax-2024" / "passport-scan.png")
    (folder / "page.html").write_text(page_with_image("tax-2024/passport-scan.png"),
                                      encoding="utf-8")
    return folder


def test_image_outside_the_pages_own_folder_is_not_embedded(tmp_path):
    folder = _downloads(tmp_path)
    res = run("convert", "page.html", "-o", "out", "-f", "pdf,docx,md,json", cwd=folder)
    assert res.returncode == 0, res.stderr
    assert res.stderr.strip() == (
        "docpipe: warning: page.html: image tax-2024/passport-scan.png left out: not in "
        "the page's own folder page_files/ (--folder-images allows the page's whole folder)")
    assert pdf_images(folder / "out" / "page.pdf") == 0
    assert docx_images(folder / "out" / "page.docx") == 0
    assert "passport" not in (folder / "out" / "page.md").read_text(encoding="utf-8")


def test_folder_images_option_widens_to_the_pages_folder(tmp_path):
    folder = _downloads(tmp_path)
    res = run("convert", "page.html", "-o", "out", "-f", "pdf,docx", "--folder-images",
              cwd=folder)
    assert res.returncode == 0 and res.stderr == "", res.stderr
    assert pdf_images(folder / "out" / "page.pdf") == 1
    assert docx_images(folder / "out" / "page.docx") == 1


def test_pack_keeps_to_the_same_rule(tmp_path, runner):
    folder = _downloads(tmp_path)
    res = invoke(runner, "pack", str(folder / "page.html"), "-o", str(tmp_path / "out"),
                 "-j", "1", "--no-pages")
    assert res.exit_code == 0, res.output
    assert "left out: not in the page's own folder" in res.stderr
    assert pdf_images(tmp_path / "out" / "pack.pdf") == 0
    assert docx_images(tmp_path / "out" / "pack.docx") == 0


# --- point 5: big pages stay linear ----------------------------------------------------------

def test_docx_fast_paragraphs_match_python_docx(tmp_path):
    """The constant-time paragraph adder builds what `doc.add_paragraph` builds."""
    from lxml import etree

    from docpipe.writers.docx import Adder, new_document

    texts = ["普通段落", " 前后有空格 ", "有\t制表符", "有\n换行", "", "Latin text"]
    styles = [None, "Heading 3", "Meta", None, "Summary", "Colophon"]
    ours, theirs = new_document("hans"), new_document("hans")
    add = Adder(ours)
    for text, style in zip(texts, styles, strict=True):
        add(text, style)
        theirs.add_paragraph(text, style=style)
    assert etree.tostring(ours.element.body) == etree.tostring(theirs.element.body)


def test_twenty_thousand_paragraph_page_gives_its_docx(tmp_path):
    """Time: see benchmarks/hostile.py (quadratic before: 13 s; linear now: ~1.5 s)."""
    import docx

    from docpipe.model import Article, Block
    from docpipe.writers import RenderOptions, write

    n = 20_000
    art = Article(title="大文档", body=[Block(text=f"第{i}段。{PARA}") for i in range(n)])
    write("docx", art, tmp_path / "big.docx", RenderOptions())
    paras = [p.text for p in docx.Document(str(tmp_path / "big.docx")).paragraphs]
    body = [t for t in paras if t.startswith("第") and t.endswith(PARA)]
    assert body == [f"第{i}段。{PARA}" for i in range(n)]


def _long_text(chars: int) -> str:
    lines = ["一份很长的文本页面", "", "2024年1月1日 来源：测试", ""]
    i, size = 0, sum(map(len, lines))
    while size < chars:
        lines += [f"第{i}段，编号{i * 7919 % 10007}。{PARA}{PARA}", ""]
        size += len(lines[-2])
        i += 1
    return "\n".join(lines) + "\n"


def test_max_pages_refuses_before_layout(tmp_path):
    (tmp_path / "long.txt").write_text(_long_text(20_000), encoding="utf-8")
    res = run("convert", "long.txt", "-o", "out", "-f", "pdf", "--max-pages", "3",
              cwd=tmp_path)
    assert res.returncode == 1
    assert res.stderr.startswith("docpipe: error: long.txt: PDF would have at least ")
    assert "over the limit of 3 (raise it with --max-pages" in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "out" / "long.pdf").exists()


def test_max_pages_checks_the_real_layout_too(tmp_path):
    (tmp_path / "two.txt").write_text(_long_text(1_500), encoding="utf-8")
    res = run("convert", "two.txt", "-o", "out", "-f", "pdf", "--max-pages", "1",
              cwd=tmp_path)
    assert res.returncode == 1
    assert "PDF would have 2 pages, over the limit of 1" in res.stderr
    assert not (tmp_path / "out" / "two.pdf").exists()
    res = run("convert", "two.txt", "-o", "out", "-f", "pdf", "--max-pages", "0", cwd=tmp_path)
    assert res.returncode == 0, res.stderr


@pytest.mark.slow
def test_eight_megabyte_page_is_refused_with_one_line_not_laid_out(tmp_path):
    (tmp_path / "huge.txt").write_text(_long_text(3_000_000), encoding="utf-8")
    assert (tmp_path / "huge.txt").stat().st_size > 8_000_000
    res = run("convert", "huge.txt", "-o", "out", cwd=tmp_path, timeout=120)
    assert res.returncode == 1
    assert "over the limit of 500" in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1
    assert resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss < 2_000_000  # KB


# --- point 10: Markdown links only http(s) ---------------------------------------------

@pytest.mark.parametrize("url", ["javascript:alert(1)", "JavaScript:alert(document.cookie)",
                                 "data:text/html,<script>alert(1)</script>", "vbscript:x"])
def test_markdown_links_only_http_urls(url):
    from markdown_it import MarkdownIt

    from docpipe.model import Article, Block
    from docpipe.writers import RenderOptions
    from docpipe.writers.markdown import render

    md = render(Article(title="标题", url=url, body=[Block(text=PARA)]), RenderOptions())
    html = MarkdownIt("commonmark").render(md)
    assert "href" not in html and "<script" not in html
    ok = render(Article(title="标题", url="https://example.org/a?b=1", body=[Block(text=PARA)]),
                RenderOptions())
    assert 'href="https://example.org/a?b=1"' in MarkdownIt("commonmark").render(ok)


def test_og_url_javascript_never_becomes_a_link(tmp_path):
    page = page_with_image("x.png").replace(
        "<title>", "<meta property='og:url' content='javascript:alert(1)'><title>")
    (tmp_path / "p.html").write_text(page, encoding="utf-8")
    res = run("convert", "p.html", "-o", "out", "-f", "md", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    md = (tmp_path / "out" / "p.md").read_text(encoding="utf-8")
    assert "<javascript" not in md and "](javascript" not in md


def test_pack_leaves_out_a_page_too_long_for_its_pdf(tmp_path, runner):
    (tmp_path / "long.txt").write_text(_long_text(20_000), encoding="utf-8")
    (tmp_path / "short.txt").write_text(_long_text(300).replace("很长", "很短"),
                                        encoding="utf-8")
    out = tmp_path / "out"
    res = invoke(runner, "pack", str(tmp_path / "long.txt"), str(tmp_path / "short.txt"),
                 "-o", str(out), "-j", "1", "--no-pages", "--max-pages", "3")
    assert res.exit_code == 1
    assert "long.txt: PDF would have at least" in res.stderr
    text = subprocess.run(["pdftotext", str(out / "pack.pdf"), "-"], capture_output=True,
                          text=True).stdout
    assert "很短" in text and "很长" not in text


def test_data_url_images_of_a_web_archive_are_checked_too():
    import base64

    from PIL import Image

    from docpipe.images import screen
    from docpipe.model import Article, Block

    buf = io.BytesIO()
    Image.new("RGB", (20, 10)).save(buf, "PNG")
    ok = "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()
    big = "data:image/png;base64," + base64.b64encode(png(13_300, 13_300)).decode()
    svg = "data:image/svg+xml;base64," + base64.b64encode(nested_use_svg(9, 10).encode()).decode()
    art = Article(title="档案", input_path="a.mhtml", base_dir=".",
                  body=[Block(text=PARA), *(Block(text="图", kind="image", src=s, caption="图")
                                            for s in (ok, big, svg))])
    out = screen(art)
    assert [b.src for b in out.body if b.kind == "image"] == [ok, "", ""]
    assert len(out.warnings) == 2
    assert "13300 × 13300 pixels" in out.warnings[0] and "<use>" in out.warnings[1]


@pytest.mark.parametrize("pages", [True, False], ids=["pages", "no-pages"])
def test_pack_leaves_out_a_page_whose_laid_out_pdf_is_too_long(tmp_path, runner, pages):
    """Short lines: the text passes the estimate before layout, the layout does not. The
    page is failed and left out (with --no-pages too, where its PDF is made for the
    pack alone); the others still make the pack."""
    import json

    lines = ["一份行很多的文本页面", "", "2024年1月1日 来源：测试", ""]
    lines += [f"第{i}段。{PARA}" for i in range(100)]
    (tmp_path / "many.txt").write_text("\n\n".join(lines) + "\n", encoding="utf-8")
    (tmp_path / "short.txt").write_text(_long_text(300).replace("很长", "很短"),
                                        encoding="utf-8")
    out = tmp_path / "out"
    res = invoke(runner, "pack", str(tmp_path / "many.txt"), str(tmp_path / "short.txt"),
                 "-o", str(out), "-j", "1", "--max-pages", "2",
                 *([] if pages else ["--no-pages"]))
    assert res.exit_code == 1, res.output
    errors = [x for x in res.stderr.splitlines() if x.startswith("docpipe: error:")]
    assert len(errors) == 1 and "many.txt: PDF would have" in errors[0], res.stderr
    assert "at least" not in errors[0]  # found by the layout, not the estimate
    rows = {Path(r["input"]).name: r["status"]
            for r in json.loads((out / "pack.json").read_text(encoding="utf-8"))["pages"]}
    assert rows == {"many.txt": "failed", "short.txt": "ok"}
    text = subprocess.run(["pdftotext", str(out / "pack.pdf"), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert "很短" in text and "第99段" not in text
    assert not (out / "many.pdf").exists() and (out / "short.pdf").exists() == pages
