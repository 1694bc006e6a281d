"""The Kommunenvergleich's sections laid out from its figures (one notebook cell each): the key table,
the changes, similar Kommunen, the map, and every indicator with sentences, a ranking and small
multiples over time."""
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
    fact_line,
    markdown,
    share_map,
    sources_section,
    statement_parts,
)
from helpers.briefings.kommunen_vergleich.figures import ChangeColumn, Standing
from helpers.briefings.kommunen_vergleich.statements import (
    Comparison,
    format_value,
    indicator_statements,
    missing_by_gap,
    reference_day,
)
from helpers.data.status import Status, mark
from helpers.i18n import t
from helpers.indicators import CATALOGUE, Indicator
from helpers.indicators.changes import Change, Interval
from helpers.indicators.queries import facts_about, located_facts
from helpers.indicators.ranking import ranking
from helpers.kommunen import LAND_AGS
from helpers.presentation import charts, maps, time_charts
from helpers.presentation.peers import feature_label, features_text, missing_text, sources_text

# Rates, shares and levels are ranked; a count is not (the largest town would always be "highest").
RANKED_UNITS = ("percent", "years")
# Panels over time only where at least half of the Kommunen have a line of this many points: fewer show
# no course, and a grid of single dots says nothing the ranking does not.
MIN_POINTS_OVER_TIME = 3


def _period(start, end, sprache: str) -> str:
    return f"{fmt.format_date(start, sprache)}–{fmt.format_date(end, sprache)}"


def _format_change(change: Change | None, ind: Indicator, sprache: str, interval: Interval | None = None) -> str:
    """The change with its status mark; its own period in brackets unless it is the column's."""
    if not change:
        return fmt.MISSING[sprache]
    unit = t("vergleich_unit_points", sprache) if ind.unit == "percent" else ""
    text = fmt.format_change(change.change, ind.decimals, sprache, unit) + mark(change.status)
    own = interval is None or (change.start, change.end) != tuple(interval[:2])
    return text + (f" ({_period(change.start, change.end, sprache)})" if own else "") + (
        "" if change.comparable_with_latest else "*")


def _order(ctx: Comparison) -> list[str]:
    """The rows of the tables: the Kommunen in AGS order, the Kreis, NRW."""
    return [r.ags for r in ctx.kommunen] + [ctx.kreis.ags, LAND_AGS]


def title(ctx: Comparison) -> list[Block]:
    """H1 and the introduction: the indicators with figures of the Kommunen named, those without counted apart
    (their sections say why), so that no indicator reads as published for every Kommune when it is not."""
    s, ids = ctx.sprache, ctx.figures.indicator_ids
    held = [i for i in ids if any(not f.missing for f in ctx.figures.standings[i].kommunen)]
    lacking = [CATALOGUE[i].label(s) for i in ids if i not in held]
    intro = ctx.t("vergleich_intro", n=len(held), labels=", ".join(CATALOGUE[i].label(s) for i in held))
    if lacking:
        intro += " " + ctx.t("vergleich_intro_lacking", n=len(lacking), labels=", ".join(lacking))
    return [markdown(f"# {ctx.t('vergleich_title')}\n\n{intro} {ctx.t('vergleich_intro_sources')}")]


# --- the key table ------------------------------------------------------------------------------

def comparison_table(ctx: Comparison) -> pd.DataFrame:
    """Long numeric table of the key indicators (``figures.key_ids``) × (the Kommunen, Kreis, NRW)."""
    frames = [ctx.figures.standings[i].frame(ctx.names) for i in ctx.figures.key_ids]
    return (pd.concat(frames, ignore_index=True) if frames
            else pd.DataFrame(columns=["indicator", "ags", "date", "source_ids"]))


def table_display(ctx: Comparison) -> pd.DataFrame:
    """The key-indicator table as read: the Kommunen, Kreis, NRW; German formats and marks."""
    s, long, order = ctx.sprache, comparison_table(ctx), _order(ctx)
    shown = pd.DataFrame({ctx.t("vergleich_col_region"): [ctx.names[a] for a in order]})
    for indicator_id, rows in long.groupby("indicator", sort=False):
        ind = CATALOGUE[indicator_id]
        rows = rows.set_index("ags").reindex(order)
        usual = rows["date"].mode()
        usual = usual.iloc[-1] if len(usual) else None
        precision = next((p for d, p in zip(rows["date"], rows["precision"], strict=True) if d == usual), "day")
        head = ind.label(s) + (f" ({fmt.format_date(usual, s, precision)})" if usual else "")
        shown[head] = [
            format_value(None if pd.isna(r.value) else r.value, r.status, ind, s)
            + ("" if r.date is None or r.date == usual or pd.isna(r.value)
               else f" ({fmt.format_date(r.date, s, r.precision)})")
            for r in rows.itertuples()
        ]
    return shown


def key_figures(ctx: Comparison) -> list[Block]:
    """Section: the key-indicator table and its sources (the nbval anchor)."""
    ids = tuple(dict.fromkeys(i for ids in comparison_table(ctx)["source_ids"] for i in ids))
    return [markdown(f"## {ctx.t('vergleich_h_table')}\n\n{ctx.t('vergleich_table_note')}"), Table(table_display(ctx)),
            markdown(Cite(ids))]


# --- changes ------------------------------------------------------------------------------------

def changes_table(ctx: Comparison) -> pd.DataFrame:
    """Change since the previous reference date for each key indicator with a time series: one
    interval per column (in the header); a row that lacks it shows its own."""
    s = ctx.sprache
    shown = pd.DataFrame({ctx.t("vergleich_col_region"): [ctx.names[a] for a in _order(ctx)]})
    for column in ctx.figures.changes:
        ind, interval = column.indicator, column.interval
        head = ind.label(s) + (f" ({_period(*interval[:2], s)})" if interval else "")
        shown[head] = [_format_change(c, ind, s, interval) for c in column.changes]
    return shown


def _change_sources(column: ChangeColumn) -> tuple[str, ...]:
    return tuple(i for c in column.changes if c for i in c.source_ids)


def changes(ctx: Comparison) -> list[Block]:
    """The changes since the previous reference date, with their source line."""
    ids = tuple(dict.fromkeys(i for c in ctx.figures.changes for i in _change_sources(c)))
    return [markdown(f"## {ctx.t('vergleich_h_changes')}\n\n{ctx.t('vergleich_changes_note')}"),
            Table(changes_table(ctx), cite=ids)]


# --- similar Kommunen ---------------------------------------------------------------------------

def similarity_table(ctx: Comparison) -> pd.DataFrame:
    """Kommune, group, the most similar Kommunen and the features as read (headings with their dates)."""
    s, peers, names = ctx.sprache, ctx.figures.peers, ctx.names
    table, near, group = peers.table, peers.neighbours.set_index("ags"), peers.groups
    shown = pd.DataFrame({ctx.t("vergleich_col_kommune"): [names[a] for a in table.index],
                          ctx.t("vergleich_col_group"): [str(group.get(a, fmt.MISSING[s])) for a in table.index],
                          ctx.t("vergleich_col_similar"): [
                              ", ".join(names[n] for n in near.loc[a, "neighbours"]) if a in near.index
                              else fmt.MISSING[s] for a in table.index]})
    for feat in peers.features:
        decimals = 0 if feat.log else 1
        shown[feature_label(feat, peers.dates[feat.key], s)] = [fmt.format_number(v, decimals, s)
                                                                 for v in table[feat.key]]
    return shown


def similarity_method(ctx: Comparison) -> str:
    """The method in plain words, naming the features this Kreis was compared on, their dates and sources."""
    peers = ctx.figures.peers
    return ctx.t("vergleich_similar_method", k=peers.k, n=peers.n_groups, features=features_text(peers, ctx.sprache),
                 sources=sources_text(peers))


def similarity(ctx: Comparison) -> list[Block]:
    """Section: the plain-language method paragraph, then the table of groups and peers."""
    peers = ctx.figures.peers
    blocks: list[Block] = [markdown(f"## {ctx.t('vergleich_h_similar')}\n\n{similarity_method(ctx)}")]
    if not peers.complete:  # a feature the data lack for a Kommune (or a stichtag before its dates)
        return blocks + [markdown(ctx.t("vergleich_similar_unavailable", features=missing_text(peers, ctx.sprache)))]
    return blocks + [Table(similarity_table(ctx)), markdown(Cite(peers.source_ids))]


# --- map ----------------------------------------------------------------------------------------

def map_section(ctx: Comparison) -> list[Block]:
    """Choropleth of the share :func:`helpers.indicators.ranking.map_share` chose on its reference date."""
    choice = ctx.figures.map
    if not maps.covers(ctx.kreis.ags):
        return [markdown(f"## {ctx.t('vergleich_h_map_none')}\n\n{ctx.t('briefing_no_map')}")]
    if choice is None or not choice.ranked:
        return []
    heading = ctx.t("map_heading", label=choice.indicator.label(ctx.sprache))
    return [markdown(f"## {heading}\n\n{choice.indicator.text('definition', ctx.sprache)}"),
            share_map(choice, ctx.names, ctx.sprache)]


# --- one section per indicator ------------------------------------------------------------------

def _line(base: str, status: str, ind: Indicator, sprache: str) -> str:
    """The series a point belongs to: its census base (or the indicator); preliminary figures
    (election-night counts) form their own series, never one line with final results."""
    name = t(f"base_{base}", sprache) if base else ind.label(sprache)
    return name + (t("vergleich_line_preliminary", sprache) if status == Status.PRELIMINARY else "")


def _ranking_table(ranked: pd.DataFrame, ind: Indicator, sprache: str) -> pd.DataFrame:
    return pd.DataFrame({t("vergleich_col_rank", sprache): ranked["rank"].astype("string").fillna(""),
                         t("vergleich_col_kommune", sprache): ranked["name"],
                         ind.label(sprache): [format_value(v, st, ind, sprache)
                                              for v, st in zip(ranked["shown"], ranked["status"], strict=True)],
                         t("vergleich_col_date", sprache): [
                             fmt.format_date(d, sprache, p if isinstance(p, str) else "day")
                             for d, p in zip(ranked["date"], ranked["precision"], strict=True)]})


def _ranking_chart(ctx: Comparison, standing: Standing) -> list[Chart]:
    """A rate, share or level ranked on the reference date, every Kommune named: the ranked ones sorted,
    below them those without a figure that day ("k. A.") or with a lower bound only; the Kreis value of
    that date as a line for shares and rates. Counts are not ranked (:data:`RANKED_UNITS`)."""
    s, ind = ctx.sprache, standing.indicator
    if len(standing.ranked) < 2 or ind.unit not in RANKED_UNITS:
        return []
    local = pd.DataFrame([f.as_dict() for f in standing.on_reference_date])
    local = local.assign(name=local["ags"].map(ctx.names), shown=local["value"],
                         note=[ctx.t("vergleich_lower_bound_note") if f.lower_bound else fmt.MISSING[s]
                               for f in standing.on_reference_date])
    rankable = {f.ags for f in standing.ranked}
    values = local.set_index("ags")["value"].where(local.set_index("ags").index.isin(rankable))
    ranked = ranking(values, ind.decimals).merge(local.drop(columns="value"), on="ags")
    ranked["date"] = ranked["date"].fillna(standing.reference_date.date().isoformat())
    k = standing.kreis_on_reference_date
    ids = tuple(dict.fromkeys(i for ids in ranked["source_ids"] for i in ids))
    return [Chart(charts.dots, dict(
        frame=ranked, x="name", y="value", note="note", source_ids=ids, sprache=s,
        title=f"{ind.label(s)}, {reference_day(standing, s)}",
        reference=k.value if ind.unit == "percent" and not k.missing else None,
        reference_label=ctx.t("vergleich_kreis_value_label"),
        x_title="" if ind.unit == "percent" else ctx.t("vergleich_unit_" + ind.unit),  # percent: "10 %" on the axis
        unit="%" if ind.unit == "percent" else "", decimals=ind.decimals, noun=ctx.t("chart_noun_kommunen")),
        _ranking_table(ranked, ind, s))]


def _small_multiples(ctx: Comparison, standing: Standing) -> list[Chart]:
    """Time series per Kommune where at least half of them have a line of :data:`MIN_POINTS_OVER_TIME` points;
    one line per census base, preliminary figures apart (:func:`_line`)."""
    s, ind = ctx.sprache, standing.indicator
    # strict=False: a change indicator has no series at all (standing.series is empty), so no panels.
    frames = [dated.assign(name=r.name,
                           line=[_line(b, st, ind, s) for b, st in zip(dated["base"], dated["status"], strict=True)])
              for r, dated in zip(ctx.kommunen, standing.series, strict=False) if not dated.empty]
    if not frames:
        return []
    data = pd.concat(frames, ignore_index=True)
    longest = data.groupby(["name", "line"])["date"].nunique().groupby(level="name").max()
    if (longest >= MIN_POINTS_OVER_TIME).sum() * 2 < len(ctx.kommunen):
        return []
    ids = tuple(dict.fromkeys(i for ids in data["source_ids"] for i in ids))
    # The data behind the panels, one row per Kommune and date (16 columns would not fit a page).
    shown = pd.DataFrame({ctx.t("vergleich_col_kommune"): data["name"],
                          ctx.t("vergleich_col_date"): [
                              fmt.format_date(d, s, p) for d, p in zip(data["date"], data["precision"], strict=True)],
                          ind.label(s): [format_value(v, st, ind, s)
                                         for v, st in zip(data["value"], data["status"], strict=True)]})
    if data["line"].nunique() > 1:  # several census bases: say which one each value belongs to
        shown.insert(2, ctx.t("chart_col_series"), data["line"])
    return [Chart(time_charts.small_multiples, dict(
        frame=data, facet="name", x="date", y="value", split="line", sprache=s, source_ids=ids,
        unit="%" if ind.unit == "percent" else "", decimals=ind.decimals,
        title=ctx.t("vergleich_chart_over_time", label=ind.label(s),
                    start=fmt.format_date(data["date"].min(), s, data["precision"].iloc[data["date"].argmin()]),
                    end=fmt.format_date(data["date"].max(), s, data["precision"].iloc[data["date"].argmax()]))), shown)]


def indicator_section(ctx: Comparison, indicator_id: str) -> list[Block]:
    """One indicator: its heading, the ranking on the reference date (unless the map above shows the same
    figures; drawn compact, so the sentences and context facts after it stand beside it), small multiples
    over time."""
    s, standing = ctx.sprache, ctx.figures.standings[indicator_id]
    ind = standing.indicator
    items = indicator_statements(ctx, indicator_id) + [
        Statement(fact_line(f, ctx.names[f.ags], s), (f.source_id,))
        for f in facts_about(located_facts(ctx.facts), indicator_id).itertuples()]
    why = "; ".join(missing_by_gap(ctx, standing)) or fmt.MISSING[s]
    empty = ctx.t("vergleich_no_municipal_data", label=ind.label(s), gap=why)
    body = Text((f"{ind.text('definition', s)}\n\n", *(statement_parts(items, s) if items else (empty,))))
    if sum(not f.missing for f in standing.kommunen) < 2:
        return [markdown(f"### {ind.label(s)}"), body]
    mapped = ctx.figures.map is not None and ctx.figures.map.indicator is ind and maps.covers(ctx.kreis.ags)
    return ([markdown(f"### {ind.label(s)}"), *([] if mapped else _ranking_chart(ctx, standing)), body]
            + _small_multiples(ctx, standing))


def indicators(ctx: Comparison) -> list[Block]:
    """Every selected indicator in catalogue order, each as :func:`indicator_section`."""
    blocks: list[Block] = [markdown(f"## {ctx.t('vergleich_h_indicators')}\n\n{ctx.t('vergleich_over_time_note')}")]
    return blocks + [b for i in ctx.figures.indicator_ids for b in indicator_section(ctx, i)]


def sources(ctx: Comparison) -> list[Block]:
    """'Quellen und Stand': every source cited above, one row each."""
    return sources_section(ctx.t("sources_heading"))
