"""The indicator catalogue: its schema, loading and validation (``CATALOGUE``), and the check of its rounding claims."""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Annotated, Literal

import pandas as pd
from pydantic import BeforeValidator, Field, ValidationInfo, field_validator, model_validator

from helpers import catalogue
from helpers.ingest.common import declared_tables
from helpers.paths import CATALOGUE_DIR

CATALOGUE_PATH = CATALOGUE_DIR / "indicators.yaml"
LEVELS = ("kommune", "kreis", "land")
# A figure is current ("aktuell") when its reference date lies within this many years of the newest date the
# briefing shows; older ones read "älterer Stand" (measured on the data, not the calendar, so a rerun next year
# does not age every figure).
CURRENT_YEARS = 3
UNITS = ("persons", "percent", "per_100", "schools", "years")  # per_100: a ratio per 100 that is no share ("je 100")

# A definition that says the figures are rounded to multiples of N ("Vielfache von 5").
ROUNDING_CLAIM = re.compile(r"Vielfache\w* von (\d+)|multiples? of (\d+)")


@dataclass(frozen=True)
class Selection:
    """Which observation rows feed a value, numerator, denominator or weight."""

    variable: str
    categories: tuple[str, ...] = ("total",)
    bases: tuple[str, ...] = ()
    dates: tuple[str, ...] = ()

    @property
    def key(self) -> tuple:
        """The selection as plain values, for memo keys: equal to itself after a warm kernel's reset
        re-imports this module (the instance would then belong to another class and never match)."""
        return self.variable, self.categories, self.bases, self.dates

    def rows(self, obs: pd.DataFrame) -> pd.DataFrame:
        mask = (obs["variable"] == self.variable) & obs["category"].isin(self.categories)
        if self.bases:
            mask &= obs["base"].isin(self.bases)
        if self.dates:
            mask &= obs["date"].isin(pd.to_datetime(list(self.dates)))
        return obs[mask]


NOTABLE_REFERENCES = ("kreis", "land", "similar")
NOTABLE_COUNTS = ("numerator", "denominator")  # or the id of a count indicator (unit persons or schools)


@dataclass(frozen=True)
class Notable:
    """The rule that makes a Kommune's figure "auffällig": it differs from ``reference`` (its Kreis, NRW or the
    range of its similar Kommunen) by at least ``points`` (percentage points) or ``relative`` (percent of the
    reference), and the count it rests on (``count``) is at least ``min_count`` — below it no statement is made.
    ``policy_de/_en`` name where a stated policy direction comes from, ``policy_direction`` which way it points."""

    reference: str
    count: str
    min_count: float
    points: float | None = None
    relative: float | None = None
    policy_direction: str = ""  # lower | higher: the direction a named policy aims at ("" = none stated)
    policy_de: str = ""
    policy_en: str = ""


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
    notable: Notable | None = None  # when "Wo steht" lists the indicator under "Auffällig"

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
        return value if value in ("previous_year", "census") else catalogue.as_iso_date(value)


class _RoundingEntry(catalogue.Strict):
    multiple: int = Field(ge=1)
    sources: tuple[str, ...] = ()
    since: catalogue.IsoDate | None = None


class _NotableEntry(catalogue.Strict):
    reference: Literal[NOTABLE_REFERENCES]
    count: str
    min_count: float = Field(gt=0)
    points: float | None = Field(default=None, gt=0)
    relative: float | None = Field(default=None, gt=0)
    policy_direction: Literal["lower", "higher", ""] = ""
    policy_de: str = ""
    policy_en: str = ""

    @model_validator(mode="after")
    def _one_threshold(self) -> _NotableEntry:
        if (self.points is None) == (self.relative is None):
            raise ValueError("notable braucht genau eine Schwelle: points (Prozentpunkte) oder relative "
                             "(Prozent des Referenzwerts)")
        if bool(self.policy_direction) != bool(self.policy_de and self.policy_en):
            raise ValueError("notable.policy_direction und policy_de/policy_en gehören zusammen: eine Zielrichtung "
                             "nennt immer, woher sie stammt (z. B. Integrationskonzept des Kreises, Beschluss vom …)")
        return self


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
    notable: _NotableEntry | None = None

    @field_validator("notable")
    @classmethod
    def _notable_count(cls, value: _NotableEntry | None, info: ValidationInfo) -> _NotableEntry | None:
        """The count must exist: the ratio's own numerator or denominator, or a count indicator of the catalogue."""
        if value is None or value.count in NOTABLE_COUNTS or info.context is None:
            return value
        other = info.context["indicators"].get(value.count)
        if not isinstance(other, dict) or other.get("unit") not in ("persons", "schools"):
            raise ValueError(f"notable.count {value.count!r} nennt weder numerator/denominator noch einen "
                             "Indikator dieses Katalogs mit der Einheit persons oder schools (die Zahl, unter deren "
                             "min_count keine Aussage gemacht wird)")
        return value

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
                f"Tabelle {', '.join(map(repr, undeclared))} ist in src/helpers/catalogue/tables.yaml nicht "
                "deklariert: dort unter 'tables' eintragen (Datenbank, Titel, Regionen, Turnus; fetch: manual mit "
                "manual_route, wenn sie nicht automatisch abgerufen wird) oder den Code korrigieren")
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
        if self.notable is not None and self.notable.count in NOTABLE_COUNTS and self.numerator is None:
            raise ValueError(f"notable.count {self.notable.count} gibt es nur bei einem Anteil aus numerator/"
                             "denominator; sonst einen Zähl-Indikator des Katalogs nennen")
        if self.notable is not None and self.notable.points is not None and self.unit not in ("percent", "per_100"):
            raise ValueError("notable.points (Prozentpunkte) nur bei unit percent oder per_100; sonst relative")
        if self.applies_where and not (self.not_applicable_de and self.not_applicable_en):
            raise ValueError("applies_where braucht not_applicable_de/_en (warum die Kennzahl sonst entfällt)")
        claims = {int(a or b) for text in (self.definition_de, self.definition_en)
                  for a, b in ROUNDING_CLAIM.findall(text)}
        declared = {self.rounded_to.multiple} if self.rounded_to else set()
        if claims != declared:
            # A claimed rounding must be declared with the figures it covers, so rounding_violations can hold it
            # against the data.
            raise ValueError(f"die Definition nennt Rundung auf Vielfache von {sorted(claims) or '–'}, rounded_to sagt "
                             f"{sorted(declared) or '–'}; beides muss übereinstimmen "
                             "(und für alle erfassten Werte gelten)")
        return self

    def fields(self) -> dict:
        """The :class:`Indicator`'s fields as plain data (selections and ``notable`` as dicts): what the memo keeps."""
        texts = ("label_de", "label_en", "definition_de", "definition_en", "handlungsfeld", "unit", "gap_de", "gap_en",
                 "not_a_share", "applies_where", "not_applicable_de", "not_applicable_en", "scale", "decimals")
        selections = {k: getattr(self, k).model_dump()
                      for k in ("value", "numerator", "denominator", "kreis_from_kommunen")
                      if getattr(self, k) is not None}
        return dict(
            **{k: getattr(self, k) for k in texts}, **selections, sources=self.sources, levels=self.levels,
            tables=self.tables,
            change_of=self.change.of if self.change else None, change_since=self.change.since if self.change else None,
            rounded_to=self.rounded_to.model_dump(exclude_unset=True) if self.rounded_to else None,
            notable=self.notable.model_dump() if self.notable else None,
        )


def _indicator(key: str, fields: dict) -> Indicator:
    selections = {k: Selection(**fields[k]) for k in ("value", "numerator", "denominator", "kreis_from_kommunen")
                  if k in fields}
    return Indicator(id=key, **{
        **fields, **selections,
        "rounded_to": MappingProxyType(fields["rounded_to"]) if fields["rounded_to"] else None,
        "notable": Notable(**fields["notable"]) if fields["notable"] else None})


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


def _plain(parsed: _CatalogueFile) -> dict:
    return {"indicators": {key: entry.fields() for key, entry in parsed.indicators.items()},
            "handlungsfelder": {k: f.model_dump() for k, f in parsed.handlungsfelder.items()},
            "variables": parsed.variables, "key_figures": parsed.key_figures}


def load_catalogue(path: Path = CATALOGUE_PATH) -> Catalogue:
    """Read and validate the catalogue; raises :class:`CatalogueError` naming each bad entry and field."""
    parsed = catalogue.load(Path(path), _CatalogueFile, _where, _sections, _plain)
    return Catalogue(
        indicators=MappingProxyType({key: _indicator(key, fields) for key, fields in parsed["indicators"].items()}),
        handlungsfelder=MappingProxyType(parsed["handlungsfelder"]),
        variables=MappingProxyType(parsed["variables"]),
        key_figures=parsed["key_figures"],
    )


CATALOGUE = load_catalogue()


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

