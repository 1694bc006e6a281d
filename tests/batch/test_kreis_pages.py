"""The pages of Kreise other than Kleve as a real `briefings --kreis` run builds them (issue 26): Kreis Wesel and
the Hochsauerlandkreis read as a committee member there reads them — nothing of Kreis Kleve, every NRW and Kreis
figure with its date, "nicht veröffentlicht" only where no official statistic has the figure, the same Kreis
share in the profiles and the overview, the statewide tables and maps in hand."""
from __future__ import annotations

import re

import pytest
from bs4 import BeautifulSoup

from helpers.indicators import CATALOGUE, Figure, gaps
from helpers.kommunen import kommunen
from helpers.run import batch
from tests.expected import normalise

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("kreise")]  # the shared kreise_run runs once
SITES = ("kreis-wesel", "hochsauerlandkreis")
DATE = re.compile(r"\((?:\d{2}\.\d{2}\.\d{4}|\d{4}|Schuljahr \d{4}/\d{2}|\w+ \d{4})\)")


@pytest.fixture(scope="module")
def html(kreise_run) -> dict[str, str]:
    """Every HTML page of Kreis Wesel and the Hochsauerlandkreis in the shared run (German), by ``<site>/<file>``."""
    # a chart's texts (title, attribution) are in its figure's JSON, escaped: read as written
    return {f"{site}/{path.name}": re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)),
                                          path.read_text(encoding="utf-8"))
            for site in SITES for path in sorted((kreise_run / batch.LATEST / site).glob("*.html"))}


@pytest.fixture(scope="module")
def pages(html) -> dict[str, BeautifulSoup]:
    """The pages as a reader reads them: parsed, without scripts and styles (a chart's figure is a script)."""
    parsed = {}
    for name, page in html.items():
        soup = BeautifulSoup(page, "html.parser")
        for hidden in soup(["script", "style"]):
            hidden.decompose()
        parsed[name] = soup
    profiles = [name for name in parsed if name.startswith("kreis-wesel/kommune_") and not name.endswith("_kurz.html")]
    assert len(profiles) == 13 and all(name.replace(".html", "_kurz.html") in parsed for name in profiles)
    return parsed


def _text(soup: BeautifulSoup) -> str:
    return normalise(soup.get_text(" ", strip=True))


def _table(table) -> tuple[list[str], list[list[str]]]:
    """A table as (header cells, body rows of cell texts)."""
    head = [normalise(th.get_text(" ", strip=True)) for th in table.find_all("th")]
    rows = [[normalise(td.get_text(" ", strip=True)) for td in tr.find_all("td")] for tr in table.find_all("tr")]
    return head, [row for row in rows if row]


def _tables(soup: BeautifulSoup):
    for table in soup.find_all("table"):
        yield _table(table)


def test_no_page_of_another_kreis_names_kleve_or_one_of_its_kommunen(pages):
    """Footer, notes, gap sentences, source list: Kleve's texts stay in Kleve's briefings."""
    names = {r.name for r in kommunen("05154")} | {"Kleve", "Nassauerallee"}
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, sorted(names))) + r")\b")
    found = {name: sorted(set(pattern.findall(_text(soup)))) for name, soup in pages.items()}
    assert not {name: hits for name, hits in found.items() if hits}


def test_every_nrw_and_kreis_cell_says_its_date(pages):
    """In a table with a Stand column, a row with a figure has a Stand, or dates each figure in its cell: never
    "3.273.550² | | nicht veröffentlicht" (NRW's AZR count in a row without a Kommune value, issue 26)."""
    rows_checked = 0
    for name, soup in pages.items():
        for head, rows in _tables(soup):
            if "Stand" not in head or "NRW" not in head:
                continue
            stand = head.index("Stand")
            for row in (r for r in rows if len(r) == len(head)):
                figures = [cell for cell in row[1:stand] if cell and cell != "k. A."]
                assert not figures or row[stand] or all(DATE.search(cell) for cell in figures), (name, row)
                rows_checked += bool(figures)
    assert rows_checked > 25 * 9  # every profile's key figures at least


def test_nicht_veroeffentlicht_only_where_no_official_statistic_has_the_figure(pages):
    """"nicht veröffentlicht" stands only beside an indicator no official statistic publishes for a Gemeinde
    (case (d)); a figure a declared table holds is "noch nicht in den Daten", "nur für Kreis und Land" or secret."""
    labels = {ind.label("de"): ind for ind in CATALOGUE.indicators.values()}
    no_statistic = {label for label, ind in labels.items()
                    if gaps.gap(ind, Figure(ind.id, "05170048", None, None, "not_available")).case == gaps.NO_STATISTIC}
    assert no_statistic  # the Integrationsrat turnout, the FlüAG quota
    seen = 0
    for name, soup in pages.items():
        for element in soup.find_all(["tr", "li", "p"]):
            text = normalise(element.get_text(" ", strip=True))
            inner = element.find_all(["tr", "li", "p"])
            if "nicht veröffentlicht" not in text or any("nicht veröffentlicht" in c.get_text(" ") for c in inner):
                continue  # not here, or an inner element holds it
            named = {label for label in labels if f"„{label}“" in text or f" {label} " in f" {text} "}
            assert named and named <= no_statistic, (name, text)
            seen += 1
    assert seen > 0


def test_the_wesel_profile_shows_2015_and_the_change_since_the_census_on_one_base(pages):
    text = _text(pages["kreis-wesel/kommune_05170048_wesel.html"])
    assert "Am 31.12.2015 lebten in Wesel 60.595 Menschen (Fortschreibung auf Basis Zensus 2011)." in text
    assert "Dazwischen wechselt die Zensus-Grundlage" in text  # the break, said
    head, rows = _table(pages["kreis-wesel/kommune_05170048_wesel.html"].find("table", class_="im-placing"))
    since_census = next(row for row in rows if row[0] == "Veränderung der Einwohnerzahl seit dem Zensus")
    assert since_census[1:3] == ["+1,3 %", "31.12.2024"], (head, since_census)  # "Wo steht": one base


def test_the_wesel_profile_shows_its_age_structure_where_the_population_is(pages):
    """The statewide population indicators (age shares, average age, moves, foreign share among children) stand in
    "Bevölkerung und Zuwanderung", each row dated, not only in the Datenlage."""
    soup = pages["kreis-wesel/kommune_05170048_wesel.html"]
    section = next(h for h in soup.find_all("h3") if "Altersstruktur" in h.get_text())
    assert "Bevölkerung und Zuwanderung" in section.find_previous("h2").get_text()
    head, rows = _table(section.find_next("table"))
    by_label = {row[0]: row for row in rows}
    assert by_label["Durchschnittsalter"][1:2] == ["45,2"] and by_label["Durchschnittsalter"][head.index("Stand")]
    assert {"Anteil der unter 18-Jährigen", "Anteil der 65-Jährigen und Älteren",
            "Ausländeranteil unter Kindern und Jugendlichen (Zensus 2011)"} <= set(by_label)


def test_the_wesel_overview_shows_naturalisations_2011_to_2016_its_azr_count_and_a_map(pages, html):
    text = _text(pages["kreis-wesel/kreis_uebersicht.html"])
    assert ("Einbürgerungen im Kreis Wesel im Jahr: 571 (2011), 589 (2012), 467 (2013), 391 (2014), 449 (2015), "
            "468 (2016).") in text
    assert "Ende 2024 lebten 57.420² Ausländerinnen und Ausländer im Kreis Wesel (AZR)." in text
    assert "Türkei (11.555)" in text and "nicht erfasst: die jährliche Zahl" not in text
    assert "Zahlen von 2011 bis 2025" in text  # the dates it shows: "Wo steht" places the Sozialindex share 2025/26
    page = html["kreis-wesel/kreis_uebersicht.html"]
    assert "GeoBasis-DE / BKG" in page and page.count('class="plotly-graph-div') >= 3  # the map among its charts


def test_moers_has_a_locator_map_on_the_bkg_boundaries(pages, html):
    page = html["kreis-wesel/kommune_05170024_moers.html"]
    assert "© GeoBasis-DE / BKG" in page and "Lage von Moers im Kreis Wesel" in page


@pytest.mark.parametrize("site", SITES)
def test_profiles_and_overview_give_the_same_kreis_share_and_azr_count(pages, site):
    """One definition and date, one figure: the census share of the Kreis and its AZR count read the same in
    every profile of the Kreis and in its overview."""
    overview = {row[0]: row[1] for head, rows in _tables(pages[f"{site}/kreis_uebersicht.html"]) if "NRW" in head
                for row in rows}
    compared = 0
    for name, soup in pages.items():
        if not name.startswith(f"{site}/kommune_") or name.endswith("_kurz.html"):
            continue
        head, rows = _table(soup.find("table", class_="im-key-figures"))  # "Auf einen Blick"
        kreis = head.index("NRW") - 1
        profile = {row[0]: row[kreis] for row in rows}
        for label, overview_label in (("Ausländeranteil (Zensus 2011)", "Ausländeranteil (Zensus 2011)"),
                                      ("Ausländerinnen und Ausländer (Ausländerzentralregister)",
                                       "Ausländerinnen und Ausländer (AZR)")):
            assert profile[label] == overview[overview_label], (name, label)
            compared += 1
    assert compared >= 24
