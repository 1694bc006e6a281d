"""The words and numbers of a chart: the one-sentence description for screen readers, hover texts and
"k. A." labels, all formatted by :mod:`helpers.fmt` (German numbers, rounding as printed).

A description says what is drawn (kind and title, which names the date), how many values, the range and
where its ends are — ties judged on the printed numbers, as a reader would check them ("von 5,7 % (Kerken
und Straelen) bis 14,5 % (Weeze)") — and which places or years have no figure.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

import pandas as pd

from helpers import fmt
from helpers.i18n import t

MAX_NAMED_TIES = 3  # more places sharing an end of the range are counted ("14 gleichauf"), not listed


def format_value(value: float | None, unit: str = "", decimals: int = 0, sprache: str = "de") -> str:
    """A figure as a chart prints it (hover, labels, description): ``17,3 %`` for ``unit="%"``, else the
    number with its unit after a no-break space; missing → ``k. A.``."""
    if unit == "%":
        return fmt.format_percent(value, decimals, sprache)
    number = fmt.format_number(value, decimals, sprache)
    return f"{number}\u00a0{unit}" if unit and not fmt.is_missing(value) else number


def decimals_of(values: Iterable[float]) -> int:
    """0 for whole numbers (counts), else 1: the precision of a chart whose caller names none."""
    present = [float(v) for v in values if not fmt.is_missing(v)]
    return 0 if all(v.is_integer() for v in present) else 1


def formatter(unit: str, decimals: int | None, values: Iterable[float], sprache: str) -> Callable[[float], str]:
    """``format_value`` with the chart's unit and decimals (guessed from ``values`` when None)."""
    places = decimals_of(values) if decimals is None else decimals
    return lambda value: format_value(value, unit, places, sprache)


def names(items: Sequence[str], sprache: str) -> str:
    """"Kerken und Straelen"; more than :data:`MAX_NAMED_TIES` are counted ("14 gleichauf")."""
    items = list(dict.fromkeys(items))
    if len(items) > MAX_NAMED_TIES:
        return t("chart_tied_many", sprache, n=len(items))
    return fmt.format_list(items, sprache)


def runs(values: Iterable[int]) -> list[list[int]]:
    """Consecutive whole numbers grouped: 2001, 2002, 2003, 2017 → [[2001, 2002, 2003], [2017]]."""
    grouped: list[list[int]] = []
    for value in sorted(set(values)):
        if grouped and value == grouped[-1][-1] + 1:
            grouped[-1].append(value)
        else:
            grouped.append([value])
    return grouped


def years(values: Iterable[int], sprache: str) -> str:
    """Years as runs: ``2001–2010, 2017 und 2019–2021``."""
    return fmt.format_list([f"{r[0]}–{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs(values)], sprache)


def describe(kind: str, title: str, points: Iterable[tuple[float, str]], shown: Callable[[float], str],
             sprache: str, noun: str | None = None, missing: str = "", count: int | None = None) -> str:
    """``Punktdiagramm: Mindestsicherungsquote, 31.12.2024 – 14 Kommunen, von 5,7 % (Kerken und Straelen) bis
    14,5 % (Weeze). Ohne Punkt: Kranenburg (Untergrenze) und Rheurdt (Untergrenze).`` — ``points``: (value,
    where it is), ``kind``: ``dots``, ``bars``, ``lines``, ``small_multiples`` or ``map``; ``missing``: the
    places or years drawn without a figure, as one text; ``count``: how many ``noun`` (default: the values)."""
    present = [(float(v), where) for v, where in points if not fmt.is_missing(v)]
    text = f"{t('chart_kind_' + kind, sprache)}: {title}"
    noun = noun or t("chart_noun_values", sprache)
    if present:
        printed = [shown(v) for v, _ in present]
        high, low = shown(max(v for v, _ in present)), shown(min(v for v, _ in present))
        at = {end: names([w for (_, w), p in zip(present, printed, strict=True) if p == end], sprache)
              for end in (high, low)}
        n = len(present) if count is None else count
        if high == low:
            text += t("chart_describe_equal", sprache, n=n, noun=noun, value=high)
        else:
            text += t("chart_describe_range", sprache, n=n, noun=noun, low=low, low_where=at[low], high=high,
                      high_where=at[high])
    else:
        text += "."
    if missing:
        text += " " + t("chart_describe_missing", sprache, names=missing)
    return text


def when(value, sprache: str) -> str:
    """A point's date as the tables print it (31.12.2024), or the value itself (a year)."""
    stamp = pd.to_datetime(value, errors="coerce") if not isinstance(value, (int, float)) else None
    return fmt.format_date(stamp, sprache) if stamp is not None and not pd.isna(stamp) else str(value)
