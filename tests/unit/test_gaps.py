"""Why a figure is missing (helpers.indicators.gaps): each case decided from tables.yaml, data/raw and the data,
and said so — "nicht veröffentlicht" only where no official statistic publishes the figure (issue 26)."""
import pytest

from helpers.data import store
from helpers.i18n import t
from helpers.indicators import CATALOGUE, Figure, compare, gaps
from helpers.ingest.common import declared_tables
from helpers.presentation import sources


@pytest.fixture(scope="module")
def obs():
    return store.load("observations")


def _gap(obs, indicator_id, ags):
    figure = compare(obs, indicator_id, ags).kommune
    assert figure.missing, (indicator_id, ags)
    return gaps.gap(CATALOGUE[indicator_id], figure)


@pytest.mark.parametrize("indicator_id, ags, case, table", [
    ("minimum_benefit_rate", "05154040", gaps.SECRET, "22811-01i"),  # Kranenburg: '.' in the table
    ("foreign_share_census_2022", "05170048", gaps.UNLOADED, "1000A"),  # the census publishes it, not in data/raw
    ("naturalisations", "05170048", gaps.UNLOADED, "12511"),
    ("foreign_population_azr", "05170048", gaps.LARGER_AREA, "12521-03i"),  # the AZR: Kreise and NRW only
    ("kita_nongerman_language_share", "05958004", gaps.LARGER_AREA, "22541"),
    ("fluag_quota_fulfilment", "05170048", gaps.NO_STATISTIC, ""),  # only the Bezirksregierung and the press
])
def test_each_case_is_decided_from_the_declared_tables_and_the_data(obs, indicator_id, ags, case, table):
    found = _gap(obs, indicator_id, ags)
    assert (found.case, found.table) == (case, table)


def test_an_official_source_without_a_declared_table_is_published_not_yet_in_the_data(obs):
    """The council election results of IT.NRW (Kleve's are in the data) exist for every Gemeinde."""
    found = _gap(obs, "turnout_council_election", "05170048")
    assert found.case == gaps.UNLOADED and found.source_id == "ELEC_KW20_RAT_ITNRW"
    assert "amtlich veröffentlicht" in sources.gap_text(CATALOGUE["turnout_council_election"], found)


def test_a_table_not_in_data_raw_is_named_with_the_way_to_bring_it(obs, monkeypatch):
    """Were 12411-07-01-5 not imported, Wesel's average age would be case (a) with the table and --from."""
    loaded = gaps.loaded_tables()
    assert "12411-07-01-5" in loaded
    monkeypatch.setattr(gaps, "loaded_tables", lambda: loaded - {"12411-07-01-5"})
    ind = CATALOGUE["average_age"]
    found = gaps.gap(ind, Figure(ind.id, "05170048", None, None, "not_available"))
    assert (found.case, found.table) == (gaps.UNLOADED, "12411-07-01-5")
    text = sources.gap_text(ind, found)
    assert "Tabelle 12411-07-01-5" in text and "python -m helpers data update --from ORDNER" in text
    assert "deklarieren" not in text  # its columns are declared: --from reads it as it is


def test_nicht_veroeffentlicht_only_for_no_official_statistic(obs):
    for case in gaps.CASES:
        said = t(f"gap_reason_{case}", "de") + sources.gap_text(CATALOGUE["population"], gaps.Gap(case, "12411-15i"))
        assert ("nicht veröffentlicht" in said) == (case == gaps.NO_STATISTIC), case


def test_every_declared_table_says_which_levels_it_publishes():
    undeclared = [code for code, spec in declared_tables()["tables"].items() if not spec.get("levels")]
    assert not undeclared
