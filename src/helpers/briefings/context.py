"""The one context of the three briefings: validated parameters, the data of the briefing's Kreis, every
figure it shows (typed, per briefing), its sections laid out and its sources numbered — all before the
first section renders, so no section depends on another having run.

A briefing module's ``setup`` validates its parameters at once (a wrong one stops the notebook with a
clear message), computes its figures and returns a :class:`Context`; each notebook cell then shows one
section with :func:`show`. The briefing modules (``kommune_profil``, ``kreis_uebersicht``,
``kommunen_vergleich``) are peers over this module and :mod:`helpers.briefings.document`; none imports another.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Generic, TypeVar

import pandas as pd

from helpers import fmt
from helpers.briefings.document import Block
from helpers.data import store
from helpers.i18n import t
from helpers.indicators.queries import first_dates, regional, source_dates, until
from helpers.kommunen import KREIS_AGS, Region, kommunen, kreis_phrases, land, region
from helpers.presentation import payloads
from helpers.presentation.narrative import span_text
from helpers.presentation.sources import Numbering

Figures = TypeVar("Figures")


@dataclass(frozen=True, eq=False)
class Context(Generic[Figures]):
    """One briefing, fully computed: what it is about, its data up to ``stichtag``, its typed figures
    and its sections (name, layout) in reading order. Never changed after ``setup``."""

    kind: str  # the notebook: kommune_profil, kreis_uebersicht or kommunen_vergleich
    region: Region  # the Kommune of a profile, the Kreis of an overview or comparison
    sprache: str
    stichtag: pd.Timestamp  # the data are cut here: the parameter, or the newest date of the data
    obs: pd.DataFrame  # the observations of the Kreis, its Gemeinden, NRW and Germany up to stichtag
    facts: pd.DataFrame  # the dated, sourced facts the briefing may show
    figures: Figures
    sections: tuple[tuple[str, Callable[[Context], Iterable[Block]]], ...]
    created: dt.datetime
    document: dict[str, tuple[Block, ...]] = field(init=False)  # every section's blocks
    sources: Numbering = field(init=False)  # in the order the sections first refer to them, then those only listed

    def __post_init__(self) -> None:
        """Lay out every section and number its sources now, before the first section renders."""
        document = {name: tuple(layout(self)) for name, layout in self.sections}
        blocks = [block for section in document.values() for block in section]
        object.__setattr__(self, "document", document)
        numbering = Numbering.of([*(b.source_ids for b in blocks), *(b.listed for b in blocks)])
        object.__setattr__(self, "sources", numbering)

    @cached_property
    def kreis(self) -> Region:
        """The briefing's Kreis: every Kreis value, chart and sentence is its."""
        return region(self.region.kreis_ags) if self.region.is_kommune else self.region

    @cached_property
    def kommunen(self) -> tuple[Region, ...]:
        """The Gemeinden of the briefing's Kreis."""
        return kommunen(self.kreis.ags)

    @cached_property
    def names(self) -> dict[str, str]:
        """AGS → name of the Kreis's Gemeinden, the Kreis and NRW."""
        return {r.ags: r.name for r in (*self.kommunen, self.kreis, land())}

    @cached_property
    def texts(self) -> dict[str, object]:
        return kreis_texts(self.kreis, self.sprache)

    def t(self, key: str, **values: object) -> str:
        """A reader text in the briefing's language, its Kreis placeholders filled in."""
        return t(key, self.sprache, **{**self.texts, **values})

    def briefing(self, title: str, stand: pd.Timestamp, span: str, source_ids: Iterable[str],
                 notes: Iterable[str]) -> payloads.Briefing:
        """The BRIEFING payload (title, region, reference date, sources) the HTML template and index read."""
        return payloads.Briefing(kind=self.kind, title=title, region=self.region.name, ags=self.region.ags,
                                 stichtag=stand.date().isoformat(), sprache=self.sprache, span=span,
                                 source_ids=tuple(source_ids), data_notes=tuple(notes))

    def cited_span(self) -> str:
        """The header's span of reference dates over the observations of every source cited."""
        return span_text(source_dates(self.obs, self.sources.ids), self.sprache)


def show(ctx: Context, name: str) -> None:
    """Display one section (a notebook cell)."""
    for block in ctx.document[name]:
        block.show(ctx.sources, ctx.sprache)


def kreis_texts(kreis_region: Region, sprache: str) -> dict[str, object]:
    """The placeholders every reader text may use for its Kreis: ``kreis``, ``im_kreis``,
    ``des_kreises``, ``n_kommunen`` (how many Gemeinden it has), ``dem_kreis`` ("neben dem Kreis
    Kleve", "neben der Städteregion Aachen") and ``Im_kreis`` for a sentence's start ("Im Kreis Kleve …")."""
    texts = {**kreis_phrases(kreis_region, sprache), "n_kommunen": len(kommunen(kreis_region.ags))}
    im_kreis = str(texts["im_kreis"])
    dem_kreis = "dem " + im_kreis.removeprefix("im ") if im_kreis.startswith("im ") else im_kreis.removeprefix("in ")
    return {**texts, "dem_kreis": dem_kreis, "Im_kreis": im_kreis[:1].upper() + im_kreis[1:]}


# --- parameters and data ------------------------------------------------------------------------

def stichtag_span(obs: pd.DataFrame, kreis_ags: str = KREIS_AGS) -> tuple[str, str]:
    """The ``stichtag`` values every briefing of a Kreis can be built for (ISO): from the first day on
    which each of its Kommunen has a population figure (the base of every share) to the newest date."""
    first = first_dates(obs, "population").reindex([r.ags for r in kommunen(kreis_ags)]).max()
    return first.date().isoformat(), obs["date"].max().date().isoformat()


def check_stichtag(stichtag: object, obs: pd.DataFrame, sprache: str = "de") -> pd.Timestamp:
    """None → the newest date in the data; otherwise an ISO date no later than the data reach."""
    latest = obs["date"].max()
    if stichtag is None:
        return latest
    text = stichtag.isoformat() if isinstance(stichtag, dt.date) else stichtag
    try:
        if not isinstance(text, str) or len(text) != 10:
            raise ValueError
        day = pd.Timestamp(dt.date.fromisoformat(text))
    except ValueError:
        raise ValueError(t("stichtag_invalid", sprache, value=stichtag)) from None
    if day > latest:
        raise ValueError(t("stichtag_too_late", sprache, stichtag=fmt.format_date(day.date(), sprache),
                           latest=fmt.format_date(latest.date(), sprache)))
    return day


@dataclass(frozen=True, eq=False)
class Data:
    """The observations and facts of one Kreis's briefings, and the validated ``stichtag``."""

    everything: pd.DataFrame  # every date: the Kreis, its Gemeinden, NRW and Germany
    obs: pd.DataFrame  # the same up to stichtag
    facts: pd.DataFrame  # the facts of the Kreis (and those without a region) up to stichtag
    stichtag: pd.Timestamp


def load(kreis_ags: str, stichtag: object, sprache: str) -> Data:
    """The data of a Kreis, after checking ``stichtag`` against them."""
    everything = regional(store.load("observations"), kreis_ags)
    day = check_stichtag(stichtag, everything, sprache)
    return Data(everything, until(everything, day), until(regional(store.load("facts"), kreis_ags), day), day)
