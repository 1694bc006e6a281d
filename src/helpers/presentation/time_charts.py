"""Charts over time: a series with breaks of method (:func:`line_with_breaks`), small multiples per Kommune
(:func:`small_multiples`), yearly series with their gaps kept open, and year labels at year-end dates.
House style, descriptions and display as in :mod:`helpers.presentation.charts`."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from helpers import fmt
from helpers.data.status import Status
from helpers.i18n import t
from helpers.presentation import chart_text, sources
from helpers.presentation.charts import (
    COMPACT_SOURCE_WIDTH,
    COMPACT_WIDTH,
    CONTEXT,
    DASHES,
    HOVER,
    MARKERS,
    NOTE_COLOUR,
    PALETTE,
    Refer,
    cite_line,
    escape,
    meta,
    reference_line,
    style,
)

PANEL_PX, PANEL_GAP_PX = 56, 42  # a small multiple's plot, and its title and year labels below


def line_with_breaks(frame: pd.DataFrame, *, title: str, source_ids: list[str] | tuple[str, ...],
                     sprache: str = "de", x: str = "date", y: str = "value", series: str = "series",
                     segment: str = "segment", status: str = "status", break_label: str = "",
                     breaks: list[str] | dict[str, object] | None = None, y_title: str = "", x_title: str = "",
                     height: int = 420, unit: str = "", decimals: int | None = None, compact: bool = False,
                     refer: Refer = sources.cite) -> go.Figure:
    """Time series that are never joined across a change of method (census base).

    Each ``series`` (e.g. the Kommune) is drawn as one line per ``segment`` (its census base),
    so no line crosses a change, nor a year without a figure (:func:`with_gaps`). A dotted vertical
    line labelled ``break_label`` marks where each segment named in ``breaks`` begins (default: every
    segment after a series' first); a mapping ``{segment: date}`` puts the line at that date instead,
    e.g. the census day the new base counts from. Points that are not exact official prints
    (``status``) get hollow markers. Year-end dates are labelled with their own year (31.12.2024 is
    "2024", not a tick "2025" beside it). ``compact``: drawn at :data:`~helpers.presentation.charts.COMPACT_WIDTH`,
    beside the text that follows.
    """
    shown = chart_text.formatter(unit, decimals, frame[y], sprache)
    traces, starts, points, gaps = [], set(), [], []
    names = list(dict.fromkeys(frame[series]))
    for i, name in enumerate(names):
        part = frame[frame[series] == name].sort_values(x)
        segments = list(dict.fromkeys(part[segment]))
        for j, seg in enumerate(segments):
            points_of, missing_dates = with_gaps(part[part[segment] == seg], x, y)
            gaps += missing_dates
            hollow = [isinstance(s, str) and s != Status.PUBLISHED
                      for s in points_of.get(status, [None] * len(points_of))]
            where = [chart_text.when(d, sprache) if len(names) == 1 else f"{name}, {chart_text.when(d, sprache)}"
                     for d in points_of[x]]
            points += list(zip(points_of[y], where, strict=True))
            traces.append(dict(
                type="scatter", x=points_of[x], y=points_of[y], name=str(seg) if len(names) == 1 else f"{name}: {seg}",
                mode="lines+markers", line=dict(color=PALETTE[i % len(PALETTE)], dash=DASHES[j % len(DASHES)]),
                hovertext=[f"{w}: {shown(v)}" for w, v in zip(where, points_of[y], strict=True)], hovertemplate=HOVER,
                marker=dict(size=8, symbol=[MARKERS[j % len(MARKERS)] + ("-open" if h else "") for h in hollow]),
            ))
            if (j and breaks is None) or (breaks is not None and seg in breaks):
                at = breaks.get(seg) if isinstance(breaks, dict) else None
                starts.add(pd.Timestamp(at) if at is not None else points_of[x].min())
    fig = go.Figure(traces)
    for when in sorted(starts):
        reference_line(fig, when, None, vertical=True, line=dict(color=CONTEXT, dash="dot", width=1.5))
        fig.add_annotation(x=when, y=1, yref="paper", text=escape(break_label), showarrow=False,
                           xanchor="left", yanchor="bottom", font=dict(size=10, color=NOTE_COLOUR))
    gap_years = chart_text.years([d.year for d in gaps], sprache) if gaps else ""
    fig.update_layout(  # one call (FEW_UPDATES)
        yaxis=dict(rangemode="normal", tickformat=",~f"),  # 52.000, not 52k
        # never turned: the bottom margin reserves one line of labels
        xaxis=dict(**year_tick_settings(frame[x], most=6 if compact else 12), tickangle=0),
        meta=meta(chart_text.describe("lines", title, points, shown, sprache, missing=gap_years)),
    )
    narrow = dict(width=COMPACT_WIDTH, source_width=COMPACT_SOURCE_WIDTH) if compact else {}
    return style(fig, title=title, source_line=cite_line(source_ids, sprache, refer), y_title=y_title, x_title=x_title,
                 sprache=sprache, height=height, **narrow)


def small_multiples(frame: pd.DataFrame, *, facet: str, x: str, y: str, title: str,
                    source_ids: list[str] | tuple[str, ...], sprache: str = "de", split: str | None = None,
                    columns: int | None = None, y_title: str = "", unit: str = "", decimals: int | None = None,
                    refer: Refer = sources.cite) -> go.Figure:
    """One small line chart per ``facet`` value (the Kommunen), each on its own y scale (not from zero)
    so a small Gemeinde's trend is as visible as Kleve's; eight panels a row from 13 Kommunen on. Rows
    with different ``split`` values (census bases) get separate lines in one colour per value across all
    panels, named once in the legend, so no line crosses a break of method; a year without a figure
    inside a yearly series is a gap in its line."""
    from plotly.subplots import make_subplots

    shown = chart_text.formatter(unit, decimals, frame[y], sprache)
    names = list(dict.fromkeys(frame[facet]))
    columns = columns or (8 if len(names) > 12 else 4)
    lines, seen = (list(dict.fromkeys(frame.sort_values(x)[split])) if split else []), set()
    rows = -(-len(names) // columns)
    panel_share = PANEL_PX / (PANEL_PX + PANEL_GAP_PX)
    fig = make_subplots(rows=rows, cols=columns, subplot_titles=[escape(n) for n in names],
                        vertical_spacing=(1 - panel_share) / rows if rows > 1 else 0.1, horizontal_spacing=0.045)
    traces, cells, points, gaps = [], [], [], []
    for i, (name, panel) in enumerate(frame.groupby(facet, sort=False)):
        for line, part in (panel.groupby(split, sort=False) if split else [(name, panel)]):
            part, missing_dates = with_gaps(part, x, y)
            gaps += [f"{name} {chart_text.when(d, sprache)}" for d in missing_dates]
            j = lines.index(line) if split else 0
            where = [f"{name}, {chart_text.when(d, sprache)}" for d in part[x]]
            points += list(zip(part[y], where, strict=True))
            traces.append(dict(type="scatter", x=part[x], y=part[y], mode="lines+markers", name=str(line),
                               legendgroup=str(line), showlegend=bool(split) and line not in seen,
                               hovertext=[f"{w}: {shown(v)}" for w, v in zip(where, part[y], strict=True)],
                               hovertemplate=HOVER,
                               line=dict(color=PALETTE[j % len(PALETTE)], dash=DASHES[j % len(DASHES)]),
                               marker=dict(size=4, symbol=MARKERS[j % len(MARKERS)])))
            cells.append((i // columns + 1, i % columns + 1))
            seen.add(line)
    # All traces and each axis setting in one call (see TRACES_AS_PROPERTIES).
    fig.add_traces(traces, rows=[r for r, _ in cells], cols=[c for _, c in cells])
    # Narrow panels: a few year labels, never turned. Every panel's settings in one call (FEW_UPDATES).
    x_axis = dict(tickangle=0, nticks=3, tickformat="%Y", tickfont=dict(size=10), **year_tick_settings(frame[x], 2))
    y_axis = dict(tickformat=",~f", rangemode="normal", nticks=3, tickfont=dict(size=10))
    fig.update_layout(
        annotations=[dict(font=dict(size=11))] * len(fig.layout.annotations),
        **{axis.plotly_name: y_axis for axis in fig.select_yaxes()},
        **{axis.plotly_name: x_axis for axis in fig.select_xaxes()},
        meta=meta(chart_text.describe("small_multiples", title, points, shown, sprache,
                                      t("chart_noun_kommunen", sprache),
                                      fmt.format_list(gaps, sprache) if len(gaps) <= 6 else "", count=len(names))),
    )
    return style(fig, title=title, source_line=cite_line(source_ids, sprache, refer), y_title=y_title, sprache=sprache,
                 plot_px=rows * (PANEL_PX + PANEL_GAP_PX) - PANEL_GAP_PX + 20, legend_above=True)


def with_gaps(points: pd.DataFrame, x: str, y: str) -> tuple[pd.DataFrame, list[pd.Timestamp]]:
    """A yearly series (every date the same day of the year) with an empty row for each year between its
    first and last date that has no figure, so its line breaks there instead of bridging the gap; the
    dates added. Other series are returned as they are."""
    stamps = pd.to_datetime(points[x], errors="coerce")
    if len(points) < 2 or stamps.isna().any() or stamps.dt.strftime("%m-%d").nunique() != 1:
        return points.sort_values(x), []
    day = stamps.iloc[0]
    every = [day.replace(year=year) for year in range(stamps.dt.year.min(), stamps.dt.year.max() + 1)]
    missing = sorted(set(every) - set(stamps[points[y].notna()]))
    if not missing:
        return points.sort_values(x), []
    return pd.concat([points, pd.DataFrame({x: missing})], ignore_index=True).sort_values(x), missing


def year_tick_settings(dates: pd.Series, most: int = 12) -> dict[str, object]:
    """The settings of a date axis of reference-date data that label it with the years of its year-end dates,
    at those dates (plotly's own ticks put "2025" on 1 January, right beside a 31.12.2024 point); empty
    without a year-end date."""
    stamps = pd.to_datetime(pd.Series(dates), errors="coerce").dropna()
    year_ends = sorted({d for d in stamps if d.month == 12 and d.day == 31})
    if not year_ends:
        return {}
    step = -(-len(year_ends) // most)
    chosen = year_ends[::-1][::step][::-1]  # keep the latest year labelled
    return dict(tickmode="array", tickvals=chosen, ticktext=[str(d.year) for d in chosen])
