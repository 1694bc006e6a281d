"""Lists of schools with their Schulsozialindex, counted per Gemeinde, Kreis and NRW.

Two layouts, one row per school:

* the MSB open-data list (``schulliste_sj_25_26_open_data.csv``: ``Schulnummer;Kurzbezeichnung;
  Bezirksregierung;Kreis;Gemeinde;Sozialindexstufe``, DOS-encoded): regions by name only, resolved
  through the official directory (:data:`~helpers.ingest.common.Regions`); the school year comes from
  the file name (``sj_25_26`` → 15.10.2025) or ``reference_date``;
* the IT.NRW school directory with an added ``Sozialindex`` column (``Schuljahr,Schulform,Amtlicher
  Gemeindeschlüssel,…,Rechtsstatus,…,Sozialindex``, a compilation: IT.NRW publishes the directory
  without it): keyed by AGS; only public schools count, as in the MSB list. Its Schuljahr dates the
  directory, not the added stages, so ``reference_date`` must say their school year.

The counts are derived (status ``derived``): per region the schools at each stage (``stufe_1`` …
``stufe_9``, a stage no school has is a true 0) and the schools with a stage. A school the list shows
``ohne`` Sozialindex is in neither; a stage outside 1–9 or an unknown region is a problem of the extract.
"""
from __future__ import annotations

import csv
import io
import re
from collections import Counter

from helpers.ingest.common import Extract, Regions, frame, mapped, normalise_ags

FORMAT = "school_list"
TABLE = "schulsozialindex"
_MSB = ["Schulnummer", "Kurzbezeichnung", "Bezirksregierung", "Kreis", "Gemeinde", "Sozialindexstufe"]
_DIRECTORY = ("Schuljahr", "Schulform", "Amtlicher Gemeindeschlüssel")
_NO_STAGE = "ohne"
_YEAR_IN_NAME = re.compile(r"(?:sj|schuljahr)[_ -]?(\d{2}|\d{4})[_/-]\d{2}", re.I)


def detect(text: str) -> bool:
    first = text.lstrip("\ufeff").split("\n", 1)[0].rstrip("\r")
    return first.split(";") == _MSB or (first.startswith(",".join(_DIRECTORY)) and first.endswith(",Sozialindex"))


def read(text: str, table: str | None = None, reference_date: str | None = None, filename: str = "",
         regions: Regions | None = None) -> Extract:
    """Schools per stage and region; an MSB list needs ``regions`` (it names Gemeinden, it does not key them)."""
    text = text.lstrip("\ufeff")
    msb = text.split("\n", 1)[0].startswith(_MSB[0])
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";" if msb else ","))
    table = table or TABLE
    if msb and regions is None:
        return Extract(frame([]), ["die Schulliste nennt Gemeinden nur mit Namen: zum Lesen wird das amtliche "
                                   "Gemeindeverzeichnis gebraucht"], table, FORMAT)
    stages: Counter[tuple[str, str, str]] = Counter()
    problems, unknown = [], {}
    for line, row in enumerate(rows, start=2):
        if None in row or None in row.values():
            problems.append(f"Zeile {line}: falsche Anzahl Felder – Schule nicht gezählt: "
                            f"{str(list(row.values()))[:80]}")
            continue
        if not msb and row["Rechtsstatus"].strip() != "Öffentlich":
            continue  # the Sozialindex is set for public schools; the MSB list holds only those
        stage = (row["Sozialindexstufe"] if msb else row["Sozialindex"]).strip()
        if stage in ("", _NO_STAGE):
            continue
        if stage not in {str(n) for n in range(1, 10)}:
            problems.append(f"Zeile {line}: Sozialindexstufe {stage!r} ist keine Stufe 1–9 – Schule nicht gezählt")
            continue
        if msb:
            ags = regions(row["Gemeinde"].strip(), row["Kreis"].strip())
            if ags is None:
                unknown.setdefault(f"{row['Gemeinde'].strip()} ({row['Kreis'].strip()})", line)
                continue
        else:
            ags = normalise_ags(row["Amtlicher Gemeindeschlüssel"])
        date = _date(filename, reference_date, msb)
        for region in dict.fromkeys((ags, ags[:5], ags[:2])):
            stages[(region, date, stage)] += 1
    problems += [f"Zeile {line}: Gemeinde {name} steht nicht im amtlichen Gemeindeverzeichnis (12411-15i) – "
                 "Schule nicht gezählt; die Schreibweise in catalogue/region_aliases.csv ergänzen"
                 for name, line in unknown.items()]
    by_stage, unit_stage = mapped(table, ["Sozialindexstufe"], "schools_by_sozialindex", "", "schools")[::2]
    with_stage, unit_with = mapped(table, ["Schulen mit Sozialindexstufe"], "schools_with_sozialindex", "",
                                   "schools")[::2]
    records = []
    for region, date in sorted({(r, d) for r, d, _ in stages}):
        counts = [stages[(region, date, str(n))] for n in range(1, 10)]
        records += [{"ags": region, "date": date, "variable": by_stage, "category": f"stufe_{n}", "value": float(c),
                     "unit": unit_stage, "flag": ""} for n, c in enumerate(counts, start=1)]
        records.append({"ags": region, "date": date, "variable": with_stage, "category": "total",
                        "value": float(sum(counts)), "unit": unit_with, "flag": ""})
    return Extract(frame(records), problems, table, FORMAT, status="derived")


def _date(filename: str, reference_date: str | None, msb: bool) -> str:
    """15.10. of the Sozialindex's school year: the MSB file's name or ``reference_date``. The directory's own
    Schuljahr column dates its schools, not the added Sozialindex column, so it is never used for it."""
    if msb and (match := _YEAR_IN_NAME.search(filename)):
        year = match.group(1)
        return f"{year if len(year) == 4 else '20' + year}-10-15"
    return reference_date or ""
