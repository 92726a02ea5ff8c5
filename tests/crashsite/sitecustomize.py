"""A test's way to crash a worker (tests/test_faults.py, test_pack.py): with this folder
on PYTHONPATH and DOCPIPE_TEST_CRASH=<part of an input path>, a docpipe worker process
(never the main one: workers are started as `python -c`) dies at once when it loads that
input, as a segfault or the OOM killer would end it. Python imports `sitecustomize` by
itself at start-up; docpipe itself knows nothing of this."""

import os
import sys

_MARK = os.environ.get("DOCPIPE_TEST_CRASH")

if _MARK and sys.argv[:1] == ["-c"]:
    import docpipe.pipeline as _pipeline

    _load = _pipeline.load

    def load(path, *args, **kwargs):
        if _MARK in path:
            os._exit(70)
        return _load(path, *args, **kwargs)

    _pipeline.load = load
