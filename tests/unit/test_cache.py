"""The reuse key of a briefing: what it is made with, beyond notebook, parameters and data."""
from __future__ import annotations

import pytest

from helpers.paths import NOTEBOOKS_DIR
from helpers.run import cache, plan


@pytest.mark.parametrize("package", ["python", "plotly", "pandas", "papermill", "nbconvert", "nbformat"])
def test_another_python_or_library_version_makes_a_briefing_anew(monkeypatch, package):
    job = plan.plan()[0]
    before = cache.input_hash(job, NOTEBOOKS_DIR, "data", "code")
    installed = cache.package_versions()
    assert package in installed
    monkeypatch.setattr(cache, "package_versions", lambda: {**installed, package: "0.0.0"})
    assert cache.input_hash(job, NOTEBOOKS_DIR, "data", "code") != before


def test_a_new_epoch_makes_every_briefing_anew(monkeypatch):
    job = plan.plan()[0]
    before = cache.input_hash(job, NOTEBOOKS_DIR, "data", "code")
    monkeypatch.setattr(cache, "REUSE_EPOCH", cache.REUSE_EPOCH + 1)
    assert cache.input_hash(job, NOTEBOOKS_DIR, "data", "code") != before
