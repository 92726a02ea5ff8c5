"""Progress of a pack: a bar on a terminal (rich), one line per page otherwise."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any

from .errors import describe


class PlainProgress:
    """One line per page on stderr: for logs, CI and Make."""

    def __init__(self, echo: Callable[[str], None]):
        self.echo = echo
        self.total = 0
        self.n = 0

    def start(self, total: int, cached: int, jobs: int) -> None:
        self.total = total
        if total:
            self.echo(f"building {total} page(s) with {jobs} worker(s)"
                      + (f"; {cached} up to date" if cached else ""))

    def page(self, entry: Any) -> None:
        self.n += 1
        width = len(str(self.total))
        state = "ok" if entry.status == "ok" else entry.status
        self.echo(f"[{self.n:>{width}}/{self.total}] {state:<6} {describe(entry.input)}")

    def pack(self, message: str) -> None:
        self.echo(message)

    def stop(self) -> None:
        pass


class RichProgress:
    """A progress bar on a terminal (stderr)."""

    def __init__(self):
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        self.console = Console(stderr=True)
        self.bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                            TimeElapsedColumn(), console=self.console, transient=False)
        self.task = None

    def start(self, total: int, cached: int, jobs: int) -> None:
        if not total:
            return
        self.bar.start()
        note = f" ({cached} up to date)" if cached else ""
        self.task = self.bar.add_task(f"pages{note}", total=total)

    def page(self, entry: Any) -> None:
        if entry.status != "ok":
            self.bar.console.print(f"[red]failed[/red] {entry.error}", markup=True,
                                   highlight=False)
        if self.task is not None:
            self.bar.advance(self.task)

    def pack(self, message: str) -> None:
        if self.task is not None:
            self.bar.update(self.task, description=message)
        else:
            self.console.print(message, highlight=False)

    def stop(self) -> None:
        if self.task is not None:
            self.bar.stop()


class NoProgress:
    def start(self, total: int, cached: int, jobs: int) -> None: ...
    def page(self, entry: Any) -> None: ...
    def pack(self, message: str) -> None: ...
    def stop(self) -> None: ...

def progress_for(stream=None, quiet: bool = False):
    """A bar on a terminal, plain lines otherwise, nothing with --quiet."""
    stream = stream or sys.stderr
    if quiet:
        return NoProgress()
    if stream.isatty() and os.environ.get("TERM") != "dumb":
        return RichProgress()

    def echo(line: str) -> None:
        print(line, file=stream, flush=True)

    return PlainProgress(echo)
