"""The rules of ``catalogue/checks.yaml``, read and validated once: what :mod:`helpers.data.validation`
holds the raw inputs against, and the change factors of :mod:`helpers.data.plausibility`."""
from __future__ import annotations

from functools import cache
from pathlib import Path

from helpers import catalogue
from helpers.paths import CATALOGUE_DIR

CHECKS_FILE = CATALOGUE_DIR / "checks.yaml"


@cache
def checks(path: Path = CHECKS_FILE) -> dict:
    """catalogue/checks.yaml, validated (a misspelt rule key fails here, not as a KeyError mid-build)."""
    names = {"totals_with_parts": "Regel", "part_of_whole": "Regel"}
    return catalogue.load(Path(path), "helpers.data.checks_schema", lambda loc: catalogue.location(loc, names))
