"""Goals (Zielmarken) in real briefing runs (issue 27): a goal for Kleve and one for Kreis Kleve in a goals file
outside the repository (``INTEGRATIONSMONITOR_GOALS``), a real run of Kleve's profile, the overview and the
comparison, then the same run after the Kommune's target changed. And a bad row: exit 2, nothing written."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from bs4 import BeautifulSoup

from helpers.kommunen import region
from helpers.paths import GOALS_ENV
from helpers.run import batch, plan

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("goals-run")]
HEADER = "indicator,region,target,target_date,decided_on,baseline_date,decided_by\n"
# Kleve's AsylbLG recipients: 396 (01.03.2018) → 225 (31.12.2024); the path to 200 demands 244 then, to 100 only 167.
# Kreis Kleve's SGB-II rate: 5,0 % (October 2021) → 5,5 % (May 2023), away from 4,5 %.
KOMMUNE_GOAL = 'asylblg_recipients,Kleve,{target},2026-12-31,2019-01-01,,"Rat der Stadt Kleve"\n'
KREIS_GOAL = 'sgb2_rate,Kreis Kleve,"4,5",2027-12-31,2022-01-01,,Kreistag Kleve\n'
PROFILE, OVERVIEW, COMPARISON = "kommune_05154036_kleve", "kreis_uebersicht", "kommunen_vergleich"
SHORT = PROFILE + "_kurz"  # the profile's short version shows the Kommune's goals too


def _text(path) -> str:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser").get_text(" ", strip=True)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Two real runs into one output folder: with the goals, then with the Kommune's target lowered."""
    base = tmp_path_factory.mktemp("goals-run")
    goals_csv, out = base / "goals.csv", base / "reports"
    goals_csv.write_text(HEADER + KOMMUNE_GOAL.format(target=200) + KREIS_GOAL, encoding="utf-8")
    jobs = plan.plan([region("Kleve")], sprache="de")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(GOALS_ENV, str(goals_csv))  # the workers and their kernels inherit it
        patch.setattr(batch, "code_fingerprint", lambda: "pinned")  # others may edit src/helpers meanwhile
        first = batch.run(jobs, out, workers=1, progress=False)
        first_pages = {name: _text(first.run_dir / f"{name}.html") for name in (PROFILE, OVERVIEW, COMPARISON, "index")}
        goals_csv.write_text(HEADER + KOMMUNE_GOAL.format(target=100) + KREIS_GOAL, encoding="utf-8")
        second = batch.run(jobs, out, workers=1, progress=False)
    return goals_csv, first, first_pages, second


def test_profile_overview_and_index_show_the_goals_with_their_status(runs):
    goals_csv, first, pages, _ = runs
    assert first.exit_code == 0, [e.error for e in first.entries if e.error]
    profile, overview, index = pages[PROFILE], pages[OVERVIEW], pages["index"]
    assert "Zielmarken" in profile and "Asylbewerberleistungen" in profile
    assert "200 bis 31.12.2026" in profile and "396 (01.03.2018)" in profile and "225 (31.12.2024)" in profile
    assert "auf Kurs (Weg für 31.12.2024: 244)" in profile and "Rat der Stadt Kleve, 01.01.2019" in profile
    assert "Kreistag Kleve" not in profile and "bis 31.12.2027" not in profile  # the Kreis goal: in the overview
    for text in ("Asylbewerberleistungen", "auf Kurs (Weg", "SGB-II-Quote", "bis 31.12.2027",
                 "nicht auf Kurs (Weg", "Kreistag Kleve, 01.01.2022"):
        assert text in overview, text
    assert "Zielmarken" not in pages[COMPARISON]
    assert "Zielmarken" in index and "auf Kurs" in index and "nicht auf Kurs" in index
    record = json.loads((first.run_dir / "run.json").read_text(encoding="utf-8"))["goals"]
    assert record["file"] == str(goals_csv) and record["count"] == 2 and len(record["sha256"]) == 64
    assert [(j["region"], j["status"]) for j in record["judgements"]] == [("Kreis Kleve", "off_track"),
                                                                          ("Kleve", "on_track")]


def test_a_changed_target_remakes_exactly_the_briefings_that_show_it_and_names_the_change(runs):
    _, _, _, second = runs
    assert second.exit_code == 0
    status = {e.output: e.status for e in second.entries}
    assert status == {PROFILE: "ok", SHORT: "ok", OVERVIEW: "ok", COMPARISON: "skipped"}
    index = _text(second.run_dir / "index.html")
    assert "Ziel bis 31.12.2026: auf Kurs → nicht auf Kurs" in index
    assert "SGB-II-Quote, Kreis Kleve" not in index  # its status did not change
    assert "100 bis 31.12.2026" in _text(second.run_dir / f"{PROFILE}.html")
    assert "100 bis 31.12.2026" in _text(second.run_dir / f"{SHORT}.html")


def test_a_bad_goal_row_exits_2_through_the_real_command_and_writes_nothing(tmp_path):
    goals_csv, out = tmp_path / "goals.csv", tmp_path / "reports"
    goals_csv.write_text(HEADER + KOMMUNE_GOAL.format(target=200) + KREIS_GOAL.replace("4,5", "104,5"),
                         encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "helpers", "briefings", "--kommune", "Kleve", "--out", str(out)],
                          env=dict(os.environ, **{GOALS_ENV: str(goals_csv)}), capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 2
    assert f"{goals_csv}, Zeile 3: Zielwert 104,5 ist als Anteil unmöglich" in done.stderr
    assert "Es wurde nichts erstellt" in done.stderr
    assert not out.exists()
