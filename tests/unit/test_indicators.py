"""The indicator catalogue validates, and its arithmetic never mixes statistics or bases."""
from __future__ import annotations

import pandas as pd
import pytest
import yaml

from helpers import indicators
from helpers.data import store
from helpers.indicators import CATALOGUE, CatalogueError, compare, compute, figure, indicator_series, load_catalogue
from helpers.kommunen import KREIS_AGS, LAND_AGS, kommunen


def _obs(rows):
    """Observations in the data layer's shape from (ags, date, variable, category, value, base[, status, flag])."""
    records = []
    for row in rows:
        ags, date, variable, category, value, base, *rest = row
        status, flag = (rest + ["published", ""])[:2] if rest else ("published", "")
        records.append(dict(ags=ags, date=pd.Timestamp(date), variable=variable, category=category,
                            value=float("nan") if value is None else float(value), unit="persons",
                            source_id="TEST", status=status, flag=flag, note="", base=base, preferred=True,
                            precision="day"))
    return pd.DataFrame(records)


def _write(tmp_path, mutate):
    raw = yaml.safe_load(indicators.CATALOGUE_PATH.read_text(encoding="utf-8"))
    mutate(raw)
    path = tmp_path / "indicators.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


def test_catalogue_validates_and_names_every_key_figure():
    assert set(CATALOGUE.key_figures) <= set(CATALOGUE.indicators)
    for ind in CATALOGUE.indicators.values():
        assert ind.label("de") and ind.label("en") and (ind.tables or ind.text("gap", "de"))
        assert ind.handlungsfeld in CATALOGUE.handlungsfelder


@pytest.mark.parametrize("mutate, message", [
    (lambda raw: raw["indicators"]["population"].update(colour="red"), "unbekannter Schlüssel"),
    (lambda raw: raw["indicators"]["population"].pop("label_en"), "label_en"),
    (lambda raw: raw["indicators"]["population"]["value"].update(variable="no_such_variable"), "no_such_variable"),
    (lambda raw: raw["indicators"]["foreign_share_census_2011"]["denominator"].update(bases=["update_2022_base"]),
     "dieselbe Statistik"),
    (lambda raw: raw["key_figures"].append("no_such_indicator"), "no_such_indicator"),
    (lambda raw: raw["indicators"]["foreign_share_census_2011"].update(kreis_from_kommunen={"variable": "population"}),
     "kreis_from_kommunen"),
    (lambda raw: raw["indicators"]["minimum_benefit_rate"]["tables"].append("22811-99i"),
     r"Indikator 'minimum_benefit_rate', Feld 'tables': Tabelle '22811-99i' ist in "
     r"src/helpers/catalogue/tables.yaml nicht deklariert"),
    (lambda raw: raw["indicators"]["population"].pop("tables"), "Feld 'tables': fehlt"),
    (lambda raw: raw["indicators"]["sgb2_rate"].pop("gap_en"), "gap_de und gap_en gehören zusammen"),
    (lambda raw: raw["indicators"]["population"].update(tables=[]), "ohne Tabelle"),
])
def test_broken_catalogue_fails_clearly(tmp_path, mutate, message):
    with pytest.raises(CatalogueError, match=message):
        load_catalogue(_write(tmp_path, mutate))


def test_every_table_an_indicator_names_is_declared():
    """Read from the two YAML files themselves: each indicator names its tables, each of them is in tables.yaml,
    and a table not fetched automatically says why; an indicator without a table explains its gap."""
    raw = yaml.safe_load(indicators.CATALOGUE_PATH.read_text(encoding="utf-8"))["indicators"]
    declared = yaml.safe_load((indicators.CATALOGUE_PATH.parent / "tables.yaml").read_text(encoding="utf-8"))["tables"]
    for key, entry in raw.items():
        assert isinstance(entry.get("tables"), list), key
        assert set(entry["tables"]) <= set(declared), (key, set(entry["tables"]) - set(declared))
        assert entry["tables"] or (entry.get("gap_de") and entry.get("gap_en")), key
    for code, spec in declared.items():
        assert spec.get("fetch", "auto") in ("auto", "manual"), code
        assert (spec.get("fetch") == "manual") == bool(spec.get("manual_route")), code
        assert spec.get("fetch") == "manual" or spec.get("columns"), code
    assert {"12111-01-01-5", "12521-03i", "22811-05i", "13211-01-03-5", "21111-9k21"} <= set(declared)


def test_catalogue_matches_the_data():
    obs = store.load("observations")
    source_ids = set(store.load("sources")["source_id"])
    assert set(CATALOGUE.variables) <= set(obs["variable"])
    for ind in CATALOGUE.indicators.values():
        for family in ind.sources:
            assert any(s.startswith(family) for s in source_ids), (ind.id, family)


def test_share_uses_one_statistic_and_kreis_its_own_rows():
    obs = _obs([
        ("05154036", "2011-05-09", "foreign_population", "total", 50, "census_2011"),
        ("05154036", "2011-05-09", "population", "total", 500, "census_2011"),
        ("05154036", "2011-05-09", "population", "total", 999, "update_2011_base"),
        (KREIS_AGS, "2011-05-09", "foreign_population", "total", 90, "census_2011"),
        (KREIS_AGS, "2011-05-09", "population", "total", 1000, "census_2011"),
        (KREIS_AGS, "2011-05-09", "foreign_population", "total", 77, "azr"),
    ])
    result = compare(obs, "foreign_share_census_2011", "05154036")
    assert result.kommune.value == pytest.approx(10.0)
    assert result.kreis.value == pytest.approx(9.0)
    assert result.land.missing and result.land.status == "not_available"


def test_kreis_from_kommunen_is_ratio_of_sums_not_mean_of_shares():
    rows = []
    for i, region in enumerate(kommunen()):
        population = 1000 if i == 0 else 100
        share = 50 if i == 0 else 10
        rows += [(region.ags, "2022-05-15", "foreign_population_share", "total", share, "census_2022", "secondary"),
                 (region.ags, "2022-05-15", "population", "total", population, "census_2022")]
    series = indicator_series(_obs(rows), "foreign_share_census_2022", KREIS_AGS)
    expected = (500 + 15 * 10) / (1000 + 15 * 100) * 100
    assert series["value"].iloc[0] == pytest.approx(expected)
    assert series["status"].iloc[0] == "secondary"


def test_kreis_from_kommunen_needs_all_sixteen():
    one = kommunen()[0].ags
    obs = _obs([(one, "2022-05-15", "foreign_population_share", "total", 50, "census_2022"),
                (one, "2022-05-15", "population", "total", 1000, "census_2022")])
    assert indicator_series(obs, "foreign_share_census_2022", KREIS_AGS).empty


def test_change_across_a_census_base_is_not_comparable():
    obs = _obs([
        ("05154036", "2023-12-31", "population", "total", 53458, "update_2011_base"),
        ("05154036", "2024-12-31", "population", "total", 53028, "update_2022_base"),
        (LAND_AGS, "2023-12-31", "population", "total", 100, "update_2022_base"),
        (LAND_AGS, "2024-12-31", "population", "total", 110, "update_2022_base"),
    ])
    kleve = figure(obs, "population_change_previous_year", "05154036")
    assert kleve.missing and kleve.status == "not_comparable"
    land = figure(obs, "population_change_previous_year", LAND_AGS)
    assert land.value == pytest.approx(10.0) and land.start_value == 100


def test_missing_values_stay_missing():
    obs = _obs([("05154040", "2024-12-31", "minimum_benefit_rate_pct", "total", None, "", "published", ".")])
    result = figure(obs, "minimum_benefit_rate", "05154040")
    assert result.value is None and result.status == "not_available" and result.flags == (".",)
    assert figure(obs, "minimum_benefit_rate", "05154036").value is None


def test_stichtag_cuts_off_later_figures():
    obs = _obs([("05154036", "2023-12-31", "population", "total", 1, "update_2011_base"),
                ("05154036", "2024-12-31", "population", "total", 2, "update_2022_base")])
    assert figure(obs, "population", "05154036", stichtag="2024-06-30").value == 1


# --- issue 14: lower bounds (1) and rounding claims (9) -------------------------------------

RHEURDT, KRANENBURG, BEDBURG_HAU = "05154048", "05154040", "05154004"


def test_a_total_without_its_secret_part_is_a_lower_bound():
    """22811-05i: SGB II is '.' for Rheurdt and Kranenburg and their 'insgesamt' adds only the
    printed parts (checks.yaml totals_with_parts), so 125 and 200 are lower bounds."""
    obs = store.load("observations")
    for ags, value in ((RHEURDT, 125), (KRANENBURG, 200)):
        f = figure(obs, "minimum_benefit_recipients", ags)
        assert (f.value, f.status, f.lower_bound) == (value, "incomplete", True)
    complete = figure(obs, "minimum_benefit_recipients", BEDBURG_HAU)
    assert complete.status == "published" and not complete.lower_bound
    assert figure(obs, "minimum_benefit_recipients", KREIS_AGS).status == "published"  # the Kreis row is whole


def test_a_lower_bound_never_enters_a_kreis_value_from_the_kommunen():
    rows = [(r.ags, "2022-05-15", "foreign_population_share", "total", 10.0, "census_2022") for r in kommunen()]
    rows += [(r.ags, "2022-05-15", "population", "total", 1000, "census_2022",
              "incomplete" if r.ags == RHEURDT else "published") for r in kommunen()]
    assert indicator_series(_obs(rows), "foreign_share_census_2022", KREIS_AGS).empty


def test_every_rounding_claim_holds_for_the_values_it_covers():
    """A definition saying "Vielfache von 5" must be true of every figure it covers
    (the minimum-benefit total 5.187 of Kleve is not: its SGB II part is not rounded)."""
    claimed = {i.id for i in CATALOGUE.indicators.values() if indicators.ROUNDING_CLAIM.search(i.definition_de)}
    assert claimed == {i.id for i in CATALOGUE.indicators.values() if i.rounded_to}
    violations = indicators.rounding_violations(store.load("observations"))
    assert violations.empty, violations[["indicator", "ags", "date", "value", "source_id"]].to_string()


def test_rounding_violations_are_found():
    obs = store.load("observations")
    broken = obs.copy()
    hit = ((broken["variable"] == "asylblg_recipients") & (broken["ags"] == BEDBURG_HAU)
           & broken["source_id"].str.startswith("ITNRW_22811") & broken["preferred"])
    broken.loc[hit, "value"] = 61
    found = indicators.rounding_violations(broken)
    assert list(found["ags"]) == [BEDBURG_HAU] and list(found["indicator"]) == ["asylblg_recipients"]


@pytest.mark.parametrize("mutate", [
    lambda raw: raw["indicators"]["asylblg_recipients"].pop("rounded_to"),
    lambda raw: raw["indicators"]["minimum_benefit_recipients"].update(
        definition_de="Personen mit Mindestsicherung; IT.NRW rundet auf Vielfache von 5."),
])
def test_an_undeclared_rounding_claim_fails_the_catalogue(tmp_path, mutate):
    with pytest.raises(CatalogueError, match="Vielfache von"):
        load_catalogue(_write(tmp_path, mutate))


def test_key_figures_use_secondary_values_only_where_nothing_official_exists():
    """A newer Wikipedia figure does not replace the latest official one; alone, it is used and stays marked."""
    obs = _obs([("05154028", "2019-12-31", "population", "total", 12548, "update_2011_base"),
                ("05154028", "2020-12-31", "population", "total", 12638, "update_2011_base", "secondary")])
    official = figure(obs, "population", "05154028")
    assert (official.value, official.status, official.date.year) == (12548, "published", 2019)
    only_secondary = figure(obs[obs["status"] == "secondary"], "population", "05154028")
    assert (only_secondary.value, only_secondary.status) == (12638, "secondary")


def test_committed_data_show_the_official_figure_where_a_third_party_one_is_newer():
    obs = store.load("observations")
    kerken = figure(obs, "population", "05154028", stichtag="2020-12-31")
    assert (kerken.value, kerken.status, kerken.source_ids) == (12548, "published", ("DESTATIS_GV_2019",))


def test_compare_computes_each_series_once(monkeypatch):
    """Population and both of its changes for a Kommune, the Kreis and NRW: the series of every region in one
    pass (compute.every_series), once, and no region's series on its own."""
    obs = store.load("observations").copy()  # a frame of its own: no earlier test's memo answers for it
    calls = []
    for name in ("_own_series", "every_series"):
        real = getattr(compute, name)
        monkeypatch.setattr(compute, name,
                            lambda *args, real=real, name=name: calls.append((name, args[1:])) or real(*args))
    for indicator_id in ("population", "population_change_2015", "population_change_previous_year"):
        compare(obs, indicator_id, "05154036")
    assert calls == [("every_series", ("population",))]


def test_other_kreise_get_their_official_figures_and_their_own_kreis():
    """Moers (Kreis Wesel): population 31.12.2024 from IT.NRW 12411-15i, compared with Kreis Wesel, not Kleve."""
    obs = store.load("observations")
    moers = indicators.compare(obs, "population", "05170024")
    assert moers.kommune.value == 101503 and str(moers.kommune.date.date()) == "2024-12-31"
    assert moers.kreis.ags == "05170" and moers.kreis.value == 457918
    unemployed = indicators.compare(obs, "unemployed_foreigners_share_2016", "05166032")  # Stadt Viersen
    assert unemployed.kommune.ags == "05166032" and not unemployed.kommune.missing and unemployed.kreis.ags == "05166"
