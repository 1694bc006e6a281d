"""Briefings for other Kreise (issue 19), real runs: `briefings --kreis …` on the committed data,
refusals that write nothing, and profiles of Gemeinden across the five Regierungsbezirke."""
from __future__ import annotations

import json

import pytest

from helpers import kommunen
from helpers.run import batch, plan
from tests.expected import normalise, official_population

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("kreise")]  # the shared kreise_run runs once
# one Gemeinde in a Kreis of each Regierungsbezirk (Düsseldorf, Köln, Münster, Detmold, Arnsberg)
SAMPLE = ("Ratingen", "Erftstadt", "Bocholt", "Bünde", "Schmallenberg")


def _briefings(folder):
    return {p.stem for p in folder.glob("*.html") if p.with_suffix(".ipynb").is_file()}


@pytest.mark.parametrize("site, profiles", [("kreis-wesel", 13), ("kreis-viersen", 9)])
def test_a_kreis_gets_its_profiles_overview_and_comparison(kreise_run, site, profiles):
    built = _briefings(kreise_run / batch.LATEST / site)
    assert {"kreis_uebersicht", "kommunen_vergleich"} <= built
    assert sum(name.startswith("kommune_") and not name.endswith("_kurz") for name in built) == profiles
    assert sum(name.endswith("_kurz") for name in built) == profiles == (len(built) - 2) / 2  # the short versions
    index = (kreise_run / batch.LATEST / site / "index.html").read_text(encoding="utf-8")
    assert all(f'href="{name}.html"' in index for name in built)


def test_moers_population_appears_in_german_format(kreise_run):
    expected = official_population("05170024")  # 12411-15i in data/raw, 31.12.2024
    site = kreise_run / batch.LATEST / "kreis-wesel"
    page = normalise((site / "kommune_05170024_moers.html").read_text(encoding="utf-8"))
    assert "Wo steht Moers?" in page
    assert f'<td>Einwohnerinnen und Einwohner</td><td class="im-num">{expected}</td>' in page
    assert expected in normalise((site / "index.html").read_text(encoding="utf-8"))


@pytest.mark.parametrize("value, message", [
    ("Wessel", "Meinten Sie 'Kreis Wesel'"),
    ("Krefeld", "kreisfreie Stadt, kein Kreis"),
    ("Moers", "ist eine Gemeinde, kein Kreis. Meinten Sie 'Kreis Wesel'"),
])
def test_a_wrong_kreis_exits_2_with_a_suggestion_and_writes_nothing(kreise_run, run_cli, tmp_path, value, message):
    before = {p: p.stat().st_mtime_ns for p in kreise_run.rglob("*")}
    index = (kreise_run / batch.LATEST / "index.html").read_bytes()
    for out in (tmp_path / "fresh", kreise_run):  # neither a new folder nor a change to an existing run
        done = run_cli("briefings", "--kreis", value, "--sprache", "de", "--out", out)
        assert done.returncode == 2 and message in done.stderr, done.stderr
    assert not (tmp_path / "fresh").exists()
    assert {p: p.stat().st_mtime_ns for p in kreise_run.rglob("*")} == before
    assert (kreise_run / batch.LATEST / "index.html").read_bytes() == index


def test_profiles_of_a_sample_of_kreise_render(tmp_path):
    """Profiles only (the overviews and comparisons of these Kreise are left to the bench), real run."""
    chosen = sorted((kommunen.region(name, level="kommune") for name in SAMPLE), key=lambda r: r.ags)
    assert sorted(r.ags[:3] for r in chosen) == ["051", "053", "055", "057", "059"]
    jobs = [j for j in plan.plan(chosen, sprache="de") if j.notebook == "kommune_profil.ipynb"]
    result = batch.run(jobs, tmp_path / "out", workers=2, progress=False)
    assert result.exit_code == 0, [e.error for e in result.entries if e.error]
    record = json.loads((result.run_dir / "run.json").read_text())
    assert sorted(e["parameters"]["kommune"] for e in record["notebooks"]) == sorted(r.ags for r in chosen)
    for region, entry in zip(chosen, sorted(result.entries, key=lambda e: e.parameters["kommune"]), strict=True):
        page = (result.run_dir / f"{entry.output}.html").read_text(encoding="utf-8")
        assert entry.briefing["region"] == region.name and "Traceback" not in page
        assert normalise(official_population(region.ags)) in normalise(page)
