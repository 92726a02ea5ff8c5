"""The text reader and the line classifier on invented pages of other portal layouts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import FIXTURES, REFERENCE, SAMPLES, invoke
from docpipe.readers import ReadOptions, read

TEXT = FIXTURES / "text"


def load(path: Path):
    return read(path.read_bytes(), str(path), ReadOptions())


def test_reference_page_keeps_all_its_results():
    art = load(REFERENCE)
    assert art.title == "小而美,大作为 ——加快构建志愿服务国际合作交流新格局"
    assert art.source == "中华慈善公益网" and art.site == "中华慈善公益网"
    assert art.published == "2025-03-06" and art.views == 192
    assert art.lead.startswith("在国际志愿服务蓬勃发展的时代背景下")
    assert art.editor_note.startswith("在国际志愿服务蓬勃发展")
    assert len(art.body) == 8
    assert sum(b.kind == "point" for b in art.body) == 4
    assert [d.line for d in art.dropped] == [1, 2, 6, 29, 30, 31, 32, 33, 34]
    page = REFERENCE.read_text(encoding="utf-8").split("\n")
    body = [ln.strip() for ln in page[12:27] if ln.strip()]
    assert art.body_text == body


def test_editor_note_page():
    art = load(TEXT / "editor_note.txt")
    assert art.title == "山区学校的第一间音乐教室"
    assert art.editor_note.startswith("在许多山区学校，音乐课常常")
    assert art.source == "山川公益网" and art.published == "2024-06-01" and art.views == 87
    assert len(art.body) == 4
    assert art.body_text[-1] == "下一步，志愿者团队计划把这种模式推广到附近的另外三所村小。"
    rules = {d.text: d.rule for d in art.dropped}
    assert rules["上一篇：旧衣回收箱进驻五个社区"] == "prev-next"
    assert rules["分享到：微信 微博 QQ"] == "share"


def test_gbk_text_page_reads_like_its_utf8_twin():
    gbk, utf8 = load(TEXT / "gbk_page.txt"), load(TEXT / "editor_note.txt")
    assert gbk.log[0] == "read: gb18030"
    assert gbk.kept_text() == utf8.kept_text()


def test_page_without_any_metadata():
    art = load(TEXT / "no_metadata.txt")
    assert art.title == "把旧课本送到需要的地方"
    assert art.published is None and art.source == "" and art.views is None
    assert len(art.body) == 3
    assert not art.dropped


def test_gov_notice_sample_keeps_sections_attachments_and_signature():
    art = load(SAMPLES / "001_gov_notice.txt")
    assert art.title == "关于开展2025年度社会组织年度检查工作的通知"
    assert (art.source, art.published, art.views) == ("青川市民政局", "2025-03-10", 1286)
    headings = [b.text for b in art.body if b.kind == "heading"]
    assert headings == ["一、检查对象", "二、检查内容", "三、时间安排", "四、有关要求"]
    assert art.body_text[0] == "各区县民政局，市级各社会组织："
    assert art.body_text[-4:] == ["附件：1.社会组织年度工作报告书（模板）", "2.年检材料报送清单",
                                  "青川市民政局", "2025年3月10日"]
    kept = art.kept_text()
    for boilerplate in ("无障碍", "当前位置", "字体", "关闭窗口", "相关链接", "国务院办公厅",
                        "主办单位", "ICP备"):
        assert boilerplate not in kept


def test_news_sample_with_editor_credit_and_related_reading():
    art = load(SAMPLES / "002_news_related.txt")
    assert art.title == "“一元助学”项目十年资助三万名学生"
    assert art.editor == "孙婷" and art.source == "晨报网" and art.published == "2024-11-18"
    assert art.lead.startswith("十年来，“一元助学”项目累计募集善款")
    assert len(art.body) == 5
    assert art.body_text[-1].startswith("下一步，项目将把资助范围扩大到职业院校学生")
    rules = {d.text: d.rule for d in art.dropped}
    assert rules["（责任编辑：孙婷）"] == "editor-credit"
    assert rules["相关阅读"] == "related"
    assert rules["扫一扫，用手机看新闻"] == "share"
    assert "市青少年发展基金会公布上半年善款使用情况" in rules  # the related headlines
    assert "微博" in rules  # share buttons between the metadata and the article


def test_html_sample():
    art = load(SAMPLES / "003_tw_foodbank.html")
    assert art.title == "社區食物銀行進駐校園 學生志工協助分裝物資"
    assert art.editor_note.startswith("食物銀行在台灣已走過十餘年")
    assert [b.kind for b in art.body].count("image") == 1
    assert art.editor == "王心怡" and art.author == "林怡君"


@pytest.mark.parametrize("line, rule", [
    ("上一篇：社区食堂开进老旧小区", "prev-next"),
    ("下一篇：图书馆延长周末开放时间", "prev-next"),
    ("相关新闻", "related"),
    ("推荐阅读", "related"),
    ("责任编辑：李四", "editor-credit"),
    ("分享到：", "share"),
    ("扫一扫，关注我们", "share"),
    ("返回顶部", "back-to-top"),
    ("京ICP备12345678号", "icp"),
    ("京公网安备11010502000001号", "icp"),
    ("违法和不良信息举报电话：010-1234567", "contact"),
    ("本文为某某网原创文章，未经授权不得转载", "reprint-notice"),
    ("网友评论仅供其表达个人看法，并不表明本站立场。", "disclaimer"),
])
def test_generic_vocabulary_drops_boilerplate_after_an_article(tmp_path, line, rule):
    page = tmp_path / "page.txt"
    page.write_text("\n".join([
        "示例新闻网", "示例标题：街道开展夏季防汛演练", "2024-06-20 09:00 来源：示例新闻网",
        "六月十九日，街道组织辖区单位和居民开展夏季防汛应急演练，模拟暴雨导致地下车库进水的情况。",
        "演练结束后，街道还为参与的居民讲解了家庭防汛物资的准备方法。", line,
        "Copyright © 2024 示例新闻网 版权所有"]), encoding="utf-8")
    art = load(page)
    assert {d.text: d.rule for d in art.dropped}.get(line) == rule
    assert len(art.body) == 2


def test_explain_lists_every_dropped_line_with_its_rule(runner):
    res = invoke(runner, "extract", str(SAMPLES / "002_news_related.txt"), "--explain")
    assert res.exit_code == 0
    art = json.loads(res.stdout)
    listed = [ln for ln in res.stderr.splitlines() if ln.strip().startswith("dropped line")]
    assert len(listed) == len(art["dropped"]) > 10
    assert all("[" in ln and "]" in ln for ln in listed)


def test_a_users_site_profile_is_data_not_code(tmp_path):
    page = TEXT / "editor_note.txt"
    art = load(page)
    assert "下一步，志愿者团队计划把这种模式推广到附近的另外三所村小。" in art.body_text
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "shanchuan.toml").write_text(
        '[match]\nnames = ["山川公益网"]\n\n[site]\nname = "山川公益网"\n\n'
        '[[drop]]\nrule = "shanchuan-outro"\npattern = \'^下一步，志愿者团队\'\n',
        encoding="utf-8")
    art = read(page.read_bytes(), str(page), ReadOptions(rules=(str(rules),)))
    assert "site profile: shanchuan" in art.log
    assert {d.text: d.rule for d in art.dropped}[
        "下一步，志愿者团队计划把这种模式推广到附近的另外三所村小。"] == "shanchuan-outro"
