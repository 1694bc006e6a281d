"""Briefing runs: papermill in a pool of warm workers, HTML export, cache, lock, run record.

One run = ``out/<YYYYMMDD-HHMMSS>/`` with the executed notebooks, one HTML briefing per notebook,
``index.html``, ``plotly.min.js`` and ``run.json``. The folder is built as ``out/.tmp-…`` and
renamed when complete; ``out/latest`` is switched (symlink + ``os.replace``) only when every
notebook succeeded. A notebook whose inputs (notebook file, parameters, the data of its Kreis, helpers
code) hash as in the latest run is not executed again; its files are hard-linked over: a changed value
in one Kreis re-makes only that Kreis's briefings (:func:`data_hashes`).
A non-blocking file lock in ``out`` keeps two runs (cron + a person) apart.

A partial run (``--kommune``) carries the other briefings of the latest run over, so ``latest``
is always complete. SIGINT/SIGTERM stop the run within seconds: workers and kernels are ended,
the finished notebooks stay in a run folder marked ``interrupted``, ``latest`` is not touched.
Workers and kernels also end on their own when the main process is killed (helpers.lifetime).
"""
from __future__ import annotations

import collections
import contextlib
import datetime as dt
import hashlib
import json
import multiprocessing
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import asdict, dataclass, field, fields, replace
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from filelock import FileLock, Timeout

from helpers import kommunen as kommunen_module
from helpers import lifetime
from helpers.data.hashing import file_sha256, tree_sha256
from helpers.data.validation import DataError
from helpers.fmt import MISSING, format_number
from helpers.i18n import LANGUAGE_FOLDERS, t
from helpers.paths import DATA_DIR, NOTEBOOKS_DIR, PACKAGE_DIR, PROCESSED_DIR, RAW_DIR, read_yaml

KERNEL_NAME = "integrationsmonitor"
RUN_TABLE = "runs.yaml"
LOCK_FILE = ".lock"
LATEST = "latest"
TMP_PREFIX = ".tmp-"
EXECUTION_TIMEOUT = 900  # seconds per cell: a hung cell must not block cron forever
PACKAGES = ("papermill", "nbclient", "nbconvert", "nbformat", "ipykernel", "jupyter_client", "plotly", "pandas")
CODE_SUFFIXES = {".py", ".yaml", ".csv", ".j2", ".css", ".json"}
ROW_TABLES = ("observations", "facts", "conflicts", "municipalities")  # processed tables with an ``ags`` per row
EXIT_OK, EXIT_FAILED, EXIT_LOCKED = 0, 1, 75
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
STOP_SECONDS = 2.0  # a worker gets this long to kill its kernel before it is killed itself
MEMORY_PER_WORKER = 450 * 2**20  # a worker with its warm kernel and one profile: ~350–400 MB measured


class LockHeld(RuntimeError):
    """Another run holds the lock of this output folder."""


class RunError(RuntimeError):
    """The run could not be written (disk full, folder vanished); nothing of it was kept."""


class Stopped(BaseException):
    """SIGINT or SIGTERM reached the main process (BaseException: no ``except Exception`` hides it)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


@dataclass(frozen=True)
class Job:
    """One notebook execution: which notebook, with which parameters, into which file name."""

    notebook: str
    output: str
    parameters: dict = field(default_factory=dict)


@dataclass
class Entry:
    """One notebook of a run: what ``run.json`` records under ``notebooks`` and index.html reads."""

    output: str
    notebook: str
    parameters: dict = field(default_factory=dict)
    status: str = "failed"  # ok, skipped (reused or carried over) or failed
    error: dict | None = None  # cell, ename, evalue … of a failed notebook
    briefing: dict | None = None  # the BRIEFING payload
    key_figures: dict | None = None  # the KEY_FIGURES payload
    seconds: float = 0.0
    input_hash: str = ""
    reused_from: str | None = None  # the run whose files were linked over
    carried_over: bool = False  # not planned in this run, kept from the latest so it stays complete
    stale: bool = False  # carried over although its data or code has changed since

    @classmethod
    def from_record(cls, record: dict) -> Entry:
        """An entry of an earlier run's run.json (keys it lacks keep their defaults)."""
        return cls(**{f.name: record[f.name] for f in fields(cls) if f.name in record})

    def record(self) -> dict:
        return asdict(self)

    def skipped(self, previous_dir: Path, **changes) -> Entry:
        """This entry of the latest run, its files linked into the new run."""
        return replace(self, status="skipped", seconds=0.0, reused_from=self.reused_from or previous_dir.name, **changes)


@dataclass
class RunResult:
    exit_code: int
    run_dir: Path
    entries: list[Entry]
    planned: int = 0
    stopped_by: int | None = None  # the signal that interrupted the run


# --- what to run ---------------------------------------------------------------------------

def plan(kommunen: list[kommunen_module.Region] | None = None, *, kreise: list[kommunen_module.Region] | None = None,
         stichtag: str | None = None, sprache: str = "de", notebooks_dir: Path = NOTEBOOKS_DIR) -> list[Job]:
    """Expand ``runs.yaml`` into jobs, per Kreis: its rows with ``kreis=<AGS>``, and ``each: kommune``
    rows for its Gemeinden (or only the selected ``kommunen``; their Kreise then are the run's Kreise).

    One Kreis (Kreis Kleve by default) fills the run folder as always; several Kreise get a folder
    each (:func:`site_of`), laid out like a one-Kreis run.
    """
    # dict.fromkeys: "--kommune Kleve --kommune 05154036" is one job, not two writing one file
    selected = list(dict.fromkeys(kommunen or ()))
    homes = list(dict.fromkeys(kreise or [kommunen_module.region(r.kreis_ags) for r in selected]
                               or [kommunen_module.kreis()]))
    rows = read_yaml(notebooks_dir / RUN_TABLE)
    common = {"stichtag": stichtag, "sprache": sprache}
    jobs = []
    for home in homes:
        folder = (f"{home.slug}/" if len(homes) > 1 else "") + LANGUAGE_FOLDERS[sprache]  # English in en/
        members = [r for r in selected if r.kreis_ags == home.ags] if selected else kommunen_module.kommunen(home.ags)
        for row in rows:
            if row.get("each") == "kommune":
                jobs += [Job(row["notebook"], folder + row["output"].format(ags=r.ags, slug=r.slug),
                             {"kommune": r.ags, **common}) for r in members]
            else:
                jobs.append(Job(row["notebook"], folder + row["output"], {"kreis": home.ags, **common}))
    return jobs


def site_of(output: str) -> str:
    """The Kreis folder a briefing belongs to in a run over several Kreise; "" in a one-Kreis run."""
    first, _, rest = output.partition("/")
    return first if rest and f"{first}/" not in LANGUAGE_FOLDERS.values() else ""


def shard(jobs: list[Job], index: int, count: int) -> list[Job]:
    """Part ``index`` (1 … ``count``) of ``jobs``, the same on every machine: whole Kreis folders when
    the run has several (so each part's folders are complete), else single briefings; each part
    gets the next unit (largest first) while it has the fewest briefings, ties by name."""
    units: dict[str, list[Job]] = {}
    several = len({site_of(j.output) for j in jobs}) > 1
    for job in sorted(jobs, key=lambda j: j.output):
        units.setdefault(site_of(job.output) if several else job.output, []).append(job)
    loads = [0] * count
    mine = []
    for name in sorted(units, key=lambda n: (-len(units[n]), n)):
        part = min(range(count), key=lambda i: (loads[i], i))
        loads[part] += len(units[name])
        if part == index - 1:
            mine += units[name]
    return [job for job in jobs if job in mine]


# --- what has changed ----------------------------------------------------------------------

def code_fingerprint() -> str:
    """Content hash of the helpers package: code, catalogue, messages, templates."""
    return tree_sha256(PACKAGE_DIR, (p for p in PACKAGE_DIR.rglob("*")
                                     if p.is_file() and p.suffix in CODE_SUFFIXES and "__pycache__" not in p.parts))


def kreis_of(job: Job | Entry) -> str:
    """The AGS of the Kreis whose data a briefing reads (its ``kreis``, or its ``kommune``'s Kreis)."""
    parameters = job.parameters or {}
    return str(parameters.get("kreis") or parameters.get("kommune") or kommunen_module.KREIS_AGS)[:5]


def data_hashes(kreise: set[str], raw_dir: Path = RAW_DIR) -> dict[str, str]:
    """Per Kreis AGS, a hash of the data its briefings can read: the processed rows that
    :func:`helpers.briefings.common.regional` lets through (its regions, NRW, Germany), the sources
    those rows cite plus those no row cites (cited by code), and its part of the region directory.
    A changed value of one Gemeinde changes only its Kreis's hash; a changed NRW value changes all."""
    import numpy as np
    import pandas as pd

    from helpers.briefings.common import regional
    from helpers.data import store

    processed = raw_dir.parent / PROCESSED_DIR.name  # data/raw → data/processed (built first if stale)
    frames = {name: store.load(name, processed, raw_dir) for name in ROW_TABLES}
    sources = store.load("sources", processed, raw_dir)
    rows = {name: pd.util.hash_pandas_object(frame, index=False) for name, frame in frames.items()}
    cited_anywhere = set().union(*(frame["source_id"] for frame in frames.values()))
    directory = pd.DataFrame({"ags": [r.ags for r in kommunen_module.all_regions()],
                              "region": [repr(r) for r in kommunen_module.all_regions()]})
    hashes = {}
    for kreis_ags in sorted(kreise):
        digest = hashlib.sha256()
        cited = set()
        for name, frame in frames.items():
            visible = regional(frame, kreis_ags)
            cited.update(visible["source_id"])
            digest.update(f"{name}\0{dict(frame.dtypes)}\0".encode())
            digest.update(np.sort(rows[name].loc[visible.index].to_numpy()).tobytes())
        own = sources[sources["source_id"].isin(cited) | ~sources["source_id"].isin(cited_anywhere)]
        digest.update(np.sort(pd.util.hash_pandas_object(own, index=False).to_numpy()).tobytes())
        digest.update("\n".join(regional(directory, kreis_ags)["region"]).encode())
        hashes[kreis_ags] = digest.hexdigest()
    return hashes


def input_hash(job: Job, notebooks_dir: Path, data_hash: str, code_hash: str, boundaries_hash: str = "") -> str:
    """Everything a briefing is made from: notebook, parameters, the data of its Kreis
    (:func:`data_hashes`), code, map boundaries."""
    digest = hashlib.sha256(file_sha256(notebooks_dir / job.notebook).encode())
    digest.update(json.dumps(job.parameters, sort_keys=True).encode())
    digest.update(f"{data_hash}\0{code_hash}\0{boundaries_hash}".encode())
    return digest.hexdigest()


def code_version() -> str | None:
    """``git describe`` of the checkout, when it is one."""
    try:
        done = subprocess.run(["git", "describe", "--always", "--dirty", "--tags"], cwd=PACKAGE_DIR,
                              capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() or None


def package_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            versions[name] = version(name)
        except PackageNotFoundError:
            versions[name] = "missing"
    return versions


# --- executing one notebook (in a pool worker) ---------------------------------------------

def execute(job: Job, notebooks_dir: Path, target_dir: Path, created: dt.datetime, version: str | None) -> Entry:
    """Run one notebook with papermill on this worker's warm kernel and export its HTML.

    Never raises: a failure is returned as ``status="failed"`` with the cell and the error,
    so the other notebooks of the run still finish.
    """
    import papermill
    from papermill.exceptions import PapermillExecutionError

    from helpers.run import export
    from helpers.presentation import payloads
    from helpers.run import warm_kernel

    started = time.perf_counter()
    entry = Entry(job.output, job.notebook, job.parameters)
    try:
        nb = papermill.execute_notebook(
            notebooks_dir / job.notebook, target_dir / f"{job.output}.ipynb", parameters=job.parameters,
            engine_name=warm_kernel.ENGINE_NAME, kernel_name=KERNEL_NAME, progress_bar=False,
            request_save_on_cell_execute=False, cwd=notebooks_dir, execution_timeout=EXECUTION_TIMEOUT,
        )
        export.export_html(nb, target_dir / f"{job.output}.html", created=created, version=version)
        entry.status = "ok"
        entry.briefing, entry.key_figures = payloads.read(nb, payloads.BRIEFING), payloads.read(nb, payloads.KEY_FIGURES)
    except PapermillExecutionError as error:
        entry.error = {"cell": error.cell_index, "execution_count": error.exec_count, "source": error.source,
                       "ename": error.ename, "evalue": error.evalue}
    except Exception as error:  # kernel died, timeout, export failed: record it, keep the run going
        entry.error = {"cell": None, "ename": type(error).__name__, "evalue": str(error)}
    entry.seconds = round(time.perf_counter() - started, 2)
    return entry


# --- a whole run ---------------------------------------------------------------------------

def _previous_entries(out: Path) -> tuple[Path | None, dict[str, Entry]]:
    """The latest good run folder and its notebooks by output name (the cache)."""
    latest = out / LATEST
    try:
        record = json.loads((latest / "run.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None, {}
    return latest.resolve(), {e["output"]: Entry.from_record(e) for e in record["notebooks"] if e["status"] != "failed"}


def _link(source: Path, target: Path) -> None:
    """Hard link (instant, no extra space); copy when the file system refuses."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def _reuse_unchanged(jobs: list[Job], digests: dict[str, str], previous_dir: Path | None,
                     previous: dict[str, Entry], target: Path, force: bool) -> tuple[list[Entry], list[Job]]:
    """Link the files of jobs whose input hash matches the latest good run; the rest is to do."""
    reused, todo = [], []
    for job in jobs:
        old = previous.get(job.output)
        files = [f"{job.output}.ipynb", f"{job.output}.html"]
        if force or not old or old.input_hash != digests[job.output] \
                or not all((previous_dir / f).exists() for f in files):
            todo.append(job)
            continue
        for name in files:
            _link(previous_dir / name, target / name)
        reused.append(old.skipped(previous_dir))
    return reused, todo


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


def _report(entry: Entry, done: int, total: int, bar) -> None:
    line = t("briefings_progress", done=done, total=total, name=entry.output, status=entry.status,
             seconds=entry.seconds)
    if entry.status == "failed":
        error = entry.error
        line += "\n" + t("briefings_failed_line", name=entry.output, cell=error.get("cell"),
                         error=f"{error['ename']}: {error['evalue']}")
    if bar is None:
        print(line, file=sys.stderr, flush=True)
    else:
        bar.update(1)
        if entry.status == "failed":
            bar.write(line, file=sys.stderr)


def worker_limit(requested: int) -> tuple[int, str | None]:
    """At most one worker per core and per :data:`MEMORY_PER_WORKER` of available memory, and
    why ``requested`` was lowered (``None`` if it was not): 18 kernels on 2 cores only thrash."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    available = _available_memory()
    by_memory = max(1, available // MEMORY_PER_WORKER) if available else requested
    limit = min(requested, cores, by_memory)
    if limit == requested:
        return requested, None
    return limit, t("briefings_jobs_capped", requested=requested, workers=limit, cores=cores,
                    memory=format_number(available / 2**30, 1) if available else MISSING["de"],
                    per_worker=format_number(MEMORY_PER_WORKER / 2**30, 2))


def _available_memory() -> int | None:
    """Bytes the system can give without swapping (Linux MemAvailable), ``None`` when unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def _worker_start(parent_pid: int) -> None:
    """Pool initializer: Ctrl+C is the main process's business; SIGTERM and the parent's death
    end the worker together with its kernel."""
    from helpers.run import warm_kernel

    def terminate(signum, frame):
        warm_kernel.kill()
        os._exit(128 + signum)

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, terminate)
    lifetime.die_with_parent(parent_pid, warm_kernel.kill)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)  # blocked since the spawn, see _execute_all


def _stop_pools(pools: list[ProcessPoolExecutor]) -> None:
    """End the workers now, all at once (each kills its kernel on SIGTERM); kill whoever is still
    there after :data:`STOP_SECONDS`."""
    processes = [p for pool in pools for p in (pool._processes or {}).values()]  # noqa: SLF001 – no public handle
    for process in processes:
        if process.is_alive():
            process.terminate()
    for pool in pools:
        pool.shutdown(wait=False, cancel_futures=True)
    deadline = time.monotonic() + STOP_SECONDS
    for process in processes:
        process.join(max(0.0, deadline - time.monotonic()))
    for process in processes:
        if process.is_alive():
            process.kill()
            process.join(1)


class _Lanes:
    """Which job each worker does next: whole Kreise in turn (a Kreis's data stays warm in one kernel);
    a worker without a Kreis left takes the later half of the longest other lane (the run ends together)."""

    def __init__(self, todo: list[Job], workers: int) -> None:
        groups: dict[str, list[Job]] = {}
        for job in todo:
            groups.setdefault(kreis_of(job), []).append(job)
        self.kreise = collections.deque(groups.values())
        self.lanes = [collections.deque() for _ in range(workers)]

    def next(self, worker: int) -> Job | None:
        lane = self.lanes[worker]
        if not lane and self.kreise:
            lane.extend(self.kreise.popleft())
        elif not lane:
            longest = max(self.lanes, key=len)
            for _ in range(len(longest) // 2):
                lane.appendleft(longest.pop())
        return lane.popleft() if lane else None


def _execute_all(todo: list[Job], notebooks_dir: Path, target: Path, created: dt.datetime, version: str | None,
                 workers: int, progress: bool, finished: list[Entry]) -> None:
    """Run the jobs in ``workers`` spawned processes, each with its own warm kernel and one job at a
    time (:class:`_Lanes`); each result is appended to ``finished`` as it arrives (the caller keeps
    them when stopped)."""
    if not todo:
        return
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(todo), unit="Notebook", file=sys.stderr)
    context = multiprocessing.get_context("spawn")  # no forked zmq/asyncio state in the workers
    lanes = _Lanes(todo, min(workers, len(todo)))
    pools = [ProcessPoolExecutor(max_workers=1, mp_context=context, initializer=_worker_start, initargs=(os.getpid(),))
             for _ in lanes.lanes]
    running: dict = {}

    def submit(worker: int) -> None:
        job = lanes.next(worker)
        if job is not None:
            running[pools[worker].submit(execute, job, notebooks_dir, target, created, version)] = worker

    try:
        # The workers are spawned here and inherit the signal mask: blocked, a Ctrl+C cannot hit a
        # worker before its initializer has chosen to ignore it (no traceback from a half-started worker).
        mask = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
        try:
            for worker in range(len(pools)):
                submit(worker)
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        while running:
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                worker = running.pop(future)
                finished.append(future.result())
                _report(finished[-1], len(finished), len(todo), bar)
                submit(worker)
    except BaseException:
        _set_stop_handlers(signal.SIG_IGN)  # a second Ctrl+C must not cut the cleanup short
        _stop_pools(pools)
        raise
    finally:
        if bar is not None:
            bar.close()
    for pool in pools:
        pool.shutdown()


def _raise_stopped(signum, frame):
    raise Stopped(signum)


def _set_stop_handlers(handler) -> dict:
    """Install ``handler`` for SIGINT/SIGTERM (main thread only); the previous handlers."""
    if threading.current_thread() is not threading.main_thread():
        return {}
    return {signum: signal.signal(signum, handler) for signum in STOP_SIGNALS}


def _carry_over(jobs: list[Job], digests_for, previous_dir: Path | None, previous: dict[str, Entry],
                target: Path, notebooks_dir: Path) -> list[Entry]:
    """The latest run's briefings that this (partial) run does not make, linked over unchanged,
    so ``latest`` stays complete; ``stale`` when their data or code has changed since."""
    planned = {job.output for job in jobs}
    carried = []
    for name, old in previous.items():
        files = [f"{name}.ipynb", f"{name}.html"]
        if name in planned or not (notebooks_dir / old.notebook).exists() \
                or not all((previous_dir / f).exists() for f in files):
            continue
        (target / name).parent.mkdir(parents=True, exist_ok=True)  # en/ when only German is made now
        for file in files:
            _link(previous_dir / file, target / file)
        digest = digests_for(Job(old.notebook, name, old.parameters or {}))
        carried.append(old.skipped(previous_dir, carried_over=True, stale=digest != old.input_hash))
    return carried


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
    from helpers.run import export
    from helpers.data import geo
    from helpers.run import warm_kernel
    from helpers.data.store import fingerprint

    target = None
    handlers = _set_stop_handlers(_raise_stopped)
    try:
        for stale in out.glob(f"{TMP_PREFIX}*"):  # left by a killed run; we hold the lock
            shutil.rmtree(stale) if stale.is_dir() and not stale.is_symlink() else stale.unlink()
        created = dt.datetime.now().astimezone().replace(microsecond=0)
        run_name = _run_name(out, created)
        target = out / f"{TMP_PREFIX}{run_name}"
        target.mkdir()
        for folder in {(target / job.output).parent for job in jobs}:  # en/, Kreis folders
            folder.mkdir(parents=True, exist_ok=True)
        version_text = code_version()
        data_hash, code_hash, boundaries_hash = fingerprint(raw_dir), code_fingerprint(), geo.source_fingerprint()
        previous_dir, previous = _previous_entries(out)
        kreis_hashes = data_hashes({kreis_of(job) for job in jobs}
                                   | {kreis_of(e) for e in previous.values()}, raw_dir)

        def digest_of(job: Job) -> str:
            return input_hash(job, notebooks_dir, kreis_hashes[kreis_of(job)], code_hash, boundaries_hash)

        digests = {job.output: digest_of(job) for job in jobs}
        reused, todo = _reuse_unchanged(jobs, digests, previous_dir, previous, target, force)
        carried = _carry_over(jobs, digest_of, previous_dir, previous, target, notebooks_dir)
        shared_js = previous_dir / export.PLOTLY_JS if previous_dir else None
        if shared_js and shared_js.exists():
            _link(shared_js, target / export.PLOTLY_JS)
        else:  # a copy, never a link into the installed package
            shutil.copyfile(export.plotly_js_path(), target / export.PLOTLY_JS)
        sites = sorted(({site_of(job.output) for job in jobs} | {site_of(e.output) for e in carried}) - {""})
        for site in sites:  # each Kreis folder is a complete site of its own (hard links: no extra space)
            (target / site).mkdir(exist_ok=True)
            _link(target / export.PLOTLY_JS, target / site / export.PLOTLY_JS)

        progress = sys.stderr.isatty() if progress is None else progress
        runtime, moved = warm_kernel.runtime_dir()  # before the workers start: they inherit the choice
        warm_kernel.remove_stale_files(runtime)  # of killed runs, also when this run starts no kernel
        if moved:
            print(moved, file=sys.stderr)
        executed, stopped_by = [], None
        try:
            _execute_all(todo, notebooks_dir, target, created, version_text, workers, progress, executed)
        except Stopped as stop:
            if not executed:
                raise
            stopped_by = stop.signum
        _set_stop_handlers(signal.SIG_IGN)  # writing the record takes a moment: no second interrupt
        for entry in executed:
            entry.input_hash = digests[entry.output]
        position = {name: i for i, name in enumerate(previous)}
        position.update({job.output: position.get(job.output, len(previous) + i) for i, job in enumerate(jobs)})
        entries = sorted(reused + executed + carried, key=lambda e: position[e.output])
        failed = [e for e in entries if e.status == "failed"]
        status = "interrupted" if stopped_by else "failed" if failed else "ok"

        if sites:
            for site in sites:
                export.write_indexes(target / site, [e for e in entries if site_of(e.output) == site],
                                     created=created, version=version_text)
            export.write_sites_index(target, sites, entries, created=created, version=version_text)
        else:
            export.write_indexes(target, entries, created=created, version=version_text)
        record = {
            "run": run_name, "status": status,
            "created": created.isoformat(), "seconds": round((dt.datetime.now().astimezone() - created).total_seconds(), 2),
            "data_hash": data_hash, "kreis_data_hashes": kreis_hashes, "code_hash": code_hash, "boundaries_hash": boundaries_hash, "code_version": version_text,
            "packages": package_versions(), "kernel": KERNEL_NAME,
            "options": {"workers": workers, "force": force}, "notebooks": [e.record() for e in entries],
        }
        export.write_atomic(target / "run.json", json.dumps(record, ensure_ascii=False, indent=1, default=str))
        final = out / run_name
        os.rename(target, final)
        target = None
        if status == "ok":
            _switch_latest(out, run_name)
        exit_code = 128 + stopped_by if stopped_by else EXIT_FAILED if failed else EXIT_OK
        return RunResult(exit_code, final, entries, planned=len(jobs), stopped_by=stopped_by)
    except (OSError, DataError) as error:  # DataError: data/raw fails validation, so nothing can be hashed or made
        raise RunError(t("briefings_run_failed", sprache, out=out, error=error,
                         latest=latest_text(out, sprache))) from error
    finally:
        _set_stop_handlers(signal.SIG_IGN)
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


def clean_metadata(nb) -> None:
    """Drop run-specific metadata (timings, paths, papermill's record) so a re-run on unchanged
    data changes only what really differs."""
    nb.metadata.pop("papermill", None)
    for cell in nb.cells:
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)


def refresh(path: Path) -> None:
    """Re-execute a committed product notebook in place with its default parameters (for nbval)."""
    import nbformat
    import papermill

    from helpers.run import export
    from helpers.run import warm_kernel

    nb = papermill.execute_notebook(path, None, engine_name=warm_kernel.ENGINE_NAME, kernel_name=KERNEL_NAME,
                                    progress_bar=False, cwd=path.parent, execution_timeout=EXECUTION_TIMEOUT)
    clean_metadata(nb)
    export.write_atomic(path, nbformat.writes(nb) + "\n")
