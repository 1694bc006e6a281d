"""Goals (Zielmarken): reading and checking data/goals.csv, and the judgement against the straight path.

The judgement is tested twice: :func:`goals.assess` on hand-made points (every status, both ties, the base
break), and :func:`goals.judge` on the real observations of Kreis Kleve (baseline choice, secret values,
a census-base change, no newer data)."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from helpers.data import store
from helpers.indicators import goals
from helpers.indicators.goals import Goal, GoalFileError, Point
from helpers.indicators.queries import regional
from helpers.kommunen import region
from helpers.paths import GOALS_ENV, GOALS_FILE

HEADER = "indicator,region,target,target_date,decided_on,baseline_date,decided_by\n"


def _file(tmp_path, *rows: str, header: str = HEADER, encoding: str = "utf-8"):
    path = tmp_path / "goals.csv"
    path.write_bytes((header + "".join(r + "\n" for r in rows)).encode(encoding))
    return path


def test_the_repository_ships_the_header_only():
    assert GOALS_FILE.read_text(encoding="utf-8") == HEADER
    assert goals.read_goals(GOALS_FILE) == ()


def test_decimal_comma_and_point_both_read_and_regions_resolve(tmp_path):
    path = _file(tmp_path, 'minimum_benefit_rate,kleve,"7,5",2030-12-31,2025-03-01,,"Rat, Beschluss vom 01.03.2025"',
                 "minimum_benefit_rate,05154,7.5,2030-12-31,2025-03-01,2024-12-31,Kreistag")
    first, second = goals.read_goals(path)
    assert (first.target, first.ags, first.region_name, first.decided_by) == (7.5, "05154036", "Kleve",
                                                                              "Rat, Beschluss vom 01.03.2025")
    assert (second.target, second.ags, second.baseline_date) == (7.5, "05154", dt.date(2024, 12, 31))


def test_semicolons_as_german_excel_writes_them(tmp_path):
    path = _file(tmp_path, "minimum_benefit_rate;Kleve;7,5;2030-12-31;2025-03-01;;Rat", header=HEADER.replace(",", ";"))
    assert goals.read_goals(path)[0].target == 7.5


def test_no_file_is_no_goals_but_a_named_file_must_exist(tmp_path, monkeypatch):
    monkeypatch.delenv(GOALS_ENV, raising=False)
    monkeypatch.setattr(goals, "goals_file", lambda: tmp_path / "goals.csv")
    assert goals.read_goals() == ()
    monkeypatch.setenv(GOALS_ENV, str(tmp_path / "draft.csv"))
    with pytest.raises(GoalFileError, match=GOALS_ENV):
        goals.read_goals(tmp_path / "draft.csv")


GOOD = "minimum_benefit_rate,Kleve,7.5,2030-12-31,2025-03-01,,Rat"


@pytest.mark.parametrize("row, message", [
    ("minimum_benefit_rat,Kleve,7.5,2030-12-31,2025-03-01,,Rat", "Unbekannter Indikator „minimum_benefit_rat“ "
                                                               "(ähnlich: minimum_benefit_rate"),
    ("minimum_benefit_rate,Klewe,7.5,2030-12-31,2025-03-01,,Rat", "Meinten Sie 'Kleve'"),
    ("minimum_benefit_rate,Nordrhein-Westfalen,7.5,2030-12-31,2025-03-01,,Rat", "weder ein Kreis noch eine Gemeinde"),
    ("minimum_benefit_rate,Düsseldorf,7.5,2030-12-31,2025-03-01,,Rat", "Düsseldorf ist weder ein Kreis noch"),
    ("sgb2_rate,Kleve,4.5,2030-12-31,2025-03-01,,Rat", "gibt es nicht für Kleve (nur für: kreis, land)"),
    ("minimum_benefit_rate,Kleve,7.5,31.12.2030,2025-03-01,,Rat", "target_date „31.12.2030“ ist kein Datum"),
    ("minimum_benefit_rate,Kleve,7.5,2030-02-30,2025-03-01,,Rat", "target_date „2030-02-30“ ist kein Datum"),
    ("minimum_benefit_rate,Kleve,107.5,2030-12-31,2025-03-01,,Rat", "als Anteil unmöglich (0 bis 100)"),
    ("minimum_benefit_rate,Kleve,\"-1,5\",2030-12-31,2025-03-01,,Rat", "Zielwert -1,5 ist als Anteil unmöglich"),
    ("asylblg_recipients,Kleve,-5,2030-12-31,2025-03-01,,Rat", "negativ"),
    ("asylblg_recipients,Kleve,1.000,2030-12-31,2025-03-01,,Rat", "keine ganze Zahl"),
    ("minimum_benefit_rate,Kleve,7.5 %,2030-12-31,2025-03-01,,Rat", "Zielwert „7.5 %“ ist keine Zahl"),
    ("minimum_benefit_rate,Kleve,sieben,2030-12-31,2025-03-01,,Rat", "ist keine Zahl"),
    ("minimum_benefit_rate,Kleve,7.5,2024-12-31,2025-03-01,,Rat", "liegt nicht nach decided_on"),
    ("minimum_benefit_rate,Kleve,7.5,2030-12-31,2025-03-01,2025-12-31,Rat", "baseline_date 2025-12-31 liegt nach"),
    ("minimum_benefit_rate,Kleve,,2030-12-31,2025-03-01,,Rat", "Leere Pflichtspalte: target"),
    ("minimum_benefit_rate,05154036,8,2030-12-31,2024-06-01,,Kreistag", "schon in Zeile 2"),
])
def test_a_bad_row_names_file_line_and_fix(tmp_path, row, message):
    path = _file(tmp_path, GOOD, row)
    with pytest.raises(GoalFileError) as error:
        goals.read_goals(path)
    assert f"{path}, Zeile 3: " in str(error.value)
    assert message in str(error.value)
    assert "Bitte" in str(error.value)  # every message says what to do


def test_every_bad_line_is_named_at_once(tmp_path):
    path = _file(tmp_path, GOOD.replace("Kleve", "Klewe"), GOOD, GOOD.replace("7.5", "x"))
    text = str(pytest.raises(GoalFileError, goals.read_goals, path).value)
    assert "Zeile 2:" in text and "Zeile 4:" in text and "Zeile 3:" not in text


@pytest.mark.parametrize("header, missing", [
    ("indicator,region,target,target_date,decided_on,decided_by\n", "es fehlt: baseline_date"),
    ("indicator,region,ziel,target_date,decided_on,baseline_date,decided_by\n", "es fehlt: target"),
])
def test_a_missing_or_renamed_column_is_named(tmp_path, header, missing):
    path = _file(tmp_path, header=header)
    with pytest.raises(GoalFileError, match=f"Zeile 1: .*{missing}"):
        goals.read_goals(path)


def test_a_file_not_in_utf8_names_the_line_and_how_to_save_it(tmp_path):
    path = _file(tmp_path, GOOD, "minimum_benefit_rate,Kreis Kleve,7.5,2030-12-31,2025-03-01,,Kreistag Düsseldorf",
                 encoding="latin-1")
    with pytest.raises(GoalFileError, match=r"Zeile 3: Die Datei ist nicht UTF-8-kodiert.*CSV UTF-8"):
        goals.read_goals(path)


# --- the judgement on hand-made points ----------------------------------------------------------

def _goal(target: float, target_date: str = "2030-12-31", decided_on: str = "2020-06-01") -> Goal:
    return Goal(2, "minimum_benefit_rate", "05154036", "Kleve", target, dt.date.fromisoformat(target_date),
                dt.date.fromisoformat(decided_on), None, "Rat")


def _point(value: float | None, date: str, status: str = "published", base: str = "") -> Point:
    return Point(value, pd.Timestamp(date), status, base, ("SRC",))


# baseline 10.0 on 31.12.2020, target 6.0 on 31.12.2030: the path demands 8.0 on 31.12.2025 (half-way, 1826 of
# 3652 days), printed with one decimal
BASE = _point(10.0, "2020-12-31")
MID = "2025-12-31"


@pytest.mark.parametrize("target, newest, status", [
    (6.0, _point(5.9, MID), "reached"),
    (6.0, _point(6.0, MID), "reached"),  # exactly at the target: reached
    (6.0, _point(7.5, MID), "on_track"),
    (6.0, _point(8.0, MID), "on_track"),  # exactly on the path: on track (the path demands "at least" this)
    (6.0, _point(8.04, MID), "on_track"),  # prints as 8,0 like the path: a tie as readers see it
    (6.0, _point(8.1, MID), "off_track"),
    (6.0, _point(11.0, MID), "off_track"),
    (14.0, _point(12.0, MID), "on_track"),  # upward goal: the path demands 12.0
    (14.0, _point(11.9, MID), "off_track"),
    (6.0, _point(6.5, "2031-06-30"), "off_track"),  # after the target date the path demands the target itself
    (10.0, _point(10.0, MID), "reached"),  # hold the value
    (10.0, _point(10.2, MID), "off_track"),
])
def test_assess_against_the_straight_path(target, newest, status):
    judged = goals.assess(_goal(target), BASE, newest, decimals=1)
    assert judged.status == status, judged
    assert judged.reason == ""


@pytest.mark.parametrize("baseline, newest, status, reason", [
    (BASE, None, "no_newer_data", ""),
    (_point(None, "2020-12-31"), _point(8.0, MID), "not_assessable", "secret_baseline"),
    (BASE, _point(None, MID), "not_assessable", "secret_newest"),
    (BASE, _point(7.0, MID, status="incomplete"), "not_assessable", "secret_newest"),  # a lower bound
    (_point(10.0, "2020-12-31", base="update_2011_base"), _point(7.0, MID, base="update_2022_base"),
     "not_assessable", "base_change"),
])
def test_assess_says_when_it_cannot_judge(baseline, newest, status, reason):
    judged = goals.assess(_goal(6.0), baseline, newest, decimals=1)
    assert (judged.status, judged.reason) == (status, reason)


# --- the judgement on the real data of Kreis Kleve ----------------------------------------------

@pytest.fixture(scope="module")
def kleve():
    return regional(store.load("observations"), "05154")


def _real(indicator: str, ags: str, target: float, decided_on: str, baseline_date: str | None = None) -> Goal:
    return Goal(2, indicator, ags, "", target, dt.date(2026, 12, 31), dt.date.fromisoformat(decided_on),
                dt.date.fromisoformat(baseline_date) if baseline_date else None, "")


def test_judge_takes_the_newest_value_up_to_the_decision_as_baseline(kleve):
    # Kleve's AsylbLG recipients: 396 on 01.03.2018 (the newest before 01.01.2019), 225 on 31.12.2024
    judged = goals.judge(kleve, _real("asylblg_recipients", "05154036", 200, "2019-01-01"), None)
    assert (judged.baseline.value, judged.baseline.date, judged.newest.value) == (396, pd.Timestamp("2018-03-01"), 225)
    assert judged.status == "on_track"  # the path demands 244 on 31.12.2024
    assert goals.judge(kleve, _real("asylblg_recipients", "05154036", 100, "2019-01-01"), None).status == "off_track"
    assert goals.judge(kleve, _real("asylblg_recipients", "05154036", 250, "2019-01-01"), None).status == "reached"


def test_judge_cannot_compare_across_a_census_base(kleve):
    judged = goals.judge(kleve, _real("population", "05154036", 60000, "2016-01-01", "2015-12-31"), None)
    assert (judged.status, judged.reason) == ("not_assessable", "base_change")  # 2011 base → 2022 base


def test_judge_without_newer_data_or_with_secret_values(kleve):
    newest = goals.judge(kleve, _real("minimum_benefit_rate", "05154036", 8, "2025-06-01"), None)
    assert newest.status == "no_newer_data"
    no_value = goals.judge(kleve, _real("minimum_benefit_rate", "05154036", 8, "2020-06-01"), None)
    assert (no_value.status, no_value.reason) == ("not_assessable", "no_baseline")
    assert no_value.baseline is None and no_value.newest.value == 9.8  # the newest value is shown all the same
    assert no_value.newest.date == pd.Timestamp("2024-12-31")
    # Kranenburg's minimum-benefit rate is secret ('.'), its count of recipients a lower bound
    for indicator in ("minimum_benefit_rate", "minimum_benefit_recipients"):
        judged = goals.judge(kleve, _real(indicator, "05154040", 5, "2025-06-01"), None)
        assert (judged.status, judged.reason) == ("not_assessable", "secret_baseline")


def test_judge_ignores_data_after_the_stichtag(kleve):
    goal = _real("asylblg_recipients", "05154036", 200, "2019-01-01")
    assert goals.judge(kleve, goal, pd.Timestamp("2023-12-31")).status == "no_newer_data"


def test_of_region_gives_a_kreis_its_own_goals_first_then_its_kommunen(tmp_path):
    path = _file(tmp_path, GOOD, "minimum_benefit_rate,Kreis Kleve,7,2030-12-31,2025-03-01,,Kreistag",
                 "minimum_benefit_rate,Moers,7,2030-12-31,2025-03-01,,Rat Moers")
    found = goals.read_goals(path)
    assert [g.ags for g in goals.of_region(found, "05154")] == ["05154", "05154036"]
    assert [g.ags for g in goals.of_region(found, "05154036")] == ["05154036"]
    assert goals.fingerprint(goals.of_region(found, "05154008")) == ""


# --- the command and the reuse key ----------------------------------------------------------------

@pytest.mark.parametrize("rows", [
    ("minimum_benefit_rate,Kleve,7.5,2030-12-31,2031-03-01,,Rat",),  # target date before the decision
    (GOOD, GOOD),  # duplicate
    ("unknown_indicator,Kleve,7.5,2030-12-31,2025-03-01,,Rat",),
])
def test_the_command_refuses_a_bad_goal_with_exit_2_and_touches_nothing(run_cli, tmp_path, monkeypatch, rows):
    out = tmp_path / "reports"
    (out / "20260101-000000").mkdir(parents=True)
    (out / "latest").symlink_to("20260101-000000")
    monkeypatch.setenv(GOALS_ENV, str(_file(tmp_path, *rows)))
    done = run_cli("briefings", "--kommune", "Kleve", "--out", out)
    assert done.returncode == 2
    assert f"{tmp_path / 'goals.csv'}, Zeile " in done.stderr and "Es wurde nichts erstellt" in done.stderr
    assert sorted(p.name for p in out.iterdir()) == ["20260101-000000", "latest"]
    assert (out / "latest").readlink().name == "20260101-000000"


def test_goals_are_part_of_the_reuse_key_of_exactly_the_briefings_that_show_them(tmp_path):
    from helpers.run import cache, plan

    jobs = {job.output: job for job in plan.plan([region("Kleve"), region("Goch")])}
    before = goals.read_goals(_file(tmp_path, "minimum_benefit_rate,Kreis Kleve,7,2030-12-31,2025-03-01,,Kreistag"))
    after = goals.read_goals(_file(tmp_path, "minimum_benefit_rate,Kreis Kleve,7,2030-12-31,2025-03-01,,Kreistag",
                                   GOOD))
    changed = {name for name, job in jobs.items() if cache.goals_hash(job, before) != cache.goals_hash(job, after)}
    assert changed == {"kreis_uebersicht", "kommune_05154036_kleve", "kommune_05154036_kleve_kurz"}
    assert cache.goals_hash(jobs["kommunen_vergleich"], after) == ""
    assert cache.goals_hash(jobs["kommune_05154016_goch"], after) == ""
    no_goals = cache.input_hash(jobs["kommune_05154016_goch"], plan.NOTEBOOKS_DIR, "data", "code")
    assert cache.input_hash(jobs["kommune_05154016_goch"], plan.NOTEBOOKS_DIR, "data", "code", "", "") == no_goals


def test_the_readme_example_is_a_valid_goals_file(tmp_path):
    from helpers.paths import ROOT

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    example = readme.split("## Zielmarken", 1)[1].split("```csv\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "goals.csv"
    path.write_text(example, encoding="utf-8")
    assert [(g.indicator, g.region_name, g.target) for g in goals.read_goals(path)] == [
        ("asylblg_recipients", "Kleve", 200), ("sgb2_rate", "Kreis Kleve", 4.5)]
