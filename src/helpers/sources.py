"""Provenance → citation lines and the "Quellen und Stand" table.

Which publisher is official, administrative, press or a third party, and under which
licence a figure is used, is decided once by ``catalogue/source_families.csv`` when the data
are built; press routes are cited honestly ("IT.NRW, nach Rheinische Post vom …").
"""
from __future__ import annotations

import re
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
_GERMAN_DATE = re.compile(r"\b(\d{1,2})\.(\d{1,2})\.(\d{4})\b")
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


def _origin(publisher: str) -> str:
    """The official publisher a press report or compilation relays, if the publisher names one."""
    for rule in _families().itertuples(index=False):
        if rule.family == "official" and re.search(rule.publisher_pattern, publisher):
            return rule.publisher_short
    match = re.search(r"(?:citing|quoting|reporting)\s+([^;()/]+)", publisher)
    return match.group(1).strip() if match else ""


def describe(sources: pd.DataFrame) -> pd.DataFrame:
    """Add family, publisher_short, origin, table_code and licence columns (used by ``data build``)."""
    out = sources.copy()
    classified = out["publisher"].map(_classify)
    out["family"] = classified.str[0]
    out["publisher_short"] = [short or _ROUTE_SPLIT.split(p, maxsplit=1)[0].strip()
                              for (_, short, _), p in zip(classified, out["publisher"])]
    out["origin"] = [_origin(p) if family in ("press", "third_party") else ""
                     for family, p in zip(out["family"], out["publisher"])]
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
    """The article's date when title, page or publisher print one (dd.mm.yyyy), as YYYY-MM-DD."""
    for text in texts:
        match = _GERMAN_DATE.search(text)
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


def _cite_one(row, sprache: str) -> str:
    stand = "" if is_missing(row.reference_date) else t("citation_stand", sprache, date=format_date(row.reference_date, sprache))
    if row.family in ("press", "third_party"):
        route = row.publisher_short
        if row.published_on:
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
    """One citation line for a figure, chart or table: sources, Stand, licences."""
    check_sprache(sprache)
    rows = _select(source_ids)
    parts = [_cite_one(row, sprache) for row in rows.itertuples(index=False)]
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
