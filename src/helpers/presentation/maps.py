"""Maps of the Kommunen of a Kreis: a choropleth for any municipal indicator and a small locator map.

Drawn as plain plotly ``Scatter`` polygons on hidden axes (lon/lat, aspect corrected for the
Kreis' latitude), not as plotly geo traces: plotly.js fetches a world topojson from a CDN for every
geo subplot whose first trace has a ``locationmode`` — ``geojson-id`` included — so an offline
briefing would show an empty map. The shipped boundaries hold every Gemeinde of NRW (see
helpers.data.geo). Without checked boundaries the same functions draw a schematic map of the town
centres and say so under the chart; town centres exist for Kreis Kleve only, so then another Kreis
gets no map rather than a wrong one: ask :func:`covers` first. Display with
``helpers.presentation.charts.show(fig)``.
"""
from __future__ import annotations

import html
import math
import textwrap
from functools import partial

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import shapely
from plotly.colors import sample_colorscale

from helpers import fmt
from helpers.data import geo
from helpers.i18n import check_sprache, t
from helpers.kommunen import Region, kommunen, kreis, kreis_phrases, region
from helpers.presentation import chart_text
from helpers.presentation.chart_text import format_value
from helpers.presentation.charts import (
    COMPACT_SOURCE_WIDTH,
    COMPACT_WIDTH,
    CONTEXT,
    HIGHLIGHT,
    LEGEND_ROW_PX,
    Refer,
    add_footnote,
    footnote_text,
    style,
)
from helpers.presentation.sources import cite

# Blues without its near-white end, so the lowest value still stands out from the page.
COLORSCALE = [[i / 8, c] for i, c in enumerate(sample_colorscale("Blues", list(np.linspace(0.2, 0.95, 9))))]
MISSING_FILL = "#E6E6E6"
MISSING_PATTERN = dict(shape="/", fgcolor="#9E9E9E", bgcolor=MISSING_FILL, size=7, solidity=0.15)
BORDER = "#FFFFFF"
OUTLINE = "#000000"
LINE_PX = 18  # bottom-margin lines under the map: the fallback note, then the source line
NOTE_WIDTH = 95  # characters per note line; plotly annotations do not wrap by themselves


def choropleth(values: pd.Series, *, title: str, source_ids: list[str] | None = None,
               source_line: str | None = None, sprache: str = "de", highlight: str | int | None = None,
               decimals: int = 1, height: int = 480, refer: Refer = cite) -> go.Figure:
    """Colour the Kommunen of one Kreis by a share or rate: ``values`` in percent (indexed by AGS; names
    and int AGS accepted too). Only shares and rates are mapped: a map coloured by a count (population,
    recipients) draws the eye to the large towns and says nothing about them.

    Kommunen of the Kreis without a value are grey and hatched with a "k. A." hover, never drawn as 0. ``highlight``
    (name or AGS) outlines one Kommune. Give the data source as ``source_ids`` (cited through ``refer``,
    as by the charts) or a finished ``source_line``; the boundary attribution is added here.
    """
    check_sprache(sprache)
    table = _table(values)
    present = table["value"].dropna()
    low, high = (present.min(), present.max()) if len(present) else (0.0, 1.0)
    span = (high - low) or 1.0
    table["label"] = [format_value(v, "%", decimals, sprache) for v in table["value"]]
    table["fill"] = [
        None if pd.isna(v) else sample_colorscale(COLORSCALE, [(v - low) / span])[0] for v in table["value"]
    ]
    target = region(highlight, level="kommune").ags if highlight is not None else None
    shapes = geo.boundaries()
    if shapes is not None:
        geometries = shapes.set_index("ags").geometry
        traces = [_polygon(geometries[ags], row, outline=ags == target, fill=row["fill"])
                  for ags, row in table.iterrows()]
        traces.append(_labels(table, mode="text"))
    else:
        traces = [_tiles(table, target)]
    if len(present):
        traces.append(_colorbar(table, low, high))
    if table["value"].isna().any():
        traces.append(_missing_legend(sprache))
    fig = go.Figure().add_traces(traces)
    shown = partial(format_value, unit="%", decimals=decimals, sprache=sprache)
    places = _kreis_texts(table, sprache)
    summary = chart_text.describe("map", t("map_describe_choropleth", sprache, **places, title=title),
                                  zip(table["value"], table["name"], strict=True), shown, sprache,
                                  t("chart_noun_kommunen", sprache),
                                  fmt.format_list(list(table.loc[table["value"].isna(), "name"]), sprache))
    fig.update_layout(meta={"description": summary})
    return _finish(fig, table, title=title, source_line=_data_source(source_ids, source_line, sprache, refer),
                   sprache=sprache, height=height, compact=True)


def locator(ags: str | int, sprache: str = "de", height: int = 340) -> go.Figure:
    """A small map of the Kreis with one Kommune (name or AGS) filled, for the Kommunenprofil."""
    check_sprache(sprache)
    target = region(ags, level="kommune")
    table = _table(pd.Series(dtype=float), target.kreis_ags)
    if target.ags not in table.index:
        raise ValueError(_not_drawn([target]))
    table["label"] = ""
    shapes = geo.boundaries()
    if shapes is not None:
        geometries = shapes.set_index("ags").geometry
        traces = [_polygon(geometries[code], row, outline=False, fill=HIGHLIGHT if code == target.ags else MISSING_FILL)
                  for code, row in table.iterrows()]
        traces.append(_labels(table.loc[[target.ags]], mode="text"))
    else:
        table["fill"] = [HIGHLIGHT if code == target.ags else CONTEXT for code in table.index]
        sizes = [18 if code == target.ags else 10 for code in table.index]
        traces = [_tiles(table, None, labelled={target.ags}, size=sizes)]
    fig = go.Figure().add_traces(traces)
    places = _kreis_texts(table, sprache)
    fig.update_layout(meta={"description": t("map_describe_locator", sprache, **places, name=target.name)})
    return _finish(fig, table, title=t("map_locator_title", sprache, **places, name=target.name), source_line="",
                   sprache=sprache, height=height, compact=True)


def covers(name_or_ags: str | int) -> bool:
    """Whether the maps can draw this Kommune or every Kommune of this Kreis (name or AGS): with the
    checked boundaries every Gemeinde of NRW, without them the town centres (Kreis Kleve only)."""
    target = region(name_or_ags)
    wanted = {target.ags} if target.level == "kommune" else {r.ags for r in kommunen(target.ags)}
    return bool(wanted) and wanted <= _drawable()


def _drawable() -> set[str]:
    """The AGS the maps can place: those of the checked boundaries, else those with a town centre."""
    shapes = geo.boundaries()
    return set(shapes["ags"] if shapes is not None else geo.municipalities()["ags"])


def _places(kreis_ags: str) -> pd.DataFrame:
    """Name and label position (x = lon, y = lat) of every Kommune of the Kreis: a point inside its area
    (away from the neighbours' labels better than the town centre), or the town centre without boundaries."""
    members = kommunen(kreis_ags)
    if not members or not {r.ags for r in members} <= _drawable():
        raise ValueError(_not_drawn(members or [kreis(kreis_ags)]))
    shapes = geo.boundaries()
    if shapes is not None:
        points = shapely.point_on_surface(shapes.set_index("ags").geometry.reindex([r.ags for r in members]).values)
        x, y = shapely.get_x(points), shapely.get_y(points)
    else:
        centres = geo.municipalities().set_index("ags").reindex([r.ags for r in members])
        x, y = centres["lon_town_centre"].to_numpy(), centres["lat_town_centre"].to_numpy()
    return pd.DataFrame({"name": [r.name for r in members], "x": x, "y": y}, index=[r.ags for r in members])


def _kreis_texts(table: pd.DataFrame, sprache: str) -> dict[str, object]:
    """The Kreis placeholders of the map texts, for the Kreis drawn (``n_kommunen``: the areas drawn)."""
    drawn = kreis(region(table.index[0]).kreis_ags)
    return {**kreis_phrases(drawn, sprache), "n_kommunen": len(table)}


def _not_drawn(regions: list[Region]) -> str:
    """The refusal for Kommunen the maps cannot place (a programming error: callers ask covers())."""
    names = ", ".join(r.name for r in regions)
    return (f"Keine Karte für {names}: ohne geprüfte Gemeindegrenzen liegen Ortsmitten nur für die Kommunen "
            "des Kreises Kleve vor. Bitte vorher helpers.presentation.maps.covers() fragen und ohne Karte auskommen.")


def _table(values: pd.Series, kreis_ags: str | None = None) -> pd.DataFrame:
    """Values on the AGS of the Kommunen of one Kreis (``kreis_ags``, else the Kreis of the values; names and
    int AGS accepted); Kommunen without a value become missing, not 0; a Kommune of another Kreis is refused."""
    regions = [region(key, level="kommune") for key in values.index]
    index = [r.ags for r in regions]
    if len(set(index)) != len(index):
        raise ValueError(f"Kommunen doppelt in den Kartenwerten: {list(values.index)}; bitte je Kommune einen Wert.")
    kreise = {r.kreis_ags for r in regions} | ({kreis_ags} if kreis_ags else set())
    if len(kreise) != 1:
        raise ValueError(f"Eine Karte zeigt die Kommunen eines Kreises; die Werte gehören zu {len(kreise)} Kreisen: "
                         f"{', '.join(sorted(kreise))}.")
    table = _places(kreise.pop())
    table["value"] = pd.Series(pd.to_numeric(values, errors="raise").to_numpy(dtype=float), index=index)
    table["fill"] = None
    return table


def _hover(row: pd.Series) -> str:
    name = f"<b>{html.escape(row['name'])}</b>"
    return f"{name}<br>{html.escape(row['label'])}" if row["label"] else name


# The trace builders return plain trace properties: plotly validates a trace when it is added to a
# figure, and a ready ``go.Scatter`` would be validated a second time there (same output, twice the cost).

def _polygon(geometry, row: pd.Series, *, outline: bool, fill: str | None) -> dict[str, object]:
    """One Kommune as a filled outline (exterior rings: a Gemeinde enclosed by another is drawn over it),
    hover on the area."""
    xs: list[float | None] = []
    ys: list[float | None] = []
    for part in shapely.get_parts(geometry):
        x, y = part.exterior.coords.xy
        xs += [*x, None]
        ys += [*y, None]
    return dict(
        type="scatter",
        x=xs, y=ys, mode="lines", fill="toself", hoveron="fills", hoverinfo="text", text=_hover(row),
        name=row["name"], meta=row.name, showlegend=False,
        fillcolor=fill or MISSING_FILL,
        fillpattern=MISSING_PATTERN if fill is None else None,
        line=dict(color=OUTLINE if outline else BORDER, width=3 if outline else 1),
    )


def _labels(table: pd.DataFrame, *, mode: str) -> dict[str, object]:
    """Names at their label positions; the hover there repeats the value for precise pointing."""
    return dict(
        type="scatter",
        x=table["x"], y=table["y"], mode=mode, text=table["name"],
        textfont=dict(size=10, color="#222222"), hovertext=[_hover(row) for _, row in table.iterrows()],
        hoverinfo="text", showlegend=False,
    )


def _tiles(table: pd.DataFrame, target: str | None, labelled: set[str] | None = None,
           size: int | list[int] = 24) -> dict[str, object]:
    """The schematic fallback: one square per Kommune at its town centre, coloured like the map."""
    codes = list(table.index)
    trace = _labels(table, mode="markers+text")
    trace.update(
        text=[name if labelled is None or code in labelled else ""
              for code, name in zip(codes, table["name"], strict=True)],
        textposition="bottom center",
        marker=dict(
            symbol="square", size=size, color=[fill or MISSING_FILL for fill in table["fill"]],
            line=dict(color=[OUTLINE if code == target else "#777777" for code in codes],
                      width=[3 if code == target else 1 for code in codes]),
        ),
    )
    return trace


def _colorbar(table: pd.DataFrame, low: float, high: float) -> dict[str, object]:
    """An invisible trace that carries the colour bar (Scatter fills have none of their own)."""
    return dict(
        type="scatter",
        x=table["x"].iloc[:2], y=table["y"].iloc[:2], mode="markers",
        marker=dict(size=0, opacity=0, color=[low, high], colorscale=COLORSCALE, cmin=low, cmax=high,
                    showscale=True, colorbar=dict(title=dict(text="%"), thickness=14, len=0.6, ticksuffix="\u00a0%")),
        hoverinfo="skip", showlegend=False,
    )


def _missing_legend(sprache: str) -> dict[str, object]:
    """Legend entry explaining the grey (on the boundary map also hatched) areas."""
    return dict(
        type="scatter",
        x=[None], y=[None], mode="lines", fill="toself", name=t("map_missing_legend", sprache), showlegend=True,
        fillcolor=MISSING_FILL, fillpattern=MISSING_PATTERN, line=dict(color="#9E9E9E", width=1), hoverinfo="skip",
    )


def _data_source(source_ids: list[str] | None, source_line: str | None, sprache: str, refer: Refer) -> str:
    if (source_ids is None) == (source_line is None):
        raise ValueError("Karte braucht genau eines von source_ids (Quellen-IDs) oder source_line (fertige Zeile).")
    if source_line is not None:
        return source_line
    return refer(source_ids, sprache=sprache)


def _finish(fig: go.Figure, table: pd.DataFrame, *, title: str, source_line: str, sprache: str, height: int,
            compact: bool = False) -> go.Figure:
    """House style, true proportions, hidden axes, and the boundary attribution or the fallback note;
    ``compact``: drawn at the compact charts' width, to stand beside the text (a Kreis is taller than wide)."""
    status = geo.boundaries_status()
    credit = status.attribution(sprache) if status.available else t("map_centres_source", sprache)
    # The locator has no data source of its own: its line cites the map basis alone.
    line = f"{source_line}; {credit}" if source_line else f"{t('source_prefix', sprache)}: {credit}"
    narrow = dict(width=COMPACT_WIDTH, source_width=COMPACT_SOURCE_WIDTH) if compact else {}
    style(fig, title=title, source_line=line, sprache=sprache, height=height, **narrow)
    latitude = float(table["y"].mean())
    note = textwrap.wrap(status.note(sprache) or "", NOTE_WIDTH * COMPACT_WIDTH // 980 if compact else NOTE_WIDTH)
    source = next(a for a in fig.layout.annotations if a.name == "source_line")
    lines = len(note) + source.text.count("<br>") + 1
    # Under the map, top to bottom: the legend ("Grau: keine Angabe"), the fallback note, the source line;
    # the legend is kept off the map, where it would cover a Kommune.
    legend_px = LEGEND_ROW_PX * sum(bool(trace.showlegend) for trace in fig.data)
    fig.update_layout(  # one call (helpers.presentation.charts.FEW_UPDATES)
        xaxis=dict(visible=False, showgrid=False, zeroline=False, constrain="domain"),
        yaxis=dict(visible=False, showgrid=False, zeroline=False, rangemode="normal",
                   scaleanchor="x", scaleratio=1 / math.cos(math.radians(latitude))),
        legend=dict(x=0, y=0, xanchor="left", yanchor="top", orientation="h"),
        margin=dict(l=20, r=20, b=legend_px + LINE_PX * lines + 10), hovermode="closest")
    fig.update_annotations(selector=dict(name="source_line"), yshift=-legend_px - LINE_PX * len(note) - 4)
    if note:
        add_footnote(fig, note, name="map_note", yshift=-legend_px - 4, size=11, color="#222222")
    return fig


def note_of(fig: go.Figure) -> str | None:
    """The fallback note under a map, if any (tests and the briefing's data notes read it)."""
    return footnote_text(fig, "map_note")
