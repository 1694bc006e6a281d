"""The earliest `stichtag` the batch accepts builds all three briefings; sections without data for that day
say so instead of failing (issue 15: a date without data for some sections gives a briefing that says so)."""
import nbformat
import papermill
import pytest

from helpers.briefings.context import stichtag_span
from helpers.data import store
from helpers.paths import NOTEBOOKS_DIR
from helpers.presentation import payloads

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def earliest():
    return stichtag_span(store.load("observations"))[0]


def _text(book) -> str:
    return "\n".join(str(value) for cell in book.cells for output in cell.get("outputs", [])
                     for value in [output.get("text", "")] + list(output.get("data", {}).values()))


@pytest.mark.parametrize("name, parameters", [
    ("kommune_profil", {"kommune": "Kleve"}), ("kreis_uebersicht", {}), ("kommunen_vergleich", {}),
])
def test_earliest_stichtag_builds_a_briefing_that_names_missing_figures(name, parameters, earliest, tmp_path):
    out = tmp_path / f"{name}.ipynb"
    papermill.execute_notebook(str(NOTEBOOKS_DIR / f"{name}.ipynb"), str(out),
                               parameters={**parameters, "stichtag": earliest}, kernel_name="integrationsmonitor",
                               cwd=str(NOTEBOOKS_DIR), progress_bar=False)
    book = nbformat.read(out, as_version=4)
    briefing = payloads.read(book, payloads.BRIEFING)
    assert briefing["stichtag"] <= earliest  # the overview names the newest day with data up to it
    assert "Traceback" not in _text(book)
    if name != "kreis_uebersicht":  # the overview tells a time series up to the day, it has no table of gaps
        assert "k. A." in _text(book)
