"""Compiled helpers modules kept across the warm kernel's resets (installed by its ``BASELINE_CODE``).

The reset drops every helpers module, so each notebook imports the package afresh. Without ``.pyc``
files (``PYTHONDONTWRITEBYTECODE``, a read-only checkout) every such import compiles all its sources
again: 0.06–0.1 CPU-s per notebook, 810 times in a statewide run. A code object is a pure function of
its source and path, so it is kept by both: an edited module compiles anew, an unchanged one is
executed from the same code object, exactly as a ``.pyc`` would be.

The same holds for the methods ``dataclasses`` writes for every dataclass (``__init__``, ``__eq__``,
``__setattr__`` of a frozen one …): it compiles their text anew each time a class is created, which
was 40 % of re-importing the package (35 dataclasses, 190 methods). Their code is kept by that text;
each class still gets new function objects, as before.
"""
from __future__ import annotations

import dataclasses
import os
from importlib.machinery import SourceFileLoader
from pathlib import Path


def install(package_dir: str | Path) -> None:
    """Let this process's source imports below ``package_dir``, and every dataclass it creates, reuse code
    compiled from the same source."""
    _install_dataclass_methods()
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


def _install_dataclass_methods() -> None:
    """``dataclasses`` runs ``exec(text, globals, namespace)`` for each method it writes; this ``exec`` (a
    name of that module, shadowing the builtin there alone) runs the code compiled once per text. Compiled
    without inheriting this module's ``__future__`` flags, as ``dataclasses`` itself has none."""
    if getattr(vars(dataclasses).get("exec"), "im_code_cache", None) is not None:
        return
    compiled: dict[str, object] = {}

    def cached_exec(source, globals=None, locals=None):  # noqa: A002 - exec's own parameter names
        if not isinstance(source, str):
            return exec(source, globals, locals)  # noqa: S102 - what dataclasses asked for
        code = compiled.get(source)
        if code is None:
            code = compiled[source] = compile(source, "<string>", "exec", dont_inherit=True)
        return exec(code, globals, locals)  # noqa: S102 - the text dataclasses wrote, compiled above

    cached_exec.im_code_cache = compiled
    dataclasses.exec = cached_exec
