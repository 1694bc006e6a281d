"""The committee's goals as blocks of a briefing: one table of the goals of a Kommune (its profile) or of a
Kreis and all its Kommunen (the overview), each judged on the briefing's data
(:mod:`helpers.indicators.goals`); without goals, one sentence saying how to add them.

:func:`goal_blocks` is the one entry: a briefing places its blocks wherever it shows goals.
"""
from __future__ import annotations

import pandas as pd

from helpers import fmt
from helpers.briefings.document import Block, Table, heading, markdown
from helpers.data.status import mark
from helpers.i18n import t
from helpers.indicators.catalogue import CATALOGUE
from helpers.indicators.goals import Judgement, Point, judge, of_region, read_goals
from helpers.presentation.narrative import format_value, goal_status, marker_legend


def _value(point: Point | None, indicator: str, sprache: str) -> str:
    if point is None:
        return fmt.MISSING[sprache]
    shown = format_value(point.value, indicator, sprache) + mark(point.status)
    when = fmt.format_date(point.date.date(), sprache, point.precision)
    return t("goal_value_cell", sprache, value=shown, date=when)


def _status(j: Judgement, sprache: str) -> str:
    if j.status in ("on_track", "off_track"):
        return t("goal_path_cell", sprache, status=goal_status(j, sprache),
                 date=fmt.format_date(j.newest.date.date(), sprache, j.newest.precision),
                 value=format_value(j.path, j.goal.indicator, sprache))
    return goal_status(j, sprache)


def goal_table(judgements: list[Judgement], sprache: str, with_region: bool) -> pd.DataFrame:
    """One row per goal: indicator, (region), target and date, baseline, newest value, status, decision."""
    col = lambda key: t(f"goal_col_{key}", sprache)  # noqa: E731 - a column label
    rows = []
    for j in judgements:
        g = j.goal
        decided = fmt.format_date(g.decided_on, sprache)
        rows.append({
            col("indicator"): CATALOGUE[g.indicator].label(sprache),
            **({col("region"): g.region_name} if with_region else {}),
            col("target"): t("goal_target_cell", sprache, value=format_value(g.target, g.indicator, sprache),
                             date=fmt.format_date(g.target_date, sprache)),
            col("baseline"): _value(j.baseline, g.indicator, sprache),
            col("newest"): _value(j.newest, g.indicator, sprache),
            col("status"): _status(j, sprache),
            col("decided"): t("goal_decided_cell", sprache, by=g.decided_by, date=decided) if g.decided_by else decided,
        })
    return pd.DataFrame(rows)


def judgements(ctx) -> list[Judgement]:
    """The goals of the briefing's region (a Kreis: also those of its Kommunen), judged on its data."""
    return [judge(ctx.obs, goal, ctx.stichtag) for goal in of_region(read_goals(sprache=ctx.sprache), ctx.region.ags)]


def goal_blocks(ctx) -> list[Block]:
    """"Zielmarken": the table of :func:`judgements` with its sources and legends, or the sentence how to add goals."""
    found = judgements(ctx)
    if not found:
        return [heading(t("goal_heading", ctx.sprache)), markdown(t("goal_none", ctx.sprache, region=ctx.region.name))]
    ids = tuple(dict.fromkeys(i for j in found for i in j.source_ids))
    statuses = {p.status for j in found for p in (j.baseline, j.newest) if p is not None}
    legend = [t("goal_legend", ctx.sprache), *marker_legend(statuses, ctx.sprache)]
    return [heading(t("goal_heading", ctx.sprache)), markdown(t("goal_intro", ctx.sprache)),
            Table(goal_table(found, ctx.sprache, with_region=not ctx.region.is_kommune), cite=ids or None),
            markdown("\n".join(f"<small>{fmt.markdown_text(line)}</small>  " for line in legend))]
