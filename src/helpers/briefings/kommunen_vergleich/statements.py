"""The Kommunenvergleich's sentences on one indicator: highest and lowest on one date (a highest or
lowest value shared by several Kommunen at the printed precision is a tie, :func:`extremes`), lower
bounds and figures of other dates kept out of the ranking and said so, the Kreis value, and the
Kommunen without a figure."""
from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from helpers import fmt
from helpers.briefings.context import Context
from helpers.briefings.document import Statement
from helpers.briefings.kommunen_vergleich.figures import ComparisonFigures
from helpers.data.status import mark
from helpers.i18n import t
from helpers.indicators import Figure, Indicator, gaps
from helpers.presentation import narrative, sources

Comparison = Context[ComparisonFigures]
MAX_NAMED_TIES = 3  # a tie of more Kommunen is reported by number ("in 14 Kommunen")


def format_value(value: float | None, status: str, ind: Indicator, sprache: str) -> str:
    """As the Kommunenprofil prints a figure: unit, decimals, status mark; missing → k. A."""
    if value is None or pd.isna(value):
        return fmt.MISSING[sprache]
    return narrative.format_value(value, ind.id, sprache) + mark(status)


def day(f: Figure, sprache: str) -> str:
    """A figure's date as its source dates it (an annual average "2016", a school year "Schuljahr 2022/23")."""
    return fmt.format_date(f.date, sprache, f.precision)


def reference_day(standing, sprache: str) -> str:
    """The reference date of a ranking, dated as the figures on it are."""
    precision = next((f.precision for f in standing.on_reference_date if not f.missing), "day")
    return fmt.format_date(standing.reference_date, sprache, precision)


def _shown(value: float, ind: Indicator, sprache: str) -> str:
    """The value as printed, without mark: ties are decided on it (see :func:`extremes`)."""
    return narrative.format_value(value, ind.id, sprache)


def extremes(figures: tuple[Figure, ...], ind: Indicator, sprache: str) -> tuple[list[Figure], list[Figure]]:
    """All Kommunen sharing the highest and all sharing the lowest value. Ties are judged at the
    printed precision, because that is what a reader can check: 5,66 % and 5,74 % both read
    5,7 % and are reported together, never as one winner picked by AGS order."""
    printed = [_shown(f.value, ind, sprache) for f in figures]
    top, bottom = (_shown(pick(f.value for f in figures), ind, sprache) for pick in (max, min))
    return ([f for f, p in zip(figures, printed, strict=True) if p == top],
            [f for f, p in zip(figures, printed, strict=True) if p == bottom])


def _places(ctx: Comparison, figures: list[Figure], ind: Indicator) -> str:
    """``in Kleve (53.028)``, ``in Kerken und Straelen (je 5,7 %)`` or ``in 14 Kommunen (je 0,0 %)``."""
    s, first = ctx.sprache, figures[0]
    value = format_value(first.value, first.status, ind, s)
    if len(figures) == 1:
        return t("vergleich_place_one", s, name=ctx.names[first.ags], value=value)
    if len(figures) <= MAX_NAMED_TIES:
        return t("vergleich_place_tied", s, names=fmt.format_list([ctx.names[f.ags] for f in figures], s), value=value)
    return t("vergleich_place_many", s, n=len(figures), value=value)


def _listed(ctx: Comparison, figures: list[Figure], ind: Indicator, dated: bool = True) -> str:
    """``Geldern 52,6 %⁴ (14.09.2025)``: each figure, with its own date where ``dated``."""
    s = ctx.sprache
    return fmt.format_list([f"{ctx.names[f.ags]} {format_value(f.value, f.status, ind, s)}"
                            + (f" ({day(f, s)})" if dated else "") for f in figures], s)


def sourced(text: str, figures: Iterable[Figure]) -> Statement:
    """A statement sourced by the figures its numbers come from."""
    figures = list(figures)
    ids = tuple(dict.fromkeys(i for f in figures for i in f.source_ids))
    return Statement(text, ids, frozenset(f.status for f in figures if mark(f.status)))


def indicator_statements(ctx: Comparison, indicator_id: str) -> list[Statement]:
    """The sentences on one indicator (see the module's docstring)."""
    s, standing = ctx.sprache, ctx.figures.standings[indicator_id]
    ind, reference = standing.indicator, standing.reference_date
    local = [f for f in standing.on_reference_date if not f.missing]
    ranked, date = standing.ranked, reference_day(standing, s)
    out = []
    if len(ranked) >= 2:
        top, bottom = extremes(ranked, ind, s)
        if len(top) == len(ranked):
            value = format_value(top[0].value, top[0].status, ind, s)
            out.append(sourced(ctx.t("vergleich_range_equal", n=len(ranked), value=value, date=date), [top[0]]))
        else:
            out.append(sourced(ctx.t("vergleich_range", top=_places(ctx, top, ind), bottom=_places(ctx, bottom, ind),
                                     date=date), [*top, *bottom]))
    elif len(ranked) == 1:
        only = ranked[0]
        out.append(sourced(ctx.t("vergleich_single", name=ctx.names[only.ags], date=date,
                                 value=format_value(only.value, only.status, ind, s)), [only]))
    lower = [f for f in local if f.lower_bound]
    if lower:
        out.append(sourced(ctx.t("vergleich_lower_bounds", listing=_listed(ctx, lower, ind, dated=False), date=date),
                           lower))
    own = [f for f in standing.kommunen if not f.missing]
    elsewhere = [f for f in own if f.date != reference]
    if elsewhere:
        out.append(sourced(ctx.t("vergleich_other_dates", listing=_listed(ctx, elsewhere, ind), date=date), elsewhere))
    k = standing.kreis_on_reference_date if not standing.kreis_on_reference_date.missing else standing.kreis
    if not k.missing:
        out.append(sourced(ctx.t("vergleich_kreis_value", value=format_value(k.value, k.status, ind, s),
                                 date=day(k, s)), [k]))
    out += not_rounded(ctx, standing)
    if own:
        for text, missing in missing_by_gap(ctx, standing).items():
            names = fmt.format_list([ctx.names[f.ags] for f in missing], s)
            out.append(sourced(ctx.t("vergleich_missing", n=len(missing), names=names, gap=text), [own[0]]))
    return out


def not_rounded(ctx: Comparison, standing) -> list[Statement]:
    """Where the definition says the figures are rounded (``rounded_to``), the figures shown that the claim does
    not cover — another source, e.g. a town's own count in the press — are named as not rounded, only where
    they appear (never a note about one Kreis's town on every page)."""
    claim = standing.indicator.rounded_to
    if not claim or not standing.series:
        return []
    others = [(r, row) for r, series in zip(ctx.kommunen, standing.series, strict=True) for _, row in series.iterrows()
              if not any(i.startswith(tuple(claim["sources"])) for i in row["source_ids"])]
    if not others:
        return []
    listing = fmt.format_list([f"{r.name} ({fmt.format_date(row['date'], ctx.sprache, row['precision'])})"
                               for r, row in others], ctx.sprache)
    ids = tuple(dict.fromkeys(i for _, row in others for i in row["source_ids"]))
    return [Statement(ctx.t("vergleich_not_rounded", multiple=claim["multiple"], listing=listing), ids)]


def missing_by_gap(ctx: Comparison, standing) -> dict[str, list[Figure]]:
    """The Kommunen without a newest figure, grouped by why (the gap's case and table, in words): Kranenburg
    and Rheurdt "geheim gehalten" where the table has '.', never a text written for one Kreis."""
    grouped: dict[str, list[Figure]] = {}
    for f in standing.kommunen:
        if f.missing:
            grouped.setdefault(sources.gap_text(standing.indicator, gaps.gap(standing.indicator, f), ctx.sprache),
                               []).append(f)
    return grouped
