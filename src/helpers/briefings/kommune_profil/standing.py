"""Section 1 of the Kommunenprofil, "Wo steht <Kommune>?": one compact table of the placed indicators (value and
date, rank in the Kreis, Kreis, NRW and the similar Kommunen on the same date and base, the direction since the
earlier comparable date), the facts that explain a row beside it, then "Auffällig" by the catalogue's rules."""
from __future__ import annotations

import pandas as pd

from helpers import fmt
from helpers.briefings.context import Context
from helpers.briefings.document import Block, Cite, Statement, Table, Text, heading, markdown, statement_parts
from helpers.briefings.kommune_profil.figures import ProfileFigures
from helpers.briefings.kommune_profil.sections import context_facts
from helpers.indicators.figure import sources_of
from helpers.indicators.placing import Placing, notable
from helpers.presentation import narrative
from helpers.presentation.peers import features_text, missing_text
from helpers.presentation.placing import (
    direction_text,
    legend_lines,
    notable_text,
    peers_text,
    rank_text,
    shown_columns,
)

Profile = Context[ProfileFigures]



def _row(p: Profile, pl: Placing) -> dict[str, str]:
    s = p.sprache
    row = {p.t("profil_col_indicator"): pl.indicator.label(s),
           p.region.name: narrative.format_figure(pl.own, s),
           p.t("profil_col_date"): narrative.format_day(pl.own, s),
           p.t("profil_wo_col_rank"): rank_text(pl, p.names, s),
           p.t("profil_kreis"): "" if pl.kreis.missing else narrative.format_figure(pl.kreis, s),
           p.t("profil_land"): "" if pl.land.missing else narrative.format_figure(pl.land, s)}
    if p.figures.peers is not None:
        row[p.t("profil_wo_col_peers")] = peers_text(pl, s)
    row[p.t("profil_wo_col_direction")] = direction_text(pl, s)
    return row


def placing_table(p: Profile) -> pd.DataFrame:
    """The "Wo steht" table, one row per placed indicator (the short version shows the same); a column empty in
    every row (no direction anywhere: one date, or a census-base break) is left out, the legend says why."""
    return shown_columns(pd.DataFrame([_row(p, pl) for pl in p.figures.placings]))


def notable_statements(p: Profile) -> list[Statement]:
    """"Auffällig": the indicators whose rule is met, each with the sources of its figures (their marks are
    explained under the table above, so no second legend)."""
    found = [n for n in (notable(pl) for pl in p.figures.placings) if n is not None]
    return [Statement(notable_text(n, p.names, p.sprache), sources_of((n.placing.own, *n.reference))) for n in found]


def wo_steht(p: Profile) -> list[Block]:
    """The section: heading, how to read it, the similar Kommunen, the table with its facts, "Auffällig",
    (the goals follow as a section of their own)."""
    s, name = p.sprache, p.region.name
    placings = p.figures.placings
    similar = p.figures.similar
    # the features' sources by number, as every other sentence: named in full they took three lines of page 1
    peers = ((p.t("profil_wo_peers", names=fmt.format_list([p.names[a] for a in p.figures.peers], s),
                  features=features_text(similar, s)) + " ", Cite(similar.source_ids)) if p.figures.peers is not None
             else (p.t("profil_wo_no_peers", features=missing_text(similar, s)),))
    figures = [f for pl in placings for f in (pl.own, pl.kreis, pl.land, *pl.peers) if not f.lower_bound or f is pl.own]
    blocks: list[Block] = [heading(p.t("profil_h_wo_steht", kommune=name)),
                           Text((p.t("profil_wo_intro", kommune=name) + " ", *peers)),
                           Table(table := placing_table(p), sources_of(figures), css_class="im-placing")]
    blocks += context_facts(p, [p.figures.comparisons[pl.indicator.id] for pl in placings])
    legend = narrative.marker_legend({f.status for f in figures if not f.missing}, s)
    lines = legend_lines(table, p.t("profil_wo_legend"), p.t("profil_wo_col_direction"), s)
    blocks.append(markdown("<small>" + "  \n".join([*lines, *legend]) + "</small>"))
    statements = notable_statements(p)
    blocks += [heading(p.t("profil_h_notable"), 3), markdown(p.t("profil_notable_intro"))]
    blocks.append(Text(statement_parts(statements, s)) if statements
                  else markdown(p.t("profil_notable_none", kommune=name)))
    return blocks
