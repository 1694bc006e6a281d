"""Citation lines and the sources table, read from the committed data."""
import re

import pandas as pd
import pytest

from helpers.data import provenance, store
from helpers.presentation import sources


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
    obs = store.load("observations")
    table = store.load("sources").set_index("source_id")
    used = table.loc[obs["source_id"].unique()]
    for column in ("publisher", "table_or_page", "licence", "family"):
        assert (used[column].str.strip() != "").all(), column
    assert used["reference_date"].notna().all()
    assert set(used["licence"]) <= set(sources.LICENCE_KEYS)
    official = used[used["family"] == "official"]
    assert (official["licence"] == "dl-de/by-2-0").all()


def test_sources_table_shows_readers_addresses_not_retrieval_notes():
    """Committee members see where to find a source, not our retrieval route (commits, test copies)."""
    all_ids = list(store.load("sources")["source_id"])
    table = sources.source_table(all_ids)
    kinds, addresses = " ".join(table["Tabelle/Fundstelle"]), " ".join(table["Adresse"])
    for internal in ("commit", "test material", "shared/"):
        assert internal not in kinds + addresses
    for english in ("article", "web page", "citing", "infobox"):
        assert english not in kinds
    addresses = table["Adresse"]
    assert addresses.str.match(r"^(https?://|Datenkopie auf GitHub: )").all()
    assert (table["Tabelle/Fundstelle"] == "Pressebericht").sum() > 0  # a press route is named as such
    original = sources.source_table(["DESTATIS_GV_2019"])["Adresse"].iloc[0]
    assert original.startswith("https://www.destatis.de/")


def test_references_are_short_numbered_in_order_of_first_use():
    numbering = sources.Numbering.of([["ITNRW_12411_15I_2024"], ["RP_2017_EW2016", "ITNRW_12411_15I_2024"],
                                      ["ITNRW_12521_03I_2024"]])
    assert numbering.refer(["ITNRW_12411_15I_2024"]) == "Quelle: [1]"
    assert numbering.refer(["RP_2017_EW2016", "ITNRW_12411_15I_2024"]) == "Quellen: [1], [2]"
    assert numbering.refer(["ITNRW_12521_03I_2024"], sprache="en") == "Source: [3]"
    with pytest.raises(KeyError, match="NOPE"):
        sources.Numbering.of([["NOPE"]])
    with pytest.raises(KeyError, match="DESTATIS_GV_2019.*nicht nummeriert"):  # known, but not this briefing's
        numbering.refer(["DESTATIS_GV_2019"])


def test_sources_table_lists_each_source_once_with_its_number():
    numbering = sources.Numbering.of([["RP_2017_EW2016", "ITNRW_12411_15I_2024"],
                                      ["ITNRW_12521_03I_2024", "RP_2017_EW2016"]])
    assert numbering.ids == ("RP_2017_EW2016", "ITNRW_12411_15I_2024", "ITNRW_12521_03I_2024")
    table = sources.source_table(numbering.ids, numbering=numbering)
    assert list(table["Nr."]) == ["[1]", "[2]", "[3]"]
    assert list(table["Herausgeber"])[0] == "IT.NRW, nach Rheinische Post"  # the full citation, once


def _press_and_third_party():
    table = store.load("sources")
    return table[table["family"].isin(["press", "third_party"])]


def test_reference_date_is_never_cited_as_publication_date():
    """Over ALL press and third-party sources: a "vom" date is a publication date, never one of the
    source's reference dates, at most once, and the Stand appears once."""
    obs = store.load("observations")
    dates = obs.groupby("source_id")["date"].agg(lambda d: {x.strftime("%d.%m.%Y") for x in d})
    checked = 0
    for source_id in _press_and_third_party()["source_id"]:
        line = sources.cite([source_id])
        published = re.findall(r" vom (\d\d\.\d\d\.\d{4})", line)
        assert len(published) <= 1 and line.count("Stand ") <= 1, line
        assert not set(published) & dates.get(source_id, set()), line
        checked += 1
    assert checked > 100
    assert sources.cite(["GGK_ITNRW_2015"]) == (
        "Quelle: IT.NRW, nach Griechische Gemeinde Köln, Stand 31.12.2015; Zahl zitiert nach Pressebericht")


def test_official_origin_is_kept_and_not_repeated_as_the_route():
    """Where publisher, page or title name an official statistics office, the line starts with it;
    the route is the carrier ("IT.NRW, nach forumwk.de"), never the office again."""
    official = "|".join(pattern.pattern for pattern, family, *_ in provenance._families() if family == "official")
    for r in _press_and_third_party().itertuples():
        texts = " ".join((r.publisher, r.table_or_page, r.title))
        if re.search(official, texts):
            assert r.origin, r.source_id
        if r.origin:
            assert r.origin not in r.publisher_short and "press release" not in r.publisher_short, r.source_id
    assert sources.cite(["ITNRW_KITA_2019"]).startswith("Quelle: IT.NRW, nach forumwk.de, Stand 01.03.2019")
    assert sources.cite(["RP2018_RHEURDT_AL"]).startswith("Quelle: Bundesagentur für Arbeit, nach Rheinische Post")
    assert sources.cite(["REGIO_13211_01_03_5"]).startswith(  # the publishing office stays the publisher
        "Quelle: Statistische Ämter des Bundes und der Länder (Regionalstatistik), Arbeitslose")


def test_stand_names_the_dates_of_the_figures_shown():
    """A table showing the 2021 leavers cites 21111-9k21 with Stand 15.10.2021, not the table's newest year."""
    day = pd.Timestamp("2021-10-15")
    assert "Stand 15.10.2021;" in sources.cite({"BILD_ITNRW_21111_9K21": [day]})
    two_days = [day, day + pd.DateOffset(years=1)]
    assert "Stand 15.10.2021 und 15.10.2022" in sources.cite({"BILD_ITNRW_21111_9K21": two_days})


def test_the_list_of_sources_names_the_datenlizenz_by_its_identifier():
    """Spelled out once in "Quellen und Lizenz"; in every entry it cost a line each."""
    table = sources.source_table(["ITNRW_12411_15I_2024", "RP2024_AUSL"], "de")
    licences = table["Lizenz/Nutzung"].tolist()
    assert licences[0] == "dl-de/by-2-0" and licences[1] != "dl-de/by-2-0" and "Datenlizenz" not in licences[1]
