"""The status vocabulary of an observation, once: its value in the raw CSV, its mark in a
briefing, its hatching in a chart and the two orders the pipeline needs.

The two orders answer different questions, so both are kept here side by side:

* ``conflict_rank`` — which of several rows with the same key the data layer prefers
  (published before preliminary before derived …; a lower bound last);
* ``certainty`` — which status a figure combined from several rows inherits (the least
  certain one present; a preliminary count is less certain than a derived one).

Members are listed in the order of their marks (¹ … ⁵), the order of every legend.
"""
from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum


class Status(StrEnum):
    """A status is its CSV string (``Status.DERIVED == "derived"``), plus mark, pattern and ranks."""

    mark: str
    pattern: str
    conflict_rank: int
    certainty: int

    def __new__(cls, value: str, mark: str, pattern: str, conflict_rank: int, certainty: int) -> Status:
        member = str.__new__(cls, value)
        member._value_ = value
        member.mark, member.pattern = mark, pattern
        member.conflict_rank, member.certainty = conflict_rank, certainty
        return member

    PUBLISHED = "published", "", "", 0, 0
    ROUNDED = "rounded", "¹", ".", 3, 2
    DERIVED = "derived", "²", "/", 2, 1
    SECONDARY = "secondary", "³", "x", 4, 3
    PRELIMINARY = "preliminary", "⁴", "-", 1, 4
    # A published total that leaves out a secret part: a lower bound (checks.yaml totals_with_parts);
    # set by the data layer, never written in a raw file.
    INCOMPLETE = "incomplete", "⁵", "", 5, 5

    @classmethod
    def raw(cls) -> tuple[Status, ...]:
        """The statuses a raw observation file may carry."""
        return tuple(s for s in cls if s is not cls.INCOMPLETE)

    @classmethod
    def marked(cls) -> tuple[Status, ...]:
        """The statuses a briefing marks (every one but ``published``), in legend order."""
        return tuple(s for s in cls if s.mark)


def mark(status: str) -> str:
    """The mark of a status string (``""`` for published or for a figure's own states such as ``not_available``)."""
    return Status(status).mark if status in Status._value2member_map_ else ""


def pattern(status: str) -> str:
    """The chart hatching of a status string (``""``: drawn solid)."""
    return Status(status).pattern if status in Status._value2member_map_ else ""


def worst(statuses: Iterable[str]) -> Status:
    """The least certain status among the inputs of a combined figure (non-statuses ignored)."""
    known = [Status(s) for s in set(statuses) if s in Status._value2member_map_]
    return max(known, key=lambda s: s.certainty, default=Status.PUBLISHED)
