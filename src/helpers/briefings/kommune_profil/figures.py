"""Every figure of the Kommunenprofil, computed once in ``setup`` (the sections only lay them out)."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from helpers import fmt
from helpers.briefings.context import Data
from helpers.i18n import t
from helpers.indicators import CATALOGUE, CURRENT_YEARS, Comparison, Figure, compare, dated_series, placing
from helpers.indicators.peers import Peers, of_kreis
from helpers.indicators.placing import Placing
from helpers.indicators.queries import (
    facts_about,
    facts_of,
    first_dates,
    flag_recorded,
    index_series,
    largest,
    latest_flag,
    nationality_rows,
    year_end,
)
from helpers.kommunen import Region, kommunen, land, region

TOP_NATIONALITIES = 10
AZR_INDEX_START = pd.Timestamp("2015-12-31")


@dataclass(frozen=True, eq=False)
class ProfileFigures:
    """What the profile shows of one Kommune, beside its Kreis and NRW."""

    comparisons: Mapping[str, Comparison]  # every catalogue indicator: the Kommune, its Kreis, NRW
    stand: pd.Timestamp | None  # "Stand der Daten": the stichtag asked for, else the population figure's date
    population: pd.DataFrame  # the Kommune's population, every date and census base (indicators.dated_series)
    azr: pd.DataFrame  # Kreis and NRW AZR counts as an index (31.12.2015 = 100), ``series`` the region;
    #                    empty without the Kreis's counts
    own_nationalities: pd.DataFrame  # the largest nationalities in the Kommune's own register (observation rows)
    kreis_nationalities: pd.DataFrame  # the same for its Kreis, from the AZR
    not_applicable: frozenset[str]  # indicators that do not apply here (no Integrationsrat recorded: "entfällt")
    newest: pd.Timestamp  # the newest date the profile shows: "älterer Stand" is measured from it (CURRENT_YEARS)
    facts: pd.DataFrame  # the dated, sourced facts about the Kommune ("Zum Einordnen")
    similar: Peers  # the similar Kommunen of its Kreis: features, dates, sources (helpers.indicators.peers)
    peers: tuple[str, ...] | None  # the Kommune's own, nearest first; None: not determined (a feature is missing)
    placings: tuple[Placing, ...]  # "Wo steht": each placed indicator with a Kommune value
    @property
    def frames(self) -> tuple[pd.DataFrame, ...]:
        """The data behind section 2's charts, in the order they appear."""
        return self.population, self.azr, self.own_nationalities, self.kreis_nationalities

    def shown_dates(self) -> list[pd.Timestamp]:
        """Reference dates of every figure the profile shows (tables and charts)."""
        return _shown_dates(self.comparisons, self.frames)


def is_shown(c: Comparison) -> bool:
    """A row the profile's tables show: a key figure, or one with a Kommune or Kreis value (so NRW's figure of a
    row without either is never shown, nor its date or source)."""
    return c.indicator.id in CATALOGUE.key_figures or not (c.kommune.missing and c.kreis.missing)


def _shown_dates(comparisons: Mapping[str, Comparison], frames) -> list[pd.Timestamp]:
    dates = [f.date for c in comparisons.values() if is_shown(c) for f in c.figures
             if not f.missing and f.date is not None]
    return dates + [d for frame in frames for d in frame.get("date", [])]


def is_older(figures: ProfileFigures, f: Figure) -> bool:
    """More than CURRENT_YEARS before the newest date the profile shows ("älterer Stand")."""
    return f.date is not None and f.date < figures.newest - pd.DateOffset(years=CURRENT_YEARS)


def compute(data: Data, place: Region, sprache: str, stand: pd.Timestamp | None) -> ProfileFigures:
    """The profile's figures from the data of its Kreis up to the stichtag; ``stand`` the stichtag asked
    for (None: the population figure's date). A stichtag before the Kommune's first population figure
    (the base of every share) is refused."""
    first = first_dates(data.everything, "population").get(place.ags)
    if first is not None and first > data.stichtag:
        raise ValueError(t("profil_stichtag_too_early", sprache, kommune=place.name,
                           stichtag=fmt.format_date(data.stichtag.date(), sprache),
                           first=fmt.format_date(first.date(), sprache)))
    obs, facts = data.obs, facts_of(data.facts, place.ags)
    comparisons = {i: compare(obs, i, place.ags) for i in CATALOGUE.indicators}
    kreis = region(place.kreis_ags)
    population = dated_series(obs, "population", place.ags)
    azr = _azr(obs, kreis)
    own, kreis_rows = (largest(nationality_rows(obs, a), TOP_NATIONALITIES) for a in (place.ags, kreis.ags))
    inapplicable = frozenset(c.indicator.id for c in comparisons.values() if _not_applicable(obs, c, place))
    newest = max(_shown_dates(comparisons, (population, azr, own, kreis_rows)))
    similar = of_kreis(obs, place.kreis_ags)
    members = [r.ags for r in kommunen(place.kreis_ags)]
    peers = similar.of(place.ags)
    placings = tuple(placing.place(obs, i, place.ags, members, kreis.ags, land().ags, peers or (), data.stichtag)
                     for i in placed_indicators(facts) if not comparisons[i].kommune.missing)
    return ProfileFigures(comparisons, stand if stand is not None else comparisons["population"].kommune.date,
                          population, azr, own, kreis_rows, inapplicable, newest, facts, similar, peers, placings)


def placed_indicators(facts: pd.DataFrame) -> tuple[str, ...]:
    """"Wo steht" places the key figures, the indicators with an "Auffällig" rule and those a fact about the
    Kommune explains (so the fact stands beside its figure), in catalogue order after the key figures."""
    extra = [i for i, ind in CATALOGUE.indicators.items()
             if ind.notable is not None or not facts_about(facts, i).empty]
    return tuple(dict.fromkeys([*CATALOGUE.key_figures, *extra]))


def _azr(obs: pd.DataFrame, kreis: Region) -> pd.DataFrame:
    """Kreis and NRW AZR counts as an index: one statistic, no base break. Without the Kreis's counts
    there is no chart (an NRW line alone says nothing about the Kommune)."""
    parts = []
    for place in (kreis, land()):
        series = dated_series(obs, "foreign_population_azr", place.ags)
        indexed = index_series(year_end(series) if not series.empty else series, AZR_INDEX_START)
        if indexed is None and place == kreis:
            break
        if indexed is not None:
            parts.append(indexed.assign(series=place.name))
    return pd.concat(parts) if parts else pd.DataFrame(columns=["date", "value", "series", "source_ids"])


def _not_applicable(obs: pd.DataFrame, c: Comparison, place: Region) -> bool:
    """The indicator applies only where its ``applies_where`` flag is 1 for the Kommune (no
    Integrationsrat recorded → no Integrationsrat turnout: "entfällt", not a gap). A Kreis whose
    Kommunen have no flag recorded at all is not covered by the register: there it is a gap."""
    flag = c.indicator.applies_where
    if not flag or latest_flag(obs, flag, place.ags) == 1:
        return False
    return flag_recorded(obs, flag, place.kreis_ags)
