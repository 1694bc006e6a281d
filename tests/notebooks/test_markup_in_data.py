"""Markup in data texts stays text: a source title with HTML and Markdown syntax, through a real Kreisübersicht.

The raw copy's source title reaches the citations under the statements; before, its ``<h2>`` became a heading
(and entered the table of contents), its ``<div>`` and ``**…**`` live markup.
"""
import csv
import os
import shutil
import subprocess
import sys

import pytest
from bs4 import BeautifulSoup

from helpers.paths import NOTEBOOKS_DIR, RAW_DIR
from tests.data.conftest import rehash

VECTOR = ('Ausländer <a href="javascript:alert(1)">Link</a> <h2 id="evil-heading">Böse Überschrift</h2> '
          '<div class="evil-div">Kasten</div> **fett** [Verweis](javascript:alert(2)) # Kopf')
SOURCE = "RP2024_AUSL"  # a press report the overview cites under its statements (the AZR now from 12521-03i)

RUN = """
import datetime, sys
from pathlib import Path
import nbformat, papermill
from helpers.run import export
from helpers.paths import NOTEBOOKS_DIR
out = Path(sys.argv[1])
papermill.execute_notebook(str(NOTEBOOKS_DIR / "kreis_uebersicht.ipynb"), str(out.with_suffix(".ipynb")),
                           kernel_name="integrationsmonitor", cwd=str(NOTEBOOKS_DIR), progress_bar=False)
export.export_html(nbformat.read(out.with_suffix(".ipynb"), as_version=4), out, created=datetime.datetime(2026, 1, 1),
                   version="Test")
"""


def _with_title(raw, source_id, title):
    path = raw / "snapshot" / "sources.csv"
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    [row] = [r for r in rows if r[0] == source_id]
    row[2] = title
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    rehash(raw, "snapshot/sources.csv")


@pytest.mark.slow
def test_source_title_with_markup_is_text_in_the_kreisuebersicht(tmp_path):
    root = tmp_path / "root"
    shutil.copytree(RAW_DIR, root / "data" / "raw")
    (root / "notebooks").mkdir()
    shutil.copy(NOTEBOOKS_DIR / "kreis_uebersicht.ipynb", root / "notebooks")
    _with_title(root / "data" / "raw", SOURCE, VECTOR)
    out = tmp_path / "kreis_uebersicht.html"
    subprocess.run([sys.executable, "-c", RUN, str(out)], check=True, timeout=600,
                   env={**os.environ, "INTEGRATIONSMONITOR_ROOT": str(root)})
    soup = BeautifulSoup(out.read_text(encoding="utf-8"), "html.parser")
    main = soup.find("main")
    assert "Böse Überschrift" in main.get_text() and "<h2" in main.get_text()  # cited, and visible as text
    assert soup.find(id="evil-heading") is None and not soup.select("div.evil-div")
    assert not soup.select('a[href^="javascript"]') and not [a for a in main.find_all("a") if a.get_text() == "Verweis"]
    assert not [s for s in main.find_all(["strong", "b"]) if s.get_text() == "fett"]
    assert not [h for h in main.find_all(["h1", "h2", "h3"]) if "Kopf" in h.get_text() or "Böse" in h.get_text()]
    assert "Böse" not in soup.find("nav", class_="im-toc").get_text()
