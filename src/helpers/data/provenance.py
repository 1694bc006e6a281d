"""Where each source comes from, decided once when the data are built.

Which publisher is official, administrative, press or a third party, and under which licence a
figure is used, follows ``catalogue/source_families.csv``; a press report or compilation keeps the
official origin it relays, so citations can say "IT.NRW, nach Rheinische Post vom …"
(see ``helpers.presentation.sources``).
"""
from __future__ import annotations

import re
from functools import lru_cache

import pandas as pd

from helpers.paths import CATALOGUE_DIR

FAMILY_RANK = {"official": 0, "administration": 1, "press": 2, "third_party": 3}
_TABLE_CODE = re.compile(r"\b(?:\d{5}|\d{4}[A-Z])-[0-9A-Za-z]+(?:-[0-9A-Za-z]+)*")
_ROUTE_SPLIT = re.compile(r"\s*(?:\(|,|\breporting\b|\bciting\b|\bquoting\b|\breproducing\b|\bvia\b)")
_DATE = r"(\d{1,2})\.(\d{1,2})\.(\d{4})\b"
# A date is a publication date only where the text marks it as one ("article 15.04.2020", "press release
# 06.09.2018", "(M. Grass, 22.09.2017)", "… via site.de (04.12.2020)"). Other dates in titles and pages are
# reference dates ("AZR 31.12.2015", "Stichtag 01.03.2019", "Gebietsstand …") and never become "vom …".
_PUBLISHED = re.compile(
    r"(?:\b(?:article(?:\s+(?:of|dated))?|press release|Pressemitteilung|Mitteilung|item|post|ticker|print)\s+"
    r"|\((?:[A-Z]\.\s*)+[A-ZÄÖÜ][\w-]+,\s*|\bvia\s+[\w.-]+\s*\()" + _DATE)
_RELAYED = re.compile(r"(?:citing|quoting|reporting)\s+(?:(?:the\s+)?report\s+of\s+)?([^;()/,]+)")
# not part of a name
_DETAIL = re.compile(r"\s+(?:\S*report|\S*bericht|Verwaltungsvorlage|Wahlleiter|refugee|'|\d{1,2}\.\d)")
_CARRIER = re.compile(r"\b(?:via|reproduced by)\s+([\w.-]+)")


@lru_cache(maxsize=1)
def _families() -> tuple[tuple[re.Pattern, str, str, str], ...]:
    """The rules of source_families.csv in order: (publisher pattern, family, short publisher, licence), read
    and compiled once (they are tried for every source and text)."""
    rules = pd.read_csv(CATALOGUE_DIR / "source_families.csv", dtype=str, keep_default_na=False)
    return tuple((re.compile(r.publisher_pattern), r.family, r.publisher_short, r.licence)
                 for r in rules.itertuples(index=False))


def _classify(publisher: str) -> tuple[str, str, str]:
    """(family, short publisher, licence) of the first matching rule; ('', '', '') if none."""
    for pattern, family, short, licence in _families():
        if pattern.search(publisher):
            return family, short, licence
    return "", "", ""


def _official(text: str) -> str:
    """The short name of the first official publisher named in ``text``, else ''."""
    for pattern, family, short, _ in _families():
        if family == "official" and pattern.search(text):
            return short
    return ""


def _origin(texts) -> str:
    """The publisher a press report or compilation relays, as publisher, page or title name it.

    An official statistics office wins; otherwise the office or administration named after
    "citing/quoting/reporting" (e.g. "Stadt Kleve"), with dates and report details cut off.
    """
    for text in texts:
        if _official(text):
            return _official(text)
    for text in texts:
        match = _RELAYED.search(text)
        if match:
            name = _DETAIL.split(match.group(1).strip())[0].strip()
            if name[:1].isupper() and _classify(name)[0] != "press":  # a relayed press report is no origin
                return name
    return ""


def _route(publisher: str, short: str) -> str:
    """Who carried the figure: the press or compilation name, never the official origin itself
    ("IT.NRW press release via forumwk.de" is carried by forumwk.de)."""
    if short:
        return short
    head = _ROUTE_SPLIT.split(publisher, maxsplit=1)[0].strip()
    carrier = _CARRIER.search(publisher)
    return carrier.group(1) if _official(head) and carrier else head


def describe(sources: pd.DataFrame) -> pd.DataFrame:
    """Add family, publisher_short, origin, table_code and licence columns (used by ``data build``)."""
    out = sources.copy()
    classified = out["publisher"].map(_classify)
    out["family"] = classified.str[0]
    out["publisher_short"] = [_route(p, short) for (_, short, _), p in zip(classified, out["publisher"], strict=True)]
    texts_of = out[["publisher", "table_or_page", "title"]].itertuples(index=False)
    out["origin"] = [_origin(texts) if family in ("press", "third_party") else ""
                     for family, texts in zip(out["family"], texts_of, strict=True)]
    out["table_code"] = [_first_table_code(row) for row in out[["table_or_page", "title"]].itertuples(index=False)]
    out["licence"] = classified.str[2]
    out["published_on"] = [_article_date(row)
                           for row in out[["title", "table_or_page", "publisher"]].itertuples(index=False)]
    return out


def _first_table_code(texts) -> str:
    for text in texts:
        match = _TABLE_CODE.search(text)
        if match:
            return match.group(0)
    return ""


def _article_date(texts) -> str:
    """The publication date when title, page or publisher mark one (see ``_PUBLISHED``), as YYYY-MM-DD."""
    for text in texts:
        match = _PUBLISHED.search(text)
        if match:
            day, month, year = match.groups()
            return f"{year}-{int(month):02d}-{int(day):02d}"
    return ""
