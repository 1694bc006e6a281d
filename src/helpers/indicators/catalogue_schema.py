"""The schema of ``indicators.yaml``: pydantic models and the validators that check what a schema cannot
(references between sections, one kind per indicator, rounding claims). Imported only to validate the file
(``helpers.catalogue.load``): a notebook after a warm kernel's reset takes the validated catalogue from the
memo and builds none of these models."""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, ValidationInfo, field_validator, model_validator

from helpers import catalogue
from helpers.indicators.catalogue import LEVELS, NOTABLE_COUNTS, NOTABLE_REFERENCES, ROUNDING_CLAIM, UNITS


def _known(value: str, info: ValidationInfo, section: str, hint: str) -> str:
    if info.context is not None and value not in info.context[section]:
        raise ValueError(f"{value!r} ist nicht unter {section!r} verzeichnet ({hint})")
    return value


class SelectionEntry(catalogue.Strict):
    variable: str
    categories: tuple[str, ...] = ("total",)
    bases: tuple[str, ...] = ()
    dates: tuple[catalogue.IsoDate, ...] = ()

    @field_validator("variable")
    @classmethod
    def _declared(cls, value: str, info: ValidationInfo) -> str:
        return _known(value, info, "variables", "bitte dort mit ihrer Bedeutung eintragen")


class ChangeEntry(catalogue.Strict):
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


class RoundingEntry(catalogue.Strict):
    multiple: int = Field(ge=1)
    sources: tuple[str, ...] = ()
    since: catalogue.IsoDate | None = None


class NotableEntry(catalogue.Strict):
    reference: Literal[NOTABLE_REFERENCES]
    count: str
    min_count: float = Field(gt=0)
    points: float | None = Field(default=None, gt=0)
    relative: float | None = Field(default=None, gt=0)
    policy_direction: Literal["lower", "higher", ""] = ""
    policy_de: str = ""
    policy_en: str = ""

    @model_validator(mode="after")
    def _one_threshold(self) -> NotableEntry:
        if (self.points is None) == (self.relative is None):
            raise ValueError("notable braucht genau eine Schwelle: points (Prozentpunkte) oder relative "
                             "(Prozent des Referenzwerts)")
        if bool(self.policy_direction) != bool(self.policy_de and self.policy_en):
            raise ValueError("notable.policy_direction und policy_de/policy_en gehören zusammen: eine Zielrichtung "
                             "nennt immer, woher sie stammt (z. B. Integrationskonzept des Kreises, Beschluss vom …)")
        return self


class IndicatorEntry(catalogue.Strict):
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
    value: SelectionEntry | None = None
    numerator: SelectionEntry | None = None
    denominator: SelectionEntry | None = None
    scale: float = 1.0
    change: ChangeEntry | None = None
    kreis_from_kommunen: SelectionEntry | None = None
    not_a_share: bool = False
    applies_where: str = ""
    not_applicable_de: str = ""
    not_applicable_en: str = ""
    rounded_to: RoundingEntry | None = None
    notable: NotableEntry | None = None

    @field_validator("notable")
    @classmethod
    def _notable_count(cls, value: NotableEntry | None, info: ValidationInfo) -> NotableEntry | None:
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
    def _consistent(self) -> IndicatorEntry:
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


class FieldEntry(catalogue.Strict):
    label_de: catalogue.Text
    label_en: catalogue.Text


class File(catalogue.Strict):
    handlungsfelder: dict[str, FieldEntry]
    variables: dict[str, str]
    indicators: dict[str, IndicatorEntry]
    key_figures: tuple[str, ...]

    @field_validator("key_figures")
    @classmethod
    def _key_figures_exist(cls, value: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        dangling = [k for k in value if info.context is not None and k not in info.context["indicators"]]
        if dangling:
            raise ValueError(f"nennt unbekannte Indikatoren {dangling}")
        return value


def plain(parsed: File) -> dict:
    """What the memo keeps: the indicators' fields, selections and ``notable`` as dicts."""
    return {"indicators": {key: entry.fields() for key, entry in parsed.indicators.items()},
            "handlungsfelder": {k: f.model_dump() for k, f in parsed.handlungsfelder.items()},
            "variables": parsed.variables, "key_figures": parsed.key_figures}
