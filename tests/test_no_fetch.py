"""Issue 6.3: nothing fetched.

Rendering never opens a network connection and never reads a file outside docpipe's
template folder and the input page's own folder. A local HTTP server (127.0.0.1,
ephemeral port, in a thread) records every request; a secret file beside (not inside)
the page's folder holds a token that must never reach an output.
"""

from __future__ import annotations

import base64
import http.server
import json
import subprocess
import threading
import zipfile
from pathlib import Path

import pytest

from conftest import invoke

TOKEN = "SECRET-TOKEN-7F3A"
# A 1x1 PNG, for the image the page may show (inside its folder) and those it may not.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)
BODY = ("志愿服务是社会文明进步的重要标志，也是衡量社会治理现代化水平的重要内容。"
        "新时代中国志愿服务事业既深刻体现了我国社会文明进步的先进成果，也承载着国际使命担当。")


class Recorder(http.server.BaseHTTPRequestHandler):
    requests: list[str] = []

    def _answer(self):
        type(self).requests.append(f"{self.command} {self.path}")
        if self.path.endswith(".css"):
            body, kind = f'body::before {{ content: "{TOKEN}" }}'.encode(), "text/css"
        elif self.path.endswith(".png"):
            body, kind = PNG, "image/png"
        else:
            body, kind = f"<p>{TOKEN}</p>".encode(), "text/html"
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_HEAD = do_POST = _answer

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    Recorder.requests = []
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", Recorder.requests
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture
def site(tmp_path):
    """tmp/secret/…: files outside the page's folder; tmp/site/page/: the page's folder."""
    secret = tmp_path / "secret"
    secret.mkdir()
    (secret / "secret.txt").write_text(TOKEN, encoding="utf-8")
    (secret / "secret.css").write_text(f'body::before {{ content: "{TOKEN}" }}', encoding="utf-8")
    (secret / "secret.svg").write_text(
        f'<svg xmlns="http://www.w3.org/2000/svg" width="200" height="40">'
        f'<text x="0" y="20">{TOKEN}</text></svg>', encoding="utf-8")
    (secret / "outside.png").write_bytes(PNG)
    folder = tmp_path / "site" / "page"
    (folder / "page_files").mkdir(parents=True)
    (folder / "page_files" / "inside.png").write_bytes(PNG)
    # A symlink inside the page's folder that points outside it.
    (folder / "page_files" / "link.png").symlink_to(secret / "outside.png")
    return tmp_path, folder


def _hostile_html(base: str, tmp: Path) -> str:
    secret = tmp / "secret"
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>不取任何外部资源的页面_测试网</title>
<link rel="stylesheet" href="{base}/style.css">
<link rel="stylesheet" href="file://{secret}/secret.css">
<link rel="stylesheet" href="../../secret/secret.css">
<link rel="icon" href="{base}/favicon.png">
<link rel="preload" href="{base}/preload.png" as="image">
<style>
@import url("{base}/import.css");
@import url("file://{secret}/secret.css");
@font-face {{ font-family: Evil; src: url("{base}/font.woff"); }}
body {{ background: url("{base}/bg.png"); font-family: Evil; }}
</style>
<script src="{base}/script.js"></script>
<meta http-equiv="refresh" content="0; url={base}/refresh">
</head>
<body style="background-image:url('{base}/inline.png')">
<div class="nav"><a href="{base}/nav">首页</a> &gt; <a href="{base}/news">新闻</a></div>
<article>
<h1>不取任何外部资源的页面</h1>
<p class="info">来源：测试网 时间：2025-03-06</p>
<p>{BODY}</p>
<p><img src="{base}/remote.png" alt="远程图片"></p>
<p><img src="//127.0.0.1:{base.rsplit(':', 1)[1]}/protocol-relative.png" alt="无协议"></p>
<p><img src="file:///etc/passwd" alt="系统文件"></p>
<p><img src="file://{secret}/secret.svg" alt="秘密图"></p>
<p><img src="../../secret/outside.png" alt="上级目录"></p>
<p><img src="page_files/link.png" alt="链接出去"></p>
<p><img src="page_files/inside.png" alt="本地图片"></p>
<p><img srcset="{base}/srcset.png 2x" src="{base}/src.png" alt="多图"></p>
<div style="background:url({base}/div-bg.png)"><p>{BODY}</p></div>
<iframe src="{base}/frame.html"></iframe>
<object data="{base}/object.svg"></object>
<embed src="{base}/embed.svg">
<video src="{base}/video.mp4" poster="{base}/poster.png"></video>
<svg><image href="{base}/svg-image.png"/></svg>
<p>第二段正文。{BODY}</p>
</article>
<div class="footer">版权所有 © 测试网</div>
</body></html>
"""


def _no_token_in(folder: Path) -> None:
    for f in folder.rglob("*"):  # the outputs and the images copied beside them
        if not f.is_file():
            continue
        data = f.read_bytes()
        assert TOKEN.encode() not in data, f
        if f.suffix == ".docx":
            with zipfile.ZipFile(f) as z:
                for name in z.namelist():
                    assert TOKEN.encode() not in z.read(name), (f, name)
                media = [n for n in z.namelist() if n.startswith("word/media/")]
                assert len(media) <= 1, media  # at most the page's own image
        if f.suffix == ".pdf":
            text = subprocess.run(["pdftotext", str(f), "-"], capture_output=True,
                                  text=True).stdout
            assert TOKEN not in text and "root:x:0:0" not in text


def test_saved_html_fetches_nothing(runner, server, site):
    base, requests = server
    tmp, folder = site
    page = folder / "page.html"
    page.write_text(_hostile_html(base, tmp), encoding="utf-8")
    out = tmp / "out"
    res = invoke(runner, "convert", str(page), "-o", str(out), "-f", "pdf,docx,html,md,json")
    assert requests == []
    # The HTML reader may not exist yet or may refuse the page: it must still fetch nothing.
    assert res.exit_code in (0, 1)
    if res.exit_code == 1:
        assert len(res.stderr.strip().splitlines()) == 1 and str(page) in res.stderr
        pytest.skip(f"saved HTML not converted yet: {res.stderr.strip()}")
    _no_token_in(out)
    art = json.loads((out / "page.json").read_text(encoding="utf-8"))
    assert BODY in "\n".join(art["body"])
    srcs = [b["src"] for b in art["blocks"] if b["kind"] == "image" and b["src"]]
    assert all(not s.startswith(("http", "//", "file", "/", "..")) for s in srcs), srcs
    assert "page_files/link.png" not in srcs  # a symlink out of the folder is outside it
    html = (out / "page.html").read_text(encoding="utf-8")
    assert base not in html and "127.0.0.1" not in html and "file:" not in html
    md = (out / "page.md").read_text(encoding="utf-8")
    assert base not in md and "file:" not in md


def test_text_page_naming_urls_fetches_nothing(runner, server, tmp_path):
    base, requests = server
    page = tmp_path / "urls.txt"
    page.write_text("\n".join([
        "链接很多的页面", "",
        f"正文提到了网址{base}/text.png 和 file:///etc/passwd 以及 ../../secret.txt，只是文字。",
        f'正文里还有<img src="{base}/img.png">和<link rel="stylesheet" href="{base}/s.css">。',
        f"正文里还有样式background:url({base}/bg.png)与@import url({base}/i.css);这样的文字。",
    ]) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    res = invoke(runner, "convert", str(page), "-o", str(out), "-f", "pdf,docx,html,md")
    assert res.exit_code == 0, res.stderr
    assert requests == []


def test_writers_refuse_image_blocks_pointing_outside(server, site):
    """An Article whose image blocks point at the network, an absolute path, `..` or a
    symlink out of the page's folder (a reader bug, or a hand-made Article): the writers
    show only the page's own image and fetch nothing."""
    from docpipe.model import Article, Block
    from docpipe.writers import RenderOptions, write

    base, requests = server
    tmp, folder = site
    blocks = [Block(text=BODY)]
    for src in (f"{base}/remote.png", "file:///etc/passwd", str(tmp / "secret" / "outside.png"),
                "../../secret/outside.png", "../../secret/secret.svg", "page_files/link.png",
                f"file://{tmp}/secret/secret.svg", "page_files/inside.png"):
        blocks.append(Block(text="图", kind="image", src=src, caption="图"))
    art = Article(title="图片测试", body=blocks, base_dir=str(folder), input_path="x.html")
    out = tmp / "out"
    out.mkdir()
    for fmt, suffix in (("pdf", ".pdf"), ("docx", ".docx")):
        write(fmt, art, out / f"art{suffix}", RenderOptions())
    assert requests == []
    _no_token_in(out)
    from pypdf import PdfReader

    images = [img for p in PdfReader(str(out / "art.pdf")).pages for img in p.images]
    assert len(images) == 1  # page_files/inside.png, and nothing else


def test_pdf_renderer_fetches_nothing_from_hostile_markup(server, site):
    """Defence in depth: even markup that is not docpipe's template (a template bug)
    cannot make WeasyPrint fetch or read outside the allowed folders."""
    from docpipe.writers.pdf import pdf_bytes

    base, requests = server
    tmp, folder = site
    html = _hostile_html(base, tmp)
    data = pdf_bytes(html, [folder], folder)
    assert requests == []
    out = tmp / "out"
    out.mkdir()
    (out / "raw.pdf").write_bytes(data)
    _no_token_in(out)


def test_fetcher_unit(site):
    from docpipe.writers.fetch import safe_fetcher

    tmp, folder = site
    fetch = safe_fetcher([folder])
    ok = fetch.fetch((folder / "page_files" / "inside.png").as_uri())
    assert ok is not None
    refused = [
        "http://127.0.0.1:9/x.png", "https://example.com/", "ftp://example.com/x",
        "file:///etc/passwd", (tmp / "secret" / "secret.txt").as_uri(),
        folder.as_uri() + "/../../secret/secret.txt",
        (folder / "page_files" / "link.png").as_uri(),  # symlink out of the folder
        (folder / "missing.png").as_uri(),
    ]
    for url in refused:
        with pytest.raises(ValueError):
            fetch.fetch(url)
    assert fetch.fetch("data:text/plain,hello") is not None
