"""Issue 12.3: packs on a real Dask cluster (no mocks).

- a pack rendered on a LocalCluster of two worker processes equals the local pack byte
  for byte (pages, pack PDF and DOCX, manifest, a page with a local image too): the
  image travels with its task (the worker lays it out in a folder of its own);
- `dask scheduler` and two `dask worker` processes started as on real machines: one
  worker killed with SIGKILL mid-pack, and the pack still completes;
- an unreachable scheduler is one line and exit 1.
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

pytest.importorskip("distributed")

DOCPIPE = ROOT / ".venv" / "bin" / "docpipe"
BIN = Path(sys.executable).parent


def _pages(folder: Path, n: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    src = REFERENCE.read_text(encoding="utf-8")
    paths = []
    for i in range(n):
        p = folder / f"p{i:02d}.txt"
        p.write_text(src.replace("\n新时代以来,", f"\n第{i}页独有的一段正文，区分各页。\n\n新时代以来,"),
                     encoding="utf-8")
        paths.append(p)
    return paths


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOCPIPE_")}
    env.update(NO_COLOR="1", TERM="dumb", **extra)
    return env


@pytest.fixture(scope="module")
def cluster():
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=":0") as c:
        yield c


def test_dask_pack_equals_the_local_pack(tmp_path, cluster):
    from docpipe.pack import PackOptions, build_pack
    from docpipe.pipeline import Settings
    from test_pack_cache import _image_sizes, _page_with_image

    pages = tmp_path / "pages"
    _pages(pages, 4)
    _page_with_image(pages)
    reports = {}
    for where, scheduler in (("local", None), ("dask", cluster.scheduler_address)):
        opts = PackOptions(name="week", jobs=2, scheduler=scheduler)
        reports[where] = build_pack([str(pages)], Settings(out_dir=tmp_path / where), opts)
        assert reports[where].ok, [e.error for e in reports[where].entries]
    local = sorted(p.name for p in (tmp_path / "local").iterdir())
    assert local == sorted(p.name for p in (tmp_path / "dask").iterdir())
    assert "week.pdf" in local and "p03.docx" in local
    differ = [n for n in local if n != ".docpipe-cache.lock" and
              (tmp_path / "local" / n).read_bytes() != (tmp_path / "dask" / n).read_bytes()]
    assert differ == []
    for pdf in ("news.pdf", "week.pdf"):  # the image reached the worker
        assert (64, 48) in _image_sizes(tmp_path / "dask" / pdf)


@pytest.mark.slow
def test_convert_on_dask_equals_local(tmp_path, cluster):
    pages = _pages(tmp_path / "in", 3)
    for where, extra in (("local", []), ("dask", ["--scheduler", cluster.scheduler_address])):
        proc = subprocess.run([str(DOCPIPE), "convert", *map(str, pages), "-o",
                               str(tmp_path / where), *extra], env=_env(),
                              capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stderr
    for p in (tmp_path / "local").iterdir():
        assert p.read_bytes() == (tmp_path / "dask" / p.name).read_bytes(), p.name


def _children(pid: int) -> list[int]:
    out = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                ppid = int((d / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            if ppid == pid:
                out.append(int(d.name))
    return out


@pytest.mark.slow
def test_a_worker_killed_mid_pack_still_gives_a_complete_pack(tmp_path):
    sched_file = tmp_path / "scheduler.json"
    procs = [subprocess.Popen([str(BIN / "dask"), "scheduler", "--port", "0",
                               "--scheduler-file", str(sched_file), "--no-dashboard"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    try:
        end = time.monotonic() + 60
        while not sched_file.exists() and time.monotonic() < end:
            time.sleep(0.2)
        address = json.loads(sched_file.read_text())["address"]
        workers = [subprocess.Popen([str(BIN / "dask"), "worker", "--scheduler-file",
                                     str(sched_file), "--nthreads", "1", "--no-nanny",
                                     "--no-dashboard"], stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL) for _ in range(2)]
        procs += workers
        from distributed import Client

        with Client(address, timeout=60) as client:
            client.wait_for_workers(2, timeout=120)
        pages = _pages(tmp_path / "in", 8)
        out = tmp_path / "out"
        pack = subprocess.Popen([str(DOCPIPE), "pack", *map(str, pages), "-o", str(out),
                                 "--name", "week", "--scheduler", address],
                                env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True)
        procs.append(pack)
        # Once the first page's files are back, the rest are running or queued: kill one.
        end = time.monotonic() + 300
        while not list(out.glob("p*.pdf")) and time.monotonic() < end and pack.poll() is None:
            time.sleep(0.1)
        workers[0].send_signal(signal.SIGKILL)
        stdout, stderr = pack.communicate(timeout=600)
        assert pack.returncode == 0, stderr
        manifest = json.loads((out / "week.json").read_text(encoding="utf-8"))
        assert manifest["counts"] == {"ok": 8, "failed": 0, "skipped": 0}
        from pypdf import PdfReader

        assert len(PdfReader(out / "week.pdf").outline) == 8
        assert all((out / f"p{i:02d}.pdf").is_file() for i in range(8))
        assert workers[0].poll() is not None  # it really was killed mid-run
    finally:
        for p in reversed(procs):
            if p.poll() is None:
                p.kill()
                p.wait(10)


@pytest.mark.slow
def test_an_unreachable_scheduler_is_one_line(tmp_path):
    page = _pages(tmp_path / "in", 1)[0]
    proc = subprocess.run([str(DOCPIPE), "pack", str(page), "-o", str(tmp_path / "out"),
                           "--scheduler", "tcp://127.0.0.1:9"], env=_env(),
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines()[-1].startswith(
        "docpipe: error: cannot reach the Dask scheduler at tcp://127.0.0.1:9")
    assert "Traceback" not in proc.stderr
