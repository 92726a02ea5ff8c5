"""The reference page, end to end through the real CLI, read back from every output."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from conftest import REFERENCE, invoke

BOILERPLATE = ["当前位置", "热度:", "声明:", "CopyRight", "ICP备", "商务合作", "传递公益活动"]


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def page_lines() -> list[str]:
    return REFERENCE.read_text(encoding="utf-8").split("\n")


def typeset(text: str) -> str:
    """`text` as docpipe sets it: full-width marks between Chinese characters."""
    from docpipe.transforms.punctuation import fix_text

    return fix_text(text, "hans")


def body_paragraphs() -> list[str]:
    """Lines 13-27 of the page (1-based, blank lines counted): the 8 body paragraphs,
    with docpipe's punctuation (小而美,大作为 -> 小而美，大作为)."""
    lines = page_lines()
    return [typeset(ln.strip()) for ln in lines[12:27] if ln.strip()]


@pytest.fixture(scope="module")
def outputs(tmp_path_factory) -> Path:
    from typer.testing import CliRunner

    out = tmp_path_factory.mktemp("ref")
    res = invoke(CliRunner(), "convert", str(REFERENCE), "-o", str(out), "-f",
                 "pdf,docx,html,md,json")
    assert res.exit_code == 0, res.output
    return out


@pytest.fixture(scope="module")
def outputs_tw(tmp_path_factory) -> Path:
    from typer.testing import CliRunner

    out = tmp_path_factory.mktemp("ref_tw")
    res = invoke(CliRunner(), "convert", str(REFERENCE), "-o", str(out), "--to", "tw",
                 "-f", "pdf,docx,md")
    assert res.exit_code == 0, res.output
    return out


def pdf_text(path: Path, body_only: bool = True) -> str:
    """Text of the PDF; `body_only` crops away the running header and footer (the page
    margins, 24 mm top and 22 mm bottom of A4) so page furniture does not split paragraphs."""
    crop = ["-r", "72", "-x", "0", "-y", "66", "-W", "595", "-H", "714"] if body_only else []
    return subprocess.run(["pdftotext", "-enc", "UTF-8", *crop, str(path), "-"], check=True,
                          capture_output=True, text=True).stdout


def docx_text(path: Path) -> str:
    import docx

    d = docx.Document(str(path))
    return "\n".join(p.text for p in d.paragraphs)


def html_text(path: Path) -> str:
    import lxml.html

    return lxml.html.fromstring(path.read_bytes()).text_content()


def md_text(path: Path) -> str:
    """Markdown as a reader sees it: emphasis markers and escapes removed."""
    return re.sub(r"\\(.)", r"\1", path.read_text(encoding="utf-8").replace("**", ""))


def test_reference_page_has_eight_body_paragraphs():
    paras = body_paragraphs()
    assert len(paras) == 8
    assert paras[0].startswith("2024年4月") and paras[-1].endswith("注入新的活力和动力。")


def test_extract_json(runner):
    res = invoke(runner, "extract", str(REFERENCE))
    assert res.exit_code == 0
    data = json.loads(res.stdout)
    assert data["title"] == "小而美，大作为 ——加快构建志愿服务国际合作交流新格局"
    assert data["published"] == "2025-03-06"
    assert data["views"] == 192
    assert data["source"] == "中华慈善公益网"
    assert data["site"] == "中华慈善公益网"
    assert data["lead"].startswith("在国际志愿服务蓬勃发展")
    note = data["editor_note"]
    assert note.startswith("在国际志愿服务蓬勃发展")
    assert data["body"] == body_paragraphs()
    # The summary: whole sentences of the note, in order, shorter than the note.
    summary = data["summary"]
    assert summary and len(summary) < len(note) and len(summary) <= 120
    from docpipe.transforms.sentences import split

    sents = split(summary)
    positions = [note.index(s) for s in sents]
    assert positions == sorted(positions)
    assert 5 <= len(data["keywords"]) <= 8
    assert any("志愿" in k for k in data["keywords"])


def test_dropped_lines_and_rules(runner):
    data = json.loads(invoke(runner, "extract", str(REFERENCE)).stdout)
    dropped = {d["line"]: d["rule"] for d in data["dropped"]}
    assert set(dropped) == {1, 2, 6, 29, 30, 31, 32, 33, 34}
    assert dropped[2] == "breadcrumb"
    assert dropped[6] == "metadata"
    assert dropped[29] == "disclaimer"
    assert dropped[33] == "icp"
    assert dropped[34] == "back-to-top"


def test_run_in_points(runner):
    data = json.loads(invoke(runner, "extract", str(REFERENCE)).stdout)
    points = [b["lead_in"] for b in data["blocks"] if b["kind"] == "point"]
    assert points == ["第一，与对外政策同向同行。", "第二，服务领域不断拓宽。",
                      "第三，参与主体日趋多元化。", "第四，运作模式日益丰富。"]


def test_explain_lists_every_dropped_line(runner):
    res = invoke(runner, "extract", str(REFERENCE), "--explain")
    assert res.exit_code == 0
    for rule in ("breadcrumb", "metadata", "disclaimer", "copyright", "icp", "back-to-top"):
        assert f"[{rule}]" in res.stderr


@pytest.mark.parametrize("kind", ["pdf", "docx", "md", "html"])
def test_every_output_keeps_title_and_body_and_drops_boilerplate(outputs, kind):
    path = outputs / f"{REFERENCE.stem}.{kind}"
    assert path.is_file() and path.stat().st_size > 0
    text = {"pdf": pdf_text, "docx": docx_text, "html": html_text, "md": md_text}[kind](path)
    flat = squash(text)
    assert squash("小而美，大作为 ——加快构建志愿服务国际合作交流新格局") in flat
    for para in body_paragraphs():
        assert squash(para) in flat, para[:30]
    for bad in BOILERPLATE:
        assert bad not in text, bad
    assert not re.search(r"(?m)^\s*Top\s*$", text)


def test_body_order_in_pdf(outputs):
    flat = squash(pdf_text(outputs / f"{REFERENCE.stem}.pdf"))
    positions = [flat.index(squash(p)[:40]) for p in body_paragraphs()]
    assert positions == sorted(positions)


def test_json_output_matches_extract(outputs, runner):
    written = json.loads((outputs / f"{REFERENCE.stem}.json").read_text(encoding="utf-8"))
    printed = json.loads(invoke(runner, "extract", str(REFERENCE)).stdout)
    assert written["body"] == printed["body"] and written["summary"] == printed["summary"]


def test_traditional_taiwan(outputs_tw, runner):
    pdf = pdf_text(outputs_tw / f"{REFERENCE.stem}.pdf")
    doc = docx_text(outputs_tw / f"{REFERENCE.stem}.docx")
    md = (outputs_tw / f"{REFERENCE.stem}.md").read_text(encoding="utf-8")
    for text in (pdf, doc, md):
        assert "志願服務" in text
        assert "志愿服务" not in text
        # the template's own labels are Traditional too
        assert "編者按" in text and "編者按" in text
        assert "來源" in text and "关键词" not in text and "關鍵詞" in text
    data = json.loads(invoke(runner, "extract", str(REFERENCE), "--to", "tw").stdout)
    assert data["variant"] == "tw" and "志願" in data["summary"]
    assert all("志愿" not in k for k in data["keywords"])


def test_twp_uses_taiwan_phrases(runner):
    data = json.loads(invoke(runner, "extract", str(REFERENCE), "--to", "twp").stdout)
    assert "志願服務" in data["title"]


def test_hk_and_back_to_simplified(runner, tmp_path):
    hk = json.loads(invoke(runner, "extract", str(REFERENCE), "--to", "hk").stdout)
    assert "志願服務" in hk["title"]
    page = tmp_path / "trad.txt"
    page.write_text(REFERENCE.read_text(encoding="utf-8").replace(
        "志愿服务", "志願服務"), encoding="utf-8")
    back = json.loads(invoke(runner, "extract", str(page), "--to", "hans").stdout)
    assert "志願" not in json.dumps(back, ensure_ascii=False)
