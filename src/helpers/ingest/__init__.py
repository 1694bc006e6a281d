"""Readers for the official export formats in which new figures arrive.

One module per format (``genesis_classic``, ``genesis_flat``, ``zensus_flat``), each with
``detect(text) -> bool`` and ``read(text, table) -> Extract``; per-table quirks (which column
is which variable, category and unit) live in ``catalogue/tables.yaml``, not in code.
:func:`read_file` picks the format and returns tidy rows
``ags, date, variable, category, value, unit, flag``.
"""
from __future__ import annotations

import csv
from pathlib import Path

from helpers.ingest import genesis_classic, genesis_flat, zensus_flat
from helpers.ingest.common import Extract, IngestError, decode

# Most specific first: a Zensus flat file is also a flat file.
FORMATS = {"zensus_flat": zensus_flat, "genesis_flat": genesis_flat, "genesis_classic": genesis_classic}
_REFUSED_MAGIC = {
    b"%PDF": "eine PDF-Datei",
    b"\xd0\xcf\x11\xe0": "eine alte Excel-Datei (.xls)",
    b"PK\x03\x04": "eine ZIP- oder Excel-Datei (.xlsx)",
}

__all__ = ["FORMATS", "Extract", "IngestError", "detect", "read_file"]


def detect(path: Path) -> str:
    """The format name of an export file; IngestError with a clear reason for anything else."""
    head = path.read_bytes()[:4]
    for magic, what in _REFUSED_MAGIC.items():
        if head.startswith(magic):
            raise IngestError(f"{path.name} ist {what}, kein CSV-Export. Bitte die Tabelle als CSV "
                              "(GENESIS/Regionalstatistik/Landesdatenbank: 'CSV' oder 'CSV flat') herunterladen.")
    text = decode(path.read_bytes())
    if _is_cube(text):
        raise IngestError(f"{path.name} ist ein GENESIS-Datenwürfel (cubefile, Zeilen 'K;'/'D;'); dieses Format wird "
                          "nicht gelesen. Bitte die Tabelle als 'CSV' oder 'CSV flat' exportieren.")
    for name, module in FORMATS.items():
        if _csv_guarded(path, module.detect, text):
            return name
    raise IngestError(f"{path.name}: Format nicht erkannt. Erwartet wird ein CSV-Export von GENESIS-Online, "
                      "Regionalstatistik, Landesdatenbank NRW (klassisch oder flat) oder der Zensus-2022-Datenbank.")


def read_file(path: Path, table: str | None = None, reference_date: str | None = None) -> Extract:
    """Tidy rows of one export file (all regions it contains) and the problems met on the way."""
    module = FORMATS[detect(path)]
    return _csv_guarded(path, module.read, decode(path.read_bytes()), table=table, reference_date=reference_date,
                        filename=path.name)


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
