"""Figures computed once per observation frame and shared by a Kreis's briefings, with the same
results as one region at a time; a memo goes with its frame."""
from __future__ import annotations

import gc

import pandas as pd
import pytest

from helpers import indicators
from helpers.briefings import kommune_profil
from helpers.data import memo, store
from helpers.indicators import CATALOGUE, compute, queries
from helpers.kommunen import KREIS_AGS, LAND_AGS, kommunen
from helpers.presentation import sources


def _one_region(obs: pd.DataFrame, ind: indicators.Indicator, ags: str) -> pd.DataFrame:
    """The series as computed before the shared pass: the region's rows filtered, then collapsed."""
    here = obs[obs["ags"] == ags]
    if ind.kind == "value":
        return compute._collapse(ind.value.rows(here))
    return compute._ratio(compute._collapse(ind.numerator.rows(here)),
                          compute._collapse(ind.denominator.rows(here)), ind.scale)


def _mixed() -> pd.DataFrame:
    """One region with two categories to sum (one secret), one with a single row, one with none."""
    rows = [("05154036", "2024-12-31", "foreign_population", "EU", 10.0, ""),
            ("05154036", "2024-12-31", "foreign_population", "non-EU", None, "."),
            ("05154008", "2024-12-31", "foreign_population", "EU", 7.0, ""),
            ("05154008", "2024-12-31", "population", "total", 70.0, ""),
            ("05154036", "2024-12-31", "population", "total", 0.0, "")]
    return pd.DataFrame([dict(ags=a, date=pd.Timestamp(d), variable=v, category=c,
                              value=float("nan") if x is None else x, unit="persons", source_id="TEST",
                              status="published", flag=f, note="", base="update_2022_base", preferred=True,
                              precision="day") for a, d, v, c, x, f in rows])


@pytest.mark.parametrize("frame", ["kreis", "mixed"])
def test_series_of_all_regions_at_once_equal_one_region_at_a_time(frame):
    obs = queries.regional(store.load("observations"), KREIS_AGS) if frame == "kreis" else _mixed()
    regions = [r.ags for r in kommunen()] + [KREIS_AGS, LAND_AGS, "05170024"]
    selection = indicators.Selection("foreign_population", ("EU", "non-EU"))
    shared = compute._collapsed(obs, selection)
    for ags in regions:
        pd.testing.assert_frame_equal(compute._region_rows(obs, selection, ags),
                                      compute._collapse(selection.rows(obs[obs["ags"] == ags])))
    assert set(shared["ags"]) <= set(regions)
    for ind in CATALOGUE.indicators.values():
        if ind.kind != "change":
            for ags in regions:
                pd.testing.assert_frame_equal(compute._own_series(obs, ind, ags), _one_region(obs, ind, ags),
                                              obj=f"{ind.id} {ags}")


def test_a_kreis_s_briefings_share_its_frames_and_compute_each_kreis_series_once(monkeypatch):
    monkeypatch.setattr(memo, "DERIVED", {})  # a cold start: earlier tests may have computed the Kreis's series
    obs = store.load("observations")
    assert store.load("observations") is obs
    kleve = queries.regional(obs, KREIS_AGS)
    assert queries.regional(obs, KREIS_AGS) is kleve and queries.regional(obs, "05170") is not kleve
    day = kleve["date"].max()
    day_before = day - pd.Timedelta(days=1)
    assert queries.until(kleve, day) is queries.until(kleve, day) is not queries.until(kleve, day_before)
    calls = []
    real = compute._own_series
    monkeypatch.setattr(compute, "_own_series", lambda o, ind, ags: calls.append((ind.id, ags)) or real(o, ind, ags))
    first = kommune_profil.setup("Kleve")
    second = kommune_profil.setup("Goch")
    assert first.obs is second.obs
    kreis_calls = [call for call in calls if call[1] in (KREIS_AGS, LAND_AGS)]
    assert kreis_calls and len(kreis_calls) == len(set(kreis_calls))
    assert indicators.compare(first.obs, "population", "05154016") is second.figures.comparisons["population"]


def test_a_memo_goes_with_its_frame():
    frame = queries.regional(store.load("observations"), KREIS_AGS).copy()
    figure = indicators.figure(frame, "population", "05154036")
    assert indicators.figure(frame, "population", "05154036") is figure
    key = id(frame)
    assert key in memo.DERIVED
    del frame
    gc.collect()
    assert key not in memo.DERIVED


def test_sources_are_indexed_once_per_build():
    assert sources._by_id() is sources._by_id()
    assert sources._ids(["DESTATIS_GV_2019", "DESTATIS_GV_2019"]) == ["DESTATIS_GV_2019"]
    with pytest.raises(KeyError, match="Unbekannte Quelle.*NO_SUCH_SOURCE"):
        sources.Numbering.of([["NO_SUCH_SOURCE"]])


def test_values_computed_by_other_code_are_dropped():
    """After a warm kernel's reset with an edited module or catalogue, store's code stamp differs."""
    frame = queries.regional(store.load("observations"), KREIS_AGS)
    figure = indicators.figure(frame, "population", "05154036")
    memo.GENERATION[0] = ("an edited catalogue",)
    assert indicators.figure(frame, "population", "05154036") is not figure
    assert memo.GENERATION[0] == store._GENERATION


def test_only_the_newest_kreise_are_kept():
    obs = store.load("observations")
    kleve = queries.regional(obs, KREIS_AGS)
    for kreis_ags in ("05170", "05166", "05158")[:queries.KEPT_KREISE]:
        queries.regional(obs, kreis_ags)
    assert queries.regional(obs, KREIS_AGS) is not kleve


def test_memo_keys_are_plain_values():
    """A key holding a helpers instance would never match after a warm kernel's reset re-imports its class."""
    frame = queries.regional(store.load("observations"), KREIS_AGS)
    selection = indicators.Selection("population")
    with pytest.raises(TypeError, match="memo key"):
        store.remember(frame, ("collapsed", selection), lambda: 1)
    assert store.remember(frame, ("test", *selection.key, None, 1.5), lambda: 2) == 2


def test_what_the_memo_shares_is_read_only():
    obs = store.load("observations")
    kreis = queries.regional(obs, KREIS_AGS)
    series = indicators.figure(kreis, "population", "05154036")  # fills the memo
    shared = [obs, kreis, compute._series(kreis, CATALOGUE["population"], "05154036"),
              *compute._columns(kreis, CATALOGUE["population"], "05154036")]
    for frame in shared:
        with pytest.raises(ValueError, match="read-only"):
            if isinstance(frame, pd.DataFrame):
                frame.loc[frame.index[0], "value"] = 0.0
            else:
                frame[0] = frame[0]
    assert not series.missing
    copy = indicators.indicator_series(kreis, "population", "05154036")  # what callers get to change is a copy
    copy.loc[0, "value"] = 0.0
