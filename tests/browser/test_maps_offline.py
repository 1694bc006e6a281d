"""Maps draw in a real browser with the network blocked, with and without boundaries.

The counter-proof shows why helpers.presentation.maps avoids plotly geo traces: a go.Choropleth that brings
its own GeoJSON still asks a CDN for a world topojson, which offline means a failed request.
"""
from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import plotly
import plotly.graph_objects as go
import plotly.io as pio
import pytest

from helpers.data import geo
from helpers.kommunen import kommunen
from helpers.presentation import charts, maps
from tests.browser import checks

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def page_with(open_page, tmp_path):
    """Factory: a local page showing one figure as the briefing does (plotly.js shipped alongside)."""
    shutil.copy(plotly.__path__[0] + "/package_data/plotly.min.js", tmp_path / "plotly.min.js")

    def _show(fig, name):
        body = charts.figure_bundle(fig)["text/html"] if charts.source_line_of(fig) else pio.to_html(
            fig, include_plotlyjs=False, full_html=False)
        path = tmp_path / f"{name}.html"
        path.write_text(f'<!doctype html><html lang="de"><head><meta charset="utf-8">'
                        f'<script src="plotly.min.js"></script></head><body>{body}</body></html>', encoding="utf-8")
        watched = open_page(viewport=(900, 700))
        watched.page.goto(path.as_uri())
        checks.wait_for_charts(watched.page, timeout_ms=5000)
        return watched

    return _show


def _values():
    values = pd.Series(np.linspace(4.0, 19.0, 16), index=[r.ags for r in kommunen()])
    values.iloc[3] = np.nan
    return values


@pytest.mark.parametrize("boundaries", ["shared", "shipped", "fallback"])
def test_maps_render_offline(boundaries, request, page_with, geo_sandbox, screenshot_dir):
    fixtures = {"shared": "shared_boundaries", "shipped": "geo_sandbox", "fallback": "no_boundaries"}
    request.getfixturevalue(fixtures[boundaries])
    for name, fig in (("choropleth", maps.choropleth(_values(), title="Anteil", source_line="Quelle: Test")),
                      ("locator", maps.locator("Kleve"))):
        watched = page_with(fig, name)
        assert checks.chart_problems(watched.page) == []
        watched.assert_clean()
        watched.page.screenshot(path=screenshot_dir / f"map_{name}_{boundaries}.png")
        fills = watched.page.locator(".js-plotly-plot .scatterlayer .js-fill").count()
        assert fills >= (0 if boundaries == "fallback" else 16)
        if boundaries == "shipped":  # a fresh machine: real boundaries with the BKG attribution
            assert checks.map_problems(watched.page, expect_at_least=1) == []


def test_a_kreis_outside_kleve_renders_offline_with_its_boundaries(page_with, geo_sandbox, screenshot_dir):
    """The shipped boundaries of all NRW: Kreis Wesel's 13 Kommunen and Moers' locator, with the BKG attribution."""
    wesel = pd.Series(np.linspace(3.0, 15.0, 13), index=[r.ags for r in kommunen("05170")])
    for name, fig in (("choropleth", maps.choropleth(wesel, title="Anteil", source_line="Quelle: Test")),
                      ("locator", maps.locator("Moers"))):
        watched = page_with(fig, f"wesel_{name}")
        assert checks.chart_problems(watched.page) == []
        watched.assert_clean()
        assert checks.map_problems(watched.page, expect_at_least=1, areas=13) == []
        assert watched.page.locator(".js-plotly-plot .scatterlayer .js-fill").count() == 13
        watched.page.screenshot(path=screenshot_dir / f"map_{name}_kreis_wesel.png")


def test_hover_on_an_area_names_the_kommune_and_value(page_with, shared_boundaries):
    watched = page_with(maps.choropleth(_values(), title="Anteil", source_line="Quelle: Test"), "hover")
    # Kevelaer's area, well inside it: from the polygon itself, via plotly's own axis mapping.
    point = geo.boundaries().set_index("ags").geometry["05154032"].representative_point()
    x, y = watched.page.evaluate(
        "([lon, lat]) => { const plot = document.querySelector('.js-plotly-plot'), l = plot._fullLayout,"
        " r = plot.getBoundingClientRect();"
        " return [r.left + l.xaxis._offset + l.xaxis.l2p(lon), r.top + l.yaxis._offset + l.yaxis.l2p(lat)]; }",
        [point.x, point.y])
    watched.page.mouse.move(x, y)
    watched.page.wait_for_selector(".hoverlayer .hovertext", timeout=3000)
    hover = watched.page.locator(".hoverlayer").text_content()
    assert "Kevelaer" in hover and "11,0\u00a0%" in hover


def test_counter_proof_geo_choropleth_asks_a_cdn(page_with, shared_boundaries):
    shapes = geo.boundaries()
    fig = go.Figure(go.Choropleth(geojson=shapes.__geo_interface__, locations=shapes["ags"], z=np.arange(16),
                                  featureidkey="properties.ags"))
    fig.update_geos(fitbounds="locations", visible=False)
    watched = page_with(fig, "geo")
    watched.page.wait_for_timeout(500)
    assert any("topojson" in url or "cdn.plot.ly" in url for url in watched.blocked), watched.blocked
