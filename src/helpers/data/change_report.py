"""The change report of `data update`: per table its status, per region what changed between the
processed observations before and after (new reference dates, revised and vanished values)."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from helpers import fmt, kommunen
from helpers.data import validation


@dataclass
class ChangeReport:
    created: str
    dry_run: bool
    tables: dict[str, dict] = field(default_factory=dict)
    changes: list[dict] = field(default_factory=list)
    build: str = ""  # the processed build the update committed

    @property
    def failed(self) -> list[str]:
        return [code for code, t in self.tables.items() if t["status"] == "failed"]

    @property
    def updated(self) -> list[str]:
        return [code for code, t in self.tables.items() if t["status"] == "updated"]

    def as_json(self) -> dict:
        return {"created": self.created, "dry_run": self.dry_run, "build": self.build, "tables": self.tables,
                "changes": self.changes}

    def format(self) -> str:
        """The report for the terminal: per table its status, then per Kommune what changed."""
        lines = [f"Änderungsbericht {self.created}" + (" (Probelauf: nichts geschrieben)" if self.dry_run else "")]
        for code, info in self.tables.items():
            what = "Datei" if info["status"] == "ignored" else "Tabelle"
            lines.append(f"\n{what} {code}: {STATUS_DE[info['status']]}"
                         + (f" – {info['message']}" if info.get("message") else ""))
            by_region: dict[str, list[str]] = {}
            for change in (c for c in self.changes if c["table"] == code):
                by_region.setdefault(change["name"], []).append(_describe(change))
            for name, items in by_region.items():
                lines.append(f"  {name}: " + "; ".join(items))
        if self.failed:
            lines.append(f"\nAbbruch: {len(self.failed)} Tabelle(n) fehlgeschlagen ({', '.join(self.failed)}); "
                         "data/raw, data/processed und data/updates bleiben unverändert.")
        elif not self.updated:
            lines.append("\nNichts Neues: data/raw, data/processed und data/updates bleiben unverändert.")
        return "\n".join(lines)


STATUS_DE = {"updated": "neu übernommen", "unchanged": "unverändert (gleiche Daten wie zuletzt)",
             "failed": "FEHLGESCHLAGEN", "skipped": "nicht angefragt",
             "manual": "übersprungen, wird nicht automatisch abgerufen", "ignored": "nicht gelesen"}


_KEY = ["ags", "variable", "category", "base", "date"]


def changes(before: pd.DataFrame, after: pd.DataFrame, report: ChangeReport, replaced: dict[str, str]) -> list[dict]:
    """Per updated table and region: new reference dates, revised values (old → new), vanished values."""
    changes = []
    known_dates = set(zip(before["ags"], before["variable"], before["date"], strict=True))
    shown = before[before["preferred"]]
    for code, info in report.tables.items():
        if info["status"] != "updated":
            continue
        rows = after[after["source_id"] == info["source_id"]]
        fresh = rows.merge(before[_KEY].drop_duplicates(), on=_KEY, how="left", indicator=True)["_merge"] == "left_only"
        for (ags, date), group in rows[fresh.to_numpy()].groupby(["ags", "date"]):
            kind = "added" if any((ags, v, date) in known_dates for v in group["variable"]) else "new_date"
            changes.append(_change(code, kind, ags, "", "", date, None, None, len(group)))
        merged = rows.merge(shown[_KEY + ["value"]], on=_KEY, how="inner", suffixes=("", "_old"))
        same = (merged["value"] == merged["value_old"]) | (merged["value"].isna() & merged["value_old"].isna())
        differs = merged[~same]
        for r in differs.itertuples(index=False):
            changes.append(_change(code, "revised", r.ags, r.variable, r.category, r.date, r.value_old, r.value))
        if replaced.get(code):
            old = before[before["source_id"] == replaced[code]]
            gone = old.merge(rows[_KEY + ["value"]], on=_KEY, how="left", suffixes=("", "_new"), indicator=True)
            gone = gone[(gone["_merge"] == "left_only") | (gone["value"].notna() & gone["value_new"].isna())]
            for r in gone.itertuples(index=False):
                changes.append(_change(code, "vanished", r.ags, r.variable, r.category, r.date, r.value, None))
    return changes


def _change(table, kind, ags, variable, category, date, old, new, count=None) -> dict:
    return {"table": table, "kind": kind, "ags": ags, "name": _region_name(ags), "variable": variable,
            "category": category, "date": pd.Timestamp(date).strftime("%Y-%m-%d"),
            "old": None if old is None or pd.isna(old) else float(old),
            "new": None if new is None or pd.isna(new) else float(new), "count": count}


def _region_name(ags: str) -> str:
    """The region's name in the directory the new data come with (a region it no longer has: its AGS)."""
    try:
        return "Deutschland" if ags == validation.GERMANY_AGS else kommunen.region(ags).name
    except kommunen.UnknownRegionError:
        return ags


def _describe(change: dict) -> str:
    date = fmt.format_date(change["date"])
    what = f"{change['variable']} ({change['category']})"
    if change["kind"] == "new_date":
        return f"neuer Stichtag {date} ({change['count']} Werte)"
    if change["kind"] == "added":
        return f"{change['count']} zusätzliche Werte zum Stichtag {date}"
    if change["kind"] == "revised":
        return f"{what} {date} revidiert: {_number(change['old'])} → {_number(change['new'])}"
    return f"{what} {date} entfallen (bisher {_number(change['old'])})"


def _number(value: float | None) -> str:
    return "fehlt" if value is None else fmt.format_number(value, 0 if float(value).is_integer() else 1)


# --- the data changelog (data/CHANGELOG.md) ---------------------------------------------------------------

KIND_DE = {"new_date": "Werte zu neuen Stichtagen", "added": "zusätzliche Werte", "revised": "revidierte Werte",
           "vanished": "entfallene Werte"}


CHANGELOG = "CHANGELOG.md"  # in data/, beside data/updates


def changelog(updates_dir: Path, new: dict | None = None) -> str:
    """The readable history of the data from the change reports in ``updates_dir`` and the ``new`` one (newest
    first): per update its tables with source id, file, retrieval and what they replaced, and how many values
    changed how. ``data update`` writes it with each update; ``data docs`` writes it again."""
    reports = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(updates_dir.glob("*.json"))
               if p.name != "latest.json"] + ([new] if new else [])
    reports.sort(key=lambda r: r["created"], reverse=True)
    lines = ["# Datenänderungen", "",
             "Erzeugt mit `python -m helpers data docs` aus den Änderungsberichten in `data/updates/` (nicht von Hand "
             "ändern). Ein Datenstand heißt nach seinem Bericht (Zeit in UTC); ein veröffentlichter Stand erhält das "
             "Git-Tag `daten-JJJJ-MM-TT` (siehe README, „Zitieren und Versionen“). Die Zahlen vor dem ersten Bericht "
             "stammen aus dem kuratierten Snapshot (`data/raw/snapshot/README.md`, Änderungsprotokoll).", ""]
    for report in reports:
        lines += [f"## {report['created']}", ""]
        for code, info in report["tables"].items():
            if info["status"] != "updated":
                continue
            counts: dict[str, int] = {}
            for change in (c for c in report["changes"] if c["table"] == code):
                counts[change["kind"]] = counts.get(change["kind"], 0) + (change.get("count") or 1)
            replaces = ", ".join(info.get("replaces") or []) or "–"
            what = "; ".join(f"{KIND_DE[k]}: {n}" for k, n in counts.items() if k in KIND_DE) or (
                "gleiche Werte, nur die Herkunft ist neu erfasst" if info.get("replaces") else "keine Werte geändert")
            lines.append(f"- Tabelle `{code}`: Quelle `{info['source_id']}`, Datei `data/raw/{info['file']}`, "
                         f"abgerufen {info.get('retrieved', '')}" + (f" über {info['via']}" if info.get("via") else "")
                         + f", ersetzt {replaces}. {what}."
                         + (f" {info['message']}." if info.get("message") else ""))
        lines.append("")
    return "\n".join(lines)
