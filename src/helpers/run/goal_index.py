"""The goals on a run's index page: a compact table of every goal of the Kreis with its status, and the
status changes since the last run for "Neu seit dem letzten Lauf". Both read the judgements as run.json
records them (:meth:`helpers.indicators.goals.Judgement.record`), so the next run compares like with like."""
from __future__ import annotations

from helpers import fmt
from helpers.i18n import t
from helpers.indicators.catalogue import CATALOGUE
from helpers.presentation.narrative import format_value, goal_status


def _mine(records: list[dict], kreis_ags: str | None) -> list[dict]:
    return [r for r in records if kreis_ags is None or r["ags"].startswith(kreis_ags)]


def _label(record: dict, sprache: str) -> str:
    return CATALOGUE[record["indicator"]].label(sprache) if record["indicator"] in CATALOGUE.indicators \
        else record["indicator"]


def index_goals(records: list[dict], kreis_ags: str | None, sprache: str, texts: dict) -> dict:
    """Heading, columns and rows of the index's goal table; ``none``: the sentence how to add goals."""
    col = [t(f"goal_col_{key}", sprache) for key in ("indicator", "region", "target", "newest", "status")]
    rows = []
    for r in _mine(records, kreis_ags):
        newest = r["newest"] or r["baseline"]
        rows.append([_label(r, sprache), r["region"],
                     t("goal_target_cell", sprache, value=format_value(r["target"], r["indicator"], sprache),
                       date=fmt.format_date(r["target_date"], sprache)),
                     t("goal_value_cell", sprache, value=format_value(newest["value"], r["indicator"], sprache),
                       date=fmt.format_date(newest["date"], sprache, newest.get("precision", "day")))
                     if newest else fmt.MISSING[sprache],
                     goal_status(r, sprache)])
    return {"heading": t("goal_heading", sprache), "columns": col, "rows": rows,
            "none": "" if rows else t("goal_index_none", sprache, **texts)}


def goal_news(records: list[dict], previous: list[dict] | None, kreis_ags: str | None, sprache: str) -> list[dict]:
    """One item for "Neu seit dem letzten Lauf": each goal whose status differs from the last run (old → new)
    and each goal new since then; nothing when the last run recorded no goals or nothing changed."""
    if previous is None:
        return []
    before = {r["key"]: r for r in previous}
    lines = []
    for r in _mine(records, kreis_ags):
        values = {"indicator": _label(r, sprache), "region": r["region"],
                  "date": fmt.format_date(r["target_date"], sprache), "new": goal_status(r, sprache)}
        old = before.get(r["key"])
        if old is None:
            lines.append(t("goal_news_new", sprache, **values))
        elif (old["status"], old["reason"]) != (r["status"], r["reason"]):
            lines.append(t("goal_news_changed", sprache, old=goal_status(old, sprache), **values))
    return [{"heading": t("goal_news_heading", sprache), "lines": lines}] if lines else []
