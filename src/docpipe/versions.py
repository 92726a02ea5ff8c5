"""Tested version ranges of the libraries docpipe leans on, read from its own metadata.

pyproject.toml pins WeasyPrint, pydyf, python-docx, jieba and uharfbuzz to the ranges the
test suite ran with; pip honours them, but an environment can still end up outside (a
forced install, a distribution package). `docpipe doctor` names such a library.
"""

from __future__ import annotations

import re
from importlib import metadata

#: distributions whose range `doctor` checks (their output or API shapes docpipe's)
PINNED = ("weasyprint", "pydyf", "python-docx", "jieba", "uharfbuzz", "pikepdf")

_REQ = re.compile(r"^\s*([A-Za-z0-9_.-]+)\s*([^;]*)")
_CLAUSE = re.compile(r"^\s*(>=|<=|==|!=|<|>|~=)\s*([0-9][0-9A-Za-z.*]*)\s*$")


def _release(version: str) -> tuple[int, ...]:
    """(70, 0) for "70.0", (0, 42, 1) for "0.42.1"; pre/post/dev suffixes are ignored."""
    parts = []
    for piece in version.split("."):
        m = re.match(r"\d+", piece)
        if not m:
            break
        parts.append(int(m[0]))
    return tuple(parts)


def _cmp(a: tuple[int, ...], b: tuple[int, ...]) -> int:
    n = max(len(a), len(b))
    a, b = a + (0,) * (n - len(a)), b + (0,) * (n - len(b))
    return (a > b) - (a < b)


def in_range(version: str, spec: str) -> bool:
    """True when `version` satisfies every comma-separated clause of `spec` (">=70,<71")."""
    have = _release(version)
    for clause in filter(None, (c.strip() for c in spec.split(","))):
        m = _CLAUSE.match(clause)
        if not m:
            continue  # a form docpipe does not write: not judged
        op, want = m[1], _release(m[2])
        c = _cmp(have, want)
        ok = {">=": c >= 0, "<=": c <= 0, ">": c > 0, "<": c < 0, "==": c == 0,
              "!=": c != 0, "~=": c >= 0 and have[:len(want) - 1] == want[:len(want) - 1]}[op]
        if not ok:
            return False
    return True


def tested_ranges(requirements: list[str] | None = None) -> dict[str, str]:
    """Distribution name -> version range, for the PINNED ones among docpipe's requirements."""
    if requirements is None:
        try:
            requirements = metadata.requires("docpipe") or []
        except metadata.PackageNotFoundError:
            return {}
    ranges = {}
    for req in requirements:
        m = _REQ.match(req)
        if m and ";" not in req and m[1].lower().replace("_", "-") in PINNED:
            ranges[m[1].lower().replace("_", "-")] = m[2].strip()
    return ranges


def outside_tested(ranges: dict[str, str], installed: dict[str, str | None]) -> list[str]:
    """One line per pinned library that is missing or installed outside its tested range."""
    lines = []
    for name, spec in ranges.items():
        version = installed.get(name)
        if version is None:
            lines.append(f"{name} is not installed (tested: {spec})")
        elif not in_range(version, spec):
            lines.append(f"{name} {version} is outside the tested range {spec}")
    return lines


def installed_versions(names) -> dict[str, str | None]:
    found: dict[str, str | None] = {}
    for name in names:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = None
    return found
