"""One indicator's figure for one region at one date: the value type every briefing and the research API share."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields

import pandas as pd

from helpers.data.status import Status

KREIS_FROM_KOMMUNEN = "kreis_from_kommunen"  # the note on a Kreis value summed from its Kommunen


@dataclass(frozen=True)
class Figure:
    """One indicator for one region at one date; ``value`` is None when it does not exist."""

    indicator: str
    ags: str
    value: float | None
    date: pd.Timestamp | None
    status: str
    base: str = ""
    source_ids: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()  # the notes of the rows it is made from, once each
    start_value: float | None = None
    start_date: pd.Timestamp | None = None
    flags: tuple[str, ...] = ()  # official special characters of those rows ("." secret, …)
    precision: str = "day"  # how exactly the source dates it: day, month, school_year or year (data/processed)
    start_base: str = ""  # a change that is not comparable: the census base of its start

    @property
    def missing(self) -> bool:
        return self.value is None

    @property
    def from_kommunen(self) -> bool:
        """A Kreis value recomputed from the 16 Kommunen (``kreis_from_kommunen``), not published."""
        return KREIS_FROM_KOMMUNEN in self.notes

    @property
    def lower_bound(self) -> bool:
        """A published total without its secret part: shown with its mark, never ranked or summed."""
        return self.status == Status.INCOMPLETE

    def as_dict(self) -> dict[str, object]:
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        for key in ("date", "start_date"):
            out[key] = None if out[key] is None else out[key].date().isoformat()
        for key in ("source_ids", "notes", "flags"):
            out[key] = list(out[key])
        return out


def sources_of(figures: Iterable[Figure]) -> tuple[str, ...]:
    """The sources of the figures that exist, each once in order: what a table or chart of them cites."""
    return tuple(dict.fromkeys(i for f in figures if not f.missing for i in f.source_ids))


PRECISIONS = ("day", "month", "school_year", "year")


def coarsest(precisions: Iterable[str]) -> str:
    """A figure combined from rows dated by day and by month is dated by month."""
    return max(precisions, key=PRECISIONS.index, default="day")
