"""A briefing section as data: the blocks it shows (text, tables, charts, the source list), in order.

Sections are laid out from the context before anything is shown (:class:`helpers.briefings.context.Context`),
so the context can number every source in reading order first; showing a section then only
displays its blocks. A block names the sources it refers to with a number (``source_ids``) and those
it only lists in "Quellen und Stand" (``listed``: numbered after all others), and shows itself with the
briefing's :class:`~helpers.presentation.sources.Numbering`.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

import pandas as pd
import plotly.graph_objects as go
from IPython.display import Markdown, display

from helpers import fmt
from helpers.i18n import t
from helpers.indicators.figure import sources_of
from helpers.indicators.ranking import MapShare
from helpers.presentation import charts, maps, sources, tables
from helpers.presentation.narrative import format_figure, marker_legend
from helpers.presentation.sources import Numbering


@dataclass(frozen=True)
class Cite:
    """The source line of a text ("Quellen: [3], [7]"), filled in once the sources are numbered."""

    source_ids: tuple[str, ...]


@dataclass(frozen=True, eq=False)
class Text:
    """Markdown shown as one output; its :class:`Cite` parts become source lines (as text, never markup)."""

    parts: tuple[str | Cite, ...]
    listed = ()

    @property
    def source_ids(self) -> tuple[str, ...]:
        return tuple(i for part in self.parts if isinstance(part, Cite) for i in part.source_ids)

    def markdown(self, numbering: Numbering, sprache: str) -> str:
        return "".join(part if isinstance(part, str) else fmt.markdown_text(numbering.refer(part.source_ids, sprache))
                       for part in self.parts)

    def show(self, numbering: Numbering, sprache: str) -> None:
        display(Markdown(self.markdown(numbering, sprache)))


@dataclass(frozen=True, eq=False)
class Table:
    """A table as readers see it (:func:`helpers.presentation.tables.table`); ``cite``: the sources named
    under it (None: no source line); ``silent``: sources of its figures numbered here without a line
    under it ("Quellen und Stand" names them)."""

    frame: pd.DataFrame
    cite: tuple[str, ...] | None = None
    screen_only: tuple[str, ...] = ()
    css_class: str = ""
    silent: tuple[str, ...] = ()
    listed = ()

    @property
    def source_ids(self) -> tuple[str, ...]:
        return (*(self.cite or ()), *self.silent)

    def show(self, numbering: Numbering, sprache: str) -> None:
        caption = numbering.refer(self.cite, sprache) if self.cite is not None else ""
        tables.table(self.frame, caption, self.screen_only, self.css_class)


@dataclass(frozen=True, eq=False)
class Chart:
    """A chart: a builder of ``helpers.presentation.charts`` or ``maps`` and its arguments, drawn when
    shown, with the numbered source line (``args["source_ids"]``; a map without data has none) and
    the table "Zahlen zur Grafik"."""

    draw: Callable[..., go.Figure]
    args: Mapping[str, object]
    table: pd.DataFrame | None = None
    listed = ()

    @property
    def source_ids(self) -> tuple[str, ...]:
        return tuple(self.args.get("source_ids", ()))

    def figure(self, numbering: Numbering) -> go.Figure:
        return self.draw(**self.args, refer=numbering.refer) if "source_ids" in self.args else self.draw(**self.args)

    def show(self, numbering: Numbering, sprache: str) -> None:
        charts.show(self.figure(numbering), table=self.table, sprache=sprache)


@dataclass(frozen=True, eq=False)
class SourceList:
    """"Quellen und Stand": every source of the briefing in the order of its number, with table code,
    date and licence; ``listed``: sources to name even where no section refers to them. On paper without
    the internal id and the web address (publisher, title, table and date find the source; the addresses
    alone took a page of the comparison)."""

    listed: tuple[str, ...] = ()
    source_ids = ()

    def show(self, numbering: Numbering, sprache: str) -> None:
        tables.table(sources.source_table(numbering.ids, sprache, numbering),
                     screen_only=(t("source_col_id", sprache), t("source_col_url", sprache)), css_class="im-sources")


Block = Text | Table | Chart | SourceList


def markdown(*parts: str | Cite) -> Text:
    return Text(parts)


def heading(text: str, level: int = 2) -> Text:
    return Text((f"{'#' * level} {text}",))


def sources_section(heading_text: str, listed: Iterable[str] = ()) -> list[Block]:
    """'Quellen und Stand' under its heading; ``listed``: sources to list even where no section refers to them."""
    return [heading(heading_text), SourceList(tuple(listed))]


def share_map(choice: MapShare, names: Mapping[str, str], sprache: str) -> Chart:
    """The map of the Kommunen coloured by the share ``choice`` (:func:`helpers.indicators.ranking.map_share`) on
    its one reference date (in the title); like a ranking, it leaves lower bounds uncoloured. With its table."""
    ranked = {f.ags for f in choice.ranked}
    values = pd.Series([f.value if f.ags in ranked else None for f in choice.figures],
                       index=pd.Index([f.ags for f in choice.figures], name="ags"), dtype=float)
    label = choice.indicator.label(sprache)
    table = pd.DataFrame({t("map_col_kommune", sprache): [names[f.ags] for f in choice.figures],
                          label: [format_figure(f, sprache) for f in choice.figures]})
    ids = sources_of(choice.figures)
    title = f"{label}, {fmt.format_date(choice.reference_date, sprache)}"
    return Chart(maps.choropleth, dict(values=values, title=title, sprache=sprache, source_ids=ids,
                                       decimals=choice.indicator.decimals), table)


def fact_line(fact, name: str, sprache: str) -> str:
    """ "Zum Einordnen (Rees, 08.08.2016): …" — a fact (facts.csv) in the reader's language with its date."""
    when = fmt.format_date(fact.date, sprache) if not fmt.is_missing(fact.date) else t("fact_undated", sprache)
    return t("context_fact", sprache, region=name, date=when, fact=fact.fact_de if sprache == "de" else fact.fact)


# --- sourced statements -------------------------------------------------------------------------

@dataclass(frozen=True)
class Statement:
    """One reader-visible sentence and the sources it rests on (never empty)."""

    text: str
    source_ids: tuple[str, ...]
    statuses: frozenset[str] = field(default=frozenset())

    def __post_init__(self) -> None:
        if not self.source_ids:
            raise ValueError(f"Aussage ohne Quelle: {self.text!r}")


def statement_parts(items: list[Statement], sprache: str) -> tuple[str | Cite, ...]:
    """Markdown bullets, each with its source line, then the legend of the marks used."""
    parts: list[str | Cite] = []
    for n, item in enumerate(items):
        parts += [("\n" if n else "") + f"- {fmt.markdown_text(item.text)}  \n  ", Cite(item.source_ids)]
    legend = marker_legend(set().union(*(i.statuses for i in items)), sprache) if items else []
    if legend:
        parts += ["\n" + "\n".join(["", *(f"<small>{line}</small>  " for line in legend)])]
    return tuple(parts)

