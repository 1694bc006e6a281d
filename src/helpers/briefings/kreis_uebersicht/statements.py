"""The Kreisübersicht's sentences: each a :class:`~helpers.briefings.document.Statement` carrying the
source ids of the figures or facts it rests on, so nothing reaches a reader unsourced."""
from __future__ import annotations

import pandas as pd
from babel import Locale

from helpers import fmt
from helpers.briefings.context import Context
from helpers.briefings.document import Statement
from helpers.briefings.kreis_uebersicht.figures import LETTER_SOURCE, OverviewFigures
from helpers.data.status import Status, mark
from helpers.indicators.queries import lower_bounds, nationality_series, on_date

Overview = Context[OverviewFigures]

# Sentences about facts: (message key, source id of the fact, date precision), in story order.
# The date comes from facts (an undated fact, such as the Kreistag's refusal of a KI "around 2015",
# has no place on a timeline); the wording from messages.yaml, because facts.csv holds English notes.
TIMELINE = (
    ("uebersicht_tl_servicecentre", "KK_INTEGRATION_PORTAL", "month"),
    ("uebersicht_tl_tintg_2012", "RECHTNRW_TINTG2012", "day"),
    ("uebersicht_tl_letter", LETTER_SOURCE, "year"),
    ("uebersicht_tl_ki_announced", "KK_PM_KI_2018", "day"),
    ("uebersicht_tl_ki_established", "KK_KI_PAGE", "day"),
    ("uebersicht_tl_kim", "KK_KIM_PAGE", "day"),
    ("uebersicht_tl_tintg_2022", "MKJFGFI_TINTG", "day"),
    ("uebersicht_tl_welcome_building", "RP2022_WELCOME", "month"),
    ("uebersicht_tl_welcome_opened", "LK2023_WELCOME", "month"),
)
NATURALISATION_FACT = ("uebersicht_fact_naturalisation_origins", "AN2023_EINB")
REFUGEE_NATIONALITIES = ("SY", "UA")  # the nationalities of the two waves of refugees the section follows


# --- formatting ---------------------------------------------------------------------------------

def figure(value: float, status: str, sprache: str, decimals: int = 0, percent: bool = False) -> str:
    """A value with its status mark (``67.505²``), so derived or rounded values stay visible."""
    text = fmt.format_percent(value, decimals, sprache) if percent else fmt.format_number(value, decimals, sprache)
    return text + mark(status)


def when(date: pd.Timestamp, sprache: str) -> str:
    """Year-end stocks and yearly flows read as the year; other dates in full."""
    return str(date.year) if (date.month, date.day) == (12, 31) else fmt.format_date(date, sprache)


def country(code: str, sprache: str) -> str:
    """Country name from CLDR (``PL`` → Polen / Poland), so no list of names to maintain."""
    return Locale.parse(fmt.LOCALES[sprache]).territories.get(code, code)


def listing(rows: pd.DataFrame, sprache: str, label=None) -> str:
    """``3.642 (2015), 2.891 (2016)`` or, with ``label``, ``Polen (16.620), …``."""
    parts = [
        f"{label(r) if label else ''}{' (' if label else ''}{figure(r['value'], r['status'], sprache)}"
        f"{')' if label else ' (' + when(r['date'], sprache) + ')'}"
        for _, r in rows.iterrows()
    ]
    return ", ".join(parts)


def statement(text: str, rows: pd.DataFrame | list[pd.Series], statuses: tuple[str, ...] = ()) -> Statement:
    """A statement sourced by the observation rows its numbers come from."""
    frame = pd.DataFrame(rows) if isinstance(rows, list) else rows
    ids = tuple(dict.fromkeys(frame.get("source_id", [])))
    marks = {s for s in (*frame.get("status", []), *statuses) if mark(s)}
    return Statement(text, ids, frozenset(marks))


# --- statements ---------------------------------------------------------------------------------

def foreigners(ctx: Overview) -> list[Statement]:
    """Earliest and latest official AZR count, the letter's figures beside the official ones,
    the labelled AZR/Fortschreibung ratio and the years without a figure."""
    s, azr = ctx.sprache, ctx.figures.azr
    if azr.empty:
        return []
    first, last = azr.iloc[0], azr.iloc[-1]
    if len(azr) == 1:  # one year: no development to tell, and the table's earlier years are not in the data yet
        out = [statement(ctx.t("uebersicht_azr_only", year=last["date"].year,
                               value=figure(last["value"], last["status"], s)), [last])]
    else:
        out = [
            statement(ctx.t("uebersicht_azr_first", year=first["date"].year,
                            value=figure(first["value"], first["status"], s)), [first]),
            statement(ctx.t("uebersicht_azr_last", year=last["date"].year,
                            value=figure(last["value"], last["status"], s),
                            factor=fmt.format_number(last["value"] / first["value"], 1, s),
                            first_year=first["date"].year,
                            change=fmt.format_change(last["value"] - first["value"], 0, s)), [first, last]),
        ]
    for _, quoted in ctx.figures.letter["foreign_population"].iterrows():
        official = on_date(azr, quoted["date"])
        letter = fmt.format_number(quoted["value"], 0, s)
        if official.empty:
            out.append(statement(ctx.t("uebersicht_letter_only", year=quoted["date"].year, value=letter), [quoted]))
        else:
            o = official.iloc[0]
            difference = fmt.format_number(abs(o["value"] - quoted["value"]), 0, s)
            out.append(statement(ctx.t("uebersicht_letter_vs_official", year=o["date"].year, letter=letter,
                                       official=figure(o["value"], o["status"], s), difference=difference),
                                 [o, quoted]))
    if not ctx.figures.azr_population.empty:
        p = ctx.figures.azr_population.iloc[0]
        share = figure(100 * last["value"] / p["value"], Status.DERIVED, s, decimals=1, percent=True)
        out.append(statement(ctx.t("uebersicht_azr_ratio", year=last["date"].year, share=share,
                                   population=figure(p["value"], p["status"], s)),
                             [last, p], statuses=(Status.DERIVED,)))
    missing = sorted(set(range(first["date"].year, last["date"].year + 1)) - set(azr["date"].dt.year))
    if missing:
        out.append(statement(ctx.t("uebersicht_azr_gaps", years=", ".join(map(str, missing))), azr))
    return out


def nationalities(ctx: Overview) -> list[Statement]:
    """The largest groups at the newest complete table, what each earlier source names,
    and the change between the two newest dates."""
    s, nat = ctx.sprache, ctx.figures.nationalities
    if nat.empty:
        return []
    name = lambda r: country(r["category"], s)  # noqa: E731 - one-line label for listing()
    out = []
    for date, rows in sorted(nat.groupby("date"), reverse=True):
        ranked = rows.sort_values(["value", "category"], ascending=[False, True]).head(5)
        key = "uebersicht_nat_largest" if date == nat["date"].max() else "uebersicht_nat_named"
        out.append(statement(ctx.t(key, date=fmt.format_date(date, s), groups=listing(ranked, s, name)), ranked))
    dates = sorted(nat["date"].unique())
    if len(dates) >= 2:
        old, new = (on_date(nat, d).set_index("category") for d in dates[-2:])
        both = old.index.intersection(new.index)
        change = (new.loc[both, "value"] - old.loc[both, "value"]).sort_values(ascending=False)
        text = ", ".join(f"{country(c, s)} {fmt.format_change(v, 0, s)}" for c, v in change.items())
        out.append(statement(ctx.t("uebersicht_nat_change", start=fmt.format_date(dates[-2], s),
                                   end=fmt.format_date(dates[-1], s), changes=text),
                             pd.concat([old.loc[both], new.loc[both]])))
    return out


def refugees(ctx: Overview) -> list[Statement]:
    """2015–2016 (asylum procedures, Syrian nationals) and 2022 (Ukraine), each as published."""
    s, f, out = ctx.sprache, ctx.figures, []
    if not f.asylum.empty:
        out.append(statement(ctx.t("uebersicht_ref_asylum_procedures", values=listing(f.asylum, s)), f.asylum))
    for _, quoted in f.letter["asylum_seekers"].iterrows():
        out.append(statement(ctx.t("uebersicht_letter_asylum", value=fmt.format_number(quoted["value"], 0, s)),
                             [quoted]))
    for code in REFUGEE_NATIONALITIES:
        rows = nationality_series(f.nationalities, code)
        if not rows.empty:
            out.append(statement(ctx.t("uebersicht_ref_nationality", country=country(code, s),
                                       values=listing(rows, s)), rows))
    if not f.ukraine.empty:
        u = f.ukraine.iloc[-1]
        out.append(statement(ctx.t("uebersicht_ref_ukraine_registered", value=figure(u["value"], u["status"], s),
                                   date=fmt.format_date(u["date"], s, u["precision"])), [u]))
    if not f.asylblg.empty:
        a = f.asylblg.iloc[-1]
        out.append(statement(ctx.t("uebersicht_ref_asylblg", year=when(a["date"], s),
                                   value=figure(a["value"], a["status"], s)), [a]))
    return out


def refugee_dates(ctx: Overview) -> list[pd.Timestamp]:
    """The reference dates of the figures :func:`refugees` states (the section's heading names their years)."""
    f = ctx.figures
    rows = [f.asylum, f.ukraine.tail(1), f.asylblg.tail(1),
            *(nationality_series(f.nationalities, c) for c in REFUGEE_NATIONALITIES)]
    return [d for frame in rows for d in frame["date"]]


def naturalisations(ctx: Overview) -> list[Statement]:
    """Yearly naturalisations as published (with the gaps named) and IT.NRW's note on origins."""
    s, rows = ctx.sprache, ctx.figures.naturalisations
    if rows.empty:
        return []
    out = [statement(ctx.t("uebersicht_nat_series", values=listing(rows, s)), rows)]
    key, source_id = NATURALISATION_FACT
    if not ctx.figures.facts_of(source_id).empty:
        out.append(Statement(ctx.t(key), (source_id,)))
    return out


def timeline(ctx: Overview) -> pd.DataFrame:
    """Institutional facts in the order of :data:`TIMELINE`: date, date text, sentence, source id. An entry
    has the date its source gives, or is left out (a guessed "around 2015" is no date)."""
    rows = []
    for key, source_id, precision in TIMELINE:
        facts = ctx.figures.facts_of(source_id)
        if facts.empty or facts["date"].isna().all():
            continue
        day = facts["date"].min()
        text = fmt.format_date(day, ctx.sprache, precision)
        rows.append({"date": day, "when": text, "text": ctx.t(key), "source_id": source_id})
    return pd.DataFrame(rows, columns=["date", "when", "text", "source_id"])


def timeline_statements(ctx: Overview) -> list[Statement]:
    return [Statement(f"{r.when}: {r.text}", (r.source_id,)) for r in timeline(ctx).itertuples()]


def shares_notes(ctx: Overview) -> list[Statement]:
    """Sum of the Kommunen vs the published Kreis value, per total, with the publisher's reasons."""
    s, out = ctx.sprache, []
    for variable, rows in ctx.figures.shares.items():
        r = rows.iloc[0]
        what, date, kreis = (ctx.t("uebersicht_share_" + variable), fmt.format_date(r["date"], s),
                             fmt.format_number(r["kreis_value"], 0, s))
        lower = lower_bounds(rows)
        if len(lower):
            out.append(statement(ctx.t("uebersicht_sum_lower_bounds", what=what, date=date, kreis=kreis,
                                       names=fmt.format_list([ctx.names[a] for a in lower["ags"]], s)), rows))
            continue
        key = "uebersicht_sum_equal" if r["kommunen_sum"] == r["kreis_value"] else "uebersicht_sum_differs"
        out.append(statement(ctx.t(key, what=what, date=date, kreis=kreis,
                                   total=fmt.format_number(r["kommunen_sum"], 0, s),
                                   difference=fmt.format_change(r["kommunen_sum"] - r["kreis_value"], 0, s)), rows))
    return out


def statements(ctx: Overview) -> list[Statement]:
    """Every sentence of the overview's story (the tests check each one's sources resolve)."""
    return [*foreigners(ctx), *nationalities(ctx), *refugees(ctx), *naturalisations(ctx), *timeline_statements(ctx)]
