"""Readers for official exports, checked against real files in ../shared (never copied into the repo).

Expected values come from ../shared/genesis-samples/README.md and ../shared/genesis-found/INDEX.csv.
"""
import csv
import math
import sys

import pytest

from helpers import ingest
from helpers.ingest.common import parse_cell
from tests.material import FOUND, SAMPLES, require


def _read(folder, name, **kwargs):
    return ingest.read_file(require(folder / name), **kwargs)


def _cells(extract, ags, **where):
    rows = extract.rows[extract.rows["ags"] == ags]
    for column, value in where.items():
        rows = rows[rows[column] == value]
    return rows


def _value(extract, ags, **where):
    rows = _cells(extract, ags, **where)
    assert len(rows) == 1, rows
    return rows["value"].iloc[0], rows["flag"].iloc[0]


@pytest.mark.parametrize("cell, expected", [
    ("-", (0.0, "-")), ("-12018", (-12018.0, "")), ("0", (0.0, "")), ("1.234,5", (1234.5, "")),
    ("34112,44", (34112.44, "")), (" 13599 ", (13599.0, "")),
])
def test_parse_cell_values(cell, expected):
    assert parse_cell(cell) == expected


@pytest.mark.parametrize("cell, flag", [(".", "."), ("x", "x"), ("/", "/"), ("...", "..."), ("", ".")])
def test_parse_cell_missing_is_nan_never_zero(cell, flag):
    value, got = parse_cell(cell)
    assert math.isnan(value) and got == flag


def test_parse_cell_english_decimal_point():
    assert parse_cell("121.9", decimal=".") == (121.9, "")


def test_parse_cell_rejects_text():
    with pytest.raises(ValueError, match="weder Zahl"):
        parse_cell("Europa")


# --- genesis-samples/README.md: every value it states ---------------------------------------

@pytest.fixture(scope="module")
def kreise_edited():
    return _read(SAMPLES, "regionalstatistik_12411-01-01-4-like_kreise_edited_CHesseling.csv", table="12411-01-01-4")


def test_sample_kleve_population(kreise_edited):
    assert _value(kreise_edited, "05154", variable="population", category="total") == (310974.0, "")
    assert _value(kreise_edited, "05154", variable="population", category="male") == (154628.0, "")
    assert _value(kreise_edited, "05154", variable="population", category="female") == (156346.0, "")
    assert _value(kreise_edited, "05111", category="total")[0] == 619294.0
    assert _value(kreise_edited, "05334002", category="total")[0] == 247380.0  # 8 digits, leading zero kept


def test_sample_dash_is_a_true_zero_and_dot_is_missing(kreise_edited):
    goettingen = _cells(kreise_edited, "03152")
    assert len(goettingen) == 3 and (goettingen["value"] == 0.0).all() and (goettingen["flag"] == "-").all()
    mitte = _cells(kreise_edited, "11001001")
    assert len(mitte) == 3 and mitte["value"].isna().all() and (mitte["flag"] == ".").all()


def test_sample_english_flat_cpi():
    extract = _read(SAMPLES, "61111-0001_1771439236084_en_flat.csv")
    assert extract.format == "genesis_flat"
    assert _value(extract, "DG", date="2025-12-31", unit="2020=100") == (121.9, "")
    assert _value(extract, "DG", date="2025-12-31", unit="%") == (2.2, "")
    assert _value(extract, "DG", date="2024-12-31", unit="2020=100") == (119.3, "")
    assert _value(extract, "DG", date="2023-12-31", unit="%") == (5.9, "")


def test_sample_cube_file_is_refused_clearly():
    path = require(SAMPLES / "genesis_cubefile_47414-BJ002_restatis-fixture.csv")
    with pytest.raises(ingest.IngestError, match="Datenwürfel"):
        ingest.read_file(path)


# --- genesis-found: a selection -----------------------------------------------------------

def test_classic_latin1_with_footer():
    extract = _read(FOUND, "datenguide__genesapi-data__12411-01-01-4.csv")
    assert extract.format == "genesis_classic" and extract.table == "12411-01-01-4" and not extract.problems
    assert _value(extract, "05154", variable="population", category="total", date="2015-12-31") == (310337.0, "")
    assert _value(extract, "05154", category="male")[0] == 154988.0
    assert not extract.rows["ags"].str.contains("Stand|©").any()  # footer not read as data


def test_landesdatenbank_all_16_gemeinden():
    extract = _read(FOUND, "Inab1993__Regressionsmodelle_fuer_EGH-Leistungen__12411-15i.csv")
    population = extract.rows[(extract.rows["variable"] == "population") & extract.rows["ags"].str.startswith("05154")]
    gemeinden = population[population["ags"].str.len() == 8]
    assert len(gemeinden) == 16 and (population["date"] == "2024-12-31").all()
    assert _value(extract, "05154004", variable="population") == (13599.0, "")
    assert _value(extract, "05154", variable="population") == (322018.0, "")
    assert gemeinden["value"].sum() == 322018.0
    assert _value(extract, "05", variable="area_km2")[0] == 34112.44  # decimal comma
    assert _value(extract, "05154", variable="area_km2")[0] == 1232.99
    assert _value(extract, "05154", variable="population_density")[0] == 261.2


def test_flat_new_header_kleve():
    extract = _read(FOUND, "CorrelAid__pystatis__12411-01-01-4_1773175772751_de_flat.csv")
    assert extract.format == "genesis_flat"
    assert _value(extract, "05154", category="total", date="2024-12-31") == (322018.0, "")
    assert _value(extract, "05154", category="male", date="2024-12-31")[0] == 160893.0
    assert _value(extract, "05154", category="female", date="2024-12-31")[0] == 161125.0


def test_zensus_dash_values_are_true_zeros():
    extract = _read(FOUND, "CorrelAid__pystatis__1000A-2022_1773175355216_de_flat.csv")
    assert extract.format == "zensus_flat"
    dashes = extract.rows[extract.rows["flag"] == "-"]
    assert len(dashes) == 357 and (dashes["value"] == 0.0).all()
    assert extract.rows["value"].notna().all()


def test_zensus_slash_values_and_slash_in_labels():
    extract = _read(FOUND, "CorrelAid__pystatis__2000S-2003_1773175178787_de_flat.csv")
    slashes = extract.rows[extract.rows["flag"] == "/"]
    assert len(slashes) == 3 and slashes["value"].isna().all()
    labelled = extract.rows[extract.rows["category"].str.contains("ruhegehalt_kapitalertraegen")]
    assert len(labelled) > len(slashes) and (labelled["flag"].isin(["", "/"])).all()


def test_classic_ellipsis_and_slash():
    extract = _read(FOUND, "datenguide__genesapi-data__41241-01-03-4_00.csv")
    karlsruhe = _cells(extract, "08215", date="2016-12-31", variable="feldfruchtarten_kartoffeln")
    assert karlsruhe["value"].isna().all() and karlsruhe["flag"].tolist() == ["..."]
    chemnitz = _cells(extract, "14511", date="2016-12-31", variable="feldfruchtarten_roggen_und_wintermenggetreide")
    assert chemnitz["value"].isna().all() and chemnitz["flag"].tolist() == ["/"]
    assert _value(extract, "14511", date="2016-12-31", variable="feldfruchtarten_zuckerrueben") == (0.0, "-")


def test_classic_negative_numbers_and_x():
    extract = _read(FOUND, "datenguide__genesapi-data__13111-08-02-4_00.csv")
    assert _value(extract, "05154", date="2015-06-30", variable="pendlersaldo_ueber_gemeindegrenze") == (-12018.0, "")
    assert _value(extract, "05154", date="2015-06-30",
                  variable="sozialversicherungspfl_beschaeftigte_arbeitsort") == (93992.0, "")
    schleswig = _cells(extract, "01", date="2015-06-30", variable="pendlersaldo_ueber_gemeindegrenze")
    assert schleswig["value"].isna().all() and schleswig["flag"].tolist() == ["x"]


def test_quoted_header_cell_with_semicolon():
    extract = _read(FOUND, "Inab1993__Regressionsmodelle_fuer_EGH-Leistungen__22542-06i.csv")
    kleve = _cells(extract, "05154", date="2024-12-31")
    assert len(kleve) == 13  # 13 value columns: the quoted ';' did not split the header
    assert kleve["variable"].iloc[0].startswith("13_abs_2_3_sgb_viii_jugendsozialarbeit_sozialpaedagogisch")
    assert kleve["value"].tolist()[:5] == [1.0, 1.0, 7.0, 2.0, 21.0] and kleve["flag"].tolist()[5] == "-"
    aachen = _cells(extract, "05313", date="2024-12-31")
    assert len(aachen) == 13 and aachen["value"].isna().all() and (aachen["flag"] == "x").all()


def test_old_flat_header_value_column():
    extract = _read(FOUND, "CorrelAid__pystatis__13111-0005_flat.csv")
    assert not extract.problems
    assert _value(extract, "05", date="2021-09-30", category="total") == (7211531.0, "")
    assert _value(extract, "05", date="2021-09-30", category="maennlich")[0] == 3929945.0
    assert set(extract.rows["unit"]) == {"Anzahl"} and set(extract.rows["variable"]) == {"erw065"}


def test_old_flat_header_and_malformed_rows_are_reported():
    extract = _read(FOUND, "CorrelAid__pystatis__52411-02-01-4_flat.csv")
    assert extract.format == "genesis_flat"
    assert len(extract.problems) == 538 and "kein Zeitpunkt" in extract.problems[0]
    assert _value(extract, "05154", date="2022-12-31", variable="isvnw1") == (173.0, "")
    assert _value(extract, "05154", date="2022-12-31", variable="for002") == (29853.0, "")
    assert _value(extract, "05154", date="2022-12-31", variable="isv006")[1] == "."  # empty cell: missing, not 0


@pytest.mark.parametrize("name, reason", [
    ("homlador__schulsozialindex-karte__sozialindex_schulliste_schuljahr_2025-26.pdf", "PDF"),
    ("KoelnAPI__data__13211-03ir.xls", "alte Excel"),
    ("INDEX.csv", "Format nicht erkannt"),
])
def test_other_files_are_refused_clearly(name, reason):
    path = require(FOUND / name)
    with pytest.raises(ingest.IngestError, match=reason):
        ingest.detect(path)


def test_an_unclosed_quote_in_a_flat_export_is_an_error_even_after_frictionless_raised_the_cell_limit(tmp_path):
    """Frictionless raises the csv module's process-wide cell limit when it validates; under that limit an unclosed
    quote made the rest of a flat export one cell, read silently as one short row."""
    source = require(FOUND / "CorrelAid__pystatis__12411-01-01-4_1773175772751_de_flat.csv")
    broken = tmp_path / source.name
    text = source.read_text(encoding="utf-8-sig")
    lines = text.splitlines(keepends=True)
    broken.write_text("".join(lines[:3]) + '"' + "".join(lines[3:]) * 20, encoding="utf-8")
    limit = csv.field_size_limit(sys.maxsize)
    try:
        with pytest.raises(ingest.IngestError, match="Anführungszeichen"):
            ingest.read_file(broken)
        assert csv.field_size_limit() == sys.maxsize  # the caller's limit is given back
    finally:
        csv.field_size_limit(limit)
