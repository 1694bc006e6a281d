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


# --- similar Kommunen outside Kleve (the statewide official features) ---------------------------------------

def _nearest_by_hand(kreis_ags: str, ags: str, k: int) -> list[str]:
    """The k nearest Gemeinden of ``ags`` in its Kreis from data/processed with pandas and numpy alone: population
    and density 31.12.2024 (logged), growth 2011–2015 on the 2011 base, foreign share of the Zensus 2011;
    z-scores over the Kreis, Euclidean distance, ties to the smaller AGS."""
    import numpy as np
    import pandas as pd

    from helpers.paths import PROCESSED_DIR

    obs = pd.read_parquet(PROCESSED_DIR / "observations.parquet")
    obs = obs[obs["preferred"] & (obs["category"] == "total") & obs["ags"].isin([r.ags for r in kommunen.kommunen(
        kreis_ags)])]

    def value(variable, day, base=None):
        rows = obs[(obs["variable"] == variable) & (obs["date"] == pd.Timestamp(day))
                   & ((obs["base"] == base) if base else True)]
        return rows.drop_duplicates("ags").set_index("ags")["value"].sort_index()

    table = pd.DataFrame({
        "population": np.log(value("population", "2024-12-31", "update_2022_base")),
        "density": np.log(value("population_density", "2024-12-31")),
        "growth": 100 * (value("population", "2015-12-31", "update_2011_base")
                         / value("population", "2011-12-31", "update_2011_base") - 1),
        "foreign": 100 * value("foreign_population", "2011-05-09", "census_2011")
        / value("population", "2011-05-09", "census_2011")})
    assert len(table.dropna()) == len(kommunen.kommunen(kreis_ags))
    z = (table - table.mean()) / table.std(ddof=0)
    distance = np.sqrt(((z - z.loc[ags]) ** 2).sum(axis=1)).drop(ags).round(9)
    return list(distance.reset_index().sort_values([0, "ags"]).head(k)["ags"])


def test_a_wesel_profile_names_the_similar_kommunen_computed_by_hand(kreise_run):
    """Moers's "Wo steht" names its three similar Kommunen, nearest first, as computed here without helpers, and
    its method sentence names the statewide official features with their dates and cites their sources; so does the
    comparison, whose table gives Moers the same three."""
    from bs4 import BeautifulSoup

    site = kreise_run / batch.LATEST / "kreis-wesel"
    expected = [kommunen.region(a).name for a in _nearest_by_hand("05170", "05170024", 3)]
    text = BeautifulSoup((site / "kommune_05170024_moers.html").read_text(encoding="utf-8"),
                         "html.parser").get_text(" ", strip=True)
    names = f"{expected[0]}, {expected[1]} und {expected[2]}"
    assert f"Ähnliche Kommunen: {names} – die nächsten unter den 13 Kommunen des Kreises Wesel nach Einwohner " \
           "31.12.2024, Einwohner je km² 31.12.2024, Bevölkerungsentwicklung 2011–2015 und Ausländeranteil " \
           "Zensus 2011 (Verfahren: Kommunenvergleich, „Ähnliche Kommunen“). Quellen: [" in text
    # the features' tables, cited by number, are in the profile's list of sources
    assert all(code in text for code in ("12411-15i", "12411-01-01-5", "12111-01-01-5"))
    assert "nicht bestimmt" not in text
    comparison = BeautifulSoup((site / "kommunen_vergleich.html").read_text(encoding="utf-8"), "html.parser")
    assert "vier amtliche Merkmale betrachtet – Einwohner 31.12.2024" in comparison.get_text(" ", strip=True)
    rows = [[td.get_text(" ", strip=True) for td in tr.find_all("td")] for tr in comparison.find_all("tr")]
    assert ["Moers", ", ".join(expected)] in [[r[0], r[2]] for r in rows if len(r) > 2 and r[0] == "Moers"]


def test_a_kreis_of_nine_names_two_similar_kommunen_in_fewer_groups(kreise_run):
    """Kreis Viersen (9 Gemeinden): k = 2 and two Ward groups, every profile names its two similar Kommunen."""
    site = kreise_run / batch.LATEST / "kreis-viersen"
    comparison = (site / "kommunen_vergleich.html").read_text(encoding="utf-8")
    assert "Als ähnlich gelten die 2 Kommunen" in comparison and "Die 2 Gruppen" in comparison
    for page in (p for p in site.glob("kommune_*.html") if not p.stem.endswith("_kurz")):
        text = page.read_text(encoding="utf-8")
        assert "Ähnliche Kommunen: " in text and " – die nächsten unter den 9 Kommunen des Kreises Viersen" in text
