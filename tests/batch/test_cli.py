"""`python -m helpers briefings` as cron sees it: exit codes, nothing created on refusal, kill safety.

Refusals run the command line in this process (``run_cli``); runs, locks and kills need a real process."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from filelock import FileLock

from helpers.run import batch
from tests.batch.toy import product_root


def _cli(*args, root=None, **kwargs):
    """``python -m helpers briefings ARGS --jobs 1``: one worker and kernel; these runs test exit codes, not lanes."""
    env = dict(os.environ, **({"INTEGRATIONSMONITOR_ROOT": str(root)} if root else {}))
    return subprocess.run([sys.executable, "-m", "helpers", "briefings", *args, "--jobs", "1"], env=env,
                          capture_output=True, text=True, timeout=600, **kwargs)


@pytest.mark.parametrize("args, message", [
    (["--kommune", "Klewe"], "Meinten Sie 'Kleve'"),
    (["--stichtag", "2023-13-45"], "JJJJ-MM-TT"),
    (["--stichtag", "20231231"], "JJJJ-MM-TT"),
    (["--stichtag", "2023-W52-7"], "JJJJ-MM-TT"),
    (["--stichtag", "1900-01-01"], "außerhalb der Daten: Es gibt Daten vom "),
    (["--stichtag", "2099-12-31"], "außerhalb der Daten: Es gibt Daten vom "),
    (["--jobs", "0"], "--jobs"),
    (["--sprache", "fr"], "Gültig sind: de, en"),
    (["--all", "--kommune", "Kleve"], "not allowed with"),
])
def test_bad_arguments_exit_2_and_create_nothing(run_cli, tmp_path, args, message):
    done = run_cli("briefings", *args, "--out", tmp_path / "out")
    assert done.returncode == 2
    assert message in done.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_lock_held_exits_75_and_touches_nothing(tmp_path):
    root = product_root(tmp_path / "root")
    out = tmp_path / "out"
    out.mkdir()
    with FileLock(out / batch.LOCK_FILE):
        done = _cli("--kommune", "Kleve", "--out", str(out), root=root)
    assert done.returncode == 75
    assert "Ein anderer Lauf ist noch aktiv (Sperrdatei" in done.stderr
    assert [p.name for p in out.iterdir()] == [batch.LOCK_FILE]


@pytest.mark.slow
def test_exit_codes_1_and_0(tmp_path):
    out = tmp_path / "meine-briefings"
    failed = _cli("--kommune", "Kleve", "--out", str(out), root=product_root(tmp_path / "bad", fail="kreis_uebersicht"))
    assert failed.returncode == 1
    assert "FEHLER in kreis_uebersicht" in failed.stderr and "absichtlicher Testfehler" in failed.stderr
    # no earlier run: said so, with the folder actually used, and no "(–)"
    assert f"Es gibt noch keinen erfolgreichen Lauf; {out / batch.LATEST} wurde nicht angelegt." in failed.stderr
    assert "(–)" not in failed.stderr and "reports/latest" not in failed.stderr
    ok = _cli("--kommune", "Kleve", "--out", str(out), root=product_root(tmp_path / "good"))
    assert ok.returncode == 0, ok.stderr


@pytest.mark.slow
def test_killed_run_leaves_latest_complete_and_next_run_succeeds(tmp_path):
    root = product_root(tmp_path / "root")
    out = tmp_path / "out"
    first = _cli("--kommune", "Kleve", "--out", str(out), root=root)
    assert first.returncode == 0, first.stderr
    good = (out / batch.LATEST).resolve()
    env = dict(os.environ, INTEGRATIONSMONITOR_ROOT=str(root))
    victim = subprocess.Popen([sys.executable, "-m", "helpers", "briefings", "--all", "--force", "--out", str(out)],
                              env=env, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not any(out.glob(f"{batch.TMP_PREFIX}*/*.ipynb")) and time.monotonic() < deadline:
        time.sleep(0.1)
    os.killpg(victim.pid, signal.SIGKILL)  # halfway: some notebooks written, others not
    victim.wait()
    assert (out / batch.LATEST).resolve() == good
    assert {p.name for p in good.iterdir()} >= {"index.html", "run.json", "kommune_05154036_kleve.html"}
    again = _cli("--kommune", "Kleve", "--out", str(out), root=root)
    assert again.returncode == 0, again.stderr
    assert not list(out.glob(f"{batch.TMP_PREFIX}*"))
    assert (out / batch.LATEST).resolve() != good
