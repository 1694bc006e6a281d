"""Numbers, percentages and dates as a German (or English) reader expects them.

Formatting goes through Babel's CLDR data, so ``41655`` becomes ``41.655`` in German and
``41,655`` in English, and a percentage carries the narrow space ``17,3 %`` house style wants.
A missing value is never printed as 0: it becomes the catalogue's "no figure" word.

Rounding is that of official statistics, half up at the printed precision (31,25 → 31,3; 6,25 → 6,3), decided
on the decimal value that was computed, not on its binary approximation (:func:`round_half_up`); a negative
number carries a true minus sign (−), in German and in English.
"""
from __future__ import annotations

import datetime as dt
import math
import re
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Context, Decimal
from numbers import Number

import pandas as pd
from babel.dates import format_date as _babel_date
from babel.lists import format_list as _babel_list
from babel.numbers import format_decimal

LOCALES = {"de": "de_DE", "en": "en_GB"}
MISSING = {"de": "k. A.", "en": "n/a"}
MINUS = "\u2212"
# A computed value is read with this many significant digits before it is rounded for print, which drops the
# noise of binary floating point (100 * 29 / 200 = 14.499999999999998 is 14.5) and keeps every digit a figure
# of this monitor has (at most eight before the decimal point, a few after it).
SIGNIFICANT_DIGITS = 12


def is_missing(value: object) -> bool:
    """None, NaN, pd.NA and NaT are missing; 0 is a value."""
    return value is None or bool(pd.isna(value))


def _locale(sprache: str) -> str:
    try:
        return LOCALES[sprache]
    except KeyError:
        raise ValueError(f"Unbekannte Sprache {sprache!r}. Gültig: {', '.join(LOCALES)}.") from None


def round_half_up(value: Number, decimals: int = 0) -> Decimal:
    """``value`` rounded half up (away from zero) to ``decimals`` places, as official statistics round:
    31.25 → 31.3, 6.25 → 6.3, 0.125 → 0.13, −2.5 → −3. The float is read as the decimal it was computed
    as (its shortest representation, ``repr``), cleaned of binary noise at :data:`SIGNIFICANT_DIGITS`
    significant digits, then rounded — so 2.675 becomes 2.68 although its binary value is a little below.
    Charts and tables call this (or :func:`format_number`) so every printed figure rounds alike."""
    exact = Decimal(repr(float(value)))
    if exact.is_finite() and exact != 0:
        exact = Context(prec=SIGNIFICANT_DIGITS, rounding=ROUND_HALF_EVEN).plus(exact)
    return exact.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def as_printed(value: Number | None, decimals: int) -> float | None:
    """``value`` as a reader sees it (:func:`round_half_up` at ``decimals``), as a float: ranks, ties, thresholds
    and goals compare these, so what prints equal is equal. None and NaN stay as they are."""
    return value if value is None or math.isnan(value) else float(round_half_up(value, decimals))


def format_number(value: Number | None, decimals: int = 0, sprache: str = "de") -> str:
    """``41655`` → ``41.655``; ``2.456`` with 1 decimal → ``2,5``; ``31.25`` → ``31,3`` (half up,
    :func:`round_half_up`); ``-19.9`` → ``−19,9`` (true minus sign); missing → ``k. A.``."""
    if is_missing(value):
        return MISSING[sprache]
    pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    rounded = round_half_up(value, decimals)
    text = format_decimal(abs(rounded), format=pattern, locale=_locale(sprache), decimal_quantization=False)
    return MINUS + text if rounded < 0 else text


def format_percent(value: Number | None, decimals: int = 1, sprache: str = "de") -> str:
    """A share already on the 0–100 scale: ``17.34`` → ``17,3 %`` (de) or ``17.3%`` (en)."""
    if is_missing(value):
        return MISSING[sprache]
    number = format_number(value, decimals, sprache)
    return f"{number}\u00a0%" if sprache == "de" else f"{number}%"


def format_change(value: Number | None, decimals: int = 1, sprache: str = "de", unit: str = "") -> str:
    """A signed change: ``+3,2 %`` / ``−1.204`` / ``±0,0`` (true minus sign, readable in print)."""
    if is_missing(value):
        return MISSING[sprache]
    rounded = round_half_up(value, decimals)  # the sign of the printed figure: −0,04 reads ±0,0
    sign = "+" if rounded > 0 else (MINUS if rounded < 0 else "\u00b1")
    body = format_number(abs(rounded), decimals, sprache)
    if unit == "%":
        body = f"{body}\u00a0%" if sprache == "de" else f"{body}%"
    elif unit:
        body = f"{body}\u00a0{unit}"
    return f"{sign}{body}"


DATE_PATTERNS = {"day": {"de": "dd.MM.yyyy", "en": "d MMM yyyy"}, "month": {"de": "MMMM yyyy", "en": "MMMM yyyy"},
                 "year": {"de": "yyyy", "en": "yyyy"}}


SCHOOL_YEAR = {"de": "Schuljahr {start}/{end:02d}", "en": "school year {start}/{end:02d}"}


def format_date(value: dt.date | str | None, sprache: str = "de", precision: str = "day") -> str:
    """``2023-12-31`` → ``31.12.2023`` (de) or ``31 Dec 2023`` (en); with the precision the source
    has: ``month`` → ``März 2022``, ``year`` → ``2016``, ``school_year`` (a school statistic's 15 October)
    → ``Schuljahr 2022/23``; None/NaT → ``k. A.``."""
    if is_missing(value):
        return MISSING[sprache]
    if isinstance(value, str):
        value = dt.date.fromisoformat(value[:10])
    if isinstance(value, dt.datetime):
        value = value.date()
    if precision == "school_year":
        start = value.year if value.month >= 8 else value.year - 1  # a school year begins on 1 August in NRW
        return SCHOOL_YEAR[sprache].format(start=start, end=(start + 1) % 100)
    return _babel_date(value, format=DATE_PATTERNS[precision][sprache], locale=_locale(sprache))


def format_list(items: list[str], sprache: str = "de") -> str:
    """``["Kerken", "Straelen"]`` → ``Kerken und Straelen`` (de) / ``Kerken and Straelen`` (en)."""
    return _babel_list(list(items), locale=_locale(sprache)) if items else ""


_MARKDOWN_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")  # every ASCII punctuation character


def markdown_text(text: object) -> str:
    """Text from data (a source title, a fact, a citation) for a Markdown output: shown as written, never markup.

    Every ASCII punctuation character is backslash-escaped (CommonMark), so neither HTML (``<h2>``,
    ``<a href=…>``) nor Markdown syntax (``**``, ``[…](…)``, ``#``) becomes markup, and line breaks become
    spaces so the text cannot open a new block. Only the code around it writes markup.
    """
    return _MARKDOWN_PUNCTUATION.sub(r"\\\1", " ".join(str(text).split()))
