"""Plain-language sentences and formatted figures for the Kommunenprofil.

Every number a reader sees goes through :func:`format_figure`, so German formats (41.665,
17,3 %, 31.12.2023), status marks and the wording for missing figures are decided in one place;
comparison words ("mehr als") are computed from the figures as printed, so text and table agree.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping

from helpers import fmt
from helpers.data.status import Status, mark
from helpers.i18n import t
from helpers.indicators import CATALOGUE, Comparison, Figure, Indicator, gaps
from helpers.indicators.goals import Judgement
from helpers.presentation import sources

Places = Mapping[str, object]  # a Kreis's placeholders: kreis, im_kreis, Im_kreis, n_kommunen, …


def format_value(value: float | None, indicator_id: str, sprache: str = "de") -> str:
    """A bare number in the indicator's unit and decimals (``53.028``, ``22,5 %``, ``73 je 100``)."""
    return format_in_unit(value, CATALOGUE[indicator_id], sprache)


def format_in_unit(value: float | None, ind: Indicator, sprache: str = "de") -> str:
    """:func:`format_value` for an :class:`Indicator`: a ratio per 100 that is no share (e.g. a dependency
    ratio, unit ``per_100``) reads "73 je 100", never "73 %"."""
    if ind.kind == "change":
        return fmt.format_change(value, ind.decimals, sprache, unit="%")
    if ind.unit == "percent":
        return fmt.format_percent(value, ind.decimals, sprache)
    if ind.unit == "per_100" and not fmt.is_missing(value):
        return f"{fmt.format_number(value, ind.decimals, sprache)} {t('vergleich_unit_per_100', sprache)}"
    return fmt.format_number(value, ind.decimals, sprache)


def missing_reason(figure: Figure, sprache: str = "de") -> str:
    """Why a figure is absent, in words a reader understands: a change across census bases, else its gap's
    case (:func:`helpers.indicators.gaps.gap`: not yet in the data, only a larger area, secret, not published)."""
    if figure.status == "not_comparable":
        return t("profil_not_comparable", sprache)
    return sources.gap_reason(gaps.gap(CATALOGUE[figure.indicator], figure), sprache)


def format_figure(figure: Figure, sprache: str = "de", *, reason: bool = False) -> str:
    """Value with its status mark; a missing figure reads ``k. A.`` (or its reason)."""
    if figure.missing:
        return missing_reason(figure, sprache) if reason else fmt.MISSING[sprache]
    return format_value(figure.value, figure.indicator, sprache) + mark(figure.status)


def goal_status(judgement: Judgement | dict, sprache: str = "de") -> str:
    """The status in words; "nicht bewertbar" with its plain reason (a Judgement or its run.json record)."""
    record = judgement.record() if isinstance(judgement, Judgement) else judgement
    text = t(f"goal_status_{record['status']}", sprache)
    if record["reason"]:
        return t("goal_reason_cell", sprache, status=text, reason=t(f"goal_reason_{record['reason']}", sprache))
    return text


def format_day(figure: Figure, sprache: str = "de") -> str:
    """The figure's reference date with the precision its source has ("März 2022", "2016")."""
    return fmt.format_date(None if figure.date is None else figure.date.date(), sprache, figure.precision)


def span_text(dates: Iterable, sprache: str = "de") -> str:
    """The header's "Zahlen von 2011 bis 2024; jede Zahl nennt ihren Stichtag" over the dates shown."""
    years = sorted({d.year for d in dates if not fmt.is_missing(d)})
    return t("data_span", sprache, first=years[0], last=years[-1]) if years else ""


def compare_word(figure: Figure, other: Figure, sprache: str = "de") -> str:
    """"mehr als" / "weniger als" / "genauso viel wie", judged on the printed (rounded) values."""
    decimals = CATALOGUE[figure.indicator].decimals
    a, b = fmt.as_printed(figure.value, decimals), fmt.as_printed(other.value, decimals)
    return t("profil_more" if a > b else "profil_less" if a < b else "profil_same", sprache)


def marker_legend(statuses: Iterable[str], sprache: str = "de") -> list[str]:
    """One explanation line per mark that actually occurs, in the order of the marks (¹ … ⁵)."""
    present = set(statuses)
    return [f"{status.mark} {t(f'status_{status}', sprache)}" for status in Status.marked()
            if status in present]


def _population_sentence(kommune: str, c: Comparison, sprache: str, places: Places) -> str | None:
    if c.kommune.missing:
        return None
    return t("profil_s_population", sprache, **places, kommune=kommune, date=format_day(c.kommune, sprache),
             value=format_figure(c.kommune, sprache), kreis_value=format_figure(c.kreis, sprache),
             land=format_figure(c.land, sprache))


def _foreign_2011_sentence(kommune: str, count: Comparison, share: Comparison, sprache: str) -> str | None:
    if count.kommune.missing or share.kommune.missing or share.kreis.missing:
        return None
    return t("profil_s_foreign_2011", sprache, kommune=kommune, date=format_day(count.kommune, sprache),
             count=format_figure(count.kommune, sprache), share=format_figure(share.kommune, sprache),
             comparison=compare_word(share.kommune, share.kreis, sprache),
             kreis_value=format_figure(share.kreis, sprache))


def _foreign_2022_sentence(c: Comparison, sprache: str, places: Places) -> str | None:
    if c.kommune.missing or c.kreis.missing:
        return None
    return t("profil_s_foreign_2022", sprache, **places, date=format_day(c.kommune, sprache),
             share=format_figure(c.kommune, sprache), comparison=compare_word(c.kommune, c.kreis, sprache),
             kreis_value=format_figure(c.kreis, sprache))


def _base_label(base: str, sprache: str) -> str:
    return t(f"base_{base}", sprache)


def _direction(change: Figure, sprache: str) -> str:
    """"stieg", "sank" or, where the change rounds to zero at the printed precision, "änderte sich" (never
    "stieg um 0,0 %")."""
    rounded = fmt.round_half_up(change.value, CATALOGUE[change.indicator].decimals)
    return t("profil_rose" if rounded > 0 else "profil_fell" if rounded < 0 else "profil_unchanged", sprache)


def _unsigned(change: Figure, sprache: str) -> str:
    """The change as printed after its verb: without sign ("stieg um 3,4 %"), but "±0,0 %" where it rounds to
    zero."""
    text = format_figure(change, sprache)
    return text if text.startswith("\u00b1") else text.lstrip("+\u2212")


def change_sentence(kommune: str, c: Comparison, sprache: str) -> str | None:
    """The change of the Kommune's population since a date, on one census base; where the newer figures are
    on another base, the start's figure and the break, plainly (never a difference across it)."""
    fig = c.kommune
    if fig.date is None or fig.start_date is None:
        return None
    since = fmt.format_date(fig.start_date.date(), sprache)
    population = CATALOGUE[fig.indicator].change_of
    if fig.status == "not_comparable":
        return t("profil_s_change_not_comparable", sprache, since=since, kommune=kommune, date=format_day(fig, sprache),
                 start=format_value(fig.start_value, population, sprache), base_end=_base_label(fig.base, sprache),
                 base_start=_base_label(fig.start_base, sprache))
    if fig.missing:
        return t("profil_s_change_missing", sprache, since=since, kommune=kommune)
    return t("profil_s_change", sprache, since=since, date=format_day(fig, sprache),
             verb=_direction(fig, sprache),
             change=_unsigned(fig, sprache), base=_base_label(fig.base, sprache),
             start=format_value(fig.start_value, population, sprache),
             end=format_value(fig.start_value * (1 + fig.value / 100), population, sprache))


def _census_change_sentence(c: Comparison, sprache: str) -> str | None:
    """The change since the census count the newest figure's base starts from (one base: no method change)."""
    fig = c.kommune
    if fig.missing:
        return None
    population = CATALOGUE[fig.indicator].change_of
    return t("profil_s_change_census", sprache, year=fig.start_base.rsplit("_", 1)[-1],
             since=fmt.format_date(fig.start_date.date(), sprache), date=format_day(fig, sprache),
             verb=_direction(fig, sprache),
             change=_unsigned(fig, sprache), base=_base_label(fig.base, sprache),
             start=format_value(fig.start_value, population, sprache),
             end=format_value(fig.start_value * (1 + fig.value / 100), population, sprache))


def _azr_sentence(kommune: str, count: Comparison, change: Comparison, sprache: str, places: Places) -> str | None:
    """The Kreis's count of the Ausländerzentralregister (published for Kreise only), with its change since
    2015 where the register's 2015 figure is in the data; never divided by another count."""
    kreis_count, kreis_change = count.kreis, change.kreis
    if not count.kommune.missing or kreis_count.missing:
        return None
    if kreis_change.missing:
        return t("profil_s_azr_count", sprache, **places, kommune=kommune, value=format_figure(kreis_count, sprache),
                 date=format_day(kreis_count, sprache))
    return t("profil_s_azr", sprache, **places, kommune=kommune,
             verb=_direction(kreis_change, sprache),
             change=_unsigned(kreis_change, sprache),
             value=format_figure(kreis_count, sprache), date=format_day(kreis_count, sprache))


def _minimum_sentence(kommune: str, c: Comparison, sprache: str) -> str | None:
    if c.kommune.missing:
        if c.kreis.missing or c.kommune.date is None:
            return None
        return t("profil_s_minimum_missing", sprache, kommune=kommune, reason=missing_reason(c.kommune, sprache),
                 date=format_day(c.kreis, sprache), kreis_value=format_figure(c.kreis, sprache))
    if c.kreis.missing or c.land.missing:
        return None
    return t("profil_s_minimum", sprache, kommune=kommune, date=format_day(c.kommune, sprache),
             value=format_figure(c.kommune, sprache), kreis_value=format_figure(c.kreis, sprache),
             land=format_figure(c.land, sprache), cmp_kreis=compare_word(c.kommune, c.kreis, sprache),
             cmp_land=compare_word(c.kommune, c.land, sprache))


def key_sentences(kommune: str, comparisons: Mapping[str, Comparison], sprache: str = "de", *,
                  places: Places, placed: Iterable[str] = ()) -> list[str]:
    """Up to six plain statements for "Auf einen Blick", each only where its figures exist
    (the two census sentences on foreign nationals form one statement). ``places`` are the Kreis
    placeholders of the Kommune's Kreis (``kreis``, ``Im_kreis``, ``n_kommunen``, …); a sentence about a figure
    in ``placed`` (indicator ids "Wo steht" shows with its Kreis and NRW values) is left out, not said twice."""
    c, done = comparisons, set(placed)
    census = " ".join(s for s in (
        _foreign_2011_sentence(kommune, c["foreign_population_census_2011"], c["foreign_share_census_2011"], sprache)
        if "foreign_share_census_2011" not in done else None,
        _foreign_2022_sentence(c["foreign_share_census_2022"], sprache, places)
        if "foreign_share_census_2022" not in done else None,
    ) if s)
    sentences = {
        "population": lambda: _population_sentence(kommune, c["population"], sprache, places),
        "population_change_2015": lambda: change_sentence(kommune, c["population_change_2015"], sprache),
        "population_change_census": lambda: _census_change_sentence(c["population_change_census"], sprache),
        "foreign_share_census": lambda: census,
        "foreign_population_azr": lambda: _azr_sentence(kommune, c["foreign_population_azr"],
                                                        c["foreign_population_azr_change_2015"], sprache, places),
        "minimum_benefit_rate": lambda: _minimum_sentence(kommune, c["minimum_benefit_rate"], sprache),
    }
    return [s for key, sentence in sentences.items() if key not in done and (s := sentence())]
