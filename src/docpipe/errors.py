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
    return "".join(repr(ch)[1:-1] if _breaks_a_line(ch) else ch for ch in text)


def path_line(text: str) -> str:
    """A path as one line of stdout that a script can read back exactly: what
    `describe` escapes, and the backslash itself (as \\\\), so the line decodes with
    `line.encode("latin-1", "backslashreplace").decode("unicode-escape")`."""
    if text.isprintable() and "\\" not in text:
        return text
    return "".join("\\\\" if ch == "\\" else repr(ch)[1:-1] if _breaks_a_line(ch) else ch
                   for ch in text)


_BIDI = frozenset("\u061c\u200e\u200f")


def _breaks_a_line(ch: str) -> bool:
    """Control characters, line and paragraph separators, bidi controls and bytes that
    are not UTF-8 (surrogate escapes): what could start a new line, reorder one, or not
    print at all. Unassigned or new code points are shown as they are (a missing-glyph
    warning names them)."""
    import unicodedata

    return unicodedata.category(ch) in ("Cc", "Cs", "Zl", "Zp") or ch in _BIDI or \
        "\u202a" <= ch <= "\u202e" or "\u2066" <= ch <= "\u2069"


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


class StdoutError(OutputError):
    """stdout cannot be written (a full disk, a closed stream): said once, then stdout
    points nowhere, so nothing left in its buffer fails again at exit."""


class ReaderGone(StdoutError):
    """The program reading docpipe's stdout closed it (`docpipe … | head`): docpipe
    stops writing and ends quietly, with the exit code of a process ended by SIGPIPE."""

    exit_code = 141

    def __init__(self) -> None:
        super().__init__("the reader of stdout went away")


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP, raised by the CLI's signal handler so that cleanup code runs
    (outputs.atomic_path removes its temporary file) and the exit is 128 + signal."""

    def __init__(self, signum: int):
        import signal

        self.exit_code = 128 + signum
        super().__init__(f"terminated by {signal.Signals(signum).name}")
