"""Structurally similar regions: features per region, standardised; nearest neighbours and Ward groups.

Deterministic and independent of row order: no random start, rows sorted by AGS, equal distances go to the
smaller AGS. :data:`STATEWIDE` are the features every Gemeinde of NRW has from official tables: the research API
compares all 396 (``helpers.research.similar``), the briefings the Kommunen of one Kreis (``indicators.peers``).
A feature's dates are official only: a secondary figure (Wikipedia, a research collection) never enters it.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from helpers.indicators.catalogue import CATALOGUE
from helpers.indicators.compute import common_dates, figure
from helpers.indicators.queries import complete_value, observation_rows


@dataclass(frozen=True)
class Feature:
    """One structural characteristic used for similarity; ``log`` tames the size of large towns. Its dates
    come from the data (:func:`feature_dates`): the newest date all compared regions share on ``base``."""

    key: str  # column name (in the briefing: the message key of the label)
    indicator: str  # a catalogue indicator or a published variable
    base: str | None = None
    growth: bool = False  # growth in % from the oldest to the newest date the regions share on ``base``
    log: bool = False


# Every Gemeinde of NRW has these (IT.NRW 12411-15i 2024, Regionalstatistik 12411-01-01-5 2011–2015 and
# 12111-01-01-5 census 2011). Not here: the Zensus-2022 foreign share per Gemeinde and the population 2023 on the
# 2011 base, which only Kreis Kleve has and only as secondary figures (GERDA, Wikipedia).
STATEWIDE = (
    Feature("population", "population", "update_2022_base", log=True),
    Feature("population_density", "population_density", log=True),
    Feature("population_growth", "population", "update_2011_base", growth=True),
    Feature("foreign_share_census_2011", "foreign_share_census_2011"),
)


def feature_table(obs: pd.DataFrame, features: tuple[Feature, ...], regions: tuple[str, ...]) -> pd.DataFrame:
    """One row per region (AGS order), one column per feature, unscaled."""
    ags = sorted(regions)
    table = pd.DataFrame(index=pd.Index(ags, name="ags"))
    for feat in features:
        days = feature_dates(obs, feat, tuple(ags))
        table[feat.key] = [feature_value(obs, feat, days, a) if days else math.nan for a in ags]
    return table


def feature_dates(obs: pd.DataFrame, feat: Feature, regions: tuple[str, ...]) -> tuple[pd.Timestamp, ...]:
    """(newest,) or, for growth, (newest, oldest) of the dates on which all ``regions`` have an official figure on
    the feature's base; empty when they share none (or, for growth, fewer than two)."""
    dates = common_dates(obs, feat.indicator, feat.base, regions=tuple(sorted(regions)), official=True)
    if len(dates) < (2 if feat.growth else 1):
        return ()
    return (dates[-1], dates[0]) if feat.growth else (dates[-1],)


def feature_value(obs: pd.DataFrame, feat: Feature, days: tuple[pd.Timestamp, ...], ags: str) -> float:
    """The feature for one region; NaN where it is missing or only a lower bound (a total
    without its secret part must not make two regions look alike)."""
    if feat.indicator in CATALOGUE.indicators:
        figures = [figure(obs, feat.indicator, ags, at=day, base=feat.base) for day in days]
        values = [None if f.lower_bound else f.value for f in figures]
    else:  # a published observation that is not (yet) a catalogue indicator, e.g. density
        values = [complete_value(obs, feat.indicator, days[0], ags)]
    if any(v is None or pd.isna(v) for v in values):
        return math.nan
    return 100 * (values[0] / values[1] - 1) if feat.growth else values[0]


def feature_sources(obs: pd.DataFrame, features: tuple[Feature, ...], regions: tuple[str, ...]) -> tuple[str, ...]:
    """The sources of the features' figures (only when every feature has its dates)."""
    ids = []
    for feat in features:
        for at in feature_dates(obs, feat, regions):  # growth: its start and its end
            if feat.indicator in CATALOGUE.indicators:
                ids += [i for ags in regions
                        for i in figure(obs, feat.indicator, ags, at=at, base=feat.base).source_ids]
            else:
                ids += list(observation_rows(obs, feat.indicator, at)["source_id"])
    return tuple(dict.fromkeys(ids))


def scaled(table: pd.DataFrame, features: tuple[Feature, ...]) -> pd.DataFrame:
    """z-scores over the regions after log where the feature says so; rows sorted by AGS so the
    result never depends on the order rows arrive in. scikit-learn is imported here, where it is used:
    its import costs a kernel almost a second, and most briefings never cluster."""
    from sklearn.preprocessing import StandardScaler

    logs = {f.key for f in features if f.log}
    table = table.sort_index()
    logged = table.apply(lambda col: np.log(col) if col.name in logs else col)
    return pd.DataFrame(StandardScaler().fit_transform(logged), index=table.index, columns=table.columns)


def distances(table: pd.DataFrame, features: tuple[Feature, ...]) -> pd.DataFrame:
    """Euclidean distances of the z-scores between every two regions with all features (rounded to 1e-9,
    so that equal distances are equal and go to the smaller AGS)."""
    from sklearn.metrics import pairwise_distances

    z = scaled(table.dropna(), features)
    return pd.DataFrame(pairwise_distances(z), index=z.index, columns=z.index).round(9)


def nearest(dist: pd.DataFrame, ags: str, k: int) -> pd.DataFrame:
    """The ``k`` regions nearest to ``ags`` (columns ags, distance); equal distances go to the smaller AGS."""
    others = dist.loc[ags].drop(ags).reset_index().set_axis(["ags", "distance"], axis=1)
    return others.sort_values(["distance", "ags"], kind="mergesort").head(k).reset_index(drop=True)


def similar(table: pd.DataFrame, features: tuple[Feature, ...], k: int) -> pd.DataFrame:
    """The ``k`` nearest regions for each region (columns ags, neighbours, distances as tuples)."""
    dist = distances(table, features)
    rows = []
    for ags in dist.index:
        found = nearest(dist, ags, k)
        rows.append({"ags": ags, "neighbours": tuple(found["ags"]), "distances": tuple(found["distance"])})
    return pd.DataFrame(rows)


def groups(table: pd.DataFrame, features: tuple[Feature, ...], n: int) -> pd.Series:
    """Ward clustering of the z-scores into ``n`` groups, numbered 1… in the AGS order of each
    group's first member (deterministic: no random start, rows sorted by AGS)."""
    from sklearn.cluster import AgglomerativeClustering

    z = scaled(table.dropna(), features)
    labels = AgglomerativeClustering(n_clusters=n, linkage="ward").fit_predict(z.to_numpy())
    first_seen = list(dict.fromkeys(labels))
    return pd.Series([first_seen.index(label) + 1 for label in labels], index=z.index, name="group")
