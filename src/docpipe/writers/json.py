"""JSON of the article: the same shape `docpipe extract` prints."""

from __future__ import annotations

import json
from pathlib import Path

from ..model import Article
from ..outputs import write_text
from . import RenderOptions


def dumps(art: Article) -> str:
    return json.dumps(art.to_dict(), ensure_ascii=False, indent=2) + "\n"


def write(art: Article, target: Path, opts: RenderOptions) -> None:
    write_text(target, dumps(art))
