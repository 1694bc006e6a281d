"""Maps of the Kommunen of Kreis Kleve: a choropleth for any municipal indicator and a small locator map.

Drawn as plain plotly ``Scatter`` polygons on hidden axes (lon/lat, aspect corrected for the
Kreis' latitude), not as plotly geo traces: plotly.js fetches a world topojson from a CDN for every
geo subplot whose first trace has a ``locationmode`` — ``geojson-id`` included — so an offline
briefing would show an empty map. Without checked boundaries (see helpers.data.geo) the same functions
draw a schematic map of the town centres and say so under the chart. Both cover only the Kreis of the
shipped town centres and boundaries (Kreis Kleve): ask :func:`covers` first, since another Kreis gets
no map rather than a wrong one. Display with ``helpers.presentation.charts.show(fig)``.
"""
from __future__ import annotations

import html
import math
import textwrap

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import shapely
from plotly.colors import sample_colorscale

from helpers.data import geo
from helpers.fmt import MISSING, format_number, format_percent
from helpers.i18n import check_sprache, t
from helpers.kommunen import Region, kommunen, kreis, kreis_phrases, region
from helpers.presentation.charts import CONTEXT, HIGHLIGHT, Refer, add_footnote, footnote_text, style
from helpers.presentation.sources import cite

# Blues without its near-white end, so the lowest value still stands out from the page.
COLORSCALE = [[i / 8, c] for i, c in enumerate(sample_colorscale("Blues", list(np.linspace(0.2, 0.95, 9))))]
MISSING_FILL = "#E6E6E6"
MISSING_PATTERN = dict(shape="/", fgcolor="#9E9E9E", bgcolor=MISSING_FILL, size=7, solidity=0.15)
BORDER = "#FFFFFF"
OUTLINE = "#000000"
LINE_PX = 18  # bottom-margin lines under the map: the fallback note, then the source line
NOTE_WIDTH = 95  # characters per note line; plotly annotations do not wrap by themselves


def choropleth(values: pd.Series, *, title: str, unit: str, source_ids: list[str] | None = None,
               source_line: str | None = None, sprache: str = "de", highlight: str | int | None = None,
               decimals: int = 1, height: int = 560, refer: Refer = cite) -> go.Figure:
    """Colour the 16 Kommunen by ``values`` (indexed by AGS; names and int AGS accepted too).

    Missing values are grey and hatched with a "k. A." hover, never drawn as 0. ``highlight``
    (name or AGS) outlines one Kommune. Give the data source as ``source_ids`` (cited through ``refer``,
    as by the charts) or a finished ``source_line``; the boundary attribution is added here.
    """
    check_sprache(sprache)
    table = _table(values)
    present = table["value"].dropna()
    low, high = (present.min(), present.max()) if len(present) else (0.0, 1.0)
    span = (high - low) or 1.0
    table["label"] = [_format(v, unit, decimals, sprache) for v in table["value"]]
    table["fill"] = [
        None if pd.isna(v) else sample_colorscale(COLORSCALE, [(v - low) / span])[0] for v in table["value"]
    ]
    target = region(highlight, level="kommune").ags if highlight is not None else None
    shapes = geo.boundaries()
    if shapes is not None:
        geometries = shapes.set_index("ags").geometry
        traces = [_polygon(geometries[ags], row, outline=ags == target, fill=row["fill"]) for ags, row in table.iterrows()]
        traces.append(_labels(_inside(table, geometries), mode="text"))
    else:
        traces = [_tiles(table, target)]
    if len(present):
        traces.append(_colorbar(table, low, high, unit))
    if table["value"].isna().any():
        traces.append(_missing_legend(sprache))
    fig = go.Figure().add_traces(traces)
    fig.update_layout(meta={"description": t("map_describe_choropleth", sprache, **_kreis_texts(table, sprache),
                                              title=title)})
    return _finish(fig, title=title, source_line=_data_source(source_ids, source_line, sprache, refer),
                   sprache=sprache, height=height)


def locator(ags: str | int, sprache: str = "de", height: int = 340) -> go.Figure:
    """A small map of the Kreis with one Kommune (name or AGS) filled, for the Kommunenprofil."""
    check_sprache(sprache)
    target = region(ags, level="kommune")
    table = _table(pd.Series(dtype=float))
    if target.ags not in table.index:
        raise ValueError(_not_drawn([target], table))
    table["label"] = ""
    shapes = geo.boundaries()
    if shapes is not None:
        geometries = shapes.set_index("ags").geometry
        traces = [_polygon(geometries[code], row, outline=False, fill=HIGHLIGHT if code == target.ags else MISSING_FILL)
                  for code, row in table.iterrows()]
        traces.append(_labels(_inside(table.loc[[target.ags]], geometries), mode="text"))
    else:
        table["fill"] = [HIGHLIGHT if code == target.ags else CONTEXT for code in table.index]
        sizes = [18 if code == target.ags else 10 for code in table.index]
        traces = [_tiles(table, None, labelled={target.ags}, size=sizes)]
    fig = go.Figure().add_traces(traces)
    places = _kreis_texts(table, sprache)
    fig.update_layout(meta={"description": t("map_describe_locator", sprache, **places, name=target.name)})
    return _finish(fig, title=t("map_locator_title", sprache, **places, name=target.name), source_line="",
                   sprache=sprache, height=height)


def covers(name_or_ags: str | int) -> bool:
    """Whether the maps can draw this Kommune or every Kommune of this Kreis (name or AGS): the
    shipped town centres and boundaries hold Kreis Kleve only."""
    target = region(name_or_ags)
    wanted = {target.ags} if target.level == "kommune" else {r.ags for r in kommunen(target.ags)}
    return bool(wanted) and wanted <= set(_kommunen_table().index)


def _kommunen_table() -> pd.DataFrame:
    return geo.municipalities().set_index("ags")


def _kreis_texts(table: pd.DataFrame, sprache: str) -> dict[str, object]:
    """The Kreis placeholders of the map texts, for the Kreis drawn (``n_kommunen``: the areas drawn)."""
    drawn = kreis(region(table.index[0]).kreis_ags)
    return {**kreis_phrases(drawn, sprache), "n_kommunen": len(table)}


def _not_drawn(regions: list[Region], table: pd.DataFrame) -> str:
    """The refusal for Kommunen outside the map's Kreis (a programming error: callers ask covers())."""
    names = ", ".join(r.name for r in regions)
    return (f"Keine Karte für {names}: Ortsmitten und Gemeindegrenzen liegen nur für die Kommunen "
            f"{_kreis_texts(table, 'de')['des_kreises']} vor. "
            "Bitte vorher helpers.presentation.maps.covers() fragen und ohne Karte auskommen.")


def _table(values: pd.Series) -> pd.DataFrame:
    """Values on the AGS of the Kommunen drawn (names, int AGS accepted); absent Kommunen become
    missing, not 0; a Kommune the map does not hold is refused, never silently dropped."""
    regions = [region(key, level="kommune") for key in values.index]
    index = [r.ags for r in regions]
    if len(set(index)) != len(index):
        raise ValueError(f"Kommunen doppelt in den Kartenwerten: {list(values.index)}; bitte je Kommune einen Wert.")
    table = _kommunen_table()[["name", "lon_town_centre", "lat_town_centre"]].set_axis(["name", "x", "y"], axis=1)
    if outside := [r for r in regions if r.ags not in table.index]:
        raise ValueError(_not_drawn(outside, table))
    table["value"] = pd.Series(pd.to_numeric(values, errors="raise").to_numpy(dtype=float), index=index)
    table["fill"] = None
    return table


def _format(value: float, unit: str, decimals: int, sprache: str) -> str:
    if unit == "%":
        return format_percent(value, decimals, sprache)
    number = format_number(value, decimals, sprache)
    return f"{number}\u00a0{unit}" if unit and number != MISSING[sprache] else number


def _hover(row: pd.Series) -> str:
    name = f"<b>{html.escape(row['name'])}</b>"
    return f"{name}<br>{html.escape(row['label'])}" if row["label"] else name


# The trace builders return plain trace properties: plotly validates a trace when it is added to a
# figure, and a ready ``go.Scatter`` would be validated a second time there (same output, twice the cost).

def _polygon(geometry, row: pd.Series, *, outline: bool, fill: str | None) -> dict[str, object]:
    """One Kommune as a filled outline (exterior rings; the 16 have no holes), hover on the area."""
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


def _inside(table: pd.DataFrame, geometries: pd.Series) -> pd.DataFrame:
    """Label positions inside each polygon, away from the neighbours' labels better than town centres."""
    points = shapely.point_on_surface(geometries.reindex(table.index).values)
    return table.assign(x=shapely.get_x(points), y=shapely.get_y(points))


def _labels(table: pd.DataFrame, *, mode: str) -> dict[str, object]:
    """Names at the town centres; the hover there repeats the value for precise pointing."""
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
        text=[name if labelled is None or code in labelled else "" for code, name in zip(codes, table["name"])],
        textposition="bottom center",
        marker=dict(
            symbol="square", size=size, color=[fill or MISSING_FILL for fill in table["fill"]],
            line=dict(color=[OUTLINE if code == target else "#777777" for code in codes],
                      width=[3 if code == target else 1 for code in codes]),
        ),
    )
    return trace


def _colorbar(table: pd.DataFrame, low: float, high: float, unit: str) -> dict[str, object]:
    """An invisible trace that carries the colour bar (Scatter fills have none of their own)."""
    return dict(
        type="scatter",
        x=table["x"].iloc[:2], y=table["y"].iloc[:2], mode="markers",
        marker=dict(size=0, opacity=0, color=[low, high], colorscale=COLORSCALE, cmin=low, cmax=high,
                    showscale=True, colorbar=dict(title=dict(text=html.escape(unit)), thickness=14, len=0.6,
                                                  ticksuffix="\u00a0%" if unit == "%" else "")),
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


def _finish(fig: go.Figure, *, title: str, source_line: str, sprache: str, height: int) -> go.Figure:
    """House style, true proportions, hidden axes, and the boundary attribution or the fallback note."""
    status = geo.boundaries_status()
    credit = status.attribution(sprache) if status.available else t("map_centres_source", sprache)
    # The locator has no data source of its own: its line cites the map basis alone.
    line = f"{source_line}; {credit}" if source_line else f"{t('source_prefix', sprache)}: {credit}"
    style(fig, title=title, source_line=line, sprache=sprache, height=height)
    latitude = float(_kommunen_table()["lat_town_centre"].mean())
    fig.update_xaxes(visible=False, showgrid=False, zeroline=False, constrain="domain")
    fig.update_yaxes(visible=False, showgrid=False, zeroline=False, rangemode="normal",
                     scaleanchor="x", scaleratio=1 / math.cos(math.radians(latitude)))
    note = textwrap.wrap(status.note(sprache) or "", NOTE_WIDTH)
    lines = len(note) + 1
    fig.update_layout(legend=dict(x=0, y=0, xanchor="left", yanchor="bottom", orientation="v",
                                  bgcolor="rgba(255,255,255,0.8)"),
                      margin=dict(l=20, r=20, t=60, b=LINE_PX * lines + 10), hovermode="closest")
    fig.update_annotations(selector=dict(name="source_line"), yshift=-LINE_PX * (lines - 1) - 4)
    if note:
        add_footnote(fig, note, name="map_note", yshift=-4, size=11, color="#222222")
    return fig


def note_of(fig: go.Figure) -> str | None:
    """The fallback note under a map, if any (tests and the briefing's data notes read it)."""
    return footnote_text(fig, "map_note")
