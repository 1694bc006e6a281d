"""What a reader must find on a page, taken from the committed raw files themselves (the rows of
named official tables), not from the helpers under test; formatted with helpers.fmt."""
from __future__ import annotations

import csv
import io
import re

from helpers import fmt
from helpers.kommunen import region
from helpers.paths import RAW_DIR

# key figure → (source id, variable, reference date) of the official table that prints it, and its format
PUBLISHED_KEY_FIGURES = {
    "population": (("ITNRW_12411_15I_2024", "population", "2024-12-31"), fmt.format_number),
    "foreign_population_census_2011": (("REGIO_12111_01_01_5", "foreign_population", "2011-05-09"), fmt.format_number),
    "minimum_benefit_rate": (("ITNRW_22811_01I_2024", "minimum_benefit_rate_pct", "2024-12-31"),
                             lambda value: fmt.format_percent(value, 1)),
}


def normalise(text: str) -> str:
    """Non-breaking and narrow spaces as plain spaces (browsers report either)."""
    return re.sub(r"[\u00a0\u202f]", " ", text)


def _total_rows() -> list[dict[str, str]]:
    """The rows of category total in the committed snapshot, read as plain CSV."""
    with open(RAW_DIR / "snapshot" / "values.csv", encoding="utf-8", newline="") as handle:
        return [row for row in csv.DictReader(handle) if row["category"] == "total"]


def published(ags: str) -> dict[tuple[str, str, str], float]:
    """{(source id, variable, date): value} of one region; a secret or missing cell is left out."""
    return {(row["source_id"], row["variable"], row["date"]): float(row["value"])
            for row in _total_rows() if row["ags"] == ags and row["value"]}


def published_by_region(source_id: str, variable: str, date: str) -> dict[str, float | None]:
    """{ags: value} of one published table column on one date; None where the cell is empty (secret)."""
    return {row["ags"]: float(row["value"]) if row["value"] else None for row in _total_rows()
            if (row["source_id"], row["variable"], row["date"]) == (source_id, variable, date)}


def key_figure_strings(kommune: str) -> dict[str, str]:
    """{key figure: formatted value} for the published key figures that exist for the Kommune, plus
    the Zensus 2011 foreign share computed here from the two published counts."""
    raw = published(region(kommune, level="kommune").ags)
    expected = {key: format_value(raw[origin]) for key, (origin, format_value) in PUBLISHED_KEY_FIGURES.items()
                if origin in raw}
    census = [raw.get(("REGIO_12111_01_01_5", variable, "2011-05-09"))
              for variable in ("foreign_population", "population")]
    if None not in census:
        expected["foreign_share_census_2011"] = fmt.format_percent(census[0] / census[1] * 100, 1)
    return {key: normalise(value) for key, value in expected.items()}


def official_population(ags: str, day: str = "31.12.2024") -> str:
    """The population IT.NRW table 12411-15i gives in data/raw, read without the project's code,
    in German format (101.503)."""
    text = (RAW_DIR / "itnrw" / "12411-15i.csv").read_text(encoding="latin-1")
    row = next(r for r in csv.reader(io.StringIO(text), delimiter=";") if r[:2] == [day, ags])
    return fmt.format_number(int(row[3]))
