"""Municipality boundaries of all 396 Gemeinden of NRW: official BKG VG250, shipped simplified, or downloaded
and checked.

Nothing here touches the network unless asked to (:func:`prefetch`): a batch run on a fresh
machine or in CI has neither internet nor a cache, and then draws the shipped boundaries.
Where the boundaries come from, first match wins:

1. ``INTEGRATIONSMONITOR_BOUNDARIES=/path/to/file`` — any GDAL-readable file or zip
   (VG250 GeoPackage/shapefile zip, GeoJSON) holding the municipalities of NRW (AGS 05…); a relative
   path counts from the repository root, since notebook kernels run in other folders;
2. the VG250 download that :func:`prefetch` stored in the cache directory
   (``INTEGRATIONSMONITOR_GEO_CACHE``, default: the per-user cache folder ``integrationsmonitor``):
   the way to a newer edition than the shipped one;
3. the simplified VG250 derivative shipped in ``data/raw/geo/`` (provenance in the data package),
   made by :func:`derive`.

A source is used only when it passes :func:`check_boundaries`; otherwise the problem is logged,
warned and reported by :func:`boundaries_status`, and maps fall back to the schematic map.
The checked, simplified result of a downloaded or configured file is cached in the cache
directory, keyed by the source's SHA-256; the shipped file is already simplified and only checked.
"""
from __future__ import annotations

import contextlib
import logging
import os
import warnings
import zipfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import pandas as pd
import platformdirs
import pyogrio
import shapely
from pyogrio.errors import DataSourceError

from helpers.data import memo, store
from helpers.data.hashing import file_sha256
from helpers.i18n import t
from helpers.ingest.common import normalise_ags
from helpers.kommunen import LAND_AGS, all_regions, areas
from helpers.paths import RAW_DIR, ROOT

log = logging.getLogger(__name__)

BOUNDARIES_ENV = "INTEGRATIONSMONITOR_BOUNDARIES"
CACHE_ENV = "INTEGRATIONSMONITOR_GEO_CACHE"

WORK_CRS = "EPSG:25832"  # ETRS89 / UTM 32N: the BKG's own CRS, metres, true areas
WEB_CRS = "EPSG:4326"  # lon/lat for GeoJSON and plotly
# VG250 (1:250 000) vs cadastral areas: 385 of the 396 Gemeinden within 2 % (shipped), Roetgen −8 % (the Vennbahn strip
# belongs to Belgium), a few others 2–4 %; every Kreis and kreisfreie Stadt as a whole within 1 %.
AREA_TOLERANCE = 0.10  # per Gemeinde
KREIS_AREA_TOLERANCE = 0.02  # per Kreis (the sum of its Gemeinden)
SIMPLIFY_METRES = 200  # ≈ 30,000 vertices and ≈ 0.7 MB GeoJSON for the 396; ≈ 3 px on a Kreis map in a briefing
GRID_DEGREES = 1e-4  # ≈ 10 m, well below the simplification: more digits only bloat the GeoJSON
# Lon/lat box around NRW with margin: coordinates outside it mean a wrong or missing CRS.
LAND_BOX = (5.7, 50.2, 9.6, 52.6)
SHIPPED = RAW_DIR / "geo" / "nrw_gemeinden.geojson"  # output of derive(), see datapackage.json
PROCESSING_VERSION = 2  # bump when checks or simplification change, so cached results rebuild


class BoundaryError(ValueError):
    """A boundary file that cannot be used; the message names the problem and the fix."""


@dataclass(frozen=True)
class Download:
    """One pinned, year-stamped official file; ``sha256`` is verified when known."""

    url: str
    fname: str
    sha256: str | None
    year: int


VG250 = Download(
    url="https://daten.gdz.bkg.bund.de/produkte/vg/vg250_ebenen_0101/2025/vg250_01-01.utm32s.gpkg.ebenen.zip",
    fname="vg250_2025_01-01.utm32s.gpkg.ebenen.zip",
    sha256=None,  # pending: pin with the hash prefetch() logs after the first download
    year=2025,
)


@dataclass(frozen=True)
class BoundaryStatus:
    """Which boundaries the maps use, and if none, why (``problem`` is for the log, not the reader)."""

    available: bool
    source: str | None = None
    year: int | None = None
    problem: str | None = None

    def attribution(self, sprache: str = "de") -> str:
        """BKG attribution required by dl-de/by-2-0 (only meaningful when ``available``)."""
        if self.year is None:
            return t("map_attribution_undated", sprache)
        return t("map_attribution", sprache, year=self.year)

    def note(self, sprache: str = "de") -> str | None:
        """Reader-visible note under a schematic map; ``None`` when the real boundaries are drawn."""
        if self.available:
            return None
        return t("map_schematic_refused" if self.problem else "map_schematic_note", sprache)


def cache_dir() -> Path:
    """Per-user cache (downloads and processed results), never inside the repository."""
    return Path(os.environ.get(CACHE_ENV) or platformdirs.user_cache_dir("integrationsmonitor"))


def municipalities() -> pd.DataFrame:
    """Town centres of the Kommunen the snapshot lists (Kreis Kleve: ags, name, area_km2, lat/lon_town_centre),
    for the schematic map when no boundaries pass the check."""
    return store.load("municipalities")


def gemeinden() -> set[str]:
    """The AGS of the 396 Gemeinden of NRW in the official directory (a kreisfreie Stadt by its Kreis key)."""
    return {r.ags for r in all_regions() if r.level == "kommune" or r.kind == "kreisfreie Stadt"}


def official_areas() -> pd.Series:
    """Cadastral area in km² of every Gemeinde and Kreis, by AGS, from the official directory (IT.NRW 12411-15i)."""
    return pd.Series(areas(), dtype="float64")


def read_boundaries(path: Path) -> gpd.GeoDataFrame:
    """The municipality features of NRW from any GDAL-readable file, a zip with the VG250 inside too."""
    path = Path(path)
    dataset = f"/vsizip/{path}/{_zip_member(path)}" if zipfile.is_zipfile(path) else str(path)
    try:
        layers = [name for name, _ in pyogrio.list_layers(dataset)]
        layer = next((name for name in layers if name.lower().endswith("_gem")), layers[0])
        frame = gpd.read_file(dataset, layer=layer, engine="pyogrio")
    except Exception as error:  # GDAL raises many types; all mean "unreadable file"
        raise BoundaryError(_refusal([f"{path} nicht lesbar ({error})"])) from error
    ags_column = next((c for c in ("AGS", "ags") if c in frame.columns), None)
    if ags_column is None:
        raise BoundaryError(_refusal([f"{path} hat keine Spalte 'AGS' oder 'ags'"]))
    if "GF" in frame.columns:  # VG250 also carries water-area features (GF 1/2); land with structure is GF 4
        frame = frame[frame["GF"] == 4]
    name_column = next((c for c in ("GEN", "name") if c in frame.columns), ags_column)
    frame = frame.rename(columns={ags_column: "_ags", name_column: "_name"})
    frame = frame[frame["_ags"].astype(str).str.startswith(LAND_AGS)]
    return gpd.GeoDataFrame(  # a kreisfreie Stadt (05111000 in VG250) by the Kreis key the directory uses
        {"ags": frame["_ags"].astype(str).map(normalise_ags), "name": frame["_name"].astype(str)},
        geometry=frame.geometry, crs=frame.crs,
    ).reset_index(drop=True)


def _zip_member(path: Path) -> str:
    """The municipality layer inside a VG250 zip (GeoPackage preferred, else VG250_GEM.shp)."""
    names = zipfile.ZipFile(path).namelist()
    for wanted in (".gpkg", "vg250_gem.shp", ".geojson", ".shp"):
        found = [n for n in names if n.lower().endswith(wanted)]
        if found:
            return found[0]
    raise BoundaryError(_refusal([f"{path} enthält keine GeoPackage-, Shape- oder GeoJSON-Datei"]))


def check_boundaries(frame: gpd.GeoDataFrame, official: pd.Series | None = None) -> gpd.GeoDataFrame:
    """Refuse anything but the 396 valid municipality polygons of NRW in a true CRS, with areas close to
    ``official`` (km² by AGS, default :func:`official_areas`); returns them in EPSG:25832.

    All problems are collected into one :class:`BoundaryError`, so one run shows everything to fix.
    """
    expected = gemeinden()
    problems: list[str] = []
    if len(frame) != len(expected):
        problems.append(f"{len(frame)} Gemeinden mit AGS {LAND_AGS}… statt {len(expected)}")
    counts = frame["ags"].value_counts()
    if (counts > 1).any():
        problems.append(f"AGS mehrfach: {_some(counts[counts > 1].index)}")
    if missing := expected - set(frame["ags"]):
        problems.append(f"AGS fehlen: {_some(missing)}")
    if unknown := set(frame["ags"]) - expected:
        problems.append(f"unbekannte AGS: {_some(unknown)}")
    not_polygons = frame.loc[~frame.geom_type.isin(["Polygon", "MultiPolygon"]), "ags"]
    if len(not_polygons):
        problems.append(f"keine Flächen bei AGS {', '.join(not_polygons)}")
    invalid = frame[~frame.is_valid]
    for ags, geometry in zip(invalid["ags"], invalid.geometry, strict=True):
        problems.append(f"ungültige Geometrie bei AGS {ags} ({shapely.is_valid_reason(geometry)})")
    if frame.crs is None:
        raise BoundaryError(_refusal(problems + ["kein Koordinatenreferenzsystem (CRS) angegeben"]))
    if problems:
        raise BoundaryError(_refusal(problems))
    lon_min, lat_min, lon_max, lat_max = frame.to_crs(WEB_CRS).total_bounds
    west, south, east, north = LAND_BOX
    if not (west <= lon_min and south <= lat_min and lon_max <= east and lat_max <= north):
        raise BoundaryError(_refusal([
            f"Koordinaten liegen nicht in Nordrhein-Westfalen, wenn sie als {frame.crs.to_string()} gelesen werden "
            f"(Ausdehnung {lon_min:.2f}, {lat_min:.2f} – {lon_max:.2f}, {lat_max:.2f}): falsches CRS angegeben"
        ]))
    projected = frame.to_crs(WORK_CRS).sort_values("ags").reset_index(drop=True)
    drawn = projected.set_index("ags").area / 1e6
    reference = official_areas() if official is None else official
    problems += _area_problems(drawn, reference, AREA_TOLERANCE)
    problems += _area_problems(drawn.groupby(lambda ags: ags[:5]).sum(), reference, KREIS_AREA_TOLERANCE)
    if problems:
        raise BoundaryError(_refusal(problems))
    return projected


def _some(codes, shown: int = 10) -> str:
    """The first codes in order, and how many more (a file of another Land must not fill the log)."""
    codes = sorted(codes)
    more = f" und {len(codes) - shown} weitere" if len(codes) > shown else ""
    return ", ".join(codes[:shown]) + more


def _area_problems(areas: pd.Series, official: pd.Series, tolerance: float) -> list[str]:
    """Areas (km² by AGS) further than ``tolerance`` from the official ones: a wrong feature, unit or CRS."""
    deviation = areas / official.reindex(areas.index) - 1
    return [f"Fläche von AGS {ags} weicht um {share:+.1%} von der amtlichen Fläche ab "
            f"({areas[ags]:.1f} statt {official[ags]:.1f} km²)"
            for ags, share in deviation[deviation.abs() > tolerance].items()]


def _refusal(problems: list[str]) -> str:
    return (
        "Gemeindegrenzen zurückgewiesen: " + "; ".join(problems) + ". Bitte eine vollständige VG250-Datei "
        f"des BKG verwenden ({BOUNDARIES_ENV}) oder den Download wiederholen (helpers.data.geo.prefetch())."
    )


def simplify_boundaries(projected: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Web-sized polygons in EPSG:4326; coverage simplification keeps shared borders shared (no gaps)."""
    simplified = shapely.coverage_simplify(projected.geometry.values, SIMPLIFY_METRES)
    web = gpd.GeoSeries(simplified, crs=WORK_CRS).to_crs(WEB_CRS)
    geometry = shapely.set_precision(web.values, GRID_DEGREES)
    return gpd.GeoDataFrame(projected[["ags", "name"]], geometry=geometry, crs=WEB_CRS)


def _load(path: Path, known_sha256: str | None) -> gpd.GeoDataFrame:
    """Checked, simplified boundaries of one source file, from the processed cache when possible."""
    if path == SHIPPED:  # simplified by derive() already: check it, never write a cache for it
        shipped = read_boundaries(path)
        check_boundaries(shipped)
        return shipped.sort_values("ags").reset_index(drop=True)
    sha256 = file_sha256(path)
    if known_sha256 and sha256 != known_sha256:
        raise BoundaryError(
            f"Prüfsumme von {path} ist {sha256}, erwartet {known_sha256}: Download beschädigt oder "
            "geändert. Bitte die Datei löschen und helpers.data.geo.prefetch() erneut ausführen."
        )
    processed = cache_dir() / f"gemeinden-nrw-{sha256[:16]}-v{PROCESSING_VERSION}.geojson"
    if processed.is_file():
        return gpd.read_file(processed, engine="pyogrio")
    web = simplify_boundaries(check_boundaries(read_boundaries(path)))
    partial = processed.with_suffix(f".{os.getpid()}.partial")
    try:
        processed.parent.mkdir(parents=True, exist_ok=True)
        web.to_file(partial, driver="GeoJSON", engine="pyogrio")
        partial.replace(processed)  # atomic: parallel batch workers never read a half-written file
    except (OSError, DataSourceError) as error:  # read-only cache: costs time, not the map
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)
        log.warning("Gemeindegrenzen aus %s geprüft, aber nicht zwischengespeichert: %s ist nicht beschreibbar "
                    "(%s). Abhilfe: %s auf einen beschreibbaren Ordner setzen.",
                    path, processed.parent, error, CACHE_ENV)
        return web
    log.info("Gemeindegrenzen aus %s geprüft und in %s zwischengespeichert.", path, processed)
    return web


def _source() -> tuple[Path | None, Download | None]:
    """The boundary file to use, and the pinned download it is (``None`` for a user's own file)."""
    if configured := os.environ.get(BOUNDARIES_ENV):
        return ROOT / Path(configured).expanduser(), None
    downloaded = cache_dir() / VG250.fname
    if downloaded.is_file():
        return downloaded, VG250
    return (SHIPPED, None) if SHIPPED.is_file() else (None, None)


def source_fingerprint() -> str:
    """Content hash of the boundary file the maps would use (``"none"``): part of the briefings' cache key."""
    path, _ = _source()
    return file_sha256(path) if path is not None and path.is_file() else "none"


def _resolve(path: Path | None, download: Download | None) -> tuple[BoundaryStatus, gpd.GeoDataFrame | None]:
    if path is None:
        return BoundaryStatus(available=False), None
    stat = path.stat() if path.is_file() else None
    return _checked(path, stat and (stat.st_mtime_ns, stat.st_size), download, cache_dir())


@lru_cache(maxsize=8)
def _checked(path: Path, stamp: tuple[int, int] | None, download: Download | None,
             cache: Path) -> tuple[BoundaryStatus, gpd.GeoDataFrame | None]:
    """Memoised per file version (``stamp``) and cache: every chart of a run reuses one check and one warning."""
    try:
        if stamp is None:
            raise BoundaryError(_refusal([f"Datei {path} nicht gefunden"]))
        key = (str(path), stamp, download.sha256 if download else None, str(cache))
        if key not in memo.BOUNDARIES:  # kept across a warm kernel's resets: reading and checking, 25 ms
            memo.BOUNDARIES.clear()
            memo.BOUNDARIES[key] = _load(path, key[2])
        frame = memo.BOUNDARIES[key]
    except (BoundaryError, OSError) as error:
        problem = str(error) if isinstance(error, BoundaryError) else _refusal([f"Datei nicht lesbar ({error})"])
        log.warning(problem)
        warnings.warn(problem, stacklevel=2)
        return BoundaryStatus(available=False, source=str(path), problem=problem), None
    return BoundaryStatus(available=True, source=str(path), year=download.year if download else None), frame


def reset() -> None:
    """Forget memoised results (a file replaced within the same timestamp, or a test's fresh start)."""
    _checked.cache_clear()
    memo.BOUNDARIES.clear()


def boundaries() -> gpd.GeoDataFrame | None:
    """The 396 checked, simplified municipality polygons of NRW (ags, name, geometry; EPSG:4326), or ``None``."""
    frame = _resolve(*_source())[1]
    return None if frame is None else frame.copy()


def boundaries_status() -> BoundaryStatus:
    """Whether :func:`boundaries` has real boundaries, from where, and if not, why not."""
    return _resolve(*_source())[0]


def derive(source: Path, target: Path = SHIPPED) -> Path:
    """Write the checked, simplified boundaries of ``source`` (e.g. a VG250 download) as the shipped
    GeoJSON and record its new hash in the data package, so a newer edition replaces the shipped one."""
    from helpers.data import datapackage

    web = simplify_boundaries(check_boundaries(read_boundaries(Path(source))))
    raw_dir = target.parent.parent
    package = datapackage.read_package(raw_dir)
    relative = target.relative_to(raw_dir).as_posix()
    record = next((r for r in package["resources"] if r["path"] == relative), None)
    if record is None:
        raise BoundaryError(f"{relative} hat keinen Eintrag in {datapackage.PACKAGE_FILE}: bitte zuerst die "
                            "Herkunft (Herausgeber, Stand, Lizenz) dort eintragen.")
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    target.parent.mkdir(parents=True, exist_ok=True)
    web.to_file(partial, driver="GeoJSON", engine="pyogrio", layer="gemeinden")
    partial.replace(target)
    record.update(bytes=target.stat().st_size, hash=datapackage.file_hash(target))
    datapackage.write_package(raw_dir, package)
    reset()
    return target


def prefetch(timeout: float = 10.0) -> BoundaryStatus:
    """Download VG250 once into the cache (the only network access here), then check and cache it.

    Fails fast without internet: ``timeout`` is the connect and stall limit in seconds.
    """
    import pooch  # imported here only: pooch pulls in tqdm.auto, which warns in every notebook kernel

    try:
        pooch.retrieve(
            VG250.url, known_hash=f"sha256:{VG250.sha256}" if VG250.sha256 else None,
            fname=VG250.fname, path=cache_dir(), downloader=pooch.HTTPDownloader(timeout=timeout, progressbar=False),
        )
    except Exception as error:  # requests/pooch raise connection, HTTP and hash errors alike
        raise BoundaryError(
            f"Download der Gemeindegrenzen von {VG250.url} fehlgeschlagen ({type(error).__name__}: {error}). "
            f"Ohne Internet: die Datei anderswo laden und {BOUNDARIES_ENV}=/pfad/zur/datei setzen."
        ) from error
    if VG250.sha256 is None:
        log.warning("SHA-256 von %s zum Festschreiben in helpers.data.geo.VG250: %s",
                    VG250.fname, file_sha256(cache_dir() / VG250.fname))
    status, _ = _resolve(cache_dir() / VG250.fname, VG250)
    if not status.available:
        raise BoundaryError(status.problem)
    return status
