"""Citation lines, numbered references and the "Quellen und Stand" table.

The provenance columns they read (family, origin, route, licence, publication date) are set when
the data are built (``helpers.data.provenance``); press routes are cited honestly
("IT.NRW, nach Rheinische Post vom …").
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property

import pandas as pd

from helpers.data import store
from helpers.fmt import format_date, is_missing
from helpers.i18n import check_sprache, t
from helpers.indicators import Indicator, gaps
from helpers.indicators.gaps import Gap
from helpers.ingest.common import declared_tables, table_map

LICENCE_KEYS = {
    "dl-de/by-2-0": "licence_dl_de_by_2_0",
    "administration": "licence_administration",
    "press": "licence_press",
    "third_party": "licence_third_party",
}
_URL = re.compile(r"https?://\S+?(?=[\s;,)]|$)")
_REPOSITORY = re.compile(r"(?:GitHub |github:)([\w.-]+/[\w.-]+)")


def load_sources() -> pd.DataFrame:
    return store.load("sources")


def _by_id() -> pd.DataFrame:
    """The sources indexed by id, once per build (a briefing looks up dozens of source lines)."""
    table = load_sources()
    return store.remember(table, ("by_id",), lambda: table.set_index("source_id"))


def _ids(source_ids) -> list[str]:
    """The ids once each, in order; a KeyError names any that sources.csv does not list."""
    ids = [source_ids] if isinstance(source_ids, str) else list(dict.fromkeys(source_ids))
    known = _by_id().index
    unknown = [i for i in ids if i not in known]
    if unknown:
        raise KeyError(f"Unbekannte Quelle(n) {', '.join(unknown)}: nicht in data/raw/snapshot/sources.csv")
    return ids


def _select(source_ids) -> pd.DataFrame:
    return _by_id().loc[_ids(source_ids)].reset_index()


def is_secondary(source_id: str) -> bool:
    """A press report or a third party's compilation: what it says is marked secondary (³) and yields to
    official figures."""
    return _by_id().loc[_ids(source_id)[0], "family"] in ("press", "third_party")


def short_names(source_ids) -> list[str]:
    """Sources named in a sentence, one per publisher with its table codes ("IT.NRW 12411-15i"), a source without
    a code by publisher and title."""
    codes: dict[str, list[str]] = {}
    for r in _select(source_ids).itertuples():
        codes.setdefault(r.publisher_short if r.table_code else f"{r.publisher_short},", []).append(
            r.table_code or r.title)
    return [f"{publisher} {', '.join(dict.fromkeys(found))}" for publisher, found in codes.items()]


def table_reference(code: str, sprache: str = "de") -> str:
    """An official table as catalogue/tables.yaml declares it: code, database and German title."""
    declared = declared_tables()
    spec = declared["tables"][code]
    key = "source_statistic_reference" if spec.get("statistic") else "source_table_reference"
    return t(key, sprache, code=code, database=declared["services"][spec["service"]]["label"], title=spec["title"])


def table_text(indicator: Indicator, code: str, sprache: str = "de") -> str:
    """A table of ``indicator`` as readers see it: code, database and title from tables.yaml, within the
    indicator's gap text where that says more (``{table}``); without a table, the gap text alone."""
    table = table_reference(code, sprache) if code else ""
    text = indicator.text("gap", sprache)
    if not table:
        return text
    return text.format(table=table) if "{table}" in text else table


def update_source(indicator: Indicator, sprache: str = "de") -> str:
    """What would bring a newer figure: newer reference dates of the indicator's first table, by database and
    code (its title stands in the source list beside the figure it gave), or its gap text without a table."""
    if not indicator.tables:
        return table_text(indicator, "", sprache)
    code = indicator.tables[0]
    declared = declared_tables()
    service = declared["services"][declared["tables"][code]["service"]]["label"]
    return t("source_newer_dates", sprache, code=code, database=service)


def gap_reason(found: Gap, sprache: str = "de") -> str:
    """Why a figure is missing, in a few words for a table cell ("geheim gehalten", "noch nicht in den Daten");
    "nicht veröffentlicht" only where no official statistic publishes it."""
    return t(f"gap_reason_{found.case}", sprache)


def gap_text(indicator: Indicator, found: Gap, sprache: str = "de") -> str:
    """Why a figure is missing and what would fill it, by its case (:mod:`helpers.indicators.gaps`): the
    table not yet in the data and how to bring it, the larger area it is published for, the table that
    keeps it secret, or that no official statistic has it and who would."""
    if found.source_id:
        row = _by_id().loc[found.source_id]
        return t("gap_unloaded_source", sprache, source=f"{row.publisher_short}: {row.title}")
    key = f"gap_{found.case}"
    if found.case == gaps.UNLOADED and not table_map(found.table):
        key += "_undeclared"  # no column map yet: data update --from could not read it
    return t(key, sprache, what=table_text(indicator, found.table, sprache))


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

@dataclass(frozen=True)
class Numbering:
    """The numbers of one briefing's sources: [1] for the first source its sections refer to, and
    so on. Made once from the whole briefing (:meth:`of`), before any section renders, so a number
    never depends on which cell ran first."""

    ids: tuple[str, ...]  # the sources in the order of their numbers

    @classmethod
    def of(cls, references: Iterable) -> Numbering:
        """Number the sources of ``references`` (groups of source ids, in reading order) in the order
        they first appear; a KeyError names any id that sources.csv does not list."""
        return cls(tuple(dict.fromkeys(i for group in references for i in _ids(group))))

    @cached_property
    def numbers(self) -> dict[str, int]:
        return {source_id: n for n, source_id in enumerate(self.ids, start=1)}

    def refer(self, source_ids, sprache: str = "de") -> str:
        """The short reference under a chart or table ("Quellen: [3], [7]"). A source the briefing
        did not number is a KeyError: its sections must refer to every source they show."""
        check_sprache(sprache)
        ids = _ids(source_ids)
        unnumbered = [i for i in ids if i not in self.numbers]
        if unnumbered:
            raise KeyError(f"Quelle(n) {', '.join(unnumbered)} in diesem Briefing nicht nummeriert.")
        numbers = sorted(self.numbers[i] for i in ids)
        prefix = t("source_prefix" if len(numbers) == 1 else "sources_prefix", sprache)
        return f"{prefix}: " + ", ".join(f"[{n}]" for n in numbers)


def _listed_licence(licence: str, sprache: str) -> str:
    """The licence in the list of sources: the Datenlizenz by its identifier ("dl-de/by-2-0"), which the
    closing paragraph "Quellen und Lizenz" spells out once — in full it took a line of every official entry
    and a page of a long profile."""
    return licence if licence == "dl-de/by-2-0" else t(LICENCE_KEYS[licence], sprache)


def source_table(source_ids, sprache: str = "de", numbering: Numbering | None = None) -> pd.DataFrame:
    """The "Quellen und Stand" section: one row per source with its reference number (from
    ``numbering``, else counted from 1), German (or English) column names."""
    check_sprache(sprache)
    rows = _select(source_ids)
    numbers = [numbering.numbers[i] if numbering else n for n, i in enumerate(rows["source_id"], start=1)]
    return pd.DataFrame({
        t("source_col_number", sprache): [f"[{n}]" for n in numbers],
        t("source_col_publisher", sprache): [f"{r.origin}, {t('citation_via_short', sprache)} {r.publisher_short}"
                                             if r.origin else r.publisher_short for r in rows.itertuples()],
        t("source_col_title", sprache): rows["title"],
        t("source_col_table", sprache): [r.table_code or t(f"source_kind_{r.family or 'official'}", sprache)
                                         for r in rows.itertuples()],
        t("source_col_date", sprache): [format_date(d, sprache) for d in rows["reference_date"]],
        t("source_col_licence", sprache): [_listed_licence(lic, sprache) for lic in rows["licence"]],
        t("source_col_url", sprache): [_address(text, sprache) for text in rows["url_or_repo_path"]],
        t("source_col_id", sprache): rows["source_id"],
    })
