"""Test material from ``../shared`` beside the repository (never copied into it).

Why one place: a test that needs real official exports or boundaries may skip on a developer
machine without ``../shared`` (with a reason), but on CI (``CI`` set, as in ``.ci/run``) a missing
file is a failure — a skip there would be a green build that proved nothing.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from helpers.paths import ROOT

SHARED = ROOT.parent / "shared"
SAMPLES = SHARED / "genesis-samples"
FOUND = SHARED / "genesis-found"
GEO = SHARED / "geo"
CASSETTES = SHARED / "pystatis-cassettes"


def require(path: Path) -> Path:
    """``path`` if it exists; else skip locally with a reason, fail on CI."""
    if path.exists():
        return path
    message = f"Testmaterial {path} fehlt (../shared neben dem Repository nicht vorhanden)"
    if os.environ.get("CI"):
        pytest.fail(f"CI: test material must be present, but {message}", pytrace=False)
    pytest.skip(message)


def value_of(rows, ags: str, **where) -> tuple[float, str]:
    """(value, flag) of the one row of a reader's extract for ``ags`` and the column values ``where``."""
    hit = rows[rows["ags"] == ags]
    for column, wanted in where.items():
        hit = hit[hit[column] == wanted]
    assert len(hit) == 1, hit
    return hit["value"].iloc[0], hit["flag"].iloc[0]
