"""The indicator catalogue: its schema, loading and validation (``CATALOGUE``), and the check of its rounding claims."""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

import pandas as pd

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


# --- loading: the schema of indicators.yaml and its validators are in catalogue_schema ---------------

def _indicator(key: str, fields: dict) -> Indicator:
    selections = {k: Selection(**fields[k]) for k in ("value", "numerator", "denominator", "kreis_from_kommunen")
                  if k in fields}
    return Indicator(id=key, **{
        **fields, **selections,
        "rounded_to": MappingProxyType(fields["rounded_to"]) if fields["rounded_to"] else None,
        "notable": Notable(**fields["notable"]) if fields["notable"] else None})


def _where(loc) -> str:
    return catalogue.location(loc, {"indicators": "Indikator", "handlungsfelder": "Handlungsfeld"})


def _sections(raw: dict) -> dict:
    """What the validators compare against; tables.yaml is read here, so its own errors surface as such."""
    return {"tables": declared_tables()["tables"], **{name: raw.get(name) if isinstance(raw.get(name), dict) else {}
                                                     for name in ("variables", "indicators", "handlungsfelder")}}


def load_catalogue(path: Path = CATALOGUE_PATH) -> Catalogue:
    """Read and validate the catalogue; raises :class:`CatalogueError` naming each bad entry and field."""
    parsed = catalogue.load(Path(path), "helpers.indicators.catalogue_schema", _where, _sections)
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

