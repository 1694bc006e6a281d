"""Readers for the official export formats in which new figures arrive.

One module per format (``genesis_classic``, ``genesis_flat``, ``zensus_flat``, ``kommunalprofil`` for
IT.NRW tables that name their regions, ``school_list`` for lists of schools with their Sozialindex), each
with ``detect(text) -> bool`` and ``read(text, table, reference_date, filename, regions) -> Extract``;
per-table quirks (which column is which variable, category and unit) live in ``catalogue/tables.yaml``,
not in code. :func:`read_file` picks the format and returns tidy rows
``ags, date, variable, category, value, unit, flag``. Files that name regions without keys need
``regions`` (names → AGS from the official directory, see :data:`~helpers.ingest.common.Regions`).
"""
from __future__ import annotations

import csv
import os
import stat
from pathlib import Path

from helpers.ingest import genesis_classic, genesis_flat, kommunalprofil, school_list, zensus_flat
from helpers.ingest.common import Extract, IngestError, Regions, decode, encoding_problem

# Larger files are refused unread. The readers hold a file many times over (measured peaks: the 32 MB GENESIS-Online
# answer of 12531-0043, flat, 0.6 GB; a 19 MB classic export 0.75 GB); the largest real answer fits with room.
MAX_MB = 40
MAX_MB_ENV = "INTEGRATIONSMONITOR_MAX_EXPORT_MB"

# Most specific first: a Zensus flat file is also a flat file, a Kommunalprofil also has a classic title.
FORMATS = {"zensus_flat": zensus_flat, "genesis_flat": genesis_flat, "kommunalprofil": kommunalprofil,
           "school_list": school_list, "genesis_classic": genesis_classic}
_CSV_HINT = ("Bitte die Tabelle als CSV (GENESIS/Regionalstatistik/Landesdatenbank: 'CSV' oder 'CSV flat') "
             "herunterladen.")
_REFUSED_MAGIC = {
    b"%PDF": ("eine PDF-Datei", "Eine PDF-Liste wird nicht gelesen, weil ihre Zahlen nicht sicher als Tabelle "
              "lesbar sind. Bitte die CSV-Fassung herunterladen: bei GENESIS, Regionalstatistik und Landesdatenbank "
              "'CSV' oder 'CSV flat', bei der Sozialindex-Schulliste des MSB die Open-Data-CSV "
              "(schulliste_sj_…_open_data.csv)."),
    b"\xd0\xcf\x11\xe0": ("eine alte Excel-Datei (.xls)", _CSV_HINT),
    b"PK\x03\x04": ("eine ZIP- oder Excel-Datei (.xlsx)", _CSV_HINT),
}

__all__ = ["FORMATS", "Extract", "IngestError", "Regions", "detect", "max_bytes", "read_bytes", "read_file"]


def detect(path: Path) -> str:
    """The format name of an export file; IngestError with a clear reason for anything else."""
    return _detect(path, read_bytes(path))[0]


def read_file(path: Path, table: str | None = None, reference_date: str | None = None,
              regions: Regions | None = None) -> Extract:
    """Tidy rows of one export file (all regions it contains) and the problems met on the way."""
    name, text = _detect(path, read_bytes(path))
    return _csv_guarded(path, FORMATS[name].read, text, table=table, reference_date=reference_date,
                        filename=path.name, regions=regions)


def max_bytes() -> int:
    """The largest export read (:data:`MAX_MB_ENV`, default :data:`MAX_MB` megabytes)."""
    try:
        return int(float(os.environ.get(MAX_MB_ENV, MAX_MB)) * 2**20)
    except ValueError:
        return MAX_MB * 2**20


def read_bytes(path: Path) -> bytes:
    """The bytes of an export: a plain file (or a link to one) of at most :func:`max_bytes`. A device, a pipe
    or a link to one is refused by name before it is opened (reading ``/dev/zero`` never ends), a larger
    file at once (the readers hold a file many times over in memory)."""
    info = path.stat()
    if not stat.S_ISREG(info.st_mode):
        kind = ("ein Ordner" if stat.S_ISDIR(info.st_mode) else "eine Pipe (FIFO)" if stat.S_ISFIFO(info.st_mode)
                else "ein Gerät" if stat.S_ISCHR(info.st_mode) or stat.S_ISBLK(info.st_mode) else "keine normale Datei")
        via = " (über eine symbolische Verknüpfung)" if path.is_symlink() else ""
        raise IngestError(f"{path.name} ist {kind}{via}, keine Exportdatei: nicht gelesen. Nur heruntergeladene "
                          "Exportdateien übergeben.")
    limit = max_bytes()
    with open(path, "rb") as handle:
        raw = handle.read(limit + 1) if info.st_size <= limit else b""
    if info.st_size > limit or len(raw) > limit:
        raise IngestError(f"{path.name} ist {max(info.st_size, len(raw)) / 2**20:,.0f} MB groß; Exporte über "
                          f"{limit / 2**20:,.0f} MB werden nicht gelesen. Die Tabelle mit engerer Auswahl "
                          f"herunterladen (z. B. nur NRW oder nur die benötigten Jahre) oder die Grenze mit "
                          f"{MAX_MB_ENV} (MB) anheben."
                          .replace(",", "."))
    return raw


def _detect(path: Path, raw: bytes) -> tuple[str, str]:
    """The format name and the decoded text of an export's bytes; IngestError with a clear reason for anything else."""
    for magic, (what, hint) in _REFUSED_MAGIC.items():
        if raw.startswith(magic):
            raise IngestError(f"{path.name} ist {what}, kein CSV-Export. {hint}")
    if problem := encoding_problem(raw):
        raise IngestError(f"{path.name}: {problem}")
    text = decode(raw)
    if _is_cube(text):
        raise IngestError(f"{path.name} ist ein GENESIS-Datenwürfel (cubefile, Zeilen 'K;'/'D;'); dieses Format wird "
                          "nicht gelesen. Bitte die Tabelle als 'CSV' oder 'CSV flat' exportieren.")
    for name, module in FORMATS.items():
        if _csv_guarded(path, module.detect, text):
            return name, text
    raise IngestError(f"{path.name}: Format nicht erkannt. Erwartet wird ein CSV-Export von GENESIS-Online, "
                      "Regionalstatistik, Landesdatenbank NRW (klassisch oder flat) oder der Zensus-2022-Datenbank.")


def _csv_guarded(path: Path, function, *args, **kwargs):
    """Run a reader; the csv module's own errors (an unclosed quote swallowing the rest) become an IngestError."""
    try:
        return function(*args, **kwargs)
    except csv.Error as exc:
        raise IngestError(f"{path.name} ist als CSV nicht lesbar ({exc}): vermutlich ein Anführungszeichen \" ohne "
                          "schließendes Gegenstück, das den Rest der Datei zu einer Zelle macht. Bitte die Tabelle neu "
                          "herunterladen und nicht von Hand bearbeiten.") from None


def _is_cube(text: str) -> bool:
    lines = text.splitlines()[:5]
    return bool(lines) and (lines[0].startswith("* Der Benutzer") or any(line.startswith("K;DQ;") for line in lines))
