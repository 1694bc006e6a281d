"""``python -m helpers data export``: the long table, the regions and the codebook for R, Stata and friends,
described by a Frictionless ``datapackage.json`` (fields with German and English labels, sources and licences).

Offline: everything comes from the current build. No cell holds a list (several ids are joined with ``"; "``),
dates are ISO days, a missing value is an empty cell (CSV) or a missing value (Parquet, Stata). Every file is
written next to its target and renamed into place, so a reader never sees half a file and a failed export
leaves the files of the previous one.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd

from helpers.research import codebooks as codebook_module

FORMATS = {"csv": ("csv", "text/csv"), "parquet": ("parquet", "application/vnd.apache.parquet"),
           "stata": ("dta", "application/x-stata-dta")}
# German and English labels of the columns of the long table and of the region table
LABELS = {
    "indicator": ("Indikator (Kennung, siehe codebook)", "Indicator (id, see codebook)"),
    "ags": ("Amtlicher Gemeindeschlüssel (05 NRW, 5 Stellen Kreis/kreisfreie Stadt, 8 Stellen Gemeinde)",
            "Official municipality key (05 NRW, 5 digits district/county-free city, 8 digits municipality)"),
    "name": ("Name der Region", "Name of the region"),
    "level": ("Ebene: land, kreis, kreisfreie_stadt, gemeinde", "Level: land, kreis, kreisfreie_stadt, gemeinde"),
    "kind": ("Art der Region (Stadt, Gemeinde, Kreis, kreisfreie Stadt, Land)", "Kind of region (German terms)"),
    "kreis_ags": ("Schlüssel des Kreises bzw. der kreisfreien Stadt", "Key of the district or county-free city"),
    "kreis": ("Kreis bzw. kreisfreie Stadt", "District or county-free city"),
    "gemeinde": ("Eine der 396 Gemeinden NRWs (auch kreisfreie Städte)", "One of the 396 municipalities of NRW"),
    "date": ("Stichtag", "Reference date"),
    "value": ("Wert (leer: veröffentlicht als fehlend, siehe flags)", "Value (empty: published as missing, see flags)"),
    "unit": ("Einheit", "Unit"),
    "status": ("Status: published, rounded, derived, secondary, preliminary, incomplete (Untergrenze), …",
               "Status: published, rounded, derived, secondary, preliminary, incomplete (lower bound), …"),
    "base": ("Grundlage (Zensus, Fortschreibung, AZR)", "Base (census, population update, foreigners' register)"),
    "source_ids": ("Quellen-IDs, getrennt durch '; ' (data/raw/datapackage.json, sources)",
                   "Source ids separated by '; '"),
    "flags": ("Amtliche Zeichen: - genau null, . geheim/unbekannt, x, /, ...", "Official signs: - zero, . secret, …"),
    "notes": ("Hinweise der Quelle", "Notes of the source"),
    "precision": ("Genauigkeit des Stichtags: day, month, year", "Precision of the date: day, month, year"),
    "start_date": ("Anfangsstichtag einer Veränderung", "Start date of a change"),
    "start_value": ("Anfangswert einer Veränderung", "Start value of a change"),
    **codebook_module.LABELS,
}
_TYPES = {"float64": "number", "int64": "integer", "Int64": "integer", "bool": "boolean", "datetime64[ns]": "date"}
DATA_LICENCE = {"name": "dl-de/by-2-0", "title": "Datenlizenz Deutschland – Namensnennung – Version 2.0",
                "path": "https://www.govdata.de/dl-de/by-2-0"}


class ExportError(ValueError):
    """The output folder cannot take the export (a file, not writable)."""


def _write_frame(frame: pd.DataFrame, path: Path, fmt: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        if fmt == "csv":
            frame.to_csv(tmp, index=False, date_format="%Y-%m-%d", lineterminator="\n", encoding="utf-8")
        elif fmt == "parquet":
            frame.to_parquet(tmp, index=False)
        else:
            dates = [c for c in frame.columns if str(frame[c].dtype).startswith("datetime64")]
            labels = {c: LABELS[c][0][:80] for c in frame.columns if c in LABELS}
            frame.to_stata(tmp, write_index=False, version=118, convert_dates={c: "td" for c in dates},
                           variable_labels=labels, data_label="Integrationsmonitor NRW")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _stata_ready(frame: pd.DataFrame) -> pd.DataFrame:
    """Stata has no booleans and no missing text: booleans become 0/1, missing text an empty string."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == bool:
            out[column] = out[column].astype("int8")
        elif out[column].dtype == object:
            out[column] = out[column].fillna("").astype(str)
    return out


def _schema(frame: pd.DataFrame) -> dict:
    fields = []
    for column in frame.columns:
        de, en = LABELS.get(column, (column, column))
        fields.append({"name": column, "type": _TYPES.get(str(frame[column].dtype), "string"), "title": de,
                       "description": en})
    return {"fields": fields, "missingValues": [""]}


def _sources(table: pd.DataFrame) -> list[dict]:
    """The sources of the exported figures with publisher and licence (official statistics: dl-de/by-2-0)."""
    from helpers.data import store

    used = {i for cell in table["source_ids"] for i in cell.split("; ") if i}
    sources = store.load("sources")
    sources = sources[sources["source_id"].isin(used)].sort_values("source_id").fillna("")
    return [{"title": f"{row.publisher}: {row.title}".strip(": "), "x_source_id": row.source_id,
             "x_publisher": row.publisher, "x_licence": row.licence, "x_retrieved_via": row.retrieved_via,
             "x_reference_date": str(row.reference_date)[:10],
             **({"path": row.url_or_repo_path} if str(row.url_or_repo_path).startswith("http") else {})}
            for row in sources.itertuples(index=False)]


def export(out_dir: Path, fmt: str) -> list[Path]:
    """Write ``indicators``, ``regions`` (in ``fmt``), ``codebook.csv``/``.md`` and ``datapackage.json``."""
    from helpers import research

    if fmt not in FORMATS:
        raise ExportError(f"Unbekanntes Format {fmt!r}; möglich: {', '.join(FORMATS)}.")
    if out_dir.exists() and not out_dir.is_dir():
        raise ExportError(f"{out_dir} ist eine Datei, kein Ordner: bitte einen Ordner für --out angeben.")
    out_dir.mkdir(parents=True, exist_ok=True)
    suffix, mediatype = FORMATS[fmt]
    table, regions = research.table(), research.regions()
    book = codebook_module.codebook(table, regions)
    frames = {"indicators": table, "regions": regions}
    written, resources = [], []
    for name, frame in frames.items():
        path = out_dir / f"{name}.{suffix}"
        _write_frame(_stata_ready(frame) if fmt == "stata" else frame, path, fmt)
        written.append(path)
        resources.append({"name": name, "path": path.name, "format": suffix, "mediatype": mediatype,
                          **({"encoding": "utf-8"} if fmt == "csv" else {}), "schema": _schema(frame)})
    book_path = out_dir / "codebook.csv"
    codebook_module.write(book, book_path, out_dir / "codebook.md")
    written += [book_path, out_dir / "codebook.md"]
    resources.append({"name": "codebook", "path": book_path.name, "format": "csv", "mediatype": "text/csv",
                      "encoding": "utf-8", "schema": _schema(book)})
    resources[0]["schema"]["foreignKeys"] = [
        {"fields": "indicator", "reference": {"resource": "codebook", "fields": "indicator"}}]
    package = {
        "name": "integrationsmonitor-nrw", "title": "Integrationsmonitor: Indikatoren aller Regionen NRWs",
        "description": "Lange Tabelle der Indikatoren (eine Zeile je Indikator, Region, Stichtag und Grundlage), "
                       "Regionen und Codebook. Long table of the indicators of every region of NRW, the regions "
                       "and the codebook.",
        "licenses": [DATA_LICENCE], "sources": _sources(table), "resources": resources,
        "x_data_version": _data_version(),
    }
    path = out_dir / "datapackage.json"
    codebook_module.write_text(path, json.dumps(package, ensure_ascii=False, indent=2) + "\n")
    return [*written, path]


def _data_version() -> str:
    """The data release the export comes from: the newest change report in data/updates (see data/CHANGELOG.md)."""
    from helpers.paths import UPDATES_DIR

    reports = sorted(p.stem for p in UPDATES_DIR.glob("*.json") if p.name != "latest.json")
    return reports[-1] if reports else ""
