"""The user's phrase fixes, applied after OpenCC (`--phrases FILE`, `phrases` in the config).

OpenCC's phrase tables are right for most text and wrong for some: `s2twp` turns the
窗口 of `走向更廣闊世界的窗口` into 視窗 (a computer window). Only the user knows which
phrase they mean, so docpipe takes their table and applies it to every text field after
the conversion, and `--explain` lists each fix with its count: nothing changes silently.

The table is TOML (a file, or a table in docpipe.toml): `"converted" = "wanted"` pairs
apply to every script; a sub-table named after a script (`[twp]`, `[hk]` …) only to it.

    "世界的視窗" = "世界的窗口"
    [hk]
    "資訊" = "信息"
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from pathlib import Path
from typing import Any

from ..errors import UsageError
from ..model import TEXT_FIELDS, Article, Dropped

#: (script or "" for every script, converted text, wanted text)
Fix = tuple[str, str, str]


def load(value: str | os.PathLike[str] | dict[str, Any] | None,
         scripts: tuple[str, ...]) -> tuple[Fix, ...]:
    """The table from a TOML file or a mapping, checked: a UsageError names what is wrong."""
    if value is None or value == "":
        return ()
    where = "phrases"
    if isinstance(value, dict):
        doc = value
    else:
        path = Path(os.fspath(value))
        where = str(path)
        try:
            doc = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"cannot read phrase table: {getattr(exc, 'strerror', None) or exc}",
                             where) from None
        except tomllib.TOMLDecodeError as exc:
            raise UsageError(f"phrase table is not TOML: {exc}", where) from None
    fixes: list[Fix] = []
    for key, wanted in doc.items():
        if isinstance(wanted, dict):
            if key not in scripts:
                raise UsageError(f"phrase table: [{key}] is not a script (one of "
                                 f"{', '.join(scripts)})", where)
            fixes += [(key, k, v) for k, v in _pairs(wanted, where, key)]
        else:
            fixes += [("", k, v) for k, v in _pairs({key: wanted}, where, "")]
    # Longer phrases first, so 世界的視窗 is fixed before a shorter 視窗 could be.
    return tuple(sorted(fixes, key=lambda f: -len(f[1])))


def _pairs(table: dict[str, Any], where: str, script: str) -> list[tuple[str, str]]:
    out = []
    for k, v in table.items():
        if not isinstance(v, str) or not k:
            raise UsageError(f"phrase table{f' [{script}]' if script else ''}: {k!r} must "
                             "map to a string", where)
        out.append((k, v))
    return out


def apply(art: Article, fixes: tuple[Fix, ...]) -> Article:
    """`art` with the fixes for its script applied to every text field; each fix that
    changed something is logged (`--explain`) with its count."""
    mine = [(k, v) for script, k, v in fixes if script in ("", art.variant)]
    if not mine:
        return art
    counts: dict[tuple[str, str], int] = {}

    def fix(text: str) -> str:
        for k, v in mine:
            if k in text:
                counts[(k, v)] = counts.get((k, v), 0) + text.count(k)
                text = text.replace(k, v)
        return text

    body = [dataclasses.replace(b, text=fix(b.text), lead_in=fix(b.lead_in),
                                caption=fix(b.caption)) for b in art.body]
    body = [b if b.text.startswith(b.lead_in) else dataclasses.replace(b, lead_in="")
            for b in body]
    out = dataclasses.replace(
        art, **{name: fix(getattr(art, name)) for name in TEXT_FIELDS},
        keywords=[fix(k) for k in art.keywords], body=body,
        dropped=[Dropped(d.line, fix(d.text), d.rule) for d in art.dropped])
    lines = [f"phrases: {k} → {v} ×{n} (your phrase table)" for (k, v), n in counts.items()]
    return dataclasses.replace(out, log=[*out.log, *(lines or ["phrases: no phrase of your "
                                                               "table in this page"])])
