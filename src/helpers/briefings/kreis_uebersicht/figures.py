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

from helpers.indicators import CATALOGUE, Figure, Indicator, figure, placing
from helpers.indicators.figure import sources_of
from helpers.indicators.placing import Placing
from helpers.indicators.queries import (
    azr_series,
    facts_from,
    kreis_shares,
    located_facts,
    nationality_rows,
    nationality_table,
    preferred_series,
    source_rows,
    update_population,
)
from helpers.indicators.ranking import MapShare, map_share
from helpers.kommunen import KREIS_AGS, LAND_AGS, Region, kommunen, kreise

# The Kreis whose curated sources the facts without an ags (facts.csv) come from.
FACTS_KREIS = KREIS_AGS
# The 2017 appeal letter is quoted only when the data layer records it as a source.
LETTER_SOURCE = "APPEAL_2017"
# Kreis totals the Kommunen add up to; each share uses one table and one date.
SHARE_VARIABLES = ("population", "foreign_population", "asylblg_recipients", "minimum_benefit_recipients")
TOP_NATIONALITIES = 8
# (message key, catalogue indicator) of "Auf einen Blick": the unit and decimals come from the catalogue. The
# census shares are the profiles' Kreis column (the same figure), each named with its count.
KEY_FIGURES = (
    ("uebersicht_kf_foreigners_azr", "foreign_population_azr"),
    ("uebersicht_kf_population", "population"),
    ("uebersicht_kf_foreign_share_2011", "foreign_share_census_2011"),
    ("uebersicht_kf_foreign_share_2022", "foreign_share_census_2022"),
    ("uebersicht_kf_naturalisations", "naturalisations"),
    ("uebersicht_kf_asylblg", "asylblg_recipients"),
    ("uebersicht_kf_minimum_benefit_rate", "minimum_benefit_rate"),
)


@dataclass(frozen=True, eq=False)
class KeyFigure:
    """One row of "Auf einen Blick": the Kreis's newest figure and NRW's of the same date and base where NRW has
    one (else NRW's newest, which then shows its own date)."""

    key: str  # message key of the label
    indicator: Indicator
    kreis: Figure
    land: Figure

    @property
    def source_ids(self) -> tuple[str, ...]:
        return sources_of((self.kreis, self.land))


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
    placings: tuple[Placing, ...]  # "Wo steht der Kreis?": among NRW's Kreise, beside NRW (kreis_placings)

    def facts_of(self, source_id: str) -> pd.DataFrame:
        return facts_from(self.facts, source_id)

    def shown_dates(self) -> list[pd.Timestamp]:
        """The reference dates of every figure the overview shows: the header states their span."""
        frames = (self.azr, self.nationalities, self.asylum, self.ukraine.tail(1), self.asylblg.tail(1),
                  self.naturalisations, *self.shares.values())
        placed = [f.date for p in self.placings for f in (p.own, p.land) if not f.missing]
        return placed + [f.date for k in self.key_figures for f in (k.kreis, k.land) if not f.missing] + [
            d for frame in frames for d in frame["date"]] + ([self.map.reference_date] if self.map else [])

    @property
    def stand(self) -> pd.Timestamp:
        """The newest date the overview shows (never a statewide table's newer date it does not show)."""
        return max(self.shown_dates())


def kreis_placings(statewide: pd.DataFrame, kreis: Region) -> tuple[Placing, ...]:
    """Where the Kreis stands among the Kreise of NRW (the Städteregion counts, kreisfreie Städte do not): the
    key figures and the indicators with an "Auffällig" rule it has a value for, each beside NRW on its date
    (a rule's Kreis reference is NRW here: ``place`` gets NRW as the Kreis)."""
    ids = dict.fromkeys([i for _, i in KEY_FIGURES] + [i for i, ind in CATALOGUE.indicators.items() if ind.notable])
    found = (placing.place(statewide, i, kreis.ags, [k.ags for k in kreise()], LAND_AGS, LAND_AGS) for i in ids)
    return tuple(p for p in found if not p.own.missing)


def compute(obs: pd.DataFrame, facts: pd.DataFrame, kreis: Region, statewide: pd.DataFrame) -> OverviewFigures:
    """The overview's figures from the observations and facts of the Kreis up to its stichtag (``statewide``: every
    region's observations up to the same day, for the Kreis's place among the Kreise)."""
    azr = azr_series(obs, kreis.ags)
    own_facts = facts if kreis.ags == FACTS_KREIS else located_facts(facts)
    shares = {v: kreis_shares(obs, v, [r.ags for r in kommunen(kreis.ags)], kreis.ags) for v in SHARE_VARIABLES}
    nationalities = nationality_rows(obs, kreis.ags)
    key_figures = _key_figures(obs, kreis)
    asylum, ukraine, asylblg, naturalisations = (preferred_series(obs, v, ags=kreis.ags) for v in (
        "persons_in_ongoing_asylum_procedure", "ukraine_refugees", "asylblg_recipients", "naturalisations"))
    return OverviewFigures(
        key_figures=key_figures, azr=azr,
        letter={v: source_rows(obs, LETTER_SOURCE, v) for v in ("foreign_population", "asylum_seekers")},
        azr_population=update_population(obs, kreis.ags, azr["date"].max()) if len(azr) else azr.iloc[:0],
        nationalities=nationalities, nationality_table=nationality_table(nationalities, TOP_NATIONALITIES),
        asylum=asylum, ukraine=ukraine, asylblg=asylblg, naturalisations=naturalisations,
        shares={v: rows for v, rows in shares.items() if not rows.empty}, facts=own_facts,
        map=map_share(obs, [r.ags for r in kommunen(kreis.ags)]), placings=kreis_placings(statewide, kreis))


def _key_figures(obs: pd.DataFrame, kreis: Region) -> tuple[KeyFigure, ...]:
    """The newest Kreis figure of each key figure (helpers.indicators, as the profiles compute it), with NRW's of
    the same date and base beside it where NRW has one; a key figure the Kreis has no value for is left out."""
    rows = []
    for key, indicator_id in KEY_FIGURES:
        own = figure(obs, indicator_id, kreis.ags)
        if own.missing:
            continue
        nrw = figure(obs, indicator_id, LAND_AGS, at=own.date, base=own.base or None)
        rows.append(KeyFigure(key, CATALOGUE[indicator_id], own, nrw if not nrw.missing else figure(obs, indicator_id,
                                                                                                   LAND_AGS)))
    return tuple(rows)
