"""Section 4 of the Kommunenprofil, the Datenlage: what is known for the Kommune (current or only
older), what only for its Kreis, what does not apply, and which official table would fill a gap."""
from __future__ import annotations

import pandas as pd

from helpers import fmt
from helpers.briefings.document import Block, Table, heading, markdown
from helpers.briefings.kommune_profil.figures import is_older
from helpers.briefings.kommune_profil.sections import Profile, day_cell
from helpers.indicators import CATALOGUE, CURRENT_YEARS, Comparison, gaps
from helpers.presentation import narrative, sources


def availability(p: Profile, c: Comparison) -> str:
    """``kommune`` (a current figure for the Kommune), ``older`` (only an older one), ``kreis``
    (only a Kreiswert), ``none``, or ``na`` (does not apply to this Kommune)."""
    if c.kommune.missing and c.indicator.id in p.figures.not_applicable:
        return "na"
    if not c.kommune.missing:
        return "older" if is_older(p.figures, c.kommune) else "kommune"
    return "kreis" if not c.kreis.missing else "none"


def gap_comparisons(p: Profile) -> list[Comparison]:
    """Changes are left out: they exist exactly where their indicator does."""
    return [c for c in p.figures.comparisons.values() if c.indicator.kind != "change"]


def _known(p: Profile, c: Comparison, available: str, reason: str) -> str:
    """The "what is known" cell for one of :func:`availability`'s answers."""
    return {
        "kommune": lambda: p.t("profil_known_lower_bound" if c.kommune.lower_bound else "profil_known_yes",
                               date=narrative.format_day(c.kommune, p.sprache)),
        "older": lambda: p.t("profil_known_older", date=narrative.format_day(c.kommune, p.sprache)),
        "kreis": lambda: p.t("profil_known_kreis", date=day_cell(p, c.kreis), reason=reason),
        "none": lambda: p.t("profil_known_no", reason=reason),
        "na": lambda: p.t("profil_known_na"),
    }[available]()


def data_gaps_table(p: Profile) -> pd.DataFrame:
    """One row per indicator: what is known, and what would fill a gap. Each Handlungsfeld is named
    on its first row only (rows are in field order): a long field name repeated on every row made the
    table three pages long in print."""
    rows, field = [], None
    for c in gap_comparisons(p):
        available = availability(p, c)
        reason = narrative.missing_reason(c.kommune, p.sprache) if c.kommune.missing else ""
        known = _known(p, c, available, reason)
        label = CATALOGUE.field_label(c.indicator.handlungsfeld, p.sprache)
        rows.append({
            p.t("profil_col_field"): "" if label == field else label,
            p.t("profil_col_indicator"): c.indicator.label(p.sprache),
            p.t("profil_col_known", kommune=p.region.name): known,
            p.t("profil_col_fill"): _fill(p, c, available),
        })
        field = label
    return pd.DataFrame(rows)


def _fill(p: Profile, c: Comparison, available: str) -> str:
    """What would fill the row: the gap's case and table for a missing figure, the table with newer or
    complete figures for an older one or a lower bound, nothing for a current figure."""
    if available == "na":
        return c.indicator.text("not_applicable", p.sprache)
    if available in ("kreis", "none"):
        return sources.gap_text(c.indicator, gaps.gap(c.indicator, c.kommune), p.sprache)
    if c.kommune.lower_bound:  # the table whose complete figure would replace the lower bound
        return sources.table_text(c.indicator, c.indicator.tables[0] if c.indicator.tables else "", p.sprache)
    if available == "older":
        return sources.update_source(c.indicator, p.sprache)
    return p.t("profil_nothing_missing")


def data_gaps(p: Profile) -> list[Block]:
    """Section 4: the Datenlage table with a one-line summary."""
    counts = pd.Series([availability(p, c) for c in gap_comparisons(p)]).value_counts()
    name = p.region.name
    return [heading(p.t("profil_h_datalage")),
            markdown(p.t("profil_datalage_intro", kommune=name)),
            markdown(p.t("profil_datalage_summary", total=int(counts.sum()), kommune=name,
                         known=int(counts.get("kommune", 0)), older=int(counts.get("older", 0)),
                         kreis_only=int(counts.get("kreis", 0)), none=int(counts.get("none", 0)),
                         na=int(counts.get("na", 0)))),
            Table(data_gaps_table(p)),
            markdown(p.t("profil_older_stand_note", years=CURRENT_YEARS,
                         newest=fmt.format_date(p.figures.newest.date(), p.sprache)))]
