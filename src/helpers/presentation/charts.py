"""One plotly look for every chart: title, units, source line, colour-blind-safe palette, German numbers.

Charts are shown with :func:`show`, which emits two representations of the same figure:
plotly's own JSON (rendered by JupyterLab) and an HTML ``div`` *without* plotly.js
(rendered by the exported briefing, which loads plotly.js once per report folder).
plotly's default renderer under papermill emits only the JSON, which nbconvert drops
(plotly.py#5365) — hence this function instead of ``fig.show()``.

Every builder names every place it draws (a ranking labels each Kommune), draws a missing value as a
labelled "k. A." slot or a gap — never as a zero — and describes itself in one sentence
(:mod:`helpers.presentation.chart_text`). Rankings are drawn at a fixed, compact width
(:data:`COMPACT_WIDTH`) so that two stand side by side on screen and in print.
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

from helpers import fmt
from helpers.data.status import pattern
from helpers.i18n import t
from helpers.presentation import chart_text, sources
from helpers.presentation.tables import table_html

# Okabe–Ito: distinguishable with the common colour-vision deficiencies; paired with
# dashes and markers so lines stay apart in greyscale print.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
DASHES = ["solid", "dash", "dot", "dashdot", "longdash", "longdashdot"]
MARKERS = ["circle", "square", "diamond", "triangle-up", "x", "cross"]
HIGHLIGHT, CONTEXT, REFERENCE = PALETTE[0], "#9E9E9E", PALETTE[5]
GAP_FILL, NOTE_COLOUR = "#EFEFEF", "#444444"
SEPARATORS = {"de": ",.", "en": ".,"}
SOURCE_LINE_WIDTH, SOURCE_LINE_HEIGHT = 130, 16  # characters per line, pixels per line (12 px text)
# The title: 16 px text, wrapped so it fits the narrowest width the chart is drawn at (the 60rem screen
# column shrunk for A4 by briefing.css; a compact chart's own width) at ~9.5 px per character; above the
# plot a row is kept free for the notes there ("Kreiswert", "schraffiert: …").
TITLE_PX, TITLE_CHAR_PX, TITLE_TOP_PX, ABOVE_PLOT_PX = 16, 9.5, 14, 30
NOTE_ROW_PX = 16  # a second row of notes above the plot (a note raised above the "Kreiswert" label)
WIDE_WIDTH, COMPACT_WIDTH = 640, 440  # px: the narrowest a full-width chart gets; a compact chart's fixed width
COMPACT_SOURCE_WIDTH = int(SOURCE_LINE_WIDTH * COMPACT_WIDTH / 980)  # characters per source line of a compact chart
# Below the plot: tick labels (one more line per wrapped label line), the axis title, then a
# horizontal legend that wraps into rows (estimated from its entries), then the source line.
AXIS_PX, TICK_LINE_PX, AXIS_TITLE_PX = 30, 18, 26  # a tick line: plotly's 1.3 line spacing of 13 px text, rounded up
LEGEND_WIDTH_PX, LEGEND_ROW_PX, LEGEND_CHAR_PX, LEGEND_ITEM_PX = 620, 26, 8, 45
CATEGORY_LABEL_WIDTH = 24  # characters per line of a category under a bar group
ROW_PX = 15  # one labelled row of a ranking (11 px names): every name shown, none overlapping
BARGAP = 0.2  # between bar groups (fraction of a category): where a "k. A." slot of a group sits
# TRACES_AS_PROPERTIES: the builders pass traces as plain properties (``dict(type="scatter", ...)``),
# all at once: plotly validates a trace when it enters a figure, so a ready ``go.Scatter`` would be
# validated twice and each ``add_trace`` call pays for itself (same figure, a fraction of the cost).
# FEW_UPDATES: each update call is a batch of its own that plotly validates property by property, and a
# magic-underscore name ("title_text") is parsed each time: so the builders set the layout in as few calls
# as possible, with nested dicts. Within one call plotly places new sub-objects (a dict value) before new
# plain values, so calls are merged only where that keeps the layout's keys in the same order.
# Text plotly renders (titles, axes, annotations): '<' and '&' escaped so data cannot become
# markup; quotes left alone, since plotly shows '&quot;' literally and sanitises text itself.
escape = partial(html.escape, quote=False)
HOVER = "%{hovertext}<extra></extra>"  # hover texts are formatted by helpers.fmt, not by plotly

pio.templates["integrationsmonitor"] = go.layout.Template(
    layout=go.Layout(
        font=dict(family="DejaVu Sans, Arial, sans-serif", size=13, color="#222222"),
        title=dict(font=dict(size=TITLE_PX), x=0, xanchor="left", yref="container", y=1, yanchor="top",
                   pad=dict(t=TITLE_TOP_PX)),
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


def title_lines(title: str, width: int = WIDE_WIDTH) -> list[str]:
    """The title wrapped into the lines that fit ``width`` pixels."""
    return textwrap.wrap(title, width=max(20, int((width - 30) / TITLE_CHAR_PX)), break_long_words=False) or [""]


def style(fig: go.Figure, *, title: str, source_line: str, y_title: str = "", x_title: str = "",
          sprache: str = "de", height: int = 420, source_width: int = SOURCE_LINE_WIDTH,
          width: int | None = None, legend_above: bool = False, plot_px: int | None = None,
          note_rows: int = 1) -> go.Figure:
    """Apply the house template, the wrapped title, axis units and the source line (inside the figure,
    so it is printed, exported and screenshotted together with the chart). ``width``: a fixed width
    in pixels (compact charts), else the chart fills its column. ``source_width`` (characters per line)
    is smaller where the plot is narrower. The legend goes under the plot, or under the title
    (``legend_above``, e.g. over a grid of panels). ``plot_px``: the plot's own height (else ``height``
    less the template's margins); the margins are added to it. ``note_rows``: rows of notes above the plot."""
    if not source_line.strip():
        raise ValueError("Jede Grafik braucht eine Quellenzeile (source_line); "
                         "bitte helpers.presentation.sources.cite() verwenden.")
    heading = title_lines(title, width or WIDE_WIDTH)
    # Few update calls, nested dicts (see FEW_UPDATES).
    fig.update_layout(
        template="integrationsmonitor",
        title=dict(text="<br>".join(escape(line) for line in heading)),
        separators=SEPARATORS[sprache],
        **(dict(width=width, autosize=False) if width else {}),
    )
    # Above the plot: the title lines and a row for notes. Under it, top to bottom: tick labels and axis
    # title, the legend rows, the source lines; each margin is the sum of its parts, so none can run into
    # another (the plot keeps its size).
    lines = textwrap.wrap(source_line, width=source_width, break_on_hyphens=False, break_long_words=False)
    ticktext = fig.layout.xaxis.ticktext or ()
    tick_lines = max([str(text).count("<br>") + 1 for text in ticktext] or [1])
    axis_px = AXIS_PX + TICK_LINE_PX * (tick_lines - 1) + (AXIS_TITLE_PX if x_title else 0)
    legend_px = LEGEND_ROW_PX * legend_rows(fig, width or WIDE_WIDTH)
    above, below = (legend_px, 0) if legend_above else (0, legend_px)
    source_px = SOURCE_LINE_HEIGHT * len(lines)
    template_margin = pio.templates["integrationsmonitor"].layout.margin
    plot_px = plot_px or height - template_margin.t - template_margin.b
    title_px = TITLE_TOP_PX + round(TITLE_PX * 1.3 * len(heading))
    margin_t = title_px + above + ABOVE_PLOT_PX + NOTE_ROW_PX * (note_rows - 1)
    margin_b = axis_px + below + source_px + 12
    total = plot_px + margin_t + margin_b
    legend = (dict(x=0, yref="container", y=1 - (title_px + 4) / total, yanchor="top") if legend_above
              else dict(y=-axis_px / plot_px, yanchor="top"))
    axis_titles = {axis.plotly_name: dict(title=dict(text=escape(text)))
                   for axes, text in ((fig.select_xaxes(), x_title), (fig.select_yaxes(), y_title)) for axis in axes}
    fig.update_layout(**axis_titles, height=total, margin=dict(t=margin_t, b=margin_b), legend=legend)
    add_footnote(fig, lines, name="source_line", yshift=-(axis_px + below + 4), size=12, color=NOTE_COLOUR)
    return fig


def legend_rows(fig: go.Figure, width: int = WIDE_WIDTH) -> int:
    """Rows the bottom legend wraps into at the narrowest width the chart is drawn at, estimated from its
    entries (0: no legend), so the source line sits below it. Plotly wraps a legend under the plot at the
    plot's width (the chart's less its side margins), not the chart's."""
    names = [str(trace.name or "") for trace in fig.data
             if trace.showlegend is not False and trace.name and (trace.showlegend or len(fig.data) > 1)]
    names = list(dict.fromkeys(names))  # legend groups show a name once
    if not names:
        return 0
    template_margin = pio.templates["integrationsmonitor"].layout.margin
    sides = (fig.layout.margin.l if fig.layout.margin.l is not None else template_margin.l) + (
        fig.layout.margin.r if fig.layout.margin.r is not None else template_margin.r)
    rows, used, room = 1, 0, min(LEGEND_WIDTH_PX, width - sides)
    for name in names:
        item = LEGEND_ITEM_PX + LEGEND_CHAR_PX * len(name)
        if used and used + item > room:
            rows, used = rows + 1, 0
        used += item
    return rows


def add_footnote(fig: go.Figure, lines: list[str], *, name: str, yshift: int, size: int, color: str) -> None:
    """Escaped, left-aligned text lines under the plot, named so :func:`footnote_text` finds them
    again (the source line here; the fallback note under maps)."""
    fig.add_annotation(
        text="<br>".join(escape(line) for line in lines), showarrow=False, xref="paper", yref="paper",
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
    """The one sentence a screen reader gets for a chart: the builder's (``layout.meta["description"]``:
    kind, title, range and its ends, what has no figure), else the chart's kind and title."""
    meta = fig.layout.meta if isinstance(fig.layout.meta, dict) else {}
    if meta.get("description"):
        return meta["description"]
    return f"{t('chart_word', sprache)}: {html.unescape((fig.layout.title.text or '').replace('<br>', ' '))}"


def meta(description: str, kind: str = "") -> dict[str, str]:
    """The layout's meta that stores the chart's description (and its kind, e.g. "ranking", for tests in
    the browser); a builder sets it together with its other layout properties (FEW_UPDATES)."""
    return {"description": description, **({"kind": kind} if kind else {})}


def figure_bundle(fig: go.Figure, table: pd.DataFrame | None = None, sprache: str = "de") -> dict[str, object]:
    """The MIME bundle :func:`show` displays (separate so tests can inspect it without a kernel).

    In HTML the plot is one image for assistive technology (``role="img"``, named by its title,
    described by a hidden one-sentence caption that points to the table "Zahlen zur Grafik",
    which opens with the keyboard as a native ``details`` element). No toolbar: its buttons
    would sit inside that image. A chart of fixed width is ``im-compact``: two stand side by side."""
    if source_line_of(fig) is None:
        raise ValueError("Grafik ohne Quellenzeile: zuerst helpers.presentation.charts.style(...) aufrufen.")
    document = pio.to_json(fig)
    chart_id = "im-chart-" + hashlib.sha1(document.encode()).hexdigest()[:12]  # stable for nbval diffs
    # The div from the JSON just written: validating and converting the figure a second time
    # would cost as much again and give the same text.
    compact = fig.layout.autosize is False and fig.layout.width
    div = pio.to_html(json.loads(document), validate=False, include_plotlyjs=False, full_html=False, div_id=chart_id,
                      config={"displaylogo": False, "responsive": not compact, "displayModeBar": False})
    title = html.unescape((fig.layout.title.text or "").replace("<br>", " "))
    description = describe(fig, sprache)
    if table is not None:
        description += " " + t("chart_describe_table", sprache, table=t("chart_table_summary", sprache))
    css = "im-chart im-compact" if compact else "im-chart"
    style_attr = f' style="width: {int(fig.layout.width)}px"' if compact else ""
    body = (f'<figure class="{css}"{style_attr}><div class="im-chart-plot" role="img" '
            f'aria-label="{html.escape(title)}" aria-describedby="{chart_id}-caption">{div}</div>')
    if table is not None:
        caption = html.escape(t("chart_table_summary", sprache))

        body += f'<details class="im-chart-table"><summary>{caption}</summary>{table_html(table)}</details>'
    body += (f'<figcaption id="{chart_id}-caption" class="im-visually-hidden">{html.escape(description)}</figcaption>'
             '</figure>')
    return {
        "application/vnd.plotly.v1+json": json.loads(document),
        "text/html": body,
        "text/plain": f"<{t('chart_word', sprache)}: {title}>",
    }


def show(fig: go.Figure, table: pd.DataFrame | None = None, sprache: str = "de") -> None:
    """Display a styled figure for both JupyterLab and the exported HTML briefing."""
    display(figure_bundle(fig, table, sprache), raw=True)


# --- builders ---------------------------------------------------------------------------------
# Builders take source ids, never a free-text source line, so every chart cites helpers.presentation.sources:
# ``refer`` turns them into the line, the full citation by default, a briefing's numbers
# ("Quellen: [3], [7]", sources.Numbering.refer) inside a briefing. ``unit`` ("%" or a word) and
# ``decimals`` say how values are printed (hover, labels, description; None: from the values).
Refer = Callable[..., str]


def cite_line(source_ids: list[str] | tuple[str, ...], sprache: str, refer: Refer) -> str:
    """The source line of a chart; a chart without source ids is refused, not left unsourced."""
    if not source_ids:
        raise ValueError("Jede Grafik braucht Quellen (source_ids); ohne Quelle wird keine Grafik gezeigt.")
    return refer(list(dict.fromkeys(source_ids)), sprache=sprache)


def _note(fig: go.Figure, key: str, sprache: str, raised: bool = False) -> None:
    """The note above the plot's right edge that explains hatched bars or hollow dots; ``raised``: a row
    higher, clear of a reference line's label at the top of the plot."""
    fig.add_annotation(text=escape(t(key, sprache)), showarrow=False, xref="paper", yref="paper", x=1, y=1,
                       yshift=6 + (NOTE_ROW_PX if raised else 0), xanchor="right", yanchor="bottom",
                       font=dict(size=10, color=NOTE_COLOUR))


def reference_line(fig: go.Figure, value: float | pd.Timestamp, label: str | None, *, vertical: bool,
                   line: dict[str, object] | None = None) -> None:
    """A line across the plot at ``value`` (on the x axis if ``vertical``), by default the dashed reference line,
    with ``label`` above it (centred over a vertical line, at the right end of a horizontal one; ``None``: no
    label): the shape and annotation plotly's ``add_vline``/``add_hline`` make, without their subplot search,
    which costs several times as much."""
    line = line or dict(color=REFERENCE, dash="dash", width=2)
    if vertical:
        fig.add_shape(type="line", x0=value, x1=value, xref="x", y0=0, y1=1, yref="y domain", line=line)
        place = dict(x=value, xanchor="center", xref="x", y=1, yanchor="bottom", yref="y domain")
    else:
        fig.add_shape(type="line", x0=0, x1=1, xref="x domain", y0=value, y1=value, yref="y", line=line)
        place = dict(x=1, xanchor="right", xref="x domain", y=value, yanchor="bottom", yref="y")
    if label is not None:
        fig.add_annotation(text=escape(label), showarrow=False, font=dict(color=REFERENCE), **place)


def _missing_label(fig: go.Figure, x: float, sprache: str, upright: bool = False) -> None:
    """"k. A." on the baseline of a slot without a figure (never a zero bar)."""
    fig.add_annotation(text=fmt.MISSING[sprache], x=x, y=0, yref="y", xref="x", showarrow=False, yanchor="bottom",
                       textangle=-90 if upright else 0, font=dict(size=10, color=NOTE_COLOUR), name="missing")


def bars(frame: pd.DataFrame, *, x: str, y: str, title: str, source_ids: list[str] | tuple[str, ...],
         sprache: str = "de", group: str | None = None, status: str | None = "status",
         reference: float | None = None, reference_label: str = "", highlight: str | None = None,
         categories: list[str] | None = None, y_title: str = "", x_title: str = "", height: int = 420,
         unit: str = "", decimals: int | None = None, noun: str | None = None, compact: bool = False,
         refer: Refer = sources.cite) -> go.Figure:
    """Vertical bars in the order of ``frame`` (or of ``categories``): years (numeric ``x``: every year
    from the first to the last has a slot, a year without a figure a grey "k. A." band), or categories
    with groups side by side (``group``; a missing group value is a "k. A." slot), optionally with a
    reference line. Non-published values (``status``) are hatched, and a note says so. ``compact``: drawn
    at :data:`COMPACT_WIDTH` (a few categories), to stand beside the text that follows."""
    shown = chart_text.formatter(unit, decimals, frame[y], sprache)
    years_axis = pd.api.types.is_numeric_dtype(frame[x]) and group is None
    groups = list(dict.fromkeys(frame[group])) if group else [None]
    order = categories or list(dict.fromkeys(frame[x]))
    traces, points, absent = [], [], []
    for i, name in enumerate(groups):
        part = frame if name is None else frame[frame[group] == name]
        if not years_axis:  # every category gets a slot in every group
            part = part.set_index(x).reindex(order).reset_index()
        labels, values = part[x].tolist(), part[y].tolist()
        colours = [HIGHLIGHT if highlight is None or label == highlight else CONTEXT for label in labels]
        where = [str(label) if name is None else f"{name}, {label}" for label in labels]
        points += list(zip(values, where, strict=True))
        absent += [(order.index(label), i) for label, v in zip(labels, values, strict=True)
                   if fmt.is_missing(v) and not years_axis]
        traces.append(dict(
            type="bar", x=labels, y=values, name=str(name or ""), showlegend=group is not None,
            hovertext=[f"{w}: {shown(v)}" for w, v in zip(where, values, strict=True)], hovertemplate=HOVER,
            marker=dict(color=PALETTE[i % len(PALETTE)] if group else colours,
                        pattern=dict(shape=[pattern(s) if isinstance(s, str) else "" for s in part[status]]
                                     if status in part else [""] * len(part))),
        ))
    fig = go.Figure(traces)
    if status in frame and any(pattern(s) for s in frame[status]):
        _note(fig, "chart_hatched", sprache)
    if reference is not None:
        reference_line(fig, reference, reference_label, vertical=False)
    y_axis = dict(tickformat=",~f")  # 60.000, not d3's "60k"
    year_range: dict[str, object] = {}  # set in the last call (FEW_UPDATES), after the bands of missing years
    if years_axis:
        fig.update_layout(yaxis=y_axis)
        missing, year_range = _year_gaps(fig, frame, x, y, sprache)
    else:
        # Long category names wrap into lines instead of turning sideways into the legend.
        label_width = CATEGORY_LABEL_WIDTH * 2 // 3 if compact else CATEGORY_LABEL_WIDTH
        fig.update_layout(yaxis=y_axis, xaxis=dict(
            type="category", categoryorder="array", categoryarray=order, tickangle=0, tickmode="array",
            tickvals=order, ticktext=["<br>".join(textwrap.wrap(escape(str(n)), label_width)) for n in order]))
        for position, i in absent:  # the slot of group i within its category, as plotly places grouped bars
            _missing_label(fig, position - (1 - BARGAP) / 2 + (i + 0.5) * (1 - BARGAP) / len(groups), sprache,
                           upright=len(groups) > 1)
        missing = fmt.format_list([w for v, w in points if fmt.is_missing(v)], sprache) if absent else ""
    fig.update_layout(**({"xaxis": year_range} if year_range else {}), barmode="group", bargap=BARGAP, bargroupgap=0,
                      meta=meta(chart_text.describe("bars", title, points, shown, sprache, noun, missing)))
    narrow = dict(width=COMPACT_WIDTH, source_width=COMPACT_SOURCE_WIDTH) if compact else {}
    return style(fig, title=title, source_line=cite_line(source_ids, sprache, refer), y_title=y_title, x_title=x_title,
                 sprache=sprache, height=height, **narrow)


def _year_gaps(fig: go.Figure, frame: pd.DataFrame, x: str, y: str, sprache: str) -> tuple[str, dict[str, object]]:
    """Every year from the first to the last figure on the axis; each run of years without a figure
    a grey band labelled "k. A."; returns those years as text ("2001–2010, 2017") and the axis range
    that shows every year (for the caller's next layout update; empty without a figure)."""
    present = frame.loc[frame[y].notna(), x].astype(int)
    if present.empty:
        return "", {}
    first, last = int(present.min()), int(present.max())
    gaps = sorted(set(range(first, last + 1)) - set(present))
    for run in chart_text.runs(gaps):
        fig.add_shape(type="rect", x0=run[0] - 0.45, x1=run[-1] + 0.45, y0=0, y1=1, yref="paper", xref="x",
                      fillcolor=GAP_FILL, line=dict(width=0), layer="below")
        _missing_label(fig, (run[0] + run[-1]) / 2, sprache, upright=len(run) < 3)
    return chart_text.years(gaps, sprache), dict(range=[first - 0.6, last + 0.6])


def dots(frame: pd.DataFrame, *, x: str, y: str, title: str, source_ids: list[str] | tuple[str, ...],
         sprache: str = "de", status: str | None = "status", reference: float | None = None,
         reference_label: str = "", highlight: str | None = None, note: str | None = None, x_title: str = "",
         unit: str = "", decimals: int | None = None, noun: str | None = None,
         refer: Refer = sources.cite) -> go.Figure:
    """A ranking: one row per place (``x``) in the order of ``frame``, each named, a dot at its value
    on a thin stem from zero; non-published values are hollow dots. A row without a value (the places
    not ranked: no figure, or only a lower bound) keeps its name and shows its ``note`` column's text
    (default "k. A.") instead of a dot. Drawn at :data:`COMPACT_WIDTH`."""
    shown = chart_text.formatter(unit, decimals, frame[y], sprache)
    labels, values = [str(v) for v in frame[x]], frame[y].tolist()
    drawn = [not fmt.is_missing(v) for v in values]
    statuses = frame[status].tolist() if status in frame else [""] * len(frame)
    notes = frame[note].tolist() if note in frame else [fmt.MISSING[sprache]] * len(frame)
    hollow = [bool(pattern(s)) for s, d in zip(statuses, drawn, strict=True) if d]
    colours = [HIGHLIGHT if highlight is None or label == highlight else CONTEXT
               for label, d in zip(labels, drawn, strict=True) if d]
    points = [(v, label) for v, label, d in zip(values, labels, drawn, strict=True) if d]
    left_out = [(label, n) for label, n, d in zip(labels, notes, drawn, strict=True) if not d]
    traces = [
        dict(type="scatter", x=[v for value, _ in points for v in (0, value, None)],
             y=[v for _, label in points for v in (label, label, None)], mode="lines",
             line=dict(color="#BBBBBB", width=2), hoverinfo="skip", showlegend=False),
        dict(type="scatter", x=[v for v, _ in points], y=[label for _, label in points], mode="markers",
             showlegend=False, name="", hovertext=[f"{label}: {shown(v)}" for v, label in points], hovertemplate=HOVER,
             marker=dict(size=10, color=colours, symbol=["circle-open" if h else "circle" for h in hollow],
                         line=dict(color=colours, width=2))),
    ]
    if left_out:
        traces.append(dict(type="scatter", x=[0] * len(left_out), y=[label for label, _ in left_out], mode="text",
                           text=[escape(str(n)) for _, n in left_out], textposition="middle right",
                           textfont=dict(size=11, color=NOTE_COLOUR), hoverinfo="skip", showlegend=False))
    fig = go.Figure(traces)
    if any(hollow):
        _note(fig, "chart_hollow", sprache, raised=reference is not None)
    if reference is not None:
        reference_line(fig, reference, reference_label, vertical=True)
    missing = fmt.format_list([label if n == fmt.MISSING[sprache] else f"{label} ({n})" for label, n in left_out],
                              sprache)
    fig.update_layout(  # one call (FEW_UPDATES)
        yaxis=dict(autorange="reversed", type="category", automargin=True, showgrid=True, gridcolor="#EEEEEE",
                   categoryorder="array", categoryarray=labels, tickmode="array", tickvals=labels,
                   ticktext=[escape(label) for label in labels], tickfont=dict(size=11)),
        xaxis=dict(tickformat=",~f", rangemode="tozero", nticks=6, ticksuffix="\u00a0%" if unit == "%" else ""),
        meta=meta(chart_text.describe("dots", title, points, shown, sprache, noun, missing), kind="ranking"),
    )
    return style(fig, title=title, source_line=cite_line(source_ids, sprache, refer), x_title=x_title, sprache=sprache,
                 plot_px=ROW_PX * len(labels) + 12, source_width=COMPACT_SOURCE_WIDTH, width=COMPACT_WIDTH,
                 note_rows=2 if any(hollow) and reference is not None else 1)


# --- research (helpers.research, notebooks/explore) ---------------------------------------------

def scatter(frame: pd.DataFrame, *, x: str, y: str, label: str, title: str, source_ids: list[str] | tuple[str, ...],
            sprache: str = "de", highlight: list[str] | tuple[str, ...] = (), status: str | None = "status",
            x_title: str = "", y_title: str = "", height: int = 480, refer: Refer = sources.cite) -> go.Figure:
    """One dot per region (``label``), ``x`` against ``y``, each region named on hover; regions in
    ``highlight`` are coloured and named beside their dot. Dots with a non-published value (``status`` of
    either axis: ``status_x``/``status_y`` as :func:`helpers.research.side_by_side` gives them, or one
    ``status`` column) are hollow, and a note says so."""
    names = frame[label].astype(str).tolist()
    marked = set(highlight)
    statuses = [c for c in (status, f"{status}_x", f"{status}_y") if status and c in frame]
    hollow = [any(pattern(frame[c].iloc[i]) for c in statuses) for i in range(len(frame))]
    colours = [HIGHLIGHT if n in marked or not marked else CONTEXT for n in names]
    fig = go.Figure([dict(
        type="scatter", x=frame[x].tolist(), y=frame[y].tolist(), mode="markers+text", showlegend=False, name="",
        text=[escape(n) if n in marked else "" for n in names], textposition="top center",
        hovertext=[escape(n) for n in names], hoverinfo="text+x+y",
        marker=dict(size=10, color=colours, symbol=["circle-open" if h else "circle" for h in hollow],
                    line=dict(color=colours, width=1.5)),
    )])
    if any(hollow):
        _note(fig, "chart_hollow", sprache)
    fig.update_xaxes(tickformat=",~f", showgrid=True, gridcolor="#EEEEEE", rangemode="normal")
    fig.update_yaxes(tickformat=",~f", rangemode="normal")
    return style(fig, title=title, source_line=cite_line(source_ids, sprache, refer), x_title=x_title, y_title=y_title,
                 sprache=sprache, height=height)


def ranking(frame: pd.DataFrame, *, label: str, value: str, title: str, source_ids: list[str] | tuple[str, ...],
            sprache: str = "de", highlight: str | None = None, status: str | None = "status", x_title: str = "",
            refer: Refer = sources.cite) -> go.Figure:
    """The regions of ``frame`` from the highest ``value`` down, one dot per region (:func:`dots`); a label
    that should say the rank ("40. Kleve") is the caller's, from :func:`helpers.research.ranked`."""
    ordered = frame.sort_values([value, label], ascending=[False, True], kind="mergesort", na_position="last")
    return dots(ordered, x=label, y=value, title=title, source_ids=source_ids, sprache=sprache, status=status,
                highlight=highlight, x_title=x_title, refer=refer)
