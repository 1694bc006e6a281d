"""`data update`: the declared official tables (catalogue/tables.yaml) into data/raw and data/processed,
with a change report, in one commit.

The exports (fetched or read from a folder, :mod:`helpers.data.exports`) are checked against their
declared columns and for plausibility (:mod:`helpers.data.plausibility`) and staged with their
provenance in a copy of data/raw inside a transaction (:mod:`helpers.data.transaction`), as the one
writer of the data folder. Only when every table succeeded, the staged data/raw validates and builds
and no value moves implausibly are the raw files, datapackage.json, the new processed build and the
change report committed together; any failure (also a full disk or a signal) leaves all of them
byte-identical. A table's new export replaces the one an earlier update brought; an older vintage is
added beside it and never removes newer reference dates. Nothing new, nothing written.
"""
from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pandas as pd

from helpers import fmt, ingest, kommunen
from helpers.data import (
    build,
    datapackage,
    exports,
    importing,
    plausibility,
    processed,
    store,
    transaction,
    validation,
)
from helpers.data.change_report import CHANGELOG, ChangeReport, changelog, changes
from helpers.data.exports import Answer, Table, UnknownTable, UpdateFailed
from helpers.ingest.common import TABLES_FILE, normalise_ags
from helpers.ingest.genesis_flat import REGION_DIMENSIONS
from helpers.paths import BUILD_ENV, PROCESSED_DIR, RAW_DIR, UPDATES_DIR

__all__ = ["UnknownTable", "UpdateFailed", "last_report", "update"]

RETRIEVED_VIA = "python -m helpers data update"
LATEST_REPORT = "latest.json"
_SHOWN = 8  # implausible values named per table


def update(codes: list[str] | None = None, source: Path | None = None, dry_run: bool = False,
           raw_dir: Path = RAW_DIR, processed_dir: Path = PROCESSED_DIR, updates_dir: Path = UPDATES_DIR,
           tables_file: Path = TABLES_FILE, accept_regions: bool = False, accept_changes: bool = False,
           retrieved_on: str = "", via: str = "") -> ChangeReport:
    """Fetch (or read from ``source``) the tables, check, stage and commit all or nothing; the change report.

    ``retrieved_on``/``via`` (only with ``source``): when and by which route the files were obtained (e.g. a
    public mirror of the publisher's download) instead of today and the folder; the same bytes with another
    recorded provenance are taken again, so provenance can be corrected through this path."""
    catalogue = exports.declared(tables_file)
    unknown = [c for c in codes or [] if c not in catalogue]
    if unknown:
        raise UnknownTable(f"Unbekannte Tabelle(n) {', '.join(unknown)}. Deklariert sind in "
                           f"src/helpers/catalogue/tables.yaml: {', '.join(catalogue)}.")
    wanted = [catalogue[c] for c in (codes or list(catalogue))]
    raw_dir, processed_dir, updates_dir = Path(raw_dir), Path(processed_dir), Path(updates_dir)
    report = ChangeReport(dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), dry_run)
    with transaction.writing(raw_dir.parent, processed_dir.parent), \
            transaction.Transaction(raw_dir.parent, "data update") as commit:
        answers = (exports.from_folder(Path(source), catalogue, wanted, report) if source
                   else exports.fetch_all([t for t in wanted if not t.manual], commit.path(), report))
        for answer in answers:  # an explicit route is recorded even for bytes already held (see _stage)
            answer.retrieved, answer.mirror, answer.routed = (retrieved_on or answer.retrieved, via,
                                                              bool(retrieved_on or via))
        trial = commit.raw_copy(raw_dir)
        replaced = {}
        for answer in answers:
            try:
                replaced[answer.table.code] = _stage(answer, trial, commit.path(), report, accept_regions)
            except (UpdateFailed, plausibility.Implausible, ingest.IngestError) as exc:
                report.tables[answer.table.code] = {"status": "failed", "message": str(exc)}
        for table in (t for t in wanted if t.manual):
            report.tables.setdefault(table.code, {"status": "manual", "message": table.spec["manual_route"]})
        if report.failed or not report.updated:
            return report  # nothing new is nothing written: latest.json keeps the last real update
        try:
            before = _observations(raw_dir, processed_dir)
            tables, checked = build.checked(trial)
        except validation.DataError as exc:
            report.tables["(alle)"] = {"status": "failed", "message": "Rohdaten nach dem Import ungültig:\n"
                                       + "\n".join(importing.distinct(exc.report.errors))}
            return report
        with kommunen.directory_of(trial):  # a region new to the directory has its name there
            report.changes = changes(before, tables["observations"], report, replaced)
        _refuse_implausible(report, before, tables["observations"], accept_changes)
        if report.failed or dry_run:
            return report
        staged = build.write(tables, checked, trial, commit.path("build"))
        commit.stage_raw(trial, raw_dir)
        report.build = processed.publish(commit, staged, processed_dir).name
        text = json.dumps(report.as_json(), ensure_ascii=False, indent=2) + "\n"
        with transaction.no_space_in(commit.folder):
            (staged / processed.CHANGE_REPORT).write_text(text, encoding="utf-8")
            for name in (report.created.replace(":", "") + ".json", LATEST_REPORT):
                (commit.path("updates") / name).parent.mkdir(exist_ok=True)
                commit.path("updates", name).write_text(text, encoding="utf-8")
                commit.move(commit.path("updates", name), updates_dir / name)
            commit.path(CHANGELOG).write_text(changelog(updates_dir, report.as_json()), encoding="utf-8")
            commit.move(commit.path(CHANGELOG), updates_dir.parent / CHANGELOG)
        commit.commit()
        processed.collect_garbage(processed_dir)
    return report


def _refuse_implausible(report: ChangeReport, before: pd.DataFrame, after: pd.DataFrame, accept: bool) -> None:
    """Tables whose new values move by more than their variable's factor fail, naming the values."""
    new_sources = {info["source_id"]: code for code, info in report.tables.items() if info["status"] == "updated"}
    for code, lines in plausibility.check_changes(before, after, new_sources, accept).items():
        report.tables[code] = {**report.tables[code], "status": "failed", "message": (
            "Werte ändern sich stärker als für ihre Variable erlaubt (change_factors in src/helpers/catalogue/"
            "checks.yaml): " + "; ".join(lines[:_SHOWN])
            + (f" … und {len(lines) - _SHOWN} weitere" if len(lines) > _SHOWN else "")
            + ". Stimmen die Zahlen (etwa nach einer Gebietsänderung), mit --accept-changes übernehmen; sonst die "
              "Tabelle neu herunterladen.")}


# --- checking and staging -----------------------------------------------------------------


def _stage(answer: Answer, trial: Path, scratch: Path, report: ChangeReport, accept_regions: bool) -> str:
    """Check the export and stage it in ``trial``; returns the source id of the export it replaces ('' if none).
    An export older than the one held (its newest reference date earlier) is added beside it."""
    table = answer.table
    kind = ingest.detect(answer.file)
    extract = ingest.read_file(answer.file, table=table.code, regions=kommunen.resolve)
    if extract.problems:
        raise UpdateFailed(f"Export fehlerhaft ({len(extract.problems)} Probleme), z. B. {extract.problems[0]}; "
                           "Tabelle neu herunterladen.")
    plausibility.check_complete(answer.file, kind, extract)
    _check_layout(table, extract.rows)
    ours = extract.rows[extract.rows["ags"].isin(validation.known_ags())]
    _check_newest_period(table, ours)
    if (ours["date"] == "").any():
        raise UpdateFailed("der Export nennt keinen Stichtag; die Tabelle mit Stichtag (Zeitangabe) herunterladen.")
    package = datapackage.read_package(trial)
    earlier = [r for r in package["resources"]
               if r.get("x_table") == table.code and r.get("x_role") == build.EXPORT_ROLE]
    held = [_rows(trial, r) for r in earlier]
    older = bool(held) and ours["date"].max() < max(rows["date"].max() for rows in held)
    plausibility.check_regions(table.code, extract, answer.file, held, replaces=not older, accept=accept_regions)
    file = _extract_regions(answer, scratch)
    digest = datapackage.file_hash(file)
    same = [r for r in package["resources"] if r.get("hash") == digest]
    recorded = {(r.get("x_date_accessed"), r.get("x_via", "")) for r in same}
    if same and (not answer.routed or recorded == {(answer.retrieved, answer.mirror)}):
        report.tables[table.code] = {"status": "unchanged"}
        return ""  # the same bytes with another provenance (--retrieved-on/--via) are recorded anew below
    previous = [] if older else [r for r in earlier if r.get("x_retrieved_via", "").startswith(RETRIEVED_VIA)]
    if previous:
        package["resources"] = [r for r in package["resources"] if r not in previous]
        datapackage.write_package(trial, package)
        for resource in previous:
            (trial / resource["path"]).unlink()
    source_id = f"{table.service['prefix']}_{table.code.replace('-', '_').upper()}_{answer.retrieved.replace('-', '')}"
    base = table.spec.get("base", "")
    if isinstance(base, dict) and len(used := set(build.declared_base(base, ours["date"]))) == 1:
        base = used.pop()  # one base for every row: recorded as such
    meta = importing.Provenance(
        source_id=source_id, publisher=table.service["publisher"], title=table.spec["title"],
        table=table.code, url=table.service["url"].format(code=table.code, statistic=table.code.split("-")[0]),
        retrieved_via=f"{RETRIEVED_VIA} ({answer.via}; {table.service['label']}"
                      + (f", über {answer.mirror}" if answer.mirror else "") + f"; abgerufen {answer.retrieved})",
        folder=table.service["folder"], base=base)
    try:
        target = importing.stage(file, meta, kind, extract, trial)
    except importing.ImportRefused as exc:
        raise UpdateFailed(str(exc)) from exc
    _annotate_resource(trial, target, answer)
    report.tables[table.code] = {"status": "updated", "source_id": source_id, "file": target.as_posix(),
                                 "retrieved": answer.retrieved, "replaces": [r["x_source_id"] for r in previous],
                                 **({"via": answer.mirror} if answer.mirror else {})}
    if older:
        report.tables[table.code]["message"] = (
            f"älterer Stand (bis {fmt.format_date(ours['date'].max())}): ergänzt seine Stichtage neben dem Stand bis "
            f"{fmt.format_date(max(rows['date'].max() for rows in held))}, der bleibt")
    return previous[0]["x_source_id"] if previous else ""


def _observations(raw_dir: Path, processed_dir: Path) -> pd.DataFrame:
    """The observations of data/raw as it is: from the current build when that is the build of exactly this data
    and code (the test :func:`~helpers.data.store.load` trusts too; building again would give the same table),
    else built in memory."""
    folder = store.fresh_build(processed_dir, raw_dir)
    return pd.read_parquet(folder / "observations.parquet") if folder else build.tables(raw_dir)["observations"]


def _rows(raw_dir: Path, resource: dict) -> pd.DataFrame:
    """The rows of an export held in data/raw."""
    return ingest.read_file(raw_dir / resource["path"], table=resource["x_table"],
                            reference_date=resource.get("x_reference_date") or None, regions=kommunen.resolve).rows


def _check_layout(table: Table, rows: pd.DataFrame) -> None:
    """Every column of the export must be declared: an unknown one means the table's layout changed."""
    targets = {variable for variable, _, _ in ingest.common.table_map(table.code).values()}
    if total := ingest.common.row_total(table.code):  # the declared total of its rows (total_of_rows)
        targets.add(total["variable"])
    if not targets:
        raise UpdateFailed("für diese Tabelle ist noch keine Spaltenzuordnung deklariert (fetch: manual); "
                           "columns in src/helpers/catalogue/tables.yaml ergänzen.")
    strange = sorted(set(rows["variable"]) - targets)
    if strange:
        raise UpdateFailed(f"Aufbau der Tabelle geändert: Merkmal(e) {', '.join(strange[:5])} sind in "
                           "src/helpers/catalogue/tables.yaml (columns) nicht zugeordnet; Zuordnung ergänzen.")


def _check_newest_period(table: Table, rows: pd.DataFrame) -> None:
    """A newest reference date with only '-', '.' or empty cells for our regions is not yet filled in."""
    if rows.empty:
        raise UpdateFailed("enthält keine Zeilen für Kreis Kleve, seine Kommunen, NRW oder Deutschland; "
                           "Regionalauswahl der Tabelle prüfen.")
    newest = rows[rows["date"] == rows["date"].max()]
    local = newest[newest["ags"].str.startswith(kommunen.kreis().ags)]  # NRW and Germany are filled in first
    empty = local["value"].isna() | (local["flag"] == "-")
    if empty.all():
        raise UpdateFailed(f"der neueste Stichtag {fmt.format_date(newest['date'].iloc[0])} enthält für Kreis "
                           "Kleve und seine Kommunen nur leere Felder oder '-': die Werte sind noch nicht eingepflegt. "
                           "Später erneut versuchen; es wurde nichts übernommen.")


def _extract_regions(answer: Answer, scratch: Path) -> Path:
    """A flat answer cut to the declared regions (lines byte-unchanged), so data/raw stays small."""
    regions = answer.table.regions
    if regions is None:
        return answer.file
    line_region = {"genesis_classic": ingest.genesis_classic.row_code,
                   "kommunalprofil": lambda line: ingest.kommunalprofil.row_region(line, answer.table.code,
                                                                                   kommunen.resolve)}
    if (kind := ingest.detect(answer.file)) in line_region:
        return _extract_lines(answer, scratch, regions, line_region[kind])
    raw = answer.file.read_bytes()
    bom = raw.startswith(b"\xef\xbb\xbf")
    lines = ingest.common.decode(raw).splitlines(keepends=True)
    header = lines[0].lstrip("\ufeff").rstrip("\r\n").split(";")
    pairs = [(i, header.index(h.replace("_variable_code", "_variable_attribute_code")))
             for i, h in enumerate(header) if h.endswith("_variable_code") and h[0].isdigit()]
    kept = [line for line in lines[1:] if _in_regions(line.split(";"), pairs, regions)]
    if len(kept) == len(lines) - 1:
        return answer.file
    _note_extract(answer, len(kept), len(lines) - 1, "Serverantwort")
    return _write_extract(answer, scratch, ((b"\xef\xbb\xbf" if bom else b"")
                                            + "".join([lines[0].lstrip("\ufeff")] + kept).encode("utf-8")))


def _extract_lines(answer: Answer, scratch: Path, regions: set[str], line_region) -> Path:
    """A classic export (all German Gemeinden; a Kommunalprofil also without the features it leaves out) cut
    to the declared regions' data lines; title, header and footer lines and the bytes of every kept line
    unchanged. ``line_region(line)`` is a data line's AGS, None for the other lines."""
    lines = answer.file.read_bytes().splitlines(keepends=True)
    encoding = ingest.common.encoding(answer.file.read_bytes())
    kept, data_lines, footer = [], 0, False
    for line in lines:
        footer = footer or line.startswith(b"__________")
        code = None if footer else line_region(line.decode(encoding, errors="replace").rstrip("\r\n"))
        data_lines += code is not None
        if code is None or code in regions:
            kept.append(line)
    if len(kept) == len(lines):
        return answer.file
    _note_extract(answer, data_lines - (len(lines) - len(kept)), data_lines, "Datei")
    return _write_extract(answer, scratch, b"".join(kept))


def _note_extract(answer: Answer, kept: int, total: int, what: str) -> None:
    answer.extract_note = (f"Auszug der {what}: {kept} von {total} Datenzeilen (die Regionen des Monitors), "
                           "Zeilen unverändert")


def _write_extract(answer: Answer, scratch: Path, body: bytes) -> Path:
    out = scratch / "extracts" / answer.file.name
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(body)
    return out


def _in_regions(cells: list[str], pairs: list[tuple[int, int]], regions: set[str]) -> bool:
    for code_at, value_at in pairs:
        if code_at < len(cells) and (cells[code_at] in REGION_DIMENSIONS or cells[code_at].startswith("GEO")):
            return value_at < len(cells) and normalise_ags(cells[value_at]) in regions
    return False


def _annotate_resource(trial: Path, target: Path, answer: Answer) -> None:
    """Record service, retrieval date and the extract note in the new resource."""
    package = datapackage.read_package(trial)
    for resource in package["resources"]:
        if resource["path"] == target.as_posix():
            resource["x_date_accessed"] = answer.retrieved
            resource["x_service"] = answer.table.service_name
            if answer.mirror:
                resource["x_via"] = answer.mirror
            if answer.extract_note:
                resource["description"] = answer.extract_note
    datapackage.write_package(trial, package)


def last_report(updates_dir: Path | None = None) -> dict | None:
    """The last saved change report (default: the one the build pinned by a briefing run was made with, else
    data/updates/latest.json), or None."""
    pinned = os.environ.get(BUILD_ENV)
    path = (Path(pinned) / processed.CHANGE_REPORT if pinned and updates_dir is None
            else (updates_dir or UPDATES_DIR) / LATEST_REPORT)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return None
