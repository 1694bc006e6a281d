"""Comparing the Kommunen of a Kreis on one date: which date (:func:`reference_date`) and, for a map,
which share (:func:`map_share`).

A ranking or a map compares every Kommune on **one** reference date: the date most of them have a figure
for, the newest on a tie — ranking each Kommune's own newest figure would put a preliminary 2025 result
beside final 2020 results. A map shows a share or a rate, never a count (a count colours the large
towns dark and says nothing about them), chosen from the data by :data:`MAP_RULE`.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from helpers import fmt
from helpers.data.status import Status
from helpers.indicators.catalogue import CATALOGUE, Indicator
from helpers.indicators.compute import dated_series, figure
from helpers.indicators.figure import Figure

# MAP_RULE: among the key figures that are shares or rates (unit percent, not a change, a true share), those
# that at least half of the Kommunen have a rankable official figure for on their reference date (not
# missing, not a lower bound, not from a secondary source: secondary figures yield to official ones); of
# these the newest reference date (a 2024 quota rather than the 2011 census), then the most such figures,
# then catalogue order. Without such a share, the same order over all candidates.
MAP_CANDIDATES = tuple(i for i in CATALOGUE.key_figures if CATALOGUE[i].unit == "percent"
                       and CATALOGUE[i].kind != "change" and not CATALOGUE[i].not_a_share)


@dataclass(frozen=True)
class MapShare:
    """The share a map of the Kommunen shows: each Kommune's figure on the one reference date."""

    indicator: Indicator
    reference_date: pd.Timestamp
    figures: tuple[Figure, ...]  # the Kommunen in the order asked, missing where they have none that day

    @property
    def ranked(self) -> tuple[Figure, ...]:
        return tuple(f for f in self.figures if not f.missing and not f.lower_bound)


def reference_date(dates: Iterable[pd.Timestamp]) -> pd.Timestamp | None:
    """The date that occurs most often among ``dates`` (one per Kommune and date it has a figure), the
    newest on a tie; None without dates."""
    counts = pd.Series(pd.to_datetime(list(dates)), dtype="datetime64[ns]").value_counts()
    return max(counts.index, key=lambda d: (counts[d], d)) if len(counts) else None


def _map_score(choice: MapShare) -> tuple[bool, pd.Timestamp, int, int]:
    official = sum(f.status != Status.SECONDARY for f in choice.ranked)
    return 2 * official >= len(choice.figures), choice.reference_date, official, len(choice.ranked)


def map_share(obs: pd.DataFrame, kommunen: Iterable[str], stichtag=None) -> MapShare | None:
    """The share a map of ``kommunen`` (AGS) shows, by :data:`MAP_RULE`; None if no candidate has a figure."""
    kommunen, best = list(kommunen), None
    for indicator_id in MAP_CANDIDATES:
        day = reference_date(d for a in kommunen for d in dated_series(obs, indicator_id, a, stichtag)["date"].unique())
        if day is None:
            continue
        choice = MapShare(CATALOGUE[indicator_id], day, tuple(figure(obs, indicator_id, a, at=day) for a in kommunen))
        if best is None or _map_score(choice) > _map_score(best):
            best = choice
    return best


def ranking(values: pd.Series, decimals: int | None = None) -> pd.DataFrame:
    """Sorted descending; equal values share a rank (the bars must stand in some order: ties
    in AGS order). With ``decimals``, values equal as printed are equal. Missing values come
    last, unranked."""
    frame = pd.DataFrame({"ags": values.index.astype(str), "value": values.to_numpy(dtype=float)})
    key = frame["value"] if decimals is None else frame["value"].map(lambda v: fmt.as_printed(v, decimals))
    frame = frame.assign(_key=key).sort_values(["_key", "ags"], ascending=[False, True], na_position="last",
                                               kind="mergesort")
    frame["rank"] = frame["_key"].rank(method="min", ascending=False).astype("Int64")
    return frame.drop(columns="_key").reset_index(drop=True)
