"""Boundaries: read, check, simplify, cache; refuse broken files clearly; never need the network.

The VG250 extract in ../shared/geo stands in for the BKG download (test material, never copied
into the repository); tests that need it skip when it is absent.
"""
import dataclasses
import time
import warnings
import zipfile

import geopandas as gpd
import pytest
import shapely
import shapely.affinity

from helpers.data import geo
from helpers.kommunen import kreise
from helpers.paths import ROOT

pytestmark = pytest.mark.usefixtures("geo_sandbox")


@pytest.fixture
def shared_frame(shared_boundaries, monkeypatch):
    """The extract as a frame to break or repackage; not configured, so each test chooses its source."""
    monkeypatch.delenv(geo.BOUNDARIES_ENV)
    return geo.read_boundaries(shared_boundaries)


def _use(monkeypatch, path):
    monkeypatch.setenv(geo.BOUNDARIES_ENV, str(path))


def test_no_file_and_no_cache_means_shipped_boundaries_without_network():
    status = geo.boundaries_status()
    assert status.available and status.source == str(geo.SHIPPED) and status.year is None
    assert status.attribution("de") == "Gemeindegrenzen: © GeoBasis-DE / BKG (Daten verändert), dl-de/by-2-0"
    frame = geo.boundaries()
    assert len(frame) == 396 and set(frame["ags"]) == geo.gemeinden() and frame.crs.to_epsg() == 4326
    assert shapely.coverage_is_valid(frame.geometry.values)  # no overlaps, shared borders shared
    assert geo.SHIPPED.stat().st_size < 800_000 and shapely.get_num_coordinates(frame.geometry.values).sum() < 35_000


def test_shipped_file_covers_every_kreis_and_gemeinde_of_nrw():
    """Each Kreis (and kreisfreie Stadt) of the directory is the union of its Gemeinden, with the official area."""
    frame = geo.boundaries().to_crs(geo.WORK_CRS)
    assert frame.is_valid.all() and frame.geom_type.isin(["Polygon", "MultiPolygon"]).all()
    areas = frame.set_index("ags").area / 1e6
    official = geo.official_areas()
    for k in kreise():
        drawn = areas[areas.index.str.startswith(k.ags)]
        assert len(drawn) >= 2 and abs(drawn.sum() / official[k.ags] - 1) < geo.KREIS_AREA_TOLERANCE, k.name
    assert len(areas[areas.index.str.startswith("05170")]) == 13  # Kreis Wesel
    assert abs(areas.sum() / official["05"] - 1) < 0.01  # NRW


def test_shipped_file_is_recorded_in_the_data_package():
    from helpers.data import datapackage

    record = next(r for r in datapackage.read_package(geo.SHIPPED.parent.parent)["resources"]
                  if r["path"] == "geo/nrw_gemeinden.geojson")
    assert not (geo.SHIPPED.parent / "kreis_kleve_gemeinden.geojson").exists()  # one default: the Kleve-only file is gone
    assert record["hash"] == datapackage.file_hash(geo.SHIPPED)
    assert record["x_attribution"] == "© GeoBasis-DE / BKG (Daten verändert), dl-de/by-2-0"
    assert record["x_publisher"].endswith("(BKG)") and record["licenses"][0]["name"] == "dl-de/by-2-0"


def test_derive_rebuilds_the_shipped_file_from_a_source(shared_boundaries, tmp_path):
    import shutil

    raw = tmp_path / "raw"
    (raw / "geo").mkdir(parents=True)
    shutil.copy(geo.SHIPPED.parent.parent / "datapackage.json", raw / "datapackage.json")
    target = geo.derive(shared_boundaries, raw / "geo" / geo.SHIPPED.name)
    assert target.read_bytes() == geo.SHIPPED.read_bytes()  # the shipped file is exactly derive()'s output
    from helpers.data import datapackage

    assert datapackage.provenance_problems(raw) == [
        (p, "Eintrag in datapackage.json ohne Datei", "Datei aus git wiederherstellen oder den Eintrag entfernen")
        for p in sorted(r["path"] for r in datapackage.read_package(raw)["resources"] if not r["path"].startswith("geo/"))]


def test_without_the_shipped_file_maps_fall_back(no_boundaries):
    status = geo.boundaries_status()
    assert geo.boundaries() is None
    assert not status.available and status.problem is None
    assert "Schematische Karte" in status.note("de") and "Schematic map" in status.note("en")


def test_shared_file_passes_checks_and_is_cached_small(shared_boundaries):
    frame = geo.boundaries()
    status = geo.boundaries_status()
    assert status.available and status.problem is None and status.note() is None
    assert "© GeoBasis-DE / BKG" in status.attribution("de")
    assert set(frame["ags"]) == geo.gemeinden()
    assert frame.crs.to_epsg() == 4326 and frame.is_valid.all()
    assert shapely.coverage_is_valid(frame.geometry.values)  # simplified borders still shared, no overlaps
    cached = list(geo.cache_dir().glob("gemeinden-nrw-*.geojson"))
    assert len(cached) == 1 and cached[0].stat().st_size < 800_000
    assert shapely.get_num_coordinates(frame.geometry.values).sum() < 35_000  # source: 100,029


def test_simplified_areas_stay_close_to_official_areas(shared_boundaries):
    areas = geo.boundaries().to_crs(geo.WORK_CRS).set_index("ags").area / 1e6
    deviation = (areas / geo.official_areas().reindex(areas.index) - 1).abs()
    assert (deviation < geo.AREA_TOLERANCE).all() and (deviation < 0.02).sum() >= 380  # Roetgen −8 % (Vennbahn)


def test_processed_cache_is_reused(shared_boundaries, monkeypatch):
    geo.boundaries()
    geo.reset()
    monkeypatch.setattr(geo, "check_boundaries", lambda *a: pytest.fail("cache not used"))
    assert len(geo.boundaries()) == 396


def _write(frame, path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pyogrio warns about the deliberately missing CRS
        frame.to_file(path, engine="pyogrio")
    return path


def _bowtie(geometry):
    x0, y0, x1, y1 = geometry.bounds
    return shapely.Polygon([(x0, y0), (x1, y1), (x1, y0), (x0, y1), (x0, y0)])


BROKEN = {
    "395 features": (lambda f: f.iloc[1:], "395 Gemeinden mit AGS 05… statt 396; AGS fehlen: 05111", "geojson"),
    "one Kreis only": (lambda f: f[f["ags"].str.startswith("05154")], "16 Gemeinden mit AGS 05… statt 396", "geojson"),
    "duplicated AGS": (lambda f: f.assign(ags=[f["ags"][0], *f["ags"][:-1]]), "AGS mehrfach: 05111", "geojson"),
    "metres labelled as degrees": (
        lambda f: f.to_crs(geo.WORK_CRS).set_crs(geo.WEB_CRS, allow_override=True), "falsches CRS", "geojson"),
    "no CRS": (lambda f: f.set_crs(None, allow_override=True), "kein Koordinatenreferenzsystem", "gpkg"),
    "self-intersecting polygon": (
        lambda f: f.assign(geometry=[_bowtie(f.geometry[0]), *f.geometry[1:]]),
        "ungültige Geometrie bei AGS 05111 (Self-intersection", "geojson"),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_broken_files_are_refused_with_a_clear_message(case, shared_frame, monkeypatch, tmp_path):
    breakage, message, suffix = BROKEN[case]
    path = _write(breakage(shared_frame), tmp_path / f"broken.{suffix}")
    with pytest.raises(geo.BoundaryError, match="Gemeindegrenzen zurückgewiesen") as refused:
        geo.check_boundaries(geo.read_boundaries(path))
    assert message in str(refused.value) and geo.BOUNDARIES_ENV in str(refused.value)

    _use(monkeypatch, path)
    with pytest.warns(UserWarning, match="zurückgewiesen"):
        assert geo.boundaries() is None
    status = geo.boundaries_status()
    assert message in status.problem and status.source == str(path)
    assert "Prüfung nicht bestanden" in status.note("de")


def test_relative_path_counts_from_the_repository_root(monkeypatch):
    _use(monkeypatch, "data/no-such-boundaries.gpkg")
    with pytest.warns(UserWarning, match="nicht gefunden"):
        assert geo.boundaries_status().source == str(ROOT / "data" / "no-such-boundaries.gpkg")


def test_missing_configured_file_is_named(monkeypatch, tmp_path):
    _use(monkeypatch, tmp_path / "nowhere.gpkg")
    with pytest.warns(UserWarning, match="nowhere.gpkg"):
        assert geo.boundaries_status().problem.count("nicht gefunden") == 1


def test_area_far_from_official_is_refused(shared_frame):
    shrunk = shared_frame.copy()
    bedburg_hau = shrunk.index[shrunk["ags"] == "05154004"][0]
    shrunk.loc[bedburg_hau, "geometry"] = shrunk.geometry[bedburg_hau].buffer(-0.005)
    with pytest.raises(geo.BoundaryError, match=r"Fläche von AGS 05154004 weicht um −?-?\d"):
        geo.check_boundaries(shrunk)


def test_a_kreisfreie_stadt_is_held_to_the_kreis_tolerance(shared_frame):
    """About 6 % too small passes the per-Gemeinde tolerance (generalisation, Roetgen −8 %), not the 2 % of a whole
    Kreis: a kreisfreie Stadt is both."""
    shrunk = shared_frame.copy()
    duesseldorf = shrunk.index[shrunk["ags"] == "05111"][0]
    shrunk.loc[duesseldorf, "geometry"] = shapely.affinity.scale(shrunk.geometry[duesseldorf], 0.97, 0.97)
    with pytest.raises(geo.BoundaryError, match=r"Fläche von AGS 05111 weicht um -5\.9%") as refused:
        geo.check_boundaries(shrunk)
    assert str(refused.value).count("Fläche von AGS") == 1


def _vg250_zip(frame, path):
    """A miniature of the BKG download: GeoPackage in a folder in a zip, EPSG:25832, VG250 columns."""
    land = frame.to_crs(geo.WORK_CRS).rename(columns={"ags": "AGS", "name": "GEN"}).assign(GF=4)
    water = land.iloc[:1].assign(GF=2)  # VG250 water-area features must be dropped, not counted
    gpkg = _write(gpd.pd.concat([land, water]), path.parent / "DE_VG250.gpkg")
    with zipfile.ZipFile(path, "w") as archive:
        archive.write(gpkg, "vg250_01-01.utm32s.gpkg.ebenen/vg250_ebenen_0101/DE_VG250.gpkg")
    return path


def test_downloaded_vg250_zip_in_cache_is_used_with_its_year(shared_frame, tmp_path):
    geo.cache_dir().mkdir(parents=True)
    _vg250_zip(shared_frame, geo.cache_dir() / geo.VG250.fname)
    status = geo.boundaries_status()
    assert status.available and status.year == geo.VG250.year
    assert f"BKG {geo.VG250.year} (Daten verändert)" in status.attribution("de")


def test_download_with_wrong_checksum_is_refused(shared_frame, monkeypatch):
    geo.cache_dir().mkdir(parents=True)
    _vg250_zip(shared_frame, geo.cache_dir() / geo.VG250.fname)
    monkeypatch.setattr(geo, "VG250", dataclasses.replace(geo.VG250, sha256="0" * 64))
    with pytest.warns(UserWarning, match="Prüfsumme"):
        assert geo.boundaries() is None


def test_prefetch_fails_fast_and_clearly_offline(monkeypatch):
    monkeypatch.setattr(geo, "VG250", dataclasses.replace(geo.VG250, url="http://127.0.0.1:9/vg250.zip"))
    started = time.monotonic()
    with pytest.raises(geo.BoundaryError, match=f"Download der Gemeindegrenzen.*{geo.BOUNDARIES_ENV}"):
        geo.prefetch(timeout=2)
    assert time.monotonic() - started < 5
    assert not (geo.cache_dir() / geo.VG250.fname).exists()
