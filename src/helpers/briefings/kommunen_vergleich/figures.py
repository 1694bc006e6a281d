"""Every figure of the Kommunenvergleich, computed once in ``setup`` (the sections only lay them out).

Figures come from :mod:`helpers.indicators` (the same computation as the Kommunenprofil), so a number
here always equals the profile's. Rankings compare the Kommunen on one reference date
(:attr:`Standing.reference_date`); a total without its secret part (status ``incomplete``) is never ranked.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from helpers import indicators
from helpers.indicators import CATALOGUE, Figure, Indicator
from helpers.indicators.changes import Change, Interval, change_since_previous, common_interval
from helpers.indicators.peers import Peers, of_kreis
from helpers.indicators.ranking import MapShare, map_share, reference_date
from helpers.kommunen import Region, land


@dataclass(frozen=True, eq=False)
class Standing:
    """One indicator for the Kommunen of a Kreis, the Kreis and NRW."""

    indicator: Indicator
    kommunen: tuple[Figure, ...]  # each Kommune's newest figure up to stichtag, AGS order
    kreis: Figure  # the Kreis's newest figure
    land: Figure  # NRW's newest figure
    series: tuple[pd.DataFrame, ...]  # each Kommune's dated series up to stichtag (none for a change)
    reference_date: pd.Timestamp | None  # the one date the Kommunen are ranked on
    on_reference_date: tuple[Figure, ...]  # each Kommune on reference_date (missing where it has no figure)
    kreis_on_reference_date: Figure

    @property
    def ranked(self) -> tuple[Figure, ...]:
        """The Kommunen that enter rankings: a figure on the reference date that is not a lower bound."""
        return tuple(f for f in self.on_reference_date if not f.missing and not f.lower_bound)

    def frame(self, names: Mapping[str, str]) -> pd.DataFrame:
        """The newest figures as a long table: the Kommunen, the Kreis and NRW (``Figure.as_dict`` and name)."""
        table = pd.DataFrame([f.as_dict() for f in (*self.kommunen, self.kreis, self.land)])
        # numbers as floats even when none exists, so the key table's concat never guesses a dtype from None
        return table.astype({"value": float, "start_value": float}).assign(name=table["ags"].map(names))


@dataclass(frozen=True)
class ChangeColumn:
    """The changes of one indicator since the previous reference date: the Kommunen, Kreis and NRW
    over ``interval`` where they have it (:func:`helpers.indicators.changes.common_interval`)."""

    indicator: Indicator
    interval: Interval | None
    changes: tuple[Change | None, ...]


@dataclass(frozen=True, eq=False)
class ComparisonFigures:
    """What the comparison shows of the Kommunen of one Kreis."""

    indicator_ids: tuple[str, ...]  # the selection, in catalogue order
    standings: Mapping[str, Standing]  # each selected indicator
    key_ids: tuple[str, ...]  # the key table's: the selection's key figures (else the selection) with a Kommune value
    changes: tuple[ChangeColumn, ...]  # the key indicators with a change since the previous date
    map: MapShare | None  # the share on the map (helpers.indicators.ranking.MAP_RULE); None: no share has a figure
    peers: Peers  # the similar Kommunen and their groups (features, dates, k, groups: helpers.indicators.peers)


def standing(obs: pd.DataFrame, indicator_id: str, kommunen: tuple[Region, ...], kreis: Region, stichtag) -> Standing:
    """The newest figures up to ``stichtag`` (equal to the profile's: helpers.indicators.figure), the series
    over time, and every Kommune and the Kreis on the one reference date."""
    ind = CATALOGUE[indicator_id]
    newest = tuple(indicators.figure(obs, indicator_id, r.ags, stichtag=stichtag) for r in kommunen)
    series = () if ind.kind == "change" else tuple(indicators.dated_series(obs, indicator_id, r.ags, stichtag)
                                                   for r in kommunen)
    # A change exists only at its newest date; other figures at every date of their series.
    day = reference_date([f.date for f in newest if not f.missing] if ind.kind == "change"
                         else [d for dated in series for d in dated["date"].unique()])
    on_day = tuple(indicators.figure(obs, indicator_id, a, at=day) if day is not None
                   else Figure(indicator_id, a, None, None, "not_available")
                   for a in [r.ags for r in kommunen] + [kreis.ags])
    kreis_newest, land_newest = (indicators.figure(obs, indicator_id, a, stichtag=stichtag)
                                 for a in (kreis.ags, land().ags))
    return Standing(ind, newest, kreis_newest, land_newest, series, day, on_day[:-1], on_day[-1])


def compute(obs: pd.DataFrame, indicator_ids: tuple[str, ...], kommunen: tuple[Region, ...], kreis: Region,
            stichtag) -> ComparisonFigures:
    """The comparison's figures from the observations up to ``stichtag``."""
    standings = {i: standing(obs, i, kommunen, kreis, stichtag) for i in indicator_ids}
    keys = tuple(i for i in CATALOGUE.key_figures if i in indicator_ids) or indicator_ids
    key_ids = tuple(i for i in keys if any(not f.missing for f in standings[i].kommunen))
    regions = [r.ags for r in kommunen] + [kreis.ags, land().ags]
    changes = []
    for i in key_ids:
        if CATALOGUE[i].kind != "change":
            interval = common_interval(obs, i, stichtag, kreis.ags)
            column = tuple(change_since_previous(obs, i, a, stichtag, interval) for a in regions)
            if any(column):
                changes.append(ChangeColumn(CATALOGUE[i], interval, column))
    return ComparisonFigures(indicator_ids, standings, key_ids, tuple(changes),
                             map_share(obs, [r.ags for r in kommunen], stichtag), of_kreis(obs, kreis.ags))


def municipal_indicators(indikatoren: object = None) -> tuple[str, ...]:
    """Catalogue ids published per Kommune (``None`` = all of them, in catalogue order)."""
    available = tuple(i.id for i in CATALOGUE.indicators.values() if "kommune" in i.levels)
    if indikatoren is None:
        return available
    wanted = [indikatoren] if isinstance(indikatoren, str) else list(indikatoren)
    unknown = [i for i in wanted if i not in available]
    if unknown or not wanted:
        raise ValueError(f"Unbekannte oder nicht auf Gemeindeebene veröffentlichte Indikatoren: {unknown or wanted}. "
                         f"Gültig sind: {', '.join(available)}.")
    return tuple(dict.fromkeys(wanted))

