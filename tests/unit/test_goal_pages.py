"""The goals as readers see them: the briefings' table (German and English) and the index's table and changes."""
from __future__ import annotations

import datetime as dt

import pandas as pd

from helpers.briefings.context import kreis_texts
from helpers.briefings.goals import goal_table
from helpers.indicators.goals import Goal, Judgement, Point, assess
from helpers.kommunen import region
from helpers.run.goal_index import goal_news, index_goals


def _judged(ags: str, name: str, newest: float, target: float = 6.0):
    goal = Goal(2, "minimum_benefit_rate", ags, name, target, dt.date(2030, 12, 31), dt.date(2020, 6, 1), None,
                "Kreistag")
    base = Point(10.0, pd.Timestamp("2020-12-31"), "published", "", ("SRC",))
    return assess(goal, base, Point(newest, pd.Timestamp("2025-12-31"), "published", "", ("SRC",)), 1)


def test_the_briefing_table_in_both_languages():
    judged = [_judged("05154", "Kreis Kleve", 7.5), _judged("05154036", "Kleve", 8.5)]
    de, en = goal_table(judged, "de", with_region=True), goal_table(judged, "en", with_region=True)
    assert list(de.iloc[0]) == ["Mindestsicherungsquote", "Kreis Kleve", "6,0\u00a0% bis 31.12.2030",
                                "10,0\u00a0% (31.12.2020)", "7,5\u00a0% (31.12.2025)",
                                "auf Kurs (Weg für 31.12.2025: 8,0\u00a0%)", "Kreistag, 01.06.2020"]
    assert en.iloc[1].tolist()[-2] == "off track (path for 31 Dec 2025: 8.0%)"
    assert "Region" not in goal_table(judged, "de", with_region=False).columns


def test_the_index_lists_the_goals_of_its_kreis_and_names_status_changes():
    records = [j.record() for j in (_judged("05154", "Kreis Kleve", 7.5), _judged("05154036", "Kleve", 8.5),
                                    _judged("05170024", "Moers", 5.0))]
    table = index_goals(records, "05154", "de", kreis_texts(region("05154"), "de"))
    assert [row[1] for row in table["rows"]] == ["Kreis Kleve", "Kleve"] and table["none"] == ""
    previous = [dict(records[0]), dict(records[1], status="on_track")]
    [news] = goal_news(records, previous, "05154", "de")
    assert news["lines"] == ["Mindestsicherungsquote, Kleve, Ziel bis 31.12.2030: auf Kurs → nicht auf Kurs"]
    [news] = goal_news(records, previous[:1], "05154", "en")
    assert news["lines"] == ["Minimum benefit rate, Kleve, target by 31 Dec 2030: newly recorded, off track"]
    assert goal_news(records, None, "05154", "de") == []  # the last run recorded no goals: nothing to compare
    assert goal_news(records, records, "05154", "de") == []


def test_an_index_without_goals_says_how_to_add_them():
    table = index_goals([], "05170", "de", kreis_texts(region("05170"), "de"))
    assert table["rows"] == [] and table["none"].startswith("Im Kreis Wesel sind keine Zielmarken erfasst")


def test_a_goal_without_baseline_still_shows_the_newest_value():
    """A goal decided before the first value: not assessable, but the table must not read "no data" (k. A.) where
    the newest value exists."""
    goal = Goal(2, "minimum_benefit_rate", "05154", "Kreis Kleve", 7.5, dt.date(2028, 12, 31), dt.date(2024, 6, 1),
                None, "Kreistag")
    judged = Judgement(goal, "not_assessable", "no_baseline", None,
                       Point(8.2, pd.Timestamp("2024-12-31"), "published", "", ("SRC",)))
    row = goal_table([judged], "de", with_region=False).iloc[0].tolist()
    assert row[2] == "k. A." and row[3] == "8,2\u00a0% (31.12.2024)" and row[4].startswith("nicht bewertbar")
