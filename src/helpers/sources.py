"""Provenance → citation lines and the "Quellen und Stand" table.

Which publisher is official, administrative, press or a third party, and under which
licence a figure is used, is decided once by ``catalogue/source_families.csv`` when the data
are built; press routes are cited honestly ("IT.NRW, nach Rheinische Post vom …").
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache

import pandas as pd

from helpers.fmt import format_date, is_missing
from helpers.i18n import check_sprache, t
from helpers.paths import CATALOGUE_DIR

FAMILY_RANK = {"official": 0, "administration": 1, "press": 2, "third_party": 3}
LICENCE_KEYS = {
    "dl-de/by-2-0": "licence_dl_de_by_2_0",
    "administration": "licence_administration",
    "press": "licence_press",
    "third_party": "licence_third_party",
}
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
_DETAIL = re.compile(r"\s+(?:\S*report|\S*bericht|Verwaltungsvorlage|Wahlleiter|refugee|'|\d{1,2}\.\d)")  # not part of a name
_CARRIER = re.compile(r"\b(?:via|reproduced by)\s+([\w.-]+)")
_URL = re.compile(r"https?://\S+?(?=[\s;,)]|$)")
_REPOSITORY = re.compile(r"(?:GitHub |github:)([\w.-]+/[\w.-]+)")


@lru_cache(maxsize=1)
def _families() -> pd.DataFrame:
    return pd.read_csv(CATALOGUE_DIR / "source_families.csv", dtype=str, keep_default_na=False)


def _classify(publisher: str) -> tuple[str, str, str]:
    """(family, short publisher, licence) of the first matching rule; ('', '', '') if none."""
    for rule in _families().itertuples(index=False):
        if re.search(rule.publisher_pattern, publisher):
            return rule.family, rule.publisher_short, rule.licence
    return "", "", ""


def _official(text: str) -> str:
    """The short name of the first official publisher named in ``text``, else ''."""
    for rule in _families().itertuples(index=False):
        if rule.family == "official" and re.search(rule.publisher_pattern, text):
            return rule.publisher_short
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
    out["publisher_short"] = [_route(p, short) for (_, short, _), p in zip(classified, out["publisher"])]
    out["origin"] = [_origin(texts) if family in ("press", "third_party") else ""
                     for family, texts in zip(out["family"], out[["publisher", "table_or_page", "title"]].itertuples(index=False))]
    out["table_code"] = [_first_table_code(row) for row in out[["table_or_page", "title"]].itertuples(index=False)]
    out["licence"] = classified.str[2]
    out["published_on"] = [_article_date(row) for row in out[["title", "table_or_page", "publisher"]].itertuples(index=False)]
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


def load_sources() -> pd.DataFrame:
    from helpers import data  # late: data imports this module while building

    return data.load("sources")


def _select(source_ids) -> pd.DataFrame:
    ids = [source_ids] if isinstance(source_ids, str) else list(dict.fromkeys(source_ids))
    sources = load_sources().set_index("source_id")
    unknown = [i for i in ids if i not in sources.index]
    if unknown:
        raise KeyError(f"Unbekannte Quelle(n) {', '.join(unknown)}: nicht in data/raw/snapshot/sources.csv")
    return sources.loc[ids].reset_index()


def _stand(dates, sprache: str) -> str:
    """"Stand 31.12.2024", "Stand 15.10.2021 und 15.10.2024" or "Stand 31.12.2005 bis 31.12.2024"."""
    days = sorted({pd.Timestamp(d) for d in dates if not is_missing(d)})
    if not days:
        return ""
    text = [format_date(d, sprache) for d in (days if len(days) <= 2 else (days[0], days[-1]))]
    key = "citation_stand" if len(days) == 1 else ("citation_stand_two" if len(days) == 2 else "citation_stand_span")
    return t(key, sprache, date=text[0], end=text[-1]) if len(days) > 1 else t(key, sprache, date=text[0])


def _cite_one(row, sprache: str, dates) -> str:
    stand = _stand(dates, sprache)
    if row.family in ("press", "third_party"):
        route = row.publisher_short
        if row.published_on and pd.Timestamp(row.published_on) not in {pd.Timestamp(d) for d in dates}:
            route += " " + t("citation_article_date", sprache, date=format_date(row.published_on, sprache))
        head = t("citation_via", sprache, origin=row.origin, route=route) if row.origin else route
        return ", ".join(part for part in (head, stand) if part)
    table = f" ({row.table_code})" if row.table_code else ""
    return ", ".join(part for part in (f"{row.publisher_short}, {row.title}{table}", stand) if part)


def _address(url_or_repo_path: str, sprache: str) -> str:
    """Where a reader finds the source: the original web address, else the public data copy.

    ``sources.csv`` records the full retrieval route (repository, commit, notes) for researchers;
    a briefing shows only the address, preferring the one marked ``original``.
    """
    original = re.search(r"original\s+(https?://\S+?)(?=[\s;,)]|$)", url_or_repo_path)
    if original:
        return original.group(1)
    url = _URL.search(url_or_repo_path)
    if url:
        return url.group(0)
    repository = _REPOSITORY.search(url_or_repo_path)
    return t("source_data_copy", sprache, repository=repository.group(1)) if repository else ""


def cite(source_ids, sprache: str = "de") -> str:
    """One citation line for a figure, chart or table: sources, Stand, licences.

    ``source_ids`` is a list of ids (each cited with the newest reference date it has in the data)
    or a mapping id → the reference dates of the figures actually shown, so a line never names a
    Stand that the table beside it does not show.
    """
    check_sprache(sprache)
    rows = _select(source_ids)
    shown = source_ids if isinstance(source_ids, Mapping) else {}
    parts = [_cite_one(row, sprache, shown.get(row.source_id) or [row.reference_date])
             for row in rows.itertuples(index=False)]
    licences = [t(LICENCE_KEYS[lic], sprache) for lic in dict.fromkeys(rows["licence"]) if lic in LICENCE_KEYS]
    prefix = t("source_prefix" if len(parts) == 1 else "sources_prefix", sprache)
    return f"{prefix}: " + "; ".join(parts + licences)


# --- numbered references: "Quellen: [3], [7]" under a chart, the full citation once at the end ---

_numbers: dict[str, int] | None = None  # source id -> its number in the briefing being built


def start_numbering() -> None:
    """A new briefing numbers its sources from [1] in the order they are first referred to
    (called by the notebooks' ``setup``, so a warm kernel's next notebook starts afresh)."""
    global _numbers
    _numbers = {}


def refer(source_ids, sprache: str = "de") -> str:
    """The short reference under a chart or table ("Quellen: [3], [7]"), numbering new sources;
    outside a numbered briefing (explore notebooks) the full :func:`cite` line."""
    if _numbers is None:
        return cite(source_ids, sprache)
    check_sprache(sprache)
    ids = list(_select(source_ids)["source_id"])
    for source_id in ids:
        _numbers.setdefault(source_id, len(_numbers) + 1)
    numbers = sorted(_numbers[i] for i in ids)
    prefix = t("source_prefix" if len(numbers) == 1 else "sources_prefix", sprache)
    return f"{prefix}: " + ", ".join(f"[{n}]" for n in numbers)


def numbered(source_ids=()) -> list[str]:
    """Every source of the briefing in the order of its number; ``source_ids`` not referred to
    so far are numbered after the others (the "Quellen und Stand" list names them all)."""
    if _numbers is None:
        return list(dict.fromkeys(source_ids))
    for source_id in source_ids:
        _numbers.setdefault(source_id, len(_numbers) + 1)
    return sorted(_numbers, key=_numbers.get)


def source_table(source_ids, sprache: str = "de") -> pd.DataFrame:
    """The "Quellen und Stand" section: one row per source with its reference number, German
    (or English) column names."""
    check_sprache(sprache)
    rows = _select(source_ids)
    numbers = [(_numbers or {}).get(i, n) for n, i in enumerate(rows["source_id"], start=1)]
    return pd.DataFrame({
        t("source_col_number", sprache): [f"[{n}]" for n in numbers],
        t("source_col_publisher", sprache): [f"{r.origin}, {t('citation_via_short', sprache)} {r.publisher_short}"
                                             if r.origin else r.publisher_short for r in rows.itertuples()],
        t("source_col_title", sprache): rows["title"],
        t("source_col_table", sprache): [r.table_code or t(f"source_kind_{r.family or 'official'}", sprache)
                                         for r in rows.itertuples()],
        t("source_col_date", sprache): [format_date(d, sprache) for d in rows["reference_date"]],
        t("source_col_licence", sprache): [t(LICENCE_KEYS[lic], sprache) for lic in rows["licence"]],
        t("source_col_url", sprache): [_address(text, sprache) for text in rows["url_or_repo_path"]],
        t("source_col_id", sprache): rows["source_id"],
    })
