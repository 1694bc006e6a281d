"""`python -m helpers briefings`: execute the product notebooks and write HTML briefings.

Arguments are checked completely before anything is created (exit 2); the work itself is
:func:`helpers.run.batch.run` (exit 0 all good, 1 a notebook failed or the run could not be
written, 75 another run holds the lock, 130/143 stopped by SIGINT/SIGTERM).
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import signal
import sys
from pathlib import Path

from helpers.fmt import format_date, format_number
from helpers.i18n import SPRACHEN, check_sprache, t
from helpers.kommunen import UnknownRegionError, kreis, kreise, region
from helpers.paths import NOTEBOOKS_DIR, REPORTS_DIR
from helpers.run import plan

EXIT_BAD_ARGUMENTS = 2
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def configure(parser: argparse.ArgumentParser) -> None:
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--all", action="store_true", help="alle Kommunen des Kreises (Voreinstellung)")
    which.add_argument("--kommune", action="append", metavar="NAME_ODER_AGS",
                       help="nur diese Kommune (mehrfach möglich), z. B. --kommune Kleve --kommune 05154008")
    which.add_argument("--refresh-notebooks", action="store_true",
                       help="die drei Produkt-Notebooks mit Standardparametern neu ausführen und speichern (für nbval)")
    parser.add_argument("--kreis", action="append", metavar="NAME_ODER_AGS",
                        help="Kreis (Voreinstellung: Kreis Kleve; mehrfach möglich, je Kreis ein Unterordner; "
                             "'all' für alle Kreise in NRW), z. B. --kreis Wesel --kreis 05166")
    parser.add_argument("--shard", metavar="I/N", type=_shard,
                        help="nur Teil I von N (z. B. 2/4), auf jedem Rechner gleich: "
                             "für eine CI-Matrix oder einen Cluster")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                        help="parallele Worker (Voreinstellung und Obergrenze: Kerne und freier Speicher)")
    parser.add_argument("--force", action="store_true", help="auch unveränderte Notebooks neu ausführen")
    parser.add_argument("--out", type=Path, default=REPORTS_DIR, help="Zielordner (Voreinstellung: reports/)")
    parser.add_argument("--stichtag", help="Stichtag JJJJ-MM-TT (Voreinstellung: neuester Stand)")
    parser.add_argument("--sprache", help="nur de oder nur en (Voreinstellung: beide; Englisch in en/)")


def _shard(text: str) -> tuple[int, int]:
    """``I/N`` with 1 <= I <= N <= MAX_SHARDS (a longer number is refused before it is converted)."""
    match = re.fullmatch(r"(\d{1,9})/(\d{1,9})", text.strip())
    if not match or not 1 <= int(match[1]) <= int(match[2]) <= plan.MAX_SHARDS:
        raise argparse.ArgumentTypeError(t("briefings_bad_shard", value=text[:40],
                                           most=format_number(plan.MAX_SHARDS, 0)))
    return int(match[1]), int(match[2])


def _kreise(values: list[str] | None) -> list | None:
    """The Kreise named on the command line (``all``: every Kreis of NRW), or None for the default."""
    if not values:
        return None
    if any(v.strip().lower() == "all" for v in values):
        return list(kreise())
    return list(dict.fromkeys(kreis(v) for v in values))


def _fail(message: str) -> int:
    print(message, file=sys.stderr)
    return EXIT_BAD_ARGUMENTS


def _stichtag_problem(value: str) -> str | None:
    """Only ``JJJJ-MM-TT`` (Python alone would also take ``20231231`` and ``2023-W52-7``), within the data."""
    from helpers.briefings.context import stichtag_span
    from helpers.data import store

    try:
        if not ISO_DATE.fullmatch(value):
            raise ValueError(value)
        dt.date.fromisoformat(value)
    except ValueError:
        return t("briefings_bad_stichtag", value=value)
    first, last = stichtag_span(store.load("observations"))
    if not first <= value <= last:
        return t("briefings_stichtag_outside", value=value, first=format_date(first), last=format_date(last))
    return None


def _outcome(result, latest: Path, sprache: str) -> None:
    """The summary lines for the log: what ran, what was carried over, what was stopped."""
    from helpers.run import batch

    entries = result.entries
    carried = [e for e in entries if e.carried_over]
    counts = {s: sum(e.status == s for e in entries if not e.carried_over) for s in ("ok", "skipped", "failed")}
    print(t("briefings_summary", sprache, ran=counts["ok"] + counts["failed"], skipped=counts["skipped"],
            failed=counts["failed"], path=result.run_dir), file=sys.stderr)
    if carried:
        print(t("briefings_carried", sprache, count=len(carried), latest=latest), file=sys.stderr)
        stale = [e.output for e in carried if e.stale]
        if stale:
            print(t("briefings_carried_stale", sprache, names=", ".join(stale)), file=sys.stderr)
    if result.stopped_by:
        done = [e.output for e in entries if e.status == "ok" and not e.carried_over]
        print(t("briefings_interrupted", sprache, signal=signal.Signals(result.stopped_by).name, done=len(done),
                total=result.planned, names=", ".join(done), path=result.run_dir,
                latest=batch.latest_text(latest.parent, sprache)), file=sys.stderr)
    elif counts["failed"]:
        print(batch.latest_text(latest.parent, sprache), file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    from helpers.data import transaction
    from helpers.run import batch, pool

    if args.jobs < 1:
        return _fail(t("briefings_bad_jobs", value=args.jobs))
    try:
        sprachen = [check_sprache(args.sprache)] if args.sprache else list(SPRACHEN)
        selected = [region(k, level="kommune") for k in args.kommune] if args.kommune else None
        chosen = _kreise(args.kreis)
    except (UnknownRegionError, ValueError) as error:
        return _fail(str(error))
    sprache = sprachen[0]  # of the messages on the terminal
    every_kreis = any(v.strip().lower() == "all" for v in args.kreis or ())
    if problem := plan.conflict(selected, chosen, every_kreis, sprache):
        return _fail(problem)
    if args.stichtag is not None and (problem := _stichtag_problem(args.stichtag)):
        return _fail(problem)
    if problem := batch.check_out(args.out, sprache):
        return _fail(problem)
    from helpers.indicators.goals import GoalFileError, read_goals

    try:  # every line of the goals file, before a run folder or `latest` is touched
        read_goals(sprache=sprache)
    except GoalFileError as error:
        return _fail(f"{error}\n{t('goal_error_nothing_written', sprache)}")
    missing = [p for p in batch.product_notebooks() if not p.exists()]
    if missing:
        print("\n".join(t("briefings_missing_notebook", path=p) for p in missing), file=sys.stderr)
        return batch.EXIT_FAILED
    workers, capped = pool.worker_limit(args.jobs)
    if capped:
        print(capped, file=sys.stderr)

    try:
        if args.refresh_notebooks:
            from helpers.data import store

            with batch.locked(args.out, sprache), store.pinned_build():
                for path in batch.checked_notebooks():
                    batch.refresh(path)
                    print(t("briefings_refreshed", path=path.relative_to(NOTEBOOKS_DIR.parent)), file=sys.stderr)
            return batch.EXIT_OK
        jobs = [job for each in sprachen
                for job in plan.plan(selected, kreise=chosen, stichtag=args.stichtag, sprache=each)]
        if args.shard:
            units = len(plan.shard_units(jobs))
            jobs = plan.shard(jobs, *args.shard)
            if not jobs:  # a part beyond the units: a run without briefings must never become `latest`
                print(t("briefings_empty_shard", sprache, index=args.shard[0], count=args.shard[1], units=units,
                        latest=batch.latest_text(args.out, sprache)), file=sys.stderr)
                return batch.EXIT_OK
        result = batch.run(jobs, args.out, workers=workers, force=args.force, sprache=sprache)
    except (batch.LockHeld, transaction.Busy) as error:
        print(error, file=sys.stderr)
        return batch.EXIT_LOCKED
    except batch.RunError as error:
        print(error, file=sys.stderr)
        return batch.EXIT_FAILED
    except pool.Stopped as stop:
        print(t("briefings_stopped_early", sprache, signal=signal.Signals(stop.signum).name,
                latest=batch.latest_text(args.out, sprache)), file=sys.stderr)
        return 128 + stop.signum
    _outcome(result, args.out / batch.LATEST, sprache)
    return result.exit_code
