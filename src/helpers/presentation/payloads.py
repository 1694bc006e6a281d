"""Machine-readable payloads that notebooks display and the batch run reads back.

A product notebook displays, besides what people read, two JSON payloads under private MIME
types: ``BRIEFING`` (title, region, reference date, sources — fills the HTML template's head
and footer) and ``KEY_FIGURES`` (the numbers of the key-figure table — feeds ``index.html``
and the tests that compare briefings with ``data/processed``). nbconvert does not render
these types, so readers never see them; the HTML exporter drops them explicitly.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from IPython.display import display

if TYPE_CHECKING:  # a kernel never needs nbformat (its import compiles jsonschema's IRI grammars: seconds)
    import nbformat

BRIEFING = "application/vnd.integrationsmonitor.briefing+json"
KEY_FIGURES = "application/vnd.integrationsmonitor.key-figures+json"
PRIVATE_TYPES = (BRIEFING, KEY_FIGURES)


def emit(mime_type: str, data: dict[str, Any]) -> None:
    """Display ``data`` under ``mime_type`` only (no text/plain, so nothing visible)."""
    if mime_type not in PRIVATE_TYPES:
        raise ValueError(f"unknown payload type {mime_type!r}; use one of {PRIVATE_TYPES}")
    display({mime_type: data}, raw=True)


@dataclass(frozen=True)
class Briefing:
    """The BRIEFING payload, built the same way by every briefing: what the HTML template's head
    and footer and the run's index.html read (``stichtag`` ISO, ``span`` the header's span text)."""

    kind: str
    title: str
    region: str
    ags: str
    stichtag: str
    sprache: str
    span: str
    source_ids: tuple[str, ...]
    data_notes: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "source_ids": list(self.source_ids), "data_notes": list(self.data_notes)}

    def emit(self) -> None:
        emit(BRIEFING, self.as_dict())


@dataclass(frozen=True)
class KeyFigure:
    """One figure of the KEY_FIGURES payload: as computed, not as printed (``date`` ISO, ``unit`` ``%``
    for shares); ``kreis`` and ``land`` the same indicator beside it."""

    id: str
    label: str
    value: float | None
    date: str | None
    unit: str
    source_ids: tuple[str, ...]
    status: str
    kreis: float | None
    land: float | None


@dataclass(frozen=True)
class KeyFigures:
    """The KEY_FIGURES payload of a Kommunenprofil: what index.html and the tests read back."""

    ags: str
    figures: tuple[KeyFigure, ...]

    def as_dict(self) -> dict[str, Any]:
        return {"ags": self.ags, "figures": [{**asdict(f), "source_ids": list(f.source_ids)} for f in self.figures]}

    def emit(self) -> None:
        emit(KEY_FIGURES, self.as_dict())


def read(notebook: nbformat.NotebookNode, mime_type: str) -> dict[str, Any] | None:
    """The last payload of ``mime_type`` in an executed notebook, or None — as plain JSON values, not
    nbformat's NotebookNode: a worker sends it to the main process, which then need not import nbformat."""
    found = None
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            if mime_type in output.get("data", {}):
                found = output["data"][mime_type]
    return None if found is None else json.loads(json.dumps(found))
