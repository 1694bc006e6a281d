"""Figures computed once per observation frame and shared by a Kreis's briefings, with the same
results as one region at a time; a memo goes with its frame."""
from __future__ import annotations

import gc

import pandas as pd
import pytest

from helpers import indicators
from helpers.briefings import kommune_profil
from helpers.data import memo, store
from helpers.indicators import CATALOGUE, changes, compute, peers, placing, queries
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


def test_an_equal_code_stamp_keeps_the_memo_and_is_then_compared_by_identity():
    """After a reset the stamp is taken again: equal, not the same tuple. Comparing two equal stamps file by file
    on every memo look-up cost more than many a look-up saved."""
    frame = queries.regional(store.load("observations"), KREIS_AGS)
    figure = indicators.figure(frame, "population", "05154036")
    memo.GENERATION[0] = tuple(list(store._GENERATION))  # as the re-imported store module takes it
    assert indicators.figure(frame, "population", "05154036") is figure
    assert memo.GENERATION[0] is store._GENERATION


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


def test_the_similar_kommunen_of_a_kreis_are_computed_once_per_frame():
    """Every profile and short version of a Kreis asks for the same Peers: its plain parts are remembered."""
    obs = queries.regional(store.load("observations"), KREIS_AGS)
    first, again = peers.of_kreis(obs, KREIS_AGS), peers.of_kreis(obs, KREIS_AGS)
    assert isinstance(again, peers.Peers) and again.complete
    assert again.table is first.table and again.neighbours is first.neighbours and again.groups is first.groups
    assert again.dates == first.dates and again.sources == first.sources
    assert again.of("05154036") == first.of("05154036")
    fresh = peers.of_kreis(obs.copy(), KREIS_AGS)  # a new frame (a new build): computed anew, the same answer
    assert fresh.table is not first.table
    pd.testing.assert_frame_equal(fresh.table, first.table)
    pd.testing.assert_frame_equal(fresh.neighbours, first.neighbours)
    assert fresh.dates == first.dates and fresh.sources == first.sources


def test_the_facts_of_a_kommune_and_of_an_indicator_are_selected_once_per_frame():
    facts = queries.regional(store.load("facts"), KREIS_AGS)
    own = queries.facts_of(facts, "05154036")
    assert queries.facts_of(facts, "05154036") is own and queries.located_facts(facts) is queries.located_facts(facts)
    about = queries.facts_about(own, "fluag_quota_fulfilment")
    assert queries.facts_about(own, "fluag_quota_fulfilment") is about
    fresh = own.copy()
    assert queries.facts_about(fresh, "fluag_quota_fulfilment") is not about
    pd.testing.assert_frame_equal(queries.facts_about(fresh, "fluag_quota_fulfilment"), about)


def test_a_placing_s_change_and_count_are_remembered_for_the_short_version():
    """The short version places what its profile placed: the change and the notable rule's count are found."""
    obs = queries.regional(store.load("observations"), KREIS_AGS).copy()  # its own memo: this test writes into it
    change = changes.change_since_previous(obs, "population", "05154036")
    key = ("change_since_previous", "population", "05154036", None, None)
    assert isinstance(change, changes.Change) and key in store.derived(obs)
    store.derived(obs)[key] = (*store.derived(obs)[key][:-1], ("FOUND",))  # a hit returns what was remembered
    assert changes.change_since_previous(obs, "population", "05154036").source_ids == ("FOUND",)
    fresh = obs.copy()  # a new frame: computed anew
    assert changes.change_since_previous(fresh, "population", "05154036") == change
    ind = next(i for i in CATALOGUE.indicators.values()
               if i.notable is not None and i.notable.count in ("numerator", "denominator"))
    members = [r.ags for r in kommunen(KREIS_AGS)]
    first = placing.place(fresh, ind.id, "05154036", members, KREIS_AGS, LAND_AGS)
    counts = store.derived(fresh)[("notable_counts", ind.id)]  # every Kommune's, computed by the first
    assert first.count is not None and counts[("05154036", first.own.date)] == first.count
    placing.place(fresh, ind.id, "05154008", members, KREIS_AGS, LAND_AGS)
    assert store.derived(fresh)[("notable_counts", ind.id)] is counts


def test_a_stichtag_that_cuts_nothing_asks_the_same_question_as_none():
    """A briefing's frame ends on its stichtag: the comparison's figures up to it are the profile's newest ones."""
    kreis = queries.regional(store.load("observations"), KREIS_AGS)
    last = kreis["date"].max()
    obs = queries.until(kreis, last - pd.Timedelta(days=1))
    day = obs["date"].max()
    newest = indicators.figure(obs, "population", "05154036")
    assert indicators.figure(obs, "population", "05154036", stichtag=last) is newest
    assert indicators.compare(obs, "population", "05154036", stichtag=day) is indicators.compare(
        obs, "population", "05154036")
    earlier = obs[obs["ags"] == "05154036"]["date"].sort_values().iloc[0]
    assert indicators.figure(obs, "population", "05154036", stichtag=earlier) != newest  # a stichtag that cuts
    indicators.dated_series(obs, "population", "05154036", day)
    assert ("dated", "population", "05154036", None) in store.derived(obs)


def test_a_kreis_s_nationalities_and_first_dates_are_selected_once_per_frame():
    obs = queries.regional(store.load("observations"), KREIS_AGS)
    for ags in (KREIS_AGS, "05154036"):
        rows = queries.nationality_rows(obs, ags)
        assert queries.nationality_rows(obs, ags) is rows
    assert not queries.nationality_rows(obs, KREIS_AGS).empty
    first = queries.first_dates(obs, "population")
    assert queries.first_dates(obs, "population") is first
    fresh = obs.copy()
    assert queries.first_dates(fresh, "population") is not first
    pd.testing.assert_series_equal(queries.first_dates(fresh, "population"), first)
    pd.testing.assert_frame_equal(queries.nationality_rows(fresh, KREIS_AGS), queries.nationality_rows(obs, KREIS_AGS))
