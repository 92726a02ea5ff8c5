"""docpipe: saved Chinese portal pages -> clean PDF / DOCX briefings.

    import docpipe
    art = docpipe.extract("page.txt", to="tw")        # the cleaned Article
    art.to_dict()                                     # the JSON shape of `docpipe extract`
    docpipe.convert(["page.txt"], "out")              # [Result(outputs=[out/page.pdf, …])]
    for r in docpipe.iter_convert(["pages/"], "out"): # each Result as its page is done
        print(r.input, r.ok)
    docpipe.pack(["pages/"], "out/week", name="week") # PackReport
    docpipe.check("out/week", name="week")            # [ArticleCheck], one per article

The names are imported on first use, so `import docpipe` (and `docpipe --help`) stay fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = [
    "Article",
    "DocpipeError",
    "InputError",
    "PackReport",
    "Result",
    "UsageError",
    "__version__",
    "check",
    "convert",
    "extract",
    "iter_convert",
    "pack",
]

if TYPE_CHECKING:
    from .api import check, convert, extract, iter_convert, pack
    from .errors import DocpipeError, InputError, UsageError
    from .model import Article
    from .packplan import PackReport
    from .pipeline import Result

_HOME = {
    "check": "api", "convert": "api", "extract": "api", "iter_convert": "api", "pack": "api",
    "DocpipeError": "errors", "InputError": "errors", "UsageError": "errors",
    "Article": "model", "PackReport": "packplan", "Result": "pipeline",
}


def __getattr__(name: str) -> Any:
    if name in _HOME:
        import importlib

        value = getattr(importlib.import_module(f".{_HOME[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'docpipe' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
