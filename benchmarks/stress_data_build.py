"""Run `python -m helpers data build` many times, some at once, and count unclean exits.

A build that succeeded must also exit 0: an abort at interpreter teardown ("terminate called without an
active exception", exit 134 / -6, apache/arrow#34314) makes cron report a failure. Usage:

    .venv/bin/python benchmarks/stress_data_build.py [RUNS] [CONCURRENT]     (default 40 runs, 2 at once)

Exit code 0 only when every run exited 0 with nothing from the C++ runtime on stderr.
"""
from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ABORT_MARKERS = ("terminate called", "Fatal Python error", "Segmentation fault", "core dumped")


def build_once(out_root: Path, number: int) -> tuple[int, str, float]:
    """(exit code, stderr, seconds) of one real build into its own processed folder."""
    started = time.perf_counter()
    command = [sys.executable, "-m", "helpers", "data", "build", "--out-dir", str(out_root / f"p{number}")]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600)
    return result.returncode, result.stderr, time.perf_counter() - started


def stress(runs: int, concurrent: int) -> tuple[Counter, list[str], list[float]]:
    with tempfile.TemporaryDirectory(prefix="stress-build-") as scratch, ThreadPoolExecutor(concurrent) as pool:
        results = list(pool.map(lambda n: build_once(Path(scratch), n), range(runs)))
    codes = Counter(code for code, _, _ in results)
    aborts = [err for code, err, _ in results if code != 0 or any(m in err for m in ABORT_MARKERS)]
    return codes, aborts, [seconds for _, _, seconds in results]


def main() -> int:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 40
    concurrent = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    codes, aborts, seconds = stress(runs, concurrent)
    print(f"{runs} builds, {concurrent} at once: exit codes {dict(codes)}; unclean {len(aborts)}; "
          f"{sum(seconds) / len(seconds):.1f} s per build (max {max(seconds):.1f} s)")
    for err in aborts[:3]:
        print("--- stderr of an unclean run:\n" + err[-1500:])
    return 0 if not aborts else 1


if __name__ == "__main__":
    sys.exit(main())
