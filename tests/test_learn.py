"""Learning a site's template from several of its pages read together (learn.py)."""

from __future__ import annotations

from conftest import FIXTURES, REFERENCE, invoke
from docpipe.pipeline import Settings, read_options_for
from docpipe.readers import ReadOptions, read
from docpipe.readers.lines import squash

LEARN = FIXTURES / "learn"
SITE = [LEARN / f"site_page{i}.txt" for i in (1, 2, 3)]
OTHER = LEARN / "other_site.txt"
SLOGAN = "绿洲环保网提醒您：保护环境，从身边小事做起"


def test_lines_recurring_on_the_sites_pages_are_learnt_with_evidence():
    opts = read_options_for([str(p) for p in SITE], Settings())
    for p in SITE:
        learnt = dict(opts[str(p)].learnt)
        assert learnt[squash(SLOGAN)] == "recurs on 3 of 3 pages of this site (绿洲环保网)"
        assert squash("守护绿水青山 共建美丽家园") in learnt
        assert squash("环保资讯 | 绿色生活 | 自然课堂 | 志愿行动") in learnt


def test_readers_drop_learnt_lines_and_say_why():
    opts = read_options_for([str(p) for p in SITE], Settings())
    for p in SITE:
        alone = read(p.read_bytes(), str(p), ReadOptions())
        together = read(p.read_bytes(), str(p), opts[str(p)])
        assert SLOGAN in alone.body_text  # no rule names it: kept when read alone
        assert SLOGAN not in together.kept_text()
        rules = {d.text: d.rule for d in together.dropped}
        assert rules[SLOGAN] == "site template: recurs on 3 of 3 pages of this site (绿洲环保网)"
        # The articles themselves are untouched.
        assert together.body_text == [t for t in alone.body_text if t != SLOGAN]
        assert len(together.body) == 3 and together.published and together.title


def test_article_text_titles_and_metadata_are_never_learnt():
    opts = read_options_for([str(p) for p in SITE], Settings())
    learnt = dict(opts[str(SITE[0])].learnt)
    assert not any("。" in k or len(k) > 80 for k in learnt)
    assert not any(k.startswith("发布时间") for k in learnt)


def test_other_sites_and_single_pages_learn_nothing():
    opts = read_options_for([str(p) for p in [*SITE, OTHER]], Settings())
    assert opts[str(OTHER)].learnt == ()
    assert read_options_for([str(SITE[0])], Settings())[str(SITE[0])].learnt == ()
    # Two pages of different sites share no template.
    pair = read_options_for([str(REFERENCE), str(OTHER)], Settings())
    assert all(o.learnt == () for o in pair.values())


def test_sixty_percent_threshold(tmp_path):
    # A line on 2 of 4 pages of the site is not learnt; one on 3 of 4 is.
    pages = []
    for i in range(4):
        text = SITE[i % 3].read_text(encoding="utf-8")
        extra = ["偶尔出现的栏目推广"] if i < 2 else []
        lines = text.split("\n")
        if i == 3:  # a fourth article, not a second save of the first (duplicates count once)
            lines = [f"第{k}段是另一篇文章的内容，讲的是社区花园里的秋季种植活动。" if "。" in x else x
                     for k, x in enumerate(lines)]
        lines[1:1] = extra + (["每日一条环保小知识"] if i < 3 else [])
        p = tmp_path / f"p{i}.txt"
        p.write_text("\n".join(lines), encoding="utf-8")
        pages.append(str(p))
    learnt = dict(read_options_for(pages, Settings())[pages[0]].learnt)
    assert "偶尔出现的栏目推广" not in learnt
    assert learnt["每日一条环保小知识"].startswith("recurs on 3 of 4 pages")


def test_convert_explain_reports_learnt_lines(runner, tmp_path):
    res = invoke(runner, "convert", *[str(p) for p in SITE], "-o", str(tmp_path), "-f", "md",
                 "--explain")
    assert res.exit_code == 0, res.output
    assert res.stderr.count("recurs on 3 of 3 pages of this site") >= 3 * 4
    assert SLOGAN not in (tmp_path / "site_page1.md").read_text(encoding="utf-8")


def test_two_saves_of_one_page_count_once(tmp_path):
    """A line on both saves of one article and on no other page is not the template."""
    pages = []
    for i, src in enumerate([SITE[0], SITE[0], SITE[1]]):
        p = tmp_path / f"s{i}.txt"
        p.write_text(src.read_text(encoding="utf-8"), encoding="utf-8")
        pages.append(str(p))
    learnt = dict(read_options_for(pages, Settings())[pages[0]].learnt)
    title = SITE[0].read_text(encoding="utf-8").split("\n")[3]
    assert squash(title) not in learnt
    assert learnt[squash(SLOGAN)].startswith("recurs on 2 of 2 pages")


def test_a_page_that_cannot_be_read_is_left_out_and_its_reader_says_why():
    """learn.py reads a page as its reader does (one decoding and parsing function):
    what the reader refuses, learning leaves out, and the reader names the error."""
    import pytest

    from docpipe.errors import InputError
    from docpipe.learn import page_of

    for name, data in (("empty.html", b"<!-- -->"), ("binary.html", b"\x00\x01\x02" * 100),
                       ("plain.mhtml", b"hello")):
        assert page_of(name, data) is None
        with pytest.raises(InputError):
            read(data, name, ReadOptions())


def test_a_saved_page_gives_its_address_and_site_name_as_clues(tmp_path):
    from docpipe.learn import page_of

    html = ('<html><head><meta property="og:site_name" content="绿洲环保网">'
            '<link rel="canonical" href="https://news.example.com.cn/a/1.html"></head>'
            '<body><h1>标题</h1><p>正文第一段，内容。</p></body></html>')
    page = page_of("a.html", html.encode("utf-8"))
    assert page is not None and page.lines == ["标题", "正文第一段，内容。"]
    assert {"host:example.com.cn", "name:绿洲环保网"} <= page.clues


def test_a_failure_while_learning_leaves_that_page_out_not_the_run(tmp_path, monkeypatch, caplog):
    """A bug in learning from one page (not an input error) is logged under --debug and
    that page is not learnt from; every page is still converted."""
    import logging
    import shutil

    import docpipe
    from docpipe import learn


    for name in ("a.txt", "b.txt"):
        shutil.copy(REFERENCE, tmp_path / name)
    real = learn.page_of

    def broken(path, *args, **kwargs):
        if path.endswith("a.txt"):
            raise RuntimeError("boom")
        return real(path, *args, **kwargs)

    monkeypatch.setattr(learn, "page_of", broken)
    with caplog.at_level(logging.INFO, logger="docpipe"):
        results = docpipe.convert([tmp_path / "a.txt", tmp_path / "b.txt"], out=tmp_path / "out",
                                  formats="md")
    assert [r.ok for r in results] == [True, True]
    assert any("a.txt left out (RuntimeError: boom)" in r.message for r in caplog.records)
