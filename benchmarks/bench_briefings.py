"""Time the briefing batch in one sitting on this machine (`make bench`; parts with --only).

kreis-all  `briefings --kreis all --sprache de --jobs 2 --force` into an empty folder: wall time,
           peak memory of the whole process tree (sampled every 0.2 s), seconds per profile /
           overview / comparison inside the workers (papermill + HTML export, from run.json) and the
           run's overhead (2 × wall − worker seconds: start, planning, hashing, index, record).
growth     the same for the first N Kreise in key order (N = 1, 4, 8, 16; `--kreis` given N times),
           with 31 taken from kreis-all when that part ran too: how the total grows with the Kreise.
kleve      Kreis Kleve `--all --force` (German and English) against a papermill process pool
           (2 processes, a fresh kernel per notebook via `papermill.execute_notebook`, then the same
           HTML export), side by side, and the ratio (goal >= 3x); then a rerun with nothing
           changed (everything reused).
stop       Kreis Kleve `--all --force` stopped once two kernels run: by Ctrl+C (SIGINT to the process
           group) and by SIGTERM to the main process alone; seconds until the main process exits and
           until none of its workers and kernels is left (goal: within 5 s; the tests only check that
           they all end).
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import psutil

from helpers import kommunen
from helpers.run import batch, cache, plan
from helpers.run.pool import KERNEL_NAME

PARTS = ("kreis-all", "growth", "kleve", "stop")
GROWTH = (1, 4, 8, 16)
WORKERS = 2
MIB = 2**20
KINDS = {"kommune_profil.ipynb": "profile", "kreis_uebersicht.ipynb": "overview",
         "kommunen_vergleich.ipynb": "comparison"}


def measure(command: list[str]) -> tuple[float, int, subprocess.CompletedProcess]:
    """Wall-clock seconds and peak resident memory (bytes) of a command and all its children."""
    peak = 0
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        parent = psutil.Process(process.pid)
        while not done.is_set():
            try:
                tree = [parent, *parent.children(recursive=True)]
                peak = max(peak, sum(p.memory_info().rss for p in tree if p.is_running()))
            except psutil.Error:
                pass
            time.sleep(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, stderr = process.communicate()
    seconds = time.perf_counter() - started
    done.set()
    sampler.join()
    if process.returncode:
        raise SystemExit(f"{' '.join(command[:6])} … failed with {process.returncode}:\n{stderr[-3000:]}")
    return seconds, peak, subprocess.CompletedProcess(command, process.returncode, stdout, stderr)


def briefings(out: Path, *args: str) -> tuple[float, int, dict]:
    """One `python -m helpers briefings` run with 2 workers: wall seconds, peak memory, its run.json."""
    seconds, peak, _ = measure([sys.executable, "-m", "helpers", "briefings", "--jobs", str(WORKERS),
                                "--out", str(out), *args])
    return seconds, peak, json.loads(((out / batch.LATEST).resolve() / "run.json").read_text(encoding="utf-8"))


def per_kind(record: dict) -> dict[str, tuple[int, float]]:
    """{kind: (count, mean seconds inside the worker)} of the notebooks a run executed."""
    seconds: dict[str, list[float]] = {}
    for entry in record["notebooks"]:
        if entry["status"] == "ok":
            seconds.setdefault(KINDS[entry["notebook"]], []).append(entry["seconds"])
    return {kind: (len(values), statistics.mean(values)) for kind, values in seconds.items()}


def summary(label: str, seconds: float, peak: int, record: dict) -> str:
    worker_seconds = sum(e["seconds"] for e in record["notebooks"] if e["status"] == "ok")
    kinds = "  ".join(f"{kind} {count}× {mean:5.2f} s" for kind, (count, mean) in sorted(per_kind(record).items()))
    return (f"{label}: {seconds:7.1f} s wall, peak memory {peak / MIB:6.0f} MiB, {len(record['notebooks'])} notebooks, "
            f"worker time {worker_seconds:7.1f} s, overhead {WORKERS * seconds - worker_seconds:6.1f} worker-s\n"
            f"    per notebook (papermill + export): {kinds}")


def kreis_all(tmp: Path) -> float:
    seconds, peak, record = briefings(tmp / "kreis-all", "--kreis", "all", "--sprache", "de", "--force")
    print(summary("kreis-all (--kreis all --sprache de, 2 workers)", seconds, peak, record), flush=True)
    return seconds


def growth(tmp: Path, all_seconds: float | None) -> None:
    keys = [k.ags for k in kommunen.kreise()]  # key order
    print("growth (first N Kreise in key order, --sprache de, 2 workers, --force):", flush=True)
    for n in GROWTH:
        chosen = [arg for ags in keys[:n] for arg in ("--kreis", ags)]
        seconds, peak, record = briefings(tmp / f"growth-{n}", *chosen, "--sprache", "de", "--force")
        print(f"  {n:2d} Kreise: {seconds:7.1f} s  ({len(record['notebooks'])} notebooks, "
              f"{seconds / len(record['notebooks']):.2f} s each, peak {peak / MIB:.0f} MiB)", flush=True)
    if all_seconds is not None:
        print(f"  {len(keys):2d} Kreise: {all_seconds:7.1f} s  (kreis-all above)")


def _pool_job(job: plan.Job, target: str, created: dt.datetime) -> None:
    """One notebook the plain way: papermill with a fresh kernel, then the batch's HTML export."""
    import papermill

    from helpers.run import export

    out = Path(target)
    nb = papermill.execute_notebook(batch.NOTEBOOKS_DIR / job.notebook, out / f"{job.output}.ipynb",
                                    parameters=job.parameters, kernel_name=KERNEL_NAME, progress_bar=False,
                                    cwd=batch.NOTEBOOKS_DIR)
    export.export_html(nb, out / f"{job.output}.html", created=created, version=None)


def papermill_pool(target: Path) -> None:
    """The baseline of `kleve`: Kreis Kleve in both languages in a pool of 2 processes."""
    jobs = [job for sprache in ("de", "en") for job in plan.plan(sprache=sprache)]
    for folder in {(target / job.output).parent for job in jobs}:
        folder.mkdir(parents=True, exist_ok=True)
    created = dt.datetime.now().astimezone().replace(microsecond=0)
    with ProcessPoolExecutor(WORKERS) as pool:
        for future in [pool.submit(_pool_job, job, str(target), created) for job in jobs]:
            future.result()


def kleve(tmp: Path) -> None:
    warm_s, warm_mem, record = briefings(tmp / "kleve", "--all", "--force")
    (tmp / "pool").mkdir()
    pool_s, pool_mem, _ = measure([sys.executable, __file__, "--pool-baseline", str(tmp / "pool")])
    rerun_s, _, rerun = briefings(tmp / "kleve", "--all")
    reused = sum(e["status"] == "skipped" for e in rerun["notebooks"])
    print(summary("kleve (--all --force, de + en, warm workers)", warm_s, warm_mem, record))
    print(f"kleve papermill pool (2 processes, fresh kernel per notebook, same export): {pool_s:7.1f} s wall, "
          f"peak memory {pool_mem / MIB:6.0f} MiB")
    print(f"kleve ratio pool / warm batch: {pool_s / warm_s:.2f}x (goal >= 3x)")
    print(f"kleve rerun, nothing changed: {rerun_s:7.1f} s ({reused}/{len(rerun['notebooks'])} reused)", flush=True)


def _kernels_up(run: psutil.Process, count: int = 2, timeout: float = 300) -> list[psutil.Process]:
    """The run's descendants once ``count`` of them are kernels."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        tree = run.children(recursive=True)
        with_kernels = []
        for process in tree:
            try:
                if any("ipykernel" in part for part in process.cmdline()):
                    with_kernels.append(process)
            except psutil.Error:
                pass
        if len(with_kernels) >= count:
            return tree
        time.sleep(0.2)
    raise SystemExit(f"the run did not start {count} kernels within {timeout:.0f} s")


def stop(tmp: Path) -> None:
    for label, signum, group in (("Ctrl+C (SIGINT to the group)", signal.SIGINT, True),
                                 ("SIGTERM to the main process", signal.SIGTERM, False)):
        command = [sys.executable, "-m", "helpers", "briefings", "--all", "--force", "--jobs", str(WORKERS),
                   "--out", str(tmp / "stop")]
        run = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        tree = _kernels_up(psutil.Process(run.pid))
        started = time.perf_counter()
        if group:
            os.killpg(run.pid, signum)
        else:
            run.send_signal(signum)
        run.wait()
        exited = time.perf_counter() - started
        _, alive = psutil.wait_procs(tree, timeout=60)
        gone = time.perf_counter() - started
        left = f"; {len(alive)} still running after 60 s" if alive else ""
        print(f"stop, {label}: exit {run.returncode} after {exited:5.2f} s, its {len(tree)} workers and kernels "
              f"gone after {gone:5.2f} s{left}", flush=True)
        for process in alive:
            process.kill()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", choices=PARTS, help="only this part (repeatable); default all")
    parser.add_argument("--pool-baseline", type=Path, help=argparse.SUPPRESS)  # the kleve baseline, as a subprocess
    args = parser.parse_args(argv)
    if args.pool_baseline:
        papermill_pool(args.pool_baseline)
        return 0
    parts = args.only or PARTS
    print(f"machine: {psutil.cpu_count()} cores, {WORKERS} workers, code {cache.code_version()}", flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-briefings-") as tmp:
        tmp = Path(tmp)
        all_seconds = kreis_all(tmp) if "kreis-all" in parts else None
        if "growth" in parts:
            growth(tmp, all_seconds)
        if "kleve" in parts:
            kleve(tmp)
        if "stop" in parts:
            stop(tmp)
    return 0


if __name__ == "__main__":
    sys.exit(main())
