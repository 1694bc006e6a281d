"""The rules of ``catalogue/checks.yaml``, read and validated once: what :mod:`helpers.data.validation`
holds the raw inputs against, and the change factors of :mod:`helpers.data.plausibility`."""
from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Annotated

from pydantic import Field, model_validator

from helpers import catalogue
from helpers.paths import CATALOGUE_DIR


class _TotalWithParts(catalogue.Strict):
    table: catalogue.Text  # source-id prefix
    total: catalogue.Text
    parts: tuple[str, ...] = Field(min_length=1)
    includes_secret_parts: bool
    tolerance: int | float = Field(ge=0)


class _PartOfWhole(catalogue.Strict):
    part: catalogue.Text
    whole: catalogue.Text


class _KnownReason(catalogue.Strict):
    variables: tuple[str, ...] | None = None
    note_matches: str | None = None
    status: str | None = None
    tolerance: int | float = Field(ge=0)
    reason: catalogue.Text


class _SumToKreis(catalogue.Strict):
    units: tuple[str, ...]
    exact: tuple[str, ...]
    known_reasons: tuple[_KnownReason, ...] = ()


class _ChecksFile(catalogue.Strict):
    units: tuple[str, ...]
    variables: tuple[str, ...]
    reader_texts: dict[str, dict[str, str]]
    reader_texts_exempt: dict[str, tuple[str, ...]] = {}
    missing_markers: tuple[str, ...]
    secondary_families: tuple[str, ...]
    share_unit: catalogue.Text
    share_range: tuple[int | float, int | float]
    percent_not_share: tuple[str, ...] = ()
    totals_with_parts: tuple[_TotalWithParts, ...] = ()
    non_negative_units: tuple[str, ...]
    part_of_whole: tuple[_PartOfWhole, ...] = ()
    base_variables: tuple[str, ...]
    sum_to_kreis: _SumToKreis
    change_factors: dict[str, Annotated[float, Field(gt=1)]] = {}

    @model_validator(mode="after")
    def _factors_of_known_variables(self) -> _ChecksFile:
        if unknown := sorted(set(self.change_factors) - set(self.variables)):
            raise ValueError(f"change_factors nennt unbekannte Variable(n) {', '.join(unknown)} "
                             "(unter variables eintragen)")
        return self


CHECKS_FILE = CATALOGUE_DIR / "checks.yaml"


@cache
def checks(path: Path = CHECKS_FILE) -> dict:
    """catalogue/checks.yaml, validated (a misspelt rule key fails here, not as a KeyError mid-build)."""
    names = {"totals_with_parts": "Regel", "part_of_whole": "Regel"}
    return catalogue.load(Path(path), _ChecksFile, lambda loc: catalogue.location(loc, names))
