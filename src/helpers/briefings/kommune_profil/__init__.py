"""The Kommunenprofil: what ``notebooks/kommune_profil.ipynb`` calls, one function per cell.

:func:`setup` validates the three parameters at once (a wrong one stops the notebook with a clear
message), computes every figure of the profile (:mod:`.figures`) and lays out every section
(:mod:`.sections`, :mod:`.datenlage`); the other functions only display. Computing first means the
BRIEFING payload, emitted with the key figures, already lists every source the later sections cite.
"""
from __future__ import annotations

import datetime as dt

from helpers.briefings.context import Context, load, show
from helpers.briefings.goals import goal_blocks
from helpers.briefings.kommune_profil import datenlage, sections, short, standing
from helpers.briefings.kommune_profil.figures import ProfileFigures, compute
from helpers.i18n import check_sprache
from helpers.kommunen import region

# The notebook's sections in reading order (its sources are numbered in this order).
SECTIONS = (("title", sections.title), ("wo_steht", standing.wo_steht), ("goals", goal_blocks),
            ("key_figures", sections.key_figures), ("locator", sections.locator), ("population", sections.population),
            ("fields", sections.fields), ("data_gaps", datenlage.data_gaps), ("sources", sections.sources))


def setup(kommune: str | int = "Kleve", stichtag: object = None, sprache: str = "de") -> Context[ProfileFigures]:
    """Validate kommune (name or AGS, also as int), stichtag and sprache; compute the profile."""
    return _context("kommune_profil", SECTIONS, kommune, stichtag, sprache)


def setup_short(kommune: str | int = "Kleve", stichtag: object = None, sprache: str = "de") -> Context[ProfileFigures]:
    """The two-page short version (``notebooks/kommune_kurz.ipynb``): the profile's figures, its own sections (the
    profile's are never laid out for it)."""
    return _context(short.KIND, short.SECTIONS, kommune, stichtag, sprache)


def _context(kind: str, layout, kommune: str | int, stichtag: object, sprache: str) -> Context[ProfileFigures]:
    sprache = check_sprache(sprache)
    place = region(kommune, level="kommune")
    data = load(place.kreis_ags, stichtag, sprache)
    figures = compute(data, place, sprache, stand=data.stichtag if stichtag is not None else None)
    return Context(kind, place, sprache, data.stichtag, data.obs, data.facts, figures, layout, dt.datetime.now())


def title(ctx: Context[ProfileFigures]) -> None:
    """H1, Stand der Daten and a one-paragraph introduction."""
    show(ctx, "title")


def wo_steht(ctx: Context[ProfileFigures]) -> None:
    """Wo steht <Kommune>?: rank in the Kreis, Kreis, NRW and similar Kommunen on the same date, direction, facts,
    and "Auffällig" by the catalogue's rules."""
    show(ctx, "wo_steht")


def key_figures(ctx: Context[ProfileFigures]) -> None:
    """Auf einen Blick: sentences, the key-figure table (the nbval anchor), and both payloads."""
    show(ctx, "key_figures")
    sections.key_figures_payload(ctx).emit()
    sections.briefing_payload(ctx).emit()


def goals(ctx: Context[ProfileFigures]) -> None:
    """Zielmarken: the committee's goals for the Kommune with their status (or how to add some)."""
    show(ctx, "goals")


def locator(ctx: Context[ProfileFigures]) -> None:
    """Where the Kommune lies in its Kreis (or a sentence why there is no map)."""
    show(ctx, "locator")


def population(ctx: Context[ProfileFigures]) -> None:
    """Population with visible census-base breaks, foreign shares, AZR index, nationalities."""
    show(ctx, "population")


def fields(ctx: Context[ProfileFigures]) -> None:
    """One block per Handlungsfeld of the catalogue."""
    show(ctx, "fields")


def data_gaps(ctx: Context[ProfileFigures]) -> None:
    """The Datenlage: what is known, what is missing, which table would fill it."""
    show(ctx, "data_gaps")


def sources(ctx: Context[ProfileFigures]) -> None:
    """Quellen und Stand: every source of the profile, numbered as referred to above (the short version's
    BRIEFING payload with it; the full profile emits its own with the key figures)."""
    show(ctx, "sources")
    if ctx.kind == short.KIND:
        short.briefing_payload(ctx).emit()
