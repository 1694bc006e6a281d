"""Time the briefing batch in one sitting on this machine (`make bench`; parts with --only).

kreis-all  `briefings --kreis all --sprache de --jobs 2 --force` into an empty folder: wall time,
           peak memory of the whole process tree (RSS and PSS summed, see Peak),
           CPU seconds of the tree, and
           per notebook kind the seconds and CPU seconds inside the workers (papermill + HTML export,
           from run.json); the rest is the run's overhead (start, planning, hashing, kernels, index).
growth     the same for the first N Kreise in key order (N = 1, 4, 8, 16; `--kreis` given N times),
           with 31 taken from kreis-all when that part ran too: how the total grows with the Kreise.
kleve      Kreis Kleve `--all --force --sprache de` (34 notebooks) three ways, side by side: the batch
           (2 warm workers); a papermill process pool (2 processes, a fresh kernel per notebook via
           `papermill.execute_notebook`, then the batch's HTML export); the naive loop (per notebook the
           papermill CLI, then the nbconvert CLI to HTML, one after the other). Ratios against the
           batch (goals: pool >= 4x, naive >= 8x), CPU seconds per notebook and kind for each; then a
           rerun with nothing changed (goal < 2 s).
stop       Kreis Kleve `--all --force` stopped once two kernels run: by Ctrl+C (SIGINT to the process
           group) and by SIGTERM to the main process alone; seconds until the main process exits and
           until none of its workers and kernels is left (goal: within 5 s; the tests only check that
           they all end).

CPU seconds count every process of a tree (user + system, from the rusage of its ended children).
Wall times depend on what else the machine does: compare numbers taken in one sitting.
"""
from __future__ import annotations

import argparse
import contextlib
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
from dataclasses import dataclass, field
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
         "kommunen_vergleich.ipynb": "comparison", "kommune_kurz.ipynb": "short version"}
GOALS = {"pool": 4.0, "naive": 8.0, "rerun": 2.0}


def _children_cpu() -> float:
    usage = os.times()
    return usage.children_user + usage.children_system


@dataclass
class Peak:
    """Peak memory of a process tree: the sum of resident sizes, sampled every 0.2 s (counts every shared
    page, libraries and mapped files, once per process), the sum of proportional sizes, sampled every
    second (PSS: a page shared by n processes counts 1/n, the tree's real footprint; reading it costs
    the kernel a walk over every mapping) and per role the largest PSS of one process."""

    rss: int = 0
    pss: int = 0
    roles: dict = field(default_factory=dict)
    _known: dict = field(default_factory=dict)  # pid -> role

    def sample(self, tree: list[psutil.Process], proportional: bool) -> None:
        rss = pss = 0
        for process in tree:
            with contextlib.suppress(psutil.Error):
                if not proportional:
                    rss += process.memory_info().rss
                    continue
                info = process.memory_full_info()
                rss, pss = rss + info.rss, pss + info.pss
                role = self._known.setdefault(process.pid, _role(process, tree[0]))
                self.roles[role] = max(self.roles.get(role, 0), info.pss)
        self.rss, self.pss = max(self.rss, rss), max(self.pss, pss)

    def __str__(self) -> str:
        roles = ", ".join(f"{role} {size / MIB:.0f}" for role, size in sorted(self.roles.items()))
        return (f"peak memory {self.rss / MIB:6.0f} MiB RSS summed, {self.pss / MIB:6.0f} MiB PSS summed "
                f"(largest PSS per process in MiB: {roles})")


def _role(process: psutil.Process, main: psutil.Process) -> str:
    if process.pid == main.pid:
        return "main"
    command = " ".join(process.cmdline())
    return "kernel" if "ipykernel" in command else "tracker" if "resource_tracker" in command else "worker"


def measure(command: list[str]) -> tuple[float, Peak, float, subprocess.CompletedProcess]:
    """Wall seconds, peak memory and CPU seconds of a command and all its children."""
    peak = Peak()
    cpu_before = _children_cpu()
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    done = threading.Event()

    def sample() -> None:
        parent = psutil.Process(process.pid)
        samples = 0
        while not done.is_set():
            with contextlib.suppress(psutil.Error):
                peak.sample([parent, *parent.children(recursive=True)], proportional=samples % 5 == 0)
            samples += 1
            time.sleep(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, stderr = process.communicate()
    seconds = time.perf_counter() - started
    done.set()
    sampler.join()
    if process.returncode:
        raise SystemExit(f"{' '.join(command[:6])} … failed with {process.returncode}:\n{stderr[-3000:]}")
    return seconds, peak, _children_cpu() - cpu_before, subprocess.CompletedProcess(command, 0, stdout, stderr)


def briefings(out: Path, *args: str) -> tuple[float, Peak, float, dict]:
    """One `python -m helpers briefings` run with 2 workers: wall seconds, peak memory, CPU seconds, its run.json."""
    seconds, peak, cpu, _ = measure([sys.executable, "-m", "helpers", "briefings", "--jobs", str(WORKERS),
                                     "--out", str(out), *args])
    return seconds, peak, cpu, json.loads(((out / batch.LATEST).resolve() / "run.json").read_text(encoding="utf-8"))


def per_kind(timings: list[tuple[str, float, float]]) -> str:
    """'profile 16× 1,23 s, CPU 0,95 s (median 0,80 s)' per kind, from (notebook, seconds, CPU seconds)."""
    kinds: dict[str, list[tuple[float, float]]] = {}
    for notebook, seconds, cpu in timings:
        kinds.setdefault(KINDS[notebook], []).append((seconds, cpu))
    return "  ".join(f"{kind} {len(values)}× {statistics.mean(s for s, _ in values):5.2f} s, "
                     f"CPU {statistics.mean(c for _, c in values):5.2f} s "
                     f"(median {statistics.median(c for _, c in values):4.2f})"
                     for kind, values in sorted(kinds.items()))


def _executed(record: dict) -> list[tuple[str, float, float]]:
    return [(e["notebook"], e["seconds"], e.get("cpu_seconds", 0.0))
            for e in record["notebooks"] if e["status"] == "ok"]


def summary(label: str, seconds: float, peak: Peak, cpu: float, record: dict) -> str:
    executed = _executed(record)
    worker_seconds = sum(s for _, s, _ in executed)
    notebook_cpu = sum(c for _, _, c in executed)
    return (f"{label}: {seconds:7.1f} s wall, {peak}, CPU {cpu:6.1f} s, "
            f"{len(record['notebooks'])} notebooks; in the workers {worker_seconds:7.1f} s, CPU {notebook_cpu:6.1f} s; "
            f"CPU outside the notebooks {cpu - notebook_cpu:5.1f} s\n"
            "    per notebook (papermill + export; a worker's first includes its kernel's start): "
            f"{per_kind(executed)}")


def kreis_all(tmp: Path) -> float:
    seconds, peak, cpu, record = briefings(tmp / "kreis-all", "--kreis", "all", "--sprache", "de", "--force")
    print(summary("kreis-all (--kreis all --sprache de, 2 workers)", seconds, peak, cpu, record), flush=True)
    return seconds


def growth(tmp: Path, all_seconds: float | None) -> None:
    keys = [k.ags for k in kommunen.kreise()]  # key order
    print("growth (first N Kreise in key order, --sprache de, 2 workers, --force):", flush=True)
    for n in GROWTH:
        chosen = [arg for ags in keys[:n] for arg in ("--kreis", ags)]
        seconds, peak, _, record = briefings(tmp / f"growth-{n}", *chosen, "--sprache", "de", "--force")
        print(f"  {n:2d} Kreise: {seconds:7.1f} s  ({len(record['notebooks'])} notebooks, "
              f"{seconds / len(record['notebooks']):.2f} s each, peak {peak.rss / MIB:.0f} MiB RSS, "
              f"{peak.pss / MIB:.0f} MiB PSS)", flush=True)
    if all_seconds is not None:
        print(f"  {len(keys):2d} Kreise: {all_seconds:7.1f} s  (kreis-all above)")


def _pool_job(job: plan.Job, target: str, created: dt.datetime) -> tuple[str, float, float]:
    """One notebook the plain way: papermill with a fresh kernel, then the batch's HTML export;
    its wall and CPU seconds (this process and the kernel it started and ended)."""
    import papermill

    from helpers.run import export

    started, cpu_started = time.perf_counter(), time.process_time() + _children_cpu()
    out = Path(target)
    nb = papermill.execute_notebook(batch.NOTEBOOKS_DIR / job.notebook, out / f"{job.output}.ipynb",
                                    parameters=job.parameters, kernel_name=KERNEL_NAME, progress_bar=False,
                                    cwd=batch.NOTEBOOKS_DIR)
    export.export_html(nb, out / f"{job.output}.html", created=created, version=None)
    return job.notebook, time.perf_counter() - started, time.process_time() + _children_cpu() - cpu_started


def papermill_pool(target: Path) -> None:
    """The `kleve` pool: Kreis Kleve in German in a pool of 2 processes; prints the notebooks' timings as JSON."""
    jobs = plan.plan(sprache="de")
    created = dt.datetime.now().astimezone().replace(microsecond=0)
    with ProcessPoolExecutor(WORKERS) as pool:
        timings = [future.result() for future in [pool.submit(_pool_job, job, str(target), created) for job in jobs]]
    print(json.dumps(timings))


def naive_loop(target: Path) -> list[tuple[str, float, float]]:
    """The `kleve` naive loop: per notebook the papermill CLI, then the nbconvert CLI, one after the other."""
    timings = []
    for job in plan.plan(sprache="de"):
        executed = target / f"{job.output}.ipynb"
        parameters = [arg for name, value in job.parameters.items() if value is not None
                      for arg in ("-r", name, str(value))]
        started, cpu_started = time.perf_counter(), _children_cpu()
        for command in ([sys.executable, "-m", "papermill", str(batch.NOTEBOOKS_DIR / job.notebook), str(executed),
                         "-k", KERNEL_NAME, "--cwd", str(batch.NOTEBOOKS_DIR), "--no-progress-bar", *parameters],
                        [sys.executable, "-m", "nbconvert", "--to", "html", "--no-input", str(executed)]):
            subprocess.run(command, check=True, capture_output=True)
        timings.append((job.notebook, time.perf_counter() - started, _children_cpu() - cpu_started))
    return timings


def kleve(tmp: Path) -> None:
    warm_s, warm_mem, warm_cpu, record = briefings(tmp / "kleve", "--all", "--force", "--sprache", "de")
    print(summary("kleve batch (--all --force --sprache de, 2 warm workers)", warm_s, warm_mem, warm_cpu, record),
          flush=True)
    (tmp / "pool").mkdir()
    pool_s, pool_mem, pool_cpu, done = measure([sys.executable, __file__, "--pool-baseline", str(tmp / "pool")])
    print(f"kleve papermill pool (2 processes, fresh kernel per notebook, same export): {pool_s:7.1f} s wall, "
          f"{pool_mem}, CPU {pool_cpu:6.1f} s\n"
          f"    per notebook: {per_kind(json.loads(done.stdout))}", flush=True)
    (tmp / "naive").mkdir()
    cpu_before, started = _children_cpu(), time.perf_counter()
    timings = naive_loop(tmp / "naive")
    naive_s, naive_cpu = time.perf_counter() - started, _children_cpu() - cpu_before
    print(f"kleve naive loop (papermill CLI + nbconvert CLI per notebook, one at a time): {naive_s:7.1f} s wall, "
          f"CPU {naive_cpu:6.1f} s\n    per notebook: {per_kind(timings)}", flush=True)
    rerun_s, _, rerun_cpu, rerun = briefings(tmp / "kleve", "--all", "--sprache", "de")
    reused = sum(e["status"] == "skipped" for e in rerun["notebooks"])
    print(f"kleve ratio pool / batch: {pool_s / warm_s:.2f}x (goal >= {GOALS['pool']:.0f}x); "
          f"naive / batch: {naive_s / warm_s:.2f}x (goal >= {GOALS['naive']:.0f}x)")
    print(f"kleve rerun, nothing changed: {rerun_s:7.2f} s, CPU {rerun_cpu:5.2f} s "
          f"({reused}/{len(rerun['notebooks'])} reused; goal < {GOALS['rerun']:.0f} s)", flush=True)


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
    parser.add_argument("--pool-baseline", type=Path, help=argparse.SUPPRESS)  # the kleve pool, as a subprocess
    args = parser.parse_args(argv)
    if args.pool_baseline:
        papermill_pool(args.pool_baseline)
        return 0
    parts = args.only or PARTS
    print(f"machine: {psutil.cpu_count()} cores, load {os.getloadavg()[0]:.1f}, {WORKERS} workers, "
          f"code {cache.code_version()}", flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-briefings-") as tmp:
        tmp = Path(tmp)
        all_seconds = kreis_all(tmp) if "kreis-all" in parts else None
        if "growth" in parts:
            growth(tmp, all_seconds)
        if "kleve" in parts:
            kleve(tmp)
        if "stop" in parts:
            stop(tmp)
    print(f"load at the end: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
