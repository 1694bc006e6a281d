"""Classic "CSV (Tabelle)" exports of GENESIS-Online, Regionalstatistik and Landesdatenbank NRW.

Layout: a title block (``GENESIS-Tabelle: 12411-01-01-4`` or ``Tabelle: 12411-15i``), header
rows with dates, labels and units per column, one data row per region (``code;name;values``
or ``date;code;name;values``), and a footer after ``__________`` with notes and ©.
"""
from __future__ import annotations

import math
import re

from helpers.ingest.common import (
    Extract,
    decimal_style,
    frame,
    is_region_code,
    iso_date,
    left_out,
    mapped,
    normalise_ags,
    parse_cell,
    row_category,
    row_total,
    slug,
    split_rows,
    table_code_from_name,
)

FORMAT = "genesis_classic"
TITLE = re.compile(r"^(?:GENESIS-)?Tabelle:\s*(\S+)")
# A header row made only of these words is the unit row.
UNIT_WORDS = {"Anzahl", "qkm", "EW pro qkm", "%", "Prozent", "Tsd.", "EUR", "Tsd. EUR", "Mill. EUR", "dt/ha", "ha",
              "Personen", "Jahre", "1000"}
_HEADER_DATE = re.compile(r"^\d{2}\.\d{2}\.\d{4}$|^\d{4}$")


def detect(text: str) -> bool:
    rows = split_rows(text, 60)
    if rows and rows[0] and TITLE.match(rows[0][0]):
        return True
    return sum(_value_start(r) is not None for r in rows) >= 3


def _value_start(row: list[str]) -> int | None:
    """Index of the first value cell of a data row, or None when the row is not one."""
    if len(row) >= 4 and iso_date(row[0]) and _is_code(row[1]):
        return 3
    if len(row) >= 3 and _is_code(row[0]) and not iso_date(row[0]):
        return 2
    return None


def _is_code(cell: str) -> bool:
    code = cell.strip()
    return is_region_code(code) and (code == "DG" or len(code) in (2, 3, 5, 8, 9, 12))


def read(text: str, table: str | None = None, reference_date: str | None = None, filename: str = "",
         regions=None) -> Extract:
    """Tidy rows; ``regions`` is not needed (every row carries its code) but kept for one reader signature."""
    table, body = table_and_body(text, table, filename)
    first = next((i for i, r in enumerate(body) if _value_start(r) is not None), None)
    if first is None:
        return Extract(frame([]), ["keine Datenzeilen mit Regionalschlüssel gefunden (Regionalschlüssel;Name;Werte); "
                                   "bitte die Tabelle mit Regionalschlüsseln exportieren"], table, FORMAT)
    offset = _value_start(body[first])
    header_rows = [r for r in body[:first] if any(c.strip() for c in r[offset:])]
    start = min((j for r in header_rows for j in range(offset, len(r)) if r[j].strip()), default=offset)
    columns = _columns(header_rows, start, max(len(r) for r in body))
    table_date = _title_date(body[:first]) or iso_date(reference_date or "")
    data = [(i, r) for i, r in enumerate(body) if i >= first and _value_start(r) == offset]
    decimal = decimal_style(c for _, r in data for c in r[start:])
    skipped = left_out(table)
    kept = [j for j in range(start, max(len(r) for _, r in data))
            if not _left_out(columns.get(j, ("", [], "")), skipped)]
    records, problems = [], []
    total = row_total(table)
    parts: dict[tuple[str, str, str], list[tuple[float, str]]] = {}  # (ags, date, unit) → the parts of the total
    targets = {position: _target(table, position, columns.get(position, ("", [], ""))) for position in kept}
    for line, row in data:
        row_date = iso_date(row[0]) if offset == 3 else ""
        ags = normalise_ags(row[offset - 2])
        row_label = next((c.strip() for c in reversed(row[offset:start]) if c.strip()), "")
        if row_label in skipped:
            continue
        category_of_row = row_category(table, row_label)
        for position in (j for j in kept if j < len(row)):
            date, variable, category, unit_out = targets[position]
            try:
                value, flag = parse_cell(row[position], decimal)
            except ValueError as exc:
                problems.append(f"Zeile {line + 1}, Spalte {position + 1}: {exc}")
                continue
            category = "|".join(c for c in (category, category_of_row) if c != "total") or "total"
            records.append((ags, row_date or date or table_date, variable, category, value, unit_out, flag))
            if total and row_label in total["rows"]:
                parts.setdefault((ags, row_date or date or table_date, unit_out), []).append((value, flag))
    records += _totals(total, parts)
    out = frame(records).drop_duplicates(ignore_index=True)
    return Extract(out, problems, table, FORMAT)


def _target(table: str, position: int, column: tuple[str, list[str], str]) -> tuple[str, str, str, str]:
    """(date, variable, category, unit) of a value column, from its header and the table's map: looked up once
    per column, not once per cell."""
    date, labels, unit = column
    fallback = slug(" ".join(dict.fromkeys(labels))) if labels else f"column_{position + 1}"
    return date, *mapped(table, [" | ".join(labels), labels[-1] if labels else ""], fallback, "total", unit)


def _totals(total: dict | None, parts: dict[tuple[str, str, str], list[tuple[float, str]]]) -> list[tuple]:
    """The total tables.yaml declares from a table's rows (``total_of_rows``): their sum per region and date,
    missing ('.') where a part is missing; the build marks it derived."""
    out = []
    for (ags, date, unit), cells in parts.items():
        values = [v for v, _ in cells]
        known = not any(math.isnan(v) for v in values)
        out.append((ags, date, total["variable"], total.get("category", "total"),  # in the order of common.COLUMNS
                    math.fsum(values) if known else math.nan, unit, "" if known else "."))
    return out


def _left_out(column: tuple[str, list[str], str], skipped: set[str]) -> bool:
    """A column tables.yaml leaves out: named by one of its labels, its full header or its date."""
    date, labels, _ = column
    return bool(skipped) and (" | ".join(labels) in skipped or not skipped.isdisjoint(labels)
                              or bool(date) and date in {iso_date(entry) for entry in skipped})


def table_and_body(text: str, table: str | None, filename: str) -> tuple[str, list[list[str]]]:
    """The table code (given, from the title line or the file name) and the rows before the footer."""
    rows = split_rows(text)
    title = TITLE.match(rows[0][0]) if rows and rows[0] else None
    body = []
    for row in rows:
        if row and row[0].startswith("__________"):
            break  # footer: notes, ©, Stand
        body.append(row)
    return table or (title.group(1) if title else "") or table_code_from_name(filename), body


def _title_date(title_rows: list[list[str]]) -> str:
    """A reference date printed in the title block ('09.05.2011', 'Stichtag 09.05.2011', 'Jahr: 2016', '2015':
    a year is dated 31.12., the calendar-year convention of :func:`iso_date`)."""
    for row in title_rows:
        cell = row[0] if row else ""
        if match := re.search(r"\b(\d{2}\.\d{2}\.\d{4})\b", cell):
            return iso_date(match.group(1))
        if match := re.match(r"^(?:Jahr:\s*)?(\d{4})\s*$", cell.strip()):  # 'Jahr: 2016' or a year alone
            return iso_date(match.group(1))
    return ""


def _columns(rows: list[list[str]], start: int, width: int) -> dict[int, tuple[str, list[str], str]]:
    """Per value column: (date, labels from general to specific, unit) read from the header rows."""
    unit_rows = [r for r in rows if all(c.strip() in UNIT_WORDS for c in r[start:] if c.strip())]
    columns = {}
    for j in range(start, width):
        cells = [r[j].strip() for r in rows if j < len(r) and r[j].strip()]
        date = next((iso_date(c) for c in cells if _HEADER_DATE.match(c)), "")
        unit = next((r[j].strip() for r in unit_rows if j < len(r) and r[j].strip()), "")
        labels = [c for c in cells if not _HEADER_DATE.match(c) and c != unit]
        columns[j] = (date, labels, unit)
    return columns


def region_names(text: str) -> dict[str, str]:
    """{AGS: name as printed} of the data rows, for a region directory (the observations carry no names)."""
    names: dict[str, str] = {}
    for row in split_rows(text):
        if row and row[0].startswith("__________"):
            break
        offset = _value_start(row)
        if offset is not None:
            names.setdefault(normalise_ags(row[offset - 2]), row[offset - 1].strip())
    return names


def row_code(line: str) -> str | None:
    """The region code of one data line of a classic export ('05154036;Kleve;…', also 11-digit
    Verbandsgemeinde codes), None for title, header and footer lines."""
    rows = split_rows(line)
    row = rows[0] if len(rows) == 1 else []
    at = 1 if len(row) >= 4 and iso_date(row[0]) else 0
    code = row[at].strip() if len(row) > at + 2 else ""
    return normalise_ags(code) if is_region_code(code) and not (at == 0 and iso_date(code)) else None
