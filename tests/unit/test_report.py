"""The Kommunenprofil's parameters fail clearly, and its key figures equal the processed data."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from helpers.briefings import kommune_profil as profil
from helpers.briefings.document import Chart, fact_line
from helpers.briefings.kommune_profil import datenlage, sections
from helpers.data import store
from helpers.indicators import CATALOGUE
from helpers.indicators.queries import facts_about
from helpers.kommunen import KREIS_AGS, LAND_AGS, UnknownRegionError, kommunen
from helpers.presentation import charts, sources, tables, time_charts
from tests.expected import official_population


@pytest.fixture(scope="module")
def obs():
    return store.load("observations")


def _row(obs, ags, variable, base, date=None):
    rows = obs[(obs["ags"] == ags) & (obs["variable"] == variable) & (obs["category"] == "total")
               & (obs["base"] == base) & obs["preferred"]]
    rows = rows[rows["date"] == (rows["date"].max() if date is None else pd.Timestamp(date))]
    assert len(rows) == 1, (ags, variable, base)
    return rows["value"].iloc[0]


def _payload(obs, region):
    return {f["id"]: f for f in sections.key_figures_payload(profil.setup(region.ags)).as_dict()["figures"]}


# IT.NRW 22811-01i, Mindestsicherungsquote 2024 in %, as printed ("." = secret → None)
MINIMUM_BENEFIT_RATE_2024 = {
    "Bedburg-Hau": 6.2, "Emmerich am Rhein": 8.7, "Geldern": 8.4, "Goch": 8.7, "Issum": 6.4, "Kalkar": 7.1,
    "Kerken": 5.7, "Kevelaer": 7.5, "Kleve": 9.8, "Kranenburg": None, "Rees": 9.5, "Rheurdt": None,
    "Straelen": 5.7, "Uedem": 7.8, "Wachtendonk": 6.3, "Weeze": 14.5,
}


@pytest.mark.parametrize("region", kommunen(), ids=lambda r: r.slug)
def test_key_figures_of_every_kommune_equal_processed_data(obs, region):
    figures = _payload(obs, region)
    population = figures["population"]
    assert population["value"] == _row(obs, region.ags, "population", "update_2022_base")
    assert population["kreis"] == _row(obs, KREIS_AGS, "population", "update_2022_base")
    assert population["land"] == _row(obs, LAND_AGS, "population", "update_2022_base")
    assert population["date"] == "2024-12-31"
    foreign = _row(obs, region.ags, "foreign_population", "census_2011")
    assert figures["foreign_population_census_2011"]["value"] == foreign
    assert figures["foreign_share_census_2011"]["value"] == pytest.approx(
        foreign / _row(obs, region.ags, "population", "census_2011") * 100, abs=1e-6)
    assert figures["foreign_share_census_2022"]["value"] == _row(
        obs, region.ags, "foreign_population_share", "census_2022")
    assert figures["foreign_share_census_2022"]["status"] == "secondary"
    assert figures["foreign_population_azr"]["value"] is None
    assert figures["foreign_population_azr"]["kreis"] == _row(obs, KREIS_AGS, "foreign_population", "azr")
    assert figures["population_change_2015"]["status"] in ("published", "secondary")  # on the 2011 base, to 2023
    census = figures["population_change_census"]  # since the Zensus 2022 count, on its base
    assert census["value"] == pytest.approx((population["value"] / _row(obs, region.ags, "population", "census_2022")
                                             - 1) * 100, abs=1e-6)
    assert figures["minimum_benefit_rate"]["value"] == MINIMUM_BENEFIT_RATE_2024[region.name]


def test_secret_figures_stay_missing(obs):
    kranenburg = next(r for r in kommunen() if r.name == "Kranenburg")
    rate = _payload(obs, kranenburg)["minimum_benefit_rate"]
    assert rate["value"] is None and rate["status"] == "not_available" and rate["kreis"] == pytest.approx(8.2)


@pytest.mark.parametrize("kwargs, message", [
    ({"kommune": "Klewe"}, "Unbekannte Kommune 'Klewe'. Meinten Sie 'Kleve'"),
    ({"kommune": 5.5}, "Kommune muss als Name oder AGS angegeben werden"),
    ({"kommune": "Kreis Kleve"}, "Unbekannte Kommune"),
    ({"sprache": "fr"}, "Unbekannte Sprache 'fr'"),
    ({"stichtag": "31.12.2024"}, "Ungültiger Stichtag '31.12.2024'"),
    ({"stichtag": 2024}, "Ungültiger Stichtag 2024"),
    ({"stichtag": "2024-13-01"}, "JJJJ-MM-TT"),
    ({"stichtag": "2099-12-31"}, "liegen noch keine Daten vor"),
    ({"stichtag": "2000-12-31"}, "keine Einwohnerzahlen vor"),
])
def test_wrong_parameters_fail_clearly(kwargs, message):
    with pytest.raises(ValueError, match=message):
        profil.setup(**kwargs)


def test_unknown_region_error_is_the_lookup_error():
    with pytest.raises(UnknownRegionError):
        profil.setup("Klewe")


def test_ags_as_int_and_a_past_stichtag():
    profile = profil.setup(5154016, "2023-12-31", "en")
    assert profile.region.name == "Goch" and profile.stichtag == pd.Timestamp("2023-12-31")
    # 31.12.2023 exists for Goch only from Wikipedia (secondary): the key figure is the official Zensus 2022 count
    assert profile.figures.comparisons["population"].kommune.value == 34379
    assert sections.briefing_payload(profile).stichtag == "2023-12-31"


def test_payloads_follow_the_contract():
    profile = profil.setup("Kleve")
    briefing = sections.briefing_payload(profile).as_dict()
    assert set(briefing) == {"kind", "title", "region", "ags", "stichtag", "sprache", "span", "source_ids",
                             "data_notes"}
    assert briefing["kind"] == "kommune_profil" and briefing["ags"] == "05154036"
    assert set(briefing["source_ids"]) <= set(store.load("sources")["source_id"])
    keys = {"id", "label", "value", "date", "unit", "source_ids", "status", "kreis", "land"}
    assert all(set(f) == keys for f in sections.key_figures_payload(profile).as_dict()["figures"])
    gaps = datenlage.data_gaps_table(profile)
    assert len(gaps) == sum(i.kind != "change" for i in CATALOGUE.indicators.values())


def test_chart_builders_require_sources():
    frame = pd.DataFrame({"date": pd.to_datetime(["2023-12-31", "2024-12-31"]), "value": [1.0, 2.0],
                          "series": "Kleve", "segment": ["a", "b"], "status": "published"})
    fig = time_charts.line_with_breaks(frame, title="T", source_ids=["ITNRW_12411_15I_2024"])
    assert charts.source_line_of(fig) == sources.cite(["ITNRW_12411_15I_2024"])
    assert len(fig.data) == 2 and len(fig.layout.shapes) == 1  # two segments, one visible break
    with pytest.raises(ValueError, match="Quellen"):
        time_charts.line_with_breaks(frame, title="T", source_ids=[])


def _render(shown, profile) -> str:
    """Every section in notebook order, as displayed (the ``shown`` fixture)."""
    shown.clear()
    for name, _ in profil.SECTIONS:
        getattr(profil, name)(profile)
    return "\n".join(shown)


@pytest.mark.parametrize("kommune", ["Kleve", "Emmerich am Rhein", "Kranenburg"])
def test_every_section_renders_in_both_languages(shown, kommune):
    german = _render(shown, profil.setup(kommune))
    assert "Datenlage" in german and "Quellen und Stand" in german
    english = _render(shown, profil.setup(kommune, sprache="en"))
    # source titles stay German
    for word in ("Kennzahl", "nicht veröffentlicht", "Einwohnerinnen", "Stand der Daten", "Kreiswert"):
        assert word not in english, word


def test_long_source_lines_wrap_and_read_back():
    import plotly.graph_objects as go

    line = "Quellen: " + "; ".join(f"IT.NRW, Nordrhein-Westfalen Tabelle 12411-15i Nr. {i}" for i in range(8))
    fig = charts.style(go.Figure(), title="T", source_line=line)
    annotation = next(a for a in fig.layout.annotations if a.name == "source_line")
    short = charts.style(go.Figure(), title="T", source_line="Quelle: [1]")
    lines = annotation.text.count("<br>") + 1
    assert lines >= 3 and fig.layout.height == short.layout.height + (lines - 1) * charts.SOURCE_LINE_HEIGHT
    assert charts.source_line_of(fig) == line


def test_table_html_keeps_numbers_whole_and_drops_the_index():
    """One table renderer for all briefings: no DataFrame index, numbers and dates marked so they
    never split, URLs/ids breakable, two header rows for (group, column) pairs."""
    frame = pd.DataFrame({("Kommune", ""): ["Kleve"], ("Einwohner (31.12.2024)", "Anzahl"): ["18.034.454"],
                          ("Einwohner (31.12.2024)", "Anteil"): ["+44,2\u00a0%²"],
                          ("Quelle", "Adresse"): ["https://www.it.nrw/statistik/tabelle_12411"]}, index=[7])
    page = tables.table_html(frame, screen_only=(("Quelle", "Adresse"),))
    assert ">7<" not in page and page.count("<tr>") == 3
    assert '<th rowspan="2">Kommune</th><th colspan="2">Einwohner (31.12.2024)</th>' in page
    assert '<td class="im-num">18.034.454</td>' in page and '<td class="im-num">+44,2\u00a0%²</td>' in page
    assert 'class="im-break im-screen-only"' in page
    assert 'class="im-table"' in tables.table_html(pd.DataFrame({"a": ['Programm "X" <b>']})).replace("&lt;b&gt;", "")


def test_a_lower_bound_is_marked_explained_and_said():
    """Rheurdt's minimum-benefit total (125, SGB II secret) carries ⁵, the legend and a sentence (issue 14)."""
    p = profil.setup("Rheurdt")
    row = sections.comparison_row(p, p.figures.comparisons["minimum_benefit_recipients"])
    assert row["Rheurdt"] == "125⁵" and "Untergrenze" in row["Hinweis"]
    text = "\n".join(b.markdown(p.sources, p.sprache) for b in sections.field(p, "soziale_lage")
                     if hasattr(b, "markdown"))
    assert "⁵ unvollständig: enthält geheim gehaltene Teile nicht" in text
    assert "nur als Untergrenze veröffentlicht (125⁵)" in text
    gaps = datenlage.data_gaps_table(p).set_index("Kennzahl")
    gaps = gaps.loc["Empfängerinnen und Empfänger sozialer Mindestsicherung"]
    assert gaps.iloc[1].startswith("nur Untergrenze") and "22811-05i" in gaps.iloc[2]


def test_a_cell_off_the_rows_date_shows_its_own():
    """Kita: the row's Stand is the Kreis value's 01.03.2015 and NRW stands beside it on the same date (23,4 %,
    the share of its 2015 counts), not its 2019 figure (issue 26); where NRW has no figure of the row's date, its
    own date stands in the cell — the NRW and Kreis columns too (AZR: Kreis Wesel and NRW without a Kommune)."""
    p = profil.setup("Kleve")
    row = sections.comparison_row(p, p.figures.comparisons["kita_nongerman_language_share"])
    assert row["Stand"].startswith("01.03.2015") and row["Kreis Kleve"] == "18,1\u00a0%"
    assert row["NRW"] == "23,4\u00a0%"
    wesel = profil.setup("Wesel")
    azr = sections.comparison_row(wesel, wesel.figures.comparisons["foreign_population_azr"])
    assert azr["Stand"] == "31.12.2024" and azr["Kreis Wesel"] == "57.420²" and azr["NRW"] == "3.273.550²"
    change = sections.comparison_row(wesel, wesel.figures.comparisons["foreign_population_azr_change_2015"])
    assert change["Kreis Wesel"] == "k. A." and change["Stand"] == "31.12.2024" and change["NRW"] == "+44,2\u00a0%²"
    p = profil.setup("Geldern")  # its newest council turnout is the preliminary 2025 count
    turnout = p.figures.comparisons["turnout_council_election"]
    assert sections.field_chart(p, "teilhabe", [turnout]) == []  # one share alone: the table compares it (issue 18)
    [chart] = sections.field_chart(p, "teilhabe", [turnout, p.figures.comparisons["foreign_share_census_2022"]])
    assert "Wahlbeteiligung bei der Ratswahl (14.09.2025)" in set(chart.args["frame"]["indicator"])
    work = [wesel.figures.comparisons[i]
            for i in ("unemployed_foreigners_share_2016", "employees_foreigners_share_2015")]
    [chart] = sections.field_chart(wesel, "arbeit", work)  # a label naming its year names it once
    share = "Anteil der Ausländerinnen und Ausländer an den "
    assert set(chart.args["frame"]["indicator"]) == {share + "Arbeitslosen (2016)", share + "Beschäftigten (2015)"}


def test_index_cells_keep_their_marks_and_a_date_that_differs(tmp_path):
    """index.html: a column without one common date shows each cell's date; marks are kept and
    explained (a secondary census share must not read as an exact official figure; issue 14)."""
    from helpers.run import pages, plan

    def entry(name, date):
        figures = [{"id": "population", "label": "Einwohner", "value": 1000.0, "unit": "persons", "date": date,
                    "status": "published"},
                   {"id": "foreign_share_census_2011", "label": "Ausländeranteil", "value": 12.34, "unit": "%",
                    "date": "2022-05-15", "status": "secondary"}]
        return plan.Entry(f"kommune_{name}", "kommune_profil.ipynb", status="ok", key_figures={"figures": figures},
                           briefing={"kind": pages.PROFILE_KIND, "region": name, "stichtag": date})

    pages.write_index(tmp_path, [entry("A", "2024-12-31"), entry("B", "2023-12-31")],
                      created=dt.datetime(2026, 1, 1), sprache="de", version=None)
    page = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert "1.000 (31.12.2024)" in page and "1.000 (31.12.2023)" in page
    assert "12,3\u00a0%³" in page and "³ Sekundärquelle" in page


def _gap_row(profile, label):
    gaps = datenlage.data_gaps_table(profile)
    return gaps[gaps["Kennzahl"] == label].iloc[0]


def test_header_states_the_span_of_reference_dates_not_one_stand():
    profile = profil.setup("Weeze")
    span = sections.briefing_payload(profile).span
    # AZR chart from 2005, Sozialindex 2025/26
    assert span == "Zahlen von 2005 bis 2025; jede Zahl nennt ihren Stichtag"
    assert "Stand der Daten" not in profile.t("profil_stand", span=span, erstellt="x")


def test_old_figures_are_marked_and_vorhanden_means_current():
    """Older than three years before the newest date shown (15.10.2025 → before 15.10.2022): 'älterer Stand'."""
    profile = profil.setup("Weeze")
    table = sections.key_figures_table(profile).set_index("Kennzahl")
    assert table.loc["Ausländeranteil (Zensus 2011)", "Stand"] == "09.05.2011 (älterer Stand)"
    assert table.loc["Einwohnerinnen und Einwohner", "Stand"] == "31.12.2024"
    row = _gap_row(profile, "Arbeitslose (Jahresdurchschnitt 2016)")
    assert row["für Weeze vorhanden"] == "nur älterer Stand (2016)"
    # the table that would bring it up to date (tables.yaml), by code: its title is in the source list
    assert row.iloc[3] == ("neuere Stichtage von Regionalstatistik (Regionaldatenbank Deutschland), "
                           "Tabelle 13211-01-03-5")
    assert _gap_row(profile, "Einwohnerinnen und Einwohner")["für Weeze vorhanden"] == "ja, Stand 31.12.2024"


def test_a_kreis_only_figure_names_its_table_from_tables_yaml():
    """Kranenburg's secret Mindestsicherungsquote: the Datenlage says it is secret (the '.' in the data) and names
    table 22811-01i with its title from tables.yaml; in English too."""
    row = _gap_row(profil.setup("Kranenburg"), "Mindestsicherungsquote")
    assert row["für Kranenburg vorhanden"] == "nur Kreiswert, Stand 31.12.2024 (Kommune: geheim gehalten)"
    assert row.iloc[3] == ("in Landesdatenbank NRW, Tabelle 22811-01i: Mindestsicherungsquote – Gemeinden "
                           "(Wohnortprinzip), Jahr geheim gehalten")
    english = datenlage.data_gaps_table(profil.setup("Kranenburg", sprache="en"))
    [fill] = english.loc[english.iloc[:, 1] == "Minimum benefit rate"].iloc[:, 3]
    assert fill == ("kept confidential in Landesdatenbank NRW, table 22811-01i: Mindestsicherungsquote – Gemeinden "
                    "(Wohnortprinzip), Jahr")


def test_an_indicator_that_does_not_apply_is_entfaellt_not_a_gap():
    rheurdt = profil.setup("Rheurdt")
    row = _gap_row(rheurdt, "Wahlbeteiligung bei der Integrationsratswahl")
    assert row["für Rheurdt vorhanden"] == "entfällt" and "kein Integrationsrat" in row.iloc[3]
    kleve = _gap_row(profil.setup("Kleve"), "Wahlbeteiligung bei der Integrationsratswahl")
    assert kleve["für Kleve vorhanden"].startswith(("ja", "nur älterer Stand"))


def test_placeholder_days_show_the_precision_the_source_has():
    """Month figures ('day approximate', monthly statistics) and annual averages are dated as such."""
    obs = store.load("observations")
    ukraine = obs[(obs["source_id"] == "RP2022_UKR950") & (obs["variable"] == "ukraine_protection_seekers")]
    assert set(ukraine["precision"]) == {"month"}
    assert set(obs.loc[obs["variable"] == "unemployment_rate", "precision"]) == {"month"}
    weeze = profil.setup("Weeze")
    table = sections.key_figures_table(weeze)
    rows = datenlage.data_gaps_table(weeze).set_index("Kennzahl")
    assert rows.loc["Arbeitslose (Jahresdurchschnitt 2016)", "für Weeze vorhanden"] == "nur älterer Stand (2016)"
    assert rows.loc["Arbeitslosenquote", "für Weeze vorhanden"].startswith(
        "nur Kreiswert, Stand Januar 2018 (älterer Stand)")
    assert not table["Stand"].str.contains("15.03.2022").any()


def test_sourced_context_facts_appear_beside_the_figure():
    """A dated, sourced fact attached to a Kommune and an indicator (facts.csv: ags, indicators) travels
    with the figure: Rees' FlüAG quota of 110 % counts the Land's facility in Rees."""
    rees = profil.setup("Rees")
    facts = facts_about(rees.figures.facts, "fluag_quota_fulfilment")
    assert list(facts["source_id"]) == ["WKN_RP2016_REES"] and "WKN_RP2016_REES" in rees.sources.ids
    line = fact_line(next(facts.itertuples()), rees.region.name, "de")
    assert line.startswith("Zum Einordnen (Rees, 08.08.2016): ") and "Landeseinrichtung" in line
    assert facts_about(profil.setup("Kleve").figures.facts, "fluag_quota_fulfilment").empty


# --- a Kommune of any NRW Kreis (issue 19) ---------------------------------------------------

@pytest.mark.parametrize(("kommune", "kreis_name"), [("Moers", "Kreis Wesel"), ("05166032", "Kreis Viersen")])
def test_a_kommune_of_another_kreis_renders_with_its_own_kreis(shown, kommune, kreis_name):
    for sprache in ("de", "en"):
        profile = profil.setup(kommune, sprache=sprache)
        text = _render(shown, profile)
        assert profile.kreis.name == kreis_name
        # No Kleve wording, figure or map. Left aside: the source list (an NRW figure's press source may be
        # titled "Kreis Kleve: …") and the catalogue's definitions, which every Kreis shares.
        body = text.split(f"## {profile.t('profil_h_sources')}")[0]
        for indicator in CATALOGUE.indicators.values():
            body = body.replace(indicator.text("definition", sprache), "")
        assert "Kleve" not in body, body
        # Kleve's register of Integrationsräte says nothing about another Kreis: a gap, not "entfällt".
        assert not profile.figures.not_applicable
        title_and_intro = [profile.t("profil_stand", span="", erstellt=""),
                           profile.t("profil_intro", kommune=profile.region.name)]
        assert all(kreis_name in line for line in title_and_intro), title_and_intro


def test_moers_population_is_the_official_figure_in_german_format(shown):
    expected = official_population("05170024")
    assert expected == "101.503"
    text = _render(shown, profil.setup("Moers"))
    row = '<td>Einwohnerinnen und Einwohner</td><td class="im-num">{}</td><td class="im-num">31.12.2024</td>'
    assert row.format(expected) in text  # "Wo steht Moers?"


def _charts(profile, section: str) -> list:
    """The figures a section draws."""
    return [b.figure(profile.sources) for b in profile.document[section] if isinstance(b, Chart)]


def test_the_locator_of_a_kreis_outside_kleve_is_drawn_on_its_own_boundaries():
    [moers] = _charts(profil.setup("Moers"), "locator")
    assert moers.layout.title.text == "Lage von Moers im Kreis Wesel"
    assert "© GeoBasis-DE / BKG (Daten verändert)" in charts.source_line_of(moers)
    [kleve] = _charts(profil.setup("Kleve"), "locator")
    assert "Lage von Kleve im Kreis Kleve" in kleve.layout.title.text


def test_a_population_with_one_update_date_is_a_table_not_a_one_point_chart(shown):
    """Moers up to mid-2012 has one date of the population update (31.12.2011): a line chart of one point says
    nothing, so the figures stand in a table with a sentence; with its whole series (2011–2015 on the 2011
    base, 2024 on the 2022 base) Moers gets its chart, like Kleve."""
    early = profil.setup("Moers", stichtag="2012-06-30")
    titles = [f.layout.title.text for f in _charts(early, "population")]
    assert not [title for title in titles if "Einwohnerinnen und Einwohner in Moers" in title]
    profil.population(early)
    text = "\n".join(shown)
    assert "Für Moers liegt in den Daten nur ein Stand der fortgeschriebenen Einwohnerzahl vor" in text
    assert "31.12.2011" in text
    for kommune in ("Moers", "Kleve"):
        drawn = _charts(profil.setup(kommune), "population")
        assert [f for f in drawn if f"Einwohnerinnen und Einwohner in {kommune}" in f.layout.title.text]


@pytest.mark.parametrize(("kommune", "title"), [
    ("Moers", "Ausländeranteil beim Zensus 2011: Moers, Kreis Wesel und NRW"),  # no 2022 share for Kreis Wesel
    ("Kleve", "Ausländeranteil beim Zensus 2011 und 2022: Kleve, Kreis Kleve und NRW"),
])
def test_the_foreign_share_chart_names_only_the_censuses_it_draws(kommune, title):
    titles = [f.layout.title.text.replace("<br>", " ") for f in _charts(profil.setup(kommune), "population")]
    assert any(text.startswith(title) for text in titles), titles


def test_index_columns_are_the_same_for_every_kreis():
    """A Kreis where one Kommune lacks the Mindestsicherungsquote keeps the column ("k. A." there); the
    columns do not follow what a Kreis happens to have for all its Kommunen."""
    from helpers.run import pages

    def profile(benefit: float | None, extra: bool) -> dict[str, dict]:
        figures = {i: {"label": i, "value": 1.0, "date": "2024-12-31"} for i in pages.INDEX_FIGURES}
        figures["minimum_benefit_rate"]["value"] = benefit
        if extra:
            figures["population_change_2015"] = {"label": "c", "value": 2.0, "date": "2024-12-31"}
        return figures

    kleve, _ = pages._index_columns([profile(None, True), profile(8.2, True)], "de")
    other, headers = pages._index_columns([profile(5.0, False), profile(6.0, False)], "de")
    assert kleve == other == list(pages.INDEX_FIGURES)
    assert headers[-1]["date"] == "31.12.2024"


def test_a_bar_chart_description_names_ties_and_lists_every_missing_slot():
    """Ties at an end of the range are named together; slots without a figure are listed, never counted
    as "gleichauf" (a tie), and no number carries more than the chart's decimals."""
    names = ["A", "B", "C", "D", "E", "F"]
    frame = pd.DataFrame({"c": names * 2, "g": ["2014"] * 6 + ["2024"] * 6,
                          "v": [5.71, 5.74, 14.5, None, None, None, None, None, 8.0, 9.0, 10.0, 11.0]})
    text = charts.describe(charts.bars(frame, x="c", y="v", group="g", title="T", source_ids=["ITNRW_12411_15I_2024"],
                                       unit="%", decimals=1))
    assert "von 5,7\u00a0% (2014, A und 2014, B) bis 14,5\u00a0% (2014, C)" in text
    assert "Ohne Wert in der Grafik: 2014, D, 2014, E, 2014, F, 2024, A und 2024, B." in text


def test_a_compact_chart_keeps_room_for_the_legend_rows_plotly_wraps_into():
    """Plotly wraps a legend under the plot at the plot's width (the chart's less its side margins): at the
    compact width "Emmerich am Rhein", "Kreis Kleve", "NRW" take two rows, and the source line sits below both."""
    frame = pd.DataFrame({"c": ["2011", "2022"] * 3, "v": [10.0, 12.0, 9.0, 11.0, 11.5, 14.0],
                          "g": ["Emmerich am Rhein"] * 2 + ["Kreis Kleve"] * 2 + ["NRW"] * 2})
    fig = charts.bars(frame, x="c", y="v", group="g", title="T", source_ids=["ITNRW_12411_15I_2024"], unit="%",
                      compact=True)
    assert charts.legend_rows(fig, charts.COMPACT_WIDTH) == 2
    source = next(a for a in fig.layout.annotations if a.name == "source_line")
    assert -source.yshift >= charts.AXIS_PX + 2 * charts.LEGEND_ROW_PX
