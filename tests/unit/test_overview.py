"""Kreisübersicht: every statement is sourced, AZR stays AZR, parameters fail clearly."""
import dataclasses

import pandas as pd
import pytest

from helpers import indicators
from helpers.briefings import kreis_uebersicht
from helpers.briefings.document import Statement
from helpers.briefings.kreis_uebersicht import figures, statements
from helpers.data import store


@pytest.fixture(scope="module")
def ctx():
    return kreis_uebersicht.setup()


def _with_obs(ctx, obs):
    """The figures of the same Kreis and day computed from other observations (no sections laid out)."""
    return dataclasses.replace(ctx, obs=obs, figures=figures.compute(obs, ctx.facts, ctx.kreis, obs), sections=())


def test_every_statement_has_sources_that_resolve(ctx):
    known = set(store.load("sources")["source_id"])
    items = statements.statements(ctx) + statements.shares_notes(ctx)
    assert len(items) >= 15
    for item in items:
        assert item.source_ids, item.text
        assert set(item.source_ids) <= known, item.text


def test_a_statement_without_source_is_refused():
    with pytest.raises(ValueError, match="ohne Quelle"):
        Statement("Eine Zahl ohne Herkunft.", ())


def test_azr_series_is_azr_only_and_holds_the_official_figures(ctx):
    azr = indicators.azr_series(ctx.obs).set_index("date")
    assert set(azr["base"]) == {"azr"}
    assert azr.loc["2015-12-31", "value"] == 41665  # official; the 2017 letter says 41,655
    assert azr.loc["2024-12-31", "value"] == 67505  # IT.NRW 12521-03i
    assert pd.Timestamp("2011-05-09") not in azr.index  # the census count is not AZR


def test_cross_statistic_ratio_is_labelled(ctx):
    ratio = [s for s in statements.foreigners(ctx) if "Fortschreibung" in s.text]
    assert len(ratio) == 1 and "derived" in ratio[0].statuses and "Näherung" in ratio[0].text


@pytest.mark.parametrize("kreis, kommune", [(None, "Goch"), ("05170", "Moers")])
def test_the_kreis_share_is_the_profiles_for_the_same_count_and_date(kreis, kommune):
    """One definition and date, one figure: 16,4 % (Zensus 2022, Kreis Kleve) in the profile and the overview
    alike, not 16,4 % in one and the AZR over the population update (21,0 %) in the other (issue 26); the
    overview's label says which count it is."""
    from helpers.briefings import kommune_profil
    from helpers.briefings.kommune_profil import sections as profile_sections
    from helpers.briefings.kreis_uebersicht import sections as overview_sections

    overview = kreis_uebersicht.setup(kreis)
    profile = kommune_profil.setup(kommune)
    shown = overview_sections.key_figures_table(overview).set_index("Kennzahl")[overview.kreis.name]
    table = profile_sections.key_figures_table(profile).set_index("Kennzahl")[profile.kreis.name]
    pairs = {"Ausländeranteil (Zensus 2011)": "Ausländeranteil (Zensus 2011)",
             "Ausländerinnen und Ausländer (Ausländerzentralregister)": "Ausländerinnen und Ausländer (AZR)"}
    if kreis is None:
        pairs["Ausländeranteil (Zensus 2022)"] = "Ausländeranteil (Zensus 2022)"
        assert shown["Ausländeranteil (Zensus 2022)"] == "16,4\u00a0%³"
    for in_profile, in_overview in pairs.items():
        assert table[in_profile] == shown[in_overview], in_profile


def test_kommunen_shares_sum_to_the_published_kreis_value(ctx):
    population = ctx.figures.shares["population"]
    assert len(population) == 16
    assert population["value"].sum() == population["kreis_value"].iloc[0] == 322018
    assert population["share"].sum() == pytest.approx(100)


def test_timeline_is_in_order_and_says_when_a_date_is_unknown(ctx):
    line = statements.timeline(ctx)
    assert line["date"].dropna().is_monotonic_increasing
    assert all(w.startswith("ohne Datum") for w in line.loc[line["date"].isna(), "when"])
    assert "KK_KI_PAGE" in set(line["source_id"]) and "KK_KIM_PAGE" in set(line["source_id"])


def test_stichtag_cuts_the_data():
    early = kreis_uebersicht.setup(stichtag="2016-12-31")
    assert indicators.azr_series(early.obs)["date"].max() == pd.Timestamp("2016-12-31")


@pytest.mark.parametrize("kwargs, message", [({"sprache": "fr"}, "Unbekannte Sprache 'fr'"),
                                             ({"stichtag": "Ende 2023"}, "Ungültiger Stichtag")])
def test_bad_parameters_fail_clearly(kwargs, message):
    with pytest.raises(ValueError, match=message):
        kreis_uebersicht.setup(**kwargs)


def test_all_sections_run_for_an_early_stichtag(shown):
    early = kreis_uebersicht.setup(stichtag="2016-12-31", sprache="en")
    for name, _ in kreis_uebersicht.SECTIONS:
        getattr(kreis_uebersicht, name)(early)
    assert shown and early.figures.stand == pd.Timestamp("2016-12-31")
    assert all(d <= pd.Timestamp("2016-12-31") for d in statements.timeline(early)["date"].dropna())


def test_letter_figures_are_quoted_only_as_the_letters(ctx):
    """When the data layer records the 2017 appeal letter, its figures carry that label."""
    template = ctx.obs[(ctx.obs["base"] == "azr") & (ctx.obs["variable"] == "foreign_population")].iloc[:1]
    letter = pd.concat([template.assign(date=pd.Timestamp(day), value=value, source_id=figures.LETTER_SOURCE,
                                        status="secondary", base="") for day, value in
                        (("1990-12-31", 17199.0), ("2015-12-31", 41655.0))])
    quoted = _with_obs(ctx, pd.concat([ctx.obs, letter]))
    texts = {s.text: s.source_ids for s in statements.foreigners(quoted) if figures.LETTER_SOURCE in s.source_ids}
    only, versus = sorted(texts, key=lambda text: "1990" not in text)
    assert "17.199" in only and "keine amtliche Zahl" in only
    assert "41.665" in versus and "41.655" in versus and "Abweichung von 10" in versus
    assert indicators.azr_series(quoted.obs).set_index("date").loc["2015-12-31", "value"] == 41665


def test_a_lower_bound_gets_no_share_of_the_kreis_and_no_sum(ctx):
    """Rheurdt's and Kranenburg's minimum-benefit totals lack the secret SGB II part (issue 14)."""
    minimum = ctx.figures.shares["minimum_benefit_recipients"].set_index("ags")
    assert minimum.loc[["05154040", "05154048"], "share"].isna().all()
    assert minimum["share"].notna().sum() == 14 and minimum["kommunen_sum"].isna().all()
    [note] = [s for s in statements.shares_notes(ctx) if "Mindestsicherung" in s.text]
    assert "Kranenburg und Rheurdt" in note.text and "Untergrenze" in note.text and "incomplete" in note.statuses
    assert "ergeben zusammen" not in note.text


def test_shares_are_computed_once_per_briefing_and_never_reach_another(ctx, monkeypatch):
    """The table, the sum check and the map read one computation, made before any section renders;
    a briefing built on other data (here Goch's published population doubled) gets its own."""
    calls = []
    real = figures.kreis_shares
    monkeypatch.setattr(figures, "kreis_shares", lambda *args: calls.append(args[1]) or real(*args))
    kreis_uebersicht.setup()
    assert calls == list(figures.SHARE_VARIABLES)  # once per Kreis total, not once per section that shows it
    shares = ctx.figures.shares
    goch = (ctx.obs["ags"] == "05154016") & (ctx.obs["variable"] == "population")
    other = _with_obs(ctx, ctx.obs.assign(value=ctx.obs["value"].where(~goch, ctx.obs["value"] * 2)))
    before = shares["population"].set_index("ags").loc["05154016", "value"]
    assert other.figures.shares["population"].set_index("ags").loc["05154016", "value"] == 2 * before
    assert shares["population"].set_index("ags").loc["05154016", "value"] == before
