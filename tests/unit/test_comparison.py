"""Kommunenvergleich: the table's regions and values, tie-stable rankings, deterministic groups."""
import dataclasses
import math

import pandas as pd
import pytest

from helpers import fmt, indicators
from helpers.briefings import kommunen_vergleich
from helpers.briefings.document import Chart
from helpers.briefings.kommunen_vergleich import figures, sections, statements
from helpers.data import memo
from helpers.indicators import peers, similarity
from helpers.indicators.changes import change_since_previous
from helpers.indicators.compute import common_dates
from helpers.indicators.ranking import ranking
from helpers.kommunen import KREIS_AGS, LAND_AGS, kommunen
from helpers.presentation import charts, time_charts
from tests import expected


@pytest.fixture(scope="module")
def ctx():
    return kommunen_vergleich.setup()


def _table(ctx, indicator_id):
    return ctx.figures.standings[indicator_id].frame(ctx.names)


def test_table_holds_the_16_kommunen_kreis_and_nrw(ctx):
    table = sections.comparison_table(ctx)
    expected = [r.ags for r in kommunen()] + [KREIS_AGS, LAND_AGS]
    for _, rows in table.groupby("indicator"):
        assert list(rows["ags"]) == expected
    shown = sections.table_display(ctx)
    assert len(shown) == 18 and shown.iloc[-2, 0] == "Kreis Kleve" and shown.iloc[-1, 0] == "Nordrhein-Westfalen"


def test_table_values_equal_the_raw_data(ctx):
    """Population (IT.NRW 12411-15i) and Mindestsicherungsquote (IT.NRW 22811-01i) as the raw CSV prints them;
    the two secret cells (Kranenburg, Rheurdt) stay missing."""
    table = _table(ctx, "population").set_index("ags")["value"]
    population = expected.published_by_region("ITNRW_12411_15I_2024", "population", "2024-12-31")
    assert len(population) == 18 and population["05154064"] == 12766  # Weeze, as published
    assert table.to_dict() == population
    shares = _table(ctx, "minimum_benefit_rate").set_index("ags")["value"]
    rate = expected.published_by_region("ITNRW_22811_01I_2024", "minimum_benefit_rate_pct", "2024-12-31")
    assert len(rate) == 18 and rate["05154040"] is None and rate["05154048"] is None
    assert {ags: None if math.isnan(value) else value for ags, value in shares.items()} == rate


def test_ranking_breaks_ties_by_ags():
    values = pd.Series({"05154036": 5.0, "05154008": 7.0, "05154004": 5.0, "05154012": None, "05154016": 7.0})
    ranked = ranking(values)
    assert list(ranked["ags"]) == ["05154008", "05154016", "05154004", "05154036", "05154012"]
    assert list(ranked["rank"].astype("float").fillna(0)) == [1, 1, 3, 3, 0]
    assert list(ranking(values.iloc[::-1])["ags"]) == list(ranked["ags"])


def test_ranking_judges_ties_on_values_rounded_half_up_as_printed():
    """6,25 % and 6,3 % both print 6,3 %: one rank; 6,2 % (to the even digit, the old rounding) stays below."""
    values = pd.Series({"05154004": 6.25, "05154008": 6.3, "05154012": 6.24})
    ranked = ranking(values, 1)
    assert list(ranked["rank"].astype(int)) == [1, 1, 3]


def test_similarity_is_deterministic_and_independent_of_row_order(ctx):
    found = ctx.figures.peers
    table, k, n = found.table, found.k, found.n_groups
    assert table.notna().all().all() and len(table) == 16 and (k, n) == (3, 4)
    first, again = similarity.similar(table, peers.FEATURES, k), similarity.similar(table, peers.FEATURES, k)
    shuffled = table.sample(frac=1, random_state=7)
    pd.testing.assert_frame_equal(first, again)
    pd.testing.assert_frame_equal(first, similarity.similar(shuffled, peers.FEATURES, k))
    pd.testing.assert_series_equal(found.groups, similarity.groups(shuffled, peers.FEATURES, n))
    assert found.groups.nunique() == n
    pairs = zip(first["ags"], first["neighbours"], strict=True)
    assert all(len(near) == k and a not in near for a, near in pairs)


def test_similar_breaks_distance_ties_by_ags():
    twins = pd.DataFrame({f.key: [1.0, 2.0, 2.0, 3.0] for f in peers.FEATURES},
                         index=pd.Index(["05154040", "05154004", "05154008", "05154012"], name="ags"))
    near = similarity.similar(twins, peers.FEATURES, k=2).set_index("ags")
    assert near.loc["05154040", "neighbours"] == ("05154004", "05154008")


def test_change_never_crosses_a_census_base(ctx):
    change = change_since_previous(ctx.obs, "population", "05154036")
    assert change.base == "update_2011_base" and not change.comparable_with_latest


def test_indicator_selection_is_validated():
    assert "population" in figures.municipal_indicators()
    assert "foreign_population_azr" not in figures.municipal_indicators()  # Kreis and Land only
    assert figures.municipal_indicators("population") == ("population",)
    with pytest.raises(ValueError, match="Gültig sind"):
        figures.municipal_indicators(["foreign_population_azr"])


def test_chart_builders_cite_their_sources_and_refuse_none():
    frame = pd.DataFrame({"name": ["Kleve", "Goch"], "value": [2.0, 1.0], "status": ["published", "derived"],
                          "date": pd.to_datetime(["2024-12-31"] * 2), "base": ["", ""]})
    ranked = charts.dots(frame, x="name", y="value", title="T", source_ids=["ITNRW_12411_15I_2024"],
                         reference=1.5, reference_label="Kreiswert")
    bars = charts.bars(frame, x="name", y="value", title="T", source_ids=["ITNRW_12411_15I_2024"])
    grid = time_charts.small_multiples(frame, facet="name", x="date", y="value", split="base", title="T",
                                  source_ids=["ITNRW_12411_15I_2024"])
    for fig in (ranked, bars, grid):
        assert charts.source_line_of(fig).startswith("Quelle: IT.NRW")
    with pytest.raises(ValueError, match="Quellen"):
        charts.bars(frame, x="name", y="value", title="T", source_ids=[])


def test_a_selection_without_key_figures_still_gets_a_table():
    ctx = kommunen_vergleich.setup(indikatoren=["pupils_general", "fluag_quota_fulfilment"])
    table = sections.table_display(ctx)
    assert len(table) == 18 and table.shape[1] == 3
    assert "123 %" in " ".join(table.iloc[:, 2]).replace("\u00a0", " ")  # Kleve's FlüAG quota, not a share


def test_the_introduction_names_as_compared_only_indicators_with_municipal_figures():
    """Outside Kleve no Kommune has an FlüAG quota: the introduction counts it apart, never among the indicators
    "mit Zahlen der Kommunen" (issue 26: "für 28 Kennzahlen, die für jede Kommune veröffentlicht werden")."""
    ctx = kommunen_vergleich.setup("Hochsauerlandkreis",
                                   indikatoren=["population", "average_age", "fluag_quota_fulfilment"])
    [intro] = sections.title(ctx)
    text = "".join(part for part in intro.parts if isinstance(part, str))
    assert "für 2 Kennzahlen mit Zahlen der Kommunen: Einwohnerinnen und Einwohner, Durchschnittsalter." in text
    assert "Für 1 weitere liegt keine Zahl der Kommunen vor (Erfüllungsquote bei der Aufnahme Geflüchteter" in text


def test_without_peers_the_comparison_names_the_features_the_data_lack():
    """Before the population of 2024 every Kreis lacks it (and its density): the sentence names them."""
    ctx = kommunen_vergleich.setup("Hochsauerlandkreis", indikatoren=["population"], stichtag="2023-12-31")
    assert not ctx.figures.peers.complete
    text = "".join(part for block in sections.similarity(ctx) for part in block.parts if isinstance(part, str))
    assert "nicht für alle 12 Kommunen amtliche Zahlen vor zu: Einwohner und Einwohner je km²." in text


def test_an_early_stichtag_runs_and_says_why_there_are_no_peers(shown):
    ctx = kommunen_vergleich.setup(indikatoren=["pupils_general"], stichtag="2020-12-31")
    for name, _ in kommunen_vergleich.SECTIONS:
        getattr(kommunen_vergleich, name)(ctx)
    assert ctx.figures.peers.neighbours is None
    assert any("nicht für alle 16 Kommunen" in text for text in shown)


# --- issue 14: lower bounds (1), ties (2), one date per statement (3) ------------------------

def _texts(ctx, indicator_id):
    return [s.text for s in statements.indicator_statements(ctx, indicator_id)]


def test_lower_bounds_are_never_ranked_and_the_sentence_says_so(ctx):
    texts = _texts(ctx, "minimum_benefit_recipients")
    assert texts[0].startswith("Am höchsten ist der Wert in Kleve (5.187), am niedrigsten in Wachtendonk (516)")
    assert not any("Rheurdt (125" in t or "Kranenburg (200" in t for t in texts)
    [note] = [t for t in texts if "Untergrenze" in t]
    assert "Kranenburg 200⁵" in note and "Rheurdt 125⁵" in note and "geheim gehaltene Teile" in note
    ranked = {f.ags for f in ctx.figures.standings["minimum_benefit_recipients"].ranked}
    assert ranked.isdisjoint({"05154040", "05154048"})


def test_a_lower_bound_is_no_similarity_feature(ctx):
    feature = peers.Feature("population", "minimum_benefit_recipients")
    day = (pd.Timestamp("2024-12-31"),)
    assert math.isnan(peers.feature_value(ctx.obs, feature, day, "05154048"))
    assert peers.feature_value(ctx.obs, feature, day, "05154004") == 837


def test_ties_at_the_printed_precision_are_reported_as_ties(ctx):
    assert "am niedrigsten in Kerken und Straelen (je 5,7\u00a0%)" in _texts(ctx, "minimum_benefit_rate")[0]
    assert "am niedrigsten in 14 Kommunen (je 0,0\u00a0%²)" in _texts(ctx, "schools_sozialindex_high_share")[0]
    ind = indicators.CATALOGUE["minimum_benefit_rate"]
    rows = tuple(indicators.Figure(ind.id, ags, value, pd.Timestamp("2024-12-31"), "published")
                 for ags, value in (("A", 5.66), ("B", 5.74), ("C", 9.0)))
    top, bottom = statements.extremes(rows, ind, "de")
    assert [f.ags for f in top] == ["C"] and [f.ags for f in bottom] == ["A", "B"]  # both read 5,7 %
    ranked = ranking(pd.Series({f.ags: f.value for f in rows}), ind.decimals)
    assert list(ranked["rank"]) == [1, 2, 2]


def test_changes_use_one_interval_for_all_kommunen(ctx):
    """Kleve has an extra 2022 figure; its change must still be 2021–2023 like the others'."""
    shown = sections.changes_table(ctx).set_index("Gebiet")
    [column] = [c for c in shown.columns if c.startswith("Einwohnerinnen und Einwohner")]
    assert column.endswith("(31.12.2021–31.12.2023)")
    kommunen_rows = shown.loc[[r.name for r in kommunen()], column]
    assert not kommunen_rows.str.contains(r"\(").any(), kommunen_rows.to_dict()
    assert kommunen_rows["Kleve"] == "+988*"  # 53.458 − 52.470, not +70 (2022–2023)
    assert shown.loc["Kreis Kleve", column].endswith("(31.12.2023–31.12.2024)")  # a row off the interval says so


def test_every_ranking_chart_plots_one_date_and_names_it(ctx):
    """Rankings never mix dates (Ratswahl: 2020 results, not Geldern's preliminary 2025 figure;
    FlüAG: Kleve 2019 is not ranked against Rees 2016), and the title names that one date. Every
    Kommune has its row; a lower bound or a missing figure has no value there (its note instead)."""
    drawn = [b for b in ctx.document["indicators"] if isinstance(b, Chart)]
    rankings = [(b.args["frame"], b.args["title"]) for b in drawn if b.draw is charts.dots]
    panels = [(b.args["frame"], b.args["title"]) for b in drawn if b.draw is time_charts.small_multiples]
    assert len(rankings) >= 10
    for frame, title in rankings:
        assert len(frame) == 16 and frame["date"].nunique() == 1, (title, sorted(frame["date"].unique()))
        precision = frame["precision"].dropna().iloc[0]  # dated as their source dates them
        assert title.endswith(fmt.format_date(frame["date"].iloc[0], "de", precision)), title
        assert frame.loc[frame["status"] == "incomplete", "value"].isna().all(), title
    titles = [title for _, title in rankings]
    assert "Wahlbeteiligung bei der Ratswahl, 13.09.2020" in titles
    assert not any(title.startswith("Erfüllungsquote") for title in titles)
    for frame, title in panels:
        for _, line in frame.groupby(["name", "line"]):
            assert line["status"].eq("preliminary").all() or not line["status"].eq("preliminary").any(), title
        first, last = (frame.loc[frame["date"].idxmin()], frame.loc[frame["date"].idxmax()])  # dated as their source
        assert title.endswith(f"{fmt.format_date(first['date'], 'de', first['precision'])} bis "
                              f"{fmt.format_date(last['date'], 'de', last['precision'])}"), title
    # One final result per Kommune and Geldern's preliminary 2025 figure are no course over time: no panels.
    assert not any(title.startswith("Wahlbeteiligung bei der Ratswahl") for _, title in panels)


def test_counts_are_not_ranked_and_rates_name_every_kommune(ctx):
    """A count (Einwohner, Empfänger) gets no ranking chart; the Mindestsicherungsquote's ranking (drawn where
    the map shows another share) names all 16 Kommunen, the two without a figure (Kranenburg, Rheurdt: SGB II
    secret) at the bottom as "k. A."."""
    drawn = {b.args["title"]: b for b in ctx.document["indicators"] if isinstance(b, Chart) and b.draw is charts.dots}
    assert not any(title.startswith(("Einwohnerinnen und Einwohner,", "Empfängerinnen")) for title in drawn)
    assert not sections._ranking_chart(ctx, ctx.figures.standings["population"])
    [rate] = sections._ranking_chart(ctx, ctx.figures.standings["minimum_benefit_rate"])
    fig = rate.figure(ctx.sources)
    assert list(fig.layout.yaxis.tickvals) == list(rate.args["frame"]["name"]) and len(fig.layout.yaxis.tickvals) == 16
    assert list(rate.args["frame"]["name"])[-2:] == ["Kranenburg", "Rheurdt"]
    assert charts.describe(fig).replace("\u00a0", " ").startswith(
        "Punktdiagramm: Mindestsicherungsquote, 31.12.2024 – 14 Kommunen, "
        "von 5,7 % (Kerken und Straelen) bis 14,5 % (Weeze).")
    assert "Ohne Wert in der Grafik: Kranenburg und Rheurdt." in charts.describe(fig)


def test_similarity_features_take_their_dates_from_the_data(ctx):
    """The newest date all 16 share with an official figure on the feature's base (growth: from the oldest), not
    literals: Kleve's population 2023 on the 2011 base is Wikipedia's (secondary), so growth ends in 2021."""
    dates = {key: [d.date().isoformat() for d in days] for key, days in ctx.figures.peers.dates.items()}
    assert dates == {"population": ["2024-12-31"], "population_density": ["2024-12-31"],
                     "population_growth": ["2021-12-31", "2011-12-31"], "foreign_share_census_2011": ["2011-05-09"]}
    members = tuple(ctx.figures.peers.table.index)
    growth = next(f for f in peers.FEATURES if f.growth)
    with_secondary = common_dates(ctx.obs, growth.indicator, growth.base, regions=members)
    assert pd.Timestamp("2023-12-31") in with_secondary  # the secondary date exists, and is left out
    earlier = ctx.obs[ctx.obs["date"] <= "2020-12-31"]
    assert [d.year for d in similarity.feature_dates(earlier, growth, members)] == [2019, 2011]


def test_series_and_features_are_computed_once_per_briefing_and_never_reach_another(ctx, monkeypatch):
    """The reference date, the panels and the similarity read one computation per briefing, made
    before any section renders; a briefing built on other data (here Goch's population doubled) gets its own."""
    calls = []
    real = similarity.feature_value
    monkeypatch.setattr(similarity, "feature_value", lambda *args: calls.append(args[1].key) or real(*args))
    monkeypatch.setattr(memo, "DERIVED", {})  # a cold start: the Kreis's similar Kommunen are remembered per frame
    kommunen_vergleich.setup(indikatoren=["population"])
    assert len(calls) == 16 * len(peers.FEATURES)  # once per Kommune and feature
    goch = (ctx.obs["ags"] == "05154016") & (ctx.obs["variable"] == "population")
    changed = ctx.obs.assign(value=ctx.obs["value"].where(~goch, ctx.obs["value"] * 2))
    other = dataclasses.replace(ctx, obs=changed, sections=(), figures=figures.compute(
        changed, ("population",), ctx.kommunen, ctx.kreis, ctx.stichtag))
    table = ctx.figures.peers.table
    key = "population"
    assert other.figures.peers.table.loc["05154016", key] == 2 * table.loc["05154016", key]
    goch_series = {ctx.kommunen[i].ags: i for i in range(16)}["05154016"]
    old, new = (c.figures.standings["population"].series[goch_series] for c in (ctx, other))
    assert list(new["value"]) == [2 * v for v in old["value"]]


def test_the_map_shows_an_official_share_chosen_from_the_data(ctx):
    """MAP_RULE: a share or rate, never a count; Kleve's Zensus 2022 share (secondary, all 16 Kommunen)
    yields to the official Mindestsicherungsquote (14 Kommunen; Kranenburg and Rheurdt only lower bounds,
    left uncoloured); the comparison then ranks the census share instead of the mapped quota."""
    from helpers.indicators.ranking import MAP_CANDIDATES

    choice = ctx.figures.map
    assert all(indicators.CATALOGUE[i].unit == "percent" for i in MAP_CANDIDATES)
    assert choice.indicator.id == "minimum_benefit_rate" and len(choice.ranked) == 14
    assert fmt.format_date(choice.reference_date) == "31.12.2024"
    titles = [b.args["title"] for b in ctx.document["indicators"] if isinstance(b, Chart) and b.draw is charts.dots]
    assert any(t.startswith("Ausländeranteil (Zensus 2022)") for t in titles)
    assert not any(t.startswith("Mindestsicherungsquote") for t in titles)
