"""The public research API on the committed data: every NRW region, plain cells, ranks with ties, similar
Gemeinden statewide; the export round-trips through CSV, Parquet and Stata and its datapackage.json validates
with Frictionless; the committed codebook matches the data."""
import json
import math

import pandas as pd
import pytest
from frictionless import Package, validate

from helpers import research
from helpers.indicators import CATALOGUE, similarity
from helpers.research import codebooks, export

pytestmark = pytest.mark.xdist_group("research")


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return research.table()


def test_regions_are_all_of_nrw_and_a_kreisfreie_stadt_says_so():
    regions = research.regions()
    assert regions["level"].value_counts().to_dict() == {"gemeinde": 374, "kreis": 31, "kreisfreie_stadt": 22,
                                                         "land": 1}
    assert len(research.regions("gemeinde")) == 396 == regions["gemeinde"].sum()
    duesseldorf = regions.set_index("ags").loc["05111"]
    assert (duesseldorf["level"], duesseldorf["kind"], bool(duesseldorf["gemeinde"])) == (
        "kreisfreie_stadt", "kreisfreie Stadt", True)
    assert list(research.regions(kreis="Kleve")["name"])[:2] == ["Bedburg-Hau", "Emmerich am Rhein"]
    with pytest.raises(ValueError, match="Unbekannte Ebene stadt"):
        research.regions("stadt")


def test_the_long_table_has_plain_cells_for_every_region(table):
    assert list(table.columns) == research.TABLE_COLUMNS
    for column in ("source_ids", "flags", "notes", "base", "status", "name", "kreis"):
        assert table[column].map(type).eq(str).all(), column  # never a tuple or list
    assert set(table["indicator"]) <= set(CATALOGUE.indicators)
    assert table["ags"].nunique() == 1 + 31 + 22 + 374
    assert not table.duplicated(["indicator", "ags", "date", "base"]).any()
    goch = table[(table["ags"] == "05154016") & (table["indicator"] == "foreign_share_census_2011")]
    assert (goch["name"].item(), goch["level"].item(), goch["kreis"].item()) == ("Goch", "gemeinde", "Kreis Kleve")
    assert goch["source_ids"].item().startswith("REGIO_12111_01_01_5_")


def test_the_table_gives_the_briefings_figures():
    """``latest=True`` is the figure the briefings show (same choice of date and base)."""
    from helpers.indicators import figure

    latest = research.table(["population", "minimum_benefit_rate"], ["Goch", "Kreis Kleve", "05111"], latest=True)
    obs = research.observations()
    for row in latest.itertuples():
        shown = figure(obs, row.indicator, row.ags)
        assert (row.value, row.date, row.base) == (shown.value, shown.date, shown.base)


def test_ranks_share_ties_as_printed_and_skip_lower_bounds():
    rows = pd.DataFrame({"indicator": "minimum_benefit_rate", "ags": list("abcd"), "date": pd.Timestamp("2024-12-31"),
                         "base": "", "value": [5.04, 5.0, 7.0, 9.0], "status": ["published"] * 3 + ["incomplete"]})
    ranked = research.ranked(rows).set_index("ags")
    assert ranked.loc[["c", "a", "b"], "rank"].tolist() == [1, 2, 2]  # 5,04 and 5,0 both print as 5,0
    assert pd.isna(ranked.loc["d", "rank"])  # a lower bound is never ranked
    assert ranked["of"].iloc[0] == 3


def test_similar_gemeinden_are_found_in_all_of_nrw():
    found = research.similar("Goch", k=5)
    assert list(found["rank"]) == [1, 2, 3, 4, 5]
    assert "05154016" not in set(found["ags"])
    assert found["distance"].is_monotonic_increasing
    assert not set(found["ags"].str[:5]) <= {"05154"}  # not only Kreis Kleve
    pd.testing.assert_frame_equal(found, research.similar("05154016", k=5))
    features = research.similarity_features()
    assert len(features) == 396
    assert features[[f.key for f in similarity.STATEWIDE]].notna().all().all()  # no Kleve-only feature
    assert len(research.similar("Düsseldorf", k=3)) == 3  # a kreisfreie Stadt is a Gemeinde too
    with pytest.raises(ValueError, match="keine Gemeinde"):
        research.similar("Kreis Kleve")


@pytest.mark.slow  # three exports of the whole table (the Stata file is 17 MB)
@pytest.mark.parametrize("fmt", ["csv", "parquet", "stata"])
def test_the_export_reads_back_with_the_apis_values(tmp_path, table, fmt):
    export.export(tmp_path, fmt)
    path = tmp_path / f"indicators.{export.FORMATS[fmt][0]}"
    if fmt == "csv":
        back = pd.read_csv(path, dtype={c: str for c in ("ags", "kreis_ags", "base", "flags", "notes", "source_ids")},
                           keep_default_na=False, na_values={"value": [""], "start_value": [""]},
                           parse_dates=["date", "start_date"], float_precision="round_trip")
    elif fmt == "parquet":
        back = pd.read_parquet(path)
    else:
        back = pd.read_stata(path)
    assert list(back.columns) == research.TABLE_COLUMNS
    assert len(back) == len(table)
    for column in ("indicator", "ags", "status", "base", "source_ids", "unit"):
        assert back[column].fillna("").tolist() == table[column].tolist(), column
    pd.testing.assert_series_equal(back["value"], table["value"], check_exact=True, check_names=False)
    assert (back["date"] == table["date"]).all()
    package = json.loads((tmp_path / "datapackage.json").read_text(encoding="utf-8"))
    assert [r["name"] for r in package["resources"]] == ["indicators", "regions", "codebook"]
    fields = package["resources"][0]["schema"]["fields"]
    assert all(f["title"] and f["description"] for f in fields)  # German and English labels
    assert {s["x_licence"] for s in package["sources"]} >= {"dl-de/by-2-0"}
    if fmt == "csv":
        report = validate(tmp_path / "datapackage.json")  # descriptor and every row of the three CSV files
        assert report.valid, report.flatten(["rowNumber", "fieldName", "message"])[:5]
    else:
        assert Package.validate_descriptor(package).valid  # Frictionless reads neither .dta nor Parquet itself


def test_the_export_refuses_a_file_as_folder(tmp_path, run_cli):
    target = tmp_path / "taken"
    target.write_text("keep me")
    result = run_cli("data", "export", "--format", "csv", "--out", target)
    assert result.returncode == 1 and "ist eine Datei" in result.stderr
    assert target.read_text() == "keep me"


def test_the_committed_codebook_matches_catalogue_and_data(table):
    """Fails when an indicator, a definition or the data change without `python -m helpers data docs`."""
    book = codebooks.codebook(table, research.regions())
    hint = "data/codebook.* veraltet: python -m helpers data docs"
    assert codebooks.CODEBOOK_CSV.read_text(encoding="utf-8") == book.to_csv(index=False, lineterminator="\n"), hint
    assert codebooks.CODEBOOK_MD.read_text(encoding="utf-8") == codebooks.markdown(book), hint
    assert list(book["indicator"]) == list(CATALOGUE.indicators)
    population = book.set_index("indicator").loc["population"]
    assert (population["gemeinden"], population["kreise"], population["land"]) == (396, 31, 1)
    assert not math.isnan(float(population["decimals"]))
