"""The schema of ``catalogue/checks.yaml``, imported only to validate the file (``helpers.catalogue.load``;
see :func:`helpers.data.rules.checks`)."""
from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator

from helpers import catalogue


class TotalWithParts(catalogue.Strict):
    table: catalogue.Text  # source-id prefix
    total: catalogue.Text
    parts: tuple[str, ...] = Field(min_length=1)
    includes_secret_parts: bool
    tolerance: int | float = Field(ge=0)


class PartOfWhole(catalogue.Strict):
    part: catalogue.Text
    whole: catalogue.Text


class KnownReason(catalogue.Strict):
    variables: tuple[str, ...] | None = None
    note_matches: str | None = None
    status: str | None = None
    tolerance: int | float = Field(ge=0)
    reason: catalogue.Text


class SumToKreis(catalogue.Strict):
    units: tuple[str, ...]
    exact: tuple[str, ...]
    known_reasons: tuple[KnownReason, ...] = ()


class File(catalogue.Strict):
    units: tuple[str, ...]
    variables: tuple[str, ...]
    reader_texts: dict[str, dict[str, str]]
    reader_texts_exempt: dict[str, tuple[str, ...]] = {}
    missing_markers: tuple[str, ...]
    secondary_families: tuple[str, ...]
    share_unit: catalogue.Text
    share_range: tuple[int | float, int | float]
    percent_not_share: tuple[str, ...] = ()
    totals_with_parts: tuple[TotalWithParts, ...] = ()
    non_negative_units: tuple[str, ...]
    part_of_whole: tuple[PartOfWhole, ...] = ()
    base_variables: tuple[str, ...]
    sum_to_kreis: SumToKreis
    change_factors: dict[str, Annotated[float, Field(gt=1)]] = {}

    @model_validator(mode="after")
    def _factors_of_known_variables(self) -> File:
        if unknown := sorted(set(self.change_factors) - set(self.variables)):
            raise ValueError(f"change_factors nennt unbekannte Variable(n) {', '.join(unknown)} "
                             "(unter variables eintragen)")
        return self
