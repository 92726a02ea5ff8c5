"""The saved-HTML reader on invented pages: charsets, images, metadata, --explain."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from conftest import FIXTURES, invoke
from docpipe.readers import ReadOptions, read

HTML = FIXTURES / "html"
COMPLETE = HTML / "complete" / "report.html"


def load(path: Path):
    return read(path.read_bytes(), str(path), ReadOptions())


@pytest.fixture
def no_network(monkeypatch):
    """Any attempt to open a network connection fails the test."""
    attempts: list[object] = []

    def refuse(self, address, *args, **kwargs):
        attempts.append(address)
        raise OSError(f"network access attempted: {address}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: refuse(None, a[0]))
    yield attempts
    assert attempts == [], f"network access attempted: {attempts}"


def test_saved_complete_page_keeps_local_image_with_caption(no_network):
    art = load(COMPLETE)
    images = [b for b in art.body if b.kind == "image"]
    assert len(images) == 1
    img = images[0]
    assert img.src == "photo.png" and Path(art.base_dir).name == "report_files"
    assert (Path(art.base_dir) / img.src).is_file()
    assert img.caption == "开园当天，居民们在认领的菜地里翻土播种。"
    # The image sits where the page has it: after the first paragraph.
    kinds = [b.kind for b in art.body]
    assert kinds[:3] == ["para", "image", "para"]
    # The caption is not repeated as a paragraph.
    assert art.body_text.count(img.caption) == 0


def test_remote_image_is_never_fetched_nor_kept(no_network):
    art = load(COMPLETE)
    assert not any("example.invalid" in b.src or "种子促销" in b.caption for b in art.body)
    assert any("remote" in line and "never fetched" in line for line in art.log)


def test_saved_complete_page_article_and_metadata():
    art = load(COMPLETE)
    assert art.title == "河畔社区开出“共享菜园” 五十户居民认领菜地"
    assert art.source == "青禾公益网"
    assert art.author == "赵一鸣"
    assert art.editor == "周敏"
    assert art.published == "2024-04-21"
    assert art.views == 518
    assert art.editor_note.startswith("城市里的闲置空地能做什么？")
    text = art.kept_text()
    assert "社区计划下半年在菜园旁增设一处雨水收集池" in text
    assert "管理小组组长、七十二岁的王建国说" in text
    for boilerplate in ("当前位置", "相关阅读", "老旧小区加装电梯", "版权所有", "责任编辑", "登录"):
        assert boilerplate not in text


@pytest.mark.parametrize("name, encoding", [("gbk_news.html", "gb18030"),
                                            ("mislabeled_gb2312.html", "utf-8")])
def test_gbk_page_and_page_declaring_gb2312_but_utf8(name, encoding):
    art = load(HTML / name)
    assert art.log[0].startswith(f"read: html, {encoding}")
    assert art.title == "县图书馆流动书车开进十个行政村"
    assert art.published == "2023-09-15"
    assert art.source == "江南晚报"
    assert art.editor == "何静"
    assert art.body_text[0].startswith("本报讯 九月以来，县图书馆的流动书车")
    assert art.body_text[-1].endswith("并为村里的留守儿童开设周末故事会。")
    assert "县城新建三处城市书房" not in art.kept_text()


def test_mislabeled_page_says_so():
    art = load(HTML / "mislabeled_gb2312.html")
    assert "declared gb2312 but is UTF-8" in art.log[0]


def test_big5_page():
    art = load(HTML / "big5_notice.html")
    assert "big5" in art.log[0]
    assert art.title == "社福基金會推出長者送餐志工培訓"
    assert art.published == "2024-10-02"
    assert art.source == "港灣新聞網"
    assert art.author == "陳家豪"
    assert len(art.body_text) == 4
    assert "「我們送的不只是一個便當，也是一次問候」" in art.kept_text()
    assert "獨居長者緊急通報系統上線" not in art.kept_text()


def test_title_from_title_tag_without_site_suffix(tmp_path):
    page = COMPLETE.read_text(encoding="utf-8").replace(
        "<h1>河畔社区开出“共享菜园” 五十户居民认领菜地</h1>", "")
    (tmp_path / "no_h1.html").write_text(page, encoding="utf-8")
    art = load(tmp_path / "no_h1.html")
    assert art.title == "河畔社区开出“共享菜园” 五十户居民认领菜地"


def test_explain_says_what_extraction_did(runner):
    res = invoke(runner, "extract", str(COMPLETE), "--explain")
    assert res.exit_code == 0
    data = json.loads(res.stdout)
    assert data["title"].startswith("河畔社区")
    assert "extraction: trafilatura kept" in res.stderr
    assert "dropped line" in res.stderr and "[editor-credit]" in res.stderr


def test_page_the_library_finds_nothing_in_falls_back_to_the_line_classifier(tmp_path):
    lines = "".join(f"<div>{t}</div>" for t in [
        "网站首页", "当前位置：首页 > 通知", "关于调整办公时间的通知", "发布时间：2024-02-01",
        "自二月五日起，办公时间调整为上午九点至下午五点，午间不休息。", "特此通知。",
        "版权所有 某某协会"])
    page = tmp_path / "tiny.html"
    page.write_text(f"<html><head><meta charset='utf-8'><title>通知</title></head>"
                    f"<body>{lines}</body></html>", encoding="utf-8")
    art = load(page)
    assert art.title == "关于调整办公时间的通知"
    assert art.published == "2024-02-01"
    assert "自二月五日起" in art.kept_text() and "版权所有" not in art.kept_text()
