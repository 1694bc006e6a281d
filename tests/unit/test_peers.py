"""The similar Kommunen of every Kreis are decided in one place (helpers.indicators.peers.of_kreis): the same
official features for each Kreis, on dates all its Kommunen share, from one source per feature and date; k and
the number of Ward groups follow the number of Kommunen. Real processed data."""
from __future__ import annotations

import pandas as pd
import pytest

from helpers.briefings.context import load
from helpers.indicators import peers, similarity
from helpers.indicators.compute import figure
from helpers.kommunen import kommunen


@pytest.fixture(scope="module", params=["05154", "05170"], ids=["Kleve", "Wesel"])
def kreis(request):
    data = load(request.param, None, "de")
    return request.param, data.obs, peers.of_kreis(data.obs, request.param)


def test_every_kommune_has_every_official_feature(kreis):
    ags, obs, found = kreis
    members = sorted(r.ags for r in kommunen(ags))
    assert found.features == similarity.STATEWIDE and found.complete and not found.missing
    assert list(found.table.index) == members and found.table.notna().all().all()
    assert set(found.neighbours["ags"]) == set(members) and set(found.groups.index) == set(members)


def test_a_feature_takes_one_official_source_per_date_for_all_kommunen_of_the_kreis(kreis):
    """Never a census base or a source mixed across the Kommunen of one Kreis, never a secondary figure."""
    ags, obs, found = kreis
    for feat in found.features:
        if feat.indicator not in ("population", "foreign_share_census_2011"):
            continue  # density is a published variable of the same table as the population 2024
        for day in found.dates[feat.key]:
            figures = [figure(obs, feat.indicator, a, at=day, base=feat.base) for a in found.table.index]
            assert {f.source_ids for f in figures} == {figures[0].source_ids}, (feat.key, day)
            assert {f.base for f in figures} == {figures[0].base} and "secondary" not in {f.status for f in figures}


def test_the_dates_are_each_kreiss_own():
    """Kleve has official population figures on the 2011 base up to 2021 for all 16 (Gemeindeverzeichnis),
    Wesel up to 2015 (Regionalstatistik): each Kreis compares on the newest date its Kommunen share."""
    growth = {a: peers.of_kreis(load(a, None, "de").obs, a).dates["population_growth"] for a in ("05154", "05170")}
    assert growth == {"05154": (pd.Timestamp("2021-12-31"), pd.Timestamp("2011-12-31")),
                      "05170": (pd.Timestamp("2015-12-31"), pd.Timestamp("2011-12-31"))}


@pytest.mark.parametrize("n, k, groups", [(7, 2, 2), (8, 2, 2), (9, 2, 2), (10, 3, 3), (13, 3, 3), (16, 3, 4),
                                          (24, 3, 6)])
def test_fewer_kommunen_fewer_neighbours_and_groups(n, k, groups):
    assert (peers.n_neighbours(n), peers.n_groups(n)) == (k, groups)


def test_a_small_kreis_gets_its_own_k_and_groups():
    found = peers.of_kreis(load("05966", None, "de").obs, "05966")  # Kreis Olpe, 7 Gemeinden
    assert (found.k, found.n_groups, found.groups.nunique()) == (2, 2, 2)
    assert all(len(n) == 2 for n in found.neighbours["neighbours"])


def test_a_profile_before_the_features_dates_says_which_are_missing():
    """On 31.12.2023 no Kreis has the population 2024 of its Gemeinden: Moers's "Wo steht" names no similar
    Kommunen, says which features are missing, and shows no column for them."""
    from helpers.briefings.kommune_profil import setup
    from helpers.briefings.kommune_profil.standing import placing_table, wo_steht

    profile = setup("Moers", stichtag="2023-12-31")
    intro = "".join(part for part in wo_steht(profile)[1].parts if isinstance(part, str))
    assert profile.figures.peers is None
    assert ("Ähnliche Kommunen werden im Kreis Wesel nicht bestimmt: Zum Stichtag fehlt für mindestens eine Kommune "
            "eine amtliche Zahl zu Einwohner und Einwohner je km²") in intro
    assert "Ähnliche Kommunen" not in placing_table(profile).columns
