"""The researchers' explore notebook runs on the committed data, so it cannot rot unnoticed.

notebooks/explore/datenzugang.ipynb is outside nbval and the batch; this executes it once with
papermill in the project kernel and checks the five answers are there (a table of
observations, the catalogue, a chart, a citation line). Its run time is printed, not asserted:
speed goals belong in benchmarks/.
"""
from __future__ import annotations

import time

import nbformat
import papermill
import pytest

from helpers.paths import NOTEBOOKS_DIR

NOTEBOOK = NOTEBOOKS_DIR / "explore" / "datenzugang.ipynb"


@pytest.mark.slow
def test_datenzugang_runs(tmp_path):
    """Runs end to end with an odd spelling of a Kommune and shows all five answers."""
    started = time.monotonic()
    papermill.execute_notebook(str(NOTEBOOK), str(tmp_path / "out.ipynb"), kernel_name="integrationsmonitor",
                               cwd=str(tmp_path), progress_bar=False, parameters={"kommune": "Emmerich a. Rh."})
    seconds = time.monotonic() - started
    print(f"\nnotebooks/explore/datenzugang.ipynb: {seconds:.1f} s")
    executed = nbformat.read(tmp_path / "out.ipynb", as_version=4)
    outputs = [o for c in executed.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    mimes = {m for o in outputs for m in o.get("data", {})}
    assert "application/vnd.plotly.v1+json" in mimes  # the chart of step 4
    printed = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert "Datenlizenz" in printed or "Quelle" in printed  # step 5 cites
    assert sum("<table" in o.get("data", {}).get("text/html", "") for o in outputs) >= 4  # steps 1-3, 5


RESEARCH = NOTEBOOKS_DIR / "explore" / "nrw_forschungsfragen.ipynb"


@pytest.mark.parametrize("path", [NOTEBOOK, RESEARCH], ids=lambda p: p.name)
def test_explore_notebooks_use_the_public_api_only(path):
    """The explore notebooks import helpers.research and the chart builders, nothing internal (no store, no
    indicators, no briefing packages): what they show, a researcher can do from the README."""
    sources = [c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]
    imports = {line.strip() for source in sources for line in source.splitlines()
               if line.strip().startswith(("import ", "from "))}
    assert imports <= {"from helpers import research", "from helpers.presentation import charts",
                       "from helpers.presentation import charts, sources"}, imports
