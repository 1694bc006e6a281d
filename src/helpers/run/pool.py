"""Executing notebooks in a pool of warm workers, one job at a time each (a Kreis's briefings in one lane).

SIGINT/SIGTERM stop it within seconds: workers and kernels are ended, the caller keeps the finished
notebooks. Workers and kernels also end on their own when the main process is killed (helpers.lifetime).
"""
from __future__ import annotations

import collections
import datetime as dt
import multiprocessing
import os
import signal
import sys
import threading
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from pathlib import Path

from helpers import lifetime
from helpers.fmt import MISSING, format_number
from helpers.i18n import t
from helpers.run.plan import Entry, Job, kreis_of

KERNEL_NAME = "integrationsmonitor"
EXECUTION_TIMEOUT = 900  # seconds per cell: a hung cell must not block cron forever
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
STOP_SECONDS = 2.0  # a worker gets this long to kill its kernel before it is killed itself
MEMORY_PER_WORKER = 450 * 2**20  # a worker with its warm kernel and one profile: ~350–400 MB measured


class Stopped(BaseException):
    """SIGINT or SIGTERM reached the main process (BaseException: no ``except Exception`` hides it)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def execute(job: Job, notebooks_dir: Path, target_dir: Path, created: dt.datetime, version: str | None) -> Entry:
    """Run one notebook with papermill on this worker's warm kernel and export its HTML.

    Never raises: a failure is returned as ``status="failed"`` with the cell and the error,
    so the other notebooks of the run still finish.
    """
    import papermill
    from papermill.exceptions import PapermillExecutionError

    from helpers.presentation import payloads
    from helpers.run import export, warm_kernel

    started, cpu_started = time.perf_counter(), time.process_time() + warm_kernel.cpu_seconds()
    entry = Entry(job.output, job.notebook, job.parameters)
    try:
        nb = papermill.execute_notebook(
            notebooks_dir / job.notebook, target_dir / f"{job.output}.ipynb", parameters=job.parameters,
            engine_name=warm_kernel.ENGINE_NAME, kernel_name=KERNEL_NAME, progress_bar=False,
            request_save_on_cell_execute=False, cwd=notebooks_dir, execution_timeout=EXECUTION_TIMEOUT,
        )
        export.export_html(nb, target_dir / f"{job.output}.html", created=created, version=version)
        entry.status = "ok"
        entry.briefing, entry.key_figures = (payloads.read(nb, payloads.BRIEFING),
                                             payloads.read(nb, payloads.KEY_FIGURES))
    except PapermillExecutionError as error:
        entry.error = {"cell": error.cell_index, "execution_count": error.exec_count, "source": error.source,
                       "ename": error.ename, "evalue": error.evalue}
    except Exception as error:  # kernel died, timeout, export failed: record it, keep the run going
        entry.error = {"cell": None, "ename": type(error).__name__, "evalue": str(error)}
    entry.seconds = round(time.perf_counter() - started, 2)
    entry.cpu_seconds = round(time.process_time() + warm_kernel.cpu_seconds() - cpu_started, 2)
    return entry


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
    signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)  # blocked since the spawn, see execute_all


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
            for _ in range((len(longest) + 1) // 2):  # the larger half: its owner is busy with its current job
                lane.appendleft(longest.pop())
        return lane.popleft() if lane else None


def execute_all(todo: list[Job], notebooks_dir: Path, target: Path, created: dt.datetime, version: str | None,
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
        else:  # nothing left for it: it ends (with its kernel) while the others finish
            pools[worker].shutdown(wait=False)

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
        set_stop_handlers(signal.SIG_IGN)  # a second Ctrl+C must not cut the cleanup short
        _stop_pools(pools)
        raise
    finally:
        if bar is not None:
            bar.close()
    for pool in pools:
        pool.shutdown()


def raise_stopped(signum, frame):
    raise Stopped(signum)


def set_stop_handlers(handler) -> dict:
    """Install ``handler`` for SIGINT/SIGTERM (main thread only); the previous handlers."""
    if threading.current_thread() is not threading.main_thread():
        return {}
    return {signum: signal.signal(signum, handler) for signum in STOP_SIGNALS}
