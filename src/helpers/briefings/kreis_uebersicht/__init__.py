"""Kreisübersicht: foreign nationals in a Kreis (default Kreis Kleve) over time, their nationalities,
refugees, naturalisations, the institutional timeline and the Kommunen's shares of Kreis totals —
what ``notebooks/kreis_uebersicht.ipynb`` calls, one function per cell.

:func:`setup` validates the parameters, computes every figure (:mod:`.figures`) and lays out every
section (:mod:`.sections`, in words by :mod:`.statements`); the other functions only display.
Every sentence carries the sources of the figures or facts it rests on.
"""
from __future__ import annotations

import datetime as dt

from helpers.briefings.context import Context, load, show
from helpers.briefings.goals import goal_blocks
from helpers.briefings.kreis_uebersicht import sections, standing
from helpers.briefings.kreis_uebersicht.figures import OverviewFigures, compute
from helpers.data import store
from helpers.i18n import check_sprache
from helpers.indicators.queries import until
from helpers.kommunen import KREIS_AGS
from helpers.kommunen import kreis as find_kreis
from helpers.presentation import payloads

# The notebook's sections in reading order (its sources are numbered in this order).
SECTIONS = (("title", sections.title), ("wo_steht", standing.wo_steht), ("goals", goal_blocks),
            ("key_figures", sections.key_figures), ("foreigners", sections.foreigners),
            ("nationalities", sections.nationalities), ("refugees", sections.refugees),
            ("naturalisations", sections.naturalisations), ("timeline", sections.timeline),
            ("shares", sections.shares), ("sources", sections.sources))


def setup(kreis: str | int | None = None, stichtag: object = None, sprache: str = "de") -> Context[OverviewFigures]:
    """Validate the parameters at once, then compute the overview of ``kreis`` (name or AGS; None =
    Kreis Kleve) up to ``stichtag``."""
    sprache = check_sprache(sprache)
    home = find_kreis(KREIS_AGS if kreis is None else kreis)
    data = load(home.ags, stichtag, sprache)
    statewide = until(store.load("observations"), data.stichtag)
    return Context("kreis_uebersicht", home, sprache, data.stichtag, data.obs, data.facts,
                   compute(data.obs, data.facts, home, statewide), SECTIONS, dt.datetime.now())


def title(ctx: Context[OverviewFigures]) -> None:
    """H1, reference date, creation time and the one-paragraph summary of the Kreis story."""
    show(ctx, "title")


def wo_steht(ctx: Context[OverviewFigures]) -> None:
    """Where the Kreis stands among NRW's Kreise, beside NRW, and what stands out by the catalogue's rules."""
    show(ctx, "wo_steht")


def key_figures(ctx: Context[OverviewFigures]) -> None:
    """Auf einen Blick: the Kreis's key figures beside NRW (the nbval anchor)."""
    show(ctx, "key_figures")


def goals(ctx: Context[OverviewFigures]) -> None:
    """Zielmarken: every goal of the Kreis and its Kommunen in one table (or how to add some)."""
    show(ctx, "goals")


def foreigners(ctx: Context[OverviewFigures]) -> None:
    """Foreign nationals (AZR) since the earliest official figure."""
    show(ctx, "foreigners")


def nationalities(ctx: Context[OverviewFigures]) -> None:
    """The largest nationalities and their change."""
    show(ctx, "nationalities")


def refugees(ctx: Context[OverviewFigures]) -> None:
    """Refugees 2015–2016 and 2022, each as published."""
    show(ctx, "refugees")


def naturalisations(ctx: Context[OverviewFigures]) -> None:
    """Naturalisations per year as published."""
    show(ctx, "naturalisations")


def timeline(ctx: Context[OverviewFigures]) -> None:
    """The timeline of the Kreis's integration work (Kreis Kleve's sources)."""
    show(ctx, "timeline")


def shares(ctx: Context[OverviewFigures]) -> None:
    """The Kommunen's shares of Kreis totals: table, sum check, map."""
    show(ctx, "shares")


def sources(ctx: Context[OverviewFigures]) -> None:
    """Quellen und Stand, and the BRIEFING payload for the HTML template and the index page."""
    show(ctx, "sources")
    briefing_payload(ctx).emit()


def briefing_payload(ctx: Context[OverviewFigures]) -> payloads.Briefing:
    """The BRIEFING payload; its notes say which count of foreigners it tells, and what is not recorded."""
    missing = [ctx.t("uebersicht_letter_missing")] if sections.letter_missing(ctx) else []
    notes = [ctx.t("uebersicht_azr_label"), *missing]
    return ctx.briefing(ctx.t("uebersicht_title"), ctx.figures.stand, ctx.cited_span(), ctx.sources.ids, notes)
