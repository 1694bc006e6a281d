"""Kommunenvergleich: the Kommunen of a Kreis (default Kreis Kleve) side by side for every municipal
catalogue indicator, a table of the key indicators with Kreis and NRW, the change since the previous
reference date on the same census base, a map and groups of structurally similar Kommunen — what
``notebooks/kommunen_vergleich.ipynb`` calls, one function per cell.

:func:`setup` validates the parameters, computes every figure (:mod:`.figures`, :mod:`helpers.indicators.peers`)
and lays out every section (:mod:`.sections`, sentences in :mod:`.statements`); the other functions only display.
"""
from __future__ import annotations

import datetime as dt

import pandas as pd

from helpers.briefings.context import Context, load, show
from helpers.briefings.kommunen_vergleich import sections
from helpers.briefings.kommunen_vergleich.figures import ComparisonFigures, compute, municipal_indicators
from helpers.i18n import check_sprache
from helpers.kommunen import KREIS_AGS, kommunen
from helpers.kommunen import kreis as find_kreis
from helpers.presentation import payloads

# The notebook's sections in reading order (its sources are numbered in this order).
SECTIONS = (("title", sections.title), ("key_figures", sections.key_figures), ("changes", sections.changes),
            ("similarity", sections.similarity), ("map_section", sections.map_section),
            ("indicators", sections.indicators), ("sources", sections.sources))


def setup(kreis: str | int | None = None, stichtag: object = None, sprache: str = "de",
          indikatoren: object = None) -> Context[ComparisonFigures]:
    """Validate all parameters at once, then compute the comparison of ``kreis`` (name or AGS; None =
    Kreis Kleve) for ``indikatoren`` (None = every indicator published per Kommune)."""
    ids = municipal_indicators(indikatoren)
    sprache = check_sprache(sprache)
    home = find_kreis(KREIS_AGS if kreis is None else kreis)
    data = load(home.ags, stichtag, sprache)
    figures = compute(data.obs, ids, kommunen(home.ags), home, data.stichtag)
    return Context("kommunen_vergleich", home, sprache, data.stichtag, data.obs, data.facts, figures, SECTIONS,
                   dt.datetime.now())


def title(ctx: Context[ComparisonFigures]) -> None:
    """H1 and the selection of indicators."""
    show(ctx, "title")


def key_figures(ctx: Context[ComparisonFigures]) -> None:
    """The key indicators: the Kommunen, the Kreis and NRW (the nbval anchor)."""
    show(ctx, "key_figures")


def changes(ctx: Context[ComparisonFigures]) -> None:
    """The change since the previous reference date, one interval per column."""
    show(ctx, "changes")


def similarity(ctx: Context[ComparisonFigures]) -> None:
    """Similar Kommunen: the method in plain words, groups and nearest neighbours."""
    show(ctx, "similarity")


def map_section(ctx: Context[ComparisonFigures]) -> None:
    """The share or rate that ranking.MAP_RULE picks from the data, on a map (where the boundaries cover the Kreis)."""
    show(ctx, "map_section")


def indicators(ctx: Context[ComparisonFigures]) -> None:
    """Every selected indicator: sentences, ranking on one date, small multiples over time."""
    show(ctx, "indicators")


def sources(ctx: Context[ComparisonFigures]) -> None:
    """Quellen und Stand, and the BRIEFING payload for the HTML template and the index page."""
    show(ctx, "sources")
    briefing_payload(ctx).emit()


def briefing_payload(ctx: Context[ComparisonFigures]) -> payloads.Briefing:
    newest = sections.comparison_table(ctx)["date"].dropna().max()
    notes = [ctx.t("vergleich_changes_note"), sections.similarity_method(ctx)]
    return ctx.briefing(ctx.t("vergleich_title"), pd.Timestamp(newest), ctx.cited_span(), ctx.sources.ids, notes)
