"""The change of an indicator between two reference dates on one census base, for every region of a
Kreis over the same interval where they all have it (the Kommunenvergleich's table of changes)."""
from __future__ import annotations

from dataclasses import astuple, dataclass

import pandas as pd

from helpers.data import store
from helpers.data.status import worst
from helpers.indicators.compute import common_dates, dated_series, day_key, effective_stichtag
from helpers.kommunen import KREIS_AGS, kommunen

Interval = tuple[pd.Timestamp, pd.Timestamp, str]  # start, end, census base


@dataclass(frozen=True)
class Change:
    """``end_value - start_value`` of one region; ``comparable_with_latest`` is False when the newest
    date starts a new census base (the change then ends before it)."""

    start: pd.Timestamp
    end: pd.Timestamp
    start_value: float
    end_value: float
    change: float
    base: str
    comparable_with_latest: bool
    status: str
    source_ids: tuple[str, ...]


def common_interval(obs: pd.DataFrame, indicator_id: str, stichtag=None, kreis_ags: str = KREIS_AGS) -> Interval | None:
    """(start, end, base): the two newest reference dates on one census base that all Kommunen
    have, so one column of changes covers one interval (Kleve's extra 2022 figure must not give
    Kleve 2022–2023 beside 2021–2023 for the others). None when the Kommunen share no such pair."""
    series = [dated_series(obs, indicator_id, r.ags, stichtag) for r in kommunen(kreis_ags)]
    best = None
    for base in set().union(*(set(f["base"]) for f in series)):
        dates = common_dates(obs, indicator_id, base, stichtag, kreis_ags)
        if len(dates) >= 2 and (best is None or (dates[-1], dates[-2]) > best[1::-1]):
            best = (dates[-2], dates[-1], base)
    return best


def change_since_previous(obs: pd.DataFrame, indicator_id: str, ags: str, stichtag=None,
                          interval: Interval | None = None) -> Change | None:
    """Change between two reference dates on one census base: those of ``interval`` where the
    region has both, else its own two newest. When the newest date starts a new base, the newest
    comparable pair is used. None where the region has no such pair. Once per frame and arguments (the short
    version asks what its profile asked), remembered as the plain fields of the :class:`Change`."""
    stichtag = effective_stichtag(obs, stichtag)
    span = None if interval is None else (day_key(interval[0]), day_key(interval[1]), interval[2])
    found = store.remember(obs, ("change_since_previous", indicator_id, ags, day_key(stichtag), span),
                           lambda: _change_since_previous(obs, indicator_id, ags, stichtag, interval))
    return None if found is None else Change(*found)


def _change_since_previous(obs: pd.DataFrame, indicator_id: str, ags: str, stichtag,
                           interval: Interval | None) -> tuple | None:
    """:func:`change_since_previous` as a tuple of the fields of its :class:`Change`."""
    series = dated_series(obs, indicator_id, ags, stichtag)
    if series.empty:
        return None
    newest = series["date"].max()
    newest_first = sorted(series.groupby("base"), key=lambda item: -item[1]["date"].max().value)
    pairs = [(base, rows.iloc[-2:]) for base, rows in newest_first if len(rows) >= 2]
    if interval is not None:
        start, end, base = interval
        wanted = series[(series["base"] == base) & series["date"].isin([start, end])]
        if len(wanted) == 2:
            pairs.insert(0, (base, wanted))
    if not pairs:
        return None
    base, (start, end) = pairs[0][0], (row for _, row in pairs[0][1].iterrows())
    return astuple(Change(start["date"], end["date"], start["value"], end["value"], end["value"] - start["value"], base,
                  end["date"] == newest, worst([start["status"], end["status"]]),
                  tuple(dict.fromkeys((*start["source_ids"], *end["source_ids"])))))
