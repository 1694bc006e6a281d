"""data/processed on disk: immutable build folders and the one pointer to the build in use.

Each build is a folder ``builds/<id>/`` (the Parquet tables, ``manifest.json``, the region directory and
the change report it was made with), written once and never changed; ``current`` is a relative symbolic
link to one of them, switched by a single rename inside a :class:`~helpers.data.transaction.Transaction`.
A briefing run holds a shared lock on its build's folder for its whole duration (:func:`hold`) and hands
the folder to its workers and kernels (:data:`~helpers.paths.BUILD_ENV`, :func:`pinned`), so an update
committing meanwhile never mixes data into it. Builds that are neither current nor held are removed by
the next writer (:func:`collect_garbage`). ``<table>.parquet`` and ``manifest.json`` at the top are
links through ``current``, for readers outside the package.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import os
import shutil
from pathlib import Path

from helpers.paths import BUILD_ENV

CURRENT = "current"
BUILDS = "builds"
DIRECTORY = "directory.csv"  # the region directory (IT.NRW 12411-15i) the build was made with
CHANGE_REPORT = "update.json"  # the last change report of `data update` when the build was made


def current(processed_dir: Path) -> Path:
    """The folder of the build in use; FileNotFoundError when there is none yet."""
    link = Path(processed_dir) / CURRENT
    if not link.is_dir():
        raise FileNotFoundError(f"{link}: noch kein Stand gebaut")
    return link.resolve()


def new_id() -> str:
    return f"{dt.datetime.now():%Y%m%d-%H%M%S}-{os.urandom(3).hex()}"


def publish(transaction, staged: Path, processed_dir: Path) -> Path:
    """Add the steps that make the build staged in ``staged`` the current one (after the transaction's
    other steps); returns its final folder. Files of the old layout (tables directly in data/processed)
    give way to the links."""
    processed_dir = Path(processed_dir)
    build_id = new_id()
    final = processed_dir / BUILDS / build_id
    transaction.move(staged, final)
    transaction.link(processed_dir / CURRENT, f"{BUILDS}/{build_id}")
    for file in sorted(staged.iterdir()):
        if file.suffix == ".parquet" or file.name == "manifest.json":
            transaction.link(processed_dir / file.name, f"{CURRENT}/{file.name}")
    return final


def collect_garbage(processed_dir: Path) -> None:
    """Remove builds that are not current and that no run holds (a run holds a shared lock on its build)."""
    builds = Path(processed_dir) / BUILDS
    try:
        keep = current(processed_dir)
    except FileNotFoundError:
        keep = None
    for folder in sorted(builds.iterdir()) if builds.is_dir() else []:
        if folder.resolve() == keep or not folder.is_dir():  # resolved: data/ may be reached through a link
            continue
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            continue  # a briefing run still reads it
        else:
            shutil.rmtree(folder, ignore_errors=True)
        finally:
            os.close(fd)


@contextlib.contextmanager
def hold(folder: Path):
    """A shared lock on a build folder while a run reads it; yields False when the folder was removed
    before the lock was taken (the caller picks the current build again)."""
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except FileNotFoundError:
        yield False
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_SH)
        yield folder.is_dir()
    finally:
        os.close(fd)


def pinned(processed_dir: Path) -> Path | None:
    """The build a briefing run pinned for this process (workers and kernels inherit it), when it belongs to
    ``processed_dir``; None outside a run."""
    value = os.environ.get(BUILD_ENV)
    if not value:
        return None
    folder = Path(value)
    if folder.parent.parent == Path(processed_dir):  # the usual case, without resolving: every table load asks
        return folder
    return folder if folder.parent.parent.resolve() == Path(processed_dir).resolve() else None
