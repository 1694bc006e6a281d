"""Issue 30, run options and scheduled runs: options that contradict each other or overflow exit 2 naming the
conflict before anything is created; an empty shard never replaces ``latest``; a kreisfreie Stadt is named as
such; the README's scheduler recipe passes the command's own exit code (75 stays 75) where make says 2."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest
from filelock import FileLock

from helpers.paths import DATA_DIR, REPORTS_DIR, ROOT
from helpers.run import batch

SCHEDULED_RUN = ROOT / "bin" / "scheduled-run"


def _cli(*args, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "helpers", "briefings", *map(str, args)], capture_output=True,
                          text=True, timeout=600, env={**os.environ, **(env or {})})


@pytest.mark.parametrize("args, message", [
    (["--kreis", "Wesel", "--kommune", "Kleve"],
     "--kommune Kleve liegt im Kreis Kleve, mit --kreis gewählt ist aber Kreis Wesel"),
    (["--kreis", "all", "--kommune", "Kleve"], "--kreis all und --kommune widersprechen sich"),
    (["--kreis", "Kleve", "--kreis", "Wesel", "--kommune", "Goch"],
     "--kreis Kreis Wesel: Dort liegt keine der mit --kommune"),
    (["--shard", "1/" + "9" * 5000], "1 ≤ I ≤ N ≤ 1.000"),
    (["--shard", "1/200000000"], "1 ≤ I ≤ N ≤ 1.000"),
    (["--shard", "3/2"], "1 ≤ I ≤ N ≤ 1.000"),
    (["--kommune", "Krefeld"], "Krefeld (05114) ist eine kreisfreie Stadt, keine Gemeinde eines Kreises"),
    (["--kommune", "05111000"], "Düsseldorf (05111) ist eine kreisfreie Stadt"),
])
def test_contradicting_or_out_of_range_options_exit_2_naming_the_conflict(tmp_path, args, message):
    done = _cli(*args, "--out", tmp_path / "out")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert message in done.stderr, done.stderr
    assert not (tmp_path / "out").exists()


def test_a_kreisfreie_stadt_is_told_what_the_project_offers(tmp_path):
    done = _cli("--kommune", "Krefeld", "--out", tmp_path / "out")
    assert "Kommunenprofile gibt es für die Gemeinden der 31 Kreise" in done.stderr
    assert "AGS 05114 in data/processed" in done.stderr and "Meinten Sie" not in done.stderr


def test_a_kreis_with_its_own_kommune_is_no_conflict():
    from helpers import kommunen
    from helpers.run import plan

    goch, wesel = kommunen.region("Goch"), kommunen.kreis("Wesel")
    assert plan.conflict([goch], [kommunen.kreis()], False) is None
    assert plan.conflict([goch, kommunen.region("Moers")], [kommunen.kreis(), wesel], False) is None


def test_an_empty_shard_never_replaces_latest(tmp_path):
    out = tmp_path / "out"
    (out / "20260101-000000").mkdir(parents=True)
    (out / batch.LATEST).symlink_to("20260101-000000")
    done = _cli("--kreis", "all", "--shard", "32/32", "--out", out)
    assert done.returncode == 0 and "Traceback" not in done.stderr
    assert "--shard 32/32: Dieser Teil enthält keine Briefings (der Lauf hat nur 31 Teile" in done.stderr
    assert os.readlink(out / batch.LATEST) == "20260101-000000"
    assert sorted(p.name for p in out.iterdir()) == ["20260101-000000", batch.LATEST]


# --- scheduled runs: the README's recipe command with the lock held ----------------------------------------------

@pytest.mark.slow
def test_the_scheduled_briefings_recipe_exits_75_when_a_run_holds_the_lock_where_make_says_2():
    REPORTS_DIR.mkdir(exist_ok=True)
    with FileLock(REPORTS_DIR / batch.LOCK_FILE, timeout=5):
        script = subprocess.run([SCHEDULED_RUN, "briefings"], capture_output=True, text=True, timeout=600)
        made = subprocess.run(["make", "-C", ROOT, "briefings"], capture_output=True, text=True, timeout=600)
    assert script.returncode == 75 and "Ein anderer Lauf ist noch aktiv" in script.stderr
    assert made.returncode == 2 and "Error 75" in made.stderr  # why schedulers call the script, not make


@pytest.mark.slow
def test_the_scheduled_update_recipe_exits_75_when_a_writer_holds_the_data_folder():
    from helpers.data import transaction

    with transaction.writing(DATA_DIR, wait=60):
        script = subprocess.run([SCHEDULED_RUN, "update"], capture_output=True, text=True, timeout=600,
                                env={**os.environ, transaction.WAIT_ENV: "1"})
    assert script.returncode == 75 and "Traceback" not in script.stderr
    assert "ändert gerade" in script.stderr and "Es wurde nichts verändert" in script.stderr
