"""Issue 13.7: the pack cache is data, not trust.

The cache of a real pack is edited the ways an attacker or a broken tool would: the
wrong shape, `"pages": []`, a value no writer knows (`variant: "xx"`), and `base_dir:
"/"` with an image entry pointing anywhere on disk. Each edit is a miss: the next pack
runs without a traceback or an "internal error", and embeds nothing from outside the
page's own folder.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from conftest import REFERENCE


def _png(path: Path, size: tuple[int, int], colour: tuple[int, int, int]) -> None:
    from PIL import Image

    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, colour).save(path)


def _page_with_image(folder: Path) -> Path:
    _png(folder / "news_files" / "photo.png", (64, 48), (20, 120, 200))
    paras = "".join(f"<p>这是第{i}段正文，讲述社区志愿服务的新进展和各方面的做法与经验。</p>"
                    for i in range(5))
    page = folder / "news.html"
    page.write_text(
        '<html><head><meta charset="utf-8"><title>社区志愿服务新进展</title></head><body>'
        f'<div class="article"><h1>社区志愿服务新进展</h1>{paras}'
        '<p><img src="news_files/photo.png" alt="照片"></p>'
        f'{paras}</div></body></html>', encoding="utf-8")
    return page


def _image_sizes(pdf: Path) -> set[tuple[int, int]]:
    from pypdf import PdfReader

    sizes = set()
    for page in PdfReader(pdf).pages:
        xobjects = page["/Resources"].get_object().get("/XObject", {})
        for ref in xobjects.get_object().values():
            obj = ref.get_object()
            if obj.get("/Subtype") == "/Image":
                sizes.add((int(obj["/Width"]), int(obj["/Height"])))
    return sizes


@pytest.fixture(scope="module")
def packed(tmp_path_factory):
    """A pack of two pages (one with a local image), built once."""
    from docpipe.packbuild import PackOptions, build_pack
    from docpipe.pipeline import Settings

    root = tmp_path_factory.mktemp("cache")
    pages = root / "pages"
    _page_with_image(pages)
    (pages / "ref.txt").write_bytes(REFERENCE.read_bytes())
    _png(root / "secret" / "passport.png", (37, 23), (200, 0, 0))  # outside every page folder
    out = root / "out"
    settings = Settings(out_dir=out)
    opts = PackOptions(name="week", jobs=1)  # (one worker: the cache is the point)
    report = build_pack([str(pages)], settings, opts)
    assert report.ok
    cache = json.loads((out / ".docpipe-cache.json").read_text(encoding="utf-8"))
    return {"root": root, "pages": pages, "out": out, "settings": settings, "opts": opts,
            "cache": cache}


def _run_with(packed, cache_doc) -> object:
    from docpipe.packbuild import build_pack

    path = packed["out"] / ".docpipe-cache.json"
    path.write_text(cache_doc if isinstance(cache_doc, str) else json.dumps(cache_doc),
                    encoding="utf-8")
    report = build_pack([str(packed["pages"])], packed["settings"], packed["opts"])
    assert report.ok, [e.error for e in report.entries] + [report.pack_error]
    assert not any("internal error" in e.error for e in report.entries)
    saved = json.loads(path.read_text(encoding="utf-8"))  # the cache is rewritten whole
    assert set(saved["pages"]) == set(packed["cache"]["pages"])
    return report


BAD_DOCS = [
    "not json at all {",
    "[]",
    '{"cache": 1, "pages": [], "pack": []}',
    '{"cache": 1, "pages": {"x": 1}, "pack": {"key": 5}}',
    '{"cache": 1, "pages": "pages", "pack": {"key": "' + "0" * 64 + '"}}',
    '{"cache": 1, "pages": {}, "pack": {"key": "../x"}}',
]

BAD_EDITS = {
    "variant": lambda r: r["article"].update(variant="xx"),
    "body": lambda r: r["article"].update(body=[{"text": 1}]),
    "kind": lambda r: r["article"].update(body=[{"text": "x", "kind": "script"}]),
    "published": lambda r: r["article"].update(published="yesterday"),
    "views": lambda r: r["article"].update(views="many"),
    "dropped": lambda r: r["article"].update(dropped=[{"line": "1"}]),
    "extra field": lambda r: r["article"].update(evil=1),
    "outputs": lambda r: r.update(outputs=["../../etc/passwd"]),
    "article": lambda r: r.update(article=[]),
    "title": lambda r: r.pop("title"),
    "key": lambda r: r.update(key=None),
    "status": lambda r: r.update(status="maybe"),
    "record": lambda r: r.clear(),
}


def test_every_wrong_shape_or_value_is_a_miss(packed, tmp_path):
    """Checked record by record (fast): each edit makes `restore` miss, never raise."""
    from docpipe import cache

    for i, text in enumerate(BAD_DOCS):
        path = tmp_path / f"c{i}.json"
        path.write_text(text, encoding="utf-8")
        doc = cache.load(path)
        assert isinstance(doc["pages"], dict) and isinstance(doc["pack"], dict), text
        assert not doc["pack"]
    for path, rec in packed["cache"]["pages"].items():
        stem = Path(path).stem
        allowed = {f"{stem}.pdf", f"{stem}.docx"}
        assert cache.restore(rec, rec["key"], path, allowed, packed["out"]) is not None
        for name, edit in BAD_EDITS.items():
            bad = json.loads(json.dumps(rec))
            edit(bad)
            assert cache.restore(bad, rec["key"], path, allowed, packed["out"]) is None, name


def _edited(packed, edits) -> dict:
    doc = json.loads(json.dumps(packed["cache"]))
    for path, rec in doc["pages"].items():
        edits[Path(path).name](rec)
    doc["pack"] = {}
    return doc


def test_pages_list_and_an_unknown_variant_rebuild_without_error(packed):
    report = _run_with(packed, '{"cache": 1, "pages": [], "pack": {}}')
    assert len(report.rebuilt) == 2 and report.pack_rebuilt
    xx = BAD_EDITS["variant"]
    report = _run_with(packed, _edited(packed, {"news.html": xx, "ref.txt": xx}))
    assert len(report.rebuilt) == 2


def test_a_poisoned_cache_embeds_nothing_from_outside(packed):
    out = packed["out"]
    secret = packed["root"] / "secret" / "passport.png"

    def poison(rec) -> None:  # the next pack would read images from anywhere on disk
        art = rec["article"]
        art["base_dir"] = "/"
        art["body"].append({"text": "", "kind": "image", "lead_in": "",
                            "src": str(secret).lstrip("/"), "caption": ""})

    def relative(rec) -> None:  # the page's own folder, then up and out of it
        rec["article"]["body"].append({"text": "", "kind": "image", "lead_in": "",
                                       "src": os.path.relpath(secret, packed["pages"]),
                                       "caption": ""})

    report = _run_with(packed, _edited(packed, {"news.html": poison, "ref.txt": relative}))
    assert len(report.rebuilt) == 2
    for pdf in (out / "week.pdf", out / "news.pdf", out / "ref.pdf"):
        assert (37, 23) not in _image_sizes(pdf), pdf
    assert (64, 48) in _image_sizes(out / "week.pdf")  # the page's own image is there


def test_a_valid_cache_still_hits_and_base_dir_comes_from_the_input(packed):
    from docpipe.cache import restore

    report = _run_with(packed, packed["cache"])
    assert report.nothing_rebuilt
    news = next(e for e in report.entries if e.input.endswith("news.html"))
    assert news.article.base_dir == str(packed["pages"] / "news_files")  # its image folder
    rec = packed["cache"]["pages"][str(Path(news.input).resolve())]
    allowed = {"news.pdf", "news.docx"}
    assert restore(rec, rec["key"], news.input, allowed, packed["out"]) is not None
    assert restore(rec, "f" * 64, news.input, allowed, packed["out"]) is None
    assert restore(rec, rec["key"], news.input, {"other.pdf"}, packed["out"]) is None


def test_the_pdf_of_a_page_with_an_image_does_not_depend_on_its_folder(tmp_path):
    """The image is embedded from its bytes, not named after its absolute path."""
    from docpipe.pipeline import Settings, load, render_files

    pdfs = []
    for folder in (tmp_path / "a", tmp_path / "b" / "deeper"):
        page = _page_with_image(folder)
        files = dict(render_files(load(str(page), Settings()), "news",
                                  Settings(formats=("pdf",))))
        assert (64, 48) in _image_sizes_of(files["news.pdf"], tmp_path / "x.pdf")
        pdfs.append(files["news.pdf"])
    assert pdfs[0] == pdfs[1]


def _image_sizes_of(data: bytes, scratch: Path) -> set[tuple[int, int]]:
    scratch.write_bytes(data)
    return _image_sizes(scratch)


def test_every_sample_round_trips_through_the_cache_record():
    """What the readers produce today is what the cache accepts (a new block kind or
    field left out of the check would make every run a miss)."""
    from conftest import SAMPLES
    from docpipe.model import article_from_record, article_record
    from docpipe.pipeline import Settings, expand_inputs, load

    for path in expand_inputs([str(SAMPLES)]):
        art = load(path, Settings())
        back = article_from_record(article_record(art))
        assert article_record(back) == article_record(art), path
