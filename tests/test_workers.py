"""Issue 13.2-13.4 and 12.5: render workers and signals.

- SIGTERM while a page's SVG renders (WeasyPrint's SVG code swallows BaseException) ends
  the run with 143 and writes no output, in `convert` and in `pack`;
- `kill -9` of a pack leaves no worker behind;
- a page over its time budget (`--page-timeout`) or memory budget (`--page-memory`)
  fails alone, with one line, and the others land;
- `convert -j 2` gives the same files as `convert -j 1`;
- two packs run at once into one folder leave a valid cache and manifest.

The hostile inputs are built in each test: an SVG of 45,000 texts (~40 s of drawing,
under the SVG work limit), a page of 200,000 characters.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import REFERENCE, ROOT

DOCPIPE = ROOT / ".venv" / "bin" / "docpipe"


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOCPIPE_")}
    env.update(NO_COLOR="1", TERM="dumb", **extra)
    return env


def _slow_svg_page(folder: Path, stem: str = "slow") -> Path:
    """A saved page whose one image is an SVG of 45,000 small texts: under the SVG work
    limit (50,000 elements), but each text is shaped by Pango: ~40 s of drawing."""
    (folder / f"{stem}_files").mkdir(parents=True, exist_ok=True)
    texts = "".join(f'<text x="{i % 400}" y="{(i * 7) % 400}" font-size="9">社{i}</text>'
                    for i in range(45_000))
    (folder / f"{stem}_files" / "slow.svg").write_text(
        f'<svg xmlns="http://www.w3.org/2000/svg" width="400" height="400">{texts}</svg>',
        encoding="utf-8")
    paras = "".join(f"<p>这是第{i}段正文，讲述社区志愿服务的新进展和各方面的做法与经验。</p>"
                    for i in range(6))
    page = folder / f"{stem}.html"
    page.write_text(
        f'<html><head><meta charset="utf-8"><title>矢量图测试页</title></head><body>'
        f'<div class="article"><h1>矢量图测试页</h1>{paras}'
        f'<p><img src="{stem}_files/slow.svg" alt="图一"></p>{paras}</div></body></html>',
        encoding="utf-8")
    return page


def _text_page(folder: Path, stem: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    p = folder / f"{stem}.txt"
    unique = f"\n这是页面{stem}独有的一段正文，用来区分各页的内容。\n\n新时代以来,"
    p.write_text(REFERENCE.read_text(encoding="utf-8").replace("\n新时代以来,", unique),
                 encoding="utf-8")
    return p


def _children(pid: int) -> list[int]:
    """Every descendant of `pid` (from /proc)."""
    kids: dict[int, list[int]] = {}
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                stat = (d / "stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            kids.setdefault(ppid, []).append(int(d.name))
    out, todo = [], [pid]
    while todo:
        for c in kids.get(todo.pop(), []):
            out.append(c)
            todo.append(c)
    return out


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _wait(pred, timeout: float) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(0.1)
    return pred()


def _files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if not p.name.startswith(".docpipe-cache")) \
        if folder.is_dir() else []


def test_sigterm_while_an_svg_renders_writes_nothing(tmp_path):
    page = _slow_svg_page(tmp_path / "in")
    out = tmp_path / "out"
    proc = subprocess.Popen([str(DOCPIPE), "convert", str(page), "-o", str(out), "-f", "pdf"],
                            env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(4)  # start-up and parsing take ~1 s; the SVG takes minutes to draw
        assert proc.poll() is None, proc.communicate()
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=20)  # ends in ~1 s, never after the drawing
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 143
    assert stderr.strip().splitlines() == ["docpipe: error: terminated by SIGTERM"]
    assert _files(out) == []  # no half-drawn PDF, no temporary file


def test_sigterm_stops_a_pack_and_its_workers(tmp_path):
    _slow_svg_page(tmp_path / "in")
    _text_page(tmp_path / "in", "a")
    out = tmp_path / "out"
    proc = subprocess.Popen([str(DOCPIPE), "pack", str(tmp_path / "in"), "-o", str(out),
                             "-j", "2", "--no-pages"], env=_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        assert _wait(lambda: len(_children(proc.pid)) >= 2, 60)
        time.sleep(4)  # the workers are drawing the SVG now (the pack's PDF)
        workers = _children(proc.pid)
        assert workers and proc.poll() is None
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 143
    assert stderr.strip().splitlines()[-1] == "docpipe: error: terminated by SIGTERM"
    assert "Traceback" not in stderr
    assert _wait(lambda: not any(_alive(w) for w in workers), 5)
    assert not (out / "pack.pdf").exists()
    assert not [f for f in _files(out) if f.endswith(".part") or f.startswith(".pack")]


def test_kill_9_of_a_pack_leaves_no_worker(tmp_path):
    _slow_svg_page(tmp_path / "in")
    _text_page(tmp_path / "in", "a")
    out = tmp_path / "out"
    log = (tmp_path / "log").open("w")
    proc = subprocess.Popen([str(DOCPIPE), "pack", str(tmp_path / "in"), "-o", str(out),
                             "-j", "2"], env=_env(), stdout=log, stderr=log)
    try:
        assert _wait(lambda: len(_children(proc.pid)) >= 2, 60)
        time.sleep(3)  # the workers are drawing the SVG now (the page's and the pack's PDF)
        workers = _children(proc.pid)
        proc.kill()
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
        log.close()
    assert workers
    assert _wait(lambda: not any(_alive(w) for w in workers), 5), \
        [w for w in workers if _alive(w)]
    assert not (out / "pack.pdf").exists() and not (out / "slow.pdf").exists()


def test_page_over_its_time_budget_fails_alone(tmp_path):
    _slow_svg_page(tmp_path / "in")
    _text_page(tmp_path / "in", "a")
    out = tmp_path / "out"
    proc = subprocess.run([str(DOCPIPE), "pack", str(tmp_path / "in"), "-o", str(out),
                           "-j", "2", "--page-timeout", "3", "--name", "week"],
                          env=_env(), capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1, proc.stderr
    errors = [x for x in proc.stderr.splitlines() if x.startswith("docpipe: error:")]
    assert len(errors) == 1 and "slow.html" in errors[0] and "time budget of 3 s" in errors[0], \
        proc.stderr
    assert "Traceback" not in proc.stderr
    manifest = json.loads((out / "week.json").read_text(encoding="utf-8"))
    rows = {Path(r["input"]).name: r["status"] for r in manifest["pages"]}
    assert rows == {"a.txt": "ok", "slow.html": "failed"}
    assert (out / "week.pdf").is_file() and (out / "a.pdf").is_file()
    assert not (out / "slow.pdf").exists()


@pytest.mark.slow
def test_page_over_its_memory_budget_fails_alone(tmp_path):
    """A page of 260,000 characters (6,000 paragraphs) grows its worker to ~370 MB,
    past 290 MB well before its layout ends, where an ordinary page's worker peaks at
    ~240 MB (WeasyPrint, its fonts and the fallback fonts loaded); with a budget of
    290 MB the big page fails alone, the other lands."""
    folder = tmp_path / "in"
    _text_page(folder, "a")
    line = "社区志愿服务的新进展和各方面的做法与经验值得总结推广而且需要长期坚持下去。"
    big = "\n\n".join(f"{line}第{i}段" for i in range(6_000))
    (folder / "big.txt").write_text("大文本测试页面\n\n" + big, encoding="utf-8")
    out = tmp_path / "out"
    proc = subprocess.run([str(DOCPIPE), "convert", str(folder / "a.txt"), str(folder / "big.txt"),
                           "-o", str(out), "-j", "2", "--page-memory", "290", "-f", "pdf"],
                          env=_env(), capture_output=True, text=True, timeout=600)
    assert proc.returncode == 1, proc.stderr
    errors = [x for x in proc.stderr.splitlines() if x.startswith("docpipe: error:")]
    assert len(errors) == 1 and "big.txt" in errors[0] and "memory budget of 290 MB" in errors[0], \
        proc.stderr
    assert _files(out) == ["a.pdf"]


@pytest.mark.slow
def test_convert_in_workers_gives_the_same_files(tmp_path):
    pages = [_text_page(tmp_path / "in", s) for s in ("p1", "p2", "p3")]
    for jobs in ("1", "2"):
        proc = subprocess.run([str(DOCPIPE), "convert", *map(str, pages), "-o",
                               str(tmp_path / f"j{jobs}"), "-j", jobs],
                              env=_env(), capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.splitlines() == [  # in input order, whatever the workers did
            f"{tmp_path / f'j{jobs}' / s}.{ext}" for s in ("p1", "p2", "p3")
            for ext in ("pdf", "docx")]
    for name in _files(tmp_path / "j1"):
        assert (tmp_path / "j1" / name).read_bytes() == (tmp_path / "j2" / name).read_bytes()
    assert len(_files(tmp_path / "j2")) == 6


def test_two_packs_at_once_into_one_folder(tmp_path):
    for s in ("a", "b", "c"):
        _text_page(tmp_path / "in", s)
    out = tmp_path / "out"
    cmd = [str(DOCPIPE), "pack", str(tmp_path / "in"), "-o", str(out), "-j", "1",
           "--name", "week"]
    procs = [subprocess.Popen(cmd, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for _ in range(2)]
    results = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], results
    assert any("waiting for another docpipe run" in err for _, err in results)
    cache = json.loads((out / ".docpipe-cache.json").read_text(encoding="utf-8"))
    assert len(cache["pages"]) == 3 and cache["pack"]["key"]
    manifest = json.loads((out / "week.json").read_text(encoding="utf-8"))
    assert manifest["counts"] == {"ok": 3, "failed": 0, "skipped": 0}
    assert "up to date" in results[0][0] + results[1][0]  # the second found the first's work
    assert not [f for f in _files(out) if f.endswith(".part")]


def test_workers_end_when_the_parent_dies_python_level():
    """The parent-pid watch and PR_SET_PDEATHSIG, without docpipe around them."""
    code = (
        "import os\n"
        "from docpipe.workers import LocalPool\n"
        "pool = LocalPool(1)\n"
        "pool.run(abs, [-1], lambda t, r: None, lambda t, w: {})\n"
        "print(pool._idle[0].proc.pid, flush=True)\n"
        "os._exit(0)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, env=_env())
    worker = int(proc.stdout.split()[0])
    assert _wait(lambda: not _alive(worker), 5)


def test_convert_in_workers_reads_stdin_in_the_parent(tmp_path):
    """A spawn worker has no stdin: `-` is read by the main process and sent over."""
    proc = subprocess.run([str(DOCPIPE), "convert", "-", "-o", str(tmp_path), "-j", "2",
                           "-f", "md"], input=REFERENCE.read_bytes(), env=_env(),
                          capture_output=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "小而美" in (tmp_path / "stdin.md").read_text(encoding="utf-8")


def test_batches_shrink_as_the_pages_left_get_fewer():
    """Render batches: every page once, in order; full batches first, then smaller ones
    (never one page alone unless one is left), so the workers end close together."""
    from docpipe.tasks import BATCH, batches_of

    for n, jobs in ((12, 2), (20, 2), (100, 2), (1000, 2), (37, 3), (300, 8)):
        sizes = [len(b.tasks) for b in batches_of(list(range(n)), jobs)]
        assert [t for b in batches_of(list(range(n)), jobs) for t in b.tasks] == list(range(n))
        assert max(sizes) <= BATCH and sizes == sorted(sizes, reverse=True), (n, jobs, sizes)
        assert min(sizes[:-1]) >= 2 and sizes[-1] <= 2 * jobs, (n, jobs, sizes)
    sizes = [len(b.tasks) for b in batches_of(list(range(100)), 2)]
    assert sizes[0] == BATCH and sizes[-1] == 2  # 100 pages: 8 first, 2 last


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc")
def test_render_workers_give_big_blocks_back(tmp_path):
    """A render worker gives back the memory of WeasyPrint's per-write font copies
    (26 MB blocks): once glibc has freed one big mapped block it serves later ones
    from its heap, and keeps them there when they are freed; after
    `_give_back_big_blocks` a block of 10 MB is still mapped apart (mallinfo2's hblks),
    so freeing it gives it back."""
    script = tmp_path / "blocks.py"
    script.write_text(
        "import ctypes, sys\n"
        "class Info(ctypes.Structure):\n"
        "    _fields_ = [(n, ctypes.c_size_t) for n in ('arena', 'ordblks', 'smblks',\n"
        "        'hblks', 'hblkhd', 'usmblks', 'fsmblks', 'uordblks', 'fordblks', 'keep')]\n"
        "libc = ctypes.CDLL(None)\n"
        "libc.mallinfo2.restype = Info\n"
        "libc.malloc.restype, libc.malloc.argtypes = ctypes.c_void_p, [ctypes.c_size_t]\n"
        "libc.free.argtypes = [ctypes.c_void_p]\n"
        "if sys.argv[1] == '1':\n"
        "    from docpipe.tasks import _give_back_big_blocks\n"
        "    _give_back_big_blocks()\n"
        "libc.free(libc.malloc(30 << 20))  # glibc's threshold rises to 30 MB here\n"
        "before = libc.mallinfo2().hblks\n"
        "block = libc.malloc(10 << 20)\n"
        "print(libc.mallinfo2().hblks - before)\n"
        "libc.free(block)\n")
    # glibc's own settings left out: Dask's nanny sets MALLOC_TRIM_THRESHOLD_ in the
    # process that starts it (a test here), which also fixes the threshold
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("MALLOC_") and k != "GLIBC_TUNABLES"}
    try:
        mapped = {flag: int(subprocess.run([sys.executable, str(script), flag], check=True,
                                           capture_output=True, text=True, env=env).stdout)
                  for flag in ("0", "1")}
    except subprocess.CalledProcessError as exc:  # no mallinfo2: not glibc 2.33+
        pytest.skip(f"no glibc mallinfo2: {exc.stderr.strip()[-80:]}")
    assert mapped == {"0": 0, "1": 1}, mapped
