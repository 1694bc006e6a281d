"""The Kommunenprofil notebook as papermill and nbval run it: values, clear failures, regression guard."""
from __future__ import annotations

import shutil
import subprocess
import sys

import nbformat
import papermill
import pytest

from helpers.paths import NOTEBOOKS_DIR, ROOT
from helpers.presentation import payloads
from tests import expected

NOTEBOOK = NOTEBOOKS_DIR / "kommune_profil.ipynb"
CHECK_MARK = "# NBVAL_CHECK_OUTPUT"


def _run(tmp_path, **parameters):
    out = tmp_path / "profil.ipynb"
    papermill.execute_notebook(str(NOTEBOOK), str(out), parameters=parameters, kernel_name="integrationsmonitor",
                               cwd=str(NOTEBOOKS_DIR), progress_bar=False)
    return nbformat.read(out, as_version=4)


@pytest.mark.slow
@pytest.mark.parametrize("kommune, name, ags", [("Goch", "Goch", "05154016"),
                                                (5154008, "Emmerich am Rhein", "05154008")])
def test_key_figures_payload_equals_the_raw_data(tmp_path, kommune, name, ags):
    """The payload's key figures are the published cells of the raw files (read here as plain CSV)."""
    book = _run(tmp_path, kommune=kommune)
    figures = payloads.read(book, payloads.KEY_FIGURES)
    assert figures["ags"] == ags and figures["figures"][0]["id"] == "population"
    values = {f["id"]: f["value"] for f in figures["figures"]}
    raw = expected.published(ags)
    for key, (origin, _format) in expected.PUBLISHED_KEY_FIGURES.items():
        assert values[key] == raw[origin], key
    briefing = payloads.read(book, payloads.BRIEFING)
    assert briefing["region"] == name and briefing["ags"] == ags
    emitted = sum(payloads.BRIEFING in o.get("data", {}) for c in book.cells for o in c.get("outputs", []))
    assert emitted == 1


@pytest.mark.slow
@pytest.mark.parametrize("parameters, message", [
    ({"kommune": "Klewe"}, "Unbekannte Kommune 'Klewe'. Meinten Sie 'Kleve'"),
    ({"sprache": "fr"}, "Unbekannte Sprache 'fr'"),
])
def test_wrong_parameter_stops_the_notebook_clearly(tmp_path, parameters, message):
    with pytest.raises(papermill.PapermillExecutionError, match=message):
        _run(tmp_path, **parameters)


def _nbval(path):
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "helpers",  # as pyproject's addopts
         "--nbval-lax", "--nbval-current-env", "--nbval-sanitize-with", str(ROOT / "tests" / "nbval_sanitize.cfg"),
         str(path)],
        capture_output=True, text=True, cwd=path.parent, timeout=600)


@pytest.mark.slow
def test_nbval_catches_a_changed_key_figure(tmp_path):
    """The committed outputs pass nbval, and the same notebook with one key figure altered fails."""
    intact = tmp_path / "intact" / NOTEBOOK.name
    intact.parent.mkdir()
    shutil.copy(NOTEBOOK, intact)
    assert _nbval(intact).returncode == 0

    book = nbformat.read(NOTEBOOK, as_version=4)
    cell = next(c for c in book.cells if c.cell_type == "code" and c.source.startswith(CHECK_MARK))
    table = next(o for o in cell.outputs if "text/html" in o.get("data", {}))
    population = expected.published("05154036")[expected.PUBLISHED_KEY_FIGURES["population"][0]]  # Kleve, 12411-15i
    printed = f"{population:,.0f}".replace(",", ".")
    assert printed in table["data"]["text/html"]
    table["data"]["text/html"] = table["data"]["text/html"].replace(printed, printed[:-1] + "9", 1)
    altered = tmp_path / "altered" / NOTEBOOK.name
    altered.parent.mkdir()
    nbformat.write(book, altered)
    result = _nbval(altered)
    assert result.returncode != 0, result.stdout[-2000:]


def test_notebook_is_thin():
    """Parameters first, at most 12 code cells of 1–3 lines, no def/for/try, no paths."""
    book = nbformat.read(NOTEBOOK, as_version=4)
    code = [c for c in book.cells if c.cell_type == "code"]
    assert "parameters" in code[0].metadata.get("tags", []) and len(code) <= 12
    # nbval compares the two tables of figures ('Wo steht' and the key figures), nothing drawn
    assert [c.source.splitlines()[-1] for c in code if CHECK_MARK in c.source] == ["b.wo_steht(ctx)",
                                                                                   "b.key_figures(ctx)"]
    for cell in code:
        lines = [line for line in cell.source.splitlines() if line.strip() and not line.startswith("# NBVAL")]
        assert len(lines) <= 3, cell.source
        assert not any(word in cell.source for word in ("def ", "for ", "try:", "/", "open("))
