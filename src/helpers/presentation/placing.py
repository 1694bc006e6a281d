"""The words of "Wo steht …?": a rank ("zweithöchster Wert der 16"), the direction since the earlier comparable
date, the range of the similar Kommunen, and an "Auffällig" statement — neutral (above or below a reference,
never good or bad) and judged on the printed values (:func:`helpers.fmt.as_printed`)."""
from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from helpers import fmt
from helpers.i18n import t
from helpers.indicators.placing import Notability, Placing
from helpers.kommunen import LAND_AGS
from helpers.presentation.narrative import format_day, format_figure, format_value
from helpers.presentation.sources import is_secondary

# German ordinal stems: "zweithöchster", "drittniedrigster"; beyond them "Rang 13 von 24".
_ORDINALS_DE = ("", "zweit", "dritt", "viert", "fünft", "sechst", "siebt", "acht", "neunt", "zehnt", "elft", "zwölft")
MAX_NAMED_TIES = 2  # more Kommunen sharing a value are counted ("gleich mit 13 weiteren")


def _ordinal(n: int, sprache: str) -> str | None:
    if sprache == "de":
        return _ORDINALS_DE[n - 1] if n <= len(_ORDINALS_DE) else None
    return "" if n == 1 else f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')} "


def rank_text(p: Placing, names: Mapping[str, str], sprache: str) -> str:
    """"höchster Wert der 16", "zweitniedrigster Wert der 14 mit Angabe", ties named or counted; "" unranked."""
    rank, total = p.rank, len(p.others)
    if rank is None:
        return ""
    from_top = rank <= p.lowest_rank
    position = rank if from_top else p.lowest_rank
    stem = _ordinal(position, sprache)
    n = len(p.ranked)
    of = t("placing_of_all" if n == total else "placing_of_some", sprache, n=n)
    if stem is None:
        text = t("placing_rank_number", sprache, rank=rank, of=of)
    else:
        text = t("placing_highest" if from_top else "placing_lowest", sprache, ordinal=stem, of=of)
    if p.tied:
        others = (fmt.format_list([names[a] for a in p.tied], sprache) if len(p.tied) <= MAX_NAMED_TIES
                  else t("placing_tied_count", sprache, n=len(p.tied)))
        text += t("placing_tied", sprache, others=others)
    return text


def direction_text(p: Placing, sprache: str) -> str:
    """"gestiegen (31.12.2019: 13,9 %)" since the earlier date on the same census base; "" without one, and where
    either end comes from a press report or a third party (a secondary figure never sets a direction)."""
    c = p.change
    if c is None or any(is_secondary(i) for i in c.source_ids):
        return ""
    start, end = fmt.as_printed(c.start_value, p.indicator.decimals), fmt.as_printed(c.end_value, p.indicator.decimals)
    word = "placing_up" if end > start else "placing_down" if end < start else "placing_same"
    day = fmt.format_date(c.start.date(), sprache, p.own.precision)
    return t(word, sprache, date=day, value=format_value(c.start_value, p.indicator.id, sprache))


def peers_text(p: Placing, sprache: str) -> str:
    """The similar Kommunen's values on the same date: one value, or their range ("6,2–9,1 %")."""
    values = [f for f in p.peers if not f.missing and not f.lower_bound]
    if not values:
        return ""
    low, high = min(values, key=lambda f: f.value), max(values, key=lambda f: f.value)
    if fmt.as_printed(low.value, p.indicator.decimals) == fmt.as_printed(high.value, p.indicator.decimals):
        return format_figure(low, sprache)
    return f"{format_figure(low, sprache)} – {format_figure(high, sprache)}"


def notable_text(n: Notability, names: Mapping[str, str], sprache: str) -> str:
    """One neutral sentence: "Mindestsicherungsquote: 14,5 % (31.12.2024), deutlich über dem Kreiswert (8,2 %)"
    with the rule's threshold and minimum count, and where a stated policy direction comes from."""
    p, rule = n.placing, n.placing.indicator.notable
    if len(n.reference) == 1 and rule.reference != "similar":  # a Kreis's own "Kreis" reference is NRW
        level = "land" if n.reference[0].ags == LAND_AGS else rule.reference
        reference = t(f"placing_ref_{level}", sprache, value=format_figure(n.reference[0], sprache))
    else:
        listing = fmt.format_list([f"{names[f.ags]} {format_figure(f, sprache)}" for f in n.reference], sprache)
        reference = t("placing_ref_similar", sprache, listing=listing)
    amount = rule.points if rule.points is not None else rule.relative
    amount = fmt.format_number(amount, 0 if float(amount).is_integer() else 1, sprache)
    threshold = t("placing_points" if rule.points is not None else "placing_relative", sprache, n=amount)
    text = t("placing_notable", sprache, indicator=p.indicator.label(sprache),
             value=format_figure(p.own, sprache), date=format_day(p.own, sprache),
             side=t("placing_above" if n.above else "placing_below", sprache), reference=reference,
             threshold=threshold, min_count=fmt.format_number(rule.min_count, 0, sprache))
    if rule.policy_direction:
        text += " " + t(f"placing_policy_{rule.policy_direction}", sprache,
                        source=rule.policy_de if sprache == "de" else rule.policy_en)
    return text


def shown_columns(table: pd.DataFrame) -> pd.DataFrame:
    """A "Wo steht" table without the columns empty in every row (no direction anywhere: one date, or a census-base
    break); :func:`legend_lines` then says which column is left out and why."""
    return table.loc[:, [c for c in table.columns if (table[c] != "").any()]]


def legend_lines(table: pd.DataFrame, empty_cell: str, direction_column: str, sprache: str) -> list[str]:
    """What an empty cell means and, when the direction column is left out, that no earlier comparable figure
    exists — a reader otherwise cannot tell a direction not shown from one never looked for."""
    if direction_column in table.columns:
        return [empty_cell]
    return [empty_cell, t("placing_no_direction", sprache, column=direction_column)]
