"""What every export format shares: decoding, official special characters, region codes, column maps."""
from __future__ import annotations

import csv
import math
import re
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from itertools import islice
from pathlib import Path

import pandas as pd

from helpers import catalogue
from helpers.paths import CATALOGUE_DIR

TABLES_FILE = CATALOGUE_DIR / "tables.yaml"
COLUMNS = ["ags", "date", "variable", "category", "value", "unit", "flag"]

# The legend of the Statistische Ämter: sign → (value, flag). '-' is a true zero; the others are missing.
SPECIAL = {
    "-": (0.0, "-"),  # nichts vorhanden (genau null)
    ".": (math.nan, "."),  # Zahlenwert unbekannt oder geheim zu halten
    "x": (math.nan, "x"),  # Tabellenfach gesperrt, weil Aussage nicht sinnvoll
    "/": (math.nan, "/"),  # keine Angabe, da Zahlenwert nicht sicher genug
    "...": (math.nan, "..."),  # Angabe fällt später an
    "…": (math.nan, "..."),
    "": (math.nan, "."),  # an empty cell is unknown, never zero
}
_GERMAN_NUMBER = re.compile(r"^-?\d{1,3}(?:\.\d{3})*(?:,\d+)?$|^-?\d+(?:,\d+)?$")
_ENGLISH_NUMBER = re.compile(r"^-?\d+(?:\.\d+)?$")
_TABLE_CODE = re.compile(r"(?:\d{5}|\d{4}[A-Z])-[0-9A-Za-z]+(?:-[0-9A-Za-z]+)*")
_DATE = re.compile(r"^(\d{2})\.(\d{2})\.(\d{4})$")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_YEAR = re.compile(r"\d{4}")
_DECIMAL_COMMA = re.compile(r"^-?\d+,\d+$", re.MULTILINE)
_DECIMAL_POINT = re.compile(r"^-?\d+\.(?:\d{1,2}|\d{4,})$", re.MULTILINE)
_ARS = re.compile(r"\d{12}")
_KREISFREI_AGS = re.compile(r"\d{5}000")
_REGION_CODE = re.compile(r"DG|\d{2,12}")
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


# Resolves a region as a file prints it (an official name such as 'Kleve, Stadt', or a Gemeinde name with
# the name of its Kreis: 'Kleve', 'Kreis Kleve') to its AGS, or None. Files that name their regions
# without keys need it; helpers.kommunen provides it from the official directory (ingest cannot import it).
Regions = Callable[[str, "str | None"], "str | None"]


class IngestError(ValueError):
    """An export that cannot be read; the message says what is wrong and what to do."""


@dataclass
class Extract:
    rows: pd.DataFrame
    problems: list[str] = field(default_factory=list)
    table: str = ""
    format: str = ""
    status: str = "published"  # "derived" where the reader counts a list (schools per Gemeinde)


_UMLAUTS = re.compile("[äöüÄÖÜß]")


def encoding(raw: bytes) -> str:
    """'utf-8' (with or without BOM) when the bytes are valid UTF-8; else 'cp1252' (Latin-1 as the classic
    exports use) or 'cp850' (DOS, as some ministry open-data lists are saved), whichever yields more umlauts."""
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        latin, dos = (len(_UMLAUTS.findall(raw.decode(c, errors="replace"))) for c in ("cp1252", "cp850"))
        return "cp850" if dos > latin else "cp1252"
    return "utf-8"


_UTF8_UMLAUT = re.compile(rb"\xc3[\x84\x96\x9c\xa4\xb6\xbc\x9f]")


def encoding_problem(raw: bytes) -> str | None:
    """Why the bytes are in no encoding an official export uses (UTF-8, Windows-1252, DOS-850), or None:
    UTF-16, or UTF-8 mixed with single-byte umlauts (decoded either way, names would silently change)."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")) or raw[:200].count(b"\x00") > 10:
        return ("die Datei ist UTF-16-kodiert; amtliche Exporte sind UTF-8 oder Windows-1252. Bitte die Tabelle neu "
                "herunterladen oder als UTF-8 speichern.")
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        if _UTF8_UMLAUT.search(raw):
            line = raw[: exc.start].count(b"\n") + 1
            return (f"die Datei mischt zwei Kodierungen: UTF-8-Umlaute und in Zeile {line} ein Byte "
                    f"0x{raw[exc.start]:02x}, "
                    "das kein UTF-8 ist (vermutlich von Hand bearbeitet). Bitte die Tabelle neu herunterladen.")
    return None


def decode(raw: bytes) -> str:
    code = encoding(raw)
    return raw.decode("utf-8-sig" if code == "utf-8" else code, errors="replace")


CELL_LIMIT = 131_072  # the csv module's default: a quote without its partner fails here (csv.Error), not silently


@contextmanager
def bounded_cells():
    """The csv module's cell limit for one read, restored after: it is process-wide and Frictionless raises it when
    it validates (data validate), and under that limit an unclosed quote would turn the rest of an export into one
    cell instead of an error."""
    limit = csv.field_size_limit(CELL_LIMIT)
    try:
        yield
    finally:
        csv.field_size_limit(limit)


def split_rows(text: str, limit: int | None = None) -> list[list[str]]:
    """';'-separated rows (only the first ``limit``: recognising a format needs no more); quoted cells may
    contain ';' and line breaks."""
    with bounded_cells():
        return list(islice(csv.reader(text.splitlines(keepends=True), delimiter=";", quotechar='"'), limit))


def parse_cell(text: str, decimal: str = ",") -> tuple[float, str]:
    """(value, flag) of one cell. A '-' alone is a true zero, '-12018' a negative number.

    The sign '0' (less than half the smallest unit shown) is printed exactly like a true zero in
    CSV exports, so a '0' cell is read as 0.0 without a flag; nothing in the file tells them apart.
    """
    cell = text.strip()
    if cell in SPECIAL:
        return SPECIAL[cell]
    if decimal == ",":
        if _GERMAN_NUMBER.match(cell):
            return float(cell.replace(".", "").replace(",", ".")), ""
    elif _ENGLISH_NUMBER.match(cell):
        return float(cell), ""
    raise ValueError(f"'{text}' ist weder Zahl noch amtliches Sonderzeichen (-, ., x, /, ...)")


def decimal_style(cells) -> str:
    """',' for German exports; '.' when the numbers use a decimal point (English GENESIS exports).

    One search over the cells joined line by line instead of a match per cell (a statewide export has
    350,000); a cell with a line break of its own could never match and is left out."""
    text = "\n".join(c for c in (c.strip() for c in cells) if "\n" not in c)
    if _DECIMAL_COMMA.search(text):
        return ","
    if _DECIMAL_POINT.search(text):
        return "."
    return ","


def normalise_ags(code: str) -> str:
    """Region code as a string AGS: a 12-digit ARS becomes the 8-digit AGS; 'DG' stays.

    Gemeinde number 000 marks a kreisfreie Stadt, which is Kreis and Gemeinde at once: its 8-digit
    AGS (05111000, Düsseldorf in the Zensus tables) becomes the Kreis key (05111) the other tables use.
    """
    code = code.strip()
    if _ARS.fullmatch(code):
        code = code[:5] + code[9:]
    if _KREISFREI_AGS.fullmatch(code):
        return code[:5]
    return code


def is_region_code(code: str) -> bool:
    return bool(_REGION_CODE.fullmatch(code.strip()))


def iso_date(text: str) -> str:
    """'31.12.2015' or '2015-12-31' → '2015-12-31'; a year '2016' → '2016-12-31' (calendar-year convention)."""
    text = text.strip()
    if match := _DATE.match(text):
        day, month, year = match.groups()
        return f"{year}-{month}-{day}"
    if _ISO_DATE.fullmatch(text):
        return text
    if _YEAR.fullmatch(text):
        return f"{text}-12-31"
    return ""


def table_code_from_name(name: str) -> str:
    match = _TABLE_CODE.search(name)
    return match.group(0) if match else ""


@cache
def declared_tables(path: Path = TABLES_FILE) -> dict:
    """catalogue/tables.yaml, validated: the services and the official tables with their column maps."""
    return catalogue.load(Path(path), "helpers.ingest.tables_schema",
                          lambda loc: catalogue.location(loc, {"services": "Dienst", "tables": "Tabelle"}),
                          lambda raw: {"services": raw.get("services") or {}})


def table_map(table: str) -> dict[str, tuple[str, str, str]]:
    """The columns of ``table`` in tables.yaml as {source_header: (variable, category, unit)}; empty when undeclared."""
    columns = declared_tables()["tables"].get(table, {}).get("columns", {})
    return {header: tuple(target) for header, target in columns.items()}


def left_out(table: str) -> set[str]:
    """What tables.yaml says the import of ``table`` leaves out: features (``Lehrkräfte``), columns by a header
    label (``männlich``), their full header (``A | B | Insgesamt``) or their date (``31.12.2010``), row labels."""
    return set(declared_tables()["tables"].get(table, {}).get("leave_out", []))


def row_total(table: str) -> dict | None:
    """tables.yaml's ``total_of_rows`` of ``table`` (rows, variable, category), or None."""
    return declared_tables()["tables"].get(table, {}).get("total_of_rows")


def row_category(table: str, label: str) -> str:
    """The category of a data row's own label (e.g. an age group) as tables.yaml maps it, else from the label."""
    if label in ("", "Insgesamt"):
        return "total"
    return declared_tables()["tables"].get(table, {}).get("rows", {}).get(label) or slug(label)


def slug(text: str) -> str:
    """An English-style snake_case id for labels a map does not cover yet (umlauts folded)."""
    text = text.strip().lower()
    for umlaut, plain in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        text = text.replace(umlaut, plain)
    return _NOT_SLUG.sub("_", text).strip("_") or "value"


def mapped(table: str, keys: list[str], fallback_variable: str, fallback_category: str,
           unit: str) -> tuple[str, str, str]:
    """(variable, category, unit) from the first key the table's map knows, else from the labels."""
    mapping = table_map(table)
    for key in keys:
        if key in mapping:
            variable, category, mapped_unit = mapping[key]
            return variable, category or fallback_category, mapped_unit or unit
    return fallback_variable, fallback_category, unit


def frame(records: list[dict] | list[tuple]) -> pd.DataFrame:
    """Tidy rows from dicts or from tuples in the order of :data:`COLUMNS` (lighter for large exports)."""
    out = pd.DataFrame.from_records(records, columns=COLUMNS)
    out["value"] = out["value"].astype("float64")
    return out
