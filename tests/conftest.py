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
