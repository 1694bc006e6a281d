"""Plausibility of a new export before it is accepted, from the table's own structure and the vintage held.

A cut download, a shifted region key or a mistyped figure reads without error; these checks refuse them
with the file, the region or the value and what to do: a classic export must end with its footer, a flat
one must hold every Gemeinde of each Kreis it covers; every region of the vintage it replaces must still
be there, and a region code the official directory does not know – or, in the directory itself, a new
or renamed region – needs ``--accept-regions`` (a real territorial change); a value that moves by more
than its variable's factor in ``catalogue/checks.yaml`` (``change_factors``) needs ``--accept-changes``.
"""
from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from helpers import fmt, ingest, kommunen
from helpers.data import validation
from helpers.data.rules import checks

CLASSIC = ("genesis_classic", "kommunalprofil")
FLAT = ("genesis_flat", "zensus_flat")
_FOOTER = re.compile(rb"^_{5,}")  # '__________' before the notes, © and 'Stand' (older exports: five)
_SHOWN = 8  # problems named per refusal


class Implausible(ValueError):
    """An export that does not look complete or consistent with the data held; the message says why and what to do."""


def check_complete(file: Path, kind: str, extract: ingest.Extract) -> None:
    """The export proves itself whole: a classic one by its footer, a flat one by every Gemeinde of each Kreis
    it covers."""
    if kind in CLASSIC:
        if not any(_FOOTER.match(line) for line in ingest.read_bytes(file).splitlines()):
            raise Implausible(f"{file.name} endet ohne den Fußteil der Tabelle (Zeile '__________' mit ©, Quelle und "
                              "Stand): Die Datei ist unvollständig, vermutlich beim Herunterladen abgeschnitten. "
                              "Bitte die Tabelle neu herunterladen.")
    elif kind in FLAT:
        present = set(extract.rows["ags"])
        official = kommunen.directory_names()
        # a Kreis counts as covered by a Gemeinde row, except that of a kreisfreie Stadt inside a Kreis (Aachen in
        # the Städteregion), which tables of Kreise list beside the Kreise
        covered = {a[:5] for a in present if len(a) == 8 and a.startswith(kommunen.LAND_AGS)
                   and ", krfr. Stadt" not in official.get(a, "")}
        missing = [r for kreis in sorted(covered) if _is_kreis(kreis) for r in kommunen.kommunen(kreis)
                   if r.ags not in present]
        if missing:
            raise Implausible(f"{file.name} ist unvollständig: Es fehlen {len(missing)} Gemeinden von Kreisen, "
                              f"deren übrige Gemeinden enthalten sind ({_names(missing)}). Vermutlich wurde der "
                              "Export abgeschnitten; bitte neu herunterladen.")


def _is_kreis(ags: str) -> bool:
    try:
        return kommunen.region(ags).kind == "Kreis"
    except kommunen.UnknownRegionError:
        return False


def _names(regions) -> str:
    shown = ", ".join(f"{r.name} ({r.ags})" for r in regions[:_SHOWN])
    return shown + (f" und {len(regions) - _SHOWN} weitere" if len(regions) > _SHOWN else "")


def check_regions(table: str, extract: ingest.Extract, file: Path, previous: list[pd.DataFrame], replaces: bool,
                  accept: bool) -> None:
    """The regions of a new export against the official directory and the vintage(s) it follows (``previous``,
    replaced when ``replaces``): unknown or renamed regions and regions that vanished are refused unless ``accept``."""
    if accept:
        return
    held = set().union(*(set(rows["ags"]) for rows in previous))
    new = set(extract.rows["ags"])
    names = region_names(file)
    known = kommunen.directory_names()
    problems = []
    if table == kommunen.DIRECTORY_TABLE:
        problems += [f"{ags} heißt jetzt {name!r} statt {known[ags]!r}" for ags, name in sorted(names.items())
                     if ags in known and name != known[ags]]
    # a Gemeinde or Kreis key the directory does not know, inside a Kreis or Regierungsbezirk it knows (pseudo keys
    # such as 05999998 "Wohnort außerhalb von NRW" belong to none and are left out of data/raw anyway)
    strangers = sorted(a for a in new - held - set(known) if len(a) in (5, 8) and a[:{5: 3, 8: 5}[len(a)]] in known)
    problems += [f"unbekannte Region {a}" + (f" {names[a]!r}" if a in names else "") for a in strangers]
    if replaces:
        problems += [f"Region {a} ({_name(a, known)}) fehlt, war aber im bisherigen Stand" for a in sorted(held - new)]
    if problems:
        raise Implausible(f"{file.name}: Die Regionen passen nicht zum amtlichen Gemeindeverzeichnis oder zum "
                          f"bisherigen Stand der Tabelle {table}: " + "; ".join(problems[:_SHOWN])
                          + (f" … und {len(problems) - _SHOWN} weitere" if len(problems) > _SHOWN else "")
                          + ". Bei einer echten Gebietsänderung mit --accept-regions übernehmen; sonst die Tabelle neu "
                            "herunterladen (abgeschnitten oder verschoben?).")


def _name(ags: str, known: dict[str, str]) -> str:
    return "Deutschland" if ags == validation.GERMANY_AGS else known.get(ags, "?")


def region_names(file: Path) -> dict[str, str]:
    """{AGS: name as printed} of a classic export's data rows (for messages); {} for other formats."""
    try:
        kind = ingest.detect(file)
    except ingest.IngestError:
        return {}
    if kind != "genesis_classic":
        return {}
    return ingest.genesis_classic.region_names(ingest.common.decode(ingest.read_bytes(file)))


_SERIES = ["ags", "variable", "category", "base"]


def check_changes(before: pd.DataFrame, after: pd.DataFrame, tables: dict[str, str],
                  accept: bool) -> dict[str, list[str]]:
    """Per table code: values of its new export (``tables``: source id → table) that move by more than their
    variable's declared factor – against the same reference date before (a revision) or against the nearest
    reference date of the same series (same region, category and base). Nothing when ``accept``."""
    factors = checks().get("change_factors", {})
    if accept or not factors:
        return {}
    old = before[before["preferred"] & before["value"].notna() & before["variable"].isin(factors)]
    new = after[after["preferred"] & after["value"].notna() & after["source_id"].isin(tables)
                & after["variable"].isin(factors)]
    old = old[_SERIES + ["date", "value"]].rename(columns={"date": "date_old", "value": "value_old"})
    same = new.merge(old, left_on=_SERIES + ["date"], right_on=_SERIES + ["date_old"], how="left")
    revised = same[same["value_old"].notna()]
    fresh = same.loc[same["value_old"].isna(), new.columns]
    near = pd.merge_asof(fresh.sort_values("date"), old.dropna(subset=["date_old"]).sort_values("date_old"),
                         left_on="date", right_on="date_old", by=_SERIES, direction="nearest")
    compared = pd.concat([revised, near[near["value_old"].notna()]], ignore_index=True)
    problems: dict[str, list[str]] = {}
    for r in compared.itertuples(index=False):
        factor = factors[r.variable]
        ratio = _ratio(r.value, r.value_old)
        if ratio > factor:
            when = (f"{fmt.format_date(r.date)} berichtigt" if r.date == r.date_old
                    else f"{fmt.format_date(r.date)} gegenüber {fmt.format_date(r.date_old)}")
            problems.setdefault(tables[r.source_id], []).append(
                f"{_region(r.ags)}: {r.variable} ({r.category}) {when}: {_number(r.value_old)} → {_number(r.value)} "
                f"(Faktor {_number(ratio, 1)}, erlaubt {_number(factor, 2)})")
    return problems


def _ratio(new: float, old: float) -> float:
    if new == old:
        return 1.0
    if new <= 0 or old <= 0:
        return float("inf")
    return max(new / old, old / new)


def _region(ags: str) -> str:
    try:
        return "Deutschland" if ags == validation.GERMANY_AGS else kommunen.region(ags).name
    except kommunen.UnknownRegionError:
        return ags


def _number(value: float, decimals: int | None = None) -> str:
    if value == float("inf"):
        return "∞"
    return fmt.format_number(value, decimals if decimals is not None else 0 if float(value).is_integer() else 1)
