"""The codebook: per catalogue indicator its labels and definitions (de/en), unit, official tables, census
bases, the regions it really covers and its first and last date — from ``catalogue/indicators.yaml`` and the
long table of :func:`helpers.research.table`. Committed as ``data/codebook.csv`` and ``data/codebook.md``
(``python -m helpers data docs``; ``tests/data/test_research.py`` keeps them in sync with the data).
"""
from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from helpers.indicators import CATALOGUE
from helpers.paths import ROOT

CODEBOOK_CSV = ROOT / "data" / "codebook.csv"
CODEBOOK_MD = ROOT / "data" / "codebook.md"
COLUMNS = ["indicator", "label_de", "label_en", "definition_de", "definition_en", "handlungsfeld", "unit", "kind",
           "tables", "bases", "gemeinden", "kreise", "kreisfreie_staedte", "land", "first_date", "last_date",
           "decimals", "rows"]
# German and English column labels (codebook, datapackage.json, Stata variable labels)
LABELS = {
    "indicator": ("Indikator (Kennung im Katalog)", "Indicator (catalogue id)"),
    "label_de": ("Bezeichnung (deutsch)", "Label (German)"),
    "label_en": ("Bezeichnung (englisch)", "Label (English)"),
    "definition_de": ("Definition (deutsch)", "Definition (German)"),
    "definition_en": ("Definition (englisch)", "Definition (English)"),
    "handlungsfeld": ("Handlungsfeld", "Field of integration work"),
    "unit": ("Einheit", "Unit"),
    "kind": ("Art: Wert, Verhältnis oder Veränderung", "Kind: value, ratio or change"),
    "tables": ("Amtliche Tabellen", "Official tables"),
    "bases": ("Grundlagen (Zählung, Fortschreibung)", "Bases (census, population update)"),
    "gemeinden": ("Gemeinden mit Wert (von 396, kreisfreie Städte eingeschlossen)",
                  "Municipalities with a value (of 396, county-free cities included)"),
    "kreise": ("Kreise mit Wert (von 31)", "Districts with a value (of 31)"),
    "kreisfreie_staedte": ("Kreisfreie Städte mit Wert (von 22)", "County-free cities with a value (of 22)"),
    "land": ("NRW mit Wert (1 = ja)", "NRW has a value (1 = yes)"),
    "first_date": ("Erster Stichtag mit Wert", "First reference date with a value"),
    "last_date": ("Letzter Stichtag mit Wert", "Last reference date with a value"),
    "decimals": ("Nachkommastellen in den Briefings", "Decimals shown in the briefings"),
    "rows": ("Zeilen in der langen Tabelle", "Rows in the long table"),
}


def codebook(table: pd.DataFrame, regions: pd.DataFrame) -> pd.DataFrame:
    """One row per catalogue indicator (catalogue order); coverage counts regions with a value (not a sign)."""
    level = dict(zip(regions["ags"], regions["level"], strict=True))
    rows = []
    for ind in CATALOGUE.indicators.values():
        own = table[table["indicator"] == ind.id]
        valued = own[own["value"].notna()]
        levels = valued["ags"].map(level)
        covered = {lvl: valued.loc[levels == lvl, "ags"].nunique() for lvl in ("gemeinde", "kreis", "kreisfreie_stadt")}
        rows.append({
            "indicator": ind.id, "label_de": ind.label_de, "label_en": ind.label_en,
            "definition_de": ind.definition_de, "definition_en": ind.definition_en,
            "handlungsfeld": ind.handlungsfeld, "unit": ind.unit, "kind": ind.kind, "tables": "; ".join(ind.tables),
            "bases": "; ".join(sorted(b for b in set(valued["base"]) if b)),
            "gemeinden": covered["gemeinde"] + covered["kreisfreie_stadt"], "kreise": covered["kreis"],
            "kreisfreie_staedte": covered["kreisfreie_stadt"], "land": int((levels == "land").any()),
            "first_date": _day(valued["date"].min()), "last_date": _day(valued["date"].max()),
            "decimals": ind.decimals, "rows": len(own),
        })
    return pd.DataFrame(rows, columns=COLUMNS)


def _day(value) -> str:
    return "" if pd.isna(value) else pd.Timestamp(value).date().isoformat()


def markdown(book: pd.DataFrame) -> str:
    """The codebook for reading: one section per indicator, grouped by Handlungsfeld."""
    lines = ["# Codebook: Indikatoren des Integrationsmonitors", "",
             "Erzeugt mit `python -m helpers data docs` aus `src/helpers/catalogue/indicators.yaml` und den "
             "Daten in `data/raw` (nicht von Hand ändern). Die lange Tabelle dazu: `helpers.research.table()` bzw. "
             "`python -m helpers data export`. Abdeckung: Regionen mit einem Wert (ein amtliches Zeichen wie `.` "
             "zählt nicht); kreisfreie Städte zählen bei den Gemeinden und bei den kreisfreien Städten.", ""]
    for field, part in book.groupby("handlungsfeld", sort=False):
        lines += [f"## {CATALOGUE.field_label(field)}", ""]
        for row in part.itertuples(index=False):
            lines += [f"### `{row.indicator}`: {row.label_de}", "", f"*{row.label_en}*", "",
                      row.definition_de, "", f"*{row.definition_en}*", "",
                      "| | |", "|---|---|",
                      f"| Einheit | {row.unit} ({row.kind}) |",
                      f"| Tabellen | {row.tables or '–'} |",
                      f"| Grundlagen | {row.bases or '–'} |",
                      f"| Abdeckung | {row.gemeinden} Gemeinden, {row.kreise} Kreise, {row.kreisfreie_staedte} "
                      f"kreisfreie Städte, NRW {'ja' if row.land else 'nein'} |",
                      f"| Stichtage | {row.first_date or '–'} bis {row.last_date or '–'} |",
                      f"| Zeilen | {row.rows} |", ""]
    return "\n".join(lines)


def write(book: pd.DataFrame, csv_path: Path = CODEBOOK_CSV, md_path: Path = CODEBOOK_MD) -> None:
    """Both files, each written atomically (a reader never sees half a codebook)."""
    write_text(csv_path, book.to_csv(index=False, lineterminator="\n"))
    write_text(md_path, markdown(book))


def write_text(path: Path, text: str) -> None:
    """Written beside ``path`` and renamed into place (the codebook, the changelog, the export's files)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
