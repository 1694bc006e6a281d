"""Checks on the raw inputs, driven by ``catalogue/checks.yaml``.

Every problem becomes an :class:`Issue` naming file, row, column, problem and fix, so a
person can repair the input without reading code. Errors stop ``data build``; warnings
(sums that differ for known reasons, conflicting sources) are reported and kept.
"""
from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from helpers.data.rules import checks
from helpers.data.status import Status
from helpers.i18n import messages
from helpers.kommunen import KREIS_AGS, all_regions, kommunen

GERMANY_AGS = "DG"
ERROR, WARNING = "error", "warning"


@dataclass(frozen=True)
class Issue:
    level: str
    file: str
    row: int | None  # line number in the file (header = 1), None when the issue spans rows
    column: str
    problem: str
    fix: str
    check: str

    def line(self) -> str:
        where = (self.file + (f", Zeile {self.row}" if self.row else "")
                 + (f", Spalte {self.column}" if self.column else ""))
        label = "FEHLER" if self.level == ERROR else "Warnung"
        return f"{label} [{self.check}] {where}: {self.problem} → {self.fix}"


@dataclass
class Report:
    issues: list[Issue] = field(default_factory=list)

    def add(self, level: str, file: str, row, column: str, problem: str, fix: str, check: str) -> None:
        self.issues.append(Issue(level, file, None if row is None or pd.isna(row) else int(row), column, problem, fix,
                                 check))

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.level == ERROR]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.level == WARNING]

    @property
    def ok(self) -> bool:
        return not self.errors

    def counts_by_check(self) -> dict[tuple[str, str], int]:
        counts: dict[tuple[str, str], int] = {}
        for issue in self.issues:
            counts[(issue.level, issue.check)] = counts.get((issue.level, issue.check), 0) + 1
        return dict(sorted(counts.items()))

    def format(self, limit: int = 50) -> str:
        lines = [i.line() for i in self.errors[:limit]] + [i.line() for i in self.warnings[:limit]]
        hidden = max(0, len(self.errors) - limit) + max(0, len(self.warnings) - limit)
        if hidden:
            lines.append(f"… und {hidden} weitere Meldungen")
        summary = ", ".join(f"{n} × {level} {check}" for (level, check), n in self.counts_by_check().items())
        lines.append(f"{len(self.errors)} Fehler, {len(self.warnings)} Warnungen"
                     + (f" ({summary})" if summary else ""))
        return "\n".join(lines)


class DataError(Exception):
    """Raised by ``build`` when validation finds errors; carries the report."""

    def __init__(self, report: Report):
        super().__init__(report.format())
        self.report = report


SCHEMA_FIX = ("Die Datei so lassen, wie sie veröffentlicht wurde, oder die Abweichung berichtigen; stimmt die Datei, "
              "das Tabellenschema der Ressource in data/raw/datapackage.json anpassen.")


def check_schemas(raw_dir: Path, report: Report) -> None:
    """Every CSV resource that declares a table schema in datapackage.json, validated by Frictionless
    (types, required, unique, patterns, row lengths). Run by ``data validate``: it costs about as
    much as a whole build, so ``data build`` relies on its own row checks; and only once the project's
    own checks pass, so a file they refused is never read again."""
    from frictionless import FrictionlessException, Package  # heavy import, needed only here

    try:
        package = Package(str(raw_dir / "datapackage.json"))
    except FrictionlessException:
        return  # an unreadable datapackage.json is already reported (and explained) by the project's own checks
    for resource in package.resources:
        if resource.format != "csv" or not resource.to_descriptor().get("schema"):
            continue  # official exports are read and checked by helpers.ingest
        for row, column, message in resource.validate().flatten(["rowNumber", "fieldName", "message"]):
            report.add(ERROR, resource.path, row, column or "", f"Tabellenschema verletzt: {message}", SCHEMA_FIX,
                       "schema")


def known_ags() -> set[str]:
    return {r.ags for r in all_regions()} | {GERMANY_AGS}


def check_observations(obs: pd.DataFrame, source_ids: set[str], report: Report,
                       recorded: pd.DataFrame | None = None) -> None:
    """Row-level and cross-row checks on tidy observations (with ``_file``/``_row``/``_family`` columns).

    ``recorded`` is the curated conflict list (snapshot/CONFLICTS.csv) with a ``reason`` per row.
    """
    rules = checks()
    _row_checks(obs, source_ids, rules, report)
    _check_status_family(obs, rules, report)
    valid = obs[obs["value"].notna() & obs["date"].notna()]
    _check_parts(valid, rules, report)
    _check_bases(obs, rules, report)
    _check_sums(valid, rules, report)
    _check_totals_with_parts(obs, rules, report)
    _check_conflicts(valid, report, recorded_reasons(recorded))
    _check_identity(obs, rules, report)


def check_references(frame: pd.DataFrame, source_ids: set[str], report: Report) -> None:
    """Facts and municipalities: every (';'-separated) source_id exists; fact dates parse when given."""
    for _, r in frame.iterrows():
        for source_id in filter(None, (s.strip() for s in r["source_id"].split(";"))):
            if source_id not in source_ids:
                report.add(ERROR, r["_file"], r["_row"], "source_id", f"Quelle '{source_id}' fehlt in sources.csv",
                           "Quelle in sources.csv ergänzen oder source_id korrigieren", "source_known")
        if "fact" in frame and r.get("ags", "") and (r["ags"] not in known_ags() or not r["fact_de"].strip()
                                                     or not r["indicators"].strip()):
            report.add(ERROR, r["_file"], r["_row"], "ags",
                       f"Fakt zu AGS '{r['ags']}': AGS unbekannt oder ohne indicators/fact_de",
                       "8-stelligen AGS, die Kennzahl(en) unter indicators und den deutschen Text in fact_de angeben",
                       "fact_context")
        if "fact" in frame and r["date"] and pd.isna(pd.to_datetime(r["date"], format="%Y-%m-%d", errors="coerce")):
            report.add(ERROR, r["_file"], r["_row"], "date", f"Datum '{r['date']}' ist nicht lesbar",
                       "Datum als JJJJ-MM-TT angeben oder leer lassen", "date_parses")


def _each(report: Report, rows: pd.DataFrame, level: str, column: str, problem, fix: str, check: str) -> None:
    for _, r in rows.iterrows():  # a row of an imported export names its table (its entry in tables.yaml)
        table = f" (Tabelle {r['_table']})" if isinstance(r.get("_table"), str) and r["_table"] else ""
        report.add(level, r["_file"], r["_row"], column, (problem(r) if callable(problem) else problem) + table,
                   fix, check)


def _row_checks(obs: pd.DataFrame, source_ids: set[str], rules: dict, report: Report) -> None:
    ags_ok = obs["ags"].isin(known_ags())
    _each(report, obs[~ags_ok], ERROR, "ags", lambda r: f"unbekannter AGS '{r['ags']}'",
          "8-stelligen AGS einer der 16 Kommunen, 05154 (Kreis), 05 (NRW) oder DG als Text eintragen", "ags_known")
    _each(report, obs[obs["date"].isna()], ERROR, "date", lambda r: f"Datum '{r['_date_raw']}' ist nicht lesbar",
          "Datum als JJJJ-MM-TT angeben", "date_parses")
    _each(report, obs[~obs["unit"].isin(rules["units"])], ERROR, "unit", lambda r: f"unbekannte Einheit '{r['unit']}'",
          "Einheit in src/helpers/catalogue/checks.yaml (Liste units) bewusst ergänzen oder, aus einem Export, "
          "in src/helpers/catalogue/tables.yaml (columns der Tabelle) auf eine bekannte abbilden", "unit_known")
    bad_value = obs["value"].isna() & ~obs["_value_raw"].isin(rules["missing_markers"]) & (obs["flag"] == "")
    _each(report, obs[bad_value], ERROR, "value", lambda r: f"Wert '{r['_value_raw']}' ist keine Zahl",
          "Zahl mit Dezimalpunkt eintragen oder die Zelle leer lassen (fehlender Wert)", "value_numeric")
    _each(report, obs[~obs["status"].isin(Status.raw())], ERROR, "status",
          lambda r: f"unbekannter Status '{r['status']}'", "einen von " + ", ".join(Status.raw()) + " verwenden",
          "status_known")
    _each(report, obs[~obs["source_id"].isin(source_ids)], ERROR, "source_id",
          lambda r: f"Quelle '{r['source_id']}' fehlt in sources.csv",
          "Quelle in sources.csv ergänzen oder source_id korrigieren", "source_known")
    low, high = rules["share_range"]
    share = (obs["unit"] == rules["share_unit"]) & ~obs["variable"].isin(rules["percent_not_share"])
    _each(report, obs[share & ((obs["value"] < low) | (obs["value"] > high))], ERROR, "value",
          lambda r: f"Anteil {r['value']:.10g} % für {r['variable']} liegt außerhalb {low}–{high}",
          "Wert prüfen; ist die Variable kein Anteil, sie in checks.yaml unter percent_not_share eintragen",
          "share_range")
    negative = obs["unit"].isin(rules["non_negative_units"]) & (obs["value"] < 0)
    _each(report, obs[negative], ERROR, "value", lambda r: f"negative Anzahl {r['value']:.10g} für {r['variable']}",
          "Vorzeichen prüfen (ein '-' allein heißt in amtlichen Tabellen 'nichts vorhanden')", "non_negative")


def _check_status_family(obs: pd.DataFrame, rules: dict, report: Report) -> None:
    """A figure relayed by a third party (Wikipedia, citypopulation.de, research packages) is never `published`."""
    families = rules["secondary_families"]
    wrong = obs[obs["_family"].isin(families) & (obs["status"] == Status.PUBLISHED)]
    _each(report, wrong, ERROR, "status",
          lambda r: f"Quelle {r['source_id']} ist eine Zusammenstellung Dritter ({r['_family']}), Status 'published'",
          "Status auf 'secondary' setzen (Kurationskorrektur in snapshot/README.md festhalten) "
          "oder die amtliche Tabelle selbst als Quelle aufnehmen", "status_family")


def _check_parts(obs: pd.DataFrame, rules: dict, report: Report) -> None:
    key = ["ags", "date", "category", "base"]
    for rule in rules["part_of_whole"]:
        part = obs[obs["variable"] == rule["part"]]
        whole = obs[obs["variable"] == rule["whole"]][key + ["value"]]
        merged = part.merge(whole, on=key, suffixes=("", "_whole"))
        _each(report, merged[merged["value"] > merged["value_whole"]], ERROR, "value",
              lambda r, rule=rule: f"{rule['part']} {r['value']:.10g} > {rule['whole']} {r['value_whole']:.10g} "
                                   f"(AGS {r['ags']}, {r['date']:%Y-%m-%d}, Basis {r['base']})",
              "Werte und Basis (base) prüfen: ein Teil kann nicht größer als das Ganze sein", "part_of_whole")


def _check_bases(obs: pd.DataFrame, rules: dict, report: Report) -> None:
    """A population-type row without a base would be mixed with every other count: an error, once per source."""
    unmapped = obs[obs["variable"].isin(rules["base_variables"]) & (obs["base"] == "")]
    _each(report, unmapped.drop_duplicates(["source_id", "variable"]), ERROR, "source_id",
          lambda r: f"keine Statistik/Basis für {r['variable']} aus {r['source_id']} bekannt",
          "Regel in src/helpers/catalogue/bases.csv ergänzen (source_id,variable,date,base,why; base eine von "
          + ", ".join(_codes_with_text("base_")) + ")", "base_mapped")


def _check_sums(obs: pd.DataFrame, rules: dict, report: Report) -> None:
    """Compare each complete set of 16 municipal values with the Kreis value(s) of the same key
    (only with the same source's Kreis value when it has one)."""
    spec = rules["sum_to_kreis"]
    municipal_ags = {r.ags for r in kommunen()}
    key = ["date", "variable", "category", "base"]
    used = key + ["ags", "source_id", "value", "note", "status", "_file", "_row"]  # each group copies only these
    counts = obs.loc[obs["unit"].isin(spec["units"]), used]
    kreis = counts[counts["ags"] == KREIS_AGS]
    kreis_rows = kreis.groupby(key, sort=False).indices  # key → positions, found once instead of filtered per key
    municipal = counts[counts["ags"].isin(municipal_ags)]
    municipal = municipal[pd.MultiIndex.from_frame(municipal[key]).isin(list(kreis_rows))]  # keys with a Kreis value
    complete = municipal.groupby(key + ["source_id"])["ags"].transform("nunique") == len(municipal_ags)
    for group, rows in municipal[complete].groupby(key + ["source_id"], sort=True):
        date, variable, category, base, source_id = group
        match = kreis.take(kreis_rows[date, variable, category, base])
        if (match["source_id"] == source_id).any():  # a table's own Kreis value; another source's may be a revision
            match = match[match["source_id"] == source_id]
        total = rows["value"][~rows["ags"].duplicated()].sum()
        for _, k in match.iterrows():
            difference = total - k["value"]
            if difference == 0:
                continue
            reason = _explain(difference, pd.concat([rows, k.to_frame().T]), spec)
            level = ERROR if reason is None and variable in spec["exact"] else WARNING
            report.add(level, k["_file"], k["_row"], "value",
                       f"Summe der 16 Kommunen {total:.10g} ({source_id}) ≠ Kreiswert {k['value']:.10g} "
                       f"({k['source_id']}) "
                       f"für {variable}/{category} am {date:%Y-%m-%d}: Differenz {difference:+g}",
                       f"bekannter Grund: {reason}" if reason else "ungeklärt: Quellen prüfen; nichts wird korrigiert",
                       "sum_to_kreis" if reason is None else "sum_to_kreis_explained")


def _explain(difference: float, rows: pd.DataFrame, spec: dict) -> str | None:
    for reason in spec["known_reasons"]:
        if "variables" in reason and not rows["variable"].isin(reason["variables"]).all():
            continue
        if "note_matches" in reason and not rows["note"].str.contains(reason["note_matches"]).any():
            continue
        if "status" in reason and not (rows["status"] == reason["status"]).any():
            continue
        if abs(difference) <= reason["tolerance"]:
            return reason["reason"]
    return None


def _total_parts(obs: pd.DataFrame, rule: dict) -> pd.DataFrame:
    """One row per (ags, date, source) of a ``totals_with_parts`` rule: the total, the sum of the
    published parts and how many parts are secret ('.'), with the total's file and line."""
    mine = obs[obs["source_id"].str.startswith(rule["table"]) & (obs["category"] == "total")]
    key = ["ags", "date", "source_id"]
    parts = mine[mine["variable"].isin(rule["parts"])].assign(_secret=lambda rows: rows["flag"] == ".").groupby(
        key).agg(published=("value", "sum"), secret=("_secret", "sum"), n=("variable", "nunique"))
    total = mine[mine["variable"] == rule["total"]].set_index(key)
    return total.join(parts, how="inner")


def incomplete_totals(obs: pd.DataFrame) -> pd.Series:
    """True for each total that lacks a secret part (a lower bound), by the rules in checks.yaml."""
    out = pd.Series(False, index=obs.index)
    for rule in checks().get("totals_with_parts", []):
        if rule["includes_secret_parts"]:
            continue
        rows = _total_parts(obs.reset_index(), rule)
        out[rows.loc[rows["secret"] > 0, "index"]] = True
    return out


def _check_totals_with_parts(obs: pd.DataFrame, rules: dict, report: Report) -> None:
    """The catalogue's reading of a table's footnote must match its numbers (see checks.yaml)."""
    for rule in rules.get("totals_with_parts", []):
        rows = _total_parts(obs, rule)
        rows = rows[rows["value"].notna() & (rows["n"] == len(rule["parts"]))]
        gap = rows["value"] - rows["published"]
        complete = rows["secret"] == 0
        if rule["includes_secret_parts"]:
            wrong = (complete & (gap.abs() > rule["tolerance"])) | (~complete & (gap <= 0))
        else:
            wrong = gap.abs() > rule["tolerance"]
        for (ags, date, source_id), r in rows[wrong].iterrows():
            secret = "" if r["secret"] == 0 else f", {r['secret']} Teil(e) geheim ('.')"
            report.add(ERROR, r["_file"], r["_row"], "value",
                       f"{rule['total']} {r['value']:.10g} ≠ Summe der veröffentlichten Teile {r['published']:.10g} "
                       f"(AGS {ags}, {date:%Y-%m-%d}, {source_id}{secret})",
                       "Werte prüfen oder die Regel totals_with_parts in catalogue/checks.yaml nach der Fußnote der "
                       "Tabelle korrigieren (includes_secret_parts)", "total_parts")


CONFLICT_KEY = ["ags", "date", "variable", "category", "source_id"]


def recorded_reasons(recorded: pd.DataFrame | None) -> dict[tuple, str]:
    """(ags, 'YYYY-MM-DD', variable, category, source_id) → curated reason, from snapshot/CONFLICTS.csv."""
    if recorded is None or recorded.empty or "reason" not in recorded:
        return {}
    return {tuple(r[:-1]): r[-1] for r in recorded[CONFLICT_KEY + ["reason"]].itertuples(index=False) if r[-1].strip()}


def _check_conflicts(obs: pd.DataFrame, report: Report, reasons: dict[tuple, str]) -> None:
    """Every same-key disagreement is listed; one not recorded with its reason in CONFLICTS.csv is an error."""
    key = ["ags", "date", "variable", "category"]
    disagreeing = obs[obs.groupby(key)["value"].transform("nunique") > 1]  # rows of keys with several values
    for (ags, date, variable, category), rows in disagreeing.groupby(key, sort=True):
        listing = "; ".join(f"{v:.10g} ({s}, {st}{', Basis ' + b if b else ''})"
                            for v, s, st, b in rows[["value", "source_id", "status", "base"]].itertuples(index=False))
        found = [reasons.get((ags, f"{date:%Y-%m-%d}", variable, category, s)) for s in rows["source_id"]]
        problem = f"AGS {ags}, {date:%Y-%m-%d}, {variable}/{category}: verschiedene Werte: {listing}"
        if "_export_rank" in rows and (rows["_export_rank"] == 0).any() and not all(found):
            # an imported official export disagrees: a revision, reported by `data update`; the export is preferred
            found = ["neuere amtliche Fassung (importierter Export) – Revision, siehe Änderungsbericht von data update"]
        if all(found):
            report.add(WARNING, rows["_file"].iloc[0], None, "value", f"{problem} – Grund: {found[0]}",
                       "alle Zeilen bleiben; Notebooks nutzen die Zeile mit preferred=True", "conflict")
        else:
            report.add(ERROR, rows["_file"].iloc[0], None, "value", problem + " – nicht in CONFLICTS.csv erfasst",
                       "Quellen und Anmerkungen lesen, den Grund der Abweichung (andere Zählung, Basis, Rundung, "
                       "Stand) finden und jede Zeile mit Spalte reason in snapshot/CONFLICTS.csv eintragen",
                       "conflict_unrecorded")


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def check_text_cells(frame: pd.DataFrame, columns: list[str], report: Report) -> None:
    """Control characters (NUL, escape, …) in a raw cell: invisible in an editor, never a valid name or figure."""
    for column in columns:
        hit = frame[column].str.contains(_CONTROL)
        _each(report, frame[hit], ERROR, column,
              lambda r, c=column: f"Steuerzeichen {_CONTROL.search(r[c]).group()!r} in {r[c]!r}",
              "Zeichen entfernen (Datei in einem Texteditor prüfen) oder Datei aus git wiederherstellen",
              "control_character")


def _check_identity(obs: pd.DataFrame, rules: dict, report: Report) -> None:
    """Known variable, finite value, and one value per key and source (a second one is a typo, not a conflict)."""
    known = set(rules["variables"])
    _each(report, obs[~obs["variable"].isin(known)], ERROR, "variable",
          lambda r: f"unbekannte Variable {r['variable']!r}" + "".join(
              f" – meinten Sie '{m}'?" for m in difflib.get_close_matches(str(r["variable"]), known, n=1)),
          "Tippfehler korrigieren oder die Variable bewusst in src/helpers/catalogue/checks.yaml (variables) eintragen",
          "variable_known")
    infinite = obs["value"].map(lambda v: isinstance(v, float) and math.isinf(v))
    _each(report, obs[infinite], ERROR, "value", lambda r: f"Wert '{r['_value_raw']}' ist unendlich, keine Zahl",
          "die veröffentlichte Zahl eintragen oder die Zelle leer lassen (fehlender Wert)", "value_finite")
    key = ["ags", "date", "variable", "category", "source_id"]
    valid = obs[obs["value"].notna() & obs["date"].notna()]
    clash = valid[valid.groupby(key)["value"].transform("nunique") > 1]
    for _, rows in clash.groupby(key, sort=True):
        first = rows.iloc[0]
        others = ", ".join(f"{v:.10g}" + (f" (Zeile {int(n)})" if pd.notna(n) else "")
                           for v, n in zip(rows["value"].iloc[1:], rows["_row"].iloc[1:], strict=True))
        report.add(ERROR, first["_file"], first["_row"], "value",
                   f"dieselbe Quelle {first['source_id']} nennt für AGS {first['ags']}, {first['date']:%Y-%m-%d}, "
                   f"{first['variable']}/{first['category']} {first['value']:.10g} und {others}",
                   "doppelte Zeile entfernen oder korrigieren: eine Quelle hat je Stichtag nur einen Wert", "duplicate")


def _codes_with_text(prefix: str) -> list[str]:
    return sorted(key[len(prefix):] for key in messages() if key.startswith(prefix))


def check_reader_texts(obs: pd.DataFrame, source_table: pd.DataFrame, report: Report) -> None:
    """Every base, status and family the tables carry has its words in messages.yaml (checks.yaml: reader_texts)."""
    rules = checks()
    tables = {"observations": obs, "sources": source_table}
    for table, columns in rules["reader_texts"].items():
        frame = tables[table]
        for column, prefix in columns.items():
            exempt = set(rules["reader_texts_exempt"].get(column, []))
            for code in sorted(set(frame[column].dropna()) - exempt):
                if prefix + code not in messages():
                    rows = frame[frame[column] == code]
                    report.add(ERROR, str(rows["_file"].iloc[0]) if "_file" in rows else table,
                               rows["_row"].iloc[0] if "_row" in rows else None, column,
                               f"{column} '{code}' hat keinen Lesetext {prefix}{code}",
                               f"Text {prefix}{code} (de und en) in src/helpers/messages.yaml ergänzen oder einen von "
                               + ", ".join(_codes_with_text(prefix)) + " verwenden", "reader_text")
