"""Observation rows that are not (yet) catalogue indicators (nationalities, AZR, flags, single tables),
the rows and facts a briefing of one Kreis may read, and the small selections the briefings need: every
row a briefing shows is selected here (``tests/unit/test_layout.py`` checks that briefings select none)."""
from __future__ import annotations

import math

import pandas as pd

from helpers.data import store
from helpers.data.status import Status
from helpers.kommunen import KREIS_AGS, LAND_AGS

KEPT_KREISE = 3  # Kreise whose rows and figures a process keeps (about 5 MB each)


# --- the rows of one briefing -----------------------------------------------------------------

def regional(frame: pd.DataFrame, kreis_ags: str) -> pd.DataFrame:
    """The rows a briefing of one Kreis can show: the Kreis, its Gemeinden, NRW and Germany (so a
    briefing's cost does not grow with the statewide tables of the other Kreise). The same frame
    for the same Kreis while ``frame`` lives, so the figures computed from it (helpers.indicators)
    serve every briefing of the Kreis that a warm kernel runs; only the newest ``KEPT_KREISE`` are
    kept (a batch runs a Kreis's briefings one after the other), the others go with what came of them."""
    memo = store.derived(frame)
    if ("regional", kreis_ags) not in memo:
        held = [key for key in memo if key[0] == "regional"]
        for key in held[:max(0, len(held) + 1 - KEPT_KREISE)]:
            del memo[key]

    def rows() -> pd.DataFrame:
        ags = frame["ags"].astype(str)
        return frame[ags.str.startswith(kreis_ags) | ags.isin([LAND_AGS, "DG", ""])]

    return store.remember(frame, ("regional", kreis_ags), rows)


def until(frame: pd.DataFrame, stichtag: pd.Timestamp | None) -> pd.DataFrame:
    """Rows dated on or before ``stichtag``; undated rows (some facts) are kept. The same frame for
    the same day while ``frame`` lives (see :func:`regional`)."""
    if stichtag is None:
        return frame
    return store.remember(frame, ("until", stichtag.isoformat()),
                          lambda: frame[frame["date"].isna() | (frame["date"] <= stichtag)])


def first_dates(obs: pd.DataFrame, variable: str) -> pd.Series:
    """The first date each region has a figure of ``variable`` for (indexed by AGS); once per frame (every
    briefing of a Kreis checks its stichtag against it)."""
    return store.remember(obs, ("first_dates", variable),
                          lambda: obs[obs["variable"] == variable].groupby("ags")["date"].min())


def newest_date(obs: pd.DataFrame, kreis_ags: str) -> pd.Timestamp:
    """The newest date of the rows of a Kreis and its Gemeinden (not NRW's)."""
    return obs.loc[obs["ags"].astype(str).str.startswith(kreis_ags), "date"].max()


def on_date(rows: pd.DataFrame, day: pd.Timestamp) -> pd.DataFrame:
    """The rows of a frame dated ``day``."""
    return rows[rows["date"] == day]


# --- series -----------------------------------------------------------------------------------

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


def preferred_rows(obs: pd.DataFrame, variable: str, category: str = "total") -> pd.DataFrame:
    """The preferred rows with a value of a variable, every region (once per frame: the statewide features
    of similar Kommunen ask for them in each of 396 Gemeinden)."""
    return store.remember(obs, ("preferred_rows", variable, category), lambda: obs[
        (obs["variable"] == variable) & (obs["category"] == category) & obs["preferred"] & obs["value"].notna()])


def azr_series(obs: pd.DataFrame, ags: str = KREIS_AGS) -> pd.DataFrame:
    """Foreign nationals from the Ausländerzentralregister (base ``azr``), at year end."""
    return year_end(preferred_series(obs, "foreign_population", ags=ags, base="azr"))


def update_population(obs: pd.DataFrame, ags: str, day: pd.Timestamp) -> pd.DataFrame:
    """The population update's figure of a region on one day (any census base), for a ratio beside it."""
    rows = on_date(preferred_series(obs, "population", ags=ags), day)
    return rows[rows["base"].str.startswith("update")]


def latest_bases(series: pd.DataFrame, bases: tuple[str, ...], n: int = 2) -> pd.DataFrame:
    """The rows of a series on the last ``n`` of ``bases`` (in that order) it has; all of it when
    it has none of them."""
    present = [b for b in bases if b in set(series["base"])][-n:]
    chosen = series[series["base"].isin(present)]
    return chosen if not chosen.empty else series


def index_series(series: pd.DataFrame, start: pd.Timestamp) -> pd.DataFrame | None:
    """A series as an index (its value at ``start`` = 100), the counts kept as ``count``; None
    when the series has no value at ``start``."""
    first = on_date(series, start)["value"]
    if first.empty:
        return None
    return series.assign(count=series["value"], value=series["value"] / first.iloc[0] * 100)


# --- nationalities ----------------------------------------------------------------------------

def nationality_rows(obs: pd.DataFrame, ags: str = KREIS_AGS) -> pd.DataFrame:
    """Foreign nationals by country of nationality (ISO codes only; continents and
    'stateless'/'unclear' rows are left out of rankings), every date. Kreis rows (five-digit AGS) come
    from the AZR, Kommune rows from the registers of the town. Once per frame and region (the Kreis's rows
    serve each of its profiles and short versions, a Kommune's its short version after its profile)."""
    variable = "foreign_population_by_nationality" if len(ags) == 5 else "foreign_population"

    def compute() -> pd.DataFrame:
        rows = obs[(obs["ags"] == ags) & (obs["variable"] == variable) & obs["preferred"]]
        return rows[rows["category"].str.fullmatch(r"[A-Z]{2}")].dropna(subset=["value"])

    return store.remember(obs, ("nationality_rows", ags), compute)


def largest(rows: pd.DataFrame, n: int) -> pd.DataFrame:
    """The ``n`` largest values at the newest date of ``rows`` (e.g. the top nationalities)."""
    return rows[rows["date"] == rows["date"].max()].nlargest(n, "value")


def nationality_series(rows: pd.DataFrame, code: str) -> pd.DataFrame:
    """One nationality (ISO code) of :func:`nationality_rows`, oldest first."""
    return rows[rows["category"] == code].sort_values("date")


def nationality_table(rows: pd.DataFrame, n: int) -> pd.DataFrame:
    """Wide table of :func:`nationality_rows`: the ``n`` largest nationalities at the newest date and
    the ``n // 2`` largest at each earlier one (rows, in that order) × reference dates (columns)."""
    if rows.empty:
        return pd.DataFrame()
    top = rows.sort_values(["value", "category"], ascending=[False, True]).groupby("date").head(n // 2)
    codes = list(dict.fromkeys([*largest(rows, n)["category"], *top["category"]]))
    return rows[rows["category"].isin(codes)].pivot(index="category", columns="date", values="value").reindex(codes)


def in_table(rows: pd.DataFrame, table: pd.DataFrame) -> pd.DataFrame:
    """The rows of the nationalities of :func:`nationality_table`, by date, then in its order."""
    order = {c: i for i, c in enumerate(table.index)}
    return rows[rows["category"].isin(table.index)].assign(order=lambda f: f["category"].map(order)).sort_values(
        ["date", "order"])


# --- shares of a Kreis total ------------------------------------------------------------------

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


def kreis_shares(obs: pd.DataFrame, variable: str, kommunen: list[str], kreis_ags: str) -> pd.DataFrame:
    """Each Kommune's value of a Kreis total and its share of the published Kreis value, from the
    newest table that has them all (:func:`newest_complete_table`); a lower bound (a total without
    its secret part) gets no share, and the sum of the Kommunen (``kommunen_sum``) is NaN when one of
    them is a lower bound. Columns of the observations plus share, kreis_value, kommunen_sum; empty if no table."""
    chosen = newest_complete_table(obs, variable, set(kommunen) | {kreis_ags})
    if chosen.empty:
        return chosen.reset_index()
    total = chosen.loc[kreis_ags, "value"]
    part = chosen.drop(index=kreis_ags).reset_index()
    complete = part["status"] != Status.INCOMPLETE
    return part.assign(share=(100 * part["value"] / total).where(complete), kreis_value=total,
                       kommunen_sum=part["value"].sum() if complete.all() else math.nan)


def lower_bounds(rows: pd.DataFrame) -> pd.DataFrame:
    """The rows that are only a lower bound (a total without its secret part)."""
    return rows[rows["status"] == Status.INCOMPLETE]


# --- single values ----------------------------------------------------------------------------

def source_dates(obs: pd.DataFrame, source_ids) -> pd.Series:
    """The reference dates of every observation of the given sources."""
    return obs.loc[obs["source_id"].isin(list(source_ids)), "date"]


def source_rows(obs: pd.DataFrame, source_id: str, variable: str) -> pd.DataFrame:
    """The figures one source gives for a variable, oldest first (e.g. those quoted in a letter)."""
    return obs[(obs["source_id"] == source_id) & (obs["variable"] == variable)].sort_values("date")


def observation_rows(obs: pd.DataFrame, variable: str, at: pd.Timestamp, ags: str | None = None) -> pd.DataFrame:
    """The preferred rows of a variable on one date (one region, or every region)."""
    rows = obs[(obs["variable"] == variable) & (obs["date"] == at) & obs["preferred"]]
    return rows if ags is None else rows[rows["ags"] == ags]


def complete_value(obs: pd.DataFrame, variable: str, at: pd.Timestamp, ags: str) -> float | None:
    """The published value of a variable for one region on one date; None where there is none or only
    a lower bound. All regions' values of the date are looked up once per frame."""
    def compute() -> dict[str, float]:
        rows = observation_rows(obs, variable, at)
        rows = rows[rows["status"] != Status.INCOMPLETE].drop_duplicates("ags")
        return dict(zip(rows["ags"], rows["value"], strict=True))

    return store.remember(obs, ("complete_values", variable, pd.Timestamp(at).isoformat()), compute).get(ags)


def latest_flag(obs: pd.DataFrame, variable: str, ags: str) -> float | None:
    """The newest value of a flag variable (e.g. integration_council) for one region, None if none."""
    rows = obs[(obs["ags"] == ags) & (obs["variable"] == variable) & obs["preferred"]]
    return None if rows.empty else rows.sort_values("date")["value"].iloc[-1]


def flag_recorded(obs: pd.DataFrame, variable: str, kreis_ags: str) -> bool:
    """Whether a flag variable is recorded for any region of a Kreis (a register that covers it)."""
    return bool(obs.loc[obs["variable"] == variable, "ags"].astype(str).str.startswith(kreis_ags).any())


# --- facts (facts.csv: dated, sourced context) ------------------------------------------------

def facts_of(facts: pd.DataFrame, ags: str) -> pd.DataFrame:
    """The facts about one region (the same frame for every briefing of it, so :func:`facts_about` of it is
    remembered for the short version after its profile)."""
    return store.remember(facts, ("facts_of", ags), lambda: facts[facts["ags"] == ags])


def located_facts(facts: pd.DataFrame) -> pd.DataFrame:
    """The facts that name their region (those without one come from Kreis Kleve's sources); the same frame
    for every briefing of the Kreis."""
    return store.remember(facts, ("located_facts",), lambda: facts[facts["ags"] != ""])


def facts_from(facts: pd.DataFrame, source_id: str) -> pd.DataFrame:
    """The facts of one source."""
    return facts[facts["source_id"] == source_id]


def facts_about(facts: pd.DataFrame, indicator_id: str) -> pd.DataFrame:
    """The facts attached to an indicator (facts.csv, columns ags and indicators), oldest first; once per frame
    and indicator (a profile asks for each indicator of the catalogue, some twice)."""
    def compute() -> pd.DataFrame:
        attached = [indicator_id in ids for ids in _fact_indicators(facts)]
        return facts.loc[attached].sort_values("date") if any(attached) else facts.iloc[:0]

    return store.remember(facts, ("facts_about", indicator_id), compute)


def _fact_indicators(facts: pd.DataFrame) -> tuple[frozenset[str], ...]:
    """The indicators each fact is attached to (column ``indicators``, ``;``-separated), once per frame."""
    return store.remember(facts, ("fact_indicators",), lambda: tuple(
        frozenset(i.strip() for i in ids.split(";")) for ids in facts["indicators"]))
