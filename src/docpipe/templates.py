"""Templates a user owns: `docpipe templates export DIR`, and a broken one said in one line.

`--template-dir DIR` overrides docpipe's templates file by file; exporting them all gives
a starting point to edit. A template that does not parse is reported with its file and
line before any page is read, instead of failing once per page deep in a writer.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from .errors import UsageError
from .variants import VARIANTS
from .writers import LINK_OUT, default_template_dir, inside

CONFIG_NAME = "docpipe.toml"


def template_files() -> list[Path]:
    """docpipe's own templates: the HTML (Jinja2), the CSS and the labels."""
    return sorted(p for p in default_template_dir().iterdir()
                  if p.is_file() and p.suffix in (".j2", ".css", ".toml"))


def config_text(folder: str) -> str:
    """A commented docpipe.toml that points --template-dir at `folder`."""
    quoted = folder.replace("\\", "\\\\").replace('"', '\\"')
    variants = ", ".join(VARIANTS)
    return f"""\
# docpipe settings. Put this file (or a copy) in the folder you run docpipe from, or
# name it: `docpipe convert … --config {quoted}/{CONFIG_NAME}` (or DOCPIPE_CONFIG=FILE).
# Keys are the long option names (--summary-sentences -> summary_sentences); an option
# given on the command line beats the file. `docpipe config` shows what applies.
# Relative paths are relative to the folder docpipe runs in. Found in that folder by
# itself, this file may not name a template_dir outside it (nor out, scheduler, logo
# outside it, folder_images or a lower limit): name the file with --config, or keep
# such settings in ~/.config/docpipe/docpipe.toml.

# The templates exported here: edit briefing.html.j2, article.html.j2, pack.html.j2
# (Jinja2), briefing.css, pack.css and labels.toml (the briefing's own words).
template_dir = "{quoted}"

# to = "tw"                 # {variants} (default: keep the page's script)
# formats = "pdf,docx"      # of convert: pdf, docx, html, md, json, or all
# summary_sentences = 2     # sentences in the summary (1-10)
# rules = ["my-rules"]      # folders of extra site profiles

# Options of one command only go in a table named after it:
# [pack]
# title = "一周简报"
"""


def export(folder: Path, force: bool = False) -> list[Path]:
    """Copy the templates and a commented docpipe.toml into `folder`; returns the files.

    Refuses to overwrite a file already there unless `force`: they may be your edits."""
    sources = template_files()
    targets = [folder / p.name for p in sources] + [folder / REFERENCE_DOCX,
                                                     folder / CONFIG_NAME]
    if not force and (there := [t for t in targets if t.exists()]):
        raise UsageError(f"{there[0]} exists; use --force to overwrite "
                         f"{'it' if len(there) == 1 else f'these {len(there)} files'}")
    from .outputs import ensure_dir, write_bytes, write_text

    ensure_dir(folder)
    for src in sources:
        write_bytes(folder / src.name, src.read_bytes())
    from .writers.docxbase import reference_bytes

    # The DOCX's styles, as pandoc's --reference-doc: edit it in Word or LibreOffice.
    write_bytes(folder / REFERENCE_DOCX, reference_bytes())
    write_text(folder / CONFIG_NAME, config_text(str(folder)))
    return targets


#: The DOCX's reference document in a template folder: its styles, page set-up, headers
#: and footers are the DOCX's (writers/docx.py), as pandoc's --reference-doc.
REFERENCE_DOCX = "reference.docx"


def folder_files(folder: str | Path) -> dict[str, bytes]:
    """The template folder's files, {path relative to it: bytes}: what a task carries to
    a Dask worker, which does not have the folder. Only files inside the folder (a link
    out of it is left behind, as the loader refuses it); hidden files left out."""
    root = Path(folder).resolve()
    files: dict[str, bytes] = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if any(part.startswith(".") for part in rel.parts) or not path.is_file():
            continue
        if inside(path, root):
            files[rel.as_posix()] = path.read_bytes()
    return files


def links_out(folder: Path) -> list[Path]:
    """Files of `folder` that are links to something outside it."""
    return [p for p in sorted(folder.rglob("*")) if p.is_symlink() and not inside(p, folder)]


def check_templates(folder: Path) -> None:
    """Parse every template in `folder`: a syntax error is a UsageError naming file:line.
    A link to outside the folder is refused: templates and stylesheets come from inside
    it only."""
    import jinja2

    from .writers.html import environment

    if bad := links_out(folder):
        raise UsageError(f"{bad[0]}: {LINK_OUT}")

    # The renderer's own environment: its filters and globals (keep_last …) are known.
    env = environment((str(folder), str(default_template_dir())))
    for path in sorted(folder.glob("*.j2")):
        try:
            source = path.read_text(encoding="utf-8")
            env.compile(source, name=path.name, filename=str(path))
            _check_blocks(env, path, source)
        except jinja2.TemplateSyntaxError as exc:
            raise UsageError(f"{path}:{exc.lineno}: template error: {exc.message}") from None
        except UnicodeDecodeError:
            raise UsageError(f"{path}: template is not UTF-8 text") from None
        except OSError as exc:
            raise UsageError(f"{path}: cannot read template: {exc.strerror}") from None
    labels = folder / "labels.toml"
    if labels.is_file():
        try:
            words = tomllib.loads(labels.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise UsageError(f"{labels}: {exc}") from None
        own = tomllib.loads((default_template_dir() / "labels.toml").read_text("utf-8"))
        if missing := sorted(set(own) - set(words)):
            raise UsageError(f"{labels}: missing label {', '.join(missing)}")


def _check_blocks(env, path: Path, source: str) -> None:
    """A template that extends another may only fill blocks the parent has."""
    import jinja2
    from jinja2 import nodes

    tree = env.parse(source, name=path.name, filename=str(path))
    extends = tree.find(nodes.Extends)
    if extends is None or not isinstance(extends.template, nodes.Const):
        return
    parent_name = extends.template.value
    try:
        parent_source = env.loader.get_source(env, parent_name)[0]
    except jinja2.TemplateNotFound:
        raise jinja2.TemplateSyntaxError(f"extends {parent_name!r}, which is not found",
                                         extends.lineno, path.name, str(path)) from None
    parent_blocks = {b.name for b in env.parse(parent_source).find_all(nodes.Block)}
    for block in tree.find_all(nodes.Block):
        if block.name not in parent_blocks:
            raise jinja2.TemplateSyntaxError(
                f"block {block.name!r} is not in {parent_name}", block.lineno, path.name,
                str(path))

