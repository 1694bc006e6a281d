""""Wo steht der Kreis?", the Kreisübersicht's first section: per key figure and "Auffällig" indicator the Kreis's
value and date, its rank among NRW's Kreise (:func:`helpers.presentation.placing.rank_text`), NRW on the same date
and base, the direction since the earlier comparable date; then "Auffällig" by the catalogue's rules, judged
against NRW. The committee's goals follow as a section of their own."""
from __future__ import annotations

import pandas as pd

from helpers.briefings.document import Block, Statement, Table, Text, heading, markdown, statement_parts
from helpers.briefings.kreis_uebersicht.statements import Overview
from helpers.indicators.figure import sources_of
from helpers.indicators.placing import notable
from helpers.kommunen import kreise
from helpers.presentation import narrative
from helpers.presentation.placing import direction_text, legend_lines, notable_text, rank_text, shown_columns


def _names() -> dict[str, str]:
    return {k.ags: k.name for k in kreise()}


def placing_table(ctx: Overview) -> pd.DataFrame:
    """One row per placed indicator; a column empty in every row is left out (the legend says why)."""
    s, names = ctx.sprache, _names()
    rows = [{ctx.t("uebersicht_col_figure"): pl.indicator.label(s), ctx.kreis.name: narrative.format_figure(pl.own, s),
             ctx.t("uebersicht_col_date"): narrative.format_day(pl.own, s),
             ctx.t("uebersicht_wo_col_rank"): rank_text(pl, names, s),
             ctx.t("uebersicht_col_nrw"): "" if pl.land.missing else narrative.format_figure(pl.land, s),
             ctx.t("uebersicht_wo_col_direction"): direction_text(pl, s)} for pl in ctx.figures.placings]
    return shown_columns(pd.DataFrame(rows))


def wo_steht(ctx: Overview) -> list[Block]:
    s, placings = ctx.sprache, ctx.figures.placings
    if not placings:
        return [heading(ctx.t("uebersicht_h_wo_steht")), markdown(ctx.t("uebersicht_wo_none"))]
    figures = [f for pl in placings for f in (pl.own, pl.land)]
    legend = narrative.marker_legend({f.status for f in figures if not f.missing}, s)
    found = [n for n in (notable(pl) for pl in placings) if n is not None]
    # the marks of these figures are explained under the table: no second legend
    statements = [Statement(notable_text(n, _names(), s), sources_of((n.placing.own, *n.reference))) for n in found]
    return [heading(ctx.t("uebersicht_h_wo_steht")), markdown(ctx.t("uebersicht_wo_intro")),
            Table(table := placing_table(ctx), sources_of(figures), css_class="im-placing"),
            markdown("<small>" + "  \n".join([*legend_lines(table, ctx.t("uebersicht_wo_legend"),
                                                             ctx.t("uebersicht_wo_col_direction"), s),
                                               *legend]) + "</small>"),
            heading(ctx.t("uebersicht_h_notable"), 3),
            Text(statement_parts(statements, s)) if statements else markdown(ctx.t("uebersicht_notable_none"))]
