"""Fixtures shared across the test folders (add yours; never remove others')."""
import json
import os

import pytest

from helpers.data import geo
from tests.material import GEO, require

SHARED_BOUNDARIES = GEO / "nrw_gemeinden.geojson"


@pytest.fixture
def shown(monkeypatch):
    """What the briefing sections display, in order, as text: Markdown as written, a table or chart as
    its HTML (a chart's with the table "Zahlen zur Grafik"), a payload as JSON. The real display path,
    with IPython's ``display`` captured."""
    from helpers.briefings import document
    from helpers.presentation import charts, payloads, tables

    out: list[str] = []

    def capture(obj, raw=False):
        if isinstance(obj, dict):
            out.append(obj.get("text/html") or obj.get("text/plain") or json.dumps(obj, default=str))
        else:
            out.append(obj.data)

    for module in (document, tables, charts, payloads):
        monkeypatch.setattr(module, "display", capture)
    return out


@pytest.fixture
def geo_sandbox(monkeypatch, tmp_path):
    """An empty boundary cache and no boundary file configured: the fresh-machine, offline case."""
    monkeypatch.setenv(geo.CACHE_ENV, str(tmp_path / "geo-cache"))
    monkeypatch.delenv(geo.BOUNDARIES_ENV, raising=False)
    geo.reset()
    yield monkeypatch
    geo.reset()


@pytest.fixture
def no_boundaries(geo_sandbox, tmp_path):
    """Not even the shipped boundaries (a checkout without data/raw/geo): the schematic-map case."""
    geo_sandbox.setattr(geo, "SHIPPED", tmp_path / "no-shipped-boundaries.geojson")
    return geo_sandbox


@pytest.fixture
def shared_boundaries(geo_sandbox):
    """The VG250 extract in ../shared/geo standing in for the BKG download (skips locally when absent)."""
    geo_sandbox.setenv(geo.BOUNDARIES_ENV, str(require(SHARED_BOUNDARIES)))
    return SHARED_BOUNDARIES


@pytest.fixture(scope="session")
def full_run(tmp_path_factory):
    """A complete briefing run (`python -m helpers briefings --all`, real papermill + nbconvert,
    German and English) into a temporary folder, once per session; the Path of its run folder
    (``latest`` resolved)."""
    import subprocess
    import sys

    from helpers.run.batch import LATEST, product_notebooks

    missing = [p.name for p in product_notebooks() if not p.exists()]
    if missing:
        pytest.skip(f"Produkt-Notebooks fehlen noch: {', '.join(missing)}")
    out = tmp_path_factory.mktemp("briefings")
    # As on a fresh clone: an empty map cache and no boundary file configured (the shipped ones draw).
    env = {**os.environ, geo.CACHE_ENV: str(tmp_path_factory.mktemp("geo-cache"))}
    env.pop(geo.BOUNDARIES_ENV, None)
    done = subprocess.run([sys.executable, "-m", "helpers", "briefings", "--all", "--out", str(out)],
                          capture_output=True, text=True, timeout=2400, env=env)
    if done.returncode != 0:
        pytest.fail(f"briefings --all endete mit {done.returncode}:\n{done.stderr[-4000:]}")
    return (out / LATEST).resolve()
