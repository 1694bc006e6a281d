"""Faults a scheduled or hand-typed briefing run meets (issue 15): signals, a killed parent,
``--jobs 999``, partial runs, odd ``--out`` and ``--stichtag``, a full disk, a read-only HOME.

Real processes, real signals, real files; the runs of one module share a toy project
(tests/batch/toy.py) and its first complete run, to keep the suite short.
"""
from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from filelock import FileLock

from helpers.run import batch, pages
from tests.batch.toy import product_root

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("faults")]  # its module fixture runs once
# Seconds after which a stopped run that still has processes is taken to hang: a guard against a test
# waiting forever, not a speed check (how fast a run stops is measured by `make bench`, part "stop").
HANG_GUARD = 60.0


def _env(root: Path, **extra: str) -> dict:
    return dict(os.environ, INTEGRATIONSMONITOR_ROOT=str(root), **extra)


def _cli(*args, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "helpers", "briefings", *map(str, args)], env=env,
                          capture_output=True, text=True, timeout=900)


def _tree(pid: int) -> set[int]:
    """``pid`` and all its living descendants (from /proc)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if fields[0] != "Z":
                children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = set(), [pid]
    while todo:
        current = todo.pop()
        found.add(current)
        todo += children.get(current, [])
    return found


def _living(pids: set[int]) -> set[int]:
    alive = set()
    for pid in pids:
        with contextlib.suppress(OSError, IndexError):
            if Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z":
                alive.add(pid)
    return alive


def _kernels(pids: set[int]) -> set[int]:
    kernels = set()
    for pid in pids:
        with contextlib.suppress(OSError):
            if b"ipykernel" in Path(f"/proc/{pid}/cmdline").read_bytes():
                kernels.add(pid)
    return kernels


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """A toy project and a complete first run into ``out`` (with ``--jobs 999``)."""
    base = tmp_path_factory.mktemp("faults")
    root, out = product_root(base / "root"), base / "out"
    first = _cli("--all", "--jobs", "999", "--out", out, env=_env(root))
    assert first.returncode == 0, first.stderr
    return root, out, first


def _latest(out: Path) -> Path:
    return (out / batch.LATEST).resolve()


def test_jobs_999_is_capped_and_said(project):
    root, out, first = project
    cores = len(os.sched_getaffinity(0))
    assert re.search(rf"--jobs 999 auf {min(cores, 999)} Worker begrenzt \({cores} Kerne", first.stderr), first.stderr
    record = json.loads((_latest(out) / "run.json").read_text())
    assert record["options"]["workers"] <= cores


@pytest.fixture(scope="module")
def partial(project, tmp_path_factory):
    """``--kommune Kleve --sprache de`` after the complete run (both languages), with another
    boundaries file: the English set is carried over into en/."""
    root, out, _ = project
    before = _latest(out)
    boundaries = tmp_path_factory.mktemp("geo") / "grenzen.geojson"
    boundaries.write_text('{"type": "FeatureCollection", "features": []}')
    done = _cli("--kommune", "Kleve", "--jobs", "1", "--sprache", "de", "--out", out,
                env=_env(root, INTEGRATIONSMONITOR_BOUNDARIES=str(boundaries)))
    return before, done, out


def test_read_only_home_still_builds(project, tmp_path, mount_tmpfs):
    root = project[0]
    env = _env(root, HOME=str(mount_tmpfs(tmp_path / "home", "ro,size=1m")))
    for name in ("XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_RUNTIME_DIR", "JUPYTER_RUNTIME_DIR", "IPYTHONDIR",
                 "MPLCONFIGDIR", "INTEGRATIONSMONITOR_GEO_CACHE"):
        env.pop(name, None)
    done = _cli("--kommune", "Kleve", "--jobs", "1", "--out", tmp_path / "out", env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Traceback" not in done.stderr
    assert "ist nicht beschreibbar" in done.stderr  # the log says which folder and where the files went instead
    executed = {p.name for p in (tmp_path / "out" / batch.LATEST).glob("*.html")} - {pages.ACCESSIBILITY_PAGE}
    assert len(executed) == 4  # 3 briefings + index, all executed


def test_partial_run_keeps_latest_complete(partial):
    before, done, out = partial
    assert done.returncode == 0, done.stderr[-3000:]
    latest = _latest(out)
    assert latest != before
    pages = {"index.html", "barrierefreiheit.html"}
    briefings = {p.name for p in latest.glob("*.html")} - pages
    assert briefings == {p.name for p in before.glob("*.html")} - pages and len(briefings) == 18
    index = (latest / "index.html").read_text()
    assert len(re.findall(r'<tr><td><a href="kommune_\d{8}_[a-z-]+\.html">', index)) == 16
    assert 'href="kreis_uebersicht.html"' in index
    assert "weitere Briefings aus dem letzten Lauf übernommen" in done.stderr
    english = {p.name for p in (latest / "en").glob("*.html")}
    assert english == {p.name for p in (before / "en").glob("*.html")} and len(english) == 19  # with en/index.html
    english_index = (latest / "en" / "index.html").read_text()
    assert len(re.findall(r'<tr><td><a href="kommune_\d{8}_[a-z-]+\.html">', english_index)) == 16


def test_boundaries_file_is_part_of_the_cache_key(partial):
    _, done, out = partial
    entries = {e["output"]: e for e in json.loads((_latest(out) / "run.json").read_text())["notebooks"]}
    assert entries["kommune_05154036_kleve"]["status"] == "ok"  # re-executed, not reused: new boundaries
    assert entries["kommune_05154016_goch"]["stale"] is True  # carried over, and said to be older
    assert "kommune_05154016_goch" in done.stderr


def _start_slow(root: Path, out: Path, **popen) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "helpers", "briefings", "--all", "--force", "--jobs", "2",
                             "--out", str(out)], env=_env(root, IM_TEST_SLEEP="2"), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **popen)


@contextlib.contextmanager
def _reaped(victim: subprocess.Popen):
    """Whatever the test finds, no process of the victim's run outlives it (found again at the end)."""
    seen: set[int] = set()
    try:
        yield seen
    finally:
        for pid in _living(seen | _tree(victim.pid)) - {os.getpid()}:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            victim.communicate(timeout=10)


def _wait_for_kernels(victim: subprocess.Popen, count: int = 2, finished: Path | None = None) -> set[int]:
    """The run's processes once ``count`` kernels are up (and, if given, a briefing is in ``finished``)."""
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and victim.poll() is None:
        tree = _tree(victim.pid)
        if len(_kernels(tree)) >= count and (finished is None or any(finished.glob(f"{batch.TMP_PREFIX}*/*.html"))):
            return tree
        time.sleep(0.2)
    pytest.fail(f"the run did not start {count} kernels (exit {victim.poll()})")


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGKILL])
def test_killed_main_process_takes_workers_and_kernels_along(project, signum):
    root, out, _ = project
    before = _latest(out)
    victim = _start_slow(root, out)
    with _reaped(victim) as seen:
        tree = _wait_for_kernels(victim)
        seen |= tree
        assert len(tree) >= 5  # main, 2 workers, 2 kernels
        os.kill(victim.pid, signum)  # the main process only, as a supervisor does
        deadline = time.monotonic() + HANG_GUARD
        while _living(tree) and time.monotonic() < deadline:
            with contextlib.suppress(subprocess.TimeoutExpired):
                victim.communicate(timeout=0.1)
        assert not _living(tree), f"still alive after {signum.name}: {sorted(_living(tree))}"
    assert _latest(out) == before


def test_ctrl_c_stops_the_run_without_traceback(project):
    root, out, _ = project
    before = _latest(out)
    victim = _start_slow(root, out, start_new_session=True)
    with _reaped(victim) as seen:
        tree = _wait_for_kernels(victim, finished=out)
        # the worker writes the page before the main process hears of it; a notebook sleeps IM_TEST_SLEEP=2 s,
        # so within 1 s the main process has counted the first one and at most one more has finished
        time.sleep(1)
        seen |= tree
        os.killpg(victim.pid, signal.SIGINT)  # what the terminal sends to the foreground group on Ctrl+C
        deadline = time.monotonic() + HANG_GUARD
        _, stderr = victim.communicate(timeout=HANG_GUARD)
        while _living(tree) and time.monotonic() < deadline:
            time.sleep(0.1)
        survivors = _living(tree)
    assert not survivors, (survivors, stderr)
    assert victim.returncode == 130, stderr
    assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr
    match = re.search(r"Abgebrochen \(SIGINT\): (\d+) von 36 Notebooks waren fertig .*; sie liegen in (\S+),", stderr)
    assert match, stderr
    record = json.loads((Path(match[2]) / "run.json").read_text())
    assert record["status"] == "interrupted" and sum(e["status"] == "ok" for e in record["notebooks"]) == int(match[1])
    assert _latest(out) == before and not list(out.glob(f"{batch.TMP_PREFIX}*"))


@pytest.fixture
def short_tmp():
    """A folder with a short path: a kernel's zmq ipc socket path must stay under 108 characters, and
    pytest-xdist makes tmp_path longer (…/popen-gw1/…)."""
    with tempfile.TemporaryDirectory(prefix="im-") as folder:
        yield Path(folder)


def test_next_run_removes_what_killed_runs_left(project, short_tmp):
    """Kernel connection files of dead workers, .tmp-* run folders."""
    root, out, _ = project
    runtime = short_tmp
    dead = subprocess.Popen(["true"])
    dead.wait()
    leftovers = [runtime / f"integrationsmonitor-{dead.pid}-kernel.json",
                 runtime / f"integrationsmonitor-{dead.pid}-ipc-1"]
    for path in leftovers:
        path.write_text("{}")
    (out / f"{batch.TMP_PREFIX}20000101-000000").mkdir()
    done = _cli("--kommune", "Kleve", "--jobs", "1", "--out", out, env=_env(root, JUPYTER_RUNTIME_DIR=str(runtime)))
    assert done.returncode == 0, done.stderr
    assert not [p for p in leftovers if p.exists()]
    assert not list(out.glob(f"{batch.TMP_PREFIX}*"))
    assert not list(runtime.glob("*kernel*.json")), "the run's own connection files must go too"


def test_data_build_removes_folders_of_killed_builds(tmp_path):
    from helpers.data import build, transaction
    from helpers.paths import RAW_DIR

    dead = subprocess.Popen(["true"])
    dead.wait()
    killed = tmp_path / f"{transaction.PREFIX}20000101-000000-abcd12-{dead.pid}"  # staged, never committed
    (killed / "build" / "observations.parquet").parent.mkdir(parents=True)
    (killed / "build" / "observations.parquet").write_bytes(b"half")
    running = tmp_path / f"{transaction.PREFIX}20000101-000000-efgh56-{os.getpid()}"  # alive: not ours to remove
    running.mkdir()
    build.build(RAW_DIR, tmp_path / "processed")
    assert not killed.exists() and running.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([running.name, "processed"])


@pytest.mark.parametrize("case", ["file", "read-only", "proc", "latest", "run folder", "data/raw", "latest folder"])
def test_unusable_out_exits_2_before_running(project, run_cli, tmp_path, mount_tmpfs, case):
    root, out, _ = project
    before = sorted(p.name for p in out.iterdir())
    target, message = {
        "file": (tmp_path / "datei.txt", "ist kein Ordner"),
        "read-only": (tmp_path / "ro" / "reports", "kann nicht geschrieben werden"),
        "proc": (Path("/proc/self/briefings"), "kann nicht geschrieben werden"),
        "latest": (out / batch.LATEST, "liegt in einem Laufordner"),
        "run folder": (_latest(out) / "unter", "liegt in einem Laufordner"),
        "data/raw": (root / "data" / "raw" / "briefings", "dorthin dürfen keine Briefings"),
        "latest folder": (tmp_path / "reports", "ist ein echter Ordner statt eines Verweises"),
    }[case]
    if case == "file":
        target.write_text("keine Briefings hier")
    elif case == "read-only":
        mount_tmpfs(target.parent, "ro,size=1m")
    elif case == "latest folder":
        (target / batch.LATEST).mkdir(parents=True)
    done = run_cli("briefings", "--kommune", "Kleve", "--out", target)  # in this process: refused before any run
    assert done.returncode == 2, done.stderr
    assert message in done.stderr and "Traceback" not in done.stderr
    assert sorted(p.name for p in out.iterdir()) == before
    assert not list(Path(root / "data" / "raw").glob("briefings*"))
    if case == "latest folder":
        assert [p.name for p in target.iterdir()] == [batch.LATEST]


def test_full_disk_exits_1_removes_the_run_and_keeps_latest(project, tmp_path, mount_tmpfs):
    root, out, _ = project
    small = mount_tmpfs(tmp_path / "small", "size=32m") / "reports"
    small.mkdir()
    good = _latest(out)
    shutil.copytree(good, small / good.name)
    (small / batch.LATEST).symlink_to(good.name)
    with open(small / "füllung", "wb") as filler, contextlib.suppress(OSError):  # fill the disk, then give back a bit
        while True:
            filler.write(b"\0" * 65536)
            filler.flush()
    os.truncate(small / "füllung", (small / "füllung").stat().st_size - 48 * 1024)
    done = _cli("--kommune", "Kleve", "--jobs", "1", "--force", "--out", small, env=_env(root))
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr and "No space left on device" in done.stderr
    assert (small / batch.LATEST).resolve() == small / good.name
    assert not list(small.glob(f"{batch.TMP_PREFIX}*"))
    assert str(small / batch.LATEST) in done.stderr  # names the real output folder, not reports/latest


def test_refresh_notebooks_takes_the_lock(project):
    root, out, _ = project
    notebooks = {p: p.read_bytes() for p in (root / "notebooks").glob("*.ipynb")}
    with FileLock(out / batch.LOCK_FILE):
        done = _cli("--refresh-notebooks", "--out", out, env=_env(root))
    assert done.returncode == 75, done.stderr
    assert "Ein anderer Lauf ist noch aktiv" in done.stderr
    assert {p: p.read_bytes() for p in notebooks} == notebooks


def test_valid_boundaries_in_read_only_cache_pass_their_checks(shared_boundaries, tmp_path, mount_tmpfs, monkeypatch):
    from helpers.data import geo

    monkeypatch.setenv(geo.CACHE_ENV, str(mount_tmpfs(tmp_path / "ro-cache", "ro,size=1m")))
    geo.reset()
    status = geo.boundaries_status()
    assert status.available and status.problem is None, status.problem
    assert len(geo.boundaries()) == 396
