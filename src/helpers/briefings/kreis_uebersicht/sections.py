"""The Kreisübersicht's sections laid out from its figures and statements (one notebook cell each)."""
from __future__ import annotations

import pandas as pd

from helpers import fmt
from helpers.briefings.document import (
    Block,
    Chart,
    Cite,
    Statement,
    Table,
    Text,
    heading,
    markdown,
    share_map,
    sources_section,
    statement_parts,
)
from helpers.briefings.kreis_uebersicht import statements
from helpers.briefings.kreis_uebersicht.figures import FACTS_KREIS, LETTER_SOURCE
from helpers.briefings.kreis_uebersicht.statements import Overview, country, figure
from helpers.indicators import Figure
from helpers.indicators.queries import in_table, on_date
from helpers.presentation import charts, maps, narrative
from helpers.presentation.narrative import span_text


def _section(ctx: Overview, name: str, items: list[Statement], title: str = "") -> Text:
    """A section's heading (``uebersicht_h_<name>``, or ``title``) and statements; without any, Kreis Kleve says
    the data hold none (e.g. for an early stichtag), another Kreis names what is not recorded for it."""
    empty = (ctx.t("uebersicht_no_data") if ctx.kreis.ags == FACTS_KREIS
             else ctx.t("uebersicht_not_recorded", what=ctx.t(f"uebersicht_lacks_{name}")))
    body = statement_parts(items, ctx.sprache) if items else (empty,)
    return Text((f"## {title or ctx.t(f'uebersicht_h_{name}')}\n\n", *body))


def _chart_table(rows: pd.DataFrame, label: str, value_head: str, sprache: str, label_head: str) -> pd.DataFrame:
    """The figures behind a chart as readers see them (formatted, with status marks)."""
    return pd.DataFrame({label_head: rows[label].astype(str),
                         value_head: [figure(v, st, sprache)
                                      for v, st in zip(rows["value"], rows["status"], strict=True)]})


def _years_chart(ctx: Overview, rows: pd.DataFrame, title_key: str, column_key: str) -> Chart:
    """Bars of a yearly series as published, each missing year a labelled "k. A." slot."""
    s, years = ctx.sprache, rows.assign(year=rows["date"].dt.year)
    return Chart(charts.bars, dict(frame=years, x="year", y="value", title=ctx.t(title_key),
                                   source_ids=tuple(rows["source_id"]), sprache=s, decimals=0,
                                   noun=ctx.t("uebersicht_noun_years"), y_title=ctx.t("uebersicht_axis_persons"),
                                   x_title=ctx.t("uebersicht_axis_year")),
                 _chart_table(years, "year", ctx.t(column_key), s, ctx.t("uebersicht_axis_year")))


def title(ctx: Overview) -> list[Block]:
    """H1, the span of the dates shown, creation time and the one-paragraph summary of the Kreis story (the
    timeline named only where the overview has one)."""
    s = ctx.sprache
    created = f"{fmt.format_date(ctx.created, s)}, {ctx.created:%H:%M}"
    intro = ctx.t("uebersicht_intro") + (" " + ctx.t("uebersicht_intro_timeline")
                                         if not statements.timeline(ctx).empty else "")
    span = span_text(ctx.figures.shown_dates(), s)
    return [markdown(f"# {ctx.t('uebersicht_title')}\n\n{ctx.t('uebersicht_stand', span=span, created=created)}\n\n"
                     f"{intro} {ctx.t('uebersicht_intro_sources')}")]


def _dated(f: Figure, stand: Figure, sprache: str) -> str:
    """A figure with its mark, and its own date where it differs from the row's (NRW's newest beside an older
    Kreis figure)."""
    text = narrative.format_figure(f, sprache)
    return text + (f" ({narrative.format_day(f, sprache)})" if not f.missing and f.date != stand.date else "")


def key_figures_table(ctx: Overview) -> pd.DataFrame:
    """'Auf einen Blick' as read: each key figure of the Kreis, NRW beside it, the date as the source dates it."""
    s = ctx.sprache
    return pd.DataFrame([{
        ctx.t("uebersicht_col_figure"): ctx.t(k.key),
        ctx.kreis.name: narrative.format_figure(k.kreis, s),
        ctx.t("uebersicht_col_nrw"): _dated(k.land, k.kreis, s),
        ctx.t("uebersicht_col_date"): narrative.format_day(k.kreis, s),
    } for k in ctx.figures.key_figures])


def key_figures(ctx: Overview) -> list[Block]:
    """'Auf einen Blick': the key-figure table and its source line (the nbval anchor)."""
    ids = tuple(i for k in ctx.figures.key_figures for i in k.source_ids)
    return [heading(ctx.t("uebersicht_h_key_figures")), Table(key_figures_table(ctx)),
            markdown(Cite(ids), f"\n\n<small>{ctx.t('uebersicht_azr_label')}</small>")]


def foreigners(ctx: Overview) -> list[Block]:
    """AZR series since the earliest official figure: text with sources, bar chart, table (the note on the two
    counts stands once, under "Auf einen Blick"; a share computed here says so in its own sentence)."""
    blocks: list[Block] = [_section(ctx, "foreigners", statements.foreigners(ctx))]
    if len(ctx.figures.azr) > 1:  # one year alone is no course over time: the sentence gives it
        blocks.append(_years_chart(ctx, ctx.figures.azr, "uebersicht_chart_foreigners",
                                   "uebersicht_col_foreigners_azr"))
    return blocks


def nationalities(ctx: Overview) -> list[Block]:
    """The largest nationalities and their change, as text and grouped bars per date."""
    s, wide, nat = ctx.sprache, ctx.figures.nationality_table, ctx.figures.nationalities
    blocks: list[Block] = [_section(ctx, "nationalities", statements.nationalities(ctx))]
    if wide.empty:
        return blocks
    rows = in_table(nat, wide).assign(country=lambda f: [country(c, s) for c in f["category"]],
                                      when=lambda f: [fmt.format_date(d, s) for d in f["date"]])
    table = pd.DataFrame({ctx.t("uebersicht_col_nationality"): [country(c, s) for c in wide.index]})
    for date in wide.columns:
        statuses = on_date(nat, date).set_index("category")["status"]
        table[fmt.format_date(date, s)] = [
            fmt.MISSING[s] if pd.isna(v) else figure(v, statuses.get(c, ""), s) for c, v in wide[date].items()]
    return blocks + [Chart(charts.bars, dict(
        frame=rows, x="country", y="value", group="when", title=ctx.t("uebersicht_chart_nationalities"),
        categories=[country(c, s) for c in wide.index], source_ids=tuple(rows["source_id"]), sprache=s, decimals=0,
        y_title=ctx.t("uebersicht_axis_persons")), table)]


def refugees(ctx: Overview) -> list[Block]:
    """Refugees as published; the heading names the years its figures are of."""
    items = statements.refugees(ctx)
    years = sorted({d.year for d in statements.refugee_dates(ctx)})
    when = ctx.t("uebersicht_years_one", year=years[0]) if len(years) == 1 else ctx.t(
        "uebersicht_years_span", first=years[0], last=years[-1]) if years else ""
    return [_section(ctx, "refugees", items, ctx.t("uebersicht_h_refugees") + when)]


def naturalisations(ctx: Overview) -> list[Block]:
    """Naturalisations per year as published, with the missing years visible as gaps."""
    rows = ctx.figures.naturalisations
    blocks: list[Block] = [_section(ctx, "naturalisations", statements.naturalisations(ctx))]
    return blocks + ([_years_chart(ctx, rows, "uebersicht_chart_naturalisations", "uebersicht_col_naturalisations")]
                     if not rows.empty else [])


def letter_missing(ctx: Overview) -> bool:
    """Kreis Kleve's overview says when the 2017 letter (written to it) is not recorded as a source."""
    return (ctx.kreis.ags == FACTS_KREIS and ctx.figures.letter["foreign_population"].empty
            and ctx.figures.facts_of(LETTER_SOURCE).empty)


def timeline(ctx: Overview) -> list[Block]:
    blocks: list[Block] = [_section(ctx, "timeline", statements.timeline_statements(ctx))]
    return blocks + ([markdown(f"<small>{ctx.t('uebersicht_letter_missing')}</small>")] if letter_missing(ctx) else [])


def shares_table(ctx: Overview) -> pd.DataFrame:
    """The reader's table: one row per Kommune, value and share per Kreis total (two header
    levels: the total and its date, then number and share)."""
    s, names = ctx.sprache, {r.ags: r.name for r in ctx.kommunen}
    columns = {(ctx.t("uebersicht_col_kommune"), ""): [names[a] for a in sorted(names)]}
    for variable, rows in ctx.figures.shares.items():
        head = f"{ctx.t('uebersicht_share_' + variable)} ({fmt.format_date(rows['date'].iloc[0], s)})"
        rows = rows.set_index("ags").reindex(sorted(names))
        # Two header rows (the total, then number and share), so nine columns fit a page.
        columns[(head, ctx.t("uebersicht_col_count"))] = [figure(v, st, s)
                                                          for v, st in zip(rows["value"], rows["status"], strict=True)]
        columns[(head, ctx.t("uebersicht_col_share_of_kreis"))] = [fmt.format_percent(v, 1, s) for v in rows["share"]]
    return pd.DataFrame(columns)


def shares(ctx: Overview) -> list[Block]:
    """The Kommunen's shares of Kreis totals: table and the sum check; then a map of the share or rate
    :func:`helpers.indicators.ranking.map_share` chose (a map of a count would show the towns' size)."""
    blocks: list[Block] = [_section(ctx, "shares", statements.shares_notes(ctx))]
    if ctx.figures.shares:
        blocks.append(Table(shares_table(ctx)))
    choice = ctx.figures.map
    if choice is None or not choice.ranked:
        return blocks
    heading_text = ctx.t("map_heading", label=choice.indicator.label(ctx.sprache))
    if not maps.covers(ctx.kreis.ags):
        return blocks + [markdown(f"### {heading_text}\n\n{ctx.t('briefing_no_map')}")]
    return blocks + [markdown(f"### {heading_text}\n\n{choice.indicator.text('definition', ctx.sprache)}"),
                     share_map(choice, ctx.names, ctx.sprache)]


def sources(ctx: Overview) -> list[Block]:
    """'Quellen und Stand': every source cited above, one row each."""
    return sources_section(ctx.t("sources_heading"))
