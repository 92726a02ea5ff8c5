"""Hostile inputs of issue 13, timed: each figure is wall seconds and peak RSS of one
`docpipe` process (os.wait4), on this machine, in this run.

    python benchmarks/hostile.py [--json PATH]

- `/dev/zero` as input (target: refused in under 2 s);
- a page with a 13,300² PNG (1.4 MB when real; here its header) and one with a 3 KB SVG
  of nested `<use>` (10⁹ rectangles): both left out, PDF + DOCX written;
- an 8 MB text page: refused by `--max-pages` (default 500) before layout;
- DOCX of 20,000 and 40,000 paragraphs, in-process: docpipe's paragraph adder against
  python-docx's `add_paragraph` (quadratic: it scans the body for `w:sectPr` each time),
  same run, so the ratio holds on a loaded machine.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))


def docpipe() -> str:
    exe = Path(sys.executable).with_name("docpipe")
    return str(exe) if exe.exists() else "docpipe"


def timed(args: list[str], cwd: Path) -> dict:
    """Wall s, peak RSS MB, exit code and stderr of one docpipe run."""
    start = time.monotonic()
    proc = subprocess.Popen([docpipe(), *args], cwd=cwd, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return {"s": round(time.monotonic() - start, 2), "rss_mb": round(usage.ru_maxrss / 1024),
            "rc": proc.returncode, "stderr": err.strip()[:200]}


def docx_seconds(n: int, naive: bool) -> float:
    from docpipe.model import Article, Block
    from docpipe.writers import RenderOptions
    from docpipe.writers.docx import add_article, labels_for, new_document

    art = Article(title="大文档", body=[Block(text=f"第{i}段，这是一段测试正文内容。")
                                       for i in range(n)])
    L = labels_for("hans", RenderOptions())
    doc = new_document("hans")
    start = time.perf_counter()
    if naive:
        add_article(doc, art, L, "大文档",
                    add=lambda text="", style=None: doc.add_paragraph(text, style=style))
    else:
        add_article(doc, art, L, "大文档")
    return round(time.perf_counter() - start, 2)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    from test_hostile_render import _long_text, nested_use_svg, page_with_image, png

    res: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        res["dev_zero"] = timed(["extract", "/dev/zero"], t)
        (t / "big_files").mkdir()
        (t / "big_files" / "big.png").write_bytes(png(13_300, 13_300))
        (t / "big.html").write_text(page_with_image("big_files/big.png"), encoding="utf-8")
        res["png_13300"] = timed(["convert", "big.html", "-o", "out"], t)
        (t / "svg_files").mkdir()
        (t / "svg_files" / "bomb.svg").write_text(nested_use_svg(9, 10))
        (t / "svg.html").write_text(page_with_image("svg_files/bomb.svg"), encoding="utf-8")
        res["svg_nested_use"] = timed(["convert", "svg.html", "-o", "out"], t)
        (t / "huge.txt").write_text(_long_text(3_000_000), encoding="utf-8")
        res["text_8mb"] = timed(["convert", "huge.txt", "-o", "out"], t)
        res["text_8mb"]["bytes"] = (t / "huge.txt").stat().st_size
    for n in (20_000, 40_000):
        ours, naive = docx_seconds(n, False), docx_seconds(n, True)
        res[f"docx_{n}"] = {"s": ours, "python_docx_s": naive,
                            "speedup_x": round(naive / max(ours, 1e-3), 1)}
    for name, fig in res.items():
        print(f"{name:16} " + "  ".join(f"{k}={v}" for k, v in fig.items() if k != "stderr"))
        if fig.get("stderr"):
            print(f"{'':16} {fig['stderr'][:150]}")
    if args.json:
        args.json.write_text(json.dumps(res, ensure_ascii=False, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
