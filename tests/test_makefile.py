"""Make-driven publishing: the project's `make briefings` / `make pack`, and
examples/Makefile in a user's own folder, rebuild only what changed."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import ROOT
from test_pack import make_pages

DOCPIPE = Path(sys.executable).parent / "docpipe"

pytestmark = pytest.mark.skipif(shutil.which("make") is None or not DOCPIPE.is_file(),
                                reason="needs GNU make and the docpipe script beside python")


def make(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "LC_ALL": "C"}
    r = subprocess.run(["make", *args], cwd=cwd, env=env, capture_output=True, text=True,
                       timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    return r


def converts(r: subprocess.CompletedProcess) -> list[str]:
    return [ln.strip() for ln in r.stdout.splitlines() if " convert " in ln]


def test_project_briefings_twice_second_does_nothing(tmp_path):
    stamp = tmp_path / "installed"  # stands for the venv stamp: set-up is done
    stamp.touch()
    out = tmp_path / "out"
    args = ["-j4", "briefings", f"OUT={out}", f"DOCPIPE={DOCPIPE}", f"STAMP={stamp}"]
    first = make(*args, cwd=ROOT)
    pages = [p for p in (ROOT / "samples").iterdir() if p.suffix in (".txt", ".html")]
    assert len(converts(first)) == len(pages)
    for p in pages:
        assert (out / f"{p.stem}.pdf").is_file() and (out / f"{p.stem}.docx").is_file()
    second = make(*args, cwd=ROOT)
    assert converts(second) == []
    assert "Nothing to be done for 'briefings'" in second.stdout
    (out / f"{pages[0].stem}.docx").unlink()  # either file missing rebuilds that page
    third = make(*args, cwd=ROOT)
    assert len(converts(third)) == 1


def test_example_makefile_in_a_users_folder(tmp_path):
    work = tmp_path / "mine"
    work.mkdir()
    shutil.copy(ROOT / "examples" / "Makefile", work / "Makefile")
    pages = make_pages(work / "pages", 2, with_samples=False)
    common = [f"DOCPIPE={DOCPIPE}"]

    first = make("-j4", *common, cwd=work)
    assert len(converts(first)) == 2
    assert "Nothing to be done" in make("-j4", *common, cwd=work).stdout

    time.sleep(0.05)
    changed = pages[1].path
    changed.write_text(changed.read_text(encoding="utf-8") + "\n补记一段。\n", encoding="utf-8")
    again = make("-j4", *common, cwd=work)
    assert converts(again) == [f"{DOCPIPE} convert pages/{changed.name} -o briefings -f pdf,docx"]

    pack = make("pack", *common, "NAME=week", cwd=work)
    assert " pack pages " in pack.stdout
    assert (work / "briefings" / "pack" / "week.pdf").is_file()
    assert (work / "briefings" / "pack" / "week.json").is_file()
    assert "Nothing to be done for 'pack'" in make("pack", *common, "NAME=week", cwd=work).stdout


def test_example_makefile_variants_options_and_spaces(tmp_path):
    """`make TO=tw` after `make` builds the Traditional briefings in their own folder;
    changing FLAGS rebuilds (options stamp); a page name with a space is skipped, said."""
    import json

    work = tmp_path / "mine"
    work.mkdir()
    shutil.copy(ROOT / "examples" / "Makefile", work / "Makefile")
    pages = make_pages(work / "pages", 1, with_samples=False)
    (work / "pages" / "with space.txt").write_bytes(pages[0].path.read_bytes())
    common = [f"DOCPIPE={DOCPIPE}"]

    first = make("-j2", *common, cwd=work)
    assert len(converts(first)) == 1
    assert "1 page(s) in pages/ with a space in the name skipped" in first.stderr
    tw = make("-j2", *common, "TO=tw", cwd=work)
    assert len(converts(tw)) == 1 and all(" -o briefings/tw " in c for c in converts(tw))
    for p in pages:
        assert (work / "briefings" / "tw" / f"{p.path.stem}.pdf").is_file()
        assert (work / "briefings" / f"{p.path.stem}.pdf").is_file()
    assert "Nothing to be done" in make(*common, "TO=tw", cwd=work).stdout
    assert "Nothing to be done" in make(*common, cwd=work).stdout

    flags = make("-j2", *common, "FLAGS=-f pdf,docx,json", cwd=work)  # options changed
    assert len(converts(flags)) == 1
    doc = json.loads((work / "briefings" / f"{pages[0].path.stem}.json").read_text("utf-8"))
    assert doc["variant"] == "hans"
    assert "Nothing to be done" in make(*common, "FLAGS=-f pdf,docx,json", cwd=work).stdout
    assert len(converts(make("-j2", *common, cwd=work))) == 1  # back to no FLAGS: rebuilt
    time.sleep(0.05)
    (work / "docpipe.toml").write_text("summary_sentences = 1\n", encoding="utf-8")
    assert len(converts(make("-j2", *common, cwd=work))) == 1  # the config file changed


def test_project_makefile_variant_folder(tmp_path):
    """One page's briefing by name (the options stamp is then made by its own rule)."""
    stamp = tmp_path / "installed"
    stamp.touch()
    out = tmp_path / "out"
    page = sorted((ROOT / "samples").glob("*.txt"))[0]
    target = f"{out}/hk/{page.stem}.pdf"
    args = [target, f"OUT={out}", f"DOCPIPE={DOCPIPE}", f"STAMP={stamp}", "TO=hk"]
    first = make(*args, cwd=ROOT)
    assert converts(first) == [f"{DOCPIPE} convert samples/{page.name} -o {out}/hk -f "
                               "pdf,docx --to hk"]
    assert (out / "hk" / ".docpipe-options").read_text() == "--to hk\n"
    assert (out / "hk" / f"{page.stem}.docx").is_file()
    assert "is up to date" in make(*args, cwd=ROOT).stdout
