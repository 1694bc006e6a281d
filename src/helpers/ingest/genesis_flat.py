"""Flat CSV exports ("CSV flat" / ffcsv) of GENESIS-Online, Regionalstatistik and Landesdatenbank.

Two header generations: the new English one (``statistics_code;…;time;1_variable_code;…;value;
value_unit;value_variable_code;value_variable_label``) and the old German one
(``Statistik_Code;…;Zeit;1_Merkmal_Code;…;<CODE>__<Label>__<Unit>`` with one column per value
variable). One row per cell; the regional dimension holds the AGS (or a 12-digit ARS).
"""
from __future__ import annotations

import csv
import io
import re

from helpers.ingest.common import (
    Extract,
    bounded_cells,
    decimal_style,
    frame,
    iso_date,
    mapped,
    normalise_ags,
    parse_cell,
    slug,
    table_code_from_name,
)

FORMAT = "genesis_flat"
NEW_HEADER, OLD_HEADER = "statistics_code", "Statistik_Code"
REGION_DIMENSIONS = {"DINSG", "DLAND", "REGBEZ", "KREISE", "GEMEIN"}
_OLD_VALUE_COLUMN = re.compile(r"^([A-Z0-9]+)__(.+)__(.+)$")


def detect(text: str) -> bool:
    return text.lstrip("\ufeff").startswith((NEW_HEADER + ";", OLD_HEADER + ";"))


def read(text: str, table: str | None = None, reference_date: str | None = None, filename: str = "",
         regions=None, fmt: str = FORMAT) -> Extract:
    """Tidy rows; ``reference_date`` and ``regions`` are not needed (every flat row carries its time and code)
    but kept for one reader signature."""
    table = table or table_code_from_name(filename)
    header, cells, problems = _complete_rows(text)
    new = header[0] == NEW_HEADER
    names = _names(new)
    dims = sorted({int(h.split("_", 1)[0]) for h in header if re.match(r"^\d+_", h)})
    value_columns = _value_columns(header, new)
    at = {name: i for i, name in enumerate(header)}
    decimal = decimal_style(row[at[col]] for _, row in cells for col, _, _, _ in value_columns)
    records = []
    for line, row in cells:
        r = _Row(row, at)
        ags, attributes = "", []
        for d in dims:
            code, label = r[f"{d}_{names['dim_code']}"], r[f"{d}_{names['attr_label']}"]
            attr_code = r[f"{d}_{names['attr_code']}"]
            if code in REGION_DIMENSIONS or code.startswith("GEO"):
                ags = normalise_ags(attr_code)
            elif attr_code or label not in ("Insgesamt", "Total"):
                attributes.append(label)
        for column, value_code, value_label, unit in value_columns:
            code = r[value_code] if new else value_code
            label = r[value_label] if new else value_label
            unit = r[unit] if new else unit
            try:
                value, flag = parse_cell(r[column], decimal)
            except ValueError as exc:
                problems.append(f"Zeile {line}, Spalte {column}: {exc}")
                continue
            keys = [" | ".join([label] + attributes), " | ".join(attributes), label, code]
            category = "|".join(slug(a) for a in attributes) or "total"
            variable, category, unit_out = mapped(table, [k for k in keys if k], slug(code), category, unit)
            records.append((ags, iso_date(r[names["time"]]), variable, category, value, unit_out, flag))
    return Extract(frame(records), problems, table, fmt)


def _complete_rows(text: str) -> tuple[list[str], list[tuple[int, list[str]]], list[str]]:
    """Header, the rows with every field and a time (with their line numbers), and a problem line for each other
    row."""
    with bounded_cells():
        reader = csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";", quotechar='"')
        header = next(reader)
        time = _names(header[0] == NEW_HEADER)["time"]
        time_at = header.index(time)
        problems, cells = [], []
        for line, row in enumerate(reader, start=2):
            if len(row) != len(header):
                problems.append(f"Zeile {line}: {len(row)} statt {len(header)} Felder – Zeile nicht gelesen: "
                                f"{';'.join(row)[:80]}")
            elif not iso_date(row[time_at]):
                problems.append(f"Zeile {line}: kein Zeitpunkt in Spalte {time} (verschobene oder unvollständige "
                                f"Zeile) – nicht gelesen: {';'.join(row)[:80]}")
            else:
                cells.append((line, row))
    return header, cells, problems


class _Row:
    """One row's cells by column name, without a dict per row (a 30 MB answer has 100,000 rows)."""
    __slots__ = ("cells", "at")

    def __init__(self, cells: list[str], at: dict[str, int]) -> None:
        self.cells, self.at = cells, at

    def __getitem__(self, name: str) -> str:
        return self.cells[self.at[name]]


def _names(new: bool) -> dict[str, str]:
    if new:
        return {"time": "time", "dim_code": "variable_code", "attr_code": "variable_attribute_code",
                "attr_label": "variable_attribute_label"}
    return {"time": "Zeit", "dim_code": "Merkmal_Code", "attr_code": "Auspraegung_Code",
            "attr_label": "Auspraegung_Label"}


def _value_columns(header: list[str], new: bool) -> list[tuple[str, str, str, str]]:
    """(value column, code, label, unit): column names in the new layout, literal texts in the old one."""
    if new:
        return [("value", "value_variable_code", "value_variable_label", "value_unit")]
    out = []
    for name in header:
        if match := _OLD_VALUE_COLUMN.match(name):
            code, label, unit = match.groups()
            out.append((name, code, label.replace("_", " "),
                        "" if unit == "MeasureUnitNotFound!" else unit.replace("_", " ")))
    return out
