"""docpipe's own errors: what a user can cause gets one line and an exit code."""

from __future__ import annotations


class DocpipeError(Exception):
    """An error a user can cause. `str()` is the one line shown to them."""

    exit_code = 1

    def __init__(self, message: str, path: str | None = None):
        self.path = path
        super().__init__(f"{describe(path)}: {message}" if path else message)


def describe(text: str) -> str:
    """`text` (a file name) fit for one error line: control characters, a newline above
    all, escaped as Python does, so a file name cannot start a `docpipe: error:` line."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() or ch == " " else repr(ch)[1:-1] for ch in text)


class InputError(DocpipeError):
    """Unreadable, undecodable, empty or oversized input."""


class StrictError(InputError):
    """--strict: the page has warnings, so it counts as failed. Carries the Article so
    --explain can still show why."""

    def __init__(self, message: str, path: str | None = None, article=None):
        self.article = article
        super().__init__(message, path)


class UsageError(DocpipeError):
    exit_code = 2


class OutputError(DocpipeError):
    """The output folder or file cannot be written."""


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP, raised by the CLI's signal handler so that cleanup code runs
    (outputs.atomic_path removes its temporary file) and the exit is 128 + signal."""

    def __init__(self, signum: int):
        import signal

        self.exit_code = 128 + signum
        super().__init__(f"terminated by {signal.Signals(signum).name}")
