"""Fixtures shared across the test folders (add yours; never remove others')."""
import pytest

from helpers import geo
from helpers.paths import ROOT

SHARED_BOUNDARIES = ROOT.parent / "shared" / "geo" / "kreis_kleve_gemeinden.geojson"


@pytest.fixture
def geo_sandbox(monkeypatch, tmp_path):
    """An empty boundary cache and no boundary file configured: the fresh-machine, offline case."""
    monkeypatch.setenv(geo.CACHE_ENV, str(tmp_path / "geo-cache"))
    monkeypatch.delenv(geo.BOUNDARIES_ENV, raising=False)
    geo.reset()
    yield monkeypatch
    geo.reset()


@pytest.fixture
def shared_boundaries(geo_sandbox):
    """The VG250 extract in ../shared/geo standing in for the BKG download (skips when absent)."""
    if not SHARED_BOUNDARIES.is_file():
        pytest.skip(f"Testmaterial {SHARED_BOUNDARIES} fehlt")
    geo_sandbox.setenv(geo.BOUNDARIES_ENV, str(SHARED_BOUNDARIES))
    return SHARED_BOUNDARIES
