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
from helpers.indicators import Figure, Indicator
from helpers.presentation import narrative, sources

Comparison = Context[ComparisonFigures]
MAX_NAMED_TIES = 3  # a tie of more Kommunen is reported by number ("in 14 Kommunen")


def format_value(value: float | None, status: str, ind: Indicator, sprache: str) -> str:
    """As the Kommunenprofil prints a figure: unit, decimals, status mark; missing → k. A."""
    if value is None or pd.isna(value):
        return fmt.MISSING[sprache]
    return narrative.format_value(value, ind.id, sprache) + mark(status)


def ranking(values: pd.Series, decimals: int | None = None) -> pd.DataFrame:
    """Sorted descending; equal values share a rank (the bars must stand in some order: ties
    in AGS order). With ``decimals``, values equal as printed are equal. Missing values come
    last, unranked."""
    frame = pd.DataFrame({"ags": values.index.astype(str), "value": values.to_numpy(dtype=float)})
    key = frame["value"] if decimals is None else frame["value"].round(decimals)
    frame = frame.assign(_key=key).sort_values(["_key", "ags"], ascending=[False, True], na_position="last",
                                               kind="mergesort")
    frame["rank"] = frame["_key"].rank(method="min", ascending=False).astype("Int64")
    return frame.drop(columns="_key").reset_index(drop=True)


def _shown(value: float, ind: Indicator, sprache: str) -> str:
    """The value as printed, without mark: ties are decided on it (see :func:`extremes`)."""
    return narrative.format_value(value, ind.id, sprache)


def extremes(figures: tuple[Figure, ...], ind: Indicator, sprache: str) -> tuple[list[Figure], list[Figure]]:
    """All Kommunen sharing the highest and all sharing the lowest value. Ties are judged at the
    printed precision, because that is what a reader can check: 5,66 % and 5,74 % both read
    5,7 % and are reported together, never as one winner picked by AGS order."""
    printed = [_shown(f.value, ind, sprache) for f in figures]
    top, bottom = (_shown(pick(f.value for f in figures), ind, sprache) for pick in (max, min))
    return ([f for f, p in zip(figures, printed) if p == top], [f for f, p in zip(figures, printed) if p == bottom])


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
                            + (f" ({fmt.format_date(f.date, s)})" if dated else "") for f in figures], s)


def sourced(text: str, figures: Iterable[Figure]) -> Statement:
    """A statement sourced by the figures its numbers come from."""
    figures = list(figures)
    ids = tuple(dict.fromkeys(i for f in figures for i in f.source_ids))
    return Statement(text, ids, frozenset(f.status for f in figures if mark(f.status)))


def indicator_statements(ctx: Comparison, indicator_id: str) -> list[Statement]:
    """The sentences on one indicator (see the module's docstring)."""
    s, standing = ctx.sprache, ctx.figures.standings[indicator_id]
    ind, day = standing.indicator, standing.reference_date
    local = [f for f in standing.on_reference_date if not f.missing]
    ranked, date = standing.ranked, fmt.format_date(day, s)
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
    elsewhere = [f for f in own if f.date != day]
    if elsewhere:
        out.append(sourced(ctx.t("vergleich_other_dates", listing=_listed(ctx, elsewhere, ind), date=date), elsewhere))
    k = standing.kreis_on_reference_date if not standing.kreis_on_reference_date.missing else standing.kreis
    if not k.missing:
        out.append(sourced(ctx.t("vergleich_kreis_value", value=format_value(k.value, k.status, ind, s),
                                 date=fmt.format_date(k.date, s)), [k]))
    missing = [f for f in standing.kommunen if f.missing]
    if missing and own:
        names = ", ".join(ctx.names[f.ags] for f in missing)
        out.append(sourced(ctx.t("vergleich_missing", n=len(missing), names=names, gap=sources.gap(ind, s)), [own[0]]))
    return out
