"""Papermill runs of the Kreisübersicht and the Kommunenvergleich on the committed data."""
import nbformat
import papermill
import pytest

from helpers.paths import NOTEBOOKS_DIR
from helpers.presentation import payloads

NOTEBOOKS = ("kreis_uebersicht", "kommunen_vergleich")


def _run(name, tmp_path, **parameters):
    out = tmp_path / f"{name}.ipynb"
    papermill.execute_notebook(str(NOTEBOOKS_DIR / f"{name}.ipynb"), str(out), parameters=parameters,
                               kernel_name="integrationsmonitor", cwd=str(NOTEBOOKS_DIR), progress_bar=False)
    return nbformat.read(out, as_version=4)


# the newest date each briefing shows: the overview's 'Wo steht' has the school list of 15.10.2025 (Sozialindex
# 2025/26); the comparison's newest figures are those of 31.12.2024
NEWEST_SHOWN = {"kreis_uebersicht": "2025-10-15", "kommunen_vergleich": "2024-12-31"}


@pytest.mark.slow
@pytest.mark.parametrize("name", NOTEBOOKS)
def test_runs_in_german_and_emits_one_briefing(name, tmp_path):
    book = _run(name, tmp_path, sprache="de")
    briefing = payloads.read(book, payloads.BRIEFING)
    assert briefing["kind"] == name and briefing["ags"] == "05154" and briefing["sprache"] == "de"
    assert briefing["source_ids"] and briefing["stichtag"] == NEWEST_SHOWN[name]
    emitted = sum(payloads.BRIEFING in o.get("data", {}) for c in book.cells for o in c.get("outputs", []))
    assert emitted == 1


@pytest.mark.slow
@pytest.mark.parametrize("name", NOTEBOOKS)
def test_unknown_language_fails_clearly(name, tmp_path):
    with pytest.raises(papermill.PapermillExecutionError, match="Unbekannte Sprache 'fr'"):
        _run(name, tmp_path, sprache="fr")


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_is_thin(name):
    """Parameters first (one assignment per line), then one code cell per section (at most 14: the overview has
    12 sections since 'Wo steht' and the goals) of 1–3 lines, no logic, German first cell."""
    book = nbformat.read(NOTEBOOKS_DIR / f"{name}.ipynb", as_version=4)
    code = [c for c in book.cells if c.cell_type == "code"]
    assert book.cells[0].cell_type == "markdown" and "Kreis Kleve" in book.cells[0].source
    assert "parameters" in code[0].metadata.get("tags", []) and len(code) <= 14
    assert book.metadata.kernelspec.name == "integrationsmonitor"
    assert all(" = " in line for line in code[0].source.splitlines())
    for cell in code[1:]:
        lines = [line for line in cell.source.splitlines() if line.strip() and not line.startswith("# NBVAL")]
        assert len(lines) <= 3, cell.source
        assert not any(line.lstrip().startswith(("def ", "for ", "try:", "class ", "while ")) for line in lines)


@pytest.mark.slow
@pytest.mark.parametrize("name", NOTEBOOKS)
def test_another_kreis_by_its_key(name, tmp_path):
    """The batch passes ``kreis=<AGS>``: the briefing is that Kreis's, and never says Kreis Kleve."""
    book = _run(name, tmp_path, kreis="05170")
    briefing = payloads.read(book, payloads.BRIEFING)
    assert briefing["region"] == "Kreis Wesel" and briefing["ags"] == "05170"
    assert "Wesel" in briefing["title"] and "Kleve" not in briefing["title"]
    text = [o["data"]["text/markdown"] for c in book.cells for o in c.get("outputs", [])
            if "text/markdown" in o.get("data", {})]
    assert not any("Kreis Kleve" in x for x in text)
