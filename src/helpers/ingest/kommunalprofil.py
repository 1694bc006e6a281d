"""IT.NRW Kommunalprofil tables (e.g. 21111-9k21, school statistics): regions by name, no keys.

Layout: the classic title block (``GENESIS-Tabelle: 21111-9k21``), two header rows (the dimension
``Schulform`` and its values as columns), then one block per region: per feature (``Schulen``,
``Schüler/-innen`` …) one row per school year, ``name;2022/23;feature;sub;unit;values``, the region
named (indented by level) but never keyed. Names become AGS through the official directory
(:data:`~helpers.ingest.common.Regions`); a name the directory does not know, or a row of the wrong
shape, is a problem of the extract (reported, never dropped in silence). A school year ``2022/23``
is dated 15.10.2022, the survey day of the school statistics.
"""
from __future__ import annotations

import re
from itertools import zip_longest

from helpers.ingest import genesis_classic
from helpers.ingest.common import Extract, Regions, decimal_style, frame, left_out, mapped, parse_cell, slug, split_rows

FORMAT = "kommunalprofil"
_SCHOOL_YEAR = re.compile(r"^(\d{4})/\d{2}$")
_LABELS = 5  # name; year; feature; sub-feature; unit


def detect(text: str) -> bool:
    rows = split_rows(text, 40)
    titled = bool(rows and rows[0] and genesis_classic.TITLE.match(rows[0][0]))
    return titled and sum(_is_data_row(r) for r in rows) >= 3


def _is_data_row(row: list[str]) -> bool:
    return len(row) > _LABELS and bool(_SCHOOL_YEAR.match(row[1].strip())) and bool(row[0].strip())


def read(text: str, table: str | None = None, reference_date: str | None = None, filename: str = "",
         regions: Regions | None = None) -> Extract:
    """Tidy rows of every named region; ``regions`` turns names into AGS (required: the file has no keys)."""
    table, body = genesis_classic.table_and_body(text, table, filename)
    first = next((i for i, r in enumerate(body) if _is_data_row(r)), None)
    if first is None or regions is None:
        reason = ("keine Datenzeilen (Region;Schuljahr;Merkmal;…;Werte) gefunden" if first is None else
                  "die Regionen stehen nur als Namen: zum Lesen wird das amtliche Gemeindeverzeichnis gebraucht")
        return Extract(frame([]), [reason], table, FORMAT)
    columns = [" ".join(c.strip() for c in cells if c.strip()).removeprefix("Schulform ").strip() or "Insgesamt"
               for cells in zip_longest(*[r for r in body[:first] if len(r) > _LABELS], fillvalue="")]
    width = len(columns)
    skipped = left_out(table)
    kept = [position for position in range(_LABELS, width) if columns[position] not in skipped]
    data = [(i, r) for i, r in enumerate(body) if i >= first and any(c.strip() for c in r)]
    decimal = decimal_style(c for _, r in data for c in r[_LABELS:])
    records, problems, unknown = [], [], {}
    targets: dict[tuple[str, int], tuple[str, str, str]] = {}  # one catalogue look-up per column and feature
    for line, row in data:
        where = f"Zeile {line + 1}"
        if not _is_data_row(row) or len(row) != width:
            problems.append(f"{where}: {len(row)} statt {width} Felder oder kein Schuljahr in Spalte 2 – Block "
                            f"nicht gelesen: {';'.join(row)[:80]}")
            continue
        name, year, feature, sub, unit = (c.strip() for c in row[:_LABELS])
        if feature in skipped:
            continue
        ags = regions(name, None)
        if ags is None:
            unknown.setdefault(name, line + 1)
            continue
        prefix = feature if sub in ("", "Insgesamt") else f"{feature} | {sub}"
        for position in kept:
            try:
                value, flag = parse_cell(row[position], decimal)
            except ValueError as exc:
                problems.append(f"{where}, Spalte {position + 1}: {exc}")
                continue
            if (prefix, position) not in targets:
                label = columns[position]
                targets[prefix, position] = mapped(table, [f"{prefix} | {label}"], slug(f"{prefix} {label}"),
                                                   "total", unit)
            variable, category, unit_out = targets[prefix, position]
            records.append({"ags": ags, "date": f"{_SCHOOL_YEAR.match(year).group(1)}-10-15", "variable": variable,
                            "category": category, "value": value, "unit": unit_out, "flag": flag})
    problems += [f"Zeile {line}: Region {name!r} steht nicht im amtlichen Gemeindeverzeichnis (12411-15i) – "
                 "Block nicht gelesen; neueres Verzeichnis übernehmen oder die Schreibweise in "
                 "catalogue/region_aliases.csv ergänzen"
                 for name, line in unknown.items()]
    return Extract(frame(records), problems, table, FORMAT)


def row_region(line: str, table: str, regions: Regions) -> str | None:
    """The AGS of one data line ('' for a feature left out or an unknown name: not kept), None for title,
    header and footer lines (always kept)."""
    parsed = split_rows(line)
    row = parsed[0] if len(parsed) == 1 else []
    if not _is_data_row(row):
        return None
    if row[2].strip() in left_out(table):
        return ""
    return regions(row[0].strip(), None) or ""
