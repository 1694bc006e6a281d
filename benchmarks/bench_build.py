"""CPU seconds of `python -m helpers data build` on the committed data, this checkout against a git ref, and
whether both builds are the same: every file of the build folder compared (Parquet by values and dtypes,
everything else byte-wise; in manifest.json only the fields in VOLATILE differ by design). Usage:

    .venv/bin/python benchmarks/bench_build.py [REF] [RUNS]     (default: main, 3 runs each; the least CPU counts)

The code of REF comes from `git archive` into a temporary folder (its own catalogue included) and runs with
PYTHONPATH pointing there; each build gets its own copy of data/ as INTEGRATIONSMONITOR_ROOT.
Exit code 0 only when both builds match.
"""
from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parents[1]
# manifest.json fields that name the code or the moment of a build, not its data
VOLATILE = ("built_at", "code_hash", "git_commit")


def export_source(ref: str, into: Path) -> Path:
    """The src/ folder of ``ref`` unpacked into ``into``."""
    archive = subprocess.run(["git", "archive", ref, "src"], cwd=REPO, capture_output=True, check=True).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into / "src"


def build(source: Path, root: Path) -> tuple[float, Path]:
    """(CPU seconds of the build process, its build folder) of one build of the committed data into ``root``."""
    if root.exists():
        shutil.rmtree(root)
    shutil.copytree(REPO / "data", root / "data", ignore=shutil.ignore_patterns("processed"))
    (root / "data" / "processed").mkdir()
    env = {**os.environ, "INTEGRATIONSMONITOR_ROOT": str(root), "PYTHONPATH": str(source)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([sys.executable, "-m", "helpers", "data", "build"], env=env, check=True, capture_output=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return cpu, (root / "data" / "processed" / "current").resolve()


def differences(old: Path, new: Path) -> list[str]:
    """What differs between two build folders (empty: the same build)."""
    names = sorted({p.name for p in old.iterdir()} | {p.name for p in new.iterdir()})
    out = []
    for name in names:
        a, b = old / name, new / name
        if not (a.is_file() and b.is_file()):
            out.append(f"{name}: only in {'old' if a.is_file() else 'new'}")
        elif name.endswith(".parquet"):
            left, right = pd.read_parquet(a), pd.read_parquet(b)
            if not (left.dtypes.equals(right.dtypes) and left.equals(right)):
                out.append(f"{name}: values or dtypes differ")
        elif name == "manifest.json":
            left, right = (json.loads(p.read_text(encoding="utf-8")) for p in (a, b))
            out += [f"manifest.json: {key} differs" for key in sorted(left.keys() | right.keys())
                    if key not in VOLATILE and left.get(key) != right.get(key)]
        elif a.read_bytes() != b.read_bytes():
            out.append(f"{name}: bytes differ")
    return out


def main() -> int:
    ref = sys.argv[1] if len(sys.argv) > 1 else "main"
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    with tempfile.TemporaryDirectory(prefix="bench-build-") as scratch:
        scratch = Path(scratch)
        sources = {ref: export_source(ref, scratch / "ref"), "this checkout": REPO / "src"}
        cpu: dict[str, list[float]] = {label: [] for label in sources}
        folders = {}
        for _ in range(runs):
            for number, (label, source) in enumerate(sources.items()):  # alternating: both meet the same load
                seconds, folders[label] = build(source, scratch / f"root{number}")
                cpu[label].append(seconds)
        for label, seconds in cpu.items():
            print(f"{label:>15}: {min(seconds):.2f} CPU-s per build (least of {runs}; all: "
                  + ", ".join(f"{s:.2f}" for s in seconds) + ")")
        found = differences(*folders.values())
    print("builds identical (manifest fields excepted: " + ", ".join(VOLATILE) + ")" if not found
          else "builds DIFFER:\n  " + "\n  ".join(found))
    return 0 if not found else 1


if __name__ == "__main__":
    sys.exit(main())
