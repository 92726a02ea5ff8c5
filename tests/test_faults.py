"""Issue 6.4: faults. Output files appear whole or not at all.

A writer that raises, a disk that fills up mid-write, SIGTERM or Ctrl-C during a run:
no partial or temporary file is left, an older good output is not clobbered, the exit
code says what happened. A pack interrupted and run again finishes what is missing; a
worker process that dies fails its own page only (DOCPIPE_TEST_CRASH with
tests/crashsite on PYTHONPATH: its sitecustomize crashes worker processes only).
"""

from __future__ import annotations

import errno
import json
import os
import pathlib
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from conftest import REFERENCE, ROOT, invoke

DOCPIPE = ROOT / ".venv" / "bin" / "docpipe"


def _leftovers(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")
                  if p.suffix == ".part" or (p.name.startswith(".") and
                                             not p.name.startswith(".docpipe-cache")))


def _pages(folder: Path, *stems: str) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for stem in stems:
        p = folder / f"{stem}.txt"
        unique = f"\n这是页面{stem}独有的一段正文，用来区分各页的内容，避免被当作重复页面。\n\n新时代以来,"
        p.write_text(REFERENCE.read_text(encoding="utf-8").replace("\n新时代以来,", unique),
                     encoding="utf-8")
        paths.append(p)
    return paths


def _assert_whole(folder: Path) -> None:
    """Every PDF and DOCX present is complete and readable."""
    from pypdf import PdfReader

    for pdf in folder.rglob("*.pdf"):
        assert pdf.read_bytes().rstrip().endswith(b"%%EOF"), pdf
        assert len(PdfReader(str(pdf)).pages) >= 1
    for docx in folder.rglob("*.docx"):
        with zipfile.ZipFile(docx) as z:
            assert z.testzip() is None and "word/document.xml" in z.namelist()


# --- in-process: a writer that raises, a disk that fills up -------------------------------

def test_writer_exception_leaves_old_output_and_no_temp(runner, tmp_path, monkeypatch):
    import docpipe.writers.docx as docx_writer

    a, b = _pages(tmp_path / "in", "a", "b")
    out = tmp_path / "out"
    out.mkdir()
    (out / "a.docx").write_bytes(b"OLD")
    real = docx_writer.deterministic_bytes
    calls = []

    def boom(doc):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("simulated writer crash")
        return real(doc)

    monkeypatch.setattr(docx_writer, "deterministic_bytes", boom)
    res = invoke(runner, "convert", str(a), str(b), "-o", str(out), "-f", "docx")
    assert res.exit_code == 1
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1
    assert f"{a}: internal error: RuntimeError: simulated writer crash" in lines[0]
    assert "Traceback" not in res.stderr
    assert (out / "a.docx").read_bytes() == b"OLD"  # the old briefing is intact
    assert (out / "b.docx").is_file() and _leftovers(out) == []
    _assert_whole(out / "b.docx")


def test_disk_full_mid_write(runner, tmp_path, monkeypatch):
    a, b = _pages(tmp_path / "in", "a", "b")
    out = tmp_path / "out"
    real = pathlib.Path.write_bytes

    def half_then_enospc(self, data):
        if self.name.startswith(".a.docx.") and self.suffix == ".part":
            real(self, data[: len(data) // 2])
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(self, data)

    monkeypatch.setattr(pathlib.Path, "write_bytes", half_then_enospc)
    res = invoke(runner, "convert", str(a), str(b), "-o", str(out), "-f", "md,docx")
    assert res.exit_code == 1
    assert res.stderr.strip().splitlines() == [
        f"docpipe: error: {out / 'a.docx'}: cannot write: No space left on device"]
    assert not (out / "a.docx").exists() and _leftovers(out) == []
    assert (out / "b.docx").is_file() and (out / "b.md").is_file()


def test_atomic_path_removes_temp_on_any_exception(tmp_path):
    from docpipe.outputs import atomic_path

    target = tmp_path / "x.pdf"
    target.write_bytes(b"OLD")
    for exc in (RuntimeError("bug"), KeyboardInterrupt()):
        with pytest.raises(type(exc)), atomic_path(target) as tmp:
            tmp.write_bytes(b"partial")
            raise exc
    assert target.read_bytes() == b"OLD"
    assert [p.name for p in tmp_path.iterdir()] == ["x.pdf"]


# --- real processes: SIGTERM and Ctrl-C ------------------------------------------------

# Runs the real CLI entry point with writes slowed down: each temporary output file is
# half written, then the process waits, so a signal lands while a partial file exists.
SLOW_WRITER = """
import os, pathlib, sys, time
real = pathlib.Path.write_bytes
def slow(self, data):
    if self.suffix == ".part":
        real(self, data[: len(data) // 2])
        ready = pathlib.Path(os.environ["DOCPIPE_TEST_READY"])
        ready.with_suffix(".tmp").write_text(str(self))
        ready.with_suffix(".tmp").rename(ready)  # whole when it appears: the test reads it at once
        time.sleep(120)
    return real(self, data)
pathlib.Path.write_bytes = slow
sys.argv = ["docpipe", *sys.argv[1:]]
from docpipe.cli import main
main()
"""


CRASHSITE = Path(__file__).resolve().parent / "crashsite"


def _env(**extra: str) -> dict[str, str]:
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200", **extra}
    if "DOCPIPE_TEST_CRASH" in extra:  # the workers crash on that page (crashsite/)
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(CRASHSITE), os.environ.get("PYTHONPATH", "")) if p)
    return env


def _wait_for(pred, timeout: float = 120.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(0.05)
    return False


@pytest.mark.parametrize(("sig", "code", "message"), [
    (signal.SIGTERM, 143, "terminated by SIGTERM"),
    (signal.SIGINT, 130, "interrupted"),
])
def test_signal_mid_write_removes_the_partial_file(tmp_path, sig, code, message):
    (page,) = _pages(tmp_path / "in", "page")
    out = tmp_path / "out"
    ready = tmp_path / "ready"
    proc = subprocess.Popen(
        [sys.executable, "-c", SLOW_WRITER, "convert", str(page), "-o", str(out), "-f", "md"],
        env=_env(DOCPIPE_TEST_READY=str(ready)), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True)
    try:
        assert _wait_for(ready.exists), "the run never started writing"
        partial = Path(ready.read_text())
        assert partial.is_file() and partial.parent == out  # a partial file exists now
        proc.send_signal(sig)
        _, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == code
    assert stderr.strip().splitlines() == [f"docpipe: error: {message}"]
    assert list(out.iterdir()) == []  # neither the partial file nor a target


def test_sigterm_during_a_real_run_leaves_only_whole_files(tmp_path):
    pages = _pages(tmp_path / "in", "p1", "p2", "p3", "p4")
    out = tmp_path / "out"
    proc = subprocess.Popen([str(DOCPIPE), "convert", *map(str, pages), "-o", str(out),
                             "-f", "docx,pdf"], env=_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        _wait_for(lambda: out.is_dir() and any(out.glob("*.docx")))
        time.sleep(0.3)  # somewhere inside the PDF rendering or the next page
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode in (0, 143)
    if proc.returncode == 143:
        assert stderr.strip().splitlines()[-1] == "docpipe: error: terminated by SIGTERM"
    assert "Traceback" not in stderr
    assert _leftovers(out) == []
    _assert_whole(out)


def test_crash_hook_never_fires_in_the_main_process(tmp_path):
    """The test's crash reaches workers only: the same page converted in the main
    process is written, and in a worker it is that page's failure alone."""
    (page,) = _pages(tmp_path / "in", "crashme")
    proc = subprocess.run([str(DOCPIPE), "convert", str(page), "-o", str(tmp_path / "out"),
                           "-f", "md"], env=_env(DOCPIPE_TEST_CRASH="crashme"),
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    proc = subprocess.run([str(DOCPIPE), "convert", str(page), "-o", str(tmp_path / "j"),
                           "-f", "md", "-j", "2"], env=_env(DOCPIPE_TEST_CRASH="crashme"),
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1 and "worker process died" in proc.stderr, proc.stderr


# --- pack: interrupted then run again; a worker that dies ----------------------------

def _has_pack() -> bool:
    proc = subprocess.run([str(DOCPIPE), "pack", "--help"], capture_output=True, env=_env())
    return proc.returncode == 0


needs_pack = pytest.mark.skipif(not DOCPIPE.exists() or not _has_pack(),
                                reason="docpipe pack does not exist yet")


def _manifest(out: Path, name: str) -> dict:
    return json.loads((out / f"{name}.json").read_text(encoding="utf-8"))


@needs_pack
def test_interrupted_pack_finishes_when_run_again(tmp_path):
    pages = _pages(tmp_path / "in", "p1", "p2", "p3")
    out = tmp_path / "out"
    args = [str(DOCPIPE), "pack", str(tmp_path / "in"), "-o", str(out), "--name", "week",
            "-j", "2"]
    proc = subprocess.Popen(args, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        _wait_for(lambda: out.is_dir() and any(out.glob("p*.pdf")))
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=180)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert "Traceback" not in stderr
    assert _leftovers(out) == []
    _assert_whole(out)
    done_before = sum(1 for x in stderr.splitlines() if "] ok" in x)
    again = subprocess.run(args, env=_env(), capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr
    if proc.returncode == 143 and done_before:  # what was finished is not done again
        assert "up to date" in again.stdout + again.stderr
    assert _leftovers(out) == []
    _assert_whole(out)
    manifest = _manifest(out, "week")
    assert sorted(Path(r["input"]).name for r in manifest["pages"]
                  if r["status"] == "ok") == [p.name for p in pages]
    assert (out / "week.pdf").is_file() and (out / "week.docx").is_file()


@needs_pack
def test_worker_that_dies_fails_its_page_only(tmp_path):
    _pages(tmp_path / "in", "a", "crashme", "c")
    out = tmp_path / "out"
    proc = subprocess.run(
        [str(DOCPIPE), "pack", str(tmp_path / "in"), "-o", str(out), "--name", "week",
         "-j", "2", "--no-pages"],
        env=_env(DOCPIPE_TEST_CRASH="crashme"), capture_output=True, text=True, timeout=600)
    assert proc.returncode == 1
    errors = [x for x in proc.stderr.splitlines() if x.startswith("docpipe: error:")]
    assert len(errors) == 1 and "crashme.txt" in errors[0], proc.stderr
    assert "Traceback" not in proc.stderr
    rows = {Path(r["input"]).name: r["status"] for r in _manifest(out, "week")["pages"]}
    assert rows == {"a.txt": "ok", "crashme.txt": "failed", "c.txt": "ok"}
    assert (out / "week.pdf").is_file() and _leftovers(out) == []
    _assert_whole(out)


def test_no_stray_processes_or_files_in_repo():
    """The tests above write only under tmp_path."""
    assert not list(ROOT.glob("*.part")) and shutil.which("pdftotext")
