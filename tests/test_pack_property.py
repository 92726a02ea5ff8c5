"""Every pack holds exactly the text of its briefings, whatever glyphs they use.

A property test (Hypothesis) builds packs of random sets of generated pages that use
every class of glyph the fonts meet: private use (造字), CJK extensions B–H,
compatibility ideographs, an ideographic variation sequence, emoji with ZWJ and skin
tones, combining marks, full-width and half-width forms, bold runs (headings, run-in
points), Traditional pages in their Taiwan and Hong Kong fonts, notices, an image, and a
character no font has. The briefings are made in batches and split, as a pack makes
them (`writers.pdf.batch_bytes`), the pack assembled as `docpipe pack` assembles it
(`writers.collection.pack_pdf_bytes`), and every page compared, with PDFium (another
engine than the product's poppler), to its briefing's page plus the pack's stamp.

The same comparison runs over every page of ../shared/corpus (dev, dev2, dev3) in one
pack, when the corpus is beside the project."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from conftest import ROOT, SAMPLES, invoke
from test_readback import NO_FONT, assert_pack_holds, pdfium_pages, seen

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, Phase, example, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

#: One snippet per glyph class (each goes into a body paragraph).
GLYPHS = {
    "private use": "\ue8a3",  # (a page of more than 2 in 200 is taken for binary)
    "Ext-B": "𠀀𠀁𠀂",
    "Ext-C": "𪜀",
    "Ext-D": "𫝀",
    "Ext-E": "𫠠",
    "Ext-F": "𬺰",
    "Ext-G": "𰀀",
    "Ext-H": "𱍐",
    "compatibility": "豈更",
    "variation sequence": "葛\U000e0100",
    "emoji ZWJ": "👨\u200d👩\u200d👧",
    "emoji skin tone": "👍🏽",
    "combining": "Cafe\u0301 man\u0303ana",
    "full-width": "ＡＢＣ１２３！",
    "half-width": "ｶﾀｶﾅ ﾃｽﾄ",
    "no font": NO_FONT,
    "Latin": "fi ffl WeasyPrint",
    "one glyph, two characters": "⼈人•‧…⋯①➀-‑",
}
VARIANTS = (None, "tw", "hk")
SENTENCES = ("社区志愿者在冬季为独居老人送去温暖。", "活动得到了当地居民的广泛支持。",
             "组织者表示将长期坚持下去。", "许多年轻人主动报名参加。", "累计服务时长超过三千小时。")


def page_text(title: str, paras: list[str], notice: bool, point: bool, heading: bool) -> str:
    lines = ["测试网 > 新闻 > 正文", title, "来源：测试网  时间：2025-03-06"]
    if notice:
        lines.append("各区县民政局：")
    for i, para in enumerate(paras):
        if heading and i == 1:
            lines.append("一、工作要求")
        lines.append(("第一，" if point and i == 0 else "") + para)
    lines.append("".join(SENTENCES) * 12)  # long enough to be a page (see decode)
    if notice:
        lines += ["附件：1.申报表", "青川市民政局", "2025年3月6日"]
    return "\n".join(lines) + "\n"


@st.composite
def pages(draw):
    """A page: its text and the script it is converted to."""
    classes = draw(st.lists(st.sampled_from(sorted(GLYPHS)), min_size=1, max_size=4,
                            unique=True))
    paras = []
    for k in range(draw(st.integers(2, 3))):
        body = "".join(draw(st.lists(st.sampled_from(SENTENCES), min_size=2, max_size=4)))
        snippet = GLYPHS[classes[k % len(classes)]]
        paras.append(body[:6] + snippet + body[6:])
    title = "字形测试" + GLYPHS[classes[0]] + "与标题"
    text = page_text(title, paras, draw(st.booleans()), draw(st.booleans()),
                     draw(st.booleans()))
    return text, draw(st.sampled_from(VARIANTS))


def make_pack(folder: Path, specs: list[tuple[str, str | None]], image: bool = False):
    """The briefings of `specs` (page text, script) made in batches and split, and the
    pack's PDF assembled from them: (pack path, briefing paths)."""
    from docpipe.pipeline import Settings, load
    from docpipe.writers import RenderOptions
    from docpipe.writers.collection import PackJob, pack_pdf_bytes
    from docpipe.writers.pdf import batch_bytes

    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, (text, _) in enumerate(specs):
        paths.append(folder / f"g{i}.txt")
        paths[-1].write_text(text, encoding="utf-8")
    arts = [load(str(p), Settings(variant=v)) for p, (_, v) in zip(paths, specs, strict=True)]
    names = [str(p) for p in paths]
    if image:  # a saved page with its image folder
        page = SAMPLES / "003_tw_foodbank.html"
        arts.append(load(str(page), Settings()))
        names.append(str(page))
    opts = RenderOptions()
    made = batch_bytes(arts, opts, names)
    parts = []
    for i, m in enumerate(made):
        assert not isinstance(m, Exception), m
        parts.append(folder / f"b{i}.pdf")
        parts[-1].write_bytes(m[0] if isinstance(m, tuple) else m)
    cover = {"title": "简报", "facts": [], "dates": "", "subtitle": "", "organisation": "",
             "logo": "", "logo_path": "", "issue": "", "date": ""}
    items = tuple((f"b{i:03d}", a) for i, a in enumerate(arts, 1))
    job = PackJob("pdf", folder / "pack.pdf", items, cover, "hans", None, opts,
                  parts=tuple(str(p) for p in parts))
    made_pack = pack_pdf_bytes(job)
    data = made_pack.data if hasattr(made_pack, "data") else made_pack[0]
    (folder / "pack.pdf").write_bytes(data)
    return folder / "pack.pdf", parts, arts


def check(folder: Path, specs, image: bool = False) -> None:
    pack, parts, arts = make_pack(folder, specs, image)
    assert_pack_holds(pack, parts)
    for part, art in zip(parts, arts, strict=True):  # and each briefing its article
        want = seen("".join([art.title, art.editor_note, *(
            b.caption if b.kind == "image" else b.text for b in art.body)]))
        have = seen("".join(pdfium_pages(part)))
        missing = want - have  # PDFium reads colour emoji glyphs as spaces (poppler does not)
        emoji = {ch for ch in missing if ord(ch) >= 0x1F000}
        # (a glyph two characters share reads back as one of them)
        allowed = {NO_FONT, *GLYPHS["private use"], *GLYPHS["one glyph, two characters"]}
        assert set(missing) - emoji <= allowed, (part.name, missing)


@pytest.mark.slow
@settings(max_examples=5, deadline=None, derandomize=True,
          phases=[Phase.explicit, Phase.generate],  # an example takes seconds: no shrinking
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.lists(pages(), min_size=1, max_size=4), st.booleans())
@example([(page_text("缺字" + NO_FONT + "标题", ["正文" + NO_FONT + SENTENCES[0],
                                              SENTENCES[1] * 3], False, False, False),
           None)], False)
@example([(page_text(f"字形测试{k}", [SENTENCES[0] + v, SENTENCES[2] * 2 + v], k % 2 == 0,
                     k % 3 == 0, True), VARIANTS[k % 3])
          for k, v in enumerate(GLYPHS.values())][:4], True)
def test_every_pack_holds_exactly_the_text_of_its_briefings(tmp_path_factory, specs, image):
    check(tmp_path_factory.mktemp("prop"), specs, image)


@pytest.mark.slow
def test_every_glyph_class_at_once(tmp_path):
    """All the classes in pages of all three scripts, in one pack."""
    specs = [(page_text(f"字形测试{i}", [SENTENCES[0] + "".join(GLYPHS.values()),
                                       SENTENCES[1] * 2], i == 1, True, True), v)
             for i, v in enumerate(VARIANTS)]
    check(tmp_path, specs, image=True)


@pytest.mark.slow
def test_a_pack_of_the_whole_corpus_holds_every_page(tmp_path):
    """Every saved page of ../shared/corpus (dev, dev2, dev3) in one pack, made by the
    command line: each briefing's pages are its pages in the pack (poppler's reading,
    page by page, as `docpipe check` does too)."""
    corpus = ROOT.parent / "shared" / "corpus"
    html = sorted(p for d in ("dev", "dev2", "dev3") for p in (corpus / d).glob("*.html"))
    if not html:
        pytest.skip("corpus not present")
    from typer.testing import CliRunner

    out = tmp_path / "out"
    res = invoke(CliRunner(), "pack", *map(str, html), "-o", str(out), "-j", "2", "-q")
    manifest = json.loads((out / "pack.json").read_text(encoding="utf-8"))
    rows = [r for r in manifest["pages"] if r["status"] == "ok"]
    assert len(rows) >= len(html) - 2, res.stderr

    def poppler(pdf: Path) -> list[str]:
        text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"],
                              capture_output=True, check=True).stdout.decode("utf-8")
        pages = text.split("\f")
        return pages[:-1] if pages and not pages[-1].strip() else pages

    own = [out / next(n for n in r["outputs"] if n.endswith(".pdf")) for r in rows]
    assert_pack_holds(out / "pack.pdf", own, extract=poppler)
    assert manifest["pack"]["check"]["pdf"] == "ok", res.stderr
    assert invoke(CliRunner(), "check", str(out), "-q").exit_code == 0
