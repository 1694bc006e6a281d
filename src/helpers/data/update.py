"""`data update`: the declared official tables (catalogue/tables.yaml) into data/raw, with a change report.

Every table is fetched (pystatis for GENESIS-Online, Regionalstatistik and the Zensus database; the
anonymous download route for the Landesdatenbank NRW) or read from a folder of hand-downloaded exports,
checked against its declared columns and imported into a scratch copy of data/raw. Only when every table
succeeded and the copy validates are the new files and datapackage.json put in place and data/processed
rebuilt; any failure leaves both byte-identical. A table's new export replaces the one an earlier
update brought; the change report compares the processed observations before and after.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import socket
import tempfile
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from helpers import fmt, ingest, kommunen
from helpers.data import build, datapackage, importing, validation
from helpers.data.change_report import ChangeReport, changes
from helpers.ingest.common import TABLES_FILE, declared_tables, normalise_ags
from helpers.ingest.genesis_flat import REGION_DIMENSIONS
from helpers.paths import PROCESSED_DIR, RAW_DIR, UPDATES_DIR

RETRIEVED_VIA = "python -m helpers data update"
TIMEOUT_ENV = "INTEGRATIONSMONITOR_HTTP_TIMEOUT"
LATEST_REPORT = "latest.json"


class UpdateFailed(Exception):
    """One table could not be updated; the message names the problem and the fix."""


class UnknownTable(ValueError):
    """A --table code not in tables.yaml (a bad argument: exit code 2)."""


@dataclass
class Table:
    code: str
    service_name: str
    service: dict
    spec: dict

    @property
    def regions(self) -> set[str] | None:
        """The region codes kept from an answer; None keeps every row."""
        scope = self.spec.get("regions", "kreis")
        if scope == "home":  # a table too large to keep for all of NRW: the default Kreis only
            home = (*kommunen.kommunen(), kommunen.kreis(), kommunen.land())
            return {r.ags for r in home} | {validation.GERMANY_AGS}
        return validation.known_ags() if scope == "kreis" else None

    @property
    def manual(self) -> bool:
        """Declared for the indicators but not fetched (``fetch: manual``): the report says why."""
        return self.spec.get("fetch", "auto") == "manual"


@dataclass
class Answer:
    """One table's export, in the scratch folder, with where and when it was retrieved."""
    table: Table
    file: Path
    retrieved: str
    via: str
    extract_note: str = ""


def declared(tables_file: Path = TABLES_FILE) -> dict[str, Table]:
    """The tables of tables.yaml, each with its service."""
    catalogue = declared_tables(Path(tables_file))
    return {str(code): Table(str(code), spec["service"], catalogue["services"][spec["service"]], spec)
            for code, spec in catalogue["tables"].items()}


def update(codes: list[str] | None = None, source: Path | None = None, dry_run: bool = False,
           raw_dir: Path = RAW_DIR, processed_dir: Path = PROCESSED_DIR, updates_dir: Path = UPDATES_DIR,
           tables_file: Path = TABLES_FILE) -> ChangeReport:
    """Fetch (or read from ``source``) the tables, import all or nothing, rebuild; the change report."""
    catalogue = declared(tables_file)
    unknown = [c for c in codes or [] if c not in catalogue]
    if unknown:
        raise UnknownTable(f"Unbekannte Tabelle(n) {', '.join(unknown)}. Deklariert sind in "
                           f"src/helpers/catalogue/tables.yaml: {', '.join(catalogue)}.")
    wanted = [catalogue[c] for c in (codes or list(catalogue))]
    report = ChangeReport(dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"), dry_run)
    with tempfile.TemporaryDirectory(prefix="data-update-") as scratch_name:
        scratch = Path(scratch_name)
        answers = (_from_folder(Path(source), catalogue, wanted, report) if source
                   else _fetch_all([t for t in wanted if not t.manual], scratch, report))
        trial = scratch / "raw"
        shutil.copytree(raw_dir, trial)
        replaced = {}
        for answer in answers:
            try:
                replaced[answer.table.code] = _stage(answer, trial, scratch, report)
            except UpdateFailed as exc:
                report.tables[answer.table.code] = {"status": "failed", "message": str(exc)}
        for table in (t for t in wanted if t.manual):
            report.tables.setdefault(table.code, {"status": "manual", "message": table.spec["manual_route"]})
        if report.failed:
            return report
        updated = any(t["status"] == "updated" for t in report.tables.values())
        if updated:
            try:
                before, after = build.tables(raw_dir)["observations"], build.tables(trial)["observations"]
            except validation.DataError as exc:
                report.tables["(alle)"] = {"status": "failed", "message": "Rohdaten nach dem Import ungültig:\n"
                                           + exc.report.format(20)}
                return report
            report.changes = changes(before, after, report, replaced)
        if not dry_run:
            if updated:
                _commit(trial, raw_dir, processed_dir)
            _save(report, updates_dir)  # also when nothing is new: the index then says so by showing nothing
    return report


# --- getting the exports ------------------------------------------------------------------


def _fetch_all(wanted: list[Table], scratch: Path, report: ChangeReport) -> list[Answer]:
    answers = []
    for table in wanted:
        try:
            fetch = _fetch_pystatis if table.service["route"] == "pystatis" else _fetch_download
            answers.append(fetch(table, scratch))
        except UpdateFailed as exc:
            report.tables[table.code] = {"status": "failed", "message": str(exc)}
    return answers


def _fetch_pystatis(table: Table, scratch: Path) -> Answer:
    """One table through pystatis (background job for oversized tables included), with a fresh cache."""
    try:
        import requests
        from pystatis import Table as PystatisTable, config
        from pystatis.exception import PystatisConfigError

        importing.credentials_from_environment()
        cache = scratch / "pystatis-cache" / table.code
        config.config.set("data", "cache_dir", str(cache))  # in memory only: a cached answer is never new data
        result = PystatisTable(name=table.code)
        result.get_data(prettify=False)
    except PystatisConfigError as exc:
        raise UpdateFailed(f"keine Zugangsdaten für {table.service['label']} ({exc.__class__.__name__}). Zugangsdaten über "
                           "PYSTATIS_<DB>_API_USERNAME/_PASSWORD (DB = GENESIS, REGIO, ZENSUS) oder pystatis' config.ini "
                           "setzen; ohne Zugang: Tabelle als CSV herunterladen und `data update --from ORDNER` nutzen.") from exc
    except requests.exceptions.ConnectionError as exc:
        raise UpdateFailed(f"keine Verbindung zu {table.service['label']} ({_message(exc)}). Internetverbindung prüfen "
                           "oder die Tabelle von Hand herunterladen und `data update --from ORDNER` nutzen.") from exc
    except (requests.exceptions.Timeout, SystemExit, TimeoutError) as exc:
        raise UpdateFailed(f"Zeitüberschreitung bei {table.service['label']}; später erneut versuchen.") from exc
    except requests.exceptions.HTTPError as exc:
        raise UpdateFailed(f"{table.service['label']} antwortete mit einem HTTP-Fehler ({_message(exc)}); "
                           "Zugangsdaten prüfen (401) oder später erneut versuchen (5xx).") from exc
    except Exception as exc:  # pystatis reports the service's status messages as ValueErrors of several kinds
        raise UpdateFailed(f"{table.service['label']} lieferte keine Daten: „{_message(exc)}“. Tabellencode und "
                           "Auswahl in src/helpers/catalogue/tables.yaml prüfen.") from exc
    file = scratch / "answers" / f"{table.code}_{_recorded(cache):%Y%m%d}_flat.csv"
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(result.raw_data, encoding="utf-8")
    return Answer(table, file, _recorded(cache).isoformat(), f"pystatis, {table.service['pystatis']}")


def _recorded(cache: Path) -> dt.date:
    """The date the service produced the answer (its ZIP entry), else today."""
    for archive in sorted(cache.rglob("*.zip")):
        with zipfile.ZipFile(archive) as handle:
            return dt.date(*handle.infolist()[0].date_time[:3])
    return dt.date.today()


def _fetch_download(table: Table, scratch: Path) -> Answer:
    """A Landesdatenbank NRW table through its anonymous CSV download route (base URL configurable)."""
    base = os.environ.get(table.service.get("base_url_env", ""), "") or table.service["base_url"]
    url = base.rstrip("/") + "/" + table.service["file"].format(code=table.code)
    timeout = float(os.environ.get(TIMEOUT_ENV, "60"))
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            body = response.read()
    except urllib.error.HTTPError as exc:
        hint = "Zugang verweigert: Adresse und Berechtigung prüfen" if exc.code in (401, 403) else (
            "Tabelle nicht gefunden: Tabellencode in tables.yaml prüfen" if exc.code == 404 else "später erneut versuchen")
        raise UpdateFailed(f"{url} antwortete mit HTTP {exc.code}; {hint}.") from exc
    except (socket.timeout, TimeoutError) as exc:
        raise UpdateFailed(f"Zeitüberschreitung nach {timeout:g} s bei {url}; später erneut versuchen.") from exc
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        if isinstance(reason, (socket.timeout, TimeoutError)):
            raise UpdateFailed(f"Zeitüberschreitung nach {timeout:g} s bei {url}; später erneut versuchen.") from exc
        raise UpdateFailed(f"keine Verbindung zu {url} ({reason}). Internetverbindung prüfen oder die Tabelle von "
                           "Hand herunterladen und `data update --from ORDNER` nutzen.") from exc
    file = scratch / "answers" / f"{table.code}_{dt.date.today():%Y%m%d}.csv"
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_bytes(body)
    return Answer(table, file, dt.date.today().isoformat(), f"Download {url}")


def _from_folder(folder: Path, catalogue: dict[str, Table], wanted: list[Table], report: ChangeReport) -> list[Answer]:
    """Each file of ``folder`` recognised by the table code in its header (or name); unknown files fail."""
    if not folder.is_dir():
        raise UnknownTable(f"--from {folder}: kein Ordner.")
    answers, codes = [], {t.code for t in wanted}
    for file in sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")):
        try:
            code = ingest.read_file(file).table
        except (ingest.IngestError, OSError) as exc:
            report.tables[file.name] = {"status": "failed", "message": f"Datei nicht lesbar: {exc}"}
            continue
        if code not in catalogue:
            report.tables[file.name] = {"status": "failed", "message": (
                f"Tabelle {code} ist nicht deklariert" if code else "kein Tabellencode im Kopf oder im Namen erkennbar")
                + ": Datei entfernen oder die Tabelle in src/helpers/catalogue/tables.yaml eintragen."}
        elif code in codes:
            stamp = dt.date.today()
            answers.append(Answer(catalogue[code], file, stamp.isoformat(), f"--from, Datei {file.name}"))
        else:
            report.tables.setdefault(code, {"status": "skipped"})
    return answers


# --- checking and importing ---------------------------------------------------------------


def _stage(answer: Answer, trial: Path, scratch: Path, report: ChangeReport) -> str:
    """Check the export, import it into ``trial``; returns the source id of the export it replaces ('' if none)."""
    table = answer.table
    extract = ingest.read_file(answer.file, table=table.code, regions=kommunen.resolve)
    if extract.problems:
        raise UpdateFailed(f"Export fehlerhaft ({len(extract.problems)} Probleme), z. B. {extract.problems[0]}; "
                           "Tabelle neu herunterladen.")
    _check_layout(table, extract.rows)
    ours = extract.rows[extract.rows["ags"].isin(validation.known_ags())]
    _check_newest_period(table, ours)
    file = _extract_regions(answer, scratch)
    package = datapackage.read_package(trial)
    digest = datapackage.file_hash(file)
    if any(r.get("hash") == digest for r in package["resources"]):
        report.tables[table.code] = {"status": "unchanged"}
        return ""
    previous = [r for r in package["resources"] if r.get("x_table") == table.code
                and r.get("x_retrieved_via", "").startswith(RETRIEVED_VIA)]
    if previous:
        package["resources"] = [r for r in package["resources"] if r not in previous]
        datapackage.write_package(trial, package)
        for resource in previous:
            (trial / resource["path"]).unlink()
    source_id = f"{table.service['prefix']}_{table.code.replace('-', '_').upper()}_{answer.retrieved.replace('-', '')}"
    meta = importing.Provenance(
        source_id=source_id, publisher=table.service["publisher"], title=table.spec["title"],
        table=table.code, url=table.service["url"].format(code=table.code, statistic=table.code.split("-")[0]),
        retrieved_via=f"{RETRIEVED_VIA} ({answer.via}; {table.service['label']}; abgerufen {answer.retrieved})",
        folder=table.service["folder"], base=table.spec.get("base", ""))
    try:
        target = importing.import_file(file, meta, trial)
    except importing.ImportRefused as exc:  # keep the errors; the warnings of the whole raw folder are noise here
        raise UpdateFailed("\n".join(line for line in str(exc).splitlines()
                                      if not line.startswith(("Warnung", "…")))) from exc
    _annotate_resource(trial, target, answer)
    report.tables[table.code] = {"status": "updated", "source_id": source_id, "file": target.as_posix(),
                                 "retrieved": answer.retrieved, "replaces": [r["x_source_id"] for r in previous]}
    return previous[0]["x_source_id"] if previous else ""


def _check_layout(table: Table, rows: pd.DataFrame) -> None:
    """Every column of the export must be declared: an unknown one means the table's layout changed."""
    targets = {variable for variable, _, _ in ingest.common.table_map(table.code).values()}
    if not targets:
        raise UpdateFailed("für diese Tabelle ist noch keine Spaltenzuordnung deklariert (fetch: manual); "
                           "columns in src/helpers/catalogue/tables.yaml ergänzen.")
    strange = sorted(set(rows["variable"]) - targets)
    if strange:
        raise UpdateFailed(f"Aufbau der Tabelle geändert: Merkmal(e) {', '.join(strange[:5])} sind in "
                           "src/helpers/catalogue/tables.yaml (columns) nicht zugeordnet; Zuordnung ergänzen.")


def _check_newest_period(table: Table, rows: pd.DataFrame) -> None:
    """A newest reference date with only '-', '.' or empty cells for our regions is not yet filled in."""
    if rows.empty:
        raise UpdateFailed("enthält keine Zeilen für Kreis Kleve, seine Kommunen, NRW oder Deutschland; "
                           "Regionalauswahl der Tabelle prüfen.")
    newest = rows[rows["date"] == rows["date"].max()]
    local = newest[newest["ags"].str.startswith(kommunen.kreis().ags)]  # NRW and Germany are filled in first
    empty = local["value"].isna() | (local["flag"] == "-")
    if empty.all():
        raise UpdateFailed(f"der neueste Stichtag {fmt.format_date(newest['date'].iloc[0])} enthält für Kreis Kleve und "
                           "seine Kommunen nur leere Felder oder '-': die Werte sind noch nicht eingepflegt. "
                           "Später erneut versuchen; es wurde nichts übernommen.")


def _extract_regions(answer: Answer, scratch: Path) -> Path:
    """A flat answer cut to the declared regions (lines byte-unchanged), so data/raw stays small."""
    regions = answer.table.regions
    if regions is None:
        return answer.file
    line_region = {"genesis_classic": ingest.genesis_classic.row_code,
                   "kommunalprofil": lambda line: ingest.kommunalprofil.row_region(line, answer.table.code, kommunen.resolve)}
    if (kind := ingest.detect(answer.file)) in line_region:
        return _extract_lines(answer, scratch, regions, line_region[kind])
    raw = answer.file.read_bytes()
    bom = raw.startswith(b"\xef\xbb\xbf")
    lines = ingest.common.decode(raw).splitlines(keepends=True)
    header = lines[0].lstrip("\ufeff").rstrip("\r\n").split(";")
    pairs = [(i, header.index(h.replace("_variable_code", "_variable_attribute_code")))
             for i, h in enumerate(header) if h.endswith("_variable_code") and h[0].isdigit()]
    kept = [line for line in lines[1:] if _in_regions(line.split(";"), pairs, regions)]
    if len(kept) == len(lines) - 1:
        return answer.file
    _note_extract(answer, len(kept), len(lines) - 1, "Serverantwort")
    return _write_extract(answer, scratch, ((b"\xef\xbb\xbf" if bom else b"")
                                            + "".join([lines[0].lstrip("\ufeff")] + kept).encode("utf-8")))


def _extract_lines(answer: Answer, scratch: Path, regions: set[str], line_region) -> Path:
    """A classic export (all German Gemeinden; a Kommunalprofil also without the features it leaves out) cut
    to the declared regions' data lines; title, header and footer lines and the bytes of every kept line
    unchanged. ``line_region(line)`` is a data line's AGS, None for the other lines."""
    lines = answer.file.read_bytes().splitlines(keepends=True)
    encoding = ingest.common.encoding(answer.file.read_bytes())
    kept, data_lines, footer = [], 0, False
    for line in lines:
        footer = footer or line.startswith(b"__________")
        code = None if footer else line_region(line.decode(encoding, errors="replace").rstrip("\r\n"))
        data_lines += code is not None
        if code is None or code in regions:
            kept.append(line)
    if len(kept) == len(lines):
        return answer.file
    _note_extract(answer, data_lines - (len(lines) - len(kept)), data_lines, "Datei")
    return _write_extract(answer, scratch, b"".join(kept))


def _note_extract(answer: Answer, kept: int, total: int, what: str) -> None:
    answer.extract_note = (f"Auszug der {what}: {kept} von {total} Datenzeilen (die Regionen des Monitors), "
                           "Zeilen unverändert")


def _write_extract(answer: Answer, scratch: Path, body: bytes) -> Path:
    out = scratch / "extracts" / answer.file.name
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(body)
    return out


def _in_regions(cells: list[str], pairs: list[tuple[int, int]], regions: set[str]) -> bool:
    for code_at, value_at in pairs:
        if code_at < len(cells) and (cells[code_at] in REGION_DIMENSIONS or cells[code_at].startswith("GEO")):
            return value_at < len(cells) and normalise_ags(cells[value_at]) in regions
    return False


def _annotate_resource(trial: Path, target: Path, answer: Answer) -> None:
    """Record service, retrieval date and the extract note in the new resource."""
    package = datapackage.read_package(trial)
    for resource in package["resources"]:
        if resource["path"] == target.as_posix():
            resource["x_date_accessed"] = answer.retrieved
            resource["x_service"] = answer.table.service_name
            if answer.extract_note:
                resource["description"] = answer.extract_note
    datapackage.write_package(trial, package)


def _message(exc: BaseException) -> str:
    """The service's message on one line."""
    return " ".join(str(exc).split()) or exc.__class__.__name__


# --- writing ------------------------------------------------------------------------------


def _commit(trial: Path, raw_dir: Path, processed_dir: Path) -> None:
    """Put the new raw files and datapackage.json in place, drop superseded exports, rebuild processed."""
    old = {r["path"]: r["hash"] for r in datapackage.read_package(raw_dir)["resources"]}
    new = {r["path"]: r["hash"] for r in datapackage.read_package(trial)["resources"]}
    changed = sorted(rel for rel, digest in new.items() if old.get(rel) != digest)
    backup = trial.parent / "backup"
    placed = []
    try:
        for rel in changed:
            if (raw_dir / rel).exists():
                (backup / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(raw_dir / rel, backup / rel)
            placed.append(rel)
            importing.place(trial / rel, raw_dir / rel)
        importing.place(trial / datapackage.PACKAGE_FILE, raw_dir / datapackage.PACKAGE_FILE)
    except BaseException:
        for rel in placed:
            if (backup / rel).exists():
                os.replace(backup / rel, raw_dir / rel)
            else:
                (raw_dir / rel).unlink(missing_ok=True)
        raise
    for rel in sorted(old.keys() - new.keys()):
        (raw_dir / rel).unlink(missing_ok=True)
    build.build(raw_dir, processed_dir)


def _save(report: ChangeReport, updates_dir: Path) -> None:
    """updates_dir/<time>.json and latest.json (the briefings index reads the latter), atomically."""
    updates_dir.mkdir(parents=True, exist_ok=True)
    text = json.dumps(report.as_json(), ensure_ascii=False, indent=2) + "\n"
    for name in (report.created.replace(":", "") + ".json", LATEST_REPORT):
        tmp = updates_dir / f".{name}.part"
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, updates_dir / name)


def last_report(updates_dir: Path | None = None) -> dict | None:
    """The last saved change report (default: data/updates), or None."""
    try:
        return json.loads(((updates_dir or UPDATES_DIR) / LATEST_REPORT).read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return None
