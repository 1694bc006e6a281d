"""One plotly look for every chart: title, units, source line, colour-blind-safe palette, German numbers.

Charts are shown with :func:`show`, which emits two representations of the same figure:
plotly's own JSON (rendered by JupyterLab) and an HTML ``div`` *without* plotly.js
(rendered by the exported briefing, which loads plotly.js once per report folder).
plotly's default renderer under papermill emits only the JSON, which nbconvert drops
(plotly.py#5365) — hence this function instead of ``fig.show()``.
"""
from __future__ import annotations

import hashlib
import html
import json
import textwrap
from collections.abc import Callable
from functools import partial

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from IPython.display import display

from helpers.data.status import Status, pattern
from helpers.i18n import t
from helpers.presentation import sources
from helpers.presentation.tables import table_html

# Okabe–Ito: distinguishable with the common colour-vision deficiencies; paired with
# dashes and markers so lines stay apart in greyscale print.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
DASHES = ["solid", "dash", "dot", "dashdot", "longdash", "longdashdot"]
MARKERS = ["circle", "square", "diamond", "triangle-up", "x", "cross"]
HIGHLIGHT, CONTEXT, REFERENCE = PALETTE[0], "#9E9E9E", PALETTE[5]
SEPARATORS = {"de": ",.", "en": ".,"}
SOURCE_LINE_WIDTH, SOURCE_LINE_HEIGHT = 130, 16  # characters per line, pixels per line (12 px text)
# Below the plot: tick labels (one more line per wrapped label line), the axis title, then a
# horizontal legend that wraps into rows (estimated from its entries), then the source line.
AXIS_PX, TICK_LINE_PX, AXIS_TITLE_PX = 30, 18, 26  # a tick line: plotly's 1.3 line spacing of 13 px text, rounded up
LEGEND_WIDTH_PX, LEGEND_ROW_PX, LEGEND_CHAR_PX, LEGEND_ITEM_PX = 760, 26, 8, 45
CATEGORY_LABEL_WIDTH = 24  # characters per line of a category under a bar group
# TRACES_AS_PROPERTIES: the builders pass traces as plain properties (``dict(type="scatter", ...)``),
# all at once: plotly validates a trace when it enters a figure, so a ready ``go.Scatter`` would be
# validated twice and each ``add_trace`` call pays for itself (same figure, a fraction of the cost).
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
        raise ValueError("Jede Grafik braucht eine Quellenzeile (source_line); bitte helpers.presentation.sources.cite() verwenden.")
    fig.update_layout(
        template="integrationsmonitor",
        title=dict(text=_escape(title), x=0, xanchor="left"),
        separators=SEPARATORS[sprache],
        height=height,
    )
    fig.update_xaxes(title_text=_escape(x_title))
    fig.update_yaxes(title_text=_escape(y_title))
    # Under the plot, top to bottom: tick labels and axis title, the legend rows, the source
    # lines; the bottom margin is their sum, so none can run into another (the plot keeps its size).
    lines = textwrap.wrap(source_line, width=source_width, break_on_hyphens=False, break_long_words=False)
    ticktext = fig.layout.xaxis.ticktext or ()
    tick_lines = max([str(text).count("<br>") + 1 for text in ticktext] or [1])
    axis_px = AXIS_PX + TICK_LINE_PX * (tick_lines - 1) + (AXIS_TITLE_PX if x_title else 0)
    legend_px = LEGEND_ROW_PX * legend_rows(fig) if legend_rows(fig) else 0
    source_px = SOURCE_LINE_HEIGHT * len(lines)
    template_margin = fig.layout.template.layout.margin
    plot_px = height - template_margin.t - template_margin.b
    margin_b = axis_px + legend_px + source_px + 12
    fig.update_layout(height=plot_px + template_margin.t + margin_b, margin_b=margin_b,
                      legend=dict(y=-axis_px / plot_px, yanchor="top"))
    add_footnote(fig, lines, name="source_line", yshift=-(axis_px + legend_px + 4), size=12, color="#444444")
    return fig


def legend_rows(fig: go.Figure) -> int:
    """Rows the bottom legend wraps into at the narrowest chart width of a briefing (screen,
    60rem column), estimated from its entries (0: no legend), so the source line sits below it."""
    names = [str(trace.name or "") for trace in fig.data
             if trace.showlegend is not False and trace.name and (trace.showlegend or len(fig.data) > 1)]
    names = list(dict.fromkeys(names))  # legend groups show a name once
    if not names:
        return 0
    rows, used = 1, 0
    for name in names:
        width = LEGEND_ITEM_PX + LEGEND_CHAR_PX * len(name)
        if used and used + width > LEGEND_WIDTH_PX:
            rows, used = rows + 1, 0
        used += width
    return rows


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


def describe(fig: go.Figure, sprache: str = "de") -> str:
    """One sentence saying what a chart shows, for screen readers (``layout.meta["description"]``
    when the builder set one, e.g. maps; else from the traces: kind, series, span, top value)."""
    from helpers.fmt import format_date, format_number

    meta = fig.layout.meta if isinstance(fig.layout.meta, dict) else {}
    if meta.get("description"):
        return meta["description"]
    shown = [trace for trace in fig.data if trace.x is not None and len(trace.x)]
    bars = [trace for trace in shown if trace.type == "bar"]
    if bars and len(bars) == len(shown):
        horizontal = bars[0].orientation == "h"
        pairs = [(v, c) for trace in bars for v, c in zip(*((trace.x, trace.y) if horizontal else (trace.y, trace.x)))
                 if v is not None and not pd.isna(v)]
        value, label = max(pairs, key=lambda pair: pair[0]) if pairs else (None, "")
        decimals = 0 if value is None or float(value).is_integer() else 1
        return t("chart_describe_bars", sprache, count=len(pairs), top=format_number(value, decimals, sprache),
                 label=label)
    names = list(dict.fromkeys(str(trace.name).split(":")[0] for trace in shown if trace.name))
    xs = pd.Series([x for trace in shown for x in trace.x])

    def when(value) -> str:
        stamp = pd.to_datetime(value, errors="coerce") if isinstance(value, str) else None
        return format_date(stamp, sprache) if stamp is not None and not pd.isna(stamp) else str(value)

    return t("chart_describe_lines", sprache, names=", ".join(names[:6]),
             start=when(xs.min()) if len(xs) else "", end=when(xs.max()) if len(xs) else "")


def figure_bundle(fig: go.Figure, table: pd.DataFrame | None = None, sprache: str = "de") -> dict[str, object]:
    """The MIME bundle :func:`show` displays (separate so tests can inspect it without a kernel).

    In HTML the plot is one image for assistive technology (``role="img"``, named by its title,
    described by a hidden one-sentence caption that points to the table "Zahlen zur Grafik",
    which opens with the keyboard as a native ``details`` element). No toolbar: its buttons
    would sit inside that image."""
    if source_line_of(fig) is None:
        raise ValueError("Grafik ohne Quellenzeile: zuerst helpers.presentation.charts.style(...) aufrufen.")
    document = pio.to_json(fig)
    chart_id = "im-chart-" + hashlib.sha1(document.encode()).hexdigest()[:12]  # stable for nbval diffs
    # The div from the JSON just written: validating and converting the figure a second time
    # would cost as much again and give the same text.
    div = pio.to_html(json.loads(document), validate=False, include_plotlyjs=False, full_html=False, div_id=chart_id,
                      config={"displaylogo": False, "responsive": True, "displayModeBar": False})
    title = html.unescape(fig.layout.title.text or "")
    description = describe(fig, sprache)
    if table is not None:
        description += " " + t("chart_describe_table", sprache, table=t("chart_table_summary", sprache))
    body = (f'<figure class="im-chart"><div class="im-chart-plot" role="img" aria-label="{html.escape(title)}" '
            f'aria-describedby="{chart_id}-caption">{div}</div>')
    if table is not None:
        caption = html.escape(t("chart_table_summary", sprache))

        body += f'<details class="im-chart-table"><summary>{caption}</summary>{table_html(table)}</details>'
    body += f'<figcaption id="{chart_id}-caption" class="im-visually-hidden">{html.escape(description)}</figcaption></figure>'
    return {
        "application/vnd.plotly.v1+json": json.loads(document),
        "text/html": body,
        "text/plain": f"<{t('chart_word', sprache)}: {fig.layout.title.text}>",
    }


def show(fig: go.Figure, table: pd.DataFrame | None = None, sprache: str = "de") -> None:
    """Display a styled figure for both JupyterLab and the exported HTML briefing."""
    display(figure_bundle(fig, table, sprache), raw=True)


# --- Kreisübersicht and Kommunenvergleich ---------------------------------------------------
# Builders take source ids, never a free-text source line, so every chart cites helpers.presentation.sources:
# ``refer`` turns them into the line, the full citation by default, a briefing's numbers
# ("Quellen: [3], [7]", sources.Numbering.refer) inside a briefing.
Refer = Callable[..., str]


def _cite(source_ids: list[str] | tuple[str, ...], sprache: str, refer: Refer) -> str:
    """The source line of a chart; a chart without source ids is refused, not left unsourced."""
    if not source_ids:
        raise ValueError("Jede Grafik braucht Quellen (source_ids); ohne Quelle wird keine Grafik gezeigt.")
    return refer(list(dict.fromkeys(source_ids)), sprache=sprache)


def bars(frame: pd.DataFrame, *, x: str, y: str, title: str, source_ids: list[str] | tuple[str, ...],
         sprache: str = "de", group: str | None = None, status: str | None = "status", horizontal: bool = False,
         reference: float | None = None, reference_label: str = "", highlight: str | None = None,
         categories: list[str] | None = None, y_title: str = "", x_title: str = "", height: int = 420,
         refer: Refer = sources.cite) -> go.Figure:
    """Bars in the order of ``frame`` (or of ``categories``): years with visible gaps (numeric
    ``x``), groups side by side (``group``), or a horizontal ranking with the Kreis value as a
    dashed reference line. Non-published values (``status``) are hatched, and a note says so.
    A horizontal ranking of one value per area is drawn as a dot chart (:func:`_dots`)."""
    if horizontal and group is None:
        return _dots(frame, x=x, y=y, title=title, source_ids=source_ids, sprache=sprache, status=status,
                     reference=reference, reference_label=reference_label, highlight=highlight,
                     categories=categories, x_title=x_title, height=height, refer=refer)
    groups = list(dict.fromkeys(frame[group])) if group else [None]
    traces = []
    for i, name in enumerate(groups):
        part = frame if name is None else frame[frame[group] == name]
        colours = [HIGHLIGHT if highlight is None or label == highlight else CONTEXT for label in part[x]]
        patterns = [pattern(s) for s in part[status]] if status in part else [""] * len(part)
        values, labels = part[y].tolist(), part[x].tolist()
        traces.append(dict(
            type="bar", x=values if horizontal else labels, y=labels if horizontal else values, name=str(name or ""),
            orientation="h" if horizontal else "v", showlegend=group is not None,
            marker=dict(color=PALETTE[i % len(PALETTE)] if group else colours, pattern=dict(shape=patterns)),
        ))
    fig = go.Figure(traces)
    if status in frame and any(pattern(s) for s in frame[status]):
        fig.add_annotation(text=_escape(t("chart_hatched", sprache)), showarrow=False, xref="paper",
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
            # Long category names wrap into lines instead of turning sideways into the legend.
            names = order["categoryarray"]
            fig.update_xaxes(**order, tickangle=0, tickmode="array", tickvals=names,
                             ticktext=["<br>".join(textwrap.wrap(_escape(str(n)), CATEGORY_LABEL_WIDTH)) for n in names])
    fig.update_layout(barmode="group")
    return style(fig, title=title, source_line=_cite(source_ids, sprache, refer), y_title=y_title, x_title=x_title,
                 sprache=sprache, height=height if not horizontal else max(height, 20 * frame[x].nunique() + 170),
                 source_width=SOURCE_LINE_WIDTH if not horizontal else SOURCE_LINE_WIDTH * 4 // 5)


def _dots(frame: pd.DataFrame, *, x: str, y: str, title: str, source_ids, sprache: str, status: str | None,
          reference: float | None, reference_label: str, highlight: str | None, categories: list[str] | None,
          x_title: str, height: int, refer: Refer) -> go.Figure:
    """One value per area as a lollipop: a thin stem from zero and a dot, one row per area, so
    16 values read at a glance without 16 heavy bars; non-published values are hollow dots."""
    labels, values = frame[x].tolist(), frame[y].tolist()
    hollow = [bool(pattern(s)) for s in frame[status]] if status in frame else [False] * len(frame)
    colours = [HIGHLIGHT if highlight is None or label == highlight else CONTEXT for label in labels]
    stems_x = [v for value in values for v in (0, value, None)]
    stems_y = [v for label in labels for v in (label, label, None)]
    fig = go.Figure([
        dict(type="scatter", x=stems_x, y=stems_y, mode="lines", line=dict(color="#BBBBBB", width=2), hoverinfo="skip",
             showlegend=False),
        dict(type="scatter", x=values, y=labels, mode="markers", showlegend=False, name="",
             marker=dict(size=11, color=colours, symbol=["circle-open" if h else "circle" for h in hollow],
                         line=dict(color=colours, width=2))),
    ])
    if any(hollow):
        fig.add_annotation(text=_escape(t("chart_hollow", sprache)), showarrow=False, xref="paper",
                           yref="paper", x=1, y=1.02, xanchor="right", yanchor="bottom", font=dict(size=10, color="#444444"))
    if reference is not None:
        fig.add_vline(reference, line=dict(color=REFERENCE, dash="dash", width=2), annotation_position="top",
                      annotation=dict(text=_escape(reference_label), font=dict(color=REFERENCE)))
    fig.update_yaxes(autorange="reversed", type="category", automargin=True, showgrid=True, gridcolor="#EEEEEE",
                     categoryorder="array", categoryarray=categories or list(dict.fromkeys(labels)))
    fig.update_xaxes(tickformat=",~f", rangemode="tozero")
    return style(fig, title=title, source_line=_cite(source_ids, sprache, refer), x_title=x_title, sprache=sprache,
                 height=max(height, 17 * len(labels) + 160), source_width=SOURCE_LINE_WIDTH * 4 // 5)


def small_multiples(frame: pd.DataFrame, *, facet: str, x: str, y: str, title: str,
                    source_ids: list[str] | tuple[str, ...], sprache: str = "de", split: str | None = None,
                    columns: int = 4, y_title: str = "", refer: Refer = sources.cite) -> go.Figure:
    """One small line chart per ``facet`` value (the 16 Kommunen), each on its own y scale (not
    from zero) so a small Gemeinde's trend is as visible as Kleve's. Rows with different ``split``
    values (census bases) get separate lines in one colour per value across all panels, named
    once in the legend, so no line crosses a break of method."""
    from plotly.subplots import make_subplots

    names = list(dict.fromkeys(frame[facet]))
    lines, shown = (list(dict.fromkeys(frame.sort_values(x)[split])) if split else []), set()
    rows = -(-len(names) // columns)
    fig = make_subplots(rows=rows, cols=columns, subplot_titles=[_escape(n) for n in names],
                        vertical_spacing=0.11, horizontal_spacing=0.06)
    traces, cells = [], []
    for i, (name, panel) in enumerate(frame.groupby(facet, sort=False)):
        for line, part in (panel.groupby(split, sort=False) if split else [(name, panel)]):
            j = lines.index(line) if split else 0
            traces.append(dict(type="scatter", x=part[x], y=part[y], mode="lines+markers", name=str(line),
                               legendgroup=str(line), showlegend=bool(split) and line not in shown,
                               line=dict(color=PALETTE[j % len(PALETTE)], dash=DASHES[j % len(DASHES)]),
                               marker=dict(size=5, symbol=MARKERS[j % len(MARKERS)])))
            cells.append((i // columns + 1, i % columns + 1))
            shown.add(line)
    # All traces and each axis setting in one call (see TRACES_AS_PROPERTIES).
    fig.add_traces(traces, rows=[r for r, _ in cells], cols=[c for _, c in cells])
    fig.update_annotations(font_size=11)
    fig.update_yaxes(tickformat=",~f", rangemode="normal")
    # Narrow panels: a few year labels, never turned.
    fig.update_xaxes(tickangle=0, nticks=4, tickformat="%Y", **year_tick_settings(frame[x], most=3))
    fig = style(fig, title=title, source_line=_cite(source_ids, sprache, refer), y_title=y_title, sprache=sprache,
                height=120 * rows + 190)
    # The legend (one entry per census base) goes above the panels, clear of the source line.
    top = fig.layout.height
    return fig.update_layout(title=dict(yref="container", y=1 - 15 / top, yanchor="top"),
                             legend=dict(orientation="h", x=0, yref="container", y=1 - 55 / top, yanchor="top"),
                             margin_t=180)


# --- Kommunenprofil ---------------------------------------------------------------------------

def line_with_breaks(frame: pd.DataFrame, *, title: str, source_ids: list[str] | tuple[str, ...],
                     sprache: str = "de", x: str = "date", y: str = "value", series: str = "series",
                     segment: str = "segment", status: str = "status", break_label: str = "",
                     breaks: list[str] | dict[str, object] | None = None, y_title: str = "", x_title: str = "",
                     height: int = 420, refer: Refer = sources.cite) -> go.Figure:
    """Time series that are never joined across a change of method (census base).

    Each ``series`` (e.g. the Kommune) is drawn as one line per ``segment`` (its census base),
    so no line crosses a change. A dotted vertical line labelled ``break_label`` marks where each
    segment named in ``breaks`` begins (default: every segment after a series' first); a mapping
    ``{segment: date}`` puts the line at that date instead, e.g. the census day the new base counts
    from. Points that are not exact official prints (``status``) get hollow markers. Year-end
    dates are labelled with their own year (31.12.2024 is "2024", not a tick "2025" beside it).
    """
    traces, starts = [], set()
    names = list(dict.fromkeys(frame[series]))
    for i, name in enumerate(names):
        part = frame[frame[series] == name].sort_values(x)
        segments = list(dict.fromkeys(part[segment]))
        for j, seg in enumerate(segments):
            points = part[part[segment] == seg]
            hollow = points[status].ne(Status.PUBLISHED) if status in points else pd.Series(False, index=points.index)
            traces.append(dict(
                type="scatter", x=points[x], y=points[y], name=str(seg) if len(names) == 1 else f"{name}: {seg}",
                mode="lines+markers", line=dict(color=PALETTE[i % len(PALETTE)], dash=DASHES[j % len(DASHES)]),
                marker=dict(size=8, symbol=[MARKERS[j % len(MARKERS)] + ("-open" if h else "") for h in hollow]),
            ))
            if (j and breaks is None) or (breaks is not None and seg in breaks):
                at = breaks.get(seg) if isinstance(breaks, dict) else None
                starts.add(pd.Timestamp(at) if at is not None else points[x].min())
    fig = go.Figure(traces)
    for when in sorted(starts):
        fig.add_vline(x=when, line=dict(color=CONTEXT, dash="dot", width=1.5))
        fig.add_annotation(x=when, y=1, yref="paper", text=_escape(break_label), showarrow=False,
                           xanchor="left", yanchor="bottom", font=dict(size=10, color="#444444"))
    fig.update_yaxes(rangemode="normal", tickformat=",~f")  # 52.000, not 52k
    year_ticks(fig, frame[x])
    return style(fig, title=title, source_line=_cite(source_ids, sprache, refer), y_title=y_title, x_title=x_title,
                 sprache=sprache, height=height)


def year_ticks(fig: go.Figure, dates: pd.Series, most: int = 12) -> None:
    """Label a date axis of reference-date data with the years of its year-end dates, at those
    dates (plotly's own ticks put "2025" on 1 January, right beside a 31.12.2024 point)."""
    settings = year_tick_settings(dates, most)
    if settings:
        fig.update_xaxes(**settings)


def year_tick_settings(dates: pd.Series, most: int = 12) -> dict[str, object]:
    """The axis settings of :func:`year_ticks` (empty without a year-end date)."""
    stamps = pd.to_datetime(pd.Series(dates), errors="coerce").dropna()
    year_ends = sorted({d for d in stamps if d.month == 12 and d.day == 31})
    if not year_ends:
        return {}
    step = -(-len(year_ends) // most)
    chosen = year_ends[::-1][::step][::-1]  # keep the latest year labelled
    return dict(tickmode="array", tickvals=chosen, ticktext=[str(d.year) for d in chosen])


# --- research (helpers.research, notebooks/explore) ---------------------------------------------

def scatter(frame: pd.DataFrame, *, x: str, y: str, label: str, title: str, source_ids: list[str] | tuple[str, ...],
            sprache: str = "de", highlight: list[str] | tuple[str, ...] = (), status: str | None = "status",
            x_title: str = "", y_title: str = "", height: int = 480, refer: Refer = sources.cite) -> go.Figure:
    """One dot per region (``label``), ``x`` against ``y``, each region named on hover; regions in
    ``highlight`` are coloured and named beside their dot. Dots with a non-published value (``status`` of
    either axis, e.g. ``status_x``/``status_y`` or one ``status`` column) are hollow, and a note says so."""
    names = frame[label].astype(str).tolist()
    marked = set(highlight)
    statuses = [c for c in (status, f"{status}_x", f"{status}_y") if status and c in frame]
    hollow = [any(pattern(frame[c].iloc[i]) for c in statuses) for i in range(len(frame))]
    colours = [HIGHLIGHT if n in marked or not marked else CONTEXT for n in names]
    fig = go.Figure([dict(
        type="scatter", x=frame[x].tolist(), y=frame[y].tolist(), mode="markers+text", showlegend=False, name="",
        text=[_escape(n) if n in marked else "" for n in names], textposition="top center",
        hovertext=[_escape(n) for n in names], hoverinfo="text+x+y",
        marker=dict(size=10, color=colours, symbol=["circle-open" if h else "circle" for h in hollow],
                    line=dict(color=colours, width=1.5)),
    )])
    if any(hollow):
        fig.add_annotation(text=_escape(t("chart_hollow", sprache)), showarrow=False, xref="paper",
                           yref="paper", x=1, y=1.02, xanchor="right", yanchor="bottom", font=dict(size=10, color="#444444"))
    fig.update_xaxes(tickformat=",~f", showgrid=True, gridcolor="#EEEEEE", rangemode="normal")
    fig.update_yaxes(tickformat=",~f", rangemode="normal")
    return style(fig, title=title, source_line=_cite(source_ids, sprache, refer), x_title=x_title, y_title=y_title,
                 sprache=sprache, height=height)


def ranking(frame: pd.DataFrame, *, label: str, value: str, title: str, source_ids: list[str] | tuple[str, ...],
            sprache: str = "de", highlight: str | None = None, status: str | None = "status", x_title: str = "",
            refer: Refer = sources.cite) -> go.Figure:
    """The regions of ``frame`` from the highest ``value`` down, one dot per region (:func:`bars`, horizontal);
    a label that should say the rank ("40. Kleve") is the caller's, from :func:`helpers.research.ranked`."""
    ordered = frame.sort_values([value, label], ascending=[False, True], kind="mergesort")
    return bars(ordered, x=label, y=value, title=title, source_ids=source_ids, sprache=sprache, status=status,
                horizontal=True, highlight=highlight, x_title=x_title, refer=refer)
