"""Compiled helpers modules kept across the warm kernel's resets (installed by its ``BASELINE_CODE``).

The reset drops every helpers module, so each notebook imports the package afresh. Without ``.pyc``
files (``PYTHONDONTWRITEBYTECODE``, a read-only checkout) every such import compiles all its sources
again: 0.06–0.1 CPU-s per notebook, 810 times in a statewide run. A code object is a pure function of
its source and path, so it is kept by both: an edited module compiles anew, an unchanged one is
executed from the same code object, exactly as a ``.pyc`` would be.
"""
from __future__ import annotations

import os
from importlib.machinery import SourceFileLoader
from pathlib import Path


def install(package_dir: str | Path) -> None:
    """Let this process's source imports below ``package_dir`` reuse code compiled from the same source."""
    compile_source = SourceFileLoader.source_to_code
    if getattr(compile_source, "im_code_cache", None) is not None:
        return
    prefix = str(package_dir) + os.sep
    compiled: dict[tuple[str, int], tuple[bytes, object]] = {}  # (path, optimize) -> (source, code)

    def source_to_code(self, data, path, *, _optimize=-1):
        if not str(path).startswith(prefix):
            return compile_source(self, data, path, _optimize=_optimize)
        source, key = bytes(data), (str(path), _optimize)
        known = compiled.get(key)
        if known is None or known[0] != source:
            known = compiled[key] = (source, compile_source(self, data, path, _optimize=_optimize))
        return known[1]

    source_to_code.im_code_cache = compiled
    SourceFileLoader.source_to_code = source_to_code
