"""The indicator catalogue (``catalogue/indicators.yaml``) and the computation of its figures.

The catalogue is data so that a new indicator is one YAML entry; it is validated when this module
is imported, so a typo fails every notebook at once instead of silently dropping a figure.
Figures are computed from the tidy observations (``helpers.data.load("observations")``):

* a *value* indicator takes the published figure itself (categories summed per date and base);
* a *ratio* indicator divides two published counts of the **same** statistic and census base
  (the catalogue refuses a share whose numerator and denominator name different bases);
* a *change* indicator compares two dates of another indicator and refuses to do so across a
  change of census base (status ``not_comparable``).

Kreis and Land values come from their own published rows; only where an indicator says
``kreis_from_kommunen`` is the Kreis value recomputed from summed numerators and denominators of
all 16 Kommunen — never by averaging shares. Missing values stay missing (``None``).
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from types import MappingProxyType

import pandas as pd
import yaml

from helpers.data.validation import INCOMPLETE
from helpers.ingest.common import declared_tables
from helpers.kommunen import KREIS_AGS, LAND_AGS, kommunen, kreise
from helpers.paths import CATALOGUE_DIR

CATALOGUE_PATH = CATALOGUE_DIR / "indicators.yaml"
LEVELS = ("kommune", "kreis", "land")
DIRECTIONS = ("higher_is_better", "higher_is_worse", "neutral")
UNITS = ("persons", "percent", "schools")
# From certain to uncertain: a figure combined from several rows inherits the last one present;
# ``incomplete`` (a total without its secret part, a lower bound) is the least certain of all.
STATUS_PREFERENCE = ("published", "derived", "rounded", "secondary", "preliminary", INCOMPLETE)

_INDICATOR_KEYS = {
    "label_de", "label_en", "definition_de", "definition_en", "handlungsfeld", "unit", "value",
    "numerator", "denominator", "scale", "change", "direction", "sources", "levels", "decimals",
    "kreis_from_kommunen", "gap_de", "gap_en", "not_a_share", "applies_where", "not_applicable_de",
    "not_applicable_en", "rounded_to", "tables",
}
_REQUIRED_KEYS = {"label_de", "label_en", "definition_de", "definition_en", "handlungsfeld", "unit",
                  "direction", "sources", "levels", "decimals"}
_SELECTION_KEYS = {"variable", "categories", "bases", "dates"}
_ROUNDING_KEYS = {"multiple", "sources", "since"}
# A definition that says the figures are rounded to multiples of N ("Vielfache von 5").
ROUNDING_CLAIM = re.compile(r"Vielfache\w* von (\d+)|multiples? of (\d+)")


class CatalogueError(ValueError):
    """The indicator catalogue is inconsistent; the message names the entry and the key."""


@dataclass(frozen=True)
class Selection:
    """Which observation rows feed a value, numerator, denominator or weight."""

    variable: str
    categories: tuple[str, ...] = ("total",)
    bases: tuple[str, ...] = ()
    dates: tuple[str, ...] = ()

    def rows(self, obs: pd.DataFrame) -> pd.DataFrame:
        mask = (obs["variable"] == self.variable) & obs["category"].isin(self.categories)
        if self.bases:
            mask &= obs["base"].isin(self.bases)
        if self.dates:
            mask &= obs["date"].isin(pd.to_datetime(list(self.dates)))
        return obs[mask]


@dataclass(frozen=True)
class Indicator:
    id: str
    label_de: str
    label_en: str
    definition_de: str
    definition_en: str
    handlungsfeld: str
    unit: str
    direction: str
    sources: tuple[str, ...]
    levels: tuple[str, ...]
    decimals: int
    gap_de: str = ""  # what would fill a missing Kommune value; ``{table}`` = the first of ``tables``
    gap_en: str = ""
    tables: tuple[str, ...] = ()  # official table codes of catalogue/tables.yaml
    value: Selection | None = None
    numerator: Selection | None = None
    denominator: Selection | None = None
    scale: float = 1.0
    change_of: str | None = None
    change_since: str | None = None
    kreis_from_kommunen: Selection | None = None
    not_a_share: bool = False
    applies_where: str = ""  # a flag variable: the indicator applies only where it is 1 (e.g. integration_council)
    not_applicable_de: str = ""
    not_applicable_en: str = ""
    rounded_to: Mapping[str, object] | None = None  # {multiple, sources (prefixes), since (YYYY-MM-DD)}

    @property
    def kind(self) -> str:
        """``value``, ``ratio`` or ``change``."""
        if self.change_of:
            return "change"
        return "ratio" if self.numerator else "value"

    def text(self, field: str, sprache: str) -> str:
        """``label``, ``definition`` or ``gap`` in the reader's language."""
        return getattr(self, f"{field}_{sprache}")

    def label(self, sprache: str = "de") -> str:
        return self.text("label", sprache)


@dataclass(frozen=True)
class Catalogue:
    indicators: Mapping[str, Indicator]
    handlungsfelder: Mapping[str, Mapping[str, str]]
    variables: Mapping[str, str]
    key_figures: tuple[str, ...]

    def __getitem__(self, indicator_id: str) -> Indicator:
        try:
            return self.indicators[indicator_id]
        except KeyError:
            raise KeyError(f"Unbekannter Indikator {indicator_id!r}. Gültig: {', '.join(self.indicators)}.") from None

    def in_field(self, handlungsfeld: str) -> list[Indicator]:
        """The indicators of one Handlungsfeld, in catalogue order (the order of the profile)."""
        return [i for i in self.indicators.values() if i.handlungsfeld == handlungsfeld]

    def field_label(self, handlungsfeld: str, sprache: str = "de") -> str:
        return self.handlungsfelder[handlungsfeld][f"label_{sprache}"]


@dataclass(frozen=True)
class Figure:
    """One indicator for one region at one date; ``value`` is None when it does not exist."""

    indicator: str
    ags: str
    value: float | None
    date: pd.Timestamp | None
    status: str
    base: str = ""
    source_ids: tuple[str, ...] = ()
    note: str = ""
    start_value: float | None = None
    start_date: pd.Timestamp | None = None
    flag: str = ""
    precision: str = "day"  # how exactly the source dates it: day, month or year (data/processed)

    @property
    def missing(self) -> bool:
        return self.value is None

    @property
    def lower_bound(self) -> bool:
        """A published total without its secret part: shown with its mark, never ranked or summed."""
        return self.status == INCOMPLETE

    def as_dict(self) -> dict[str, object]:
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        for key in ("date", "start_date"):
            out[key] = None if out[key] is None else out[key].date().isoformat()
        out["source_ids"] = list(self.source_ids)
        return out


# --- loading and validation ----------------------------------------------------------------

def _selection(entry: object, where: str, variables: Mapping[str, str]) -> Selection:
    if not isinstance(entry, dict) or "variable" not in entry:
        raise CatalogueError(f"{where}: braucht ein Mapping mit 'variable'.")
    unknown = set(entry) - _SELECTION_KEYS
    if unknown:
        raise CatalogueError(f"{where}: unbekannte Schlüssel {sorted(unknown)}.")
    if entry["variable"] not in variables:
        raise CatalogueError(
            f"{where}: Variable {entry['variable']!r} ist nicht unter 'variables' verzeichnet "
            "(bitte dort mit ihrer Bedeutung eintragen)."
        )
    for date in entry.get("dates", ()):
        dt.date.fromisoformat(str(date))
    return Selection(
        variable=entry["variable"],
        categories=tuple(entry.get("categories", ("total",))),
        bases=tuple(entry.get("bases", ())),
        dates=tuple(str(d) for d in entry.get("dates", ())),
    )


def _indicator(key: str, entry: dict, raw: dict) -> Indicator:
    where = f"indicators.yaml, Indikator {key!r}"
    unknown = set(entry) - _INDICATOR_KEYS
    if unknown:
        raise CatalogueError(f"{where}: unbekannte Schlüssel {sorted(unknown)}.")
    missing = sorted(k for k in _REQUIRED_KEYS if not entry.get(k) and entry.get(k) != 0)
    if missing:
        raise CatalogueError(f"{where}: es fehlen {missing}.")
    variables = raw["variables"]
    kinds = [k for k in ("value", "numerator", "change") if k in entry]
    if len(kinds) != 1 or ("numerator" in entry) != ("denominator" in entry):
        raise CatalogueError(f"{where}: genau eines von value, numerator+denominator oder change angeben.")
    if entry["handlungsfeld"] not in raw["handlungsfelder"]:
        raise CatalogueError(f"{where}: Handlungsfeld {entry['handlungsfeld']!r} ist nicht definiert.")
    if entry["direction"] not in DIRECTIONS:
        raise CatalogueError(f"{where}: direction muss eines von {DIRECTIONS} sein.")
    if entry["unit"] not in UNITS:
        raise CatalogueError(f"{where}: unit muss eines von {UNITS} sein.")
    if not set(entry["levels"]) <= set(LEVELS):
        raise CatalogueError(f"{where}: levels nur aus {LEVELS}.")
    sel = {k: _selection(entry[k], f"{where}.{k}", variables)
           for k in ("value", "numerator", "denominator", "kreis_from_kommunen") if k in entry}
    if "kreis_from_kommunen" in sel and "value" not in sel:
        raise CatalogueError(f"{where}: kreis_from_kommunen gewichtet einen veröffentlichten Anteil (value).")
    if "numerator" in sel and sel["numerator"].bases != sel["denominator"].bases:
        raise CatalogueError(
            f"{where}: Zähler und Nenner müssen dieselbe Statistik/Zensus-Grundlage haben "
            f"(bases {sel['numerator'].bases} ≠ {sel['denominator'].bases})."
        )
    _check_rounding(where, entry)
    _check_tables(where, entry)
    change = entry.get("change") or {}
    if change and (set(change) != {"of", "since"} or change["of"] not in raw["indicators"]):
        raise CatalogueError(f"{where}: change braucht 'of' (ein Indikator) und 'since'.")
    if change and change["since"] != "previous_year":
        dt.date.fromisoformat(str(change["since"]))
    if "applies_where" in entry and (entry["applies_where"] not in variables
                                     or not entry.get("not_applicable_de") or not entry.get("not_applicable_en")):
        raise CatalogueError(f"{where}: applies_where braucht eine Variable unter 'variables' und "
                             "not_applicable_de/_en (warum die Kennzahl sonst entfällt).")
    return Indicator(
        id=key,
        **{k: entry[k] for k in ("label_de", "label_en", "definition_de", "definition_en",
                                 "handlungsfeld", "unit", "direction")},
        gap_de=entry.get("gap_de", ""),
        gap_en=entry.get("gap_en", ""),
        sources=tuple(entry["sources"]),
        tables=tuple(str(code) for code in entry["tables"]),
        levels=tuple(entry["levels"]),
        decimals=int(entry["decimals"]),
        value=sel.get("value"),
        numerator=sel.get("numerator"),
        denominator=sel.get("denominator"),
        scale=float(entry.get("scale", 1)),
        change_of=change.get("of"),
        change_since=str(change["since"]) if change else None,
        kreis_from_kommunen=sel.get("kreis_from_kommunen"),
        not_a_share=bool(entry.get("not_a_share", False)),
        applies_where=entry.get("applies_where", ""),
        not_applicable_de=entry.get("not_applicable_de", ""),
        not_applicable_en=entry.get("not_applicable_en", ""),
        rounded_to=MappingProxyType(dict(entry["rounded_to"])) if entry.get("rounded_to") else None,
    )


def _check_rounding(where: str, entry: dict) -> None:
    """A definition that claims rounding to multiples of N must declare it (``rounded_to``) with
    the figures it covers, so :func:`rounding_violations` can hold the claim against the data."""
    claims = {int(a or b) for key in ("definition_de", "definition_en") for a, b in ROUNDING_CLAIM.findall(entry[key])}
    declared = entry.get("rounded_to") or {}
    if set(declared) - _ROUNDING_KEYS or (declared and "multiple" not in declared):
        raise CatalogueError(f"{where}: rounded_to braucht 'multiple' und optional 'sources', 'since'.")
    if claims != ({int(declared["multiple"])} if declared else set()):
        raise CatalogueError(
            f"{where}: die Definition nennt Rundung auf Vielfache von {sorted(claims) or '–'}, rounded_to sagt "
            f"{declared.get('multiple', '–')}; beides muss übereinstimmen (und für alle erfassten Werte gelten).")


def _check_tables(where: str, entry: dict) -> None:
    """Every table an indicator names is declared in tables.yaml (the Datenlage names it from there);
    without a table, or with ``{table}`` in it, the gap text must say the rest in both languages."""
    if not isinstance(entry.get("tables"), list):
        raise CatalogueError(f"{where}: 'tables' fehlt: die amtlichen Tabellen der Kennzahl als Liste von Codes aus "
                             "src/helpers/catalogue/tables.yaml angeben (tables: [] nur ohne amtliche Tabelle, mit gap_de/_en).")
    declared = declared_tables()["tables"]
    for code in entry["tables"]:
        if str(code) not in declared:
            raise CatalogueError(
                f"{where}: Tabelle {code!r} ist in src/helpers/catalogue/tables.yaml nicht deklariert. Dort unter "
                "'tables' eintragen (Datenbank, Titel, Regionen, Turnus; fetch: manual mit manual_route, wenn sie nicht "
                "automatisch abgerufen wird) oder den Code in indicators.yaml korrigieren.")
    gaps = [entry.get("gap_de", ""), entry.get("gap_en", "")]
    if bool(gaps[0]) != bool(gaps[1]) or (not entry["tables"] and not gaps[0]) or (
            not entry["tables"] and any("{table}" in g for g in gaps)):
        raise CatalogueError(f"{where}: gap_de und gap_en gehören zusammen; ohne Tabelle (tables: []) sind beide nötig "
                             "und dürfen {table} nicht enthalten.")


def load_catalogue(path: Path = CATALOGUE_PATH) -> Catalogue:
    """Read and validate the catalogue; raises :class:`CatalogueError` naming the bad entry."""
    with open(path, encoding="utf-8") as handle:
        raw = yaml.safe_load(handle)
    unknown = set(raw) - {"handlungsfelder", "variables", "indicators", "key_figures"}
    if unknown:
        raise CatalogueError(f"indicators.yaml: unbekannte Abschnitte {sorted(unknown)}.")
    for key, field in raw["handlungsfelder"].items():
        if not field.get("label_de") or not field.get("label_en"):
            raise CatalogueError(f"indicators.yaml: Handlungsfeld {key!r} braucht label_de und label_en.")
    indicators = {key: _indicator(key, entry, raw) for key, entry in raw["indicators"].items()}
    dangling = [k for k in raw["key_figures"] if k not in indicators]
    if dangling:
        raise CatalogueError(f"indicators.yaml: key_figures nennt unbekannte Indikatoren {dangling}.")
    return Catalogue(
        indicators=MappingProxyType(indicators),
        handlungsfelder=MappingProxyType(raw["handlungsfelder"]),
        variables=MappingProxyType(raw["variables"]),
        key_figures=tuple(raw["key_figures"]),
    )


CATALOGUE = load_catalogue()


def catalogue() -> Catalogue:
    return CATALOGUE


# --- computation --------------------------------------------------------------------------

def rounding_violations(obs: pd.DataFrame) -> pd.DataFrame:
    """Observations that an indicator's ``rounded_to`` claim covers but that are not multiples
    of the stated number (e.g. a total with an unrounded SGB II part); empty when every claim holds."""
    found = []
    for ind in CATALOGUE.indicators.values():
        if ind.rounded_to is None or ind.value is None:
            continue
        rows = ind.value.rows(obs).dropna(subset=["value"])
        if ind.rounded_to.get("sources"):
            rows = rows[rows["source_id"].str.startswith(tuple(ind.rounded_to["sources"]))]
        if ind.rounded_to.get("since"):
            rows = rows[rows["date"] >= pd.Timestamp(str(ind.rounded_to["since"]))]
        found.append(rows[rows["value"] % int(ind.rounded_to["multiple"]) != 0].assign(indicator=ind.id))
    return pd.concat(found, ignore_index=True) if found else pd.DataFrame()


def worst_status(statuses: Iterable[str]) -> str:
    """The least certain status among the inputs of a combined figure."""
    ranked = [s for s in STATUS_PREFERENCE if s in set(statuses)]
    return ranked[-1] if ranked else "published"


PRECISIONS = ("day", "month", "year")


def coarsest(precisions: Iterable[str]) -> str:
    """A figure combined from rows dated by day and by month is dated by month."""
    return max(precisions, key=PRECISIONS.index, default="day")


def _join(values: Iterable[str]) -> str:
    return " | ".join(dict.fromkeys(v for v in values if v))


def _collapse(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per (date, base): the data layer's preferred row per category, categories summed.

    Where one key has several rows (see CONFLICTS.csv), ``helpers.data`` marks the most certain
    one ``preferred``; the others stay in the data for the conflict report.
    """
    columns = ["date", "base", "value", "status", "source_ids", "note", "flag", "precision"]
    best = rows[rows["preferred"]]
    if best.empty:
        return pd.DataFrame(columns=columns)
    if not best.duplicated(["date", "base"]).any():  # one category: nothing to sum (the common, fast case)
        single = best.assign(source_ids=[(s,) for s in best["source_id"]])
        return single[columns].sort_values(["date", "base"]).reset_index(drop=True)
    grouped = best.groupby(["date", "base"], sort=True)
    out = pd.DataFrame({
        "value": grouped["value"].sum(min_count=1).where(~grouped["value"].apply(lambda v: v.isna().any())),
        "status": grouped["status"].agg(worst_status),
        "source_ids": grouped["source_id"].agg(lambda s: tuple(dict.fromkeys(s))),
        "note": grouped["note"].agg(_join),
        "flag": grouped["flag"].agg(_join),
        "precision": grouped["precision"].agg(coarsest),
    }).reset_index()
    return out[columns]


def _ratio(num: pd.DataFrame, den: pd.DataFrame, scale: float) -> pd.DataFrame:
    merged = num.merge(den, on=["date", "base"], suffixes=("_n", "_d"))
    value = merged["value_n"] / merged["value_d"].where(merged["value_d"] != 0) * scale
    return pd.DataFrame({
        "date": merged["date"], "base": merged["base"], "value": value,
        "status": [worst_status(p) for p in zip(merged["status_n"], merged["status_d"])],
        "source_ids": [tuple(dict.fromkeys(a + b)) for a, b in zip(merged["source_ids_n"], merged["source_ids_d"])],
        "note": [_join(p) for p in zip(merged["note_n"], merged["note_d"])],
        "flag": [_join(p) for p in zip(merged["flag_n"], merged["flag_d"])],
        "precision": [coarsest(p) for p in zip(merged["precision_n"], merged["precision_d"])],
    })


def _own_series(obs: pd.DataFrame, ind: Indicator, ags: str) -> pd.DataFrame:
    here = obs[obs["ags"] == ags]
    if ind.kind == "value":
        return _collapse(ind.value.rows(here))
    return _ratio(_collapse(ind.numerator.rows(here)), _collapse(ind.denominator.rows(here)), ind.scale)


def _kreis_from_kommunen(obs: pd.DataFrame, ind: Indicator, kreis_ags: str = KREIS_AGS) -> pd.DataFrame:
    """Kreis value of a published share from all its Kommunen: summed numerators over summed
    denominators, the numerator being share × weight (e.g. the census population) — so the result
    is the share of the summed counts, not an average of the Kommunen's shares.
    """
    parts, members = [], kommunen(kreis_ags)
    for region in members:
        here = obs[obs["ags"] == region.ags]
        den = _collapse(ind.kreis_from_kommunen.rows(here))
        share = _collapse(ind.value.rows(here))
        num = share.merge(den[["date", "value"]], on="date", suffixes=("", "_w"))
        num = num.assign(value=num["value"] * num["value_w"]).drop(columns="value_w")
        both = num.merge(den, on="date", suffixes=("_n", "_d"))
        if not both.empty:
            parts.append(both.assign(ags=region.ags))
    rows = pd.concat(parts) if parts else pd.DataFrame(columns=["date", "ags", "value_n", "value_d"])
    complete = rows.groupby("date").filter(
        lambda g: g["ags"].nunique() == len(members) and g[["value_n", "value_d"]].notna().all().all()
        and not g[["status_n", "status_d"]].isin([INCOMPLETE]).any().any()  # a lower bound never enters a sum
    )
    if complete.empty:
        return pd.DataFrame(columns=["date", "base", "value", "status", "source_ids", "note", "flag", "precision"])
    grouped = complete.groupby("date")
    return pd.DataFrame({
        "base": grouped["base_n"].first(),
        "value": grouped["value_n"].sum() / grouped["value_d"].sum(),  # the share is already × 100
        "status": grouped["status_n"].agg(lambda s: worst_status([*s, "derived"])),
        "source_ids": grouped.apply(lambda g: tuple(dict.fromkeys(sum(g["source_ids_n"], ()) + sum(g["source_ids_d"], ()))),
                                    include_groups=False),
        "note": "kreis_from_kommunen",
        "flag": "",
        "precision": "day",
    }).reset_index()


def indicator_series(obs: pd.DataFrame, indicator_id: str, ags: str) -> pd.DataFrame:
    """All dates of a value or ratio indicator for one region.

    Columns: date, base, value, status, source_ids (tuple), note, flag. A date can appear twice when two
    census bases were published for it (e.g. Kreis 31.12.2023); charts draw them as separate lines.
    """
    ind = CATALOGUE[indicator_id]
    if ind.kind == "change":
        raise ValueError(f"{indicator_id} ist eine Veränderung; bitte figure() verwenden.")
    series = _own_series(obs, ind, ags)
    if series.empty and ind.kreis_from_kommunen is not None and ags in {k.ags for k in kreise()}:
        series = _kreis_from_kommunen(obs, ind, ags)
    return series.sort_values(["date", "base"]).reset_index(drop=True)


def _figure_from_row(ind: Indicator, ags: str, row: pd.Series) -> Figure:
    """A published-but-empty cell (e.g. '.' = secret) becomes a missing figure that keeps its note."""
    precision = row.get("precision", "day")
    if pd.isna(row["value"]):
        return Figure(ind.id, ags, None, row["date"], "not_available", row["base"], tuple(row["source_ids"]),
                      row["note"], flag=row["flag"], precision=precision)
    return Figure(ind.id, ags, float(row["value"]), row["date"], row["status"], row["base"],
                  tuple(row["source_ids"]), row["note"], flag=row["flag"], precision=precision)


def figure(obs: pd.DataFrame, indicator_id: str, ags: str, *, stichtag: dt.date | str | None = None,
           at: pd.Timestamp | None = None, base: str | None = None) -> Figure:
    """The figure at ``at`` (exact date, optionally on ``base``) or the latest up to ``stichtag``
    (the latest official one where the series has any; see :func:`_official_first`)."""
    ind = CATALOGUE[indicator_id]
    if ind.kind == "change":
        return _change(obs, ind, ags, stichtag=stichtag, at=at)
    series = indicator_series(obs, indicator_id, ags)
    if at is not None:
        series = series[series["date"] == at]
        if base is not None:
            series = series[series["base"] == base]
    else:
        if stichtag is not None:
            series = series[series["date"] <= pd.Timestamp(stichtag)]
        series = _official_first(series)
    if series.empty:
        return Figure(ind.id, ags, None, at, "not_available")
    # On one date with two bases, the newer base (listed last in bases.csv order of time) wins.
    latest = series[series["date"] == series["date"].max()].sort_values("base", key=_base_order)
    return _figure_from_row(ind, ags, latest.iloc[-1])


def _official_first(series: pd.DataFrame) -> pd.DataFrame:
    """The latest figure comes from official rows; third-party (secondary) rows only where no
    official value exists at all — they then keep their status, so the briefing marks them."""
    official = series[series["status"] != "secondary"]
    return official if not official.empty else series


_BASE_ORDER = ("update_1987_base", "census_2011", "update_2011_base", "census_2022", "update_2022_base")


def _base_order(bases: pd.Series) -> pd.Series:
    return bases.map(lambda b: _BASE_ORDER.index(b) if b in _BASE_ORDER else -1)


def _change(obs: pd.DataFrame, ind: Indicator, ags: str, *, stichtag, at) -> Figure:
    end = figure(obs, ind.change_of, ags, stichtag=stichtag, at=at)
    if end.missing:
        return Figure(ind.id, ags, None, end.date, "not_available")
    since = (end.date - pd.DateOffset(years=1) if ind.change_since == "previous_year"
             else pd.Timestamp(ind.change_since))
    start_rows = indicator_series(obs, ind.change_of, ags)
    start_rows = start_rows[start_rows["date"] == since]
    same_base = start_rows[start_rows["base"] == end.base]
    if not start_rows.empty and same_base.empty:
        return Figure(ind.id, ags, None, end.date, "not_comparable", end.base,
                      note=_join(start_rows["base"]), start_date=since)
    if same_base["value"].isna().all():
        return Figure(ind.id, ags, None, end.date, "not_available", end.base, start_date=since)
    start = _figure_from_row(CATALOGUE[ind.change_of], ags, same_base.iloc[0])
    return Figure(
        ind.id, ags, (end.value / start.value - 1) * 100, end.date,
        worst_status([end.status, start.status]), end.base,
        tuple(dict.fromkeys(start.source_ids + end.source_ids)), _join([start.note, end.note]),
        start_value=start.value, start_date=since,
    )


@dataclass(frozen=True)
class Comparison:
    """An indicator for a Kommune beside the Kreis and NRW, on the same date where possible."""

    indicator: Indicator
    kommune: Figure
    kreis: Figure
    land: Figure

    @property
    def figures(self) -> tuple[Figure, Figure, Figure]:
        return self.kommune, self.kreis, self.land


def compare(obs: pd.DataFrame, indicator_id: str, ags: str, stichtag=None) -> Comparison:
    """Kommune, its Kreis and NRW; Kreis/NRW on the Kommune's date and base so the three are comparable.

    Where the Kommune has no figure, Kreis and NRW show their own latest figure up to ``stichtag``
    (the profile labels it "Kreiswert").
    """
    ind = CATALOGUE[indicator_id]
    kommune = (figure(obs, indicator_id, ags, stichtag=stichtag) if "kommune" in ind.levels
               else Figure(ind.id, ags, None, None, "not_available"))
    others = []
    for region_ags in (ags[:5] if len(ags) == 8 else KREIS_AGS, LAND_AGS):
        if kommune.date is not None and not kommune.missing:
            other = figure(obs, indicator_id, region_ags, at=kommune.date,
                           base=kommune.base if ind.kind != "change" else None)
        elif kommune.date is not None and ind.kind == "change":
            other = figure(obs, indicator_id, region_ags, at=kommune.date)
        else:
            other = figure(obs, indicator_id, region_ags, stichtag=stichtag)
        others.append(other)
    return Comparison(ind, kommune, *others)


def compute_indicators(obs: pd.DataFrame, indicator_ids: Iterable[str] | None = None,
                       ags: Iterable[str] | None = None, stichtag=None) -> pd.DataFrame:
    """Latest figure (up to ``stichtag``) of each indicator for each region, as a long table.

    Columns: indicator, ags, value, date, status, base, source_ids, note, start_value, start_date.
    Regions default to the 16 Kommunen, the Kreis and NRW; missing figures are rows with value None.
    """
    ids = list(indicator_ids or CATALOGUE.indicators)
    regions = list(ags or [r.ags for r in kommunen()] + [KREIS_AGS, LAND_AGS])
    rows = [figure(obs, i, a, stichtag=stichtag).as_dict() for i in ids for a in regions]
    return pd.DataFrame(rows)
