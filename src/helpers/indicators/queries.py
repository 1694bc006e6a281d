"""Observation rows that are not (yet) catalogue indicators (nationalities, AZR, flags, single tables)."""
from __future__ import annotations

import pandas as pd

from helpers.data import store
from helpers.kommunen import KREIS_AGS


def year_end(rows: pd.DataFrame) -> pd.DataFrame:
    """Rows dated 31 December (year-end stocks), in their order."""
    return rows[(rows["date"].dt.month == 12) & (rows["date"].dt.day == 31)].reset_index(drop=True)


def preferred_series(obs: pd.DataFrame, variable: str, category: str = "total", ags: str = KREIS_AGS,
                     base: str | None = None) -> pd.DataFrame:
    """One value per date for a region, from the rows the data layer marks ``preferred``
    (conflicts stay visible in data/processed/conflicts); ties go to the smaller source id."""
    rows = obs[(obs["ags"] == ags) & (obs["variable"] == variable) & (obs["category"] == category) & obs["preferred"]]
    if base is not None:
        rows = rows[rows["base"] == base]
    rows = rows.dropna(subset=["value"]).sort_values(["date", "source_id"]).drop_duplicates("date")
    return rows.reset_index(drop=True)


def azr_series(obs: pd.DataFrame, ags: str = KREIS_AGS) -> pd.DataFrame:
    """Foreign nationals from the Ausländerzentralregister (base ``azr``), at year end."""
    return year_end(preferred_series(obs, "foreign_population", ags=ags, base="azr"))


def nationality_rows(obs: pd.DataFrame, ags: str = KREIS_AGS) -> pd.DataFrame:
    """Foreign nationals by country of nationality (ISO codes only; continents and
    'stateless'/'unclear' rows are left out of rankings), every date. Kreis rows (five-digit AGS) come
    from the AZR, Kommune rows from the registers of the town."""
    variable = "foreign_population_by_nationality" if len(ags) == 5 else "foreign_population"
    rows = obs[(obs["ags"] == ags) & (obs["variable"] == variable) & obs["preferred"]]
    return rows[rows["category"].str.fullmatch(r"[A-Z]{2}")].dropna(subset=["value"])


def largest(rows: pd.DataFrame, n: int) -> pd.DataFrame:
    """The ``n`` largest values at the newest date of ``rows`` (e.g. the top nationalities)."""
    return rows[rows["date"] == rows["date"].max()].nlargest(n, "value")


def newest_complete_table(obs: pd.DataFrame, variable: str, regions: set[str]) -> pd.DataFrame:
    """The totals of ``variable`` for ``regions`` from the newest (date, source) that has all of
    them, one row per region indexed by AGS (so parts and whole come from one table); empty if none."""
    rows = obs[(obs["variable"] == variable) & (obs["category"] == "total")].dropna(subset=["value"])
    complete = rows.groupby(["date", "source_id"])["ags"].apply(lambda a: regions <= set(a))
    if not complete.any():
        return rows.iloc[:0].set_index("ags")
    date, source_id = max(complete[complete].index)
    chosen = rows[(rows["date"] == date) & (rows["source_id"] == source_id) & rows["ags"].isin(regions)]
    return chosen.drop_duplicates("ags").set_index("ags")


def source_rows(obs: pd.DataFrame, source_id: str, variable: str) -> pd.DataFrame:
    """The figures one source gives for a variable, oldest first (e.g. those quoted in a letter)."""
    return obs[(obs["source_id"] == source_id) & (obs["variable"] == variable)].sort_values("date")


def observation_rows(obs: pd.DataFrame, variable: str, at: pd.Timestamp, ags: str | None = None) -> pd.DataFrame:
    """The preferred rows of a variable on one date (one region, or every region)."""
    rows = obs[(obs["variable"] == variable) & (obs["date"] == at) & obs["preferred"]]
    return rows if ags is None else rows[rows["ags"] == ags]


def latest_flag(obs: pd.DataFrame, variable: str, ags: str) -> float | None:
    """The newest value of a flag variable (e.g. integration_council) for one region, None if none."""
    rows = obs[(obs["ags"] == ags) & (obs["variable"] == variable) & obs["preferred"]]
    return None if rows.empty else rows.sort_values("date")["value"].iloc[-1]



def source_dates(obs: pd.DataFrame) -> frozenset[tuple[str, pd.Timestamp]]:
    """The (source id, date) pairs of the observations — which dates each source supplies — once per
    frame (every profile of a Kreis asks, and iterating the dates costs)."""
    return store.remember(obs, ("source_dates",), lambda: frozenset(zip(obs["source_id"], obs["date"])))
