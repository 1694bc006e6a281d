"""A briefing loads plotly.js only when it draws a chart: the short version has none, and 3.6 MB of script
would only delay opening and printing it."""
import datetime as dt

import nbformat
import plotly.graph_objects as go

from helpers.presentation import charts
from helpers.run import export

SCRIPT = '<script src="plotly.min.js"></script>'


def _page(tmp_path, outputs: list) -> str:
    cell = nbformat.v4.new_code_cell("")
    cell.outputs = outputs
    target = tmp_path / "page.html"
    export.export_html(nbformat.v4.new_notebook(cells=[cell]), target, created=dt.datetime(2026, 1, 1, 6, 15),
                       version="Test")
    return target.read_text(encoding="utf-8")


def test_a_page_with_a_chart_loads_plotly_js_once(tmp_path):
    fig = charts.style(go.Figure(go.Bar(x=["a", "b"], y=[1, 2])), title="Test",
                       source_line="Quelle: Testamt, Tabelle 1; dl-de/by-2-0")
    page = _page(tmp_path, [nbformat.v4.new_output("display_data", data=charts.figure_bundle(fig))])
    assert page.count(SCRIPT) == 1 and export.CHART_CALL in page


def test_a_page_without_a_chart_loads_no_script(tmp_path):
    page = _page(tmp_path, [nbformat.v4.new_output("display_data", data={"text/markdown": "## Kurz\\n\\nText."})])
    assert "plotly.min.js" not in page and "<script" not in page
