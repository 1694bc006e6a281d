""""Ähnliche Kommunen" of one Kreis (the Kommunenvergleich; "Wo steht" in the profile), decided in one place
(:func:`of_kreis`): the features, their dates, k, the number of Ward groups, the neighbours and the groups.

Every Kreis uses the same official features, :data:`helpers.indicators.similarity.STATEWIDE` (population and
density, growth on the 2011 base, foreign share of the Zensus 2011), on the newest dates all its Kommunen share
with an official figure (so Kreis Kleve's growth runs to 2021, elsewhere to 2015). Why one set: the only
alternatives, Kreis Kleve's foreign share of the Zensus 2022 and its population 2023 on the 2011 base, are
secondary figures (GERDA, Wikipedia), and a secondary figure yields to an official one.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from helpers.data import store
from helpers.indicators import similarity
from helpers.indicators.similarity import STATEWIDE, Feature, feature_value
from helpers.kommunen import kommunen

FEATURES = STATEWIDE
MAX_NEIGHBOURS = 3  # k never exceeds three: the "Wo steht" cell shows the range of their values
PER_GROUP = 4  # Ward groups of about four Kommunen: 16 → 4 groups, 7 → 2

__all__ = ["FEATURES", "Feature", "Peers", "feature_value", "n_groups", "n_neighbours", "of_kreis"]


def n_neighbours(n_kommunen: int) -> int:
    """k: at most a third of the other Kommunen (at least two, at most :data:`MAX_NEIGHBOURS`), so that in a
    Kreis of seven the "similar" ones are not half of the Kreis."""
    return max(2, min(MAX_NEIGHBOURS, (n_kommunen - 1) // 3))


def n_groups(n_kommunen: int) -> int:
    """Ward groups of about :data:`PER_GROUP` Kommunen, at least two: fewer Kommunen, fewer groups."""
    return max(2, (n_kommunen + PER_GROUP // 2) // PER_GROUP)  # rounded half up


@dataclass(frozen=True, eq=False)
class Peers:
    """The similar Kommunen of one Kreis: everything the profile and the comparison show of them."""

    features: tuple[Feature, ...]
    dates: dict[str, tuple[pd.Timestamp, ...]]  # per feature key: (newest,) or, for growth, (newest, oldest)
    table: pd.DataFrame  # one row per Kommune (AGS order), one column per feature, unscaled
    k: int
    n_groups: int
    neighbours: pd.DataFrame | None  # columns ags, neighbours, distances; None: a feature is missing somewhere
    groups: pd.Series | None
    sources: dict[str, tuple[str, ...]]  # per feature key: the sources of its values (empty when not complete)

    @property
    def complete(self) -> bool:
        return self.neighbours is not None

    @property
    def source_ids(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(i for ids in self.sources.values() for i in ids))

    @property
    def missing(self) -> tuple[Feature, ...]:
        """The features the data lack for some Kommune (on the stichtag)."""
        return tuple(f for f in self.features if self.table[f.key].isna().any())

    def of(self, ags: str) -> tuple[str, ...] | None:
        """The similar Kommunen of one Kommune, nearest first; None where they are not determined."""
        return None if self.neighbours is None else tuple(self.neighbours.set_index("ags").loc[ags, "neighbours"])


def of_kreis(obs: pd.DataFrame, kreis_ags: str) -> Peers:
    """The similar Kommunen of every Kommune of the Kreis from the observations up to the stichtag: computed
    once per frame and Kreis (every profile and short version of the Kreis asks), remembered as plain parts."""
    members = tuple(sorted(r.ags for r in kommunen(kreis_ags)))
    k, groups = n_neighbours(len(members)), n_groups(len(members))
    table, dates, neighbours, grouping, sources = store.remember(
        obs, ("peers", members), lambda: _parts(obs, members, k, groups))
    return Peers(FEATURES, dict(dates), table, k, groups, neighbours, grouping, dict(sources))


def _parts(obs: pd.DataFrame, members: tuple[str, ...], k: int, groups: int) -> tuple:
    """Table, dates, neighbours, groups and sources of :class:`Peers`, dicts as tuples of items (plain values
    for :func:`helpers.data.store.remember`)."""
    table = similarity.feature_table(obs, FEATURES, members)
    dates = tuple((f.key, similarity.feature_dates(obs, f, members)) for f in FEATURES)
    if table.isna().any().any():  # e.g. a stichtag before the features' dates
        return table, dates, None, None, ()
    sources = tuple((f.key, similarity.feature_sources(obs, (f,), members)) for f in FEATURES)
    return (table, dates, similarity.similar(table, FEATURES, k), similarity.groups(table, FEATURES, groups),
            sources)
