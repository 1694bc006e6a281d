"""New official exports into data/raw, with their provenance, all or nothing.

``import_file`` copies an export (GENESIS/Regionalstatistik/Landesdatenbank CSV, flat CSV or
Zensus 2022 flat) into ``data/raw/<publisher>/`` and records it in datapackage.json, after
checking that it reads and that the whole raw folder still validates. ``fetch_table``
downloads a table with pystatis (credentials only from the environment or pystatis' own
config) and hands the file to ``import_file``. On any error data/raw stays unchanged.
"""
from __future__ import annotations

import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from helpers import ingest, kommunen
from helpers.data import build, datapackage, plausibility, transaction, validation
from helpers.ingest.common import encoding
from helpers.paths import RAW_DIR

DL_DE_BY_2_0 = {"name": "dl-de/by-2-0", "title": "Datenlizenz Deutschland – Namensnennung – Version 2.0",
                "path": "https://www.govdata.de/dl-de/by-2-0"}


class ImportRefused(Exception):
    """The export was not imported; the message says why and what to do."""


_SOURCE_ID = re.compile(r"[A-Z][A-Z0-9_]{2,79}")


def check_source_id(text: str) -> str:
    """A source id as the snapshot writes them (``ITNRW_12411_15I_2025``): it ends up in tables, links and
    file names."""
    if not _SOURCE_ID.fullmatch(text):
        raise ValueError(f"ungültige Quellen-ID {text!r}: nur Großbuchstaben, Ziffern und _, mit einem Buchstaben "
                         "beginnend, 3–80 Zeichen (z. B. ITNRW_12411_15I_2025)")
    return text


def check_date(text: str) -> str:
    """'' (none given) or a real calendar day written JJJJ-MM-TT."""
    if text:
        try:
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
                raise ValueError
            date.fromisoformat(text)
        except ValueError:
            raise ValueError(f"ungültiges Datum {text!r}: bitte einen Tag als JJJJ-MM-TT angeben "
                             "(z. B. 2024-12-31)") from None
    return text


def check_url(text: str) -> str:
    """'' or a plain http(s) address: a briefing links to it, so no ``javascript:`` or ``file:``."""
    if text and not re.fullmatch(r"https?://[^\s\"'<>`]+", text):
        raise ValueError(f"ungültige Adresse {text!r}: nur http:// oder https:// ohne Leerzeichen und "
                         "Anführungszeichen")
    return text


def check_provenance(meta: Provenance) -> None:
    """The same checks as the command line options, for callers of :func:`import_file`."""
    try:
        check_source_id(meta.source_id)
        check_date(meta.reference_date)
        check_date(meta.retrieved_on)
        check_url(meta.url)
    except ValueError as exc:
        raise ImportRefused(str(exc)) from None


@dataclass
class Provenance:
    source_id: str
    publisher: str = "IT.NRW"
    title: str = ""
    table: str = ""
    reference_date: str = ""
    licence: str = "dl-de/by-2-0"
    url: str = ""
    retrieved_via: str = "python -m helpers data import"
    retrieved_on: str = ""  # when the file was obtained (YYYY-MM-DD; default today)
    via: str = ""  # the route when not the publisher's own download, e.g. a public mirror with its path
    folder: str = ""  # data/raw/<folder>; default: derived from the publisher
    # census base of population-type rows (catalogue/tables.yaml; by date), checked with the import
    base: str | dict = ""


def import_file(file: Path, meta: Provenance, raw_dir: Path = RAW_DIR, accept_regions: bool = False) -> Path:
    """Copy ``file`` into raw_dir with a resource record, as the one writer of the data folder, in one commit
    after the whole staged data/raw validated; returns the new path (relative to raw_dir)."""
    file, raw_dir = Path(file), Path(raw_dir)
    check_provenance(meta)
    extract, fmt = _readable(file, meta)
    with (transaction.writing(raw_dir.parent),
          transaction.Transaction(raw_dir.parent, f"data import {file.name}") as commit):
        try:
            broken = datapackage.provenance_problems(raw_dir)
        except datapackage.PackageError as exc:
            raise ImportRefused(str(exc)) from None
        if broken:  # never copy a folder holding a symlink to a device, nor add to raw data that already fail
            raise ImportRefused("data/raw ist schon vor dem Import nicht in Ordnung (Einzelheiten: "
                                "`python -m helpers data validate`):\n"
                                + "\n".join(f"{f}: {p} → {fix}" for f, p, fix in broken[:10]))
        try:
            plausibility.check_regions(meta.table, extract, file, [], replaces=False, accept=accept_regions)
        except plausibility.Implausible as exc:
            raise ImportRefused(str(exc)) from None
        trial = commit.raw_copy(raw_dir)
        target = stage(file, meta, fmt, extract, trial)
        report = build.validate(trial)
        if not report.ok:
            raise ImportRefused("Nach dem Import wären die Rohdaten ungültig:\n" + "\n".join(distinct(report.errors)))
        commit.stage_raw(trial, raw_dir)
        commit.commit()
    return target


def stage(file: Path, meta: Provenance, fmt: str, extract: ingest.Extract, trial: Path) -> Path:
    """Put ``file`` and its resource record into the staged data/raw ``trial`` (not yet validated)."""
    package = datapackage.read_package(trial)
    digest = datapackage.file_hash(file)
    target = Path(meta.folder or _folder(meta.publisher)) / file.name
    _refuse_duplicates(package, trial, digest, target, meta.source_id)
    place(file, trial / target)
    resource = _resource(file, target, digest, fmt, meta, extract)
    datapackage.write_package(trial, {**package, "resources": package["resources"] + [resource]})
    return target


def fetch_table(table: str, meta: Provenance, raw_dir: Path = RAW_DIR, **query) -> Path:
    """Download ``table`` with pystatis as flat CSV and import it; clear errors when offline."""
    try:
        from pystatis import Table  # imported late: pystatis writes its config on import
        credentials_from_environment()
        result = Table(name=table)
        result.get_data(prettify=False, **query)
    except Exception as exc:  # pystatis raises config, HTTP and connection errors of many kinds
        raise ImportRefused(
            f"Abruf von {table} fehlgeschlagen "
            f"({type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}). "
            "Keine Verbindung zur Datenbank oder keine Zugangsdaten: Zugangsdaten nur über Umgebungsvariablen "
            "(PYSTATIS_<DB>_API_USERNAME / _PASSWORD, DB = GENESIS, REGIO, ZENSUS) oder pystatis' eigene config.ini "
            "setzen, nie im Notebook. Ohne Internet: Tabelle im Browser als CSV herunterladen und mit "
            "`python -m helpers data import DATEI --source-id …` übernehmen. Es wurde nichts geändert."
        ) from exc
    with tempfile.TemporaryDirectory(prefix="fetch-") as scratch:
        file = Path(scratch) / f"{table}_{date.today():%Y%m%d}_flat.csv"
        file.write_text(result.raw_data, encoding="utf-8")
        meta.retrieved_via = "python -m helpers data fetch (pystatis)"
        return import_file(file, meta, raw_dir)


def credentials_from_environment() -> None:
    """Hand PYSTATIS_<DB>_API_USERNAME/_PASSWORD to pystatis in memory only (never written to disk)."""
    from pystatis import config

    for db in config.get_supported_db():
        for field in ("username", "password"):
            value = os.environ.get(f"PYSTATIS_{db.upper()}_API_{field.upper()}")
            if value:
                config.config.set(db, field, value)


def _readable(file: Path, meta: Provenance) -> tuple[ingest.Extract, str]:
    if not file.exists():
        raise ImportRefused(f"Datei {file} nicht gefunden.")
    try:
        fmt = ingest.detect(file)
        extract = ingest.read_file(file, table=meta.table or None, reference_date=meta.reference_date or None,
                                   regions=kommunen.resolve)
        plausibility.check_complete(file, fmt, extract)
    except (ingest.IngestError, plausibility.Implausible, OSError) as exc:
        raise ImportRefused(str(exc)) from exc
    if extract.problems:
        raise ImportRefused(f"{file.name} ist fehlerhaft ({len(extract.problems)} Probleme), z. B.:\n  "
                            + "\n  ".join(extract.problems[:10]))
    ours = extract.rows[extract.rows["ags"].isin(validation.known_ags())]
    if ours.empty:
        raise ImportRefused(f"{file.name} enthält keine Zeilen für die Kommunen des Kreises Kleve, den Kreis, NRW "
                            "oder Deutschland.")
    if (ours["date"] == "").any():
        raise ImportRefused(f"{file.name} nennt keinen Stichtag: bitte --reference-date JJJJ-MM-TT angeben.")
    meta.table = meta.table or extract.table
    return extract, fmt


def _refuse_duplicates(package: dict, raw_dir: Path, digest: str, target: Path, source_id: str) -> None:
    for resource in package["resources"]:
        if resource.get("hash") == digest:
            raise ImportRefused(f"Diese Datei ist bereits importiert als {resource['path']}.")
        if resource.get("x_source_id") == source_id:
            raise ImportRefused(f"source_id {source_id} ist bereits vergeben ({resource['path']}); "
                                "bitte eine neue wählen.")
    if (raw_dir / target).exists():
        raise ImportRefused(f"data/raw/{target.as_posix()} existiert schon; Rohdaten werden nie überschrieben.")
    snapshot_sources = raw_dir / "snapshot" / "sources.csv"
    if snapshot_sources.is_file() and re.search(rf"^{re.escape(source_id)},",
                                                snapshot_sources.read_text(encoding="utf-8"), re.M):
        raise ImportRefused(f"source_id {source_id} steht schon in snapshot/sources.csv; bitte eine neue wählen.")


def _folder(publisher: str) -> str:
    """data/raw/<folder>: the publisher as a short lowercase ASCII name ('IT.NRW' → 'itnrw')."""
    folded = publisher.lower().replace("ä", "ae").replace("ö", "oe").replace("ü", "ue").replace("ß", "ss")
    return re.sub(r"[^a-z0-9]+", "-", folded).strip("-").replace("-", "") or "other"


def _resource(file: Path, target: Path, digest: str, fmt: str, meta: Provenance, extract: ingest.Extract) -> dict:
    name = re.sub(r"[^a-z0-9_.-]+", "_", f"{_folder(meta.publisher)}_{file.stem}".lower())
    licence = DL_DE_BY_2_0 if meta.licence == "dl-de/by-2-0" else {"name": meta.licence}
    return {
        "name": name, "path": target.as_posix(), "title": meta.title or f"{meta.publisher}, Tabelle {meta.table}",
        "format": "csv", "mediatype": "text/csv", "encoding": encoding(file.read_bytes()), "bytes": file.stat().st_size,
        "hash": digest,
        "sources": [{"title": f"{meta.publisher}, Tabelle {meta.table}", "path": meta.url}],
        "licenses": [licence], "x_role": build.EXPORT_ROLE, "x_format": fmt, "x_table": meta.table,
        "x_source_id": meta.source_id, "x_publisher": meta.publisher, "x_reference_date": meta.reference_date,
        "x_date_accessed": meta.retrieved_on or date.today().isoformat(),
        "x_retrieved_via": meta.retrieved_via + (f", über {meta.via}" if meta.via else ""),
        **({"x_via": meta.via} if meta.via else {}),
        "x_period_end": str(extract.rows["date"].max() or ""),  # the newest reference date: tells vintages apart
        **({"x_base": meta.base} if meta.base else {}),
    }


def place(file: Path, target: Path) -> None:
    """Copy under a temporary name, then rename: a half-written raw file never exists."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.part")
    shutil.copyfile(file, tmp)
    os.replace(tmp, target)


def distinct(issues: list, limit: int = 20) -> list[str]:
    """One line per distinct problem (same file, column, check, text and fix), naming its rows: an export with
    20 values of an unknown unit gives one line, not 20 identical ones."""
    groups: dict[tuple, list] = {}
    for issue in issues:
        key = (issue.level, issue.file, issue.column, issue.check, issue.problem, issue.fix)
        groups.setdefault(key, []).append(issue)
    lines = []
    for same in list(groups.values())[:limit]:
        rows, first = sorted({i.row for i in same if i.row}), same[0]
        shown = ", ".join(map(str, rows[:5])) + (f" und {len(rows) - 5} weitere" if len(rows) > 5 else "")
        where = first.file + (f", Zeile {shown}" if rows else "") + (f", Spalte {first.column}" if first.column else "")
        count = f" ({len(same)} Werte)" if len(same) > 1 else ""
        lines.append(f"FEHLER [{first.check}] {where}: {first.problem}{count} → {first.fix}")
    if len(groups) > limit:
        lines.append(f"… und {len(groups) - limit} weitere Probleme (alle: python -m helpers data validate)")
    return lines
