"""Maps with the boundaries and without: both draw, both are sourced, neither needs the internet."""
import json

import numpy as np
import pandas as pd
import plotly.io as pio
import pytest

from helpers.data import geo
from helpers.kommunen import UnknownRegionError, kommunen, kreise
from helpers.presentation import charts, maps

pytestmark = pytest.mark.usefixtures("geo_sandbox")
AGS = [r.ags for r in kommunen()]
NAMES = {r.ags: r.name for r in kommunen()}


@pytest.fixture(params=["boundaries", "shipped", "fallback"])
def mode(request):
    """Every map test runs with the shared VG250 extract, with the shipped derivative on a fresh
    machine (empty cache, nothing configured) and with no boundaries at all."""
    fixture = {"boundaries": "shared_boundaries", "shipped": "geo_sandbox", "fallback": "no_boundaries"}
    request.getfixturevalue(fixture[request.param])
    return "fallback" if request.param == "fallback" else "boundaries"


def _values():
    values = pd.Series(np.linspace(4.0, 19.0, 16), index=AGS)
    values["05154016"] = np.nan  # Goch: no figure
    return values


def _polygons(fig):
    return [trace for trace in fig.data if trace.fill == "toself" and not trace.showlegend]


def _choropleth(**kwargs):
    return maps.choropleth(_values(), title="Anteil", source_line="Quelle: IT.NRW, Test", **kwargs)


def test_choropleth_with_boundaries_draws_each_kommune_once(mode):
    fig = _choropleth(highlight="Kleve")
    if mode == "fallback":
        assert _polygons(fig) == []
        return
    polygons = _polygons(fig)
    assert sorted(trace.meta for trace in polygons) == AGS  # each AGS exactly once
    assert all(trace.name == NAMES[trace.meta] for trace in polygons)
    goch = next(trace for trace in polygons if trace.name == "Goch")
    assert "k. A." in goch.text and goch.fillpattern.shape == "/" and goch.fillcolor == maps.MISSING_FILL
    assert next(trace for trace in polygons if trace.name == "Kleve").line.width == 3
    assert "11,0\u00a0%" in next(trace for trace in polygons if trace.name == "Kevelaer").text
    assert maps.note_of(fig) is None
    assert "© GeoBasis-DE / BKG" in charts.source_line_of(fig)
    (legend,) = [trace for trace in fig.data if trace.showlegend]
    assert legend.name == "Grau: keine Angabe (k. A.)" and legend.fillpattern.shape == "/"


def test_choropleth_fallback_draws_town_centres_and_says_so(mode):
    fig = _choropleth()
    if mode == "boundaries":
        return
    (tiles,) = [trace for trace in fig.data if trace.mode == "markers+text"]
    assert list(tiles.text) == [NAMES[a] for a in AGS]
    assert tiles.marker.color[AGS.index("05154016")] == maps.MISSING_FILL
    assert "k. A." in tiles.hovertext[AGS.index("05154016")]
    assert maps.note_of(fig).startswith("Schematische Karte: Die amtlichen Gemeindegrenzen (BKG) waren")
    assert "Ortsmitten" in charts.source_line_of(fig)


def test_maps_reference_no_external_url(mode):
    for fig in (_choropleth(), maps.locator("Kleve")):
        document = pio.to_json(fig)
        assert "http" not in document and "topojson" not in document and "mapbox" not in document
        assert "geo" not in json.loads(document)["layout"]
        assert "http" not in charts.figure_bundle(fig)["text/html"]


def test_locator_fills_only_the_chosen_kommune(mode):
    fig = maps.locator(5154036)  # the int AGS papermill makes of "05154036"
    assert fig.layout.title.text == "Lage von Kleve im Kreis Kleve"
    assert charts.source_line_of(fig).startswith("Quelle: ")  # the briefing's rule for every chart
    if mode == "boundaries":
        filled = [trace.name for trace in _polygons(fig) if trace.fillcolor == charts.HIGHLIGHT]
        assert filled == ["Kleve"] and len(_polygons(fig)) == 16
    else:
        (tiles,) = fig.data
        assert [c for c in tiles.marker.color].count(charts.HIGHLIGHT) == 1 and "Kleve" in tiles.text


def test_broken_boundaries_fall_back_with_a_note(monkeypatch, tmp_path):
    broken = tmp_path / "broken.geojson"
    broken.write_text('{"type": "FeatureCollection", "features": []}', encoding="utf-8")
    monkeypatch.setenv(geo.BOUNDARIES_ENV, str(broken))
    with pytest.warns(UserWarning, match="keine Spalte 'AGS'"):
        fig = maps.locator("Goch")
    assert "Prüfung nicht bestanden" in maps.note_of(fig)


def test_fresh_machine_draws_the_shipped_boundaries_with_the_bkg_attribution():
    fig = _choropleth()
    assert len(_polygons(fig)) == 16 and maps.note_of(fig) is None
    assert "© GeoBasis-DE / BKG (Daten verändert), dl-de/by-2-0" in charts.source_line_of(fig)
    assert geo.boundaries_status().source == str(geo.SHIPPED)
    assert not geo.cache_dir().exists()  # nothing downloaded, nothing written


def test_english_and_names_as_index(no_boundaries):
    values = pd.Series([12.5, 8.0], index=["Kleve", "Goch"])
    fig = maps.choropleth(values, title="Share", source_line="Source: test", sprache="en")
    hover = " ".join(fig.data[0].hovertext)
    assert "12.5%" in hover and "n/a" in hover and "12,5" not in hover
    assert maps.note_of(fig).startswith("Schematic map")


def test_bad_arguments_fail_clearly():
    with pytest.raises(UnknownRegionError, match="Klewe"):
        maps.choropleth(pd.Series([1.0], index=["Klewe"]), title="x", source_line="Quelle: x")
    with pytest.raises(ValueError, match="doppelt"):
        maps.choropleth(pd.Series([1.0, 2.0], index=["Kleve", "05154036"]), title="x", source_line="Q")
    with pytest.raises(ValueError, match="genau eines"):
        maps.choropleth(_values(), title="x")


def test_without_boundaries_another_kreis_gets_no_map_never_kleve_instead(no_boundaries):
    """Without checked boundaries only the town centres of Kreis Kleve can be placed: a Kommune of another
    Kreis (Moers, Kreis Wesel) is refused with the fix named, never drawn as an empty Kleve map."""
    assert maps.covers("Kleve") and maps.covers("05154") and not maps.covers("Moers") and not maps.covers("05170")
    with pytest.raises(ValueError, match="Keine Karte für .*Moers.*Kreises Kleve.*covers"):
        maps.locator("Moers")
    with pytest.raises(ValueError, match="Keine Karte für .*Moers"):
        maps.choropleth(pd.Series([1.0], index=["05170024"]), title="x", source_line="Quelle: x")
    fig = maps.locator("Goch")
    assert fig.layout.meta["description"] == "Karte der 16 Kommunen des Kreises Kleve, Goch farbig hervorgehoben."


WESEL = [r.ags for r in kommunen("05170")]


@pytest.mark.parametrize("source", ["shared_boundaries", "geo_sandbox"])
def test_every_kreis_of_nrw_gets_its_maps_from_the_boundaries(source, request):
    """With the shared VG250 extract or the shipped derivative, every Gemeinde and Kreis of NRW is covered;
    Kreis Wesel's choropleth draws its 13 Kommunen (not Kleve's), Moers' locator names its Kreis and the BKG."""
    request.getfixturevalue(source)
    assert all(maps.covers(k.ags) for k in kreise()) and all(maps.covers(a) for a in geo.gemeinden() if len(a) == 8)
    values = pd.Series(np.linspace(1.0, 13.0, 13), index=WESEL).drop("05170020")  # Hünxe: no figure
    fig = maps.choropleth(values, title="Anteil", source_line="Quelle: IT.NRW, Test", highlight="Moers")
    polygons = _polygons(fig)
    assert sorted(trace.meta for trace in polygons) == sorted(WESEL)
    assert next(trace for trace in polygons if trace.meta == "05170020").fillpattern.shape == "/"
    assert "© GeoBasis-DE / BKG (Daten verändert)" in charts.source_line_of(fig) and maps.note_of(fig) is None
    locator = maps.locator("Moers")
    assert locator.layout.title.text == "Lage von Moers im Kreis Wesel"
    assert [trace.name for trace in _polygons(locator) if trace.fillcolor == charts.HIGHLIGHT] == ["Moers"]
    assert len(_polygons(locator)) == 13 and "© GeoBasis-DE / BKG" in charts.source_line_of(locator)
    assert locator.layout.meta["description"].startswith("Karte der 13 Kommunen des Kreises Wesel")
    with pytest.raises(ValueError, match="Kommunen eines Kreises"):
        maps.choropleth(pd.Series([1.0, 2.0], index=["Moers", "Kleve"]), title="x", source_line="Quelle: x")
