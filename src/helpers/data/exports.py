"""Getting official exports for `data update`: the tables declared in catalogue/tables.yaml, fetched (pystatis
for GENESIS-Online, Regionalstatistik and the Zensus database; the anonymous download route of the
Landesdatenbank NRW) into a scratch folder, or read from a folder of hand-downloaded files."""
from __future__ import annotations

import datetime as dt
import os
import socket
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path

from helpers import ingest, kommunen
from helpers.data import importing, validation
from helpers.data.change_report import ChangeReport
from helpers.ingest.common import TABLES_FILE, declared_tables

TIMEOUT_ENV = "INTEGRATIONSMONITOR_HTTP_TIMEOUT"


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
    mirror: str = ""  # the route the file came by when not from the publisher itself (--via), e.g. a public mirror
    routed: bool = False  # --retrieved-on or --via given: the same bytes with another provenance are recorded anew


def declared(tables_file: Path = TABLES_FILE) -> dict[str, Table]:
    """The tables of tables.yaml, each with its service."""
    catalogue = declared_tables(Path(tables_file))
    return {str(code): Table(str(code), spec["service"], catalogue["services"][spec["service"]], spec)
            for code, spec in catalogue["tables"].items()}


def fetch_all(wanted: list[Table], scratch: Path, report: ChangeReport) -> list[Answer]:
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
        from pystatis import Table as PystatisTable
        from pystatis import config
        from pystatis.exception import PystatisConfigError

        importing.credentials_from_environment()
        cache = scratch / "pystatis-cache" / table.code
        config.config.set("data", "cache_dir", str(cache))  # in memory only: a cached answer is never new data
        result = PystatisTable(name=table.code)
        result.get_data(prettify=False)
    except PystatisConfigError as exc:
        raise UpdateFailed(f"keine Zugangsdaten für {table.service['label']} ({exc.__class__.__name__}). "
                           "Zugangsdaten über PYSTATIS_<DB>_API_USERNAME/_PASSWORD (DB = GENESIS, REGIO, ZENSUS) "
                           "oder pystatis' config.ini setzen; ohne Zugang: Tabelle als CSV herunterladen und "
                           "`data update --from ORDNER` nutzen.") from exc
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
            "Tabelle nicht gefunden: Tabellencode in tables.yaml prüfen" if exc.code == 404
            else "später erneut versuchen")
        raise UpdateFailed(f"{url} antwortete mit HTTP {exc.code}; {hint}.") from exc
    except TimeoutError as exc:
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


def from_folder(folder: Path, catalogue: dict[str, Table], wanted: list[Table], report: ChangeReport) -> list[Answer]:
    """Each file of ``folder`` recognised by the table code in its header (or name). A file that cannot be read,
    belongs to no declared table, or is a device, a pipe or a link to one fails the update, by name; so do two
    files of one table. Hidden files and sub-folders are not read; the report names them."""
    if not folder.is_dir():
        raise UnknownTable(f"--from {folder}: kein Ordner.")
    codes = {t.code for t in wanted}
    found: dict[str, list[Path]] = {}
    for file in sorted(folder.iterdir()):
        if file.name.startswith("."):
            report.tables[file.name] = {"status": "ignored", "message": "versteckte Datei (Name beginnt mit '.')"}
            continue
        if file.is_dir():
            report.tables[file.name] = {"status": "ignored",
                                        "message": "Unterordner (nur Dateien direkt im Ordner zählen)"}
            continue
        try:
            code = ingest.read_file(file).table
        except (ingest.IngestError, OSError) as exc:
            report.tables[file.name] = {"status": "failed", "message": f"Datei nicht lesbar: {exc}"}
            continue
        if code not in catalogue:
            report.tables[file.name] = {"status": "failed", "message": (
                f"Tabelle {code} ist nicht deklariert" if code else "kein Tabellencode im Kopf oder im Namen erkennbar")
                + ": Datei entfernen oder die Tabelle in src/helpers/catalogue/tables.yaml eintragen."}
        else:
            found.setdefault(code, []).append(file)
    answers = []
    for code, files in found.items():
        if len(files) > 1:
            report.tables[code] = {"status": "failed", "message": (
                f"{len(files)} Dateien derselben Tabelle: {', '.join(f.name for f in files)}. Welche gilt, bliebe dem "
                "Zufall der Dateinamen überlassen: nur eine Fassung in den Ordner legen.")}
        elif code in codes:
            answers.append(Answer(catalogue[code], files[0], dt.date.today().isoformat(),
                                  f"--from, Datei {files[0].name}"))
        else:
            report.tables.setdefault(code, {"status": "skipped"})
    return answers


def _message(exc: BaseException) -> str:
    """The service's message on one line."""
    return " ".join(str(exc).split()) or exc.__class__.__name__
