"""One plotly look for every chart: title, units, source line, colour-blind-safe palette, German numbers.

Charts are shown with :func:`show`, which emits two representations of the same figure:
plotly's own JSON (rendered by JupyterLab) and an HTML ``div`` *without* plotly.js
(rendered by the exported briefing, which loads plotly.js once per report folder).
plotly's default renderer under papermill emits only the JSON, which nbconvert drops
(plotly.py#5365) — hence this function instead of ``fig.show()``.
"""
from __future__ import annotations

import html
import json

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from IPython.display import display

from helpers.i18n import t

# Okabe–Ito: distinguishable with the common colour-vision deficiencies; paired with
# dashes and markers so lines stay apart in greyscale print.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
DASHES = ["solid", "dash", "dot", "dashdot", "longdash", "longdashdot"]
MARKERS = ["circle", "square", "diamond", "triangle-up", "x", "cross"]
HIGHLIGHT, CONTEXT, REFERENCE = PALETTE[0], "#9E9E9E", PALETTE[5]
SEPARATORS = {"de": ",.", "en": ".,"}

pio.templates["integrationsmonitor"] = go.layout.Template(
    layout=go.Layout(
        font=dict(family="DejaVu Sans, Arial, sans-serif", size=13, color="#222222"),
        colorway=PALETTE,
        paper_bgcolor="white",
        plot_bgcolor="white",
        xaxis=dict(showgrid=False, linecolor="#444444", ticks="outside"),
        yaxis=dict(gridcolor="#DDDDDD", zerolinecolor="#888888", rangemode="tozero"),
        legend=dict(orientation="h", yanchor="top", y=-0.18, x=0),
        margin=dict(l=70, r=20, t=70, b=110),
        hoverlabel=dict(namelength=-1),
    )
)


def style(fig: go.Figure, *, title: str, source_line: str, y_title: str = "", x_title: str = "",
          sprache: str = "de", height: int = 420) -> go.Figure:
    """Apply the house template, title, axis units and the source line (inside the figure,
    so it is printed, exported and screenshotted together with the chart)."""
    if not source_line.strip():
        raise ValueError("Jede Grafik braucht eine Quellenzeile (source_line); bitte helpers.sources.cite() verwenden.")
    fig.update_layout(
        template="integrationsmonitor",
        title=dict(text=html.escape(title), x=0, xanchor="left"),
        separators=SEPARATORS[sprache],
        height=height,
    )
    fig.update_xaxes(title_text=html.escape(x_title))
    fig.update_yaxes(title_text=html.escape(y_title))
    fig.add_annotation(
        text=html.escape(source_line), showarrow=False, xref="paper", yref="paper",
        x=0, y=0, yshift=-95, xanchor="left", yanchor="top", align="left",
        font=dict(size=10, color="#444444"), name="source_line",
    )
    return fig


def source_line_of(fig: go.Figure) -> str | None:
    """The source line of a styled figure (tests use it to prove every chart has one)."""
    for annotation in fig.layout.annotations:
        if annotation.name == "source_line":
            return html.unescape(annotation.text)
    return None


def figure_bundle(fig: go.Figure, table: pd.DataFrame | None = None, sprache: str = "de") -> dict[str, object]:
    """The MIME bundle :func:`show` displays (separate so tests can inspect it without a kernel)."""
    if source_line_of(fig) is None:
        raise ValueError("Grafik ohne Quellenzeile: zuerst helpers.charts.style(...) aufrufen.")
    div = pio.to_html(fig, include_plotlyjs=False, full_html=False, config={"displaylogo": False, "responsive": True})
    body = f'<figure class="im-chart">{div}'
    if table is not None:
        caption = html.escape(t("chart_table_summary", sprache))
        body += f'<details class="im-chart-table"><summary>{caption}</summary>{table.to_html(index=False, escape=True, border=0)}</details>'
    body += "</figure>"
    return {
        "application/vnd.plotly.v1+json": json.loads(pio.to_json(fig)),
        "text/html": body,
        "text/plain": f"<{t('chart_word', sprache)}: {fig.layout.title.text}>",
    }


def show(fig: go.Figure, table: pd.DataFrame | None = None, sprache: str = "de") -> None:
    """Display a styled figure for both JupyterLab and the exported HTML briefing."""
    display(figure_bundle(fig, table, sprache), raw=True)
