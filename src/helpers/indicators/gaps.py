"""Why a figure is missing, as one of four cases — decided from the declared tables (catalogue/tables.yaml: the
levels each table publishes; data/raw: whether it is there) and from the data (the '.' of a secret cell), never
from a text written for one Kreis:

* ``unloaded`` (a): published officially for this level, but not in the data yet — the table that would bring it;
* ``larger_area`` (b): published only for a larger area (Kreis, Land);
* ``secret`` (c): the table has the cell, kept secret ('.');
* ``not_in_table`` : the table for this level is in the data but has no value for the region (e.g. no school);
* ``no_statistic`` (d): no official statistic publishes it (only the town, an authority's notice or the press).

Only (d) is "nicht veröffentlicht"; the wording lives in :mod:`helpers.presentation.sources`.
"""
from __future__ import annotations

from dataclasses import dataclass

from helpers.data import store
from helpers.indicators.catalogue import Indicator
from helpers.indicators.figure import Figure
from helpers.ingest.common import declared_tables

UNLOADED, LARGER_AREA, SECRET, NOT_IN_TABLE, NO_STATISTIC = (
    "unloaded", "larger_area", "secret", "not_in_table", "no_statistic")
CASES = (UNLOADED, LARGER_AREA, SECRET, NOT_IN_TABLE, NO_STATISTIC)
_LEVEL_OF_AGS = {8: "kommune", 5: "kreis", 2: "land"}


@dataclass(frozen=True)
class Gap:
    """The case of a missing figure and what it names: ``table`` a code of tables.yaml (the one that would fill
    it, keeps it secret or publishes the larger area), ``source_id`` an official source of the data that
    publishes the figure without a declared table (case ``unloaded`` only)."""

    case: str
    table: str = ""
    source_id: str = ""


def level(ags: str) -> str:
    """``kommune``, ``kreis`` or ``land`` of a region key."""
    return _LEVEL_OF_AGS.get(len(ags), "kommune")


def loaded_tables() -> frozenset[str]:
    """The declared table codes the data hold (a source of data/processed is that table), once per build."""
    table = store.load("sources")
    memo = store.derived(table)
    if "loaded_tables" not in memo:
        named = set(table["table_code"].dropna()) | {" ".join(t.split()[:2]) for t in table["table_or_page"].dropna()}
        memo["loaded_tables"] = frozenset(c for c in declared_tables()["tables"] if c in named or f"table {c}" in named)
    return memo["loaded_tables"]


def _official_source(ind: Indicator, at: str) -> str:
    """The newest official source of the data that gives the indicator's figures for some region of level ``at``
    anywhere in NRW ('' if none): for an indicator without a declared table, the figures come from it."""
    obs = store.load("observations")
    memo = store.derived(obs)
    if ("official_source", ind.id, at) not in memo:
        selection = ind.value or ind.numerator
        rows = selection.rows(obs).dropna(subset=["value"]) if selection is not None else obs.iloc[:0]
        families = store.load("sources").set_index("source_id")["family"]
        rows = rows[rows["source_id"].map(families).eq("official") & rows["ags"].astype(str).map(level).eq(at)]
        memo["official_source", ind.id, at] = rows.sort_values("date")["source_id"].iloc[-1] if len(rows) else ""
    return memo["official_source", ind.id, at]


def _table_of(figure: Figure) -> str:
    """The table code of the first source of a figure, where the data know it."""
    if not figure.source_ids:
        return ""
    codes = store.load("sources").set_index("source_id")["table_code"]
    code = codes.get(figure.source_ids[0], "")
    return code if isinstance(code, str) else ""


def gap(ind: Indicator, figure: Figure) -> Gap:
    """Why ``figure`` (of ``ind``, for the region of ``figure.ags``) is missing; see the module's cases."""
    at = level(figure.ags)
    declared = declared_tables()["tables"]
    if "." in figure.flags:
        at_level = [c for c in ind.tables if at in declared[c].get("levels", ())]
        return Gap(SECRET, _table_of(figure) or next(iter(at_level), ""))
    if at not in ind.levels:
        return Gap(LARGER_AREA, next(iter(ind.tables), ""))
    at_level = [c for c in ind.tables if at in declared[c].get("levels", ())]
    missing = [c for c in at_level if c not in loaded_tables()]
    if missing:
        return Gap(UNLOADED, missing[0])
    if at_level:
        return Gap(NOT_IN_TABLE, at_level[0])
    if ind.tables:  # declared tables, none for this level: they publish a larger area
        return Gap(LARGER_AREA, ind.tables[0])
    if source := _official_source(ind, at):
        return Gap(UNLOADED, source_id=source)
    return Gap(NO_STATISTIC)
