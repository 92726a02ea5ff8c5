"""Shared fixtures: the reference page, the dev corpus (when present), a CLI runner."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
REFERENCE = SAMPLES / "000_0e4211b785ff5086.txt"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
CORPUS = Path(os.environ.get("DOCPIPE_CORPUS", ROOT.parent / "shared" / "corpus" / "dev"))

# Rich must not wrap option names or colour the output of CliRunner.
os.environ.setdefault("COLUMNS", "200")
os.environ["NO_COLOR"] = "1"
os.environ["TERM"] = "dumb"
# The user's own config file (~/.config/docpipe/docpipe.toml) never reaches the tests.
os.environ["XDG_CONFIG_HOME"] = "/nonexistent/docpipe-tests-config"


#: Modules whose tests share expensive module-scoped fixtures (a pack, a Dask cluster,
#: rendered briefings, corpus scores) or are long as a whole: under pytest-xdist each
#: runs on one worker, so those fixtures are built once per run, and these long units go
#: out first (`pytest_xdist_make_scheduler`). The other tests go out one at a time.
ONE_WORKER = {
    "test_assemble.py", "test_dask.py", "test_docx_output.py", "test_editor.py",
    "test_eval.py", "test_glyphs.py", "test_habits.py", "test_hostile.py", "test_pack.py",
    "test_pack_cache.py", "test_pdf_fonts.py", "test_pdf_output.py", "test_presentation.py",
    "test_readback.py", "test_reference_page.py", "test_split.py", "test_workers.py",
}


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """`-n N` (--dist load): xdist's LoadScopeScheduling with a module of ONE_WORKER as
    one unit of work and every other test as a unit of its own; units of more tests are
    handed out first. (Its xdist_group marks would do this with --dist loadgroup, but
    pytest-xdist 3.8 cannot rename the tests of pytest 9, and --dist in addopts breaks
    `pytest -p no:xdist`.)"""
    if config.getvalue("dist") != "load":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class ModuleOrTest(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            module = nodeid.split("::", 1)[0]
            return module if module.rsplit("/", 1)[-1] in ONE_WORKER else nodeid

    return ModuleOrTest(config, log)


@pytest.fixture
def reference() -> Path:
    return REFERENCE


@pytest.fixture
def corpus() -> Path:
    if not (CORPUS / "dev.jsonl").is_file():
        pytest.skip(f"dev corpus not present at {CORPUS}")
    return CORPUS


@pytest.fixture(params=["dev", "dev2", "dev3"])
def labelled(request) -> Path:
    """Each labelled corpus folder beside the project (dev, dev2, dev3), skipped when
    absent."""
    folder = CORPUS.parent / request.param
    if not any(folder.glob("*.jsonl")):
        pytest.skip(f"corpus not present at {folder}")
    return folder


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def invoke(runner: CliRunner, *args: str, input: bytes | str | None = None):
    """Run the real CLI in-process, with a fixed width and no colour."""
    from docpipe.cli import app

    return runner.invoke(app, list(args), input=input, env={"COLUMNS": "200", "NO_COLOR": "1"},
                         catch_exceptions=False)
