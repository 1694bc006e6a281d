"""The committee's goals ("Zielmarken", ``data/goals.csv``): read and checked completely before a run writes
anything, and judged on every run against the straight path from the baseline value to the target.

A goal names a catalogue indicator, a Kommune or Kreis, a target in the indicator's unit, the date it is
due and the day it was decided. Its baseline is the value on ``baseline_date`` (given) or the newest value
on or before ``decided_on``. The judgement compares values as printed (rounded to the indicator's
decimals), because readers can check only those; a value exactly on the path counts as on course
("at least as far as the path demands"), a value exactly at the target as reached.
"""
from __future__ import annotations

import csv
import datetime as dt
import difflib
import hashlib
import io
import os
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from helpers.data import store
from helpers.data.hashing import file_sha256
from helpers.data.status import Status
from helpers.fmt import as_printed
from helpers.i18n import t
from helpers.indicators.catalogue import CATALOGUE, Indicator
from helpers.indicators.compute import indicator_series
from helpers.indicators.queries import regional, until
from helpers.kommunen import Region, UnknownRegionError, region
from helpers.paths import GOALS_ENV, goals_file

COLUMNS = ("indicator", "region", "target", "target_date", "decided_on", "baseline_date", "decided_by")
REQUIRED = ("indicator", "region", "target", "target_date", "decided_on")
STATUSES = ("reached", "on_track", "off_track", "no_newer_data", "not_assessable")
NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?")
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
COUNT_UNITS = ("persons", "schools")  # digits only: "1.000" meant as a thousand must not read as 1
MAX_PROBLEMS = 20  # named in one message; the rest counted


class GoalFileError(ValueError):
    """``goals.csv`` cannot be used as it is; the message names file, line and the fix."""


@dataclass(frozen=True)
class Goal:
    """One row of ``goals.csv``, checked: ``ags`` is the region's official key."""

    line: int
    indicator: str
    ags: str
    region_name: str
    target: float
    target_date: dt.date
    decided_on: dt.date
    baseline_date: dt.date | None
    decided_by: str

    @property
    def key(self) -> str:
        """What identifies a goal from run to run (a changed target is the same goal, judged anew)."""
        return f"{self.indicator}|{self.ags}|{self.target_date.isoformat()}"

    def record(self) -> dict[str, object]:
        return {"key": self.key, "indicator": self.indicator, "ags": self.ags, "region": self.region_name,
                "target": self.target, "target_date": self.target_date.isoformat(),
                "decided_on": self.decided_on.isoformat(),
                "baseline_date": self.baseline_date.isoformat() if self.baseline_date else None,
                "decided_by": self.decided_by}


# --- reading and checking ----------------------------------------------------------------------

def _date(text: str) -> dt.date:
    if not ISO_DATE.fullmatch(text):
        raise ValueError(text)
    return dt.date.fromisoformat(text)


def _bounds_problem(ind: Indicator, target: float, written: str, sprache: str) -> str | None:
    """Why ``target`` (``written`` so in the file) is impossible in the indicator's unit (None if possible)."""
    if ind.kind == "change" or ind.not_a_share:
        return None
    if ind.unit == "percent" and not 0 <= target <= 100:
        return t("goal_error_share", sprache, target=written)
    if target < 0:
        return t("goal_error_negative", sprache, target=written)
    return None


def _region(text: str, sprache: str) -> Region:
    """A Kreis or a Gemeinde of one: the regions with briefings (not the Land, not a kreisfreie Stadt)."""
    place = region(text)
    if place.kind != "Kreis" and (place.level != "kommune" or region(place.kreis_ags).kind != "Kreis"):
        raise UnknownRegionError(t("goal_error_level", sprache, region=place.name))
    return place


def _check_row(row: dict[str, str], line: int, sprache: str) -> Goal:
    """One row as a :class:`Goal`; raises ValueError with the problem and its fix."""
    if any(not (row.get(c) or "").strip() for c in REQUIRED):
        raise ValueError(t("goal_error_empty", sprache, columns=", ".join(c for c in REQUIRED
                                                                           if not (row.get(c) or "").strip())))
    values = {c: (row.get(c) or "").strip() for c in COLUMNS}
    if values["indicator"] not in CATALOGUE.indicators:
        close = difflib.get_close_matches(values["indicator"], list(CATALOGUE.indicators), n=2)
        raise ValueError(t("goal_error_indicator", sprache, indicator=values["indicator"],
                           hint=" / ".join(close) or "data/codebook.md"))
    ind = CATALOGUE[values["indicator"]]
    try:
        place = _region(values["region"], sprache)
    except UnknownRegionError as error:
        raise ValueError(t("goal_error_region", sprache, error=error)) from None
    if place.level not in ind.levels:
        raise ValueError(t("goal_error_indicator_level", sprache, indicator=ind.id, region=place.name,
                           levels=", ".join(ind.levels)))
    if not NUMBER.fullmatch(values["target"]):
        raise ValueError(t("goal_error_target", sprache, target=values["target"]))
    if ind.kind != "change" and ind.unit in COUNT_UNITS and not values["target"].lstrip("+-").isdigit():
        raise ValueError(t("goal_error_count", sprache, target=values["target"]))
    target = float(values["target"].replace(",", "."))
    if problem := _bounds_problem(ind, target, values["target"], sprache):
        raise ValueError(problem)
    dates = {}
    for column in ("target_date", "decided_on", "baseline_date"):
        try:
            dates[column] = _date(values[column]) if values[column] else None
        except ValueError:
            raise ValueError(t("goal_error_date", sprache, column=column, value=values[column])) from None
    if dates["target_date"] <= dates["decided_on"]:
        raise ValueError(t("goal_error_target_date", sprache, target_date=values["target_date"],
                           decided_on=values["decided_on"]))
    if dates["baseline_date"] and dates["baseline_date"] > dates["decided_on"]:
        raise ValueError(t("goal_error_baseline_date", sprache, baseline_date=values["baseline_date"],
                           decided_on=values["decided_on"]))
    return Goal(line, ind.id, place.ags, place.name, target, dates["target_date"], dates["decided_on"],
                dates["baseline_date"], values["decided_by"])


def _decode(path: Path, data: bytes, sprache: str) -> str:
    try:
        return data.decode("utf-8-sig")  # a BOM (Excel's "CSV UTF-8") is fine
    except UnicodeDecodeError as error:
        line = data[:error.start].count(b"\n") + 1
        raise GoalFileError(t("goal_error_encoding", sprache, path=path, line=line)) from None


def read_goals(path: Path | None = None, sprache: str = "de") -> tuple[Goal, ...]:
    """Every goal of ``path`` (default :func:`helpers.paths.goals_file`), checked; no file = no goals,
    unless it was named explicitly (then it must exist). Raises :class:`GoalFileError` naming every bad
    line (up to :data:`MAX_PROBLEMS`) and its fix."""
    named = path is not None or bool(os.environ.get(GOALS_ENV))
    path = path or goals_file()
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        if named:
            raise GoalFileError(t("goal_error_missing_file", sprache, path=path, env=GOALS_ENV)) from None
        return ()
    text = _decode(path, data, sprache)
    first = text.split("\n", 1)[0]
    delimiter = ";" if ";" in first and "," not in first else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    header = [h.strip() for h in reader.fieldnames or []]
    if tuple(header) != COLUMNS:
        raise GoalFileError(t("goal_error_header", sprache, path=path, found=", ".join(header) or "–",
                              missing=", ".join(c for c in COLUMNS if c not in header) or "–",
                              columns=",".join(COLUMNS)))
    goals, problems, seen = [], [], {}
    for row in reader:
        line = reader.line_num
        if not any((v or "").strip() for v in row.values() if isinstance(v, str)):
            continue
        try:
            goal = _check_row({k.strip(): v for k, v in row.items() if k}, line, sprache)
        except ValueError as error:
            problems.append(t("goal_error_line", sprache, path=path, line=line, problem=error))
            continue
        if goal.key in seen:
            problems.append(t("goal_error_line", sprache, path=path, line=line,
                              problem=t("goal_error_duplicate", sprache, other=seen[goal.key])))
            continue
        seen[goal.key] = line
        goals.append(goal)
    if problems:
        more = len(problems) - MAX_PROBLEMS
        raise GoalFileError("\n".join(problems[:MAX_PROBLEMS]
                                      + ([t("goal_error_more", sprache, count=more)] if more > 0 else [])))
    return tuple(goals)


def fingerprint(goals: tuple[Goal, ...]) -> str:
    """A hash of the goals as checked (not of the file's bytes: a reordered file or a new comment changes
    nothing a briefing shows); ``""`` for none."""
    if not goals:
        return ""
    return hashlib.sha256(repr(sorted((g.key, sorted(g.record().items())) for g in goals)).encode()).hexdigest()


def of_region(goals: tuple[Goal, ...], ags: str) -> tuple[Goal, ...]:
    """The goals of a Kommune (its AGS) or, for a Kreis AGS, those of the Kreis (first) and all its Kommunen."""
    return tuple(sorted((g for g in goals if g.ags.startswith(ags)), key=lambda g: (len(g.ags), g.ags, g.line)))


# --- judging -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Point:
    """A value of the indicator on one date, as the judgement used it."""

    value: float | None
    date: pd.Timestamp
    status: str
    base: str
    source_ids: tuple[str, ...]
    precision: str = "day"  # of the date, as its source has it ("März 2022", "2016")


@dataclass(frozen=True)
class Judgement:
    """How a goal stands: ``status`` one of :data:`STATUSES`; ``reason`` why it is ``not_assessable``
    (``change_indicator``, ``no_baseline``, ``secret_baseline``, ``secret_newest``, ``base_change``);
    ``path`` what the straight path demands on the newest date."""

    goal: Goal
    status: str
    reason: str = ""
    baseline: Point | None = None
    newest: Point | None = None
    path: float | None = None

    @property
    def source_ids(self) -> tuple[str, ...]:
        points = [p for p in (self.baseline, self.newest) if p is not None]
        return tuple(dict.fromkeys(i for p in points for i in p.source_ids))

    def record(self) -> dict[str, object]:
        """What run.json keeps of it (the index and the next run's change list read this)."""
        def point(p: Point | None) -> dict | None:
            return None if p is None else {"value": p.value, "date": p.date.date().isoformat(), "status": p.status,
                                           "precision": p.precision}

        return {**self.goal.record(), "status": self.status, "reason": self.reason,
                "baseline": point(self.baseline), "newest": point(self.newest)}


def _point(row: pd.Series) -> Point:
    value = None if pd.isna(row["value"]) else float(row["value"])
    return Point(value, row["date"], row["status"], row["base"], tuple(row["source_ids"]), row.get("precision", "day"))


def _unusable(point: Point) -> bool:
    """Secret or missing, or a lower bound (a total with a secret part is never compared)."""
    return point.value is None or point.status == Status.INCOMPLETE


def _on_date(series: pd.DataFrame, day: pd.Timestamp, base: str | None = None) -> Point:
    """The row of ``day``; of two census bases on one day, ``base`` if given, else the newer base."""
    rows = series[series["date"] == day]
    same = rows[rows["base"] == base] if base is not None else rows.iloc[0:0]
    return _point((same if len(same) else rows).iloc[-1])


def judge(obs: pd.DataFrame, goal: Goal, stichtag: pd.Timestamp | None = None) -> Judgement:
    """The goal against the data up to ``stichtag``: see the module docstring and :class:`Judgement`."""
    ind = CATALOGUE[goal.indicator]
    if ind.kind == "change":
        return Judgement(goal, "not_assessable", "change_indicator")
    series = indicator_series(obs, goal.indicator, goal.ags).sort_values("date", kind="stable")
    if stichtag is not None:
        series = series[series["date"] <= stichtag]
    start = pd.Timestamp(goal.baseline_date or goal.decided_on)
    candidates = series[(series["date"] == start) if goal.baseline_date else (series["date"] <= start)]
    if candidates.empty:  # the newest value is still shown: a reader must not read "no data" into the table
        newest = _on_date(series, series["date"].max()) if len(series) else None
        return Judgement(goal, "not_assessable", "no_baseline", None, newest)
    later = series[series["date"] > candidates["date"].max()]
    baseline = _on_date(series, candidates["date"].max(), later["base"].iloc[-1] if len(later) else None)
    newest = _on_date(series, later["date"].max(), baseline.base) if len(later) else None
    return assess(goal, baseline, newest, ind.decimals)


def assess(goal: Goal, baseline: Point, newest: Point | None, decimals: int) -> Judgement:
    """The status of ``goal`` from its baseline and the newest later value (None: there is none), compared
    as printed with ``decimals``; a tie with the path counts as on course, a tie with the target as reached."""
    if _unusable(baseline):
        return Judgement(goal, "not_assessable", "secret_baseline", baseline, newest)
    if newest is None:
        return Judgement(goal, "no_newer_data", "", baseline)
    if _unusable(newest):
        return Judgement(goal, "not_assessable", "secret_newest", baseline, newest)
    if newest.base != baseline.base:
        return Judgement(goal, "not_assessable", "base_change", baseline, newest)

    first, now, target = (as_printed(v, decimals) for v in (baseline.value, newest.value, goal.target))
    direction = (target > first) - (target < first)
    due = pd.Timestamp(goal.target_date)
    progress = min(1.0, (newest.date - baseline.date) / (due - baseline.date))  # baseline < due: checked on reading
    path = as_printed(baseline.value + (goal.target - baseline.value) * progress, decimals)
    if direction == 0:  # hold the value: only the target itself is on course
        status = "reached" if now == target else "off_track"
    elif (now - target) * direction >= 0:
        status = "reached"
    else:
        status = "on_track" if (now - path) * direction >= 0 else "off_track"
    return Judgement(goal, status, "", baseline, newest, path)


def judge_run(goals: tuple[Goal, ...], kreise: set[str], stichtag: str | None = None) -> list[Judgement]:
    """Every goal of the run's Kreise, judged on the data up to ``stichtag`` as the briefings judge it
    (for the index and run.json)."""
    if not goals:  # the usual case: no observations read in the main process of every run
        return []
    day = pd.Timestamp(stichtag) if stichtag else None
    obs = store.load("observations")
    judged = []
    for kreis_ags in sorted(kreise):
        if mine := of_region(goals, kreis_ags):
            rows = until(regional(obs, kreis_ags), day)  # once per Kreis, not per goal
            judged += [judge(rows, goal, day) for goal in mine]
    return judged


def run_record(goals: tuple[Goal, ...], judged: list[dict], path: Path | None = None) -> dict[str, object]:
    """What run.json records of the goals: which file (its SHA-256; None when there is none), how many
    goals, and each judgement (:meth:`Judgement.record`)."""
    path = path or goals_file()
    return {"file": str(path), "sha256": file_sha256(path) if path.is_file() else None,
            "count": len(goals), "judgements": judged}
