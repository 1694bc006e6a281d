"""Text from data (names, notes, source titles) is shown as text, never run as HTML or script.

Why: notes and titles come from official tables, press articles and letters copied into
data/raw; one stray ``<`` or a ``</script>`` inside a chart's JSON would break the page or run
code in a committee member's browser. Each vector is loaded in Chromium and must neither
execute (``window.__pwned`` stays unset, no dialog) nor create elements.
"""
from __future__ import annotations

import shutil

import pandas as pd
import plotly.graph_objects as go
import pytest

from helpers.presentation import charts
from tests.browser import checks
from tests.browser.test_harness import PLOTLY_JS

pytestmark = [pytest.mark.browser, pytest.mark.slow]

VECTORS = [
    "</script><script>window.__pwned = 'script'</script>",
    "<img src=x onerror=\"window.__pwned = 'img'\">",
    "<b id='injected'>fett</b> & Co.",
]


def _page_with(open_page, folder, body: str):
    shutil.copy(PLOTLY_JS, folder / "plotly.min.js")
    path = folder / "page.html"
    path.write_text("<!doctype html><html><head><meta charset='utf-8'><title>t</title>"
                    f"<script src='plotly.min.js'></script></head><body>{body}</body></html>", encoding="utf-8")
    watched = open_page()
    dialogs = []
    watched.page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    watched.page.goto(path.as_uri())
    checks.wait_for_charts(watched.page)
    return watched, dialogs


def _assert_inert(watched, dialogs):
    page = watched.page
    assert page.evaluate("() => window.__pwned") is None, "injected script ran"
    assert dialogs == []
    assert page.locator("#injected").count() == 0, "injected markup became an element"


@pytest.mark.parametrize("vector", VECTORS)
def test_chart_bundle_escapes_data_text(open_page, tmp_path, vector):
    """Title, axis, trace name, hover text, source line and the chart's table cells carry the vector."""
    fig = go.Figure(go.Bar(x=["Kleve", vector], y=[1, 2], name=vector, hovertext=[vector, vector]))
    charts.style(fig, title=f"Titel {vector}", source_line=f"Quelle: {vector}", y_title=vector, x_title=vector)
    table = pd.DataFrame({"Kommune": ["Kleve", vector], "Hinweis": [vector, "ok"]})
    bundle = charts.figure_bundle(fig, table)
    watched, dialogs = _page_with(open_page, tmp_path, bundle["text/html"])
    _assert_inert(watched, dialogs)
    assert checks.chart_problems(watched.page) == []  # the chart still draws
    text = watched.page.inner_text("body")
    assert "fett" in text or "__pwned" in text  # the vector is visible as text, not swallowed
    watched.assert_clean()


def test_quotes_in_chart_titles_read_as_quotes(open_page, tmp_path):
    """A straight quote in a title (e.g. a quoted programme name) must read as a quote, not '&quot;'."""
    fig = charts.style(go.Figure(go.Bar(x=["a"], y=[1])), title='Programm "KOMM-AN"', source_line="Quelle: 'X'")
    watched, _ = _page_with(open_page, tmp_path, charts.figure_bundle(fig)["text/html"])
    text = watched.page.inner_text("body")
    assert 'Programm "KOMM-AN"' in text and "Quelle: 'X'" in text, text


def test_unescaped_markup_would_be_caught(open_page, tmp_path):
    """Control: the same vectors pasted raw do execute/create elements, so the checks above can fail."""
    watched, dialogs = _page_with(open_page, tmp_path, "".join(VECTORS))
    with pytest.raises(AssertionError):
        _assert_inert(watched, dialogs)
