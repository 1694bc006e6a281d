"""Every figure of the Kreisübersicht, computed once in ``setup`` (the sections only put them in words).

The Kreis count of foreigners comes from the Ausländerzentralregister (AZR), not from the population
update (Fortschreibung) published per Gemeinde; the one ratio across the two is labelled as such.
Figures belong to a Kreis by their ``ags``. The facts without one (the timeline, the 2017 letter,
IT.NRW's note on naturalisations) come from Kreis Kleve's sources and belong to Kreis Kleve
(:data:`FACTS_KREIS`).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from helpers.indicators import CATALOGUE, Indicator
from helpers.indicators.ranking import MapShare, map_share
from helpers.indicators.queries import (azr_series, facts_from, kreis_shares, located_facts, nationality_rows,
                                        nationality_table, newest_date, on_date, preferred_series, source_rows,
                                        update_population)
from helpers.kommunen import KREIS_AGS, LAND_AGS, Region, kommunen

# The Kreis whose curated sources the facts without an ags (facts.csv) come from.
FACTS_KREIS = KREIS_AGS
# The 2017 appeal letter is quoted only when the data layer records it as a source.
LETTER_SOURCE = "APPEAL_2017"
# Kreis totals the Kommunen add up to; each share uses one table and one date.
SHARE_VARIABLES = ("population", "foreign_population", "asylblg_recipients", "minimum_benefit_recipients")
TOP_NATIONALITIES = 8
# (message key, catalogue indicator) of "Auf einen Blick": the unit and decimals come from the catalogue.
KEY_FIGURES = (
    ("uebersicht_kf_foreigners_azr", "foreign_population_azr"),
    ("uebersicht_kf_population", "population"),
    ("uebersicht_kf_naturalisations", "naturalisations"),
    ("uebersicht_kf_asylblg", "asylblg_recipients"),
    ("uebersicht_kf_minimum_benefit_rate", "minimum_benefit_rate"),
)


@dataclass(frozen=True, eq=False)
class KeyFigure:
    """One row of "Auf einen Blick": the Kreis's newest value and NRW's on the same date (if any)."""

    key: str  # message key of the label
    indicator: Indicator
    kreis: pd.Series  # an observation row
    land: pd.Series | None

    @property
    def source_ids(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys([self.kreis["source_id"], *([] if self.land is None else [self.land["source_id"]])]))


@dataclass(frozen=True, eq=False)
class OverviewFigures:
    """What the overview shows of one Kreis (observation rows, oldest first)."""

    key_figures: tuple[KeyFigure, ...]
    azr: pd.DataFrame  # foreign nationals (AZR) at year end
    letter: Mapping[str, pd.DataFrame]  # variable → the figures the 2017 letter quotes (empty unless recorded)
    azr_population: pd.DataFrame  # the population update on the newest AZR date: the labelled ratio's base
    nationalities: pd.DataFrame  # foreign nationals by nationality (AZR), every date
    nationality_table: pd.DataFrame  # the largest nationalities × dates (queries.nationality_table)
    asylum: pd.DataFrame  # persons in ongoing asylum procedures
    ukraine: pd.DataFrame  # refugees from Ukraine
    asylblg: pd.DataFrame  # recipients of asylum seekers' benefits
    naturalisations: pd.DataFrame
    shares: Mapping[str, pd.DataFrame]  # each Kreis total of SHARE_VARIABLES → the Kommunen's values and shares
    facts: pd.DataFrame  # the facts of this Kreis (for FACTS_KREIS also those without an ags)
    map: MapShare | None  # the share on the map (helpers.indicators.ranking.MAP_RULE); None: no share has a figure
    stand: pd.Timestamp  # the newest AZR count, else the Kreis's newest figure

    def facts_of(self, source_id: str) -> pd.DataFrame:
        return facts_from(self.facts, source_id)


def compute(obs: pd.DataFrame, facts: pd.DataFrame, kreis: Region) -> OverviewFigures:
    """The overview's figures from the observations and facts of the Kreis up to its stichtag."""
    azr = azr_series(obs, kreis.ags)
    own_facts = facts if kreis.ags == FACTS_KREIS else located_facts(facts)
    shares = {v: kreis_shares(obs, v, [r.ags for r in kommunen(kreis.ags)], kreis.ags) for v in SHARE_VARIABLES}
    nationalities = nationality_rows(obs, kreis.ags)
    return OverviewFigures(
        key_figures=_key_figures(obs, kreis), azr=azr,
        letter={v: source_rows(obs, LETTER_SOURCE, v) for v in ("foreign_population", "asylum_seekers")},
        azr_population=update_population(obs, kreis.ags, azr["date"].max()) if len(azr) else azr.iloc[:0],
        nationalities=nationalities, nationality_table=nationality_table(nationalities, TOP_NATIONALITIES),
        asylum=preferred_series(obs, "persons_in_ongoing_asylum_procedure", ags=kreis.ags),
        ukraine=preferred_series(obs, "ukraine_refugees", ags=kreis.ags),
        asylblg=preferred_series(obs, "asylblg_recipients", ags=kreis.ags),
        naturalisations=preferred_series(obs, "naturalisations", ags=kreis.ags),
        shares={v: rows for v, rows in shares.items() if not rows.empty}, facts=own_facts,
        map=map_share(obs, [r.ags for r in kommunen(kreis.ags)]),
        stand=azr["date"].max() if len(azr) else newest_date(obs, kreis.ags))


def _key_figures(obs: pd.DataFrame, kreis: Region) -> tuple[KeyFigure, ...]:
    """The newest Kreis value of each key figure, with NRW beside it where NRW has the same
    date (foreigners: AZR year-end counts on both sides)."""
    rows = []
    for key, indicator_id in KEY_FIGURES:
        ind = CATALOGUE[indicator_id]
        pick = (lambda ags: azr_series(obs, ags)) if ind.value.bases == ("azr",) else (
            lambda ags, v=ind.value.variable: preferred_series(obs, v, ags=ags))
        series = pick(kreis.ags)
        if series.empty:
            continue
        last = series.iloc[-1]
        nrw = on_date(pick(LAND_AGS), last["date"])
        rows.append(KeyFigure(key, ind, last, nrw.iloc[0] if not nrw.empty else None))
    return tuple(rows)
