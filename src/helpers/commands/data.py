"""`python -m helpers data …`: build, validate, inspect, import, fetch and update official figures.

Exit codes: 0 done, 1 refused or failed (nothing changed), 2 bad arguments, 75 another writer holds the
data folder (nothing changed), 130/143 stopped by SIGINT/SIGTERM (nothing changed, unless the line
says the commit had begun and was completed first).
"""
from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path

import pandas as pd

from helpers import ingest, kommunen
from helpers.data import build, importing, store, transaction, update, validation
from helpers.data.validation import DataError
from helpers.ingest.common import TABLES_FILE
from helpers.paths import PROCESSED_DIR, RAW_DIR, UPDATES_DIR


def configure(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    build = actions.add_parser("build", help="data/raw prüfen und nach data/processed (Parquet) schreiben")
    _dirs(build, processed=True)
    validate = actions.add_parser("validate", help="data/raw prüfen, ohne etwas zu schreiben; Exit 1 bei Fehlern")
    _dirs(validate, processed=False)
    validate.add_argument("--all-warnings", action="store_true", help="alle Warnungen zeigen, nicht nur die ersten 50")
    inspect = actions.add_parser("inspect", help="Format einer Exportdatei erkennen und ihre Zeilen als CSV zeigen")
    inspect.add_argument("file", type=Path)
    inspect.add_argument("--table", help="Tabellencode, falls nicht aus Datei oder Dateiname erkennbar")
    inspect.add_argument("--reference-date", type=_checked(importing.check_date),
                         help="Stichtag JJJJ-MM-TT, falls die Datei keinen nennt")
    add = actions.add_parser("import", help="amtlichen Export mit Herkunft nach data/raw übernehmen")
    add.add_argument("file", type=Path)
    _provenance(add)
    _accept_regions(add)
    fetch = actions.add_parser("fetch",
                               help="Tabelle mit pystatis abrufen und übernehmen (braucht Internet und Zugangsdaten)")
    fetch.add_argument("table", help="Tabellencode, z. B. 12411-01-01-4")
    fetch.add_argument("--regionalkey", default="", help="Regionalschlüssel-Filter, z. B. 05154*")
    fetch.add_argument("--startyear", default="")
    fetch.add_argument("--endyear", default="")
    _provenance(fetch)
    refresh = actions.add_parser(
        "update", help="alle deklarierten amtlichen Tabellen neu holen, übernehmen und einen Änderungsbericht zeigen",
        description="Holt die Tabellen aus src/helpers/catalogue/tables.yaml (pystatis bzw. Download der "
                    "Landesdatenbank NRW) oder liest Exporte aus --from, prüft alles, übernimmt alles oder nichts "
                    "nach data/raw, baut data/processed neu und zeigt und speichert den Änderungsbericht "
                    "(data/updates/latest.json). Exit-Code 0 ok, 1 eine Tabelle oder die Prüfung ist gescheitert "
                    "(nichts geändert), 2 falsche Argumente, 75 ein anderer Schreibvorgang läuft (nichts geändert).")
    refresh.add_argument("--table", action="append", metavar="CODE", help="nur diese Tabelle (mehrfach möglich)")
    refresh.add_argument("--from", dest="source", type=Path, metavar="ORDNER",
                         help="von Hand heruntergeladene Exporte (CSV oder CSV flat) statt Abruf; "
                              "erkannt am Tabellencode")
    refresh.add_argument("--dry-run", action="store_true", help="nur den Änderungsbericht zeigen, nichts schreiben")
    _route(refresh)
    _accept_regions(refresh)
    refresh.add_argument("--accept-changes", action="store_true",
                         help="Werte übernehmen, die sich stärker ändern als in catalogue/checks.yaml (change_factors) "
                              "erlaubt, nachdem sie geprüft sind")
    _dirs(refresh, processed=True)
    export = actions.add_parser(
        "export", help="lange Tabelle, Regionen, Codebook und datapackage.json für R, Stata usw. schreiben (offline)")
    export.add_argument("--format", choices=["csv", "parquet", "stata"], default="csv", help="Dateiformat der Tabellen")
    export.add_argument("--out", type=Path, required=True, metavar="ORDNER", help="Zielordner (wird angelegt)")
    actions.add_parser("docs", help="die erzeugten Dokumente neu schreiben: data/codebook.csv, data/codebook.md "
                                    "(aus Katalog und Daten) und data/CHANGELOG.md (aus data/updates)")
    refresh.add_argument("--updates-dir", type=Path, default=UPDATES_DIR, help=argparse.SUPPRESS)
    refresh.add_argument("--tables-file", type=Path, default=TABLES_FILE, help=argparse.SUPPRESS)


def _route(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--retrieved-on", default="", type=_checked(importing.check_date), metavar="JJJJ-MM-TT",
                        help="wann die Datei beim Herausgeber abgerufen wurde (Standard: heute), "
                             "z. B. der Stand eines Spiegels")
    parser.add_argument("--via", default="", metavar="TEXT",
                        help="Weg der Datei, wenn nicht direkt vom Herausgeber, z. B. "
                             "\"GitHub-Spiegel datenguide/genesapi-data, src/12411-01-01-5_00.csv, Commit 838afdc\"")


def _accept_regions(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--accept-regions", action="store_true",
                        help="eine echte Gebietsänderung übernehmen: neue, umbenannte oder entfallene Regionen")


def _dirs(parser: argparse.ArgumentParser, processed: bool) -> None:
    parser.add_argument("--raw-dir", type=Path, default=RAW_DIR, help=argparse.SUPPRESS)
    if processed:
        parser.add_argument("--out-dir", type=Path, default=PROCESSED_DIR, help=argparse.SUPPRESS)


def _checked(check):
    """An argparse type from one of importing's checks: a bad value exits 2 with the check's German reason."""
    def convert(text: str) -> str:
        try:
            return check(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
    convert.__name__ = check.__name__.removeprefix("check_")
    return convert


def _provenance(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--source-id", required=True, type=_checked(importing.check_source_id),
                        help="neue, eindeutige Quellen-ID, z. B. ITNRW_12411_01I_2025")
    parser.add_argument("--publisher", default="IT.NRW", help="Herausgeber (Standard: IT.NRW)")
    parser.add_argument("--title", default="", help="Titel der Tabelle")
    parser.add_argument("--table", default="", help="Tabellencode (sonst aus Datei oder Dateiname)")
    parser.add_argument("--reference-date", default="", type=_checked(importing.check_date),
                        help="Stichtag JJJJ-MM-TT, falls die Datei keinen nennt")
    parser.add_argument("--licence", default="dl-de/by-2-0", help="Lizenz (Standard: dl-de/by-2-0)")
    parser.add_argument("--url", default="", type=_checked(importing.check_url),
                        help="Adresse der Tabelle in der Datenbank")
    _route(parser)
    parser.add_argument("--raw-dir", type=Path, default=RAW_DIR, help=argparse.SUPPRESS)


def run(args: argparse.Namespace) -> int:
    action = {"build": _build, "validate": _validate, "inspect": _inspect, "import": _import, "fetch": _fetch,
              "update": _update, "export": _export, "docs": _docs}[args.action]
    try:
        with transaction.sigterm_interrupts():
            return action(args)
    except transaction.Busy as exc:
        print(exc, file=sys.stderr)
        return transaction.EXIT_BUSY
    except (transaction.NoSpace, transaction.Incomplete) as exc:
        print(f"Fehler: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt as stop:  # Ctrl+C, or SIGTERM (transaction.Interrupted)
        signum = getattr(stop, "signum", signal.SIGINT)
        print(f"Abgebrochen ({signal.Signals(signum).name}): " + (
            "Das Signal kam während der Übernahme; sie wurde zuvor vollständig abgeschlossen (Bericht: data/updates)."
            if getattr(stop, "committed", False) else "Es wurde nichts verändert."), file=sys.stderr)
        return 128 + signum


def _build(args) -> int:
    try:
        out = build.build(args.raw_dir, args.out_dir)
    except DataError as exc:
        print(exc.report.format(), file=sys.stderr)
        print("Abbruch: data/processed bleibt unverändert.", file=sys.stderr)
        return 1
    # The summary comes from manifest.json, not from reading the Parquet files back: a read starts pyarrow's
    # I/O threads, and one still busy at interpreter exit aborts the process after a correct build
    # ("terminate called without an active exception", exit 134; apache/arrow#34314).
    manifest = store.manifest(out)
    print(f"{out}: " + ", ".join(f"{name} {n}" for name, n in manifest["rows"].items()))
    print("Warnungen: " + (", ".join(f"{check} {n}" for check, n in manifest["warnings"].items()) or "keine")
          + " (Einzelheiten: python -m helpers data validate)")
    for heading, key, column in (("Zeilen je Quelle", "observations_by_source", "source_id"),
                                 ("Zeilen je Region", "observations_by_region", "ags")):
        print(f"\n{heading}:")
        print(pd.Series(manifest[key], name="count").rename_axis(column).to_string())
    return 0


def _validate(args) -> int:
    with transaction.writing(args.raw_dir.parent):  # no writer meanwhile; completes an interrupted one first
        report = build.validate(args.raw_dir)
        if report.ok:  # a refused file (unreadable, a link to a device …) is not handed to Frictionless
            validation.check_schemas(args.raw_dir, report)
    print(report.format(limit=10**9 if args.all_warnings else 50))
    return 0 if report.ok else 1


def _inspect(args) -> int:
    try:
        extract = ingest.read_file(args.file, table=args.table, reference_date=args.reference_date,
                                   regions=kommunen.resolve)
    except (ingest.IngestError, OSError) as exc:
        print(f"Fehler: {exc}", file=sys.stderr)
        return 1
    print(f"# {args.file.name}: Format {extract.format}, Tabelle {extract.table or '?'}, {len(extract.rows)} Zeilen",
          file=sys.stderr)
    extract.rows.to_csv(sys.stdout, index=False)
    for problem in extract.problems:
        print(f"Problem: {problem}", file=sys.stderr)
    return 1 if extract.problems else 0


def _meta(args) -> importing.Provenance:
    return importing.Provenance(source_id=args.source_id, publisher=args.publisher, title=args.title, table=args.table,
                                reference_date=args.reference_date, licence=args.licence, url=args.url,
                                retrieved_on=args.retrieved_on, via=args.via)


def _import(args) -> int:
    try:
        target = importing.import_file(args.file, _meta(args), args.raw_dir, accept_regions=args.accept_regions)
    except importing.ImportRefused as exc:
        print(f"Nicht importiert: {exc}", file=sys.stderr)
        return 1
    print(f"Übernommen: data/raw/{target.as_posix()} (Quelle {args.source_id}); "
          "jetzt `python -m helpers data build` und die Datei mit datapackage.json committen.")
    return 0


def _fetch(args) -> int:
    query = {k: v for k, v in (("regionalkey", args.regionalkey), ("startyear", args.startyear),
                               ("endyear", args.endyear)) if v}
    try:
        target = importing.fetch_table(args.table, _meta(args), args.raw_dir, **query)
    except importing.ImportRefused as exc:
        print(f"Nicht abgerufen: {exc}", file=sys.stderr)
        return 1
    print(f"Abgerufen und übernommen: data/raw/{target.as_posix()} (Quelle {args.source_id}).")
    return 0


def _export(args) -> int:
    from helpers.research import export

    try:
        written = export.export(args.out, args.format)
    except (export.ExportError, OSError) as exc:
        print(f"Nicht exportiert: {exc}", file=sys.stderr)
        return 1
    print("Geschrieben: " + ", ".join(str(p) for p in written))
    return 0


def _docs(args) -> int:
    from helpers import research
    from helpers.data.change_report import CHANGELOG, changelog
    from helpers.paths import DATA_DIR
    from helpers.research import codebooks

    codebooks.write(research.codebook())
    codebooks.write_text(DATA_DIR / CHANGELOG, changelog(UPDATES_DIR))
    print(f"Geschrieben: {codebooks.CODEBOOK_CSV}, {codebooks.CODEBOOK_MD}, {DATA_DIR / 'CHANGELOG.md'}")
    return 0


def _update(args) -> int:
    if (args.retrieved_on or args.via) and args.source is None:
        print("Fehler: --retrieved-on und --via gelten nur mit --from ORDNER (ein Abruf ist heute und direkt).",
              file=sys.stderr)
        return 2
    try:
        report = update.update(args.table, args.source, args.dry_run, args.raw_dir, args.out_dir, args.updates_dir,
                               args.tables_file, accept_regions=args.accept_regions, accept_changes=args.accept_changes,
                               retrieved_on=args.retrieved_on, via=args.via)
    except update.UnknownTable as exc:
        print(f"Fehler: {exc}", file=sys.stderr)
        return 2
    print(report.format())
    return 1 if report.failed else 0
