"""Figures of catalogue indicators: collapse, ratio, series, figure, change, comparison.

Every result is computed once per observation frame (``store.remember``) and shared, read-only.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from helpers.data import store
from helpers.data.status import Status, worst
from helpers.indicators.catalogue import CATALOGUE, Indicator, Selection
from helpers.indicators.figure import KREIS_FROM_KOMMUNEN, Figure, coarsest
from helpers.indicators.queries import preferred_rows
from helpers.kommunen import KREIS_AGS, LAND_AGS, kommunen, kreise

SERIES_COLUMNS = ["date", "base", "value", "status", "source_ids", "notes", "flags", "precision"]


def _unique(values: Iterable[str]) -> tuple[str, ...]:
    """Non-empty values once each, in order (notes and flags of combined rows)."""
    return tuple(dict.fromkeys(v for v in values if v))


def _collapse(rows: pd.DataFrame, keys: tuple[str, ...] = ("date", "base")) -> pd.DataFrame:
    """One row per (date, base): the data layer's preferred row per category, categories summed.

    Where one key has several rows (see CONFLICTS.csv), ``helpers.data`` marks the most certain
    one ``preferred``; the others stay in the data for the conflict report. With ``keys``
    ("ags", "date", "base") it collapses every region at once (see :func:`_collapsed`).
    """
    columns = [*keys[:-2], *SERIES_COLUMNS]
    best = rows[rows["preferred"]]
    if best.empty:
        return pd.DataFrame(columns=columns)
    if not best.duplicated(list(keys)).any():  # one category: nothing to sum (the common, fast case)
        single = best.assign(source_ids=[(s,) for s in best["source_id"]], notes=[_unique([n]) for n in best["note"]],
                             flags=[_unique([f]) for f in best["flag"]])
        return single[columns].sort_values(list(keys)).reset_index(drop=True)
    grouped = best.groupby(list(keys), sort=True)
    out = pd.DataFrame({
        "value": grouped["value"].sum(min_count=1).where(~grouped["value"].apply(lambda v: v.isna().any())),
        "status": grouped["status"].agg(worst),
        "source_ids": grouped["source_id"].agg(lambda s: tuple(dict.fromkeys(s))),
        "notes": grouped["note"].agg(_unique),
        "flags": grouped["flag"].agg(_unique),
        "precision": grouped["precision"].agg(coarsest),
    }).reset_index()
    return out[columns]


def _ratio(num: pd.DataFrame, den: pd.DataFrame, scale: float,
           keys: tuple[str, ...] = ("date", "base")) -> pd.DataFrame:
    merged = num.merge(den, on=list(keys), suffixes=("_n", "_d"))
    value = merged["value_n"] / merged["value_d"].where(merged["value_d"] != 0) * scale
    return pd.DataFrame({
        **{key: merged[key] for key in keys}, "value": value,
        "status": [worst(p) for p in zip(merged["status_n"], merged["status_d"], strict=True)],
        "source_ids": [tuple(dict.fromkeys(a + b))
                       for a, b in zip(merged["source_ids_n"], merged["source_ids_d"], strict=True)],
        "notes": [_unique(a + b) for a, b in zip(merged["notes_n"], merged["notes_d"], strict=True)],
        "flags": [_unique(a + b) for a, b in zip(merged["flags_n"], merged["flags_d"], strict=True)],
        "precision": [coarsest(p) for p in zip(merged["precision_n"], merged["precision_d"], strict=True)],
    })


_BY_REGION = ("ags", "date", "base")


def _collapsed(obs: pd.DataFrame, selection: Selection) -> pd.DataFrame:
    """:func:`_collapse` of a selection for every region of ``obs`` in one pass (a Kreis's briefings
    ask for the same selection in each of its regions), with an ``ags`` column."""
    def compute() -> pd.DataFrame:
        rows = selection.rows(obs)
        best = rows[rows["preferred"]]
        summed = rows["ags"].isin(best.loc[best.duplicated(list(_BY_REGION)), "ags"])  # as _collapse decides per region
        parts = [part for part in (_collapse(rows[~summed], _BY_REGION), _collapse(rows[summed], _BY_REGION))
                 if not part.empty]  # an empty part would change the column types of the other
        return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["ags", *SERIES_COLUMNS])

    return store.remember(obs, ("collapsed", *selection.key), compute)


class _ByRegion:
    """A frame with an ``ags`` column, one region's rows (without it) at a time, each cut once (read-only,
    like everything in the memo)."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self._rows = frame.drop(columns="ags")
        self._positions = frame.groupby("ags", sort=False).indices
        self._cut: dict[str, pd.DataFrame] = {}

    def __contains__(self, ags: str) -> bool:
        return ags in self._positions

    def get(self, ags: str) -> pd.DataFrame | None:
        if ags not in self._positions:
            return None
        if ags not in self._cut:
            self._cut[ags] = store.read_only(self._rows.take(self._positions[ags]).reset_index(drop=True))
        return self._cut[ags]


def _by_region(obs: pd.DataFrame, key: tuple, compute) -> _ByRegion:
    """The frame ``compute()`` split by region, memoised under ``key``."""
    return store.remember(obs, key, lambda: _ByRegion(compute()))


def _region_rows(obs: pd.DataFrame, selection: Selection, ags: str) -> pd.DataFrame:
    """``_collapse(selection.rows(obs of ags))``, from :func:`_collapsed`."""
    found = _by_region(obs, ("regions", *selection.key), lambda: _collapsed(obs, selection)).get(ags)
    return pd.DataFrame(columns=SERIES_COLUMNS) if found is None else found


def _own_series(obs: pd.DataFrame, ind: Indicator, ags: str) -> pd.DataFrame:
    if ind.kind == "value":
        return _region_rows(obs, ind.value, ags)
    ratios = _by_region(obs, ("ratios", ind.id),
                        lambda: _ratio(_collapsed(obs, ind.numerator), _collapsed(obs, ind.denominator), ind.scale,
                                       _BY_REGION))
    if ags in ratios:
        return ratios.get(ags)
    # no date with both parts: computed alone, so the empty frame is exactly the one-region one
    return _ratio(_region_rows(obs, ind.numerator, ags), _region_rows(obs, ind.denominator, ags), ind.scale)


def _kreis_from_kommunen(obs: pd.DataFrame, ind: Indicator, kreis_ags: str = KREIS_AGS) -> pd.DataFrame:
    """Kreis value of a published share from all its Kommunen: summed numerators over summed
    denominators, the numerator being share × weight (e.g. the census population) — so the result
    is the share of the summed counts, not an average of the Kommunen's shares.
    """
    members = kommunen(kreis_ags)
    position = {region.ags: i for i, region in enumerate(members)}
    # All Kommunen in one pass, their rows in Kommune order as summed (float sums depend on the order).
    den, share = (frame[frame["ags"].isin(position)]
                  for frame in (_collapsed(obs, ind.kreis_from_kommunen), _collapsed(obs, ind.value)))
    num = share.merge(den[["ags", "date", "value"]], on=["ags", "date"], suffixes=("", "_w"))
    num = num.assign(value=num["value"] * num["value_w"]).drop(columns="value_w")
    rows = num.merge(den, on=["ags", "date"], suffixes=("_n", "_d")).sort_values(
        "ags", key=lambda ags: ags.map(position), kind="stable")
    complete = rows.groupby("date").filter(
        lambda g: g["ags"].nunique() == len(members) and g[["value_n", "value_d"]].notna().all().all()
        and not g[["status_n", "status_d"]].isin([Status.INCOMPLETE]).any().any()  # a lower bound never enters a sum
    )
    if complete.empty:
        return pd.DataFrame(columns=SERIES_COLUMNS)
    grouped = complete.groupby("date")
    return pd.DataFrame({
        "base": grouped["base_n"].first(),
        "value": grouped["value_n"].sum() / grouped["value_d"].sum(),  # the share is already × 100
        "status": grouped["status_n"].agg(lambda s: worst([*s, Status.DERIVED])),
        "source_ids": grouped.apply(
            lambda g: tuple(dict.fromkeys(sum(g["source_ids_n"], ()) + sum(g["source_ids_d"], ()))),
            include_groups=False),
        "notes": [(KREIS_FROM_KOMMUNEN,)] * grouped.ngroups,
        "flags": [()] * grouped.ngroups,
        "precision": "day",
    }).reset_index()


def indicator_series(obs: pd.DataFrame, indicator_id: str, ags: str) -> pd.DataFrame:
    """All dates of a value or ratio indicator for one region.

    Columns: date, base, value, status, source_ids (tuple), note, flag. A date can appear twice when two
    census bases were published for it (e.g. Kreis 31.12.2023); charts draw them as separate lines.
    """
    ind = CATALOGUE[indicator_id]
    if ind.kind == "change":
        raise ValueError(f"{indicator_id} ist eine Veränderung; bitte figure() verwenden.")
    return _series(obs, ind, ags).copy()


def _series(obs: pd.DataFrame, ind: Indicator, ags: str) -> pd.DataFrame:
    """:func:`indicator_series`, computed once per observation frame and shared (read-only): a region's rows
    of :func:`every_series` (all regions of the frame sorted in one pass, not one sort per region), else
    (no rows; a Kreis summed from its Kommunen, whose column types depend on the sum) on its own."""
    def compute() -> pd.DataFrame:
        if ind.kreis_from_kommunen is None and ind.kind != "change":
            found = _by_region(obs, ("every_series_regions", ind.id), lambda: every_series(obs, ind.id)).get(ags)
            if found is not None:
                return found
        series = _own_series(obs, ind, ags)
        if series.empty and ind.kreis_from_kommunen is not None and ags in {k.ags for k in kreise()}:
            series = _kreis_from_kommunen(obs, ind, ags)
        return series.sort_values(["date", "base"]).reset_index(drop=True)

    return store.remember(obs, ("series", ind.id, ags), compute)


def every_series(obs: pd.DataFrame, indicator_id: str) -> pd.DataFrame:
    """:func:`indicator_series` of every region at once (columns ``ags`` and :data:`SERIES_COLUMNS`, sorted by
    ags, date, base), computed once per observation frame — the statewide tables in one pass."""
    ind = CATALOGUE[indicator_id]
    if ind.kind == "change":
        raise ValueError(f"{indicator_id} ist eine Veränderung; bitte figure() verwenden.")

    def compute() -> pd.DataFrame:
        frame = (_collapsed(obs, ind.value) if ind.kind == "value" else
                 _ratio(_collapsed(obs, ind.numerator), _collapsed(obs, ind.denominator), ind.scale, _BY_REGION))
        if ind.kreis_from_kommunen is not None:  # as _series: a Kreis without its own rows, from its Kommunen
            own = set(frame["ags"])
            # Only a Kreis with a share for every Kommune has a sum (a regional frame holds one Kreis).
            shares = set(_collapsed(obs, ind.value)["ags"])
            summable = [k for k in kreise() if k.ags not in own and all(m.ags in shares for m in kommunen(k.ags))]
            frame = pd.concat([frame, *(part.assign(ags=k.ags) for k in summable
                                        for part in [_kreis_from_kommunen(obs, ind, k.ags)] if not part.empty)],
                              ignore_index=True)
        return frame.sort_values(["ags", "date", "base"]).reset_index(drop=True)[["ags", *SERIES_COLUMNS]]

    return store.remember(obs, ("every_series", ind.id), compute)


def day_key(stichtag) -> str | None:
    """A date argument as a memo key: ISO text (``None`` stays ``None``)."""
    return None if stichtag is None else pd.Timestamp(stichtag).isoformat()


def effective_stichtag(obs: pd.DataFrame, stichtag):
    """``stichtag``, or None where it cuts no row of ``obs``: a briefing's frame ends on its stichtag already, so
    the comparison's figures "up to the stichtag" and the profile's newest figures are one memo entry."""
    if stichtag is None:
        return None
    last = store.remember(obs, ("last_date",), lambda: obs["date"].max() if obs["date"].notna().all() else pd.NaT)
    return None if pd.Timestamp(stichtag) >= last else stichtag


def dated_series(obs: pd.DataFrame, indicator_id: str, ags: str, stichtag=None) -> pd.DataFrame:
    """The dates of :func:`indicator_series` that have a value, up to ``stichtag`` (once per frame)."""
    def compute() -> pd.DataFrame:
        series = indicator_series(obs, indicator_id, ags)
        series = series[series["value"].notna()]
        return series if stichtag is None else series[series["date"] <= stichtag]

    stichtag = effective_stichtag(obs, stichtag)
    return store.remember(obs, ("dated", indicator_id, ags, day_key(stichtag)), compute).copy()


def common_dates(obs: pd.DataFrame, indicator_id: str, base: str | None = None, stichtag=None,
                 kreis_ags: str = KREIS_AGS, regions: tuple[str, ...] | None = None,
                 official: bool = False) -> list[pd.Timestamp]:
    """The dates on which all Kommunen of the Kreis (or all ``regions``, AGS) have a value (on ``base`` if
    given; with ``official`` not a secondary one), oldest first; ``indicator_id`` is a catalogue indicator or a
    published variable (e.g. population_density)."""
    places = tuple(regions) if regions is not None else tuple(r.ags for r in kommunen(kreis_ags))
    stichtag = effective_stichtag(obs, stichtag)

    def compute() -> tuple[pd.Timestamp, ...]:
        if indicator_id in CATALOGUE.indicators:  # as dated_series, for every region in one pass
            rows = every_series(obs, indicator_id)
            rows = rows[rows["value"].notna() & (True if stichtag is None else rows["date"] <= pd.Timestamp(stichtag))]
        else:
            rows = preferred_rows(obs, indicator_id)
        if base is not None:
            rows = rows[rows["base"] == base]
        if official:
            rows = rows[rows["status"] != Status.SECONDARY]
        dates = rows.groupby("ags")["date"].agg(frozenset)
        return tuple(sorted(frozenset.intersection(*(dates.get(ags, frozenset()) for ags in places))))

    return list(store.remember(obs, ("common_dates", indicator_id, base, day_key(stichtag), places, official), compute))


def _figure_from_row(ind: Indicator, ags: str, row: pd.Series) -> Figure:
    """A published-but-empty cell (e.g. '.' = secret) becomes a missing figure that keeps its note."""
    precision = row.get("precision", "day")
    if pd.isna(row["value"]):
        return Figure(ind.id, ags, None, row["date"], "not_available", row["base"], tuple(row["source_ids"]),
                      tuple(row["notes"]), flags=tuple(row["flags"]), precision=precision)
    return Figure(ind.id, ags, float(row["value"]), row["date"], row["status"], row["base"],
                  tuple(row["source_ids"]), tuple(row["notes"]), flags=tuple(row["flags"]), precision=precision)


def figure(obs: pd.DataFrame, indicator_id: str, ags: str, *, stichtag: dt.date | str | None = None,
           at: pd.Timestamp | None = None, base: str | None = None) -> Figure:
    """The figure at ``at`` (exact date, optionally on ``base``) or the latest up to ``stichtag``
    (the latest official one where the series has any; see :func:`_official_first`).

    Computed once per observation frame and arguments (a Kreis's briefings share their frame).
    """
    stichtag = effective_stichtag(obs, stichtag)
    return store.remember(obs, ("figure", indicator_id, ags, day_key(stichtag), day_key(at), base),
                          lambda: _figure(obs, CATALOGUE[indicator_id], ags, stichtag=stichtag, at=at, base=base))


def _figure(obs: pd.DataFrame, ind: Indicator, ags: str, *, stichtag, at, base) -> Figure:
    if ind.kind == "change":
        return _change(obs, ind, ags, stichtag=stichtag, at=at)
    series = _series(obs, ind, ags)
    if series.empty:
        return Figure(ind.id, ags, None, at, "not_available")
    dates, bases = _columns(obs, ind, ags)
    if at is not None:
        keep = dates == pd.Timestamp(at).value
        if base is not None:
            keep &= bases == base
        rows = np.flatnonzero(keep)
    else:
        rows = np.arange(len(series)) if stichtag is None else np.flatnonzero(dates <= pd.Timestamp(stichtag).value)
        rows = _official_first(series, rows)
    if not len(rows):
        return Figure(ind.id, ags, None, at, "not_available")
    newest = rows[dates[rows] == dates[rows].max()]
    if len(newest) == 1:
        return _figure_from_row(ind, ags, series.iloc[newest[0]])
    # On one date with two bases, the newer base (listed last in bases.csv order of time) wins.
    latest = series.iloc[newest].sort_values("base", key=_base_order)
    return _figure_from_row(ind, ags, latest.iloc[-1])


def _columns(obs: pd.DataFrame, ind: Indicator, ags: str) -> tuple[np.ndarray, np.ndarray]:
    """The dates (as int64 nanoseconds) and bases of a series, for the many look-ups of :func:`figure`."""
    def compute() -> tuple[np.ndarray, np.ndarray]:
        series = _series(obs, ind, ags)
        return (pd.to_datetime(series["date"]).to_numpy("datetime64[ns]").view("int64"),
                series["base"].to_numpy(object))

    return store.remember(obs, ("columns", ind.id, ags), compute)


def _official_first(series: pd.DataFrame, rows: np.ndarray) -> np.ndarray:
    """The latest figure comes from official rows; third-party (secondary) rows only where no
    official value exists at all — they then keep their status, so the briefing marks them."""
    official = rows[series["status"].to_numpy(object)[rows] != Status.SECONDARY]
    return official if len(official) else rows


_BASE_ORDER = ("update_1987_base", "census_2011", "update_2011_base", "census_2022", "update_2022_base")


def _base_order(bases: pd.Series) -> pd.Series:
    return bases.map(lambda b: _BASE_ORDER.index(b) if b in _BASE_ORDER else -1)


def _census_of(base: str) -> str:
    """The census count a population update starts from (update_2022_base → census_2022)."""
    return base.replace("update_", "census_").removesuffix("_base")


def _change(obs: pd.DataFrame, ind: Indicator, ags: str, *, stichtag, at) -> Figure:
    """The change of ``ind.change_of`` since a fixed date, the previous year or (``census``) the census count the
    newest figure's base starts from — always on one census base. Since a fixed date whose figure is on an older
    base than the newest: the change on that older base up to its last date (Kleve 2015–2023 on the 2011 base);
    where that base has no later date, ``not_comparable`` with the start's value and base (the break is said)."""
    end = figure(obs, ind.change_of, ags, stichtag=stichtag, at=at)
    if end.missing:
        return Figure(ind.id, ags, None, end.date, "not_available")
    series = _series(obs, CATALOGUE[ind.change_of], ags)
    if ind.change_since == "census":
        counts = series[(series["base"] == _census_of(end.base)) & (series["date"] < end.date)
                        & series["value"].notna()]
        if counts.empty:
            return Figure(ind.id, ags, None, end.date, "not_available", end.base)
        return _difference(ind, ags, _figure_from_row(CATALOGUE[ind.change_of], ags, counts.iloc[0]), end)  # census day
    since = (end.date - pd.DateOffset(years=1) if ind.change_since == "previous_year"
             else pd.Timestamp(ind.change_since))
    start_rows = series[series["date"] == since]
    same_base = start_rows[start_rows["base"] == end.base]
    if not start_rows.empty and same_base.empty:
        older = start_rows[start_rows["value"].notna()].head(1)
        later = series[series["base"].isin(older["base"]) & (series["date"] > since) & series["value"].notna()]
        if at is not None or stichtag is not None:
            later = later[later["date"] == at] if at is not None else later[later["date"] <= pd.Timestamp(stichtag)]
        if len(older) and len(later) and ind.change_since != "previous_year":
            start = _figure_from_row(CATALOGUE[ind.change_of], ags, older.iloc[0])
            return _difference(ind, ags, start, _figure_from_row(CATALOGUE[ind.change_of], ags, later.iloc[-1]))
        start_value = float(older["value"].iloc[0]) if len(older) else None
        return Figure(ind.id, ags, None, end.date, "not_comparable", end.base, start_value=start_value,
                      start_date=since, start_base=next((b for b in start_rows["base"] if b), ""))
    if same_base["value"].isna().all():
        return Figure(ind.id, ags, None, end.date, "not_available", end.base, start_date=since)
    return _difference(ind, ags, _figure_from_row(CATALOGUE[ind.change_of], ags, same_base.iloc[0]), end)


def _difference(ind: Indicator, ags: str, start: Figure, end: Figure) -> Figure:
    """The change in percent from ``start`` to ``end`` (one base), dated at the end."""
    return Figure(
        ind.id, ags, (end.value / start.value - 1) * 100, end.date,
        worst([end.status, start.status]), end.base,
        tuple(dict.fromkeys(start.source_ids + end.source_ids)), _unique(start.notes + end.notes),
        start_value=start.value, start_date=start.date, precision=coarsest([start.precision, end.precision]),
        start_base=start.base,
    )


@dataclass(frozen=True)
class Comparison:
    """An indicator for a Kommune beside the Kreis and NRW, on the same date where possible."""

    indicator: Indicator
    kommune: Figure
    kreis: Figure
    land: Figure

    @property
    def figures(self) -> tuple[Figure, Figure, Figure]:
        return self.kommune, self.kreis, self.land


def compare(obs: pd.DataFrame, indicator_id: str, ags: str, stichtag=None) -> Comparison:
    """Kommune, its Kreis and NRW; Kreis/NRW on the Kommune's date and base so the three are comparable.

    Where the Kommune has no figure, the Kreis shows its own latest figure up to ``stichtag`` (the profile
    labels it "Kreiswert") and NRW its figure of the Kreis's date and base where it has one (Kita 2015 beside
    Kita 2015, not NRW's 2019), else its own latest. Computed once per observation frame, like :func:`figure`.
    """
    stichtag = effective_stichtag(obs, stichtag)
    return store.remember(obs, ("compare", indicator_id, ags, day_key(stichtag)),
                          lambda: _compare(obs, CATALOGUE[indicator_id], ags, stichtag))


def _compare(obs: pd.DataFrame, ind: Indicator, ags: str, stichtag) -> Comparison:
    indicator_id = ind.id
    kommune = (figure(obs, indicator_id, ags, stichtag=stichtag) if "kommune" in ind.levels
               else Figure(ind.id, ags, None, None, "not_available"))
    others = []
    for region_ags in (ags[:5] if len(ags) == 8 else KREIS_AGS, LAND_AGS):
        if kommune.date is not None and not kommune.missing:
            other = figure(obs, indicator_id, region_ags, at=kommune.date,
                           base=kommune.base if ind.kind != "change" else None)
        elif kommune.date is not None and ind.kind == "change":
            other = figure(obs, indicator_id, region_ags, at=kommune.date)
        else:
            other = figure(obs, indicator_id, region_ags, stichtag=stichtag)
            kreis = others[0] if others else None
            if kreis is not None and not kreis.missing and ind.kind != "change":
                same_day = figure(obs, indicator_id, region_ags, at=kreis.date, base=kreis.base or None)
                other = same_day if not same_day.missing else other
        others.append(other)
    return Comparison(ind, kommune, *others)


def compute_indicators(obs: pd.DataFrame, indicator_ids: Iterable[str] | None = None,
                       ags: Iterable[str] | None = None, stichtag=None, kreis_ags: str = KREIS_AGS) -> pd.DataFrame:
    """Latest figure (up to ``stichtag``) of each indicator for each region, as a long table.

    Columns: the fields of :class:`Figure` (indicator, ags, value, date, status, base, source_ids, notes,
    start_value, start_date, flags, precision, start_base; dates as ISO text, ids, notes and flags as lists).
    Regions default to the Kommunen of ``kreis_ags``, that Kreis and NRW; missing figures are rows with value None.
    For research, :func:`helpers.research.table` gives the same figures as a flat table of every NRW region.
    """
    ids = list(indicator_ids or CATALOGUE.indicators)
    regions = list(ags or [r.ags for r in kommunen(kreis_ags)] + [kreis_ags, LAND_AGS])
    rows = [figure(obs, i, a, stichtag=stichtag).as_dict() for i in ids for a in regions]
    return pd.DataFrame(rows)
