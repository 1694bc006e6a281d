"""Which briefings a run makes: per Kreis, and split into shards for several machines."""
from __future__ import annotations

import pytest

from helpers import kommunen
from helpers.run import plan, pool


def outputs(jobs) -> list[str]:
    return [job.output for job in jobs]


def test_the_default_run_is_kreis_kleve_in_the_run_folder_itself():
    jobs = plan.plan()
    assert outputs(jobs)[:2] == ["kreis_uebersicht", "kommunen_vergleich"]
    assert len(jobs) == 34 and all("/" not in o for o in outputs(jobs))
    assert jobs[0].parameters == {"kreis": "05154", "stichtag": None, "sprache": "de"}


@pytest.mark.parametrize("name, profiles", [("05170", 13), ("Viersen", 9)])
def test_one_kreis_gets_a_profile_per_gemeinde(name, profiles):
    jobs = plan.plan(kreise=[kommunen.kreis(name)])
    assert sum(job.notebook == "kommune_profil.ipynb" for job in jobs) == profiles
    assert sum(job.notebook == "kommune_kurz.ipynb" for job in jobs) == profiles  # and its short version
    assert len(jobs) == 2 * profiles + 2


def test_several_kreise_get_a_folder_each_and_english_inside_it():
    jobs = plan.plan(kreise=[kommunen.kreis("Wesel"), kommunen.kreis("Viersen")], sprache="en")
    assert "kreis-wesel/en/kommune_05170024_moers" in outputs(jobs)
    assert {plan.site_of(o) for o in outputs(jobs)} == {"kreis-wesel", "kreis-viersen"}
    assert plan.site_of("en/kommune_05154036_kleve") == plan.site_of("kreis_uebersicht") == ""


def test_selected_kommunen_bring_their_own_kreis():
    jobs = plan.plan([kommunen.region("Moers")])
    assert outputs(jobs) == ["kreis_uebersicht", "kommunen_vergleich", "kommune_05170024_moers",
                             "kommune_05170024_moers_kurz"]
    assert jobs[0].parameters["kreis"] == "05170"


@pytest.mark.parametrize("count", [1, 2, 3, 7])
def test_shards_are_disjoint_complete_and_the_same_every_time(count):
    jobs = plan.plan(kreise=list(kommunen.kreise()))
    parts = [plan.shard(jobs, i, count) for i in range(1, count + 1)]
    names = [o for part in parts for o in outputs(part)]
    assert sorted(names) == sorted(outputs(jobs)) and len(set(names)) == len(names)
    # the same split whatever order the jobs come in (another machine plans in its own order)
    reversed_parts = [plan.shard(jobs[::-1], i, count) for i in range(1, count + 1)]
    assert [set(outputs(p)) for p in parts] == [set(outputs(p)) for p in reversed_parts]
    sizes = [len(p) for p in parts]
    assert max(sizes) - min(sizes) <= 2 * 19 + 2  # whole Kreise: at most one Kreis (the largest: 19 Gemeinden) apart


def test_a_shard_of_several_kreise_keeps_each_kreis_whole():
    jobs = plan.plan(kreise=list(kommunen.kreise()))
    for i in (1, 2, 3):
        part = plan.shard(jobs, i, 3)
        for site in {plan.site_of(o) for o in outputs(part)}:
            in_part = sum(plan.site_of(o) == site for o in outputs(part))
            assert in_part == sum(plan.site_of(o) == site for o in outputs(jobs))


def test_one_kreis_is_split_by_briefing():
    jobs = plan.plan()
    parts = [plan.shard(jobs, i, 2) for i in (1, 2)]
    assert [len(p) for p in parts] == [17, 17]


@pytest.mark.parametrize("value", ["3/2", "0/2", "1", "a/b"])
def test_a_bad_shard_stops_before_anything_is_written(run_cli, tmp_path, value):
    done = run_cli("briefings", "--shard", value, "--out", tmp_path / "out")
    assert done.returncode == 2 and "--shard" in done.stderr and "I/N" in done.stderr
    assert not (tmp_path / "out").exists()


def _deal(jobs, workers=2):
    """The jobs each worker gets when they take turns (as if every job took as long)."""
    lanes, got = pool._Lanes(jobs, workers), [[] for _ in range(workers)]
    while True:
        taken = [(w, lanes.next(w)) for w in range(workers)]
        if all(job is None for _, job in taken):
            return got
        for worker, job in taken:
            if job is not None:
                got[worker].append(job)


def test_a_kreis_stays_with_one_worker_while_other_kreise_are_left():
    jobs = plan.plan(kreise=list(kommunen.kreise())[:6], sprache="de")
    got = _deal(jobs)
    assert sorted(j.output for lane in got for j in lane) == sorted(outputs(jobs))  # each job once
    kreise = [[plan.kreis_of(j) for j in lane] for lane in got]
    shared = set(kreise[0]) & set(kreise[1])
    assert len(shared) <= 1  # only the last Kreis is split, so both workers finish together
    assert abs(len(got[0]) - len(got[1])) <= 2


def test_one_kreis_is_shared_by_the_workers():
    got = _deal([j for sprache in ("de", "en") for j in plan.plan(sprache=sprache)])
    assert [len(lane) for lane in got] == [34, 34]  # the free worker takes the larger half: its owner is busy
