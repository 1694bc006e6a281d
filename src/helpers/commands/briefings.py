"""`python -m helpers briefings`: execute the product notebooks and write HTML briefings.

Arguments are checked completely before anything is created (exit 2); the work itself is
:func:`helpers.batch.run` (exit 0 all good, 1 a notebook failed, 75 another run holds the lock).
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from pathlib import Path

from helpers.i18n import SPRACHEN, check_sprache, t
from helpers.kommunen import UnknownRegionError, region
from helpers.paths import NOTEBOOKS_DIR, REPORTS_DIR

EXIT_BAD_ARGUMENTS = 2


def configure(parser: argparse.ArgumentParser) -> None:
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--all", action="store_true", help="alle 16 Kommunen (Voreinstellung)")
    which.add_argument("--kommune", action="append", metavar="NAME_ODER_AGS",
                       help="nur diese Kommune (mehrfach möglich), z. B. --kommune Kleve --kommune 05154008")
    which.add_argument("--refresh-notebooks", action="store_true",
                       help="die drei Produkt-Notebooks mit Standardparametern neu ausführen und speichern (für nbval)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="parallele Worker (Voreinstellung: Kerne)")
    parser.add_argument("--force", action="store_true", help="auch unveränderte Notebooks neu ausführen")
    parser.add_argument("--out", type=Path, default=REPORTS_DIR, help="Zielordner (Voreinstellung: reports/)")
    parser.add_argument("--stichtag", help="Stichtag JJJJ-MM-TT (Voreinstellung: neuester Stand)")
    parser.add_argument("--sprache", help="nur de oder nur en (Voreinstellung: beide; Englisch in en/)")


def _fail(message: str) -> int:
    print(message, file=sys.stderr)
    return EXIT_BAD_ARGUMENTS


def run(args: argparse.Namespace) -> int:
    from helpers import batch

    if args.jobs < 1:
        return _fail(t("briefings_bad_jobs", value=args.jobs))
    try:
        sprachen = [check_sprache(args.sprache)] if args.sprache else list(SPRACHEN)
        selected = [region(k, level="kommune") for k in args.kommune] if args.kommune else None
    except (UnknownRegionError, ValueError) as error:
        return _fail(str(error))
    if args.stichtag is not None:
        try:
            dt.date.fromisoformat(args.stichtag)
        except ValueError:
            return _fail(t("briefings_bad_stichtag", value=args.stichtag))
    missing = [p for p in batch.product_notebooks() if not p.exists()]
    if missing:
        print("\n".join(t("briefings_missing_notebook", path=p) for p in missing), file=sys.stderr)
        return batch.EXIT_FAILED

    if args.refresh_notebooks:
        for path in batch.product_notebooks():
            batch.refresh(path)
            print(t("briefings_refreshed", path=path.relative_to(NOTEBOOKS_DIR.parent)), file=sys.stderr)
        return batch.EXIT_OK

    sprache = sprachen[0]  # of the messages on the terminal
    jobs = [job for each in sprachen for job in batch.plan(selected, stichtag=args.stichtag, sprache=each)]
    try:
        result = batch.run(jobs, args.out, workers=args.jobs, force=args.force, sprache=sprache)
    except batch.LockHeld as error:
        print(error, file=sys.stderr)
        return batch.EXIT_LOCKED
    counts = {s: sum(e["status"] == s for e in result.entries) for s in ("ok", "skipped", "failed")}
    print(t("briefings_summary", sprache, ran=counts["ok"] + counts["failed"], skipped=counts["skipped"],
            failed=counts["failed"], path=result.run_dir), file=sys.stderr)
    if counts["failed"]:
        latest = args.out / batch.LATEST
        print(t("briefings_latest_kept", sprache, latest=latest.resolve() if latest.exists() else "–"), file=sys.stderr)
    return result.exit_code
