"""Briefing runs: the jobs of ``plan`` executed in ``pool``, unchanged ones reused (``cache``), HTML export,
lock, run record.

One run = ``out/<YYYYMMDD-HHMMSS>/`` with the executed notebooks, one HTML briefing per notebook,
``index.html``, ``plotly.min.js`` and ``run.json``. The folder is built as ``out/.tmp-…`` and
renamed when complete; ``out/latest`` is switched (symlink + ``os.replace``) only when every
notebook succeeded. A notebook whose inputs (notebook file, parameters, the data of its Kreis, helpers
code) hash as in the latest run is not executed again; its files are hard-linked over: a changed value
in one Kreis re-makes only that Kreis's briefings (:func:`helpers.run.cache.data_hashes`).
A non-blocking file lock in ``out`` keeps two runs (cron + a person) apart.

A partial run (``--kommune``) carries the other briefings of the latest run over, so ``latest``
is always complete. SIGINT/SIGTERM stop the run within seconds: workers and kernels are ended,
the finished notebooks stay in a run folder marked ``interrupted``, ``latest`` is not touched.
Workers and kernels also end on their own when the main process is killed (helpers.lifetime).
"""
from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import shutil
import signal
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from filelock import FileLock, Timeout

from helpers.data import store
from helpers.data.build import MANIFEST
from helpers.data.transaction import NoSpace
from helpers.data.validation import DataError
from helpers.i18n import t
from helpers.indicators import goals as goals_module
from helpers.paths import DATA_DIR, NOTEBOOKS_DIR, PROCESSED_DIR, RAW_DIR, read_yaml
from helpers.run.cache import (
    carry_over,
    code_fingerprint,
    code_version,
    data_hashes,
    goals_hash,
    input_hash,
    link,
    package_versions,
    reuse_unchanged,
)
from helpers.run.plan import RUN_TABLE, Entry, Job, kreis_of, site_of
from helpers.run.pool import EXECUTION_TIMEOUT, KERNEL_NAME, Stopped, execute_all, raise_stopped, set_stop_handlers

LOCK_FILE = ".lock"
LATEST = "latest"
TMP_PREFIX = ".tmp-"
EXIT_OK, EXIT_FAILED, EXIT_LOCKED = 0, 1, 75


class LockHeld(RuntimeError):
    """Another run holds the lock of this output folder."""


class RunError(RuntimeError):
    """The run could not be written (disk full, folder vanished); nothing of it was kept."""


@dataclass
class RunResult:
    exit_code: int
    run_dir: Path
    entries: list[Entry]
    planned: int = 0
    stopped_by: int | None = None  # the signal that interrupted the run


# --- a whole run ---------------------------------------------------------------------------

def _previous_entries(out: Path) -> tuple[Path | None, dict[str, Entry], list[dict] | None]:
    """The latest good run folder, its notebooks by output name (the cache) and its judged goals (None
    when it recorded none: a run before goals existed names no change of them)."""
    latest = out / LATEST
    try:
        record = json.loads((latest / "run.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None, {}, None
    entries = {e["output"]: Entry.from_record(e) for e in record["notebooks"] if e["status"] != "failed"}
    return latest.resolve(), entries, (record.get("goals") or {}).get("judgements")


def _run_name(out: Path, now: dt.datetime) -> str:
    name = base = now.strftime("%Y%m%d-%H%M%S")
    counter = 1
    while (out / name).exists():
        name, counter = f"{base}-{counter}", counter + 1
    return name


def _switch_latest(out: Path, run_name: str) -> None:
    """Point ``out/latest`` at ``run_name`` in one step (relative link: works on a copied stick)."""
    tmp = out / f"{TMP_PREFIX}{LATEST}"
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    os.symlink(run_name, tmp)
    os.replace(tmp, out / LATEST)


def run(jobs: list[Job], out: Path, *, workers: int = os.cpu_count() or 1, force: bool = False,
        notebooks_dir: Path = NOTEBOOKS_DIR, raw_dir: Path = RAW_DIR, sprache: str = "de",
        progress: bool | None = None) -> RunResult:
    """Execute ``jobs`` into a new run folder under ``out``; see the module docstring.

    Raises :class:`LockHeld` (without touching anything) when another run is active,
    :class:`RunError` when the run could not be written (its folder is removed again) and
    :class:`Stopped` when a signal came before any notebook finished.
    """
    with locked(out, sprache):
        return _run_locked(jobs, out, workers=workers, force=force, notebooks_dir=notebooks_dir,
                           raw_dir=raw_dir, sprache=sprache, progress=progress)


@contextlib.contextmanager
def locked(out: Path, sprache: str = "de"):
    """Hold the lock of ``out`` (created if needed) or raise :class:`LockHeld` at once."""
    out.mkdir(parents=True, exist_ok=True)
    lock = FileLock(out / LOCK_FILE, timeout=0)
    try:
        lock.acquire()
    except Timeout:
        raise LockHeld(t("briefings_lock_held", sprache, lock=out / LOCK_FILE)) from None
    try:
        yield
    finally:
        lock.release()


def _run_locked(jobs: list[Job], out: Path, *, workers: int, force: bool, notebooks_dir: Path, raw_dir: Path,
                sprache: str, progress: bool | None) -> RunResult:
    from helpers.data import geo
    from helpers.run import pages, runtime

    target = None
    handlers = set_stop_handlers(raise_stopped)
    pin = contextlib.ExitStack()
    try:
        # one immutable build for the whole run, also in workers and kernels: an update meanwhile mixes nothing in
        build = pin.enter_context(store.pinned_build(raw_dir.parent / PROCESSED_DIR.name, raw_dir))
        goals = goals_module.read_goals(sprache=sprache)  # checked by the command already; read once for the run
        for stale in out.glob(f"{TMP_PREFIX}*"):  # left by a killed run; we hold the lock
            shutil.rmtree(stale) if stale.is_dir() and not stale.is_symlink() else stale.unlink()
        created = dt.datetime.now().astimezone().replace(microsecond=0)
        run_name = _run_name(out, created)
        target = out / f"{TMP_PREFIX}{run_name}"
        target.mkdir()
        for folder in {(target / job.output).parent for job in jobs}:  # en/, Kreis folders
            folder.mkdir(parents=True, exist_ok=True)
        version_text = code_version()
        data_hash = json.loads((build / MANIFEST).read_text(encoding="utf-8"))["fingerprint"]
        code_hash, boundaries_hash = code_fingerprint(), geo.source_fingerprint()
        previous_dir, previous, previous_goals = _previous_entries(out)
        kreis_hashes = data_hashes({kreis_of(job) for job in jobs}
                                   | {kreis_of(e) for e in previous.values()}, raw_dir)

        def digest_of(job: Job) -> str:
            return input_hash(job, notebooks_dir, kreis_hashes[kreis_of(job)], code_hash, boundaries_hash,
                              goals_hash(job, goals))

        digests = {job.output: digest_of(job) for job in jobs}
        reused, todo = reuse_unchanged(jobs, digests, previous_dir, previous, target, force)
        carried = carry_over(jobs, digest_of, previous_dir, previous, target, notebooks_dir)
        pages.place_plotly_js(target, previous_dir)
        sites = sorted(({site_of(job.output) for job in jobs} | {site_of(e.output) for e in carried}) - {""})
        for site in sites:  # each Kreis folder is a complete site of its own (hard links: no extra space)
            (target / site).mkdir(exist_ok=True)
            link(target / pages.PLOTLY_JS, target / site / pages.PLOTLY_JS)

        progress = sys.stderr.isatty() if progress is None else progress
        runtime_dir, moved = runtime.runtime_dir()  # before the workers start: they inherit the choice
        runtime.remove_stale_files(runtime_dir)  # of killed runs, also when this run starts no kernel
        if moved:
            print(moved, file=sys.stderr)
        executed, stopped_by = [], None
        try:
            execute_all(todo, notebooks_dir, target, created, version_text, workers, progress, executed)
        except Stopped as stop:
            if not executed:
                raise
            stopped_by = stop.signum
        set_stop_handlers(signal.SIG_IGN)  # writing the record takes a moment: no second interrupt
        for entry in executed:
            entry.input_hash = digests[entry.output]
        position = {name: i for i, name in enumerate(previous)}
        position.update({job.output: position.get(job.output, len(previous) + i) for i, job in enumerate(jobs)})
        entries = sorted(reused + executed + carried, key=lambda e: position[e.output])
        failed = [e for e in entries if e.status == "failed"]
        status = "interrupted" if stopped_by else "failed" if failed else "ok"

        stichtag = next((job.parameters.get("stichtag") for job in jobs if job.parameters.get("stichtag")), None)
        judged = [j.record() for j in goals_module.judge_run(goals, {kreis_of(e) for e in entries}, stichtag)]
        goal_pages = {"goals": judged, "previous_goals": previous_goals}
        if sites:
            for site in sites:
                pages.write_indexes(target / site, [e for e in entries if site_of(e.output) == site],
                                    created=created, version=version_text, **goal_pages)
            pages.write_sites_index(target, sites, entries, created=created, version=version_text)
        else:
            pages.write_indexes(target, entries, created=created, version=version_text, **goal_pages)
        record = {
            "run": run_name, "status": status,
            "created": created.isoformat(),
            "seconds": round((dt.datetime.now().astimezone() - created).total_seconds(), 2),
            "data_hash": data_hash, "data_build": build.name, "kreis_data_hashes": kreis_hashes,
            "code_hash": code_hash, "boundaries_hash": boundaries_hash, "code_version": version_text,
            "packages": package_versions(), "kernel": KERNEL_NAME,
            "options": {"workers": workers, "force": force}, "notebooks": [e.record() for e in entries],
            "goals": goals_module.run_record(goals, judged),
        }
        pages.write_atomic(target / "run.json", json.dumps(record, ensure_ascii=False, indent=1, default=str))
        final = out / run_name
        os.rename(target, final)
        target = None
        if status == "ok":
            _switch_latest(out, run_name)
        exit_code = 128 + stopped_by if stopped_by else EXIT_FAILED if failed else EXIT_OK
        return RunResult(exit_code, final, entries, planned=len(jobs), stopped_by=stopped_by)
    # DataError: data/raw fails validation, so nothing can be made; GoalFileError: goals.csv changed since the check
    except (OSError, DataError, NoSpace, goals_module.GoalFileError) as error:
        raise RunError(t("briefings_run_failed", sprache, out=out, error=error,
                         latest=latest_text(out, sprache))) from error
    finally:
        pin.close()
        set_stop_handlers(signal.SIG_IGN)
        if target is not None:
            shutil.rmtree(target, ignore_errors=True)
        for signum, handler in handlers.items():
            signal.signal(signum, handler)


def latest_text(out: Path, sprache: str) -> str:
    """What ``out/latest`` shows now, for messages after a failure."""
    latest = out / LATEST
    if latest.is_symlink() and latest.exists():
        return t("briefings_latest_kept", sprache, latest=latest, run=latest.resolve().name)
    return t("briefings_no_latest", sprache, latest=latest)


def check_out(out: Path, sprache: str = "de") -> str | None:
    """Why ``out`` cannot take briefing runs (``None`` if it can), before anything is run or created."""
    resolved = out.resolve()
    for forbidden in (DATA_DIR, NOTEBOOKS_DIR):
        if resolved == forbidden.resolve() or forbidden.resolve() in resolved.parents:
            return t("briefings_out_forbidden", sprache, out=out, folder=forbidden)
    for folder in (resolved, *resolved.parents):
        if (folder / "run.json").is_file() or folder.name.startswith(TMP_PREFIX):
            return t("briefings_out_in_run", sprache, out=out, run=folder)
    existing = next((p for p in (resolved, *resolved.parents) if p.exists()), None)
    if existing is None or not existing.is_dir():
        return t("briefings_out_not_folder", sprache, out=out, path=existing)
    if (resolved / LATEST).exists() and not (resolved / LATEST).is_symlink():
        return t("briefings_out_latest_folder", sprache, latest=out / LATEST)
    try:  # os.access lies for root and for read-only mounts: try it
        tempfile.TemporaryDirectory(prefix=TMP_PREFIX + "probe-", dir=existing).cleanup()
    except OSError as error:
        return t("briefings_out_not_writable", sprache, out=out, path=existing, error=error.strerror or error)
    return None


# --- committed product notebooks -----------------------------------------------------------

def product_notebooks(notebooks_dir: Path = NOTEBOOKS_DIR) -> list[Path]:
    rows = read_yaml(notebooks_dir / RUN_TABLE)
    return [notebooks_dir / row["notebook"] for row in rows]


# explore notebooks with committed outputs that nbval checks (Makefile NBVAL) and `make notebooks` refreshes
CHECKED_EXPLORE = ("explore/nrw_forschungsfragen.ipynb",)


def checked_notebooks(notebooks_dir: Path = NOTEBOOKS_DIR) -> list[Path]:
    """The notebooks whose committed outputs nbval compares: the product notebooks and :data:`CHECKED_EXPLORE`."""
    return product_notebooks(notebooks_dir) + [notebooks_dir / name for name in CHECKED_EXPLORE]


def clean_metadata(nb) -> None:
    """Drop run-specific metadata (timings, paths, papermill's record) so a re-run on unchanged
    data changes only what really differs."""
    nb.metadata.pop("papermill", None)
    for cell in nb.cells:
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)


def refresh(path: Path) -> None:
    """Re-execute a committed notebook (:func:`checked_notebooks`) in place with its default parameters (for nbval)."""
    import nbformat
    import papermill

    from helpers.run import pages, warm_kernel

    nb = papermill.execute_notebook(path, None, engine_name=warm_kernel.ENGINE_NAME, kernel_name=KERNEL_NAME,
                                    progress_bar=False, cwd=path.parent, execution_timeout=EXECUTION_TIMEOUT)
    clean_metadata(nb)
    pages.write_atomic(path, nbformat.writes(nb) + "\n")
