"""Time the briefing batch against the naive loop, in one sitting on this machine (`make bench`).

(a) the full set cold: `python -m helpers briefings --all --force` into an empty folder
(b) a rerun with nothing changed (everything should be reused from (a))
(c) the naive baseline: papermill CLI, then `jupyter nbconvert --to html` CLI, notebook after notebook
Prints wall-clock seconds, the ratio (c)/(a), per-notebook seconds of (a), the peak memory of each
process tree (sampled every 0.2 s) and the HTML sizes.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

from helpers.run import batch

BIN = Path(sys.executable).parent


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
    return seconds, peak, subprocess.CompletedProcess(command, process.returncode, stdout, stderr)


def briefings(out: Path, *extra: str) -> tuple[float, int, subprocess.CompletedProcess]:
    return measure([sys.executable, "-m", "helpers", "briefings", "--all", "--out", str(out), *extra])


def naive(out: Path) -> tuple[float, int]:
    """The loop a person would write: one papermill CLI call, then one nbconvert CLI call, per notebook."""
    script = [f"set -e; cd {out}"]
    for job in batch.plan():
        params = [arg for key, value in job.parameters.items() if value is not None
                  for arg in ("-r", key, str(value))]
        script.append(" ".join([str(BIN / "papermill"), "-k", batch.KERNEL_NAME, "--no-progress-bar", "--log-level", "ERROR",
                                str(batch.NOTEBOOKS_DIR / job.notebook), f"{job.output}.ipynb", *params]))
        script.append(f"{BIN / 'jupyter'} nbconvert --to html --no-input --log-level ERROR {job.output}.ipynb")
    seconds, peak, done = measure(["bash", "-c", "\n".join(script)])
    if done.returncode:
        raise SystemExit(f"naive baseline failed:\n{done.stderr[-3000:]}")
    return seconds, peak


def main() -> int:
    mib = 1024 * 1024
    with tempfile.TemporaryDirectory(prefix="bench-briefings-") as tmp:
        tmp = Path(tmp)
        cold_s, cold_mem, cold = briefings(tmp / "reports", "--force")
        if cold.returncode:
            raise SystemExit(f"(a) failed with {cold.returncode}:\n{cold.stderr[-3000:]}")
        run_dir = (tmp / "reports" / batch.LATEST).resolve()
        record = json.loads((run_dir / "run.json").read_text())
        rerun_s, rerun_mem, rerun = briefings(tmp / "reports")
        rerun_record = json.loads(((tmp / "reports" / batch.LATEST).resolve() / "run.json").read_text())
        skipped = sum(e["status"] == "skipped" for e in rerun_record["notebooks"])
        (tmp / "naive").mkdir()
        naive_s, naive_mem = naive(tmp / "naive")

        print(f"machine: {os.cpu_count()} cores, jobs={record['options']['workers']}, "
              f"{len(record['notebooks'])} notebooks, code {record['code_version']}")
        print(f"(a) full set cold, --force : {cold_s:7.1f} s   peak memory {cold_mem / mib:7.0f} MiB")
        print(f"(b) rerun, nothing changed : {rerun_s:7.1f} s   peak memory {rerun_mem / mib:7.0f} MiB"
              f"   ({skipped}/{len(rerun_record['notebooks'])} reused, exit {rerun.returncode})")
        print(f"(c) naive papermill+nbconvert CLI loop: {naive_s:7.1f} s   peak memory {naive_mem / mib:7.0f} MiB")
        print(f"ratio (c)/(a): {naive_s / cold_s:.2f}x")
        print("\nper notebook in (a) (seconds inside the worker: papermill + HTML export) and HTML size:")
        for entry in record["notebooks"]:
            size = (run_dir / f"{entry['output']}.html").stat().st_size
            print(f"  {entry['output']:<40} {entry['seconds']:6.2f} s  {size / 1024:7.0f} KiB")
        print(f"  {'index.html':<40} {'':8}  {(run_dir / 'index.html').stat().st_size / 1024:7.0f} KiB")
        print(f"  {'plotly.min.js (once per run folder)':<40} {'':8}  {(run_dir / 'plotly.min.js').stat().st_size / 1024:7.0f} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
