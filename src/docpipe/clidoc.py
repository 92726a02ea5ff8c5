"""docs/cli.md, the command-line reference, generated from the commands' own --help,
and the options table (options.py) as a table: each option's commands, its keyword in
the Python API and its key in docpipe.toml.

    python -m docpipe.clidoc > docs/cli.md     (make docs)

tests/test_usability.py fails when the committed file differs from what this renders.
"""

from __future__ import annotations

WIDTH = 88


def render() -> str:
    import typer
    from typer.main import get_command

    from .cli import app

    lines = ["# docpipe command-line reference", "",
             "Generated from the commands' `--help` by `make docs` (`src/docpipe/clidoc.py`);",
             "a test fails when this file is stale.", ""]

    def walk(cmd, path: str, parent) -> None:
        ctx = typer.Context(cmd, info_name=path.split()[-1], parent=parent,
                            terminal_width=WIDTH, max_content_width=WIDTH)
        lines.extend([f"## `{path}`", "", "```text", cmd.get_help(ctx).rstrip(), "```", ""])
        for name, sub in getattr(cmd, "commands", {}).items():
            walk(sub, f"{path} {name}", ctx)

    walk(get_command(app), "docpipe", None)
    from .options import markdown

    lines.extend([*markdown(), ""])
    return "\n".join(lines)


if __name__ == "__main__":
    print(render(), end="")
