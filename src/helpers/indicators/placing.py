"""Where a region stands ("Wo steht …?"): its figure of an indicator beside the other Kommunen of its Kreis,
the Kreis, NRW and its similar Kommunen on the **same date and census base**, the direction since the earlier
comparable date on that base, and whether it is "auffällig" by the catalogue's ``notable`` rule.

Ranks follow the comparison's rule (:func:`helpers.indicators.ranking.ranking`): equal as printed is equal, a
secret value or a total without its secret part (lower bound) is never ranked. A rule's statement needs the count
it rests on to reach ``min_count``; below it, or where the count is unknown, nothing is said.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from helpers import fmt
from helpers.data import store
from helpers.indicators.catalogue import CATALOGUE, NOTABLE_COUNTS, Indicator
from helpers.indicators.changes import Change, change_since_previous
from helpers.indicators.compute import figure
from helpers.indicators.figure import Figure


@dataclass(frozen=True)
class Placing:
    """One indicator of one region beside its peers, all on the region's own date and base."""

    indicator: Indicator
    own: Figure  # the region's newest figure
    others: tuple[Figure, ...]  # every Kommune of the Kreis on own.date and base (the region itself included)
    kreis: Figure  # the Kreis on own.date and base (missing where it has none that day)
    land: Figure  # NRW likewise
    peers: tuple[Figure, ...]  # the similar Kommunen on own.date and base (empty: none determined)
    change: Change | None  # since the earlier comparable date on own.base, ending at own.date
    count: float | None  # the count the notable rule rests on (None: no rule or not known)

    @property
    def ranked(self) -> tuple[Figure, ...]:
        return tuple(f for f in self.others if not f.missing and not f.lower_bound)

    @property
    def rank(self) -> int | None:
        """1 = highest, equal printed values sharing the smaller rank; None where the region is not ranked. The rank
        :func:`~helpers.indicators.ranking.ranking` gives the region, counted without building its table."""
        if self.own.missing or self.own.lower_bound or len(self.ranked) < 2:
            return None
        decimals = self.indicator.decimals
        mine = fmt.as_printed(next(f.value for f in self.ranked if f.ags == self.own.ags), decimals)
        return 1 + sum(fmt.as_printed(f.value, decimals) > mine for f in self.ranked)

    @property
    def tied(self) -> tuple[str, ...]:
        """The other Kommunen whose value prints the same as the region's."""
        decimals = self.indicator.decimals
        mine = fmt.as_printed(self.own.value, decimals)
        return tuple(f.ags for f in self.ranked if f.ags != self.own.ags and fmt.as_printed(f.value, decimals) == mine)

    @property
    def lowest_rank(self) -> int:
        """The rank counted from below (1 = lowest), for "zweitniedrigster"."""
        mine = fmt.as_printed(self.own.value, self.indicator.decimals)
        return sum(fmt.as_printed(f.value, self.indicator.decimals) <= mine for f in self.ranked) - len(self.tied)


def _count(obs: pd.DataFrame, ind: Indicator, own: Figure) -> float | None:
    """The count the rule of ``ind`` rests on, for the region on its figure's date (the counts of every region
    and date once per frame: each Kommune of the Kreis asks, in its profile and its short version)."""
    rule = ind.notable
    if rule is None or own.missing:
        return None
    if rule.count in NOTABLE_COUNTS:
        def compute() -> pd.Series:  # every region and date of the frame at once
            rows = getattr(ind, rule.count).rows(obs)
            return rows[rows["value"].notna()].groupby(["ags", "date"])["value"].sum()

        found = store.remember(obs, ("notable_counts", ind.id), compute).get((own.ags, own.date))
        return None if found is None else float(found)
    return figure(obs, rule.count, own.ags, at=own.date).value


def place(obs: pd.DataFrame, indicator_id: str, ags: str, kommunen: Iterable[str], kreis_ags: str, land_ags: str,
          peers: tuple[str, ...] = (), stichtag=None) -> Placing:
    """Where ``ags`` stands on its newest figure of ``indicator_id`` up to ``stichtag``."""
    ind = CATALOGUE[indicator_id]
    own = figure(obs, indicator_id, ags, stichtag=stichtag)

    def on_day(a: str) -> Figure:
        if own.missing:
            return Figure(indicator_id, a, None, None, "not_available")
        return figure(obs, indicator_id, a, at=own.date, base=own.base or None)

    change = None
    if ind.kind != "change" and not own.missing:
        found = change_since_previous(obs, indicator_id, ags, stichtag)
        change = found if found is not None and found.end == own.date and found.base == own.base else None
    return Placing(ind, own, tuple(on_day(a) for a in kommunen), on_day(kreis_ags), on_day(land_ags),
                   tuple(on_day(a) for a in peers), change, _count(obs, ind, own))


@dataclass(frozen=True)
class Notability:
    """A Kommune's figure that stands out by its indicator's rule: above or below its reference by the threshold."""

    placing: Placing
    above: bool
    reference: tuple[Figure, ...]  # one figure (Kreis, NRW) or the similar Kommunen (their range)


def notable(p: Placing) -> Notability | None:
    """The statement the catalogue's rule allows, or None: no rule, no ranked value, no reference on the same
    date and base, a count below ``min_count`` (or unknown), or a difference below the threshold."""
    rule = p.indicator.notable
    if rule is None or p.own.missing or p.own.lower_bound or p.count is None or p.count < rule.min_count:
        return None
    reference = {"kreis": (p.kreis,), "land": (p.land,)}.get(
        rule.reference, tuple(f for f in p.peers if not f.missing and not f.lower_bound))
    if not reference or any(f.missing for f in reference):
        return None
    own = fmt.as_printed(p.own.value, p.indicator.decimals)
    values = [fmt.as_printed(f.value, p.indicator.decimals) for f in reference]
    above = own > max(values)
    edge = max(values) if above else min(values)
    if not above and own >= edge:
        return None  # inside the similar Kommunen's range (or equal to the reference)
    gap = round(abs(own - edge), p.indicator.decimals)  # as printed: 9,6 − 6,6 is 3,0, not 2,999…
    reached = gap >= rule.points if rule.points is not None else edge != 0 and gap / abs(edge) * 100 >= rule.relative
    return Notability(p, above, reference) if reached else None
