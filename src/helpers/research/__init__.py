"""The public research API: every catalogue indicator for every region of NRW as one long, tidy table.

    from helpers import research
    research.regions()                          # NRW, 31 Kreise, 22 kreisfreie Städte, 374 Gemeinden
    research.table(["foreign_share_census_2011"], level="gemeinde", latest=True)
    research.side_by_side("foreign_share_census_2011", "minimum_benefit_rate", kreis="Kleve")  # for a scatter
    research.similar("Goch", k=5)               # the most similar Gemeinden of all NRW
    research.codebook()                         # what each indicator means and where it exists

Every cell is plain text, a number or a date (no tuples or lists): several source ids are joined with
``"; "``, so the table goes unchanged to CSV, Parquet, R or Stata (``python -m helpers data export``).
The figures are the briefings' own (:mod:`helpers.indicators`); this module only lays them out.
"""
from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from helpers import kommunen
from helpers.data import store
from helpers.data.status import Status
from helpers.indicators import CATALOGUE, compute, similarity
from helpers.presentation.sources import cite

__all__ = ["LEVELS", "TABLE_COLUMNS", "REGION_COLUMNS", "observations", "regions", "region", "table", "ranked",
           "side_by_side", "source_ids", "similar", "similarity_features", "codebook", "cite"]

LEVELS = ("land", "kreis", "kreisfreie_stadt", "gemeinde")
REGION_COLUMNS = ["ags", "name", "level", "kind", "kreis_ags", "kreis", "gemeinde"]
TABLE_COLUMNS = ["indicator", "ags", "name", "level", "kreis_ags", "kreis", "date", "value", "unit", "status", "base",
                 "source_ids", "flags", "notes", "precision", "start_date", "start_value"]
SEPARATOR = "; "  # between several source ids, flags or notes in one cell


def observations() -> pd.DataFrame:
    """The published figures themselves (``data/processed/observations.parquet``, built when missing)."""
    return store.load("observations")


def _level(region: kommunen.Region) -> str:
    if region.level == "kommune":
        return "gemeinde"
    return "kreisfreie_stadt" if region.kind == "kreisfreie Stadt" else region.level


def regions(level: str | Iterable[str] | None = None, kreis: str | None = None) -> pd.DataFrame:
    """Every region of NRW from the official directory (IT.NRW 12411-15i), AGS order.

    ``level``: land, kreis, kreisfreie_stadt, gemeinde (or several). A kreisfreie Stadt is a region of
    Kreis level and a Gemeinde at once: its ``level`` is ``kreisfreie_stadt`` and ``gemeinde`` is True,
    so ``level="gemeinde"`` gives all 396 Gemeinden of NRW. ``kreis``: only the Gemeinden of this Kreis.
    """
    levels = _levels(level)
    home = kommunen.kreis(kreis) if kreis is not None else None
    names = {r.ags: r.name for r in kommunen.all_regions()}
    rows = []
    for r in kommunen.all_regions():
        lvl = _level(r)
        gemeinde = lvl in ("gemeinde", "kreisfreie_stadt")
        if levels is not None and lvl not in levels and not ("gemeinde" in levels and gemeinde):
            continue
        if home is not None and not (lvl == "gemeinde" and r.kreis_ags == home.ags):
            continue
        kreis_ags = "" if lvl == "land" else r.kreis_ags
        rows.append((r.ags, r.name, lvl, r.kind, kreis_ags, names.get(kreis_ags, ""), gemeinde))
    return pd.DataFrame(rows, columns=REGION_COLUMNS)


def region(name_or_ags: str) -> pd.Series:
    """One row of :func:`regions` by name or AGS, forgiving as the notebooks' parameters ("kleve", "5154036")."""
    found = kommunen.region(name_or_ags)
    return regions().set_index("ags").loc[found.ags].rename(found.ags)


def _levels(level: str | Iterable[str] | None) -> set[str] | None:
    if level is None:
        return None
    wanted = {level} if isinstance(level, str) else set(level)
    unknown = wanted - set(LEVELS)
    if unknown:
        raise ValueError(f"Unbekannte Ebene {', '.join(sorted(unknown))}. Gültig: {', '.join(LEVELS)}.")
    return wanted


def _region_frame(regions_: str | Iterable[str] | None, level, kreis) -> pd.DataFrame:
    """The regions asked for: names or AGS (forgiving, like the notebooks' parameters), else by level/Kreis."""
    every = regions(level, kreis)
    if regions_ is None:
        return every
    wanted = [regions_] if isinstance(regions_, str) else list(regions_)
    ags = list(dict.fromkeys(kommunen.region(w).ags for w in wanted))
    return every.set_index("ags").loc[[a for a in ags if a in set(every["ags"])]].reset_index()


def _indicator_ids(indicators: str | Iterable[str] | None) -> list[str]:
    ids = list(CATALOGUE.indicators) if indicators is None else (
        [indicators] if isinstance(indicators, str) else list(indicators))
    for i in ids:
        CATALOGUE[i]  # a KeyError that lists the valid ids
    return list(dict.fromkeys(ids))


def _joined(values) -> str:
    return SEPARATOR.join(str(v) for v in values if v)


def _all_series(obs: pd.DataFrame, indicator_id: str, ags: tuple[str, ...]) -> pd.DataFrame:
    """Every date of one indicator for ``ags``, flat (a change indicator: its latest figure, see :func:`_latest`)."""
    ind = CATALOGUE[indicator_id]
    if ind.kind == "change":
        return _latest(obs, indicator_id, ags, None)
    rows = compute.every_series(obs, indicator_id)
    rows = rows[rows["ags"].isin(ags)]
    return pd.DataFrame({
        "indicator": indicator_id, "ags": rows["ags"], "date": pd.to_datetime(rows["date"]),
        "value": pd.to_numeric(rows["value"], errors="coerce").astype(float), "unit": ind.unit,
        "status": [str(s) for s in rows["status"]], "base": [str(b) for b in rows["base"].fillna("")],
        "source_ids": [_joined(s) for s in rows["source_ids"]], "flags": [_joined(f) for f in rows["flags"]],
        "notes": [_joined(n) for n in rows["notes"]], "precision": rows["precision"].fillna("day").astype(str),
        "start_date": pd.NaT, "start_value": float("nan"),
    })


def _latest(obs: pd.DataFrame, indicator_id: str, ags: tuple[str, ...], stichtag) -> pd.DataFrame:
    """The latest figure of one indicator per region up to ``stichtag`` (as the briefings choose it)."""
    ind = CATALOGUE[indicator_id]
    figures = [compute.figure(obs, indicator_id, a, stichtag=stichtag) for a in ags]
    figures = [f for f in figures if f.date is not None and (not f.missing or f.flags)]  # published, maybe as a sign
    return pd.DataFrame({
        "indicator": indicator_id, "ags": [f.ags for f in figures],
        "date": pd.to_datetime([f.date for f in figures]),
        "value": pd.Series([f.value for f in figures], dtype=float), "unit": ind.unit,
        "status": [str(f.status) for f in figures], "base": [f.base for f in figures],
        "source_ids": [_joined(f.source_ids) for f in figures], "flags": [_joined(f.flags) for f in figures],
        "notes": [_joined(f.notes) for f in figures], "precision": [f.precision for f in figures],
        "start_date": pd.to_datetime([f.start_date for f in figures]),
        "start_value": pd.Series([f.start_value for f in figures], dtype=float),
    })


def table(indicators: str | Iterable[str] | None = None, regions: str | Iterable[str] | None = None, *,
          level: str | Iterable[str] | None = None, kreis: str | None = None, latest: bool = False,
          stichtag=None) -> pd.DataFrame:
    """The long, tidy table: one row per indicator, region, date and census base.

    ``indicators``: catalogue ids (None = all); ``regions``: names or AGS (None = all of ``level`` and
    ``kreis``, see :func:`regions`); ``latest=True``: only the latest figure per indicator and region up to
    ``stichtag``, chosen as in the briefings (official before secondary, the newer census base on a tie).
    Columns: :data:`TABLE_COLUMNS`. ``value`` is NaN where a figure is published as missing (``flags``
    holds the official sign, ``.`` secret …); regions without any figure have no row. ``status``
    ``incomplete`` marks a lower bound (a total without its secret part): never rank or sum it.
    Change indicators give their latest figure with ``start_date``/``start_value``.
    """
    obs = observations()
    chosen = _region_frame(regions, level, kreis)
    ids = _indicator_ids(indicators)
    day = None if stichtag is None else pd.Timestamp(stichtag)
    ags = tuple(chosen["ags"])
    parts = [_latest(obs, i, ags, day) if latest else _until(_all_series(obs, i, ags), day) for i in ids]
    parts = [p for p in parts if not p.empty]
    rows = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=TABLE_COLUMNS)
    out = rows.merge(chosen[["ags", "name", "level", "kreis_ags", "kreis"]], on="ags", how="left")[TABLE_COLUMNS]
    return out.sort_values(["indicator", "ags", "date", "base"], key=_catalogue_order, kind="mergesort",
                           ignore_index=True)


def _until(rows: pd.DataFrame, day: pd.Timestamp | None) -> pd.DataFrame:
    return rows if day is None else rows[rows["date"] <= day]


def _catalogue_order(column: pd.Series) -> pd.Series:
    if column.name == "indicator":
        return column.map(list(CATALOGUE.indicators).index)
    return column


def ranked(rows: pd.DataFrame) -> pd.DataFrame:
    """``rows`` with ``rank`` (1 = highest) and ``of`` per indicator, date and base: ties share a rank
    (compared as printed, to the indicator's decimals); lower bounds and missing values get no rank."""
    decimals = rows["indicator"].map(lambda i: CATALOGUE[i].decimals)
    shown = [round(v, d) if pd.notna(v) else v for v, d in zip(rows["value"], decimals, strict=True)]
    rankable = pd.Series(shown, index=rows.index).where(rows["status"] != Status.INCOMPLETE)
    keys = [rows["indicator"], rows["date"], rows["base"]]
    out = rows.assign(rank=rankable.groupby(keys).rank(method="min", ascending=False).astype("Int64"),
                      of=rankable.groupby(keys).transform("count").astype("Int64"))
    return out.sort_values(["indicator", "date", "base", "rank"], kind="mergesort", ignore_index=True)


def side_by_side(x: str, y: str, regions: str | Iterable[str] | None = None, *,
                 level: str | Iterable[str] | None = None, kreis: str | None = None, stichtag=None) -> pd.DataFrame:
    """The latest figures of two indicators per region, one row each (for a scatter): ``value_x``/``value_y``,
    ``date_x``/``date_y`` (they may differ: say so), ``status_x``/``status_y``; regions with both values only."""
    both = table([x, y], regions, level=level, kreis=kreis, latest=True, stichtag=stichtag)
    keep = ["ags", "value", "date", "status", "source_ids"]
    pair = both[both["indicator"] == x][["name", "kreis", *keep]].merge(both[both["indicator"] == y][keep], on="ags",
                                                                        suffixes=("_x", "_y"))
    return pair.dropna(subset=["value_x", "value_y"]).reset_index(drop=True)


def source_ids(rows: pd.DataFrame, *columns: str) -> list[str]:
    """The source ids of a table's rows (from ``source_ids`` or the named columns), once each, for :func:`cite`
    and the chart builders."""
    cells = [cell for column in (columns or ("source_ids",)) for cell in rows[column]]
    return list(dict.fromkeys(i for cell in cells for i in cell.split(SEPARATOR) if i))


def similarity_features() -> pd.DataFrame:
    """The statewide similarity features (:data:`helpers.indicators.similarity.STATEWIDE`) of every Gemeinde of
    NRW, unscaled, with name and Kreis; NaN where a Gemeinde lacks one."""
    obs = observations()
    gemeinden = regions("gemeinde")
    features = store.remember(obs, ("research", "features"), lambda: similarity.feature_table(
        obs, similarity.STATEWIDE, tuple(gemeinden["ags"])))
    return gemeinden[["ags", "name", "kreis"]].merge(features.reset_index(), on="ags")


def similar(gemeinde: str, k: int = 5) -> pd.DataFrame:
    """The ``k`` Gemeinden of NRW most similar to ``gemeinde`` (name or AGS; a kreisfreie Stadt counts):
    Euclidean distance of the z-scores of :data:`~helpers.indicators.similarity.STATEWIDE` over all
    Gemeinden (size and density logarithmised). Equal distances go to the smaller AGS; ``rank`` 1 is nearest."""
    home = kommunen.region(gemeinde)
    features = similarity_features()
    if home.ags not in set(features["ags"]):
        raise ValueError(f"{home.name} ({home.ags}) ist keine Gemeinde; ähnliche Kommunen gibt es für die "
                         f"{len(features)} Gemeinden NRWs (auch kreisfreie Städte).")
    table_ = features.set_index("ags")[[f.key for f in similarity.STATEWIDE]]
    if table_.loc[home.ags].isna().any():
        lacking = ", ".join(table_.columns[table_.loc[home.ags].isna()])
        raise ValueError(f"Für {home.name} ({home.ags}) fehlt: {lacking}; ohne diese Merkmale kein Vergleich.")
    obs = observations()
    dist = store.remember(obs, ("research", "distances"), lambda: similarity.distances(table_, similarity.STATEWIDE))
    found = similarity.nearest(dist, home.ags, k)
    out = found.merge(features, on="ags", how="left")
    return out.assign(rank=range(1, len(out) + 1))[["rank", "ags", "name", "kreis", "distance", *table_.columns]]


def codebook() -> pd.DataFrame:
    """Per indicator: labels and definitions (de/en), unit, tables, bases, regions covered, first and last date
    (:mod:`helpers.research.codebooks`; committed as data/codebook.csv and .md)."""
    from helpers.research.codebooks import codebook as build

    return build(table(), regions())
