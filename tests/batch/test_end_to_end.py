"""The real set: `python -m helpers briefings --all` on the committed data and notebooks."""
from __future__ import annotations

import json
import re

import pytest

from helpers import kommunen

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("full_run")]
MAX_HTML_BYTES = 1.5 * 1024 * 1024


def _briefings(run_dir):
    """The briefing pages of a language folder: those made from a notebook of the run."""
    return sorted(p for p in run_dir.glob("*.html") if p.with_suffix(".ipynb").is_file())


def test_full_run_has_every_briefing(full_run):
    expected = {f"kommune_{r.ags}_{r.slug}.html" for r in kommunen.kommunen()}
    expected |= {f"kommune_{r.ags}_{r.slug}_kurz.html" for r in kommunen.kommunen()}
    expected |= {"kreis_uebersicht.html", "kommunen_vergleich.html"}
    assert {p.name for p in _briefings(full_run)} == expected
    record = json.loads((full_run / "run.json").read_text())
    assert record["status"] == "ok" and len(record["notebooks"]) == 68  # German and English
    index = (full_run / "index.html").read_text()
    for name in expected:
        assert f'href="{name}"' in index
    assert "://" not in re.sub(r"<style.*?</style>", "", index, flags=re.S)  # relative links only
    rows = re.findall(r'<tr><td><a href="kommune_\d{8}_[a-z-]+\.html">', index)
    assert len(rows) == 16 and re.search(r">\d{1,3}\.\d{3}</td>", index)  # German thousands separator
    assert "Stand der Daten: " in index and "erstellt am " in index


@pytest.mark.parametrize("check", ["no_code", "sources", "size",
                                   "offline_plotly"])
def test_every_briefing_is_clean(full_run, check):
    for page in _briefings(full_run):
        text = page.read_text(encoding="utf-8")
        if check == "no_code":
            assert "Traceback" not in text and "In&nbsp;[" not in text and "In [" not in text, page.name
            assert "Run All" not in text, page.name  # the JupyterLab how-to cell (tag lab-only) is dropped
            assert 'class="jp-InputArea' not in text and "jp-InputPrompt" not in text.split("</style>")[-1], page.name
        elif check == "sources":
            charts = [c.split("</figure>")[0] for c in text.split('<figure class="im-chart">')[1:]]
            source_line = '"name":"source_line","showarrow":false,"text":"Quelle'
            without = [i for i, chart in enumerate(charts) if source_line not in chart]
            assert not without, f"{page.name}: Grafik(en) {without} ohne Zeile 'Quelle: …'"
        elif check == "size":
            assert page.stat().st_size <= MAX_HTML_BYTES, page.name
        else:  # a page with charts loads the run's plotly.js, a page without (the short version) none
            loads = '<script src="plotly.min.js"></script>' in text
            assert loads == ("Plotly.newPlot" in text) and "cdn" not in text.lower(), page.name
            assert loads != page.stem.endswith("_kurz"), page.name
    assert (full_run / "plotly.min.js").stat().st_size > 1_000_000


def test_english_set_beside_the_german_one(full_run):
    """`briefings --all` also writes the 34 English briefings into en/, each lang="en", those with charts loading the
    run's one plotly.min.js, with their own index linked from the German one ("English version")."""
    german = {p.name for p in _briefings(full_run)}
    english = _briefings(full_run / "en")
    assert {p.name for p in english} == german and len(english) == 34
    for page in english:
        text = page.read_text(encoding="utf-8")
        assert re.search(r'<html[^>]* lang="en"', text), page.name
        assert ('<script src="../plotly.min.js"></script>' in text) != page.stem.endswith("_kurz"), page.name
    assert sorted(p.name for p in full_run.rglob("plotly.min.js")) == ["plotly.min.js"]  # one per run folder
    assert re.search(r'<a href="en/index.html"[^>]*>English version</a>', (full_run / "index.html").read_text())
    index = (full_run / "en" / "index.html").read_text()
    assert '<html lang="en">' in index and 'href="../index.html"' in index
    assert all(f'href="{name}"' in index for name in german)
    statement = (full_run / "barrierefreiheit.html").read_text()
    assert "Erklärung zur Barrierefreiheit" in statement and 'lang="de"' in statement
    assert 'href="barrierefreiheit.html"' in (full_run / "index.html").read_text()
