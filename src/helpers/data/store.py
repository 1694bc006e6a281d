"""Loading data/processed: ``load`` builds first (:func:`helpers.data.build.build`) when the build
is missing or older than the raw data or this code; within a process it reads each table once per
build and hands out the same frame while the build is unchanged (a briefing asks for the sources
dozens of times). ``remember`` keeps what is computed from such a frame. Both are shared by every
notebook a warm kernel runs, so their arrays are read-only (:func:`read_only`): a notebook that
writes into one fails at once instead of changing the next notebook's figures. ``pinned_build``
fixes one build for a whole briefing run.
"""
from __future__ import annotations

import contextlib
import json
import os
import time
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import numpy as np
import pandas as pd

from helpers.data import build, memo, processed, transaction
from helpers.paths import BUILD_ENV, PACKAGE_DIR, PROCESSED_DIR, RAW_DIR


def load(name: str, processed_dir: Path = PROCESSED_DIR, raw_dir: Path = RAW_DIR) -> pd.DataFrame:
    """One processed table as a DataFrame, building first when missing or stale (the pinned build of a run as is).

    The same object while the build is unchanged, with read-only arrays (filters make new frames).
    """
    if name not in build.TABLES:
        raise ValueError(f"Unbekannte Tabelle '{name}'. Gültig sind: {', '.join(build.TABLES)}")
    folder = processed.pinned(processed_dir) or _current_build(processed_dir, raw_dir)
    cached = memo.FRAMES.get((processed_dir, name))
    if cached is None or cached[0] != folder:
        frame = read_only(pd.read_parquet(folder / f"{name}.parquet"))
        cached = memo.FRAMES[processed_dir, name] = (folder, frame)
    return cached[1]


@contextlib.contextmanager
def pinned_build(processed_dir: Path = PROCESSED_DIR, raw_dir: Path = RAW_DIR):
    """The current build (built first if stale), held for the block and handed to child processes
    (:data:`~helpers.paths.BUILD_ENV`): an update committing meanwhile changes nothing the block reads."""
    if transaction.pending(raw_dir.parent) or transaction.pending(processed_dir.parent):
        with transaction.writing(raw_dir.parent, processed_dir.parent):
            pass  # completes or discards what an interrupted writer left (and says so)
    while True:
        folder = _current_build(processed_dir, raw_dir)
        with processed.hold(folder) as held:
            if not held:  # removed between choosing and holding it: a newer build is current
                continue
            previous = os.environ.get(BUILD_ENV)
            os.environ[BUILD_ENV] = str(folder)
            try:
                yield folder
            finally:
                if previous is None:
                    os.environ.pop(BUILD_ENV, None)
                else:
                    os.environ[BUILD_ENV] = previous
            return


_RACY_NS = 2_000_000_000  # files changed this recently may change again unseen (see _current_build)


def _current_build(processed_dir: Path, raw_dir: Path) -> Path:
    """The folder of a fresh build of ``raw_dir`` in ``processed_dir``, building it first if needed.

    Hashing the raw data and the code costs milliseconds, so the full check runs again only when a
    file it reads (the manifest, a raw file, a code file or a folder holding them) changed its
    modification time, size or inode since the last check found the build fresh. A file changed
    less than ``_RACY_NS`` before a check may change again within the same clock tick, unseen
    (as in git's "racy clean" case), so such a check is not remembered.
    """
    known = memo.VERIFIED.get((processed_dir, raw_dir))
    if known is not None and _stats(known[0]) == known[1]:
        return known[2]
    started = time.time_ns()
    watched = _watched(processed_dir, raw_dir)
    before = _stats(watched)  # taken before the check: a change during it is seen by the next call
    folder = fresh_build(processed_dir, raw_dir)
    if folder is not None:
        if all(stat is None or stat[0] < started - _RACY_NS for stat in before):
            memo.VERIFIED[processed_dir, raw_dir] = (watched, before, folder)
        return folder
    with transaction.writing(raw_dir.parent, processed_dir.parent):
        if fresh_build(processed_dir, raw_dir) is None:
            build.build(raw_dir, processed_dir)
    memo.VERIFIED.pop((processed_dir, raw_dir), None)  # the next call checks the new build once
    return processed.current(processed_dir)


def _watched(processed_dir: Path, raw_dir: Path) -> list[Path]:
    """Every path whose change can make the build stale: its manifest, data/raw and the code of code_hash."""
    paths = [processed_dir / processed.CURRENT / build.MANIFEST]
    for root in [raw_dir] + [PACKAGE_DIR / name for name in build.CODE_FILES]:
        paths.append(root)
        if root.is_dir():
            paths.extend(sorted(path for path in root.rglob("*") if "__pycache__" not in path.parts))
    return paths


def _stats(paths: list[Path] | list[str]) -> tuple:
    out = []
    for path in paths:
        try:
            stat = os.stat(path)
        except OSError:
            out.append(None)
        else:
            out.append((stat.st_mtime_ns, stat.st_size, stat.st_ino))
    return tuple(out)


def fresh_build(processed_dir: Path, raw_dir: Path) -> Path | None:
    """The current build's folder if it exists and matches the raw data and the code, else None."""
    try:
        folder = processed.current(processed_dir)
        recorded = json.loads((folder / build.MANIFEST).read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return None
    if recorded.get("fingerprint") != build.fingerprint(raw_dir) or recorded.get("code_hash") != build.code_hash():
        return None
    return folder


def _code_stamp() -> tuple:
    """Name, modification time and size of every code and catalogue file of the package. Taken at every
    import (every notebook of a warm kernel), so it walks with ``os`` calls: pathlib's rglob and stat
    cost 15 times as much."""
    out = []
    for folder, subfolders, names in os.walk(PACKAGE_DIR):
        subfolders[:] = sorted(name for name in subfolders if name != "__pycache__")
        files = [os.path.join(folder, name) for name in sorted(names) if name.endswith((".py", ".yaml", ".csv"))]
        out.extend(zip(files, _stats(files), strict=True))
    return tuple(out)


_GENERATION = _code_stamp()  # taken when this module is imported (again after a warm kernel's reset)


def derived(frame: pd.DataFrame) -> dict:
    """The memo of values computed from ``frame`` (a Kreis's rows, an indicator's series): kept while
    the frame lives, dropped with it, so a new build never meets an old answer. Values computed by
    other code (an edited module or catalogue seen after a warm kernel's reset) are dropped first.
    Add to it through :func:`remember`; read it directly only to drop entries."""
    if memo.GENERATION[0] != _GENERATION:
        memo.DERIVED.clear()
        memo.GENERATION[0] = _GENERATION
    key = id(frame)
    if key not in memo.DERIVED:
        memo.DERIVED[key] = {}
        weakref.finalize(frame, memo.DERIVED.pop, key, None)
    return memo.DERIVED[key]


T = TypeVar("T")
_PLAIN = (str, int, float, bool, type(None))


def remember(frame: pd.DataFrame, key: tuple, compute: Callable[[], T]) -> T:
    """``compute()`` once per ``frame`` and ``key``, shared (read-only) by every later caller — also by
    the next notebooks of a warm kernel (see :mod:`helpers.data.memo` for what a key may hold)."""
    found = derived(frame)
    if key not in found:
        if not _is_plain(key):
            raise TypeError(f"memo key {key!r}: only tuples of str, int, float, bool and None (an instance "
                            "of a helpers class never equals its re-imported self after a warm kernel's reset)")
        found[key] = read_only(compute())
    return found[key]


def _is_plain(key: object) -> bool:
    return isinstance(key, _PLAIN) or (isinstance(key, tuple) and all(map(_is_plain, key)))


def read_only(value: T) -> T:
    """``value`` with the arrays of its frames, series and arrays (also inside a tuple) made read-only:
    writing into them raises ``ValueError: assignment destination is read-only``. pandas has no public
    switch for this, so the flag is set on the arrays of its blocks (datetimes keep theirs in ``_ndarray``)."""
    if isinstance(value, tuple):
        for item in value:
            read_only(item)
    elif isinstance(value, np.ndarray):
        value.flags.writeable = False
    elif isinstance(value, (pd.DataFrame, pd.Series)):
        for block in value._mgr.blocks:  # noqa: SLF001
            array = getattr(block.values, "_ndarray", block.values)
            if isinstance(array, np.ndarray):
                array.flags.writeable = False
    return value


def manifest(processed_dir: Path = PROCESSED_DIR) -> dict:
    """The current build's manifest (FileNotFoundError when there is no build yet)."""
    return json.loads((processed.current(processed_dir) / build.MANIFEST).read_text(encoding="utf-8"))
