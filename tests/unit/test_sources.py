"""Citation lines and the sources table, read from the committed data."""
import pandas as pd
import pytest

from helpers import data, sources


def test_official_source_cites_publisher_table_stand_and_licence():
    assert sources.cite(["ITNRW_12411_15I_2024"]) == (
        "Quelle: IT.NRW, Katasterfläche (qkm), Bevölkerung und Bevölkerungsdichte - Stichtag - Gemeinden "
        "(12411-15i), Stand 31.12.2024; Datenlizenz Deutschland – Namensnennung 2.0")


def test_english_citation():
    line = sources.cite("ITNRW_12411_15I_2024", sprache="en")
    assert line.startswith("Source: IT.NRW, ") and "as of 31 Dec 2024" in line and "Data licence Germany" in line


def test_press_route_is_cited_honestly():
    assert sources.cite(["RP_2017_EW2016"]) == (
        "Quelle: IT.NRW, nach Rheinische Post vom 22.09.2017, Stand 31.12.2016; Zahl zitiert nach Pressebericht")


def test_several_sources_one_line_each_licence_once():
    line = sources.cite(["ITNRW_12411_15I_2024", "ITNRW_12521_03I_2024", "TOWNS_GERDA_Z22"])
    assert line.startswith("Quellen: ") and "\n" not in line
    assert line.count("Datenlizenz Deutschland") == 1 and "Zusammenstellung Dritter" in line


def test_unknown_source_fails_clearly():
    with pytest.raises(KeyError, match="NOPE"):
        sources.cite(["NOPE"])


def test_source_table_has_one_row_per_source():
    table = sources.source_table(["RP_2017_EW2016", "ITNRW_12521_03I_2024"])
    assert list(table["Quellen-ID"]) == ["RP_2017_EW2016", "ITNRW_12521_03I_2024"]
    assert list(table["Tabelle/Fundstelle"])[1] == "12521-03i"
    assert list(table["Herausgeber"])[0] == "IT.NRW, nach Rheinische Post"


def test_every_figure_has_publisher_page_date_and_licence():
    """Provenance is complete for every observation: publisher, table or page, reference date, licence."""
    obs = data.load("observations")
    table = data.load("sources").set_index("source_id")
    used = table.loc[obs["source_id"].unique()]
    for column in ("publisher", "table_or_page", "licence", "family"):
        assert (used[column].str.strip() != "").all(), column
    assert used["reference_date"].notna().all()
    assert set(used["licence"]) <= set(sources.LICENCE_KEYS)
    official = used[used["family"] == "official"]
    assert (official["licence"] == "dl-de/by-2-0").all()


def test_sources_table_shows_readers_addresses_not_retrieval_notes():
    """Committee members see where to find a source, not our retrieval route (commits, test copies)."""
    all_ids = list(data.load("sources")["source_id"])
    table = sources.source_table(all_ids)
    kinds, addresses = " ".join(table["Tabelle/Fundstelle"]), " ".join(table["Adresse"])
    for internal in ("commit", "test material", "shared/"):
        assert internal not in kinds + addresses
    for english in ("article", "web page", "citing", "infobox"):
        assert english not in kinds
    addresses = table["Adresse"]
    assert addresses.str.match(r"^(https?://|Datenkopie auf GitHub: )").all()
    assert (table["Tabelle/Fundstelle"] == "Pressebericht").sum() > 0  # a press route is named as such
    assert sources.source_table(["DESTATIS_GV_2019"])["Adresse"].iloc[0].startswith("https://www.destatis.de/")  # the original


@pytest.fixture
def numbering():
    """A briefing that numbers its sources (as the notebooks' setup starts one; conftest resets it)."""
    sources.start_numbering()


def test_references_are_short_numbered_in_order_of_first_use(numbering):
    assert sources.refer(["ITNRW_12411_15I_2024"]) == "Quelle: [1]"
    assert sources.refer(["RP_2017_EW2016", "ITNRW_12411_15I_2024"]) == "Quellen: [1], [2]"
    assert sources.refer(["ITNRW_12521_03I_2024"], sprache="en") == "Source: [3]"
    with pytest.raises(KeyError, match="NOPE"):
        sources.refer(["NOPE"])


def test_sources_table_lists_each_source_once_with_its_number(numbering):
    sources.refer(["RP_2017_EW2016", "ITNRW_12411_15I_2024"])
    ids = sources.numbered(["ITNRW_12521_03I_2024", "RP_2017_EW2016"])
    assert ids == ["RP_2017_EW2016", "ITNRW_12411_15I_2024", "ITNRW_12521_03I_2024"]
    table = sources.source_table(ids)
    assert list(table["Nr."]) == ["[1]", "[2]", "[3]"]
    assert list(table["Herausgeber"])[0] == "IT.NRW, nach Rheinische Post"  # the full citation, once


def test_outside_a_briefing_the_full_citation_stays():
    assert sources.refer(["ITNRW_12411_15I_2024"]) == sources.cite(["ITNRW_12411_15I_2024"])
