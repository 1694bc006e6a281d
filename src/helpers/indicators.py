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
from typing import Annotated, Literal

import numpy as np
import pandas as pd
from pydantic import BeforeValidator, Field, ValidationInfo, field_validator, model_validator

from helpers import catalogue
from helpers.catalogue import CatalogueError
from helpers.data import store
from helpers.data.status import Status, worst
from helpers.ingest.common import declared_tables
from helpers.kommunen import KREIS_AGS, LAND_AGS, kommunen, kreise
from helpers.paths import CATALOGUE_DIR

CATALOGUE_PATH = CATALOGUE_DIR / "indicators.yaml"
LEVELS = ("kommune", "kreis", "land")
UNITS = ("persons", "percent", "schools", "years")

# A definition that says the figures are rounded to multiples of N ("Vielfache von 5").
ROUNDING_CLAIM = re.compile(r"Vielfache\w* von (\d+)|multiples? of (\d+)")


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
    notes: tuple[str, ...] = ()  # the notes of the rows it is made from, once each
    start_value: float | None = None
    start_date: pd.Timestamp | None = None
    flags: tuple[str, ...] = ()  # official special characters of those rows ("." secret, …)
    precision: str = "day"  # how exactly the source dates it: day, month or year (data/processed)
    start_base: str = ""  # a change that is not comparable: the census base of its start

    @property
    def missing(self) -> bool:
        return self.value is None

    @property
    def from_kommunen(self) -> bool:
        """A Kreis value recomputed from the 16 Kommunen (``kreis_from_kommunen``), not published."""
        return KREIS_FROM_KOMMUNEN in self.notes

    @property
    def lower_bound(self) -> bool:
        """A published total without its secret part: shown with its mark, never ranked or summed."""
        return self.status == Status.INCOMPLETE

    def as_dict(self) -> dict[str, object]:
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        for key in ("date", "start_date"):
            out[key] = None if out[key] is None else out[key].date().isoformat()
        for key in ("source_ids", "notes", "flags"):
            out[key] = list(out[key])
        return out


# --- loading and validation ----------------------------------------------------------------
# The schema of indicators.yaml: the pydantic models say what each key may hold; the validators
# check what a schema cannot (references between sections, one kind per indicator, rounding claims).

def _known(value: str, info: ValidationInfo, section: str, hint: str) -> str:
    if info.context is not None and value not in info.context[section]:
        raise ValueError(f"{value!r} ist nicht unter {section!r} verzeichnet ({hint})")
    return value


class _SelectionEntry(catalogue.Strict):
    variable: str
    categories: tuple[str, ...] = ("total",)
    bases: tuple[str, ...] = ()
    dates: tuple[catalogue.IsoDate, ...] = ()

    @field_validator("variable")
    @classmethod
    def _declared(cls, value: str, info: ValidationInfo) -> str:
        return _known(value, info, "variables", "bitte dort mit ihrer Bedeutung eintragen")

    def selection(self) -> Selection:
        return Selection(self.variable, self.categories, self.bases, self.dates)


class _ChangeEntry(catalogue.Strict):
    of: str
    since: str

    @field_validator("of")
    @classmethod
    def _indicator(cls, value: str, info: ValidationInfo) -> str:
        return _known(value, info, "indicators", "change.of nennt einen Indikator dieses Katalogs")

    @field_validator("since", mode="before")
    @classmethod
    def _date_or_previous_year(cls, value: object) -> str:
        return "previous_year" if value == "previous_year" else catalogue.as_iso_date(value)


class _RoundingEntry(catalogue.Strict):
    multiple: int = Field(ge=1)
    sources: tuple[str, ...] = ()
    since: catalogue.IsoDate | None = None


class _IndicatorEntry(catalogue.Strict):
    label_de: catalogue.Text
    label_en: catalogue.Text
    definition_de: catalogue.Text
    definition_en: catalogue.Text
    handlungsfeld: str
    unit: Literal[UNITS]
    sources: tuple[catalogue.Text, ...] = Field(min_length=1)
    levels: tuple[Literal[LEVELS], ...] = Field(min_length=1)
    decimals: int = Field(ge=0)
    tables: tuple[Annotated[str, BeforeValidator(str)], ...]  # required; [] only without an official table
    gap_de: str = ""  # optional where the first table says it; ``{table}`` stands for that table
    gap_en: str = ""
    value: _SelectionEntry | None = None
    numerator: _SelectionEntry | None = None
    denominator: _SelectionEntry | None = None
    scale: float = 1.0
    change: _ChangeEntry | None = None
    kreis_from_kommunen: _SelectionEntry | None = None
    not_a_share: bool = False
    applies_where: str = ""
    not_applicable_de: str = ""
    not_applicable_en: str = ""
    rounded_to: _RoundingEntry | None = None

    @field_validator("handlungsfeld")
    @classmethod
    def _field_defined(cls, value: str, info: ValidationInfo) -> str:
        return _known(value, info, "handlungsfelder", "ein Handlungsfeld ist dort mit label_de/label_en zu definieren")

    @field_validator("applies_where")
    @classmethod
    def _flag_declared(cls, value: str, info: ValidationInfo) -> str:
        return _known(value, info, "variables", "applies_where nennt eine Variable") if value else value

    @field_validator("tables")
    @classmethod
    def _tables_declared(cls, value: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        """The Datenlage names a table from tables.yaml, so every code must be declared there."""
        if undeclared := [code for code in value if info.context is not None and code not in info.context["tables"]]:
            raise ValueError(
                f"Tabelle {', '.join(map(repr, undeclared))} ist in src/helpers/catalogue/tables.yaml nicht deklariert: dort unter 'tables' "
                "eintragen (Datenbank, Titel, Regionen, Turnus; fetch: manual mit manual_route, wenn sie nicht "
                "automatisch abgerufen wird) oder den Code korrigieren")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> _IndicatorEntry:
        kinds = [k for k in ("value", "numerator", "change") if getattr(self, k) is not None]
        if len(kinds) != 1 or (self.numerator is None) != (self.denominator is None):
            raise ValueError("genau eines von value, numerator+denominator oder change angeben")
        if self.kreis_from_kommunen is not None and self.value is None:
            raise ValueError("kreis_from_kommunen gewichtet einen veröffentlichten Anteil (value)")
        if self.numerator is not None and self.numerator.bases != self.denominator.bases:
            raise ValueError("Zähler und Nenner müssen dieselbe Statistik/Zensus-Grundlage haben "
                             f"(bases {self.numerator.bases} ≠ {self.denominator.bases})")
        if bool(self.gap_de) != bool(self.gap_en) or (not self.tables and (
                not self.gap_de or "{table}" in self.gap_de + self.gap_en)):
            raise ValueError("gap_de und gap_en gehören zusammen; ohne Tabelle (tables: []) sind beide nötig "
                             "und dürfen {table} nicht enthalten")
        if self.applies_where and not (self.not_applicable_de and self.not_applicable_en):
            raise ValueError("applies_where braucht not_applicable_de/_en (warum die Kennzahl sonst entfällt)")
        claims = {int(a or b) for text in (self.definition_de, self.definition_en) for a, b in ROUNDING_CLAIM.findall(text)}
        declared = {self.rounded_to.multiple} if self.rounded_to else set()
        if claims != declared:
            # A claimed rounding must be declared with the figures it covers, so rounding_violations can hold it against the data.
            raise ValueError(f"die Definition nennt Rundung auf Vielfache von {sorted(claims) or '–'}, rounded_to sagt "
                             f"{sorted(declared) or '–'}; beides muss übereinstimmen (und für alle erfassten Werte gelten)")
        return self

    def indicator(self, key: str) -> Indicator:
        texts = ("label_de", "label_en", "definition_de", "definition_en", "handlungsfeld", "unit", "gap_de", "gap_en",
                 "not_a_share", "applies_where", "not_applicable_de", "not_applicable_en", "scale", "decimals")
        selections = {k: getattr(self, k).selection() for k in ("value", "numerator", "denominator", "kreis_from_kommunen")
                      if getattr(self, k) is not None}
        return Indicator(
            id=key, **{k: getattr(self, k) for k in texts}, **selections, sources=self.sources, levels=self.levels,
            tables=self.tables,
            change_of=self.change.of if self.change else None, change_since=self.change.since if self.change else None,
            rounded_to=MappingProxyType(self.rounded_to.model_dump(exclude_unset=True)) if self.rounded_to else None,
        )


class _FieldEntry(catalogue.Strict):
    label_de: catalogue.Text
    label_en: catalogue.Text


class _CatalogueFile(catalogue.Strict):
    handlungsfelder: dict[str, _FieldEntry]
    variables: dict[str, str]
    indicators: dict[str, _IndicatorEntry]
    key_figures: tuple[str, ...]

    @field_validator("key_figures")
    @classmethod
    def _key_figures_exist(cls, value: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        dangling = [k for k in value if info.context is not None and k not in info.context["indicators"]]
        if dangling:
            raise ValueError(f"nennt unbekannte Indikatoren {dangling}")
        return value


def _where(loc) -> str:
    return catalogue.location(loc, {"indicators": "Indikator", "handlungsfelder": "Handlungsfeld"})


def _sections(raw: dict) -> dict:
    """What the validators compare against; tables.yaml is read here, so its own errors surface as such."""
    return {"tables": declared_tables()["tables"], **{name: raw.get(name) if isinstance(raw.get(name), dict) else {}
                                                     for name in ("variables", "indicators", "handlungsfelder")}}


def load_catalogue(path: Path = CATALOGUE_PATH) -> Catalogue:
    """Read and validate the catalogue; raises :class:`CatalogueError` naming each bad entry and field."""
    parsed = catalogue.load(Path(path), _CatalogueFile, _where, _sections)
    return Catalogue(
        indicators=MappingProxyType({key: entry.indicator(key) for key, entry in parsed.indicators.items()}),
        handlungsfelder=MappingProxyType({k: f.model_dump() for k, f in parsed.handlungsfelder.items()}),
        variables=MappingProxyType(parsed.variables),
        key_figures=parsed.key_figures,
    )


CATALOGUE = load_catalogue()


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


PRECISIONS = ("day", "month", "year")


def coarsest(precisions: Iterable[str]) -> str:
    """A figure combined from rows dated by day and by month is dated by month."""
    return max(precisions, key=PRECISIONS.index, default="day")


KREIS_FROM_KOMMUNEN = "kreis_from_kommunen"
SERIES_COLUMNS = ["date", "base", "value", "status", "source_ids", "notes", "flags", "precision"]


def _unique(values: Iterable[str]) -> tuple[str, ...]:
    """Non-empty values once each, in order (notes and flags of combined rows)."""
    return tuple(dict.fromkeys(v for v in values if v))


def _collapse(rows: pd.DataFrame, keys: tuple[str, ...] = ("date", "base")) -> pd.DataFrame:
    """One row per (date, base): the data layer's preferred row per category, categories summed.

    Where one key has several rows (see CONFLICTS.csv), ``helpers.data`` marks the most certain
    one ``preferred``; the others stay in the data for the conflict report. With ``keys``
    ("ags", "date", "base") it collapses every region at once (see :func:`_collapsed`).
    """
    columns = [*keys[:-2], *SERIES_COLUMNS]
    best = rows[rows["preferred"]]
    if best.empty:
        return pd.DataFrame(columns=columns)
    if not best.duplicated(list(keys)).any():  # one category: nothing to sum (the common, fast case)
        single = best.assign(source_ids=[(s,) for s in best["source_id"]], notes=[_unique([n]) for n in best["note"]],
                             flags=[_unique([f]) for f in best["flag"]])
        return single[columns].sort_values(list(keys)).reset_index(drop=True)
    grouped = best.groupby(list(keys), sort=True)
    out = pd.DataFrame({
        "value": grouped["value"].sum(min_count=1).where(~grouped["value"].apply(lambda v: v.isna().any())),
        "status": grouped["status"].agg(worst),
        "source_ids": grouped["source_id"].agg(lambda s: tuple(dict.fromkeys(s))),
        "notes": grouped["note"].agg(_unique),
        "flags": grouped["flag"].agg(_unique),
        "precision": grouped["precision"].agg(coarsest),
    }).reset_index()
    return out[columns]


def _ratio(num: pd.DataFrame, den: pd.DataFrame, scale: float, keys: tuple[str, ...] = ("date", "base")) -> pd.DataFrame:
    merged = num.merge(den, on=list(keys), suffixes=("_n", "_d"))
    value = merged["value_n"] / merged["value_d"].where(merged["value_d"] != 0) * scale
    return pd.DataFrame({
        **{key: merged[key] for key in keys}, "value": value,
        "status": [worst(p) for p in zip(merged["status_n"], merged["status_d"])],
        "source_ids": [tuple(dict.fromkeys(a + b)) for a, b in zip(merged["source_ids_n"], merged["source_ids_d"])],
        "notes": [_unique(a + b) for a, b in zip(merged["notes_n"], merged["notes_d"])],
        "flags": [_unique(a + b) for a, b in zip(merged["flags_n"], merged["flags_d"])],
        "precision": [coarsest(p) for p in zip(merged["precision_n"], merged["precision_d"])],
    })


_BY_REGION = ("ags", "date", "base")


def _collapsed(obs: pd.DataFrame, selection: Selection) -> pd.DataFrame:
    """:func:`_collapse` of a selection for every region of ``obs`` in one pass (a Kreis's briefings
    ask for the same selection in each of its regions), with an ``ags`` column."""
    memo = store.derived(obs)
    if ("collapsed", selection) not in memo:
        rows = selection.rows(obs)
        best = rows[rows["preferred"]]
        summed = rows["ags"].isin(best.loc[best.duplicated(list(_BY_REGION)), "ags"])  # as _collapse decides per region
        parts = [part for part in (_collapse(rows[~summed], _BY_REGION), _collapse(rows[summed], _BY_REGION))
                 if not part.empty]  # an empty part would change the column types of the other
        memo["collapsed", selection] = (pd.concat(parts, ignore_index=True) if parts
                                        else pd.DataFrame(columns=["ags", *SERIES_COLUMNS]))
    return memo["collapsed", selection]


class _ByRegion:
    """A frame with an ``ags`` column, one region's rows (without it) at a time, each cut once."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self._rows = frame.drop(columns="ags")
        self._positions = frame.groupby("ags", sort=False).indices
        self._cut: dict[str, pd.DataFrame] = {}

    def __contains__(self, ags: str) -> bool:
        return ags in self._positions

    def get(self, ags: str) -> pd.DataFrame | None:
        if ags not in self._positions:
            return None
        if ags not in self._cut:
            self._cut[ags] = self._rows.take(self._positions[ags]).reset_index(drop=True)
        return self._cut[ags]


def _by_region(obs: pd.DataFrame, key: tuple, compute) -> _ByRegion:
    """The frame ``compute()`` split by region, memoised under ``key``."""
    memo = store.derived(obs)
    if key not in memo:
        memo[key] = _ByRegion(compute())
    return memo[key]


def _region_rows(obs: pd.DataFrame, selection: Selection, ags: str) -> pd.DataFrame:
    """``_collapse(selection.rows(obs of ags))``, from :func:`_collapsed`."""
    found = _by_region(obs, ("regions", selection), lambda: _collapsed(obs, selection)).get(ags)
    return pd.DataFrame(columns=SERIES_COLUMNS) if found is None else found


def _own_series(obs: pd.DataFrame, ind: Indicator, ags: str) -> pd.DataFrame:
    if ind.kind == "value":
        return _region_rows(obs, ind.value, ags)
    ratios = _by_region(obs, ("ratios", ind.id), lambda: _ratio(_collapsed(obs, ind.numerator),
                                                                _collapsed(obs, ind.denominator), ind.scale, _BY_REGION))
    if ags in ratios:
        return ratios.get(ags)
    # no date with both parts: computed alone, so the empty frame is exactly the one-region one
    return _ratio(_region_rows(obs, ind.numerator, ags), _region_rows(obs, ind.denominator, ags), ind.scale)


def _kreis_from_kommunen(obs: pd.DataFrame, ind: Indicator, kreis_ags: str = KREIS_AGS) -> pd.DataFrame:
    """Kreis value of a published share from all its Kommunen: summed numerators over summed
    denominators, the numerator being share × weight (e.g. the census population) — so the result
    is the share of the summed counts, not an average of the Kommunen's shares.
    """
    parts, members = [], kommunen(kreis_ags)
    for region in members:
        den = _region_rows(obs, ind.kreis_from_kommunen, region.ags)
        share = _region_rows(obs, ind.value, region.ags)
        num = share.merge(den[["date", "value"]], on="date", suffixes=("", "_w"))
        num = num.assign(value=num["value"] * num["value_w"]).drop(columns="value_w")
        both = num.merge(den, on="date", suffixes=("_n", "_d"))
        if not both.empty:
            parts.append(both.assign(ags=region.ags))
    rows = pd.concat(parts) if parts else pd.DataFrame(columns=["date", "ags", "value_n", "value_d"])
    complete = rows.groupby("date").filter(
        lambda g: g["ags"].nunique() == len(members) and g[["value_n", "value_d"]].notna().all().all()
        and not g[["status_n", "status_d"]].isin([Status.INCOMPLETE]).any().any()  # a lower bound never enters a sum
    )
    if complete.empty:
        return pd.DataFrame(columns=SERIES_COLUMNS)
    grouped = complete.groupby("date")
    return pd.DataFrame({
        "base": grouped["base_n"].first(),
        "value": grouped["value_n"].sum() / grouped["value_d"].sum(),  # the share is already × 100
        "status": grouped["status_n"].agg(lambda s: worst([*s, Status.DERIVED])),
        "source_ids": grouped.apply(lambda g: tuple(dict.fromkeys(sum(g["source_ids_n"], ()) + sum(g["source_ids_d"], ()))),
                                    include_groups=False),
        "notes": [(KREIS_FROM_KOMMUNEN,)] * grouped.ngroups,
        "flags": [()] * grouped.ngroups,
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
    return _series(obs, ind, ags).copy()


def _series(obs: pd.DataFrame, ind: Indicator, ags: str) -> pd.DataFrame:
    """:func:`indicator_series`, computed once per observation frame and shared: never change it."""
    memo = store.derived(obs)
    if ("series", ind.id, ags) not in memo:
        series = _own_series(obs, ind, ags)
        if series.empty and ind.kreis_from_kommunen is not None and ags in {k.ags for k in kreise()}:
            series = _kreis_from_kommunen(obs, ind, ags)
        memo["series", ind.id, ags] = series.sort_values(["date", "base"]).reset_index(drop=True)
    return memo["series", ind.id, ags]


def dated_series(obs: pd.DataFrame, indicator_id: str, ags: str, stichtag=None) -> pd.DataFrame:
    """The dates of :func:`indicator_series` that have a value, up to ``stichtag`` (once per frame)."""
    key = ("dated", indicator_id, ags, None if stichtag is None else pd.Timestamp(stichtag))
    memo = store.derived(obs)
    if key not in memo:
        series = indicator_series(obs, indicator_id, ags)
        series = series[series["value"].notna()]
        memo[key] = series if stichtag is None else series[series["date"] <= stichtag]
    return memo[key].copy()


def common_dates(obs: pd.DataFrame, indicator_id: str, base: str | None = None, stichtag=None,
                 kreis_ags: str = KREIS_AGS) -> list[pd.Timestamp]:
    """The dates on which all Kommunen of the Kreis have a value (on ``base`` if given), oldest first;
    ``indicator_id`` is a catalogue indicator or a published variable (e.g. population_density)."""
    key = ("common_dates", indicator_id, base, None if stichtag is None else pd.Timestamp(stichtag), kreis_ags)
    memo = store.derived(obs)
    if key not in memo:
        if indicator_id in CATALOGUE.indicators:
            frames = [dated_series(obs, indicator_id, r.ags, stichtag) for r in kommunen(kreis_ags)]
        else:
            frames = [preferred_series(obs, indicator_id, ags=r.ags) for r in kommunen(kreis_ags)]
        memo[key] = sorted(set.intersection(*(set(f["date"] if base is None else f.loc[f["base"] == base, "date"])
                                              for f in frames)))
    return list(memo[key])


# --- observation rows that are not (yet) catalogue indicators ------------------------------

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


def _figure_from_row(ind: Indicator, ags: str, row: pd.Series) -> Figure:
    """A published-but-empty cell (e.g. '.' = secret) becomes a missing figure that keeps its note."""
    precision = row.get("precision", "day")
    if pd.isna(row["value"]):
        return Figure(ind.id, ags, None, row["date"], "not_available", row["base"], tuple(row["source_ids"]),
                      tuple(row["notes"]), flags=tuple(row["flags"]), precision=precision)
    return Figure(ind.id, ags, float(row["value"]), row["date"], row["status"], row["base"],
                  tuple(row["source_ids"]), tuple(row["notes"]), flags=tuple(row["flags"]), precision=precision)


def figure(obs: pd.DataFrame, indicator_id: str, ags: str, *, stichtag: dt.date | str | None = None,
           at: pd.Timestamp | None = None, base: str | None = None) -> Figure:
    """The figure at ``at`` (exact date, optionally on ``base``) or the latest up to ``stichtag``
    (the latest official one where the series has any; see :func:`_official_first`).

    Computed once per observation frame and arguments (a Kreis's briefings share their frame).
    """
    key = ("figure", indicator_id, ags, None if stichtag is None else pd.Timestamp(stichtag), at, base)
    memo = store.derived(obs)
    if key not in memo:
        memo[key] = _figure(obs, CATALOGUE[indicator_id], ags, stichtag=stichtag, at=at, base=base)
    return memo[key]


def _figure(obs: pd.DataFrame, ind: Indicator, ags: str, *, stichtag, at, base) -> Figure:
    if ind.kind == "change":
        return _change(obs, ind, ags, stichtag=stichtag, at=at)
    series = _series(obs, ind, ags)
    if series.empty:
        return Figure(ind.id, ags, None, at, "not_available")
    dates, bases = _columns(obs, ind, ags)
    if at is not None:
        keep = dates == pd.Timestamp(at).value
        if base is not None:
            keep &= bases == base
        rows = np.flatnonzero(keep)
    else:
        rows = np.arange(len(series)) if stichtag is None else np.flatnonzero(dates <= pd.Timestamp(stichtag).value)
        rows = _official_first(series, rows)
    if not len(rows):
        return Figure(ind.id, ags, None, at, "not_available")
    newest = rows[dates[rows] == dates[rows].max()]
    if len(newest) == 1:
        return _figure_from_row(ind, ags, series.iloc[newest[0]])
    # On one date with two bases, the newer base (listed last in bases.csv order of time) wins.
    latest = series.iloc[newest].sort_values("base", key=_base_order)
    return _figure_from_row(ind, ags, latest.iloc[-1])


def _columns(obs: pd.DataFrame, ind: Indicator, ags: str) -> tuple[np.ndarray, np.ndarray]:
    """The dates (as int64 nanoseconds) and bases of a series, for the many look-ups of :func:`figure`."""
    memo = store.derived(obs)
    if ("columns", ind.id, ags) not in memo:
        series = _series(obs, ind, ags)
        memo["columns", ind.id, ags] = (pd.to_datetime(series["date"]).to_numpy("datetime64[ns]").view("int64"),
                                        series["base"].to_numpy(object))
    return memo["columns", ind.id, ags]


def _official_first(series: pd.DataFrame, rows: np.ndarray) -> np.ndarray:
    """The latest figure comes from official rows; third-party (secondary) rows only where no
    official value exists at all — they then keep their status, so the briefing marks them."""
    official = rows[series["status"].to_numpy(object)[rows] != Status.SECONDARY]
    return official if len(official) else rows


_BASE_ORDER = ("update_1987_base", "census_2011", "update_2011_base", "census_2022", "update_2022_base")


def _base_order(bases: pd.Series) -> pd.Series:
    return bases.map(lambda b: _BASE_ORDER.index(b) if b in _BASE_ORDER else -1)


def _change(obs: pd.DataFrame, ind: Indicator, ags: str, *, stichtag, at) -> Figure:
    end = figure(obs, ind.change_of, ags, stichtag=stichtag, at=at)
    if end.missing:
        return Figure(ind.id, ags, None, end.date, "not_available")
    since = (end.date - pd.DateOffset(years=1) if ind.change_since == "previous_year"
             else pd.Timestamp(ind.change_since))
    start_rows = _series(obs, CATALOGUE[ind.change_of], ags)
    start_rows = start_rows[start_rows["date"] == since]
    same_base = start_rows[start_rows["base"] == end.base]
    if not start_rows.empty and same_base.empty:
        return Figure(ind.id, ags, None, end.date, "not_comparable", end.base,
                      start_date=since, start_base=next((b for b in start_rows["base"] if b), ""))
    if same_base["value"].isna().all():
        return Figure(ind.id, ags, None, end.date, "not_available", end.base, start_date=since)
    start = _figure_from_row(CATALOGUE[ind.change_of], ags, same_base.iloc[0])
    return Figure(
        ind.id, ags, (end.value / start.value - 1) * 100, end.date,
        worst([end.status, start.status]), end.base,
        tuple(dict.fromkeys(start.source_ids + end.source_ids)), _unique(start.notes + end.notes),
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
    (the profile labels it "Kreiswert"). Computed once per observation frame, like :func:`figure`.
    """
    key = ("compare", indicator_id, ags, None if stichtag is None else pd.Timestamp(stichtag))
    memo = store.derived(obs)
    if key not in memo:
        memo[key] = _compare(obs, CATALOGUE[indicator_id], ags, stichtag)
    return memo[key]


def _compare(obs: pd.DataFrame, ind: Indicator, ags: str, stichtag) -> Comparison:
    indicator_id = ind.id
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
                       ags: Iterable[str] | None = None, stichtag=None, kreis_ags: str = KREIS_AGS) -> pd.DataFrame:
    """Latest figure (up to ``stichtag``) of each indicator for each region, as a long table.

    Columns: indicator, ags, value, date, status, base, source_ids, note, start_value, start_date.
    Regions default to the Kommunen of ``kreis_ags``, that Kreis and NRW; missing figures are rows with value None.
    """
    ids = list(indicator_ids or CATALOGUE.indicators)
    regions = list(ags or [r.ags for r in kommunen(kreis_ags)] + [kreis_ags, LAND_AGS])
    rows = [figure(obs, i, a, stichtag=stichtag).as_dict() for i in ids for a in regions]
    return pd.DataFrame(rows)
