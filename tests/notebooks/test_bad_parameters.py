"""Parameters of the wrong *type*, as papermill's CLI produces them, stop kommune_profil at once
with a German message that names the problem and what is valid.

Why: `papermill -p` parses values YAML-style, so `-p kommune 3.5` arrives as a float,
`-p sprache 1` as an int and `-p stichtag 2023` as an int year. Misspelt names ('Klewe', 'fr')
are covered in tests/test_profile_notebook.py and tests/notebooks/test_kreis_vergleich.py;
these cover the types, through the real CLI a user types.
"""
from __future__ import annotations

import subprocess
import sys

import nbformat
import pytest

from helpers.paths import NOTEBOOKS_DIR

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("name, value, message", [
    ("kommune", "3.5", "Kommune muss als Name oder AGS angegeben werden, nicht als float (3.5)"),
    ("sprache", "1", "Unbekannte Sprache 1. Gültig sind: de, en"),
    ("stichtag", "2023", "Ungültiger Stichtag 2023: bitte im Format JJJJ-MM-TT"),
])
def test_wrong_type_from_papermill_cli_fails_clearly(tmp_path, name, value, message):
    out = tmp_path / "out.ipynb"
    done = subprocess.run(
        [sys.executable, "-m", "papermill", str(NOTEBOOKS_DIR / "kommune_profil.ipynb"), str(out),
         "-p", name, value, "--no-progress-bar"],
        capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert done.returncode != 0
    assert message in done.stderr, done.stderr[-2000:]
    # it stops in the first cell after the parameters, before any reader-visible output
    cells = nbformat.read(out, as_version=4).cells
    code = [c for c in cells if c.cell_type == "code"]
    injected = next(i for i, c in enumerate(code) if "injected-parameters" in c.metadata.get("tags", []))
    failing = [i for i, c in enumerate(code) if any(o.output_type == "error" for o in c.get("outputs", []))]
    assert failing == [injected + 1], f"error in code cell(s) {failing}, expected only {injected + 1}"
