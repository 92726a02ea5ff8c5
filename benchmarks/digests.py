"""Digests of every output docpipe makes of the samples and the corpora: run it before and
after a change that must not change behaviour (a restructuring), and compare.

    python benchmarks/digests.py > before.txt       # on the old tree
    python benchmarks/digests.py > after.txt        # on the new one
    diff before.txt after.txt                        # nothing: byte-identical

Each page of samples/ and of ../shared/corpus/{dev,dev2,dev3} (when present; saved HTML
and copied text) is converted to every format, in its own script and --to tw; the samples
are also packed (with their pages). One line per output: its path relative to the
output folder and the sha256 of its bytes. Runs docpipe through its Python API, with
the source tree of this checkout (or PYTHONPATH's)."""

from __future__ import annotations

import hashlib
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def pages() -> list[Path]:
    """The pages, relative to the checkout (outputs name their input: the same names in
    any checkout)."""
    found = sorted(p for p in Path("samples").iterdir()
                   if p.is_file() and p.suffix in (".txt", ".html", ".htm", ".mhtml"))
    for name in ("dev", "dev2", "dev3"):
        folder = Path("..") / "shared" / "corpus" / name
        if folder.is_dir():
            found += sorted(p for p in folder.iterdir() if p.suffix in (".txt", ".html"))
    return found


def main() -> int:
    if not os.environ.get("PYTHONPATH"):
        sys.path.insert(0, str(ROOT / "src"))
    os.environ.setdefault("SOURCE_DATE_EPOCH", "1735689600")
    os.chdir(ROOT)
    import docpipe

    with tempfile.TemporaryDirectory(prefix="docpipe-digests-") as tmp:
        out = Path(tmp)
        for i, page in enumerate(pages()):
            for to in (None, "tw"):
                folder = out / (to or "own") / f"{i:03d}"
                docpipe.convert([str(page)], folder, formats="all", to=to)
        docpipe.pack(["samples"], out / "pack", name="samples", jobs=2)
        for path in sorted(p for p in out.rglob("*") if p.is_file()
                           and not p.name.startswith(".")):  # (the pack's cache)
            rel = path.relative_to(out)
            print(f"{hashlib.sha256(path.read_bytes()).hexdigest()}  {rel}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
