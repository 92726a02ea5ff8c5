"""Before/after in one run: one briefing from the command line (the reference page ->
PDF + DOCX, --to tw), with docpipe's source from another tree and from this one,
alternately; medians of wall and CPU time and their ratio.

    git archive main | tar -x -C /tmp/base
    python benchmarks/ab.py /tmp/base [RUNS]

CPU time is the steadier figure on a shared machine; the wall time is printed too.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REF = ROOT / "samples" / "000_0e4211b785ff5086.txt"


def run(src: Path, out: str) -> tuple[float, float]:
    env = {**os.environ, "PYTHONPATH": str(src)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "docpipe.cli", "convert", str(REF), "-o", out,
                    "-f", "pdf,docx", "--to", "tw", "-q"], env=env, check=True)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> int:
    base = Path(sys.argv[1]).resolve() / "src"
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 11
    res: dict[str, list[tuple[float, float]]] = {"before": [], "after": []}
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(runs):
            res["before"].append(run(base, f"{tmp}/before"))
            res["after"].append(run(ROOT / "src", f"{tmp}/after"))
    med = {k: (statistics.median(w for w, _ in v), statistics.median(c for _, c in v))
           for k, v in res.items()}
    for k, (wall, cpu) in med.items():
        print(f"{k:6}  wall {wall:.3f} s  cpu {cpu:.3f} s")
    print(f"after/before  wall {med['after'][0] / med['before'][0]:.3f}  "
          f"cpu {med['after'][1] / med['before'][1]:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
