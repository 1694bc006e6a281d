"""data/raw → data/processed: parse, validate and tidy the official figures, and write them.

``build`` writes a new build folder in a transaction's staging area and publishes it as the current
one in one commit (:mod:`helpers.data.processed`, :mod:`helpers.data.transaction`), so on any error
the previous build stays byte-identical. Its manifest records the hashes of the raw data and of this
code (:func:`fingerprint`, :func:`code_hash`) that ``store.load`` compares to decide whether the build
is stale.
"""
from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from helpers import ingest, kommunen
from helpers.data import datapackage, processed, provenance, transaction, validation
from helpers.data.hashing import tree_sha256
from helpers.data.rules import checks
from helpers.data.status import Status
from helpers.data.validation import ERROR, DataError, Report
from helpers.paths import CATALOGUE_DIR, PACKAGE_DIR, PROCESSED_DIR, RAW_DIR, UPDATES_DIR

TABLES = ("observations", "municipalities", "sources", "facts", "conflicts")
OBSERVATION_COLUMNS = ["ags", "date", "variable", "category", "value", "unit", "source_id", "status", "flag", "note",
                       "base", "preferred", "precision"]
MANIFEST = "manifest.json"
REQUIRED_ROLES = ("observations", "sources", "municipalities")
EXPORT_ROLE = "export"  # an official export added by `data import` / `data fetch`, read by helpers.ingest
CODE_FILES = ("data", "kommunen.py", "ingest",
              "catalogue/bases.csv", "catalogue/checks.yaml", "catalogue/tables.yaml", "catalogue/source_families.csv",
              "catalogue/region_aliases.csv", "catalogue/date_precision.csv")


def fingerprint(raw_dir: Path = RAW_DIR) -> str:
    """Content hash of every file under data/raw (names and bytes), for caches."""
    return tree_sha256(raw_dir, datapackage.raw_files(raw_dir) + [Path(datapackage.PACKAGE_FILE)])


def code_hash() -> str:
    """Hash of the code and catalogue that shape the processed data (a change means rebuild)."""
    paths = [PACKAGE_DIR / name for name in CODE_FILES]
    return tree_sha256(PACKAGE_DIR, [file for path in paths for file in (path.rglob("*") if path.is_dir() else [path])
                                     if file.is_file() and file.suffix in {".py", ".csv", ".yaml"}])


def validate(raw_dir: Path = RAW_DIR) -> Report:
    """All checks of ``build`` without writing anything."""
    return _prepare(raw_dir)[1]


def tables(raw_dir: Path = RAW_DIR) -> dict[str, pd.DataFrame]:
    """The processed tables of ``raw_dir`` in memory, without writing (``data update`` compares two of them)."""
    return checked(raw_dir)[0]


def checked(raw_dir: Path = RAW_DIR) -> tuple[dict[str, pd.DataFrame], Report]:
    """The processed tables of ``raw_dir`` and the report of their checks (warnings); DataError on errors."""
    frames, report = _prepare(raw_dir)
    if not report.ok:
        raise DataError(report)
    return frames, report


def build(raw_dir: Path = RAW_DIR, out_dir: Path = PROCESSED_DIR) -> Path:
    """Validate ``raw_dir`` and publish its tables as the current build of ``out_dir``, as the one writer
    of the data folder; raises DataError on errors (nothing changed)."""
    raw_dir, out_dir = Path(raw_dir), Path(out_dir)
    with transaction.writing(raw_dir.parent, out_dir.parent), \
            transaction.Transaction(out_dir.parent, "data build") as commit:
        tables, report = checked(raw_dir)
        staged = write(tables, report, raw_dir, commit.path("build"))
        last_report = raw_dir.parent / UPDATES_DIR.name / "latest.json"
        if last_report.is_file():
            shutil.copyfile(last_report, staged / processed.CHANGE_REPORT)
        processed.publish(commit, staged, out_dir)
        commit.commit()
        processed.collect_garbage(out_dir)
    return out_dir


def write(tables: dict[str, pd.DataFrame], report: Report, raw_dir: Path, folder: Path) -> Path:
    """The build folder: every table as Parquet, manifest.json and the region directory it was made with."""
    with transaction.no_space_in(folder.parent):
        folder.mkdir()
        folder.chmod(0o755)
        for name, frame in tables.items():
            frame.to_parquet(folder / f"{name}.parquet", index=False)
        manifest = _manifest(raw_dir, tables, report)
        (folder / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        shutil.copyfile(kommunen.directory_file(raw_dir), folder / processed.DIRECTORY)
    return folder


def _manifest(raw_dir: Path, tables: dict[str, pd.DataFrame], report: Report) -> dict:
    package = datapackage.read_package(raw_dir)
    return {
        "built_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "fingerprint": fingerprint(raw_dir),
        "code_hash": code_hash(),
        "git_commit": _git_commit(),
        "inputs": {r["path"]: r["hash"] for r in package["resources"]},
        "rows": {name: len(frame) for name, frame in tables.items()},
        # per source and region, so `data build` can report them without reading Parquet back (see commands.data)
        "observations_by_source": _counts(tables["observations"]["source_id"]),
        "observations_by_region": _counts(tables["observations"]["ags"]),
        "warnings": {check: n for (level, check), n in report.counts_by_check().items() if level != ERROR},
    }


def _counts(column: pd.Series) -> dict[str, int]:
    return {key: int(n) for key, n in column.value_counts().sort_index().items()}


def _git_commit() -> str:
    try:
        result = subprocess.run(["git", "rev-parse", "HEAD"], cwd=PACKAGE_DIR, capture_output=True, text=True,
                                timeout=10)
    except (OSError, subprocess.SubprocessError):
        return ""
    return result.stdout.strip() if result.returncode == 0 else ""


# --- reading and tidying ------------------------------------------------------------------


def _prepare(raw_dir: Path) -> tuple[dict[str, pd.DataFrame], Report]:
    """Read every raw resource, check it and return the processed tables with the report, against the
    region directory in ``raw_dir`` itself (a new directory is checked with the data it comes with)."""
    with kommunen.directory_of(raw_dir):
        return _read_and_check(raw_dir)


def _read_and_check(raw_dir: Path) -> tuple[dict[str, pd.DataFrame], Report]:
    report = Report()
    try:
        problems = datapackage.provenance_problems(raw_dir)
    except datapackage.PackageError as exc:
        report.add(ERROR, datapackage.PACKAGE_FILE, None, "", *str(exc).split(" → ", 1), "provenance")
        return {}, report
    for file, problem, fix in problems:
        report.add(ERROR, file, None, "", problem, fix, "provenance")
    package = datapackage.read_package(raw_dir)
    raw: dict[str, list[pd.DataFrame]] = {}
    exports = []
    for resource in package["resources"]:
        role = resource.get("x_role", "")
        if role in TABLES:
            frame = _read_resource(raw_dir, resource, report)
            if frame is not None:
                raw.setdefault(role, []).append(frame)
        elif role == EXPORT_ROLE:
            exports.append(resource)
    missing = [role for role in REQUIRED_ROLES if role not in raw]
    for role in missing:
        report.add(ERROR, datapackage.PACKAGE_FILE, None, "x_role", f"keine lesbare Ressource mit x_role '{role}'",
                   "Rohdaten wiederherstellen (git) oder Fehler oben beheben", "schema")
    if not report.ok:
        return {}, report
    source_table = _tidy_sources(pd.concat(raw["sources"] + [_export_source(r) for r in exports], ignore_index=True),
                                 report)
    observations = pd.concat([_snapshot_observations(pd.concat(raw["observations"], ignore_index=True))]
                             + _vintages([_export_observations(raw_dir, r, report) for r in exports]),
                             ignore_index=True)
    if observations.empty:
        report.add(ERROR, datapackage.PACKAGE_FILE, None, "",
                   "keine einzige Beobachtung: ein Bau ohne Zahlen ersetzt keinen vorhandenen Stand",
                   "Rohdaten aus git wiederherstellen (`git checkout -- data/raw`)", "no_observations")
        return {}, report
    observations = _annotate(observations, source_table)
    known_sources = set(source_table["source_id"])
    recorded = pd.concat(raw["conflicts"], ignore_index=True) if raw.get("conflicts") else None
    validation.check_observations(observations, known_sources, report, recorded)
    observations.loc[validation.incomplete_totals(observations), "status"] = Status.INCOMPLETE.value
    validation.check_reader_texts(observations, source_table, report)
    for role in ("facts", "municipalities"):
        for frame in raw.get(role, []):
            validation.check_references(frame, known_sources, report)
    latest = observations.groupby("source_id")["date"].max()
    source_table["reference_date"] = source_table["source_id"].map(latest).astype("datetime64[ns]")
    tables = {
        "observations": _finish_observations(observations),
        "municipalities": _tidy_municipalities(pd.concat(raw["municipalities"], ignore_index=True)),
        "sources": source_table,
        "facts": _tidy_facts(pd.concat(raw.get("facts", []) or [pd.DataFrame()], ignore_index=True)),
        "conflicts": _conflicts(observations, recorded),
    }
    return tables, report


def _read_resource(raw_dir: Path, resource: dict, report: Report) -> pd.DataFrame | None:
    """A CSV resource as strings, checked against its declared encoding and field names."""
    path = raw_dir / resource["path"]
    name = resource["path"]
    if datapackage.irregular(path):
        return None  # a folder, symlink or device: reported by provenance_problems, never read
    try:
        text = path.read_bytes().decode(resource.get("encoding", "utf-8"))
    except FileNotFoundError:
        return None  # reported by provenance_problems
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        report.add(ERROR, name, line, "",
                   f"Datei ist nicht {resource.get('encoding', 'utf-8')}-kodiert (Byte {exc.start})",
                   "Datei in der deklarierten Kodierung speichern oder die Kodierung in datapackage.json korrigieren",
                   "encoding")
        return None
    fields = (resource.get("schema") or {}).get("fields")
    if not isinstance(fields, list) or not all(isinstance(f, dict) and "name" in f for f in fields):
        report.add(ERROR, datapackage.PACKAGE_FILE, None, "schema", f"Eintrag für {name} hat kein schema.fields",
                   "datapackage.json aus git wiederherstellen (`git checkout -- data/raw/datapackage.json`)", "schema")
        return None
    expected = [f["name"] for f in fields]
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, [])
    if header != expected:
        report.add(ERROR, name, 1, "", f"Spalten {header} statt {expected}",
                   "Kopfzeile und Spalten wie in datapackage.json (schema.fields) herstellen", "schema")
        return None
    records, lines = [], []
    try:
        for row in reader:
            if len(row) != len(expected):
                report.add(ERROR, name, reader.line_num, "", f"Zeile hat {len(row)} statt {len(expected)} Felder"
                           + (" (Datei abgeschnitten?)" if len(row) < len(expected) else ""),
                           "Datei vollständig aus der Quelle oder aus git wiederherstellen", "schema")
                continue
            records.append(row)
            lines.append(reader.line_num)
    except csv.Error as exc:
        report.add(ERROR, name, reader.line_num, "", f"CSV nicht lesbar: {exc}", "Datei aus git wiederherstellen",
                   "schema")
        return None
    if not records and resource.get("x_role") in REQUIRED_ROLES:
        report.add(ERROR, name, 2, "", "Datei enthält nur die Kopfzeile, keine Datenzeilen",
                   f"Datei aus git wiederherstellen (`git checkout -- data/raw/{name}`)", "schema")
        return None
    frame = pd.DataFrame(records, columns=expected, dtype=str)
    frame["_file"] = name
    frame["_row"] = lines
    validation.check_text_cells(frame, expected, report)
    return frame


def _snapshot_observations(raw: pd.DataFrame) -> pd.DataFrame:
    """values.csv rows: dates and numbers parsed, an empty value kept as NaN with flag '.'."""
    rules = checks()
    obs = raw.rename(columns={"value": "_value_raw", "date": "_date_raw"})
    obs["date"] = pd.to_datetime(obs["_date_raw"], format="%Y-%m-%d", errors="coerce")
    obs["value"] = pd.to_numeric(obs["_value_raw"].str.strip(), errors="coerce").astype("float64")
    obs["flag"] = obs["_value_raw"].isin(rules["missing_markers"]).map({True: ".", False: ""})
    return obs.drop(columns=["name"])


def _export_source(resource: dict) -> pd.DataFrame:
    """The sources.csv-style row of an imported export, from its datapackage.json record."""
    return pd.DataFrame([{
        "source_id": resource["x_source_id"], "publisher": resource["x_publisher"], "title": resource["title"],
        "table_or_page": f"table {resource['x_table']}",
        "url_or_repo_path": resource.get("sources", [{}])[0].get("path", ""),
        "retrieved_via": resource.get("x_retrieved_via", "python -m helpers data import"),
        "notes": resource.get("description", ""),
        "_file": datapackage.PACKAGE_FILE, "_row": None,
    }])


def _export_observations(raw_dir: Path, resource: dict, report: Report) -> pd.DataFrame:
    """Rows of an imported official export for the regions of this monitor (others are skipped)."""
    name = resource["path"]
    if datapackage.irregular(raw_dir / name):
        return pd.DataFrame()  # reported by provenance_problems, never read
    try:
        extract = ingest.read_file(raw_dir / name, table=resource["x_table"],
                                   reference_date=resource.get("x_reference_date"), regions=kommunen.resolve)
    except (ingest.IngestError, OSError) as exc:
        report.add(ERROR, name, None, "", str(exc), "Datei aus git wiederherstellen oder neu importieren", "ingest")
        return pd.DataFrame()
    for problem in extract.problems:
        report.add(ERROR, name, None, "", problem, "Export prüfen und neu herunterladen", "ingest")
    rows = extract.rows[extract.rows["ags"].isin(validation.known_ags())].copy()
    rows["_date_raw"] = rows["date"]
    rows["date"] = pd.to_datetime(rows["date"], format="%Y-%m-%d", errors="coerce")
    rows["_value_raw"] = rows["value"].map(lambda v: "" if pd.isna(v) else repr(v))
    rows["source_id"] = resource["x_source_id"]
    rows["status"] = Status(extract.status).value  # derived where the reader counted a list
    rounded = ingest.common.declared_tables()["tables"].get(resource["x_table"], {}).get("rounded_gemeinden", [])
    rows.loc[rows["_date_raw"].isin(rounded) & (rows["ags"].str.len() == 8), "status"] = Status.ROUNDED.value
    total = ingest.common.row_total(resource["x_table"])  # a total the table does not print: summed from its rows
    if total:
        summed = (rows["variable"] == total["variable"]) & (rows["category"] == total.get("category", "total"))
        rows.loc[summed, "status"] = Status.DERIVED.value
    rows["note"] = f"{extract.format} {extract.table}"
    rows["_table"] = resource["x_table"]
    rows["_declared_base"] = declared_base(resource.get("x_base", ""), rows["_date_raw"])
    rows["_export_rank"] = 0  # the table as published wins over a transcription of it in the snapshot
    rows["_file"] = name
    rows["_row"] = rows["ags"].map(_region_lines(raw_dir / name, set(rows["ags"])))
    return rows


def _region_lines(path: Path, regions: set[str]) -> dict[str, int]:
    """The line (1 = first) of each region's first row in an export, so a problem names a row a reader can find.
    A cell counts when it is the AGS itself (classic: 'code;name;…'; flat: a key column)."""
    found: dict[str, int] = {}
    for number, line in enumerate(ingest.common.decode(path.read_bytes()).splitlines(), start=1):
        for cell in line.split(";"):
            ags = cell.strip().strip('"')
            if ags in regions and ags not in found:
                found[ags] = number
                break
    return found


def _vintages(frames: list[pd.DataFrame]) -> list[pd.DataFrame]:
    """Where data/raw holds several vintages of one table, the newest (by its newest reference date) wins a key
    they share: it is the later publication. An older vintage only adds its own reference dates."""
    newest: dict[str, str] = {}
    for frame in frames:
        if not frame.empty:
            newest[frame["_table"].iat[0]] = max(newest.get(frame["_table"].iat[0], ""), frame["_date_raw"].max())
    for frame in frames:
        if not frame.empty and frame["_date_raw"].max() < newest[frame["_table"].iat[0]]:
            frame["_export_rank"] = 0.5  # after the newest vintage (0), before the snapshot's transcription (1)
    return frames


def declared_base(declared: str | dict, dates: pd.Series) -> pd.Series | str:
    """An export's census base from catalogue/tables.yaml: one for all rows, or by reference date
    (``{first day: base}``, e.g. the Fortschreibung on the Zensus 2011 base from 2011 and on the Zensus 2022
    base from 2023), so an older vintage of a table gets the base of its own years."""
    if not isinstance(declared, dict):
        return declared
    starts = sorted(declared.items(), reverse=True)
    return dates.map(lambda day: next((base for first, base in starts if day >= first), ""))


def _annotate(obs: pd.DataFrame, source_table: pd.DataFrame) -> pd.DataFrame:
    """Add the statistic/census base and the rank of the source family (for `preferred`)."""
    obs = obs.reset_index(drop=True)
    obs["base"] = _bases(obs)
    obs["_family"] = obs["source_id"].map(source_table.set_index("source_id")["family"]).fillna("")
    obs["_family_rank"] = obs["_family"].map(provenance.FAMILY_RANK).fillna(len(provenance.FAMILY_RANK))
    return obs


def _bases(obs: pd.DataFrame) -> pd.Series:
    """The statistic / census base of each population-type row, from catalogue/bases.csv."""
    rules = pd.read_csv(CATALOGUE_DIR / "bases.csv", dtype=str, keep_default_na=False)
    applies = obs["variable"].isin(checks()["base_variables"])
    declared = obs["_declared_base"] if "_declared_base" in obs else pd.Series("", index=obs.index)
    base = declared.fillna("").astype(object).where(applies, "")  # an export's base from catalogue/tables.yaml
    rules["_specific"] = (rules["variable"] != "*") | (rules["date"] != "")
    rows = obs.loc[applies, ["source_id", "variable", "_date_raw"]]  # the rules are matched on these rows only
    for rule in rules.sort_values("_specific", kind="stable").itertuples(index=False):  # specific rules win
        hit = rows["source_id"] == rule.source_id
        if rule.variable != "*":
            hit &= rows["variable"] == rule.variable
        if rule.date:
            hit &= rows["_date_raw"] == rule.date
        base[hit.index[hit]] = rule.base
    return base


def _finish_observations(obs: pd.DataFrame) -> pd.DataFrame:
    out = obs[obs["date"].notna()].copy()
    # Several rows with one key (ags, date, variable, category, base): the most certain status
    # (Status.conflict_rank) wins, then official over press, then an imported export over the snapshot.
    out["_rank"] = out["status"].map({s.value: s.conflict_rank for s in Status}).fillna(len(Status))
    out["_export_rank"] = out["_export_rank"].fillna(1) if "_export_rank" in out else 1
    out = out.sort_values(["ags", "variable", "category", "date", "base", "_rank", "_family_rank", "_export_rank",
                           "source_id"], kind="stable")
    key = ["ags", "date", "variable", "category", "base"]
    out["preferred"] = ~out.duplicated(key)
    out["precision"] = _precision(out)
    out = out[OBSERVATION_COLUMNS].reset_index(drop=True)
    out["value"] = out["value"].astype("float64")
    out["date"] = out["date"].astype("datetime64[ns]")
    return out


def _precision(obs: pd.DataFrame) -> pd.Series:
    """How exactly the source dates a row — ``day``, ``month`` or ``year`` — from
    catalogue/date_precision.csv (first matching rule), so "März 2022" is never shown as "15.03.2022"."""
    rules = pd.read_csv(CATALOGUE_DIR / "date_precision.csv", dtype=str, keep_default_na=False)
    precision = pd.Series("day", index=obs.index, dtype=object)
    decided = pd.Series(False, index=obs.index)
    for rule in rules.itertuples(index=False):
        hit = ~decided
        if rule.variables:
            hit &= _contains(obs["variable"], rule.variables)
        if rule.note_matches:
            hit &= _contains(obs["note"], rule.note_matches)
        precision[hit] = rule.precision
        decided |= hit
    return precision


def _contains(column: pd.Series, pattern: str) -> pd.Series:
    """``column.str.contains(pattern)``, searched once per distinct value (70,000 rows share a few hundred)."""
    codes, distinct = pd.factorize(column, use_na_sentinel=False)
    return pd.Series(pd.Series(distinct, dtype=object).str.contains(pattern, regex=True).to_numpy()[codes],
                     index=column.index)


def _tidy_municipalities(raw: pd.DataFrame) -> pd.DataFrame:
    out = raw.drop(columns=["_file", "_row"])
    for column in ("area_km2", "lat_town_centre", "lon_town_centre"):
        out[column] = pd.to_numeric(out[column]).astype("float64")
    return out.reset_index(drop=True)


def _tidy_sources(raw: pd.DataFrame, report: Report) -> pd.DataFrame:
    """Sources with family, short publisher, origin, table code and licence (catalogue/source_families.csv)."""
    out = provenance.describe(raw)
    for _, r in out[out["family"] == ""].iterrows():
        report.add(ERROR, r["_file"], r["_row"], "publisher",
                   f"Herausgeber '{r['publisher']}' keiner Quellenart zugeordnet",
                   "Regel in src/helpers/catalogue/source_families.csv ergänzen (Art und Lizenz)", "source_family")
    return out.drop(columns=["_file", "_row"]).reset_index(drop=True)


def _tidy_facts(raw: pd.DataFrame) -> pd.DataFrame:
    if raw.empty:
        return pd.DataFrame(columns=["date", "subject", "fact", "source_id", "ags", "indicators", "fact_de"])
    out = raw.drop(columns=["_file", "_row"])
    out["date"] = (pd.to_datetime(out["date"].replace("", None), format="%Y-%m-%d", errors="coerce")
                   .astype("datetime64[ns]"))
    return out.reset_index(drop=True)


def _conflicts(observations: pd.DataFrame, recorded: pd.DataFrame | None) -> pd.DataFrame:
    """Every observation whose (ags, date, variable, category) has more than one distinct value,
    with the curated reason from CONFLICTS.csv (empty where none is recorded)."""
    valid = observations[observations["value"].notna() & observations["date"].notna()]
    key = ["ags", "date", "variable", "category"]
    distinct = valid.groupby(key)["value"].transform("nunique")
    rows = _finish_observations(valid[distinct > 1])
    reasons = validation.recorded_reasons(recorded)
    rows["reason"] = [reasons.get((a, f"{d:%Y-%m-%d}", v, c, s), "")
                      for a, d, v, c, s in rows[validation.CONFLICT_KEY].itertuples(index=False)]
    # an imported export repeating a transcribed figure shares the reason recorded for that figure
    rows["reason"] = rows.groupby(key + ["value"])["reason"].transform(lambda r: next((x for x in r if x), ""))
    rows["different_base"] = rows.groupby(key)["base"].transform("nunique") > 1
    return rows.reset_index(drop=True)
