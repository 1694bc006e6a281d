"""The statewide Regionalstatistik exports in ../shared/genesis-found (never copied) that `data update --from`
brought: population of every Gemeinde 2011–2015, age groups, average age, naturalisations per Kreis, commuters,
Zensus 2011 by age. Each reads as tables.yaml declares it (left-out columns give no rows), keeps its published
values, and arrives in data/processed unchanged (round trip); the indicators made of them never mix bases."""
import math

import pandas as pd
import pytest

from helpers import indicators, ingest
from helpers.data import datapackage, store, validation
from helpers.ingest.common import declared_tables
from helpers.paths import RAW_DIR

from tests.material import FOUND, require, value_of as _value

EXPORTS = {
    "12411-01-01-5": "datenguide__genesapi-data__12411-01-01-5_00.csv",
    "12411-02-03-5": "datenguide__genesapi-data__12411-02-03-5_00.csv",
    "12411-02-03-4": "Inab1993__Regressionsmodelle_fuer_EGH-Leistungen__12411-02-03-4.csv",
    "12411-07-01-5": "datenguide__genesapi-data__12411-07-01-5_00.csv",
    "12511-01-01-4": "datenguide__genesapi-data__12511-01-01-4.csv",
    "13111-08-02-5": "datenguide__genesapi-data__13111-08-02-5_00.csv",
    "12111-02-01-5": "datenguide__genesapi-data__12111-02-01-5_00.csv",
}
WESEL_STADT, KREIS_WESEL, KLEVE_STADT, KREIS_KLEVE = "05170048", "05170", "05154036", "05154"


@pytest.fixture(scope="module")
def extracts():
    return {code: ingest.read_file(require(FOUND / name)) for code, name in EXPORTS.items()}


def test_each_export_yields_only_its_declared_columns(extracts):
    for code, extract in extracts.items():
        assert extract.table == code and extract.problems == [], code
        declared = {(v, c) for v, c, _ in declared_tables()["tables"][code]["columns"].values()}
        produced = set(zip(extract.rows["variable"], extract.rows["category"]))
        assert {v for v, _ in produced} <= {v for v, _ in declared}, code
        assert not extract.rows["category"].str.contains("male").any(), code  # both sexes together only
    population = extracts["12411-01-01-5"].rows
    assert sorted(set(population["date"])) == [f"{y}-12-31" for y in range(2011, 2016)]  # not the 1987-base years
    assert set(extracts["12411-02-03-4"].rows["category"]) == {"total", "age_6_9", "age_10_14", "age_15_17"}
    assert set(extracts["12511-01-01-4"].rows["category"]) == {"total"}  # the continents are left out
    assert set(extracts["13111-08-02-5"].rows["variable"]) == {"commuters_in", "commuters_out", "commuter_balance"}


def test_published_values_read_as_printed(extracts):
    rows = {code: extract.rows for code, extract in extracts.items()}
    assert _value(rows["12411-01-01-5"], WESEL_STADT, date="2015-12-31") == (60595.0, "")
    assert _value(rows["12511-01-01-4"], KREIS_WESEL, date="2016-12-31") == (468.0, "")
    assert _value(rows["12411-07-01-5"], WESEL_STADT, variable="average_age") == (45.2, "")
    assert rows["12411-07-01-5"]["unit"].eq("years").all()
    # a balance stays negative; '-' alone would be a true zero, never this
    assert _value(rows["13111-08-02-5"], KREIS_KLEVE, variable="commuter_balance") == (-12018.0, "")
    assert _value(rows["13111-08-02-5"], "05154004", variable="commuter_balance") == (547.0, "")
    assert _value(rows["12411-02-03-4"], KREIS_KLEVE, category="age_6_9") == (12076.0, "")  # a row label, mapped
    assert _value(rows["12411-02-03-4"], KREIS_KLEVE, category="total") == (319928.0, "")
    census = rows["12111-02-01-5"]
    assert _value(census, KLEVE_STADT, variable="population", category="age_under_3") == (1215.0, "")
    assert _value(census, KLEVE_STADT, variable="foreign_population", category="age_under_3") == (168.0, "")


def _tuples(frame):
    values = frame["value"].map(lambda v: "nan" if pd.isna(v) else float(v))
    return set(zip(frame["ags"], pd.to_datetime(frame["date"]), frame["variable"], frame["category"], values, frame["flag"]))


def test_round_trip_from_the_export_to_the_processed_observations(extracts):
    """Every NRW row of each export is in data/processed under the import's source id, and nothing else is."""
    obs = store.load("observations")
    package = datapackage.read_package(RAW_DIR)
    for code, extract in extracts.items():
        [resource] = [r for r in package["resources"] if r.get("x_table") == code]
        ours = extract.rows[extract.rows["ags"].isin(validation.known_ags())]
        processed = obs[obs["source_id"] == resource["x_source_id"]]
        assert len(processed) == len(ours) and _tuples(processed) == _tuples(ours), code


def test_data_raw_keeps_the_nrw_lines_with_their_provenance():
    package = datapackage.read_package(RAW_DIR)
    known = validation.known_ags()
    for code, name in EXPORTS.items():
        [resource] = [r for r in package["resources"] if r.get("x_table") == code]
        assert resource["path"] == f"regionalstatistik/{name}" and resource["licenses"][0]["name"] == "dl-de/by-2-0"
        assert resource["x_publisher"].startswith("Statistische Ämter des Bundes und der Länder")
        assert f"--from, Datei {name}" in resource["x_retrieved_via"]  # the file name names the public mirror
        lines = (RAW_DIR / resource["path"]).read_bytes().decode(ingest.common.encoding(
            (RAW_DIR / resource["path"]).read_bytes())).splitlines()
        codes = {c for c in map(ingest.genesis_classic.row_code, lines) if c is not None}
        assert codes <= known and {"05", KREIS_WESEL} <= codes, code
        assert resource["description"].startswith("Auszug der Datei:"), code


def test_population_series_for_every_gemeinde_with_the_census_break_marked():
    obs = store.load("observations")
    series = indicators.indicator_series(obs, "population", WESEL_STADT)
    assert series.loc[series["date"] == "2015-12-31", ["value", "base"]].values.tolist() == [[60595.0, "update_2011_base"]]
    assert set(series["base"]) == {"census_2011", "update_2011_base", "census_2022", "update_2022_base"}
    change = indicators.figure(obs, "population_change_2015", WESEL_STADT)
    assert change.missing and change.status == "not_comparable"  # 2024 on the 2022 base, 2015 on the 2011 base
    assert change.start_base == "update_2011_base" and str(change.start_date.date()) == "2015-12-31"
    on_one_base = indicators.figure(obs, "population_change_2015", WESEL_STADT, stichtag="2015-12-31")
    assert on_one_base.value == 0 and on_one_base.base == "update_2011_base"


def test_age_shares_sum_their_groups_on_one_base_only():
    """The under-18 share takes no 2023 figure: that export has the school ages only (6–17), which the
    school-age share uses on the Zensus 2022 base."""
    obs = store.load("observations")
    rows = obs[(obs["ags"] == KREIS_WESEL) & (obs["variable"] == "population") & (obs["date"] == "2015-12-31")]
    by = rows.set_index("category")["value"]
    under_18 = by[["age_under_3", "age_3_5", "age_6_9", "age_10_14", "age_15_17"]].sum() / by["total"] * 100
    share = indicators.indicator_series(obs, "population_under_18_share", KREIS_WESEL)
    assert share.loc[share["date"] == "2015-12-31", "value"].iloc[0] == pytest.approx(under_18)
    assert set(share["base"]) == {"census_2011", "update_2011_base"}
    school_age = indicators.indicator_series(obs, "population_6_17_share", KREIS_WESEL)
    assert school_age.loc[school_age["date"] == "2023-12-31", "base"].tolist() == ["update_2022_base"]
    assert school_age.loc[school_age["date"] == "2023-12-31", "value"].iloc[0] == pytest.approx(
        (17350 + 20213 + 12469) / 457545 * 100)
    children = indicators.figure(obs, "foreign_share_under_18_census_2011", KLEVE_STADT)
    assert children.base == "census_2011" and 0 < children.value < 100


def test_naturalisations_and_commuters_per_kreis():
    obs = store.load("observations")
    naturalised = indicators.figure(obs, "naturalisations", KREIS_WESEL)
    assert (naturalised.value, str(naturalised.date.date()), naturalised.precision) == (468, "2016-12-31", "year")
    balance = indicators.figure(obs, "commuter_balance_share", KREIS_WESEL)
    employees = obs[(obs["ags"] == KREIS_WESEL) & (obs["variable"] == "employees_at_residence")
                    & (obs["category"] == "total") & obs["preferred"]]["value"].iloc[0]
    assert balance.value == pytest.approx(-31779 / employees * 100) and balance.value < 0
    assert not math.isnan(indicators.figure(obs, "average_age", WESEL_STADT).value)
