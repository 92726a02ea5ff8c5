"""Speed and size of docpipe, measured side by side with the naive path, in one run.

    python benchmarks/bench.py [--pages N] [--runs N] [--skip-naive] [--json PATH]

Measures, on this machine and in this run (the machine may be shared and noisy: every
time is a median of several runs, and every ratio compares figures of the same run):

- CLI start: `docpipe --help`, wall time;
- one briefing end to end from the command line: the reference page -> PDF + DOCX, --to tw;
- one briefing warm, in-process (parse, summary, conversion, PDF, DOCX), and its stages;
- a pack of N (100) pages, `docpipe pack -j 2`, against the naive path on the same pages:
  one `docpipe convert` process per page, one after another; the pack's peak memory (RSS
  of the pack process and all its workers together, polled from /proc);
- the size of the reference page's PDF and of the pack PDF, and their embedded fonts;
- `convert -j 2` against `convert -j 1` on 20 of the pages (render workers);
- the same pack on a local Dask cluster of 2 single-thread worker processes
  (`--scheduler`), its wall time (when `distributed` is installed);
- with --big: a pack of 1,000 pages, its peak RSS and its time as a multiple of the
  100-page pack's.

Prints one table (target beside each figure, ratio to the naive path) and writes every
figure, with the raw samples, to benchmarks/results.json.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REF = ROOT / "samples" / "000_0e4211b785ff5086.txt"
RESULTS = Path(__file__).resolve().parent / "results.json"

TARGETS = {  # name -> (limit, unit); every target is an upper bound, but the pack ratio
    "cli_help_s": (0.2, "s"),
    "cli_convert_help_s": (0.3, "s"),  # builds the options: Typer imports pydantic
    "briefing_cli_s": (1.0, "s"),
    "briefing_warm_s": (0.35, "s"),
    "pack_s": (10.0, "s"),
    "pack_speedup_x": (7.0, "x"),  # a lower bound
    "pack_peak_rss_mb": (400.0, "MB"),
    "ref_pdf_kb": (170.0, "KB"),
    "pack_pdf_mb": (6.0, "MB"),  # per 100 pages
    "pack_readback_x": (0.05, "x"),  # reading the pack back: its share of the pack's time
    "keywords_over_cut_x": (2.0, "x"),  # keywords vs jieba's segmentation of the same text
    "convert_j2_speedup_x": (1.8, "x"),  # a lower bound
    "dask_pack_s": (None, "s"),  # reported, no target
    "pack_big_peak_rss_mb": (450.0, "MB"),
    "pack_big_time_x": (11.0, "x"),  # an upper bound: 1,000 pages vs 100
}


def docpipe_cmd() -> list[str]:
    exe = Path(sys.executable).with_name("docpipe")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "docpipe.cli"]


def _children_cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


CPU: dict[str, list[float]] = {}  # figure -> CPU seconds (user + sys) of each run


def run_timed(cmd: list[str], figure: str = "") -> float:
    """Wall seconds of one run; its CPU seconds (all its processes) go to CPU[figure]."""
    cpu = _children_cpu()
    t = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wall = time.perf_counter() - t
    CPU.setdefault(figure, []).append(_children_cpu() - cpu)
    return wall


# --- peak memory of a process tree, from /proc -------------------------------------------

def _tree(root: int) -> list[int]:
    """`root` and all its descendants, from /proc."""
    parents: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as f:
                stat = f.read()
            parents[int(entry.name)] = int(stat[stat.rindex(b")") + 2:].split()[1])
        except (OSError, ValueError, IndexError):
            continue
    tree, frontier = [root], [root]
    while frontier:
        parent = frontier.pop()
        for pid, ppid in parents.items():
            if ppid == parent and pid not in tree:
                tree.append(pid)
                frontier.append(pid)
    return tree


def _memory_kb(pid: int) -> tuple[int, int]:
    """(RSS, PSS) of one process in KB; PSS splits shared pages among their users."""
    rss = pss = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Rss:"):
                    rss = int(line.split()[1])
                elif line.startswith("Pss:"):
                    pss = int(line.split()[1])
    except OSError:
        pass
    return rss, pss


def run_with_peak(cmd: list[str], figure: str = "", interval: float = 0.05
                  ) -> tuple[float, float, float, list[tuple[float, str]]]:
    """(wall s, peak RSS MB, peak PSS MB, its stderr lines with their time) of one run;
    RSS and PSS are of the whole process tree (the command and all its workers)."""
    peak_rss = peak_pss = 0
    cpu = _children_cpu()
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    stop = threading.Event()

    def poll() -> None:
        nonlocal peak_rss, peak_pss
        while not stop.is_set():
            mems = [_memory_kb(pid) for pid in _tree(proc.pid)]
            peak_rss = max(peak_rss, sum(m[0] for m in mems))
            peak_pss = max(peak_pss, sum(m[1] for m in mems))
            stop.wait(interval)

    poller = threading.Thread(target=poll, daemon=True)
    poller.start()
    lines = [(time.perf_counter() - t, line.rstrip()) for line in proc.stderr]
    proc.wait()
    wall = time.perf_counter() - t
    CPU.setdefault(figure, []).append(_children_cpu() - cpu)
    stop.set()
    poller.join()
    if proc.returncode:
        tail = "\n".join(line for _, line in lines[-10:])
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}): {tail}")
    return wall, peak_rss / 1024, peak_pss / 1024, lines


# --- the pages of the pack: the reference page, varied ------------------------------------

def make_pages(folder: Path, n: int) -> list[Path]:
    """`n` distinct pages: the reference page with its own title, date and one paragraph
    of the page's sentences reshuffled (so each page's text and glyphs differ a little)."""
    text = REF.read_text(encoding="utf-8")
    lines = text.split("\n")
    title = "小而美,大作为 ——加快构建志愿服务国际合作交流新格局"
    sentences = [s for s in re.findall(r"[^。]+。", text) if 20 <= len(s) <= 80]
    anchor = next(i for i, line in enumerate(lines) if line.startswith("志愿服务是一个国家"))
    pages = []
    for i in range(n):
        rng = random.Random(i)
        day = time.strftime("%Y/%-m/%-d", time.gmtime(1735689600 + 86400 * i))  # from 2025/1/1
        extra = "".join(rng.sample(sentences, 3))
        varied = [line.replace(title, f"{title}（第{i + 1}期）").replace("2025/3/6", day)
                  for line in lines]
        varied[anchor:anchor] = [extra, ""]
        page = folder / f"page_{i + 1:03d}.txt"
        page.write_text("\n".join(varied), encoding="utf-8")
        pages.append(page)
    return pages


# --- measurements ---------------------------------------------------------------------------

def pdf_fonts(pdf: Path) -> list[str]:
    if not shutil.which("pdffonts"):
        return []
    out = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True).stdout
    return [line.split()[0] for line in out.splitlines()[2:] if line.strip()]


def warm_inprocess(runs: int, out: Path) -> dict:
    """One briefing in this process, after a first (cold) one: medians of each stage."""
    sys.path.insert(0, str(ROOT / "src"))
    from docpipe.pipeline import Settings, load, render

    settings = Settings(variant="tw", out_dir=out, formats=("pdf", "docx"))
    pdf_only = dataclasses.replace(settings, formats=("pdf",))
    docx_only = dataclasses.replace(settings, formats=("docx",))
    # The same PDF without structure tags (WeasyPrint's pdf_tags): what tagging costs.
    untagged = dataclasses.replace(pdf_only, render=dataclasses.replace(settings.render,
                                                                        pdf_tags=False))
    t = time.perf_counter()
    render(load(str(REF), settings), "warm", settings)
    cold = time.perf_counter() - t
    totals, loads, pdfs, docxs, cpus, plain = [], [], [], [], [], []
    for _ in range(runs):
        c0 = time.process_time()
        t0 = time.perf_counter()
        art = load(str(REF), settings)
        t1 = time.perf_counter()
        render(art, "warm", pdf_only)
        t2 = time.perf_counter()
        render(art, "warm", docx_only)
        t3 = time.perf_counter()
        cpus.append(time.process_time() - c0)
        render(art, "untagged", untagged)
        plain.append(time.perf_counter() - t3)
        totals.append(t3 - t0)
        loads.append(t1 - t0)
        pdfs.append(t2 - t1)
        docxs.append(t3 - t2)
    med = statistics.median
    from docpipe.transforms.keywords import _model, keywords

    text = art.kept_text()
    tokenizer = _model()[0]
    ours, cut = [], []
    for _ in range(7):  # terms, classes and scoring cost less than segmenting again
        t = time.perf_counter()
        keywords(text)
        ours.append(time.perf_counter() - t)
        t = time.perf_counter()
        list(tokenizer.cut(text))
        cut.append(time.perf_counter() - t)
    return {"keywords_over_cut_x": min(ours) / min(cut),
            "cold_first_s": cold, "total_s": med(totals), "parse_transform_s": med(loads),
            "pdf_s": med(pdfs), "docx_s": med(docxs), "samples_s": totals, "cpu_s": med(cpus),
            "pdf_untagged_s": med(plain), "pdf_tags_cost_x": med(pdfs) / med(plain),
            "pdf_kb": (out / "warm.pdf").stat().st_size / 1000,
            "pdf_untagged_kb": (out / "untagged.pdf").stat().st_size / 1000}


PROFILE = [  # label, file suffix, function: cumulative times in one profiled CLI briefing
    ("whole command, in the interpreter", "bench-profile", "<module>"),
    ("import docpipe.cli (Typer, Rich)", "docpipe/cli.py", "<module>"),
    ("Typer parameter coercion (imports pydantic)", "typer/_coercion.py", "build_runtime_param"),
    ("read + parse + summary + keywords + OpenCC", "docpipe/pipeline.py", "load"),
    ("  of which keywords: jieba + dictionary load", "docpipe/transforms/keywords.py", "_model"),
    ("  of which OpenCC converter set-up", "docpipe/transforms/chinese.py", "converter"),
    ("PDF, first of the process", "docpipe/writers/pdf/briefing.py", "write"),
    ("  of which import weasyprint", "weasyprint/__init__.py", "<module>"),
    ("    of which cffi parsing WeasyPrint's C declarations", "cffi/api.py", "cdef"),
    ("  of which font configuration (fontconfig)", "docpipe/writers/pdf/briefing.py", "font_config"),
    ("DOCX (incl. import python-docx)", "docpipe/writers/docx.py", "write"),
]


def profile_briefing(cmd_out: Path) -> list[tuple[str, float]]:
    """cProfile of one CLI briefing (PDF + DOCX, --to tw), grouped as in PROFILE."""
    import pstats

    stats_file = cmd_out / "briefing.prof"
    script = cmd_out / "bench-profile.py"
    script.write_text(
        "import sys\n"
        f"sys.argv = ['docpipe', 'convert', {str(REF)!r}, '-o', {str(cmd_out)!r}, "
        "'-f', 'pdf,docx', '--to', 'tw', '-q']\n"
        "import docpipe.cli\n"
        "try:\n    docpipe.cli.main()\nexcept SystemExit:\n    pass\n", encoding="utf-8")
    subprocess.run([sys.executable, "-m", "cProfile", "-o", str(stats_file), str(script)],
                   check=True, stdout=subprocess.DEVNULL)
    stats = pstats.Stats(str(stats_file)).stats  # type: ignore[attr-defined]
    rows = []
    for label, suffix, func in PROFILE:
        total = sum(v[3] for (file, _, name), v in stats.items()
                    if file.endswith(suffix if suffix != "bench-profile" else "bench-profile.py")
                    and name == func)
        rows.append((label, total))
    return rows


def readback_cost(folder: Path, name: str) -> dict:
    """What reading a pack back costs (src/docpipe/verify.py), measured here on its files
    as the pack does it: CPU seconds to read the pack's PDF and compare its pages, and to
    read each page's PDF and DOCX (done in the render workers as each page is made)."""
    from collections import Counter

    sys.path.insert(0, str(ROOT / "src"))
    from docpipe import verify

    def cpu() -> float:  # this process and the pdftotext processes it ran
        own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(
            resource.RUSAGE_CHILDREN)
        return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime

    pdf = (folder / f"{name}.pdf").read_bytes()
    w0 = time.perf_counter()
    n = len(verify.pdf_texts(pdf))
    w1 = time.perf_counter()
    pack = [verify.chars(t) for t in verify.pdf_texts(pdf, pages=n, ways=2)]  # as the pack
    w2 = time.perf_counter()
    c1 = cpu()
    pages = [verify.chars(t) for p in sorted(folder.glob("page_*.pdf"))
             for t in verify.pdf_texts(p)]
    c2 = cpu()
    for docx in sorted(folder.glob("page_*.docx")):
        verify.chars(verify.docx_text(docx.read_bytes()))
    c3 = cpu()
    assert sum(pages, Counter()) and pack and w1 > w0
    return {"pack_pdf_wall_s": w2 - w1, "page_pdfs_cpu_s": c2 - c1, "page_docx_cpu_s": c3 - c2,
            "extractor": verify.extractor()}


def dask_pack(cmd: list[str], pages_dir: Path, out: Path, workers: int) -> float | None:
    """Wall time of the pack on a local Dask cluster of `workers` single-thread worker
    processes (None without `distributed`)."""
    try:
        from distributed import LocalCluster
    except ImportError:
        return None
    import logging

    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                      dashboard_address=":0", silence_logs=logging.ERROR) as cluster:
        return run_timed([*cmd, "pack", str(pages_dir), "-o", str(out), "--name", "bench",
                          "--to", "tw", "--scheduler", cluster.scheduler_address], "dask_pack_s")


def pack_available(cmd: list[str]) -> bool:
    r = subprocess.run([*cmd, "pack", "--help"], capture_output=True)
    return r.returncode == 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pages", type=int, default=100, help="pages in the pack (100)")
    ap.add_argument("--runs", type=int, default=7, help="runs per median (7)")
    ap.add_argument("--jobs", type=int, default=2, help="pack workers (2)")
    ap.add_argument("--skip-naive", action="store_true", help="do not run the per-page loop")
    ap.add_argument("--pack-runs", type=int, default=3,
                    help="runs of the pack, its median taken (3); peak memory: the highest")
    ap.add_argument("--json", type=Path, default=RESULTS, help="results file")
    ap.add_argument("--big", type=int, default=0, metavar="N",
                    help="also a pack of N pages (1000), its peak RSS and time ratio")
    ap.add_argument("--baseline", type=Path, default=None,
                    help="another docpipe command (e.g. an older checkout's .venv/bin/docpipe):"
                    " its CLI briefing is timed in the same run, interleaved, for a ratio")
    ap.add_argument("--cli-only", action="store_true",
                    help="stop after the command-line figures (start, one briefing)")
    ap.add_argument("--profile", action="store_true",
                    help="also print a cProfile breakdown of one CLI briefing")
    args = ap.parse_args()

    cmd = docpipe_cmd()
    load_before = os.getloadavg()
    res: dict = {"figures": {}, "naive": {}, "detail": {}}
    fig, naive, detail = res["figures"], res["naive"], res["detail"]
    tmp = Path(tempfile.mkdtemp(prefix="docpipe-bench-"))
    try:
        # Warm the OS file cache and docpipe's keyword cache once, outside every figure.
        subprocess.run([*cmd, "convert", str(REF), "-o", str(tmp / "w"), "-q"], check=True)

        help_s = [run_timed([*cmd, "--help"], "cli_help_s") for _ in range(args.runs)]
        fig["cli_help_s"] = statistics.median(help_s)
        detail["cli_help_samples_s"] = help_s
        sub_help = [run_timed([*cmd, "convert", "--help"], "cli_convert_help_s")
                    for _ in range(args.runs)]
        fig["cli_convert_help_s"] = statistics.median(sub_help)
        detail["cli_convert_help_samples_s"] = sub_help

        one = tmp / "one"
        conv = [*cmd, "convert", str(REF), "-o", str(one), "-f", "pdf,docx", "--to", "tw", "-q"]
        base = ([str(args.baseline), "convert", str(REF), "-o", str(tmp / "base"), "-f",
                 "pdf,docx", "--to", "tw", "-q"] if args.baseline else None)
        e2e, before = [], []
        for _ in range(max(3, args.runs - 2)):  # interleaved: the same machine load for both
            e2e.append(run_timed(conv, "briefing_cli_s"))
            if base:
                before.append(run_timed(base, "briefing_cli_baseline_s"))
        fig["briefing_cli_s"] = statistics.median(e2e)
        detail["briefing_cli_samples_s"] = e2e
        if base:
            detail["briefing_cli_baseline"] = str(args.baseline)
            detail["briefing_cli_baseline_samples_s"] = before
            detail["briefing_cli_vs_baseline_x"] = fig["briefing_cli_s"] / statistics.median(
                before)
        ref_pdf = one / f"{REF.stem}.pdf"
        fig["ref_pdf_kb"] = ref_pdf.stat().st_size / 1000
        detail["ref_pdf_fonts"] = pdf_fonts(ref_pdf)
        detail["ref_docx_kb"] = (one / f"{REF.stem}.docx").stat().st_size / 1000

        if args.cli_only:
            print(json.dumps({k: v for k, v in {**fig, **detail}.items()
                              if k.startswith("cli") or k.startswith("briefing_cli")},
                             indent=1))
            return 0
        if args.profile:
            (tmp / "prof").mkdir()
            detail["briefing_cli_profile_s"] = dict(profile_briefing(tmp / "prof"))

        warm = warm_inprocess(args.runs, tmp / "warm")
        fig["briefing_warm_s"] = warm["total_s"]
        fig["keywords_over_cut_x"] = warm["keywords_over_cut_x"]
        detail["briefing_warm"] = warm

        pages_dir = tmp / "pages"
        pages_dir.mkdir()
        pages = make_pages(pages_dir, args.pages)
        detail["pack_pages"] = len(pages)
        if pack_available(cmd):
            pack_out = tmp / "pack"
            runs = []  # each from scratch (--force); the median run's figures are kept
            for _ in range(max(1, args.pack_runs)):
                runs.append(run_with_peak(
                    [*cmd, "pack", str(pages_dir), "-o", str(pack_out), "--name", "bench",
                     "-j", str(args.jobs), "--to", "tw", "--force"], "pack_s"))
            detail["pack_samples_s"] = [r[0] for r in runs]
            wall, _, _, lines = sorted(runs, key=lambda r: r[0])[len(runs) // 2]
            peak, pss = max(r[1] for r in runs), max(r[2] for r in runs)
            fig["pack_s"] = wall
            fig["pack_peak_rss_mb"] = peak
            detail["pack_peak_pss_mb"] = pss
            pages_done = [t for t, line in lines if line.startswith("assembling the pack")]
            if pages_done:  # the pack's progress lines: pages phase, then the pack itself
                detail["pack_phases_s"] = {"pages": pages_done[0], "pack": wall - pages_done[0]}
            pack_pdf = pack_out / "bench.pdf"
            fig["pack_pdf_mb"] = pack_pdf.stat().st_size / 1e6
            detail["pack_pdf_fonts"] = pdf_fonts(pack_pdf)
            detail["pack_page_pdfs"] = len(list(pack_out.glob("page_*.pdf")))
            rb = detail["pack_readback"] = readback_cost(pack_out, "bench")
            # The pack reads its own PDF back in its last step; the pages' PDFs and DOCX
            # are read by the render workers (-j of them at once) as each page is made.
            spent = rb["pack_pdf_wall_s"] + (rb["page_pdfs_cpu_s"] + rb["page_docx_cpu_s"]) \
                / max(1, args.jobs)
            fig["pack_readback_x"] = spent / wall
        else:
            for key in ("pack_s", "pack_peak_rss_mb", "pack_pdf_mb"):
                fig[key] = None
            detail["pack"] = "docpipe pack is not available: n/a"

        conv_pages = [str(p) for p in pages[:20]]
        for jobs in ("1", "2"):
            detail[f"convert_j{jobs}_s"] = run_timed(
                [*cmd, "convert", *conv_pages, "-o", str(tmp / f"conv{jobs}"), "-f", "pdf,docx",
                 "--to", "tw", "-q", "-j", jobs], f"convert_j{jobs}_s")
        fig["convert_j2_speedup_x"] = detail["convert_j1_s"] / detail["convert_j2_s"]
        detail["convert_pages"] = len(conv_pages)

        fig["dask_pack_s"] = dask_pack(cmd, pages_dir, tmp / "dask", args.jobs)

        if args.big and pack_available(cmd):
            big_dir = tmp / "big"
            big_dir.mkdir()
            make_pages(big_dir, args.big)
            wall, peak, _, _ = run_with_peak(
                [*cmd, "pack", str(big_dir), "-o", str(tmp / "bigout"), "--name", "bench",
                 "-j", str(args.jobs), "--to", "tw"], "pack_big_s")
            fig["pack_big_peak_rss_mb"] = peak
            fig["pack_big_time_x"] = wall / fig["pack_s"] if fig.get("pack_s") else None
            detail["pack_big"] = {"pages": args.big, "wall_s": wall}

        if not args.skip_naive:
            naive_out = tmp / "naive"
            times, peaks = [], []
            for page in pages:
                wall, peak, _, _ = run_with_peak([*cmd, "convert", str(page), "-o",
                                                  str(naive_out), "-f", "pdf,docx", "--to", "tw",
                                                  "-q"], "naive")
                times.append(wall)
                peaks.append(peak)
            naive["pack_s"] = sum(times)
            naive["pack_cpu_s"] = sum(CPU["naive"])
            naive["per_page_median_s"] = statistics.median(times)
            naive["pack_peak_rss_mb"] = max(peaks)
            sizes = sorted(p.stat().st_size for p in naive_out.glob("*.pdf"))
            naive["pack_pdf_mb"] = sum(sizes) / 1e6  # the pages' PDFs, side by side
            if fig.get("pack_s"):
                fig["pack_speedup_x"] = naive["pack_s"] / fig["pack_s"]
            else:
                fig["pack_speedup_x"] = None
        else:
            fig["pack_speedup_x"] = None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    res["machine"] = {
        "cpus": os.cpu_count(),
        "load_avg_before": load_before,
        "load_avg_after": os.getloadavg(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "when_utc": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime()),
    }
    res["targets"] = {k: {"limit": v[0], "unit": v[1]} for k, v in TARGETS.items()}
    res["cpu_s"] = {k: statistics.median(v) for k, v in CPU.items() if k != "naive"}
    if "briefing_warm" in detail:
        res["cpu_s"]["briefing_warm_s"] = detail["briefing_warm"]["cpu_s"]
    if "pack_cpu_s" in naive:
        res["cpu_s"]["naive_pack_s"] = naive["pack_cpu_s"]
    print_table(res)
    args.json.write_text(json.dumps(res, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"\nwritten: {args.json}")
    return 0


ROWS = [  # key, label, format, naive key
    ("cli_help_s", "CLI start: docpipe --help", "{:.2f} s", None),
    ("cli_convert_help_s", "CLI start: docpipe convert --help", "{:.2f} s", None),
    ("briefing_cli_s", "1 briefing, CLI, PDF+DOCX --to tw", "{:.2f} s", None),
    ("briefing_warm_s", "1 briefing, warm, in-process", "{:.3f} s", None),
    ("keywords_over_cut_x", "  keywords vs segmenting alone", "{:.2f}", None),
    ("pack_s", "pack of {n} pages, -j 2", "{:.1f} s", "pack_s"),
    ("pack_speedup_x", "  speed-up over the naive loop", "{:.1f}x", None),
    ("pack_peak_rss_mb", "  peak RSS (all processes)", "{:.0f} MB", "pack_peak_rss_mb"),
    ("ref_pdf_kb", "reference page PDF", "{:.0f} KB", None),
    ("pack_pdf_mb", "pack PDF ({n} pages)", "{:.2f} MB", "pack_pdf_mb"),
    ("pack_readback_x", "  reading it back: share of its time", "{:.3f}", None),
    ("convert_j2_speedup_x", "convert -j 2 vs -j 1 (20 pages)", "{:.2f}x", None),
    ("dask_pack_s", "pack of {n} pages, Dask 2 workers", "{:.1f} s", None),
    ("pack_big_peak_rss_mb", "pack of --big pages: peak RSS", "{:.0f} MB", None),
    ("pack_big_time_x", "  its time / the {n}-page pack's", "{:.1f}x", None),
]


def print_table(res: dict) -> None:
    fig, naive = res["figures"], res["naive"]
    n = res["detail"].get("pack_pages", 0)
    cpu = res.get("cpu_s", {})
    head = (f"{'measure':<36} {'docpipe':>10} {'(cpu)':>8} {'target':>9} {'':>4} "
            f"{'naive':>10} {'ratio':>7}")
    print(head)
    print("-" * len(head))
    for key, label, fmt, naive_key in ROWS:
        value = fig.get(key)
        limit, unit = TARGETS[key]
        lower = unit == "x" and key not in ("pack_big_time_x", "pack_readback_x",
                                                 "keywords_over_cut_x")  # at least
        target = "" if limit is None else (f">= {limit:g}x" if lower else f"<= {limit:g}")
        shown = fmt.format(value) if value is not None else "n/a"
        if value is None or limit is None:
            verdict = ""
        elif lower:
            verdict = "ok" if value >= limit else "MISS"
        else:
            verdict = "ok" if value <= limit else "MISS"
        nv = naive.get(naive_key) if naive_key else None
        naive_shown = fmt.format(nv) if nv is not None else ""
        ratio = f"{nv / value:.1f}x" if nv and value else ""
        cpu_shown = f"{cpu[key]:.2f}" if key in cpu else ""
        print(f"{label.format(n=n):<36} {shown:>10} {cpu_shown:>8} {target:>9} {verdict:>4} "
              f"{naive_shown:>10} {ratio:>7}")
    d = res["detail"]
    w = d.get("briefing_warm", {})
    if w:
        print(f"\nwarm briefing stages (median): parse+summary+keywords+conversion "
              f"{w['parse_transform_s']:.3f} s, PDF {w['pdf_s']:.3f} s, DOCX {w['docx_s']:.3f} s;"
              f" first (cold) in-process {w['cold_first_s']:.2f} s")
    if naive:
        print(f"naive path: one `docpipe convert` per page, one after another "
              f"({naive['per_page_median_s']:.2f} s per page median); its 'pack PDF' is "
              f"the {n} page PDFs side by side")
        if cpu.get("pack_s") and naive.get("pack_cpu_s"):
            print(f"pack vs naive in CPU seconds: {cpu['pack_s']:.1f} vs {naive['pack_cpu_s']:.1f}"
                  f" ({naive['pack_cpu_s'] / cpu['pack_s']:.1f}x less work)")
    if "pack_readback" in d:
        rb = d["pack_readback"]
        print(f"reading back ({rb['extractor']}): the pack's PDF {rb['pack_pdf_wall_s']:.2f} s "
              f"(two processes), its pages' PDFs {rb['page_pdfs_cpu_s']:.2f} s CPU and DOCX "
              f"{rb['page_docx_cpu_s']:.2f} s (in the render workers, as each page is made)")
    if "pack_phases_s" in d:
        ph = d["pack_phases_s"]
        print(f"pack phases: until 'assembling the pack' (start, parse, each page's PDF + DOCX, -j 2) "
              f"{ph['pages']:.1f} s, then the pack's PDF (front matter + assembly) beside its DOCX "
              f"{ph['pack']:.1f} s; peak PSS "
              f"{d['pack_peak_pss_mb']:.0f} MB (RSS with shared pages split)")
    fonts = d.get("ref_pdf_fonts")
    if fonts:
        print(f"fonts: reference PDF {len(fonts)} ({', '.join(fonts)}); "
              f"pack PDF {len(d.get('pack_pdf_fonts', []))}")
    print("(cpu): median CPU seconds (user + sys, all processes) of the same runs: less "
          "sensitive than wall time to a busy machine")
    prof = d.get("briefing_cli_profile_s")
    if prof:
        print("\none CLI briefing under cProfile (cumulative s; profiling adds overhead):")
        for label, seconds in prof.items():
            print(f"  {label:<58} {seconds:6.3f}")
    m = res["machine"]
    print(f"machine: {m['cpus']} CPUs, load average (1 min) {m['load_avg_before'][0]:.2f} "
          f"before the run, {m['load_avg_after'][0]:.2f} after; Python {m['python']}")


if __name__ == "__main__":
    sys.exit(main())
