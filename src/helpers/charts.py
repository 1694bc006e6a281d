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
import textwrap
from functools import partial

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
SOURCE_LINE_WIDTH, SOURCE_LINE_HEIGHT = 150, 13  # characters per line, pixels per extra line
# Text plotly renders (titles, axes, annotations): '<' and '&' escaped so data cannot become
# markup; quotes left alone, since plotly shows '&quot;' literally and sanitises text itself.
_escape = partial(html.escape, quote=False)

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
          sprache: str = "de", height: int = 420, source_width: int = SOURCE_LINE_WIDTH) -> go.Figure:
    """Apply the house template, title, axis units and the source line (inside the figure,
    so it is printed, exported and screenshotted together with the chart). ``source_width``
    (characters per line) is smaller where long axis labels narrow the plot, e.g. rankings."""
    if not source_line.strip():
        raise ValueError("Jede Grafik braucht eine Quellenzeile (source_line); bitte helpers.sources.cite() verwenden.")
    fig.update_layout(
        template="integrationsmonitor",
        title=dict(text=_escape(title), x=0, xanchor="left"),
        separators=SEPARATORS[sprache],
        height=height,
    )
    fig.update_xaxes(title_text=_escape(x_title))
    fig.update_yaxes(title_text=_escape(y_title))
    # Long citations (several sources) wrap instead of running off the right edge; the figure
    # grows by one text line per extra line so the wrapped lines are not clipped.
    lines = textwrap.wrap(source_line, width=source_width, break_on_hyphens=False, break_long_words=False)
    fig.update_layout(height=height + SOURCE_LINE_HEIGHT * (len(lines) - 1),
                      margin_b=fig.layout.template.layout.margin.b + SOURCE_LINE_HEIGHT * (len(lines) - 1))
    add_footnote(fig, lines, name="source_line", yshift=-95, size=10, color="#444444")
    return fig


def add_footnote(fig: go.Figure, lines: list[str], *, name: str, yshift: int, size: int, color: str) -> None:
    """Escaped, left-aligned text lines under the plot, named so :func:`footnote_text` finds them
    again (the source line here; the fallback note under maps)."""
    fig.add_annotation(
        text="<br>".join(_escape(line) for line in lines), showarrow=False, xref="paper", yref="paper",
        x=0, y=0, yshift=yshift, xanchor="left", yanchor="top", align="left",
        font=dict(size=size, color=color), name=name,
    )


def footnote_text(fig: go.Figure, name: str) -> str | None:
    """The text of a footnote added by :func:`add_footnote`, as one line; None if absent."""
    for annotation in fig.layout.annotations:
        if annotation.name == name:
            return html.unescape(annotation.text.replace("<br>", " "))
    return None


def source_line_of(fig: go.Figure) -> str | None:
    """The source line of a styled figure (tests use it to prove every chart has one)."""
    return footnote_text(fig, "source_line")


def figure_bundle(fig: go.Figure, table: pd.DataFrame | None = None, sprache: str = "de") -> dict[str, object]:
    """The MIME bundle :func:`show` displays (separate so tests can inspect it without a kernel)."""
    if source_line_of(fig) is None:
        raise ValueError("Grafik ohne Quellenzeile: zuerst helpers.charts.style(...) aufrufen.")
    div = pio.to_html(fig, include_plotlyjs=False, full_html=False, config={"displaylogo": False, "responsive": True})
    body = f'<figure class="im-chart">{div}'
    if table is not None:
        caption = html.escape(t("chart_table_summary", sprache))
        from helpers.report import table_html  # the one table renderer (report imports charts)

        body += f'<details class="im-chart-table"><summary>{caption}</summary>{table_html(table)}</details>'
    body += "</figure>"
    return {
        "application/vnd.plotly.v1+json": json.loads(pio.to_json(fig)),
        "text/html": body,
        "text/plain": f"<{t('chart_word', sprache)}: {fig.layout.title.text}>",
    }


def show(fig: go.Figure, table: pd.DataFrame | None = None, sprache: str = "de") -> None:
    """Display a styled figure for both JupyterLab and the exported HTML briefing."""
    display(figure_bundle(fig, table, sprache), raw=True)


# --- Kreisübersicht and Kommunenvergleich ---------------------------------------------------
# Builders take source ids, never a free-text source line, so every chart cites helpers.sources.

STATUS_PATTERN = {"rounded": ".", "derived": "/", "secondary": "x", "preliminary": "-"}


def _cite(source_ids: list[str] | tuple[str, ...], sprache: str) -> str:
    """The source line of a chart; a chart without source ids is refused, not left unsourced."""
    from helpers import sources  # imported late: sources reads the processed data

    if not source_ids:
        raise ValueError("Jede Grafik braucht Quellen (source_ids); ohne Quelle wird keine Grafik gezeigt.")
    return sources.cite(list(dict.fromkeys(source_ids)), sprache=sprache)


def bars(frame: pd.DataFrame, *, x: str, y: str, title: str, source_ids: list[str] | tuple[str, ...],
         sprache: str = "de", group: str | None = None, status: str | None = "status", horizontal: bool = False,
         reference: float | None = None, reference_label: str = "", highlight: str | None = None,
         categories: list[str] | None = None, y_title: str = "", x_title: str = "", height: int = 420) -> go.Figure:
    """Bars in the order of ``frame`` (or of ``categories``): years with visible gaps (numeric
    ``x``), groups side by side (``group``), or a horizontal ranking with the Kreis value as a
    dashed reference line. Non-published values (``status``) are hatched, and a note says so."""
    groups = list(dict.fromkeys(frame[group])) if group else [None]
    fig = go.Figure()
    for i, name in enumerate(groups):
        part = frame if name is None else frame[frame[group] == name]
        colours = [HIGHLIGHT if highlight is None or label == highlight else CONTEXT for label in part[x]]
        patterns = [STATUS_PATTERN.get(s, "") for s in part[status]] if status in part else [""] * len(part)
        values, labels = part[y].tolist(), part[x].tolist()
        fig.add_trace(go.Bar(
            x=values if horizontal else labels, y=labels if horizontal else values, name=str(name or ""),
            orientation="h" if horizontal else "v", showlegend=group is not None,
            marker=dict(color=PALETTE[i % len(PALETTE)] if group else colours, pattern=dict(shape=patterns)),
        ))
    if status in frame and frame[status].isin(STATUS_PATTERN).any():
        fig.add_annotation(text=_escape(t("cmp_chart_hatched", sprache)), showarrow=False, xref="paper",
                           yref="paper", x=1, y=1.02, xanchor="right", yanchor="bottom", font=dict(size=10, color="#444444"))
    if reference is not None:
        line = dict(color=REFERENCE, dash="dash", width=2)
        annotation = dict(text=_escape(reference_label), font=dict(color=REFERENCE))
        (fig.add_vline if horizontal else fig.add_hline)(reference, line=line, annotation=annotation,
                                                         annotation_position="top" if horizontal else "top right")
    order = dict(categoryorder="array", categoryarray=categories or list(dict.fromkeys(frame[x])))
    value_axis = dict(tickformat=",~f")  # 60.000, not d3's "60k"
    if horizontal:
        fig.update_yaxes(autorange="reversed", type="category", automargin=True, **order)
        fig.update_xaxes(**value_axis)
    else:
        fig.update_yaxes(**value_axis)
        if not pd.api.types.is_numeric_dtype(frame[x]):
            fig.update_xaxes(**order)
    fig.update_layout(barmode="group")
    return style(fig, title=title, source_line=_cite(source_ids, sprache), y_title=y_title, x_title=x_title,
                 sprache=sprache, height=height if not horizontal else max(height, 20 * frame[x].nunique() + 170),
                 source_width=SOURCE_LINE_WIDTH if not horizontal else SOURCE_LINE_WIDTH * 4 // 5)


def small_multiples(frame: pd.DataFrame, *, facet: str, x: str, y: str, title: str,
                    source_ids: list[str] | tuple[str, ...], sprache: str = "de", split: str | None = None,
                    columns: int = 4, y_title: str = "") -> go.Figure:
    """One small line chart per ``facet`` value (the 16 Kommunen), each on its own y scale (not
    from zero) so a small Gemeinde's trend is as visible as Kleve's. Rows with different ``split``
    values (census bases) get separate lines in one colour per value across all panels, named
    once in the legend, so no line crosses a break of method."""
    from plotly.subplots import make_subplots

    names = list(dict.fromkeys(frame[facet]))
    lines, shown = (list(dict.fromkeys(frame.sort_values(x)[split])) if split else []), set()
    rows = -(-len(names) // columns)
    fig = make_subplots(rows=rows, cols=columns, subplot_titles=[_escape(n) for n in names],
                        vertical_spacing=0.09, horizontal_spacing=0.06)
    for i, name in enumerate(names):
        cell = dict(row=i // columns + 1, col=i % columns + 1)
        panel = frame[frame[facet] == name]
        for line, part in (panel.groupby(split, sort=False) if split else [(name, panel)]):
            j = lines.index(line) if split else 0
            fig.add_trace(go.Scatter(x=part[x], y=part[y], mode="lines+markers", name=str(line), legendgroup=str(line),
                                     showlegend=bool(split) and line not in shown,
                                     line=dict(color=PALETTE[j % len(PALETTE)], dash=DASHES[j % len(DASHES)]),
                                     marker=dict(size=5, symbol=MARKERS[j % len(MARKERS)])), **cell)
            shown.add(line)
    fig.update_annotations(font_size=11)
    fig.update_yaxes(tickformat=",~f", rangemode="normal")
    fig = style(fig, title=title, source_line=_cite(source_ids, sprache), y_title=y_title, sprache=sprache,
                height=150 * rows + 190)
    # The legend (one entry per census base) goes above the panels, clear of the source line.
    return fig.update_layout(legend=dict(orientation="h", x=0, y=1.03, yanchor="bottom"),
                             margin_t=180)


# --- Kommunenprofil ---------------------------------------------------------------------------

def line_with_breaks(frame: pd.DataFrame, *, title: str, source_ids: list[str] | tuple[str, ...],
                     sprache: str = "de", x: str = "date", y: str = "value", series: str = "series",
                     segment: str = "segment", status: str = "status", break_label: str = "",
                     breaks: list[str] | None = None, y_title: str = "", x_title: str = "",
                     height: int = 420) -> go.Figure:
    """Time series that are never joined across a change of method (census base).

    Each ``series`` (e.g. the Kommune) is drawn as one line per ``segment`` (its census base),
    so no line crosses a change. A dotted vertical line labelled ``break_label`` marks where each
    segment named in ``breaks`` begins (default: every segment after a series' first). Points that
    are not exact official prints (``status``) get hollow markers.
    """
    fig = go.Figure()
    starts: set[pd.Timestamp] = set()
    for i, name in enumerate(dict.fromkeys(frame[series])):
        part = frame[frame[series] == name].sort_values(x)
        segments = list(dict.fromkeys(part[segment]))
        for j, seg in enumerate(segments):
            points = part[part[segment] == seg]
            hollow = points[status].ne("published") if status in points else pd.Series(False, index=points.index)
            fig.add_trace(go.Scatter(
                x=points[x], y=points[y], name=f"{name}: {seg}", mode="lines+markers",
                line=dict(color=PALETTE[i % len(PALETTE)], dash=DASHES[j % len(DASHES)]),
                marker=dict(size=8, symbol=[MARKERS[j % len(MARKERS)] + ("-open" if h else "") for h in hollow]),
            ))
            if (j and breaks is None) or (breaks is not None and seg in breaks):
                starts.add(points[x].min())
    for when in sorted(starts):
        fig.add_vline(x=when, line=dict(color=CONTEXT, dash="dot", width=1.5))
        fig.add_annotation(x=when, y=1, yref="paper", text=_escape(break_label), showarrow=False,
                           xanchor="left", yanchor="bottom", font=dict(size=10, color="#444444"))
    fig.update_yaxes(rangemode="normal", tickformat=",~f")  # 52.000, not 52k
    return style(fig, title=title, source_line=_cite(source_ids, sprache), y_title=y_title, x_title=x_title,
                 sprache=sprache, height=height)
