"""Toy product notebooks for the batch tests: small, fast, and shaped like the real ones
(parameters cell, BRIEFING/KEY_FIGURES payloads, a plotly chart through helpers.presentation.charts.show)."""
from __future__ import annotations

from pathlib import Path

import nbformat
import yaml

from helpers.paths import DATA_DIR, NOTEBOOKS_DIR, read_yaml
from helpers.run.plan import RUN_TABLE

KERNELSPEC = {"name": "integrationsmonitor", "display_name": "Integrationsmonitor (.venv)", "language": "python"}

CHART = """import plotly.graph_objects as go
from helpers.presentation import charts
charts.show(charts.style(go.Figure(go.Bar(x=["a", "b"], y=[1, 2])), title=TITLE,
                         source_line="Quelle: Testamt, Tabelle 1; dl-de/by-2-0"))"""

# A profile emits the real KEY_FIGURES payload (the figures of the processed data that index.html shows);
# the Kreis briefings emit none, as index.html reads the profiles' figures only.
PAYLOADS = """from helpers import kommunen
from helpers.presentation import payloads
region = kommunen.region(kommune) if kommune else kommunen.kreis()
payloads.emit(payloads.BRIEFING, {"kind": KIND, "title": TITLE, "region": region.name, "ags": region.ags,
    "stichtag": stichtag or "2023-12-31", "sprache": sprache, "source_ids": ["DESTATIS_GV_2019"], "data_notes": NOTES})
if kommune:
    from helpers.briefings import kommune_profil
    kommune_profil.sections.key_figures_payload(kommune_profil.setup(region.ags)).emit()"""


def notebook(path: Path, *cells: str, parameters: str = 'kommune = None\nstichtag = None\nsprache = "de"',
             markdown: str = "## Überblick\n\nText.") -> Path:
    """Write a notebook: tagged parameters cell, a markdown heading, then ``cells`` as code."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    params = nbformat.v4.new_code_cell(parameters)
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_markdown_cell(markdown)] + [nbformat.v4.new_code_cell(c) for c in cells]
    nbformat.write(nb, path)
    return path


def briefing_cells(kind: str, title: str = "Testbriefing", notes: str = "[]") -> tuple[str, ...]:
    head = f"KIND = {kind!r}\nTITLE = {title!r}\nNOTES = {notes}"
    return head, PAYLOADS, CHART


TOYS = ("kreis_uebersicht", "kommunen_vergleich", "kommune_profil")


def toy_run_table(notebooks: Path) -> None:
    """The real run table's rows of the toy notebooks (not the short version, which has no toy)."""
    rows = [row for row in read_yaml(NOTEBOOKS_DIR / RUN_TABLE) if row["notebook"] in {f"{n}.ipynb" for n in TOYS}]
    (notebooks / RUN_TABLE).write_text(yaml.safe_dump(rows, sort_keys=False), encoding="utf-8")


def product_root(root: Path, *, fail: str | None = None) -> Path:
    """A project root (INTEGRATIONSMONITOR_ROOT) with the real run table's rows of the toy notebooks (overview,
    comparison, profile: 18 per Kreis Kleve run, not the 34 with the short versions), toy notebooks and raw data.

    ``fail`` names a notebook whose last cell raises.
    """
    notebooks = root / "notebooks"
    notebooks.mkdir(parents=True)
    toy_run_table(notebooks)
    for name in TOYS:  # each notebook's name is its kind
        cells = briefing_cells(name)
        if name == "kommune_profil":  # IM_TEST_SLEEP: a run slow enough to be interrupted midway
            cells += ("import os, time\ntime.sleep(float(os.environ.get('IM_TEST_SLEEP', '0')))",)
        if fail == name:
            cells += ("raise RuntimeError('absichtlicher Testfehler')",)
        notebook(notebooks / f"{name}.ipynb", *cells)
    (root / "data").symlink_to(DATA_DIR, target_is_directory=True)  # read-only use of the real data
    return root
