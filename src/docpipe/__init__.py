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

import sys
import types
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
    from .pack import PackReport
    from .pipeline import Result

_HOME = {
    "check": "api", "convert": "api", "extract": "api", "iter_convert": "api",
    "DocpipeError": "errors", "InputError": "errors", "UsageError": "errors",
    "Article": "model", "PackReport": "pack", "Result": "pipeline",
}


class _Docpipe(types.ModuleType):
    """`docpipe.pack` is the function, though `docpipe/pack.py` is a submodule too: Python
    sets a package's attribute to a submodule when it is first imported, and this
    property ignores that, so the function stays. The module is `sys.modules["docpipe.pack"]`
    (`from docpipe.pack import build_pack` works as ever)."""

    @property
    def pack(self) -> Any:
        from .api import pack

        return pack

    @pack.setter
    def pack(self, value: Any) -> None:
        pass


sys.modules[__name__].__class__ = _Docpipe


def __getattr__(name: str) -> Any:
    if name in _HOME:
        import importlib

        value = getattr(importlib.import_module(f".{_HOME[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'docpipe' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
