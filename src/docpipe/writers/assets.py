"""Local images of HTML and Markdown outputs travel with them: OUT/<name>_files/.

A saved page's images sit in its own folder (page_files/…). The PDF and DOCX embed
them; an HTML or Markdown file only points at them, so they are copied next to the
output and the links rewritten. Only files inside the page's own folder are copied,
as the other writers read only those.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from ..model import Article
from ..outputs import write_bytes


def local_image(art: Article, src: str) -> Path | None:
    """The file an image block names, if it lies inside the page's own folder."""
    if not art.base_dir or not src or ":" in src.split("/")[0]:
        return None
    base = Path(art.base_dir).resolve()
    path = (base / src).resolve()
    return path if path.is_relative_to(base) and path.is_file() else None


def export_images(art: Article, target: Path) -> Article:
    """`art` with its local images copied to `<target stem>_files/` beside `target` and
    their links made relative to `target`; images that cannot be found are dropped
    (their captions stay)."""
    if not any(b.kind == "image" and b.src for b in art.body):
        return art
    folder_name = f"{target.stem}_files"
    used: dict[Path, str] = {}
    names: set[str] = set()
    body = []
    for b in art.body:
        if b.kind == "image" and b.src:
            path = local_image(art, b.src)
            src = ""
            if path is not None:
                if path not in used:
                    name = path.name
                    stem, suffix, i = path.stem, path.suffix, 1
                    while name in names:
                        i += 1
                        name = f"{stem}-{i}{suffix}"
                    names.add(name)
                    write_bytes(target.parent / folder_name / name, path.read_bytes())
                    used[path] = f"{folder_name}/{name}"
                src = used[path]
            b = dataclasses.replace(b, src=src)
        body.append(b)
    return dataclasses.replace(art, body=body)
