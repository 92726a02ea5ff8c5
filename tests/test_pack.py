"""`docpipe pack`: a 20-page pack read back with pypdf and python-docx, its manifest,
failure isolation (corrupt input, a worker that dies), incremental rebuilds and
byte-identical rebuilds.

The 20-page pack is built once (module fixture) and then rebuilt in the ways the
tests check: unchanged, one page changed, a corrupt page added. The pages are the
samples plus variations of the reference sample made in the test's tmp dir (title,
date and body lines changed, so no two pages share body text).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import REFERENCE, SAMPLES, invoke

#: The pages of the pack built once (`pack20`): the samples and generated pages, rendered
#: in batches by two workers, a contents page and several of overview.
N = 20

TOPICS = ["志愿服务观察", "慈善法实施", "社区治理", "乡村振兴", "公益金融", "应急救援",
          "儿童保护", "养老服务", "环境公益", "国际合作"]


@dataclass
class Page:
    path: Path
    title: str
    date: str | None


def sample_pages() -> list[Path]:
    from docpipe.pipeline import expand_inputs

    return [Path(p) for p in expand_inputs([str(SAMPLES)])]


def make_pages(folder: Path, n: int, with_samples: bool = True) -> list[Page]:
    """`n` portal pages: the samples (with their image folders), then variations of the
    reference sample (new title, date and body lines; some shorter, one undated, one
    sharing the reference's date)."""
    from docpipe.pipeline import Settings, load
    from docpipe.writers import RenderOptions, display_title

    folder.mkdir(parents=True, exist_ok=True)
    src = REFERENCE.read_text(encoding="utf-8").split("\n")
    pages: list[Page] = []
    if with_samples:
        shutil.copytree(SAMPLES, folder, dirs_exist_ok=True)
        for sample in sample_pages():
            art = load(str(sample), Settings())
            pages.append(Page(folder / sample.name, display_title(art, RenderOptions()),
                              art.published))
    title_line = next(i for i, ln in enumerate(src) if ln.startswith("小而美,大作为") and i > 1)
    body = [i for i, ln in enumerate(src) if len(ln) > 80 and not ln.startswith(
        ("当前位置", "导读", "编者按", " "))]
    i = 0
    while len(pages) < n:
        i += 1
        title = f"{TOPICS[i % len(TOPICS)]}第{i}期：志愿者与社会组织的新探索"
        day = (i * 7) % 28 + 1
        date = None if i == 5 else f"2025-{(i % 3) + 1:02d}-{day:02d}"
        if i == 8:
            date = "2025-03-06"  # the reference's date: ordered by title
        lines = list(src)
        lines[title_line] = title
        meta = next(j for j, ln in enumerate(lines) if ln.startswith("来源:"))
        lines[meta] = (f"来源:本站 热度:{100 + i}" +
                       (f" 时间:{date.replace('-', '/')}" if date else ""))
        keep = body[: 3 + i % (len(body) - 2)]
        for j in body:
            lines[j] = f"（第{i}期第{j}段）{src[j]}" if j in keep else ""
        path = folder / f"p{i:03d}.txt"
        path.write_text("\n".join(lines), encoding="utf-8")
        pages.append(Page(path, title, date))
    return pages


def expected_order(pages: list[Page]) -> list[str]:
    return [p.title for p in sorted(pages, key=lambda p: (p.date is None, p.date or "", p.title))]


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def mtimes(folder: Path) -> dict[str, int]:
    return {f.name: f.stat().st_mtime_ns for f in folder.iterdir() if f.is_file()}


@pytest.fixture(scope="module")
def pack20(tmp_path_factory):
    """Build the pack, then rebuild it: unchanged; one page changed; a corrupt page added
    (with the pack files removed, so that run must write them again)."""
    tmp = tmp_path_factory.mktemp("pack20")
    pages = make_pages(tmp / "pages", N)
    out = tmp / "out"
    runner = CliRunner()
    args = ["pack", str(tmp / "pages"), "-o", str(out), "--name", "week",
            "--title", "一周公益简报", "-j", "2"]
    state: dict = {"tmp": tmp, "pages": pages, "out": out}

    state["first"] = invoke(runner, *args)
    state["pdf1"] = (out / "week.pdf").read_bytes()
    state["docx1"] = (out / "week.docx").read_bytes()
    state["manifest1"] = json.loads((out / "week.json").read_text(encoding="utf-8"))
    state["mtimes1"] = mtimes(out)

    state["second"] = invoke(runner, *args)
    state["mtimes2"] = mtimes(out)

    changed = pages[10]
    text = changed.path.read_text(encoding="utf-8")
    changed.path.write_text(text.replace("（第", "（修订·第", 1), encoding="utf-8")
    state["changed"] = changed
    state["third"] = invoke(runner, *args)
    state["mtimes3"] = mtimes(out)
    state["pdf3"] = (out / "week.pdf").read_bytes()
    state["docx3"] = (out / "week.docx").read_bytes()

    (tmp / "pages" / "zz_corrupt.txt").write_bytes(bytes(range(256)) * 8)
    (out / "week.pdf").unlink()
    (out / "week.docx").unlink()
    state["fourth"] = invoke(runner, *args)
    state["manifest4"] = json.loads((out / "week.json").read_text(encoding="utf-8"))
    return state


def test_first_run_succeeds_with_plain_progress(pack20):
    r = pack20["first"]
    assert r.exit_code == 0, r.output
    assert f"building {N} page(s) with 2 worker(s)" in r.output
    assert len(re.findall(rf"^\[\s*\d+/{N}\] ok ", r.output, re.M)) == N
    assert f"pages: {N} ok, 0 failed, 0 skipped; {N} rebuilt" in r.output


def test_outline_has_one_entry_per_briefing_in_order(pack20):
    from pypdf import PdfReader

    reader = PdfReader(pack20["out"] / "week.pdf")
    outline = reader.outline
    assert all(not isinstance(o, list) for o in outline), "no nested bookmarks"
    titles = [o.title for o in outline]
    assert titles == expected_order(pack20["pages"])
    starts = [reader.get_destination_page_number(o) for o in outline]
    assert starts == sorted(starts) and len(set(starts)) == N
    for o, start in zip(outline, starts, strict=True):
        assert squash(o.title) in squash(reader.pages[start].extract_text())


def test_contents_page_numbers_match_where_briefings_start(pack20):
    """The front matter is numbered i, ii … (no number on the cover), the briefings 1,
    2 … from the first one: the numbers the contents cite, printed at each page's foot
    and given to viewers as the PDF's page labels."""
    from pypdf import PdfReader

    from docpipe.writers.pdf.stamps import roman

    reader = PdfReader(pack20["out"] / "week.pdf")
    starts = {o.title: reader.get_destination_page_number(o) for o in reader.outline}
    first = min(starts.values())
    assert first >= 2, "cover and contents come first"
    labels = reader.page_labels
    assert labels[:first] == [roman(i) for i in range(1, first + 1)]
    assert labels[first:] == [str(i) for i in range(1, len(reader.pages) - first + 1)]
    texts = [squash(page.extract_text()) for page in reader.pages]
    assert not re.search(r"(^|\D)1$", texts[0]) and not texts[0].endswith("i")  # the cover
    for i, text in enumerate(texts[1:], 1):  # each page ends with its printed number
        assert text.endswith(labels[i]), (i, text[-20:])
    contents = "".join(t[:-len(labels[i])] for i, t in enumerate(texts[1:first], 1))
    assert contents.startswith("目录")
    contents = contents.split("本期概览")[0]  # the overview follows the contents
    order = expected_order(pack20["pages"])
    for k, title in enumerate(order):
        at = contents.index(squash(title))
        end = contents.index(squash(order[k + 1])) if k + 1 < len(order) else len(contents)
        segment = contents[at + len(squash(title)):end]
        printed = re.search(r"(\d+)$", segment).group(1)
        assert printed == labels[starts[title]], (title, segment)


def test_cover_shows_title_dates_count_and_variant(pack20):
    from pypdf import PdfReader

    reader = PdfReader(pack20["out"] / "week.pdf")
    cover = squash(reader.pages[0].extract_text())
    dates = sorted(p.date for p in pack20["pages"] if p.date)
    for text in ("一周公益简报", f"{dates[0]}—{dates[-1]}", f"{N}篇", "简体中文"):
        assert text in cover
    assert reader.metadata["/Title"] == "一周公益简报"
    if not os.environ.get("SOURCE_DATE_EPOCH"):  # else that date: see test_determinism
        assert reader.metadata["/CreationDate"].startswith("D:" + dates[-1].replace("-", ""))


def test_manifest_lists_every_input(pack20):
    m = pack20["manifest1"]
    assert m["counts"] == {"ok": N, "failed": 0, "skipped": 0}
    rows = m["pages"]
    assert [r["title"] for r in rows] == expected_order(pack20["pages"])
    by_path = {str(p.path): p for p in pack20["pages"]}
    for row in rows:
        page = by_path[row["input"]]
        assert row["status"] == "ok" and row["error"] == ""
        assert row["sha256"] == hashlib.sha256(page.path.read_bytes()).hexdigest() or \
            page is pack20["changed"]
        assert row["date"] == page.date
        assert row["outputs"] == [f"{page.path.stem}.pdf", f"{page.path.stem}.docx"]
    assert m["pack"]["outputs"] == ["week.pdf", "week.docx"]


def test_docx_pack_has_toc_field_headings_and_page_breaks(pack20):
    import docx

    path = pack20["out"] / "week.docx"
    doc = docx.Document(path)
    heads = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert heads == expected_order(pack20["pages"])
    xml = zipfile.ZipFile(path).read("word/document.xml").decode()
    assert "PAGEREF b001 \\h" in xml  # contents: pages by the DOCX's own layout
    assert xml.count("<w:pageBreakBefore/>") >= N + 1  # contents + one per briefing
    settings = zipfile.ZipFile(path).read("word/settings.xml").decode()
    assert "updateFields" in settings
    assert doc.core_properties.title == "一周公益简报"


def test_per_page_briefings_written(pack20):
    out = pack20["out"]
    for p in pack20["pages"]:
        assert (out / f"{p.path.stem}.pdf").stat().st_size > 1000
        assert (out / f"{p.path.stem}.docx").stat().st_size > 1000


def test_second_run_rebuilds_nothing(pack20):
    r = pack20["second"]
    assert r.exit_code == 0, r.output
    assert "up to date: nothing rebuilt" in r.output
    assert pack20["mtimes2"] == pack20["mtimes1"], "no file rewritten"


def test_changed_input_rebuilds_its_page_and_the_pack_only(pack20):
    r = pack20["third"]
    assert r.exit_code == 0, r.output
    assert f"1 rebuilt, {N - 1} up to date" in r.output
    assert "pack (rebuilt)" in r.output
    before, after = pack20["mtimes2"], pack20["mtimes3"]
    stem = pack20["changed"].path.stem
    touched = {name for name in after if after[name] != before.get(name)}
    assert touched == {f"{stem}.pdf", f"{stem}.docx", "week.pdf", "week.docx", "week.json",
                       ".docpipe-cache.json"}


def test_corrupt_input_fails_alone_and_the_pack_still_lands(pack20):
    r = pack20["fourth"]
    assert r.exit_code == 1
    assert "zz_corrupt.txt" in r.output and "docpipe: error:" in r.output
    m = pack20["manifest4"]
    assert m["counts"] == {"ok": N, "failed": 1, "skipped": 0}
    bad = [row for row in m["pages"] if row["status"] == "failed"]
    assert bad[0]["input"].endswith("zz_corrupt.txt") and bad[0]["error"]
    assert bad[0]["sha256"] and bad[0]["outputs"] == []
    assert (pack20["out"] / "week.pdf").is_file() and (pack20["out"] / "week.docx").is_file()


def test_rebuilt_pack_is_byte_identical(pack20):
    """Run 4 wrote the pack again from the same pages as run 3: same bytes."""
    out = pack20["out"]
    assert (out / "week.pdf").read_bytes() == pack20["pdf3"]
    assert (out / "week.docx").read_bytes() == pack20["docx3"]
    assert pack20["pdf3"] != pack20["pdf1"], "a changed page changes the pack"


# --- small packs: failures, crashes, options ---------------------------------------------


def _crash_on_marker(task):
    """A page worker that dies (like a segfault or the OOM killer) on pages named *crash*."""
    from docpipe.tasks import build_page

    if "crash" in Path(task.path).name:
        os._exit(70)
    return build_page(task)


def test_worker_that_dies_fails_its_page_only(tmp_path):
    from docpipe.packbuild import PackOptions, build_pack
    from docpipe.pipeline import Settings

    pages = make_pages(tmp_path / "pages", 3, with_samples=False)
    crash = tmp_path / "pages" / "crash.txt"
    crash.write_text(pages[0].path.read_text(encoding="utf-8") + "\n变化", encoding="utf-8")
    (tmp_path / "pages" / "empty.txt").write_bytes(b"")
    dup = tmp_path / "pages" / "p001_copy.txt"
    dup.write_bytes(pages[0].path.read_bytes())
    settings = Settings(out_dir=tmp_path / "out")
    report = build_pack([str(tmp_path / "pages")], settings,
                        PackOptions(jobs=2, pages=False, name="p"),
                        page_worker=_crash_on_marker)
    status = {Path(e.input).name: e.status for e in report.entries}
    assert status == {"p001.txt": "ok", "p002.txt": "ok", "p003.txt": "ok",
                      "crash.txt": "failed", "empty.txt": "failed", "p001_copy.txt": "skipped"}
    errors = {Path(e.input).name: e.error for e in report.entries}
    assert "worker process died" in errors["crash.txt"]
    assert "empty" in errors["empty.txt"]
    assert not report.pack_error and report.pack_rebuilt
    m = json.loads((tmp_path / "out" / "p.json").read_text(encoding="utf-8"))
    assert m["counts"] == {"ok": 3, "failed": 2, "skipped": 1}
    assert m["pack"]["outputs"] == ["p.pdf", "p.docx"]
    assert not (tmp_path / "out" / "p001.pdf").exists(), "--no-pages"


def test_pack_of_only_bad_inputs_fails_cleanly(tmp_path, runner):
    (tmp_path / "a.txt").write_bytes(b"\x00\x01\x02" * 100)
    r = invoke(runner, "pack", str(tmp_path / "a.txt"), "-o", str(tmp_path / "out"), "-j", "1")
    assert r.exit_code == 1
    assert "no pack written" in r.output
    m = json.loads((tmp_path / "out" / "pack.json").read_text(encoding="utf-8"))
    assert m["counts"]["failed"] == 1 and m["pack"]["outputs"] == []


def test_sort_option_and_usage_errors(tmp_path, runner):
    r = invoke(runner, "pack", str(REFERENCE), "-o", str(tmp_path), "--sort", "size")
    assert r.exit_code == 2
    r = invoke(runner, "pack", str(REFERENCE), "-o", str(tmp_path), "--name", "../x")
    assert r.exit_code == 2 and "plain file name" in r.output
    r = invoke(runner, "pack", "-", "-o", str(tmp_path))
    assert r.exit_code == 2 and "stdin" in r.output


def test_sort_keys():
    from docpipe.model import Article
    from docpipe.packplan import Entry
    from docpipe.packplan import sort_key as _sort_key

    def e(i, title, date):
        x = Entry(input=f"{i}.txt", index=i, stem=str(i), title=title)
        x.article = Article(title=title, published=date)
        return x

    entries = [e(0, "乙", "2025-03-02"), e(1, "甲", None), e(2, "丙", "2025-03-01"),
               e(3, "甲", "2025-03-02")]
    by = {s: [x.index for x in sorted(entries, key=_sort_key(s))] for s in ("date", "title", "input")}
    assert by["date"] == [2, 0, 3, 1]  # by date, then title (乙 < 甲); undated last
    assert by["title"] == [2, 0, 3, 1]  # code points: 丙 < 乙 < 甲; then by date
    assert by["input"] == [0, 1, 2, 3]


def test_images_of_saved_pages_reach_the_pack(pack20):
    """Each page's images resolve against its own folder in the pack too."""
    from pypdf import PdfReader

    def images(path: Path) -> int:  # distinct image objects (pages may share resources)
        ids = set()
        for page in PdfReader(path).pages:
            xobjects = page["/Resources"].get_object().get("/XObject", {})
            for ref in xobjects.get_object().values():
                if ref.get_object().get("/Subtype") == "/Image":
                    ids.add(ref.idnum)
        return len(ids)

    out = pack20["out"]
    per_page = sum(images(out / f"{p.path.stem}.pdf") for p in pack20["pages"])
    assert images(out / "week.pdf") == per_page


def test_pack_title_follows_the_script(tmp_path):
    import subprocess

    out = tmp_path / "tw"
    res = invoke(CliRunner(), "pack", str(REFERENCE), "-o", str(out), "--name", "t",
                 "--title", "公益简报 志愿服务", "--to", "tw", "--no-pages", "-j", "1", "-q")
    assert res.exit_code == 0, res.output
    cover = subprocess.run(["pdftotext", "-l", "1", str(out / "t.pdf"), "-"],
                           capture_output=True, text=True, check=True).stdout
    assert "公益簡報 志願服務" in cover and "志愿" not in cover


def test_pack_pages_have_the_layout_of_each_briefing(pack20):
    """Each briefing's pages in the pack PDF are its own PDF's pages, laid out once: the
    same drawing instructions byte for byte, and the same lines read back by pdftotext,
    plus the pack's page number stamped at the foot's centre."""
    import subprocess

    import pikepdf
    from pypdf import PdfReader

    out = pack20["out"]
    reader = PdfReader(out / "week.pdf")
    starts = [reader.get_destination_page_number(o) for o in reader.outline]
    by_title = {p.title: p for p in pack20["pages"]}

    read: dict[Path, list[str]] = {}

    def lines(pdf: Path, page: int) -> list[str]:  # pdftotext ends each page with \f
        if pdf not in read:
            read[pdf] = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True,
                                       text=True, check=True).stdout.split("\f")
        return [ln for ln in read[pdf][page - 1].strip().split("\n") if ln.strip()]

    with pikepdf.open(out / "week.pdf") as pack:
        for o, start in zip(reader.outline, starts, strict=True):
            own_path = out / f"{by_title[o.title].path.stem}.pdf"
            with pikepdf.open(own_path) as own:
                n = len(own.pages)
                assert start + n == len(reader.pages) or start + n in starts, o.title
                for k in range(n):
                    stamped = pack.pages[start + k].obj.Contents
                    assert stamped[1].read_bytes() == own.pages[k].obj.Contents.read_bytes()
                    mine = lines(own_path, k + 1)
                    packed = lines(out / "week.pdf", start + k + 1)
                    packed.remove(reader.page_labels[start + k])  # the stamped number
                    assert packed == mine, (o.title, k)
