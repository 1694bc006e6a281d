"""What the three briefings share: parameter checks, the Context of the Kreis-wide briefings,
sourced statements, and the "Quellen und Stand" section.

The briefing modules (``kommune_profil``, ``kreis_uebersicht``, ``kommunen_vergleich``) are peers
over this module; none imports another.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd
from IPython.display import Markdown, display

from helpers import fmt
from helpers.data import store
from helpers.i18n import check_sprache, t
from helpers.kommunen import KREIS_AGS, LAND_AGS, Region, kommunen, kreis, kreis_phrases
from helpers.presentation import payloads, sources, tables
from helpers.presentation.narrative import marker_legend, span_text


KEPT_KREISE = 3  # Kreise whose rows and figures a process keeps (about 5 MB each)


# --- parameters -----------------------------------------------------------------------------

def stichtag_span(obs: pd.DataFrame, kreis_ags: str = KREIS_AGS) -> tuple[str, str]:
    """The ``stichtag`` values every briefing of a Kreis can be built for (ISO): from the first day on
    which each of its Kommunen has a population figure (the base of every share) to the newest date."""
    population = obs[obs["variable"] == "population"].groupby("ags")["date"].min()
    first = population.reindex([r.ags for r in kommunen(kreis_ags)]).max()
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
        raise ValueError(t("profile_bad_stichtag", sprache, value=stichtag)) from None
    if day > latest:
        raise ValueError(t("profile_stichtag_too_late", sprache, stichtag=fmt.format_date(day.date(), sprache),
                           latest=fmt.format_date(latest.date(), sprache)))
    return day


def regional(frame: pd.DataFrame, kreis_ags: str) -> pd.DataFrame:
    """The rows a briefing of one Kreis can show: the Kreis, its Gemeinden, NRW and Germany (so a
    briefing's cost does not grow with the statewide tables of the other Kreise). The same frame
    for the same Kreis while ``frame`` lives, so the figures computed from it (helpers.indicators)
    serve every briefing of the Kreis that a warm kernel runs; only the newest ``KEPT_KREISE`` are
    kept (a batch runs a Kreis's briefings one after the other), the others go with what came of them."""
    memo = store.derived(frame)
    if ("regional", kreis_ags) not in memo:
        held = [key for key in memo if key[0] == "regional"]
        for key in held[:max(0, len(held) + 1 - KEPT_KREISE)]:
            del memo[key]

    def rows() -> pd.DataFrame:
        ags = frame["ags"].astype(str)
        return frame[ags.str.startswith(kreis_ags) | ags.isin([LAND_AGS, "DG", ""])]

    return store.remember(frame, ("regional", kreis_ags), rows)


def kreis_texts(kreis_region: Region, sprache: str) -> dict[str, object]:
    """The placeholders every reader text may use for its Kreis: ``kreis``, ``im_kreis``,
    ``des_kreises`` and ``n_kommunen`` (how many Gemeinden it has)."""
    return {**kreis_phrases(kreis_region, sprache), "n_kommunen": len(kommunen(kreis_region.ags))}


# --- the Kreis-wide briefings' context and statements ----------------------------------------

@dataclass(frozen=True)
class Statement:
    """One reader-visible sentence and the sources it rests on (never empty)."""

    text: str
    source_ids: tuple[str, ...]
    statuses: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if not self.source_ids:
            raise ValueError(f"Aussage ohne Quelle: {self.text!r}")


@dataclass
class Context:
    """Validated parameters and the data a product notebook reads (filtered to ``stichtag``)."""

    sprache: str
    stichtag: pd.Timestamp | None
    obs: pd.DataFrame
    facts: pd.DataFrame
    cited: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    indicator_ids: tuple[str, ...] = ()  # the comparison's selection
    memo: dict[str, pd.DataFrame] = field(default_factory=dict)  # figures computed once per run
    kreis: Region = field(default_factory=kreis)

    def t(self, key: str, **values: object) -> str:
        """A reader text in the briefing's language, its Kreis placeholders filled in."""
        return t(key, self.sprache, **{**kreis_texts(self.kreis, self.sprache), **values})

    def kommunen(self) -> tuple[Region, ...]:
        """The Gemeinden of the briefing's Kreis."""
        return kommunen(self.kreis.ags)

    def cite(self, source_ids: tuple[str, ...] | list[str]) -> str:
        """The source line, remembering the ids for the sources table and the BRIEFING payload."""
        self.cited.extend(i for i in source_ids if i not in self.cited)
        return sources.refer(list(dict.fromkeys(source_ids)), sprache=self.sprache)


def cited_span(ctx: Context) -> str:
    """The header's span of reference dates over the observations of every source cited."""
    return span_text(ctx.obs.loc[ctx.obs["source_id"].isin(ctx.cited), "date"], ctx.sprache)


def kreis_briefing(ctx: Context, kind: str, title: str, stand: pd.Timestamp, data_notes: list[str]) -> payloads.Briefing:
    """The BRIEFING payload of a Kreis-wide briefing: the sources cited so far and their span."""
    return payloads.Briefing(kind=kind, title=title, region=ctx.kreis.name, ags=ctx.kreis.ags, stichtag=stand.date().isoformat(),
                             sprache=ctx.sprache, span=cited_span(ctx), source_ids=tuple(ctx.cited),
                             data_notes=tuple(data_notes))


def until(frame: pd.DataFrame, stichtag: pd.Timestamp | None) -> pd.DataFrame:
    """Rows dated on or before ``stichtag``; undated rows (some facts) are kept. The same frame for
    the same day while ``frame`` lives (see :func:`regional`)."""
    if stichtag is None:
        return frame
    return store.remember(frame, ("until", stichtag.isoformat()),
                          lambda: frame[frame["date"].isna() | (frame["date"] <= stichtag)])


def load_context(stichtag: object = None, sprache: str = "de", kreis_name: str | int | None = None) -> Context:
    """The overview's and the comparison's start: validate the parameters at once (as the
    Kommunenprofil does), then load the data of the Kreis (default Kreis Kleve) up to ``stichtag``."""
    sprache = check_sprache(sprache)
    home = kreis(KREIS_AGS if kreis_name is None else kreis_name)
    obs = regional(store.load("observations"), home.ags)
    day = check_stichtag(stichtag, obs, sprache)
    sources.start_numbering()
    return Context(sprache, day, until(obs, day), until(regional(store.load("facts"), home.ags), day), kreis=home)


def render(ctx: Context, items: list[Statement]) -> str:
    """Markdown bullets, each with its source line, then the legend of the marks used."""
    lines = []
    for item in items:
        lines.append(f"- {fmt.markdown_text(item.text)}  \n  {fmt.markdown_text(ctx.cite(item.source_ids))}")
    legend = marker_legend(set().union(*(i.statuses for i in items)), ctx.sprache) if items else []
    if legend:
        lines.append("")
        lines.extend(f"<small>{line}</small>  " for line in legend)
    return "\n".join(lines)


# --- context facts ("Zum Einordnen") ---------------------------------------------------------

def context_facts(facts: pd.DataFrame, indicator_id: str) -> pd.DataFrame:
    """The facts attached to an indicator (facts.csv, columns ags and indicators), oldest first."""
    attached = facts["indicators"].map(lambda ids: indicator_id in {i.strip() for i in ids.split(";")})
    return facts.loc[attached.astype(bool)].sort_values("date")


def context_line(fact, name: str, sprache: str) -> str:
    """ "Zum Einordnen (Rees, 08.08.2016): …" — the fact in the reader's language with its date."""
    when = fmt.format_date(fact.date, sprache) if not fmt.is_missing(fact.date) else t("ov_tl_undated", sprache)
    return t("context_fact", sprache, region=name, date=when, fact=fact.fact_de if sprache == "de" else fact.fact)


# --- Quellen und Stand ------------------------------------------------------------------------

def sources_table(source_ids, sprache: str) -> None:
    """The "Quellen und Stand" table (printed as a compact list); internal source ids only on screen."""
    tables.table(sources.source_table(sources.numbered(source_ids), sprache), screen_only=(t("source_col_id", sprache),),
          css_class="im-sources")


def sources_section(heading_key: str, cited, sprache: str) -> None:
    """'Quellen und Stand': every source cited above, one row each, under its heading."""
    display(Markdown(f"## {t(heading_key, sprache)}"))
    sources_table(cited, sprache)
