""""Ähnliche Kommunen" of one Kreis (the Kommunenvergleich; "Wo steht" in the profile): four structural
features, standardised; the nearest neighbours of each Kommune and Ward groups. The method is
:mod:`helpers.indicators.similarity` (also used statewide by :func:`helpers.research.similar`); here are the
features of the briefings and their k and number of groups."""
from __future__ import annotations

import pandas as pd

from helpers.indicators import similarity
from helpers.indicators.similarity import Feature, feature_value
from helpers.kommunen import KREIS_AGS, Region, kommunen

NEIGHBOURS = 3  # k: the most similar Kommunen named for each Kommune
N_GROUPS = 4  # clusters of the Ward hierarchy; 16 Kommunen → groups of about four

# In Kreis Kleve the growth runs 2011–2023 and the foreign share is the Zensus 2022's (both only in the
# snapshot of Kreis Kleve); elsewhere the growth is 2011–2015 and the foreign share is missing, so the
# briefing says that it cannot compare. helpers.indicators.similarity.STATEWIDE has features every Gemeinde has.
FEATURES = (
    Feature("vergleich_feat_population", "population", "update_2022_base", log=True),
    Feature("vergleich_feat_density", "population_density", log=True),
    Feature("vergleich_feat_growth", "population", "update_2011_base", growth=True),
    Feature("vergleich_feat_foreign_share", "foreign_share_census_2022"),
)

__all__ = ["FEATURES", "N_GROUPS", "NEIGHBOURS", "Feature", "feature_dates", "feature_sources", "feature_value",
           "features", "groups", "similar"]


def _members(kommunen_: tuple[Region, ...] | None, kreis_ags: str) -> tuple[str, ...]:
    return tuple(sorted(r.ags for r in (kommunen_ if kommunen_ is not None else kommunen(kreis_ags))))


def features(obs: pd.DataFrame, kommunen_: tuple[Region, ...], kreis_ags: str) -> pd.DataFrame:
    """One row per Kommune (AGS order), one column per :data:`FEATURES` entry, unscaled."""
    return similarity.feature_table(obs, FEATURES, _members(kommunen_, kreis_ags))


def feature_dates(obs: pd.DataFrame, feat: Feature, kreis_ags: str = KREIS_AGS) -> tuple[pd.Timestamp, ...]:
    """The dates of a feature that all Kommunen of the Kreis share (see :func:`similarity.feature_dates`)."""
    return similarity.feature_dates(obs, feat, _members(None, kreis_ags))


def feature_sources(obs: pd.DataFrame, kommunen_: tuple[Region, ...], kreis_ags: str) -> tuple[str, ...]:
    return similarity.feature_sources(obs, FEATURES, _members(kommunen_, kreis_ags))


def similar(table: pd.DataFrame, k: int = NEIGHBOURS) -> pd.DataFrame:
    return similarity.similar(table, FEATURES, k)


def groups(table: pd.DataFrame, n: int = N_GROUPS) -> pd.Series:
    return similarity.groups(table, FEATURES, n)
