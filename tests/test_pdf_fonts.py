"""Compact font subsets (writers/pdf/fonts.py): same pages, same text, a third of the size.

The compact PDF is compared with WeasyPrint's own output of the same HTML: text read back
by pdftotext and pages rendered by pdftoppm must be identical; a second engine (PDFium)
renders every page with the same glyphs and extracts the same text; qpdf finds the file
sound. docpipe replaces nothing of WeasyPrint, pydyf or python-docx (an AST check).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REFERENCE

pytestmark = pytest.mark.skipif(not shutil.which("pdftoppm"), reason="poppler-utils missing")


@pytest.fixture(scope="module")
def article():
    from docpipe.pipeline import Settings, load

    return load(str(REFERENCE), Settings(variant="tw"))


@pytest.fixture(scope="module")
def both(article, tmp_path_factory) -> dict[str, Path]:
    """The reference briefing (--to tw) as WeasyPrint writes it and as docpipe does."""
    from docpipe.writers import RenderOptions
    from docpipe.writers.html import render
    from docpipe.writers.pdf import pdf_bytes, roots_for

    opts = RenderOptions()
    html = render(article, opts)
    out = tmp_path_factory.mktemp("fonts")
    paths = {}
    for name, shrink in (("weasyprint", False), ("docpipe", True)):
        paths[name] = out / f"{name}.pdf"
        paths[name].write_bytes(pdf_bytes(html, roots_for(article, opts),
                                          opts.search_path[-1], shrink=shrink))
    return paths


def fonts(pdf: Path) -> list[dict[str, str]]:
    lines = subprocess.run(["pdffonts", str(pdf)], check=True, capture_output=True,
                           text=True).stdout.splitlines()[2:]
    rows = []
    for line in lines:
        yn = [p for p in line.split() if p in ("yes", "no")]
        rows.append({"name": line.split()[0], "type": line[37:55].strip(),
                     "emb": yn[0], "sub": yn[1], "uni": yn[2]})
    return rows


def test_reference_pdf_at_most_170_kb(both):
    assert both["docpipe"].stat().st_size <= 170_000
    assert both["docpipe"].stat().st_size < both["weasyprint"].stat().st_size / 2


def test_every_font_embedded_subset_and_bare_cid_cff(both):
    rows = fonts(both["docpipe"])
    assert len(rows) == 2, rows  # Regular and Bold
    for row in rows:
        assert (row["emb"], row["sub"], row["uni"]) == ("yes", "yes", "yes"), row
        assert re.match(r"^[A-Z]{6}\+Noto-Serif-CJK-TC", row["name"]), row
        assert row["type"] == "CID Type 0C", row


def test_text_identical_to_weasyprint(both):
    def text(pdf: Path) -> str:
        return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True,
                              capture_output=True, text=True).stdout

    compact = text(both["docpipe"])
    assert compact == text(both["weasyprint"])
    assert "志願服務" in compact


@pytest.mark.parametrize("tool", ["pdftoppm", "pdftocairo"])
def test_pages_render_identically(both, tmp_path, tool):
    images = {}
    for name, pdf in both.items():
        prefix = tmp_path / f"{tool}-{name}"
        args = [tool, "-r", "60", "-gray"] if tool == "pdftoppm" else [tool, "-png", "-r", "60"]
        subprocess.run([*args, str(pdf), str(prefix)], check=True)
        images[name] = sorted(tmp_path.glob(f"{tool}-{name}*"))
    assert len(images["docpipe"]) == len(images["weasyprint"]) >= 2
    for a, b in zip(images["docpipe"], images["weasyprint"], strict=True):
        assert a.read_bytes() == b.read_bytes(), f"{a.name} differs from {b.name}"


def test_run_in_points_in_the_bold_face(both, article):
    """Each run-in (第一,…。) is drawn with the Bold font: its characters are in that
    font's ToUnicode map and not only in the Regular one."""
    from pypdf import PdfReader

    reader = PdfReader(str(both["docpipe"]))
    chars: dict[str, set[str]] = {}
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            cmap = font["/ToUnicode"].get_object().get_data().decode("latin-1")
            found = {chr(int(u, 16)) for u in re.findall(r"<[0-9a-f]{4}> <([0-9a-f]{4})>", cmap)}
            chars.setdefault(str(font["/BaseFont"]), set()).update(found)
    bold = set().union(*(v for k, v in chars.items() if "Bold" in k))
    lead_ins = [b.lead_in for b in article.body if b.lead_in]
    assert len(lead_ins) == 4
    for lead in lead_ins:
        cjk = {c for c in lead if "\u4e00" <= c <= "\u9fff"}
        assert cjk <= bold, (lead, cjk - bold)


def test_truetype_fonts_keep_their_type(tmp_path):
    """A Latin TrueType font keeps its type, embedding and subset tag (only its glyphs
    are renumbered, through a /CIDToGIDMap)."""
    from docpipe.writers.pdf import pdf_bytes

    html = '<p style="font-family: DejaVu Sans, Liberation Sans, sans-serif">Briefing 2025</p>'
    rows = {}
    for shrink in (False, True):
        pdf = tmp_path / f"{shrink}.pdf"
        pdf.write_bytes(pdf_bytes(html, [tmp_path], tmp_path, shrink=shrink))
        rows[shrink] = [(r["type"], r["emb"], r["sub"]) for r in fonts(pdf)]
    assert rows[True] == rows[False]


def test_cff_inspection():
    from docpipe.writers.pdf import fonts as f

    noto = Path("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc")
    if not noto.is_file():
        pytest.skip("fonts-noto-cjk missing")
    assert not f.is_cid_keyed_cff(noto.read_bytes()[:4096])  # a collection, not OTTO
    assert not f.is_cid_keyed_cff(b"\x00\x01\x00\x00" + bytes(100))  # TrueType
    assert not f.is_cid_keyed_cff(b"")


def _cid_cff(charset: bytes) -> bytes:
    """A minimal CID-keyed CFF table: header, Name INDEX, Top DICT (ROS, charset offset)."""
    name = b"\x00\x01\x01\x01\x02A"
    top_data = bytes([139, 139, 139, 12, 30]) + b"\x1d" + (0).to_bytes(4, "big") + b"\x0f"
    start = 4 + len(name) + 5 + len(top_data)
    top_data = top_data[:6] + start.to_bytes(4, "big") + top_data[10:]
    top = b"\x00\x01\x01\x01" + bytes([1 + len(top_data)]) + top_data
    return b"\x01\x00\x04\x01" + name + top + charset


def test_cid_equals_gid_guard():
    """Only fonts whose CIDs are their glyph ids are renumbered (Noto CJK's charset is
    one range 1..65534); an Adobe-Japan1-like charset is left to WeasyPrint."""
    from docpipe.writers.pdf import fonts as f

    identity = _cid_cff(b"\x02" + (1).to_bytes(2, "big") + (8).to_bytes(2, "big"))
    shifted = _cid_cff(b"\x02" + (5).to_bytes(2, "big") + (8).to_bytes(2, "big"))
    listed = _cid_cff(b"\x00" + b"".join(i.to_bytes(2, "big") for i in (1, 2, 4)))
    assert f._cff_is_cid_keyed(identity)
    assert f._cids_are_gids(identity, 10)
    assert not f._cids_are_gids(shifted, 10)
    assert not f._cids_are_gids(listed, 4)
    assert f._cids_are_gids(listed, 3)


# --- a second PDF engine, qpdf, and fallback fonts (TrueType) re-subset

RARE = "志願服務𠀀𠮷𪜀𫝀𫠠𬺰😀👍🇨🇳"  # Ext-B, C, D, E, F ideographs and emoji


@pytest.fixture(scope="module")
def rare(tmp_path_factory) -> dict[str, Path]:
    """A page whose rare characters come from the TrueType fallback fonts, both ways."""
    from docpipe.writers.pdf import pdf_bytes

    if "HanaMinB" not in subprocess.run(["fc-list", ":", "family"], capture_output=True,
                                        text=True).stdout:
        pytest.fail("fonts-hanazono missing: run `make setup`")
    out = tmp_path_factory.mktemp("rare")
    html = ('<html lang="zh-Hant-TW"><head><link rel="stylesheet" href="briefing.css"></head>'
            f'<body class="cjk-TC"><p>{RARE * 3}</p><p><b>{RARE}</b></p></body></html>')
    from docpipe.writers import RenderOptions

    base = RenderOptions().search_path[-1]
    paths = {}
    for name, shrink in (("weasyprint", False), ("docpipe", True)):
        paths[name] = out / f"{name}.pdf"
        paths[name].write_bytes(pdf_bytes(html, [base], base, shrink=shrink))
    return paths


def _pdfium_pages(pdf: Path) -> list[tuple[object, str]]:
    pdfium = pytest.importorskip("pypdfium2")
    doc = pdfium.PdfDocument(str(pdf))
    pages = []
    for i in range(len(doc)):
        page = doc[i]
        image = page.render(scale=100 / 72, grayscale=True).to_pil()
        pages.append((image, page.get_textpage().get_text_range()))
    return pages


@pytest.mark.parametrize("case", ["both", "rare"])
def test_pdfium_renders_same_glyphs_and_text(case, request):
    """PDFium draws every page of the compact PDF with the glyphs of WeasyPrint's own PDF
    (anti-aliasing may differ by a few levels; a wrong glyph differs by ~255) and extracts
    the same text."""
    from PIL import ImageChops

    paths = request.getfixturevalue(case)
    ours, theirs = _pdfium_pages(paths["docpipe"]), _pdfium_pages(paths["weasyprint"])
    assert len(ours) == len(theirs) >= 1
    for (img, text), (ref_img, ref_text) in zip(ours, theirs, strict=True):
        assert text == ref_text
        assert ImageChops.difference(img, ref_img).getextrema()[1] <= 64
    if case == "rare":
        assert RARE in ours[0][1].replace("\r\n", "")


@pytest.mark.parametrize("case", ["both", "rare"])
def test_qpdf_check(case, request):
    if not shutil.which("qpdf"):
        pytest.fail("qpdf missing: run `make setup`")
    for pdf in request.getfixturevalue(case).values():
        done = subprocess.run(["qpdf", "--check", str(pdf)], capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "No syntax or stream encoding errors" in done.stdout


def test_fallback_fonts_subset_smaller_same_pages(rare, tmp_path):
    """The TrueType fallback fonts are re-subset (with a /CIDToGIDMap): the text and the
    pages poppler draws stay those of WeasyPrint's own PDF."""
    from pypdf import PdfReader

    maps = []
    for page in PdfReader(str(rare["docpipe"])).pages:
        for font in page["/Resources"]["/Font"].values():
            cid_font = font.get_object()["/DescendantFonts"][0].get_object()
            if cid_font["/Subtype"] == "/CIDFontType2":
                maps.append(cid_font["/CIDToGIDMap"])
    assert maps and all(not isinstance(m, str) for m in maps), maps  # streams, not /Identity
    texts = [subprocess.run(["pdftotext", str(p), "-"], capture_output=True, text=True,
                            check=True).stdout for p in (rare["docpipe"], rare["weasyprint"])]
    assert texts[0] == texts[1]
    assert RARE in texts[0].replace("\n", "")
    for name, pdf in rare.items():
        subprocess.run(["pdftoppm", "-r", "60", "-gray", str(pdf), str(tmp_path / name)],
                       check=True)
    assert ((tmp_path / "docpipe-1.pgm").read_bytes()
            == (tmp_path / "weasyprint-1.pgm").read_bytes())
    assert rare["docpipe"].stat().st_size < rare["weasyprint"].stat().st_size


# --- only public seams: nothing of WeasyPrint, pydyf or python-docx is replaced

GUARDED = ("weasyprint", "pydyf", "docx")


def _guarded_names(tree) -> set[str]:
    """Names a module binds to modules, classes or functions of the guarded libraries."""
    import ast

    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in GUARDED:
                    names.add((alias.asname or alias.name).split(".")[0])
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.split(".")[0] in GUARDED:
                names.update(alias.asname or alias.name for alias in node.names)
        elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            func = node.value.func
            if isinstance(func, ast.Name) and func.id == "load_weasyprint":
                names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return names


def _root(node):
    import ast

    while isinstance(node, ast.Attribute | ast.Subscript):
        node = node.value
    return node


def _patches(source: str) -> list[str]:
    """Assignments (and setattr/delattr) to attributes of guarded modules or classes."""
    import ast

    tree = ast.parse(source)
    guarded = _guarded_names(tree)
    found = []
    for node in ast.walk(tree):
        targets = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        elif isinstance(node, ast.Delete):
            targets = node.targets
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
              and node.func.id in ("setattr", "delattr") and node.args):
            targets = [ast.Attribute(value=node.args[0], attr="?")]
        for target in targets:
            if not isinstance(target, ast.Attribute):
                continue
            root = _root(target)
            if ((isinstance(root, ast.Name) and root.id in guarded)
                    or (isinstance(root, ast.Call) and isinstance(root.func, ast.Name)
                        and root.func.id == "load_weasyprint")):
                found.append(f"line {node.lineno}: {ast.unparse(target)}")
    return found


def test_no_library_patching_anywhere():
    """Neither docpipe nor its tests or benchmarks replace anything of those libraries."""
    root = Path(__file__).resolve().parent.parent
    files = [p for folder in ("src", "tests", "benchmarks") for p in (root / folder).rglob("*.py")]
    assert len(files) > 20
    found = {str(p): hits for p in sorted(files)
             if (hits := _patches(p.read_text(encoding="utf-8")))}
    assert found == {}


def test_patch_finder_finds_patches():
    """The check above can fail: each way of replacing a library attribute is caught."""
    samples = [
        "from weasyprint.pdf import fonts as f\nf.Font._harfbuzz_subset = None",
        "import weasyprint.pdf.fonts\nweasyprint.pdf.fonts.get_hb_object_data = len",
        "from weasyprint.pdf.fonts import Font\nsetattr(Font, '__init__', len)",
        "import pydyf\npydyf.Stream.data = property(len)",
        "from docx.oxml import parse_xml\nparse_xml.x = 1",
        "wp = load_weasyprint()\nwp.HTML.render = len",
    ]
    for sample in samples:
        assert _patches(sample), sample
    assert not _patches("import docx\ndoc = docx.Document()\ndoc.core_properties.author = 'x'")


def test_weasyprint_adapter_loads_the_same_libraries():
    """load_weasyprint's adapter (find_library answering "not found" while WeasyPrint
    imports) opens the very library files a plain import opens, and gives find_library
    back: if WeasyPrint stops reaching its Linux sonames by name, this fails."""
    code = ("import ctypes.util, sys\n"
            "orig = ctypes.util.find_library\n"
            "if sys.argv[1] == 'adapter':\n"
            "    from docpipe.writers.pdf.fonts import load_weasyprint; load_weasyprint()\n"
            "else:\n"
            "    import weasyprint\n"
            "assert ctypes.util.find_library is orig\n"
            "libs = {line.split()[-1] for line in open('/proc/self/maps') if '.so' in line}\n"
            "print('\\n'.join(sorted(p for p in libs if any(k in p for k in "
            "('pango', 'harfbuzz', 'fontconfig', 'gobject', 'glib')))))\n")
    seen = {}
    for how in ("adapter", "plain"):
        done = subprocess.run([sys.executable, "-c", code, how], capture_output=True,
                              text=True, check=False)
        assert done.returncode == 0, done.stderr
        seen[how] = done.stdout.split()
    assert seen["adapter"] == seen["plain"]
    assert any("pango" in p for p in seen["adapter"])
