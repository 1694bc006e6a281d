""""Ähnliche Kommunen": four structural features, standardised; the nearest neighbours of each
Kommune and Ward groups. Deterministic and independent of row order: no random start, rows sorted
by AGS, equal distances go to the smaller AGS."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from helpers import indicators
from helpers.indicators.queries import complete_value, observation_rows
from helpers.kommunen import KREIS_AGS, Region

NEIGHBOURS = 3  # k: the most similar Kommunen named for each Kommune
N_GROUPS = 4  # clusters of the Ward hierarchy; 16 Kommunen → groups of about four


@dataclass(frozen=True)
class Feature:
    """One structural characteristic used for similarity; ``log`` tames Kleve's size. Its dates
    come from the data (:func:`feature_dates`): the newest date all Kommunen share on ``base``."""

    key: str  # message key of the label
    indicator: str  # a catalogue indicator or a published variable
    base: str | None = None
    growth: bool = False  # growth in % from the oldest to the newest date the Kommunen share on ``base``
    log: bool = False


FEATURES = (
    Feature("vergleich_feat_population", "population", "update_2022_base", log=True),
    Feature("vergleich_feat_density", "population_density", log=True),
    Feature("vergleich_feat_growth", "population", "update_2011_base", growth=True),
    Feature("vergleich_feat_foreign_share", "foreign_share_census_2022"),
)


def features(obs: pd.DataFrame, kommunen: tuple[Region, ...], kreis_ags: str) -> pd.DataFrame:
    """One row per Kommune (AGS order), one column per :data:`FEATURES` entry, unscaled."""
    ags = sorted(r.ags for r in kommunen)
    table = pd.DataFrame(index=pd.Index(ags, name="ags"))
    for feat in FEATURES:
        days = feature_dates(obs, feat, kreis_ags)
        table[feat.key] = [feature_value(obs, feat, days, a) if days else math.nan for a in ags]
    return table


def feature_dates(obs: pd.DataFrame, feat: Feature, kreis_ags: str = KREIS_AGS) -> tuple[pd.Timestamp, ...]:
    """(newest,) or, for growth, (newest, oldest) of the dates all Kommunen share on the
    feature's base; empty when they share none (or, for growth, fewer than two)."""
    dates = indicators.common_dates(obs, feat.indicator, feat.base, kreis_ags=kreis_ags)
    if len(dates) < (2 if feat.growth else 1):
        return ()
    return (dates[-1], dates[0]) if feat.growth else (dates[-1],)


def feature_value(obs: pd.DataFrame, feat: Feature, days: tuple[pd.Timestamp, ...], ags: str) -> float:
    """The feature for one Kommune; NaN where it is missing or only a lower bound (a total
    without its secret part must not make two Kommunen look alike)."""
    if feat.indicator in indicators.CATALOGUE.indicators:
        figures = [indicators.figure(obs, feat.indicator, ags, at=day, base=feat.base) for day in days]
        values = [None if f.lower_bound else f.value for f in figures]
    else:  # a published observation that is not (yet) a catalogue indicator, e.g. density
        values = [complete_value(obs, feat.indicator, days[0], ags)]
    if any(v is None or pd.isna(v) for v in values):
        return math.nan
    return 100 * (values[0] / values[1] - 1) if feat.growth else values[0]


def feature_sources(obs: pd.DataFrame, kommunen: tuple[Region, ...], kreis_ags: str) -> tuple[str, ...]:
    """The sources of the features' figures (only when every feature has its dates)."""
    ids = []
    for feat in FEATURES:
        at = feature_dates(obs, feat, kreis_ags)[0]
        if feat.indicator in indicators.CATALOGUE.indicators:
            ids += [i for r in kommunen
                    for i in indicators.figure(obs, feat.indicator, r.ags, at=at, base=feat.base).source_ids]
        else:
            ids += list(observation_rows(obs, feat.indicator, at)["source_id"])
    return tuple(dict.fromkeys(ids))


def _scaled(table: pd.DataFrame) -> pd.DataFrame:
    """z-scores over the Kommunen after log where the feature says so; rows sorted by AGS so the
    result never depends on the order rows arrive in. scikit-learn is imported here, where it is used:
    its import costs a kernel almost a second, and most briefings never cluster."""
    from sklearn.preprocessing import StandardScaler

    table = table.sort_index()
    logged = table.apply(lambda col: np.log(col) if _feature(col.name).log else col)
    return pd.DataFrame(StandardScaler().fit_transform(logged), index=table.index, columns=table.columns)


def _feature(key: str) -> Feature:
    return next(f for f in FEATURES if f.key == key)


def similar(table: pd.DataFrame, k: int = NEIGHBOURS) -> pd.DataFrame:
    """The ``k`` nearest Kommunen (Euclidean distance of the z-scores) for each Kommune;
    equal distances go to the smaller AGS."""
    from sklearn.metrics import pairwise_distances

    scaled = _scaled(table.dropna())
    dist = pd.DataFrame(pairwise_distances(scaled), index=scaled.index, columns=scaled.index).round(9)
    rows = []
    for ags in scaled.index:
        others = dist.loc[ags].drop(ags).reset_index().set_axis(["ags", "d"], axis=1)
        nearest = others.sort_values(["d", "ags"], kind="mergesort").head(k)
        rows.append({"ags": ags, "neighbours": tuple(nearest["ags"]), "distances": tuple(nearest["d"])})
    return pd.DataFrame(rows)


def groups(table: pd.DataFrame, n: int = N_GROUPS) -> pd.Series:
    """Ward clustering of the z-scores into ``n`` groups, numbered 1… in the AGS order of each
    group's first member (deterministic: no random start, rows sorted by AGS)."""
    from sklearn.cluster import AgglomerativeClustering

    scaled = _scaled(table.dropna())
    labels = AgglomerativeClustering(n_clusters=n, linkage="ward").fit_predict(scaled.to_numpy())
    first_seen = list(dict.fromkeys(labels))
    return pd.Series([first_seen.index(label) + 1 for label in labels], index=scaled.index, name="group")
