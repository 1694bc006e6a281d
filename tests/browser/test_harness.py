"""The browser checks themselves can fail: small local pages, each breaking one protection.

Without these, a check that silently passes (a selector that matches nothing, a route that
blocks nothing) would make every briefing test green for the wrong reason.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import plotly
import pytest

from tests.browser import checks

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
CHART = """<div id="c1" class="plotly-graph-div" style="height:300px;width:500px"></div>
<script>Plotly.newPlot("c1", [{x:[2019,2020,2021], y:[1,3,2], type:"scatter"}], {title:{text:"Test"}});</script>"""


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """A tiny offline 'report folder' with plotly.js shipped once, like the real briefings."""
    folder = tmp_path_factory.mktemp("site")
    shutil.copy(PLOTLY_JS, folder / "plotly.min.js")
    return folder


def _write(site: Path, name: str, body: str, head: str = '<script src="plotly.min.js"></script>') -> str:
    path = site / name
    path.write_text(f"<!doctype html><html lang='de'><head><meta charset='utf-8'><title>{name}</title>{head}</head>"
                    f"<body>{body}</body></html>", encoding="utf-8")
    return path.as_uri()


def test_good_page_passes_every_check(open_page, site):
    """The baseline: a local chart, German numbers, nothing visible that should not be."""
    watched = open_page()
    watched.page.goto(_write(site, "good.html", CHART + "<table id='k'><tr><td>41.655</td><td>17,3\u00a0%</td>"
                                                        "<td>\u22121.204</td><td>31.12.2023</td></tr></table>"))
    checks.wait_for_charts(watched.page)
    assert checks.chart_problems(watched.page) == []
    assert checks.visible_code_problems(watched.page) == []
    assert checks.german_number_problems(checks.number_cells(watched.page, "#k")) == []
    assert 1 <= checks.pdf_page_count(watched.page.pdf(format="A4")) <= 2
    watched.assert_clean()


def test_cdn_dependency_is_blocked_and_reported(open_page, site):
    """A page that fetches plotly.js from a CDN must fail: request blocked, chart not drawn."""
    watched = open_page()
    watched.page.goto(_write(site, "cdn.html", CHART, head='<script src="https://cdn.plot.ly/plotly-2.35.2.min.js"></script>'))
    checks.wait_for_charts(watched.page, timeout_ms=1500)
    assert any("cdn.plot.ly" in url for url in watched.blocked)
    assert watched.page_errors, "the missing Plotly global must raise a page error"
    assert checks.chart_problems(watched.page), "a chart that never drew must be reported"
    with pytest.raises(AssertionError):
        watched.assert_clean()


def test_chart_without_data_is_reported(open_page, site):
    """An empty figure (axes only) or a plotly div that never drew is not a rendered chart."""
    watched = open_page()
    watched.page.goto(_write(site, "empty.html",
                             '<div id="e" style="height:300px;width:500px"></div>'
                             '<script>Plotly.newPlot("e", [], {});</script>'
                             '<div class="js-plotly-plot" style="height:300px"></div>'))
    checks.wait_for_charts(watched.page, timeout_ms=1500)
    problems = checks.chart_problems(watched.page)
    assert any("no data drawn" in p for p in problems)
    assert any("no svg.main-svg" in p for p in problems)


def test_visible_traceback_and_code_are_reported(open_page, site):
    """A leaked input cell or traceback must be reported, not read past."""
    watched = open_page()
    watched.page.goto(_write(site, "code.html", "<div class='jp-InputArea'>x = 1</div>"
                                                "<pre>Traceback (most recent call last):\n  NameError</pre>"))
    problems = checks.visible_code_problems(watched.page)
    assert any("Traceback" in p for p in problems)
    assert any("code/prompt element" in p for p in problems)


def test_console_errors_are_recorded(open_page, site):
    """A script error logged to the console is collected for the page checks."""
    watched = open_page()
    watched.page.goto(_write(site, "console.html", "<script>console.error('kaputt')</script>", head=""))
    assert watched.console_errors == ["kaputt"]


@pytest.mark.parametrize("cell", ["41,655", "17,3%", "17.3 %", "1234567"])
def test_english_or_raw_numbers_are_reported(cell):
    """English separators, a missing space before % and unformatted big numbers are caught."""
    assert checks.german_number_problems([cell])


@pytest.mark.parametrize("cell", ["41.655", "17,3\u00a0%", "\u22121.204", "+3,2\u00a0%", "0,8", "2023", "k. A."])
def test_german_numbers_pass(cell):
    """helpers.fmt output, signed changes, years and the missing-value word pass."""
    assert checks.german_number_problems([cell]) == []


def _figure_page(site, name, fig, table=None):
    from helpers.presentation import charts

    return _write(site, name, charts.figure_bundle(fig, table)["text/html"])


def test_overlap_check_catches_a_legend_on_the_source_line(open_page, site):
    """A legend and a source line on top of each other (as in the Weeze population chart) are reported; the
    house style with the legend rows counted keeps them apart."""
    import plotly.graph_objects as go

    from helpers.presentation import charts

    traces = [go.Scatter(x=[2019, 2020], y=[i, i + 1], name=f"Fortschreibung auf Basis Zensus {i} (lang)")
              for i in range(6)]
    fig = charts.style(go.Figure(traces), title="Test", source_line="Quelle: IT.NRW, Test")
    watched = open_page()
    watched.page.goto(_figure_page(site, "clear.html", fig))
    checks.wait_for_charts(watched.page)
    assert checks.overlap_problems(watched.page) == []
    # the source line raised onto the legend's first row (which starts AXIS_PX under the plot), at any width
    fig.update_annotations(selector=dict(name="source_line"), yshift=-(charts.AXIS_PX + 8))
    watched.page.goto(_figure_page(site, "overlap.html", fig))
    checks.wait_for_charts(watched.page)
    assert any("legend overlaps annotation" in p for p in checks.overlap_problems(watched.page))


def test_chart_name_and_axe_checks_catch_a_bare_chart(open_page, site):
    """A plotly div without role/aria-label, and an image without alt text, are reported."""
    import pandas as pd
    import plotly.graph_objects as go

    from helpers.presentation import charts

    fig = charts.style(go.Figure(go.Bar(x=["a", "b"], y=[1, 2])), title="Test", source_line="Quelle: Test")
    watched = open_page()
    watched.page.goto(_figure_page(site, "named.html", fig, pd.DataFrame({"a": [1]})))
    checks.wait_for_charts(watched.page)
    assert checks.chart_name_problems(watched.page) == []
    assert checks.axe_violations(watched.page) == []
    watched.page.goto(_write(site, "bare.html", CHART + '<img src="x.png">'))
    checks.wait_for_charts(watched.page)
    assert checks.chart_name_problems(watched.page) == ["Test: no accessible name (role=\"img\" + aria-label)"]
    assert any(v.startswith("image-alt") for v in checks.axe_violations(watched.page))


def test_map_check_catches_the_schematic_map(open_page, site, no_boundaries):
    from helpers.presentation import charts, maps

    watched = open_page()
    watched.page.goto(_write(site, "schematic.html", charts.figure_bundle(maps.locator("Kleve"))["text/html"]))
    checks.wait_for_charts(watched.page)
    problems = checks.map_problems(watched.page, expect_at_least=1)
    assert any("instead of 16" in p for p in problems) and any("no BKG attribution" in p for p in problems)
