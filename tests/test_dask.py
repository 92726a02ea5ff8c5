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
    from docpipe.packbuild import PackOptions, build_pack
    from docpipe.pipeline import Settings
    from test_pack_cache import _image_sizes, _page_with_image

    pages = tmp_path / "pages"
    _pages(pages, 2)
    _page_with_image(pages)
    reports = {}
    for where, scheduler in (("local", None), ("dask", cluster.scheduler_address)):
        opts = PackOptions(name="week", jobs=1, scheduler=scheduler)
        reports[where] = build_pack([str(pages)], Settings(out_dir=tmp_path / where), opts)
        assert reports[where].ok, [e.error for e in reports[where].entries]
    local = sorted(p.name for p in (tmp_path / "local").iterdir())
    assert local == sorted(p.name for p in (tmp_path / "dask").iterdir())
    assert "week.pdf" in local and "p01.docx" in local
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
        pages = _pages(tmp_path / "in", 6)
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
        assert manifest["counts"] == {"ok": 6, "failed": 0, "skipped": 0}
        from pypdf import PdfReader

        assert len(PdfReader(out / "week.pdf").outline) == 6
        assert all((out / f"p{i:02d}.pdf").is_file() for i in range(6))
        assert workers[0].poll() is not None  # it really was killed mid-run
    finally:
        for p in reversed(procs):
            if p.poll() is None:
                p.kill()
                p.wait(10)


@pytest.mark.slow
def test_an_unreachable_scheduler_is_one_line(tmp_path):
    page = _pages(tmp_path / "in", 1)[0]
    # (a refused connection is retried until --scheduler-timeout: 1 s, not the 10 s default)
    proc = subprocess.run([str(DOCPIPE), "pack", str(page), "-o", str(tmp_path / "out"),
                           "--scheduler", "tcp://127.0.0.1:9", "--scheduler-timeout", "1"],
                          env=_env(), capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines()[-1].startswith(
        "docpipe: error: cannot reach the Dask scheduler at tcp://127.0.0.1:9")
    assert "Traceback" not in proc.stderr


# --- issue 20: what a task needs travels with it; Dask fails fast and plainly ------------


def _custom_templates(folder: Path) -> None:
    """docpipe's templates, exported, with a mark in each briefing."""
    proc = subprocess.run([str(DOCPIPE), "templates", "export", str(folder), "-q"],
                          env=_env(), capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    tpl = folder / "briefing.html.j2"
    text = tpl.read_text(encoding="utf-8")
    tpl.write_text(text.replace("</body>", "<p>CUSTOM-TEMPLATE-MARK</p></body>"),
                   encoding="utf-8")


@pytest.mark.slow
def test_relative_template_dir_and_logo_travel_with_their_tasks(tmp_path, cluster):
    """Issue 20.2: run from the pages' folder with relative --template-dir and --logo, the
    Dask workers (whose working folder is another) render with the user's templates and
    the pack's DOCX has the logo; a local run then finds everything up to date."""
    from PIL import Image
    from pypdf import PdfReader

    _pages(tmp_path / "pages", 1)
    _custom_templates(tmp_path / "mytpl")
    Image.new("RGB", (60, 40), (200, 30, 30)).save(tmp_path / "logo.png")
    args = ["pack", "pages", "-o", "out", "--template-dir", "mytpl", "--logo", "logo.png"]
    proc = subprocess.run([str(DOCPIPE), *args, "--scheduler", cluster.scheduler_address],
                          cwd=tmp_path, env=_env(), capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    text = "".join(p.extract_text() for p in PdfReader(tmp_path / "out" / "p00.pdf").pages)
    assert "CUSTOM-TEMPLATE-MARK" in text
    import zipfile

    media = [n for n in zipfile.ZipFile(tmp_path / "out" / "pack.docx").namelist()
             if n.startswith("word/media/")]
    assert media, "the logo is missing from the pack's DOCX"
    again = subprocess.run([str(DOCPIPE), *args, "-j", "1"], cwd=tmp_path, env=_env(),
                           capture_output=True, text=True, timeout=300)
    assert again.returncode == 0 and again.stdout.startswith("up to date"), again.stdout
    convert = subprocess.run([str(DOCPIPE), "convert", "pages/p00.txt", "-o", "html", "-f",
                              "html", "--template-dir", "mytpl", "--scheduler",
                              cluster.scheduler_address], cwd=tmp_path, env=_env(),
                             capture_output=True, text=True, timeout=300)
    assert convert.returncode == 0, convert.stderr
    assert "CUSTOM-TEMPLATE-MARK" in (tmp_path / "html" / "p00.html").read_text("utf-8")


def test_a_recursion_error_on_a_worker_is_that_tasks_failure(cluster):
    """Issue 20.3: an exception with a deep traceback leaving a task never reached the
    client, which waited for ever; now it is the task's failure."""
    import threading

    from docpipe.dask_executor import DaskPool

    def deep(n: int) -> int:
        return deep(n + 1) + 1

    def task_fn(task):
        return {"value": deep(0)}

    results: list = []
    with DaskPool(cluster.scheduler_address) as pool:
        runner = threading.Thread(target=pool.run, args=(
            task_fn, ["one"], lambda task, result: results.append(result),
            lambda task, why: {"error": why}), daemon=True)
        runner.start()
        runner.join(60)
        assert not runner.is_alive(), "docpipe hangs on a RecursionError raised on a worker"
    assert len(results) == 1 and "RecursionError" in results[0]["error"], results


class _Silent:
    """A local server that is not Dask: an HTTP server, or a port that accepts and never
    answers."""

    def __init__(self, kind: str):
        import socket
        import threading

        self.knocked = threading.Event()  # set when a client connects (http)
        if kind == "http":
            from http.server import HTTPServer, SimpleHTTPRequestHandler

            knocked = self.knocked

            class Server(HTTPServer):
                def process_request(self, request, client_address):
                    knocked.set()
                    super().process_request(request, client_address)

            self.server = Server(("127.0.0.1", 0), SimpleHTTPRequestHandler)
            threading.Thread(target=self.server.serve_forever, daemon=True).start()
            self.port = self.server.server_address[1]
            self.close = self.server.shutdown
        else:
            sock = socket.socket()
            sock.bind(("127.0.0.1", 0))
            sock.listen(16)
            self.port = sock.getsockname()[1]
            self.close = sock.close


@pytest.mark.parametrize("kind", ["http", "silent"])
def test_a_scheduler_that_is_not_dask_is_one_line_within_the_timeout(tmp_path, kind):
    page = _pages(tmp_path / "in", 1)[0]
    server = _Silent(kind)
    try:
        started = time.monotonic()
        proc = subprocess.run([str(DOCPIPE), "convert", str(page), "-o", str(tmp_path / "o"),
                               "-f", "md", "--scheduler", f"tcp://127.0.0.1:{server.port}",
                               "--scheduler-timeout", "1"], env=_env(),
                              capture_output=True, text=True, timeout=60)
        took = time.monotonic() - started
    finally:
        server.close()
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr.strip().splitlines() == [
        f"docpipe: error: cannot reach the Dask scheduler at tcp://127.0.0.1:{server.port}: "
        "no Dask scheduler answered within 1 s (is it one? --scheduler-timeout waits longer)"]
    assert took < 12, took
    assert not (tmp_path / "o" / "p00.md").exists()


def test_the_scheduler_timeout_is_ten_seconds_by_default():
    from typer.main import get_command

    from docpipe.cli import app

    for name in ("convert", "pack"):
        params = {p.name: p for p in get_command(app).commands[name].params}
        assert params["scheduler_timeout"].default == 10.0


@pytest.mark.slow
def test_sigterm_while_reaching_the_scheduler_ends_at_once(tmp_path):
    page = _pages(tmp_path / "in", 1)[0]
    server = _Silent("http")
    try:
        proc = subprocess.Popen([str(DOCPIPE), "convert", str(page), "-o",
                                 str(tmp_path / "o"), "--scheduler",
                                 f"tcp://127.0.0.1:{server.port}"],
                                env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True)
        # docpipe is reaching the scheduler once it has connected (it then waits for
        # Dask's handshake, which never comes, for --scheduler-timeout: 10 s)
        assert server.knocked.wait(60), "docpipe never connected to the scheduler"
        time.sleep(0.5)
        sent = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=60)
        took = time.monotonic() - sent
    finally:
        if proc.poll() is None:
            proc.kill()
        server.close()
    assert proc.returncode == 143, stderr
    assert took < 2.5, took
    assert stderr.strip().splitlines() == ["docpipe: error: terminated by SIGTERM"], stderr


@pytest.mark.parametrize(("address", "says"), [
    ("tls://127.0.0.1:9", "tls:// needs Dask's TLS settings"),
    ("ws://127.0.0.1:9", "ws:// addresses are not supported"),
    ("ucx://127.0.0.1:9", "ucx:// addresses are not supported"),
    ("foo", "'foo' is not a Dask scheduler address"),
    ("tcp://[::1", "'tcp://[::1' is not a Dask scheduler address"),
    ("tcp://127.0.0.1:99999", "is not a Dask scheduler address"),
])
def test_an_address_docpipe_cannot_use_is_one_line_at_once(tmp_path, address, says):
    page = _pages(tmp_path / "in", 1)[0]
    started = time.monotonic()
    proc = subprocess.run([str(DOCPIPE), "convert", str(page), "-o", str(tmp_path / "o"),
                           "--scheduler", address], env=_env(), capture_output=True,
                          text=True, timeout=60)
    assert time.monotonic() - started < 8
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("docpipe: error: --scheduler: "), lines
    assert says in lines[0]
    assert not (tmp_path / "o").exists()
