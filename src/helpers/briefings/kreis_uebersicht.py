"""Kreisübersicht: foreign nationals in a Kreis (default Kreis Kleve) over time, their nationalities, refugees,
naturalisations, the institutional timeline and the Kommunen's shares of Kreis totals.

Every sentence is a :class:`Statement` carrying the source ids of the figures or facts it
rests on; rendering prints the source line under it, so nothing reaches a reader unsourced.
The Kreis count of foreigners comes from the Ausländerzentralregister (AZR), not from the
population update (Fortschreibung) published per Gemeinde: the texts say so, and the one
ratio across the two statistics is labelled as such.

Figures belong to a Kreis by their ``ags``. The facts without one (the timeline, the 2017 letter,
IT.NRW's note on naturalisations) come from Kreis Kleve's sources and belong to Kreis Kleve
(:data:`FACTS_KREIS`); another Kreis's overview says in one sentence per section what it lacks.
"""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

import pandas as pd
from babel import Locale
from IPython.display import Markdown, display

from helpers import fmt
from helpers.briefings import common
from helpers.briefings.common import Context, Statement, render
from helpers.data import store
from helpers.data.status import Status, mark
from helpers.indicators import (CATALOGUE, azr_series, largest, newest_complete_table, nationality_rows, preferred_series,
                                source_rows)
from helpers.kommunen import KREIS_AGS, LAND_AGS
from helpers.presentation import charts, maps, sources, tables
from helpers.presentation.narrative import marker_legend, span_text

# The Kreis whose curated sources the facts without an ags (facts.csv) come from.
FACTS_KREIS = KREIS_AGS

# The 2017 appeal letter is quoted only when the data layer records it as a source.
LETTER_SOURCE = "APPEAL_2017"

# Sentences about facts: (message key, source id of the fact, date precision), in story order.
# The date comes from facts ("undated": the source gives none, and the sentence says so); the
# wording from messages.yaml, because facts.csv holds English notes.
TIMELINE = (
    ("ov_tl_servicecentre", "KK_INTEGRATION_PORTAL", "month"),
    ("ov_tl_tintg_2012", "RECHTNRW_TINTG2012", "day"),
    ("ov_tl_ki_rejected", "SPD_BH_KI", "undated"),
    ("ov_tl_gew_criticism", "WAZ_GEW_KIZ", "undated"),
    ("ov_tl_letter", LETTER_SOURCE, "year"),
    ("ov_tl_ki_announced", "KK_PM_KI_2018", "day"),
    ("ov_tl_ki_established", "KK_KI_PAGE", "day"),
    ("ov_tl_kim", "KK_KIM_PAGE", "day"),
    ("ov_tl_tintg_2022", "MKJFGFI_TINTG", "day"),
    ("ov_tl_welcome_building", "RP2022_WELCOME", "month"),
    ("ov_tl_welcome_opened", "LK2023_WELCOME", "month"),
)
NATURALISATION_FACT = ("ov_fact_naturalisation_origins", "AN2023_EINB")

# Kreis totals the Kommunen add up to; each share uses one table and one date.
SHARE_VARIABLES = ("population", "foreign_population", "asylblg_recipients", "minimum_benefit_recipients")
TOP_NATIONALITIES = 8


def setup(stichtag: object = None, sprache: str = "de", kreis: str | int | None = None) -> Context:
    """Validate the parameters at once, then load the data of ``kreis`` (name or AGS; None = Kreis
    Kleve) up to ``stichtag``."""
    return common.load_context(stichtag, sprache, kreis_name=kreis)


def kreis_facts(ctx: Context) -> pd.DataFrame:
    """The facts of the briefing's Kreis: those with its ags, and for :data:`FACTS_KREIS` also those
    without one (they come from its sources)."""
    return ctx.facts if ctx.kreis.ags == FACTS_KREIS else ctx.facts[ctx.facts["ags"] != ""]


def sources_section(ctx: Context) -> None:
    """'Quellen und Stand': every source cited above, one row each."""
    common.sources_section("ov_h_sources", ctx.cited, ctx.sprache)


def letter_figures(obs: pd.DataFrame, variable: str) -> pd.DataFrame:
    """Figures quoted from the 2017 appeal letter (empty when the data do not hold them)."""
    return source_rows(obs, LETTER_SOURCE, variable)


# --- formatting -----------------------------------------------------------------------------

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


def statement(text: str, rows: pd.DataFrame | list[pd.Series], extra_ids: tuple[str, ...] = (),
              statuses: tuple[str, ...] = ()) -> Statement:
    """A statement sourced by the observation rows its numbers come from (plus fact sources)."""
    frame = pd.DataFrame(rows) if isinstance(rows, list) else rows
    ids = tuple(dict.fromkeys([*frame.get("source_id", []), *extra_ids]))
    marks = {s for s in (*frame.get("status", []), *statuses) if mark(s)}
    return Statement(text, ids, frozenset(marks))


# --- statements -------------------------------------------------------------------------------

def foreigner_statements(ctx: Context) -> list[Statement]:
    """Earliest and latest official AZR count, the letter's figures beside the official ones,
    the labelled AZR/Fortschreibung ratio and the years without a figure."""
    s, azr = ctx.sprache, azr_series(ctx.obs, ctx.kreis.ags)
    if azr.empty:
        return []
    first, last = azr.iloc[0], azr.iloc[-1]
    out = [
        statement(ctx.t("ov_azr_first", year=first["date"].year, value=figure(first["value"], first["status"], s)), [first]),
        statement(ctx.t("ov_azr_last", year=last["date"].year, value=figure(last["value"], last["status"], s),
                    factor=fmt.format_number(last["value"] / first["value"], 1, s), first_year=first["date"].year,
                    change=fmt.format_change(last["value"] - first["value"], 0, s)), [first, last]),
    ]
    for _, quoted in letter_figures(ctx.obs, "foreign_population").iterrows():
        official = azr[azr["date"] == quoted["date"]]
        letter = fmt.format_number(quoted["value"], 0, s)
        if official.empty:
            out.append(statement(ctx.t("ov_letter_only", year=quoted["date"].year, value=letter), [quoted]))
        else:
            o = official.iloc[0]
            out.append(statement(ctx.t("ov_letter_vs_official", year=o["date"].year, letter=letter,
                                   official=figure(o["value"], o["status"], s),
                                   difference=fmt.format_number(abs(o["value"] - quoted["value"]), 0, s)), [o, quoted]))
    same_day = preferred_series(ctx.obs, "population", ags=ctx.kreis.ags).query("date == @last.date and base.str.startswith('update')")
    if not same_day.empty:
        p = same_day.iloc[0]
        share = figure(100 * last["value"] / p["value"], Status.DERIVED, s, decimals=1, percent=True)
        out.append(statement(ctx.t("ov_azr_ratio", year=last["date"].year, share=share,
                               population=figure(p["value"], p["status"], s)), [last, p], statuses=(Status.DERIVED,)))
    missing = sorted(set(range(first["date"].year, last["date"].year + 1)) - set(azr["date"].dt.year))
    if missing:
        out.append(statement(ctx.t("ov_azr_gaps", years=", ".join(map(str, missing))), azr))
    return out


def nationality_table(ctx: Context) -> pd.DataFrame:
    """Wide table: the largest nationalities at each date (rows) × reference dates (columns)."""
    nat = nationality_rows(ctx.obs, ctx.kreis.ags)
    if nat.empty:
        return pd.DataFrame()
    top = nat.sort_values(["value", "category"], ascending=[False, True]).groupby("date").head(TOP_NATIONALITIES // 2)
    latest = largest(nat, TOP_NATIONALITIES)
    codes = list(dict.fromkeys([*latest["category"], *top["category"]]))
    return nat[nat["category"].isin(codes)].pivot(index="category", columns="date", values="value").reindex(codes)


def nationality_statements(ctx: Context) -> list[Statement]:
    """The largest groups at the newest complete table, what each earlier source names,
    and the change between the two newest dates."""
    s, nat = ctx.sprache, nationality_rows(ctx.obs, ctx.kreis.ags)
    if nat.empty:
        return []
    name = lambda r: country(r["category"], s)  # noqa: E731 - one-line label for listing()
    out = []
    for date, rows in sorted(nat.groupby("date"), reverse=True):
        ranked = rows.sort_values(["value", "category"], ascending=[False, True]).head(5)
        key = "ov_nat_largest" if date == nat["date"].max() else "ov_nat_named"
        out.append(statement(ctx.t(key, date=fmt.format_date(date, s), groups=listing(ranked, s, name)), ranked))
    dates = sorted(nat["date"].unique())
    if len(dates) >= 2:
        old, new = (nat[nat["date"] == d].set_index("category") for d in dates[-2:])
        both = old.index.intersection(new.index)
        change = (new.loc[both, "value"] - old.loc[both, "value"]).sort_values(ascending=False)
        text = ", ".join(f"{country(c, s)} {fmt.format_change(v, 0, s)}" for c, v in change.items())
        out.append(statement(ctx.t("ov_nat_change", start=fmt.format_date(dates[-2], s), end=fmt.format_date(dates[-1], s),
                               changes=text), pd.concat([old.loc[both], new.loc[both]])))
    return out


def refugee_statements(ctx: Context) -> list[Statement]:
    """2015–2016 (asylum procedures, Syrian nationals) and 2022 (Ukraine), each as published."""
    s, obs, out = ctx.sprache, ctx.obs, []
    asylum = preferred_series(obs, "persons_in_ongoing_asylum_procedure", ags=ctx.kreis.ags)
    if not asylum.empty:
        out.append(statement(ctx.t("ov_ref_asylum_procedures", values=listing(asylum, s)), asylum))
    for _, quoted in letter_figures(obs, "asylum_seekers").iterrows():
        out.append(statement(ctx.t("ov_letter_asylum", value=fmt.format_number(quoted["value"], 0, s)), [quoted]))
    nat = nationality_rows(obs, ctx.kreis.ags)
    for code in ("SY", "UA"):
        rows = nat[nat["category"] == code].sort_values("date")
        if not rows.empty:
            out.append(statement(ctx.t("ov_ref_nationality", country=country(code, s), values=listing(rows, s)), rows))
    ukraine = preferred_series(obs, "ukraine_refugees", ags=ctx.kreis.ags)
    if not ukraine.empty:
        u = ukraine.iloc[-1]
        out.append(statement(ctx.t("ov_ref_ukraine_registered", date=fmt.format_date(u["date"], s, u["precision"]),
                               value=figure(u["value"], u["status"], s)), [u]))
    asylblg = preferred_series(obs, "asylblg_recipients", ags=ctx.kreis.ags)
    if not asylblg.empty:
        a = asylblg.iloc[-1]
        out.append(statement(ctx.t("ov_ref_asylblg", year=when(a["date"], s), value=figure(a["value"], a["status"], s)), [a]))
    return out


def naturalisation_statements(ctx: Context) -> list[Statement]:
    """Yearly naturalisations as published (with the gaps named) and IT.NRW's note on origins."""
    s, rows = ctx.sprache, preferred_series(ctx.obs, "naturalisations", ags=ctx.kreis.ags)
    if rows.empty:
        return []
    out = [statement(ctx.t("ov_nat_series", values=listing(rows, s)), rows)]
    key, source_id = NATURALISATION_FACT
    if (kreis_facts(ctx)["source_id"] == source_id).any():
        out.append(Statement(ctx.t(key), (source_id,)))
    return out


def timeline(ctx: Context) -> pd.DataFrame:
    """Institutional facts in the order of :data:`TIMELINE`: date, date text, sentence, source id."""
    rows = []
    for key, source_id, precision in TIMELINE:
        facts = kreis_facts(ctx)[kreis_facts(ctx)["source_id"] == source_id]
        if facts.empty or (precision != "undated" and facts["date"].isna().all()):
            continue
        day = facts["date"].min()
        text = ctx.t("ov_tl_undated") if precision == "undated" else fmt.format_date(day, ctx.sprache, precision)
        rows.append({"date": day, "when": text, "text": ctx.t(key), "source_id": source_id})
    return pd.DataFrame(rows, columns=["date", "when", "text", "source_id"])


def timeline_statements(ctx: Context) -> list[Statement]:
    return [Statement(f"{r.when}: {r.text}", (r.source_id,)) for r in timeline(ctx).itertuples()]


def statements(ctx: Context) -> list[Statement]:
    """Every sentence of the overview (the tests check each one's sources resolve)."""
    return [*foreigner_statements(ctx), *nationality_statements(ctx), *refugee_statements(ctx),
            *naturalisation_statements(ctx), *timeline_statements(ctx)]


# --- shares of the Kreis --------------------------------------------------------------------

def kommunen_shares(ctx: Context) -> pd.DataFrame:
    """For each Kreis total, the newest date where all Kommunen and the Kreis are
    published in one table: each Kommune's value and share of the published Kreis value
    (none for a lower bound), and the sum of the Kommunen (NaN when one of them is a lower bound).
    Computed once per briefing (the table, the sum check and the map read it; callers must not change it)."""
    if "@shares" not in ctx.memo:
        ctx.memo["@shares"] = _kommunen_shares(ctx)
    return ctx.memo["@shares"]


def _kommunen_shares(ctx: Context) -> pd.DataFrame:
    frames, sums, home = [], {}, ctx.kreis.ags
    for variable in SHARE_VARIABLES:
        chosen = newest_complete_table(ctx.obs, variable, {r.ags for r in ctx.kommunen()} | {home})
        if chosen.empty:
            continue
        total = chosen.loc[home, "value"]
        part = chosen.drop(index=home).reset_index()
        # A lower bound (a total without its secret part) gets no share, and the Kommunen are not summed.
        complete = part["status"] != Status.INCOMPLETE
        sums[variable] = part["value"].sum() if complete.all() else math.nan
        frames.append(part.assign(share=(100 * part["value"] / total).where(complete), kreis_value=total))
    if not frames:
        return pd.DataFrame()
    out = pd.concat(frames, ignore_index=True)
    return out.assign(kommunen_sum=out["variable"].map(sums))


def shares_table(ctx: Context) -> pd.DataFrame:
    """The reader's table: one row per Kommune, value and share per Kreis total (two header
    levels: the total and its date, then number and share)."""
    s, shares = ctx.sprache, kommunen_shares(ctx)
    names = {r.ags: r.name for r in ctx.kommunen()}
    columns = {(ctx.t("ov_col_kommune"), ""): [names[a] for a in sorted(names)]}
    for (variable, date), rows in shares.groupby(["variable", "date"], sort=False):
        rows = rows.set_index("ags").reindex(sorted(names))
        head = f"{ctx.t('ov_share_' + variable)} ({fmt.format_date(date, s)})"
        # Two header rows (the total, then number and share), so nine columns fit a page.
        columns[(head, ctx.t("ov_col_count"))] = [figure(v, st, s) for v, st in zip(rows["value"], rows["status"])]
        columns[(head, ctx.t("ov_col_share_of_kreis"))] = [fmt.format_percent(v, 1, s) for v in rows["share"]]
    return pd.DataFrame(columns)


def shares_notes(ctx: Context) -> list[Statement]:
    """Sum of the Kommunen vs the published Kreis value, per total, with the publisher's reasons."""
    s, out = ctx.sprache, []
    names = {r.ags: r.name for r in ctx.kommunen()}
    for variable, rows in kommunen_shares(ctx).groupby("variable", sort=False):
        r = rows.iloc[0]
        lower = rows[rows["status"] == Status.INCOMPLETE]
        if len(lower):
            out.append(statement(ctx.t("ov_sum_lower_bounds", what=ctx.t("ov_share_" + variable), date=fmt.format_date(r["date"], s),
                                   names=fmt.format_list([names[a] for a in lower["ags"]], s),
                                   kreis=fmt.format_number(r["kreis_value"], 0, s)), rows))
            continue
        key = "ov_sum_equal" if r["kommunen_sum"] == r["kreis_value"] else "ov_sum_differs"
        out.append(statement(ctx.t(key, what=ctx.t("ov_share_" + variable), date=fmt.format_date(r["date"], s),
                               total=fmt.format_number(r["kommunen_sum"], 0, s), kreis=fmt.format_number(r["kreis_value"], 0, s),
                               difference=fmt.format_change(r["kommunen_sum"] - r["kreis_value"], 0, s)), rows))
    return out


def _section(ctx: Context, heading: str, items: list[Statement]) -> None:
    """A section's heading and statements; without any, Kreis Kleve says the data hold none (e.g.
    for an early stichtag), another Kreis names what is not recorded for it."""
    empty = ctx.t("ov_no_data") if ctx.kreis.ags == FACTS_KREIS else ctx.t("ov_not_recorded", what=ctx.t("ov_lacks_" + heading))
    body = render(ctx, items) if items else empty
    display(Markdown(f"## {ctx.t(heading)}\n\n{body}"))


def stand(ctx: Context) -> pd.Timestamp:
    """The reference date of the overview: the newest AZR count (its main series) up to
    ``stichtag``, else the Kreis's newest figure (not NRW's) — never the parameter itself, which
    may lie after the newest data."""
    azr = azr_series(ctx.obs, ctx.kreis.ags)
    own = ctx.obs.loc[ctx.obs["ags"].astype(str).str.startswith(ctx.kreis.ags), "date"]
    return azr["date"].max() if len(azr) else own.max()


def title(ctx: Context) -> None:
    """H1, reference date, creation time and the one-paragraph summary of the Kreis story."""
    s, now = ctx.sprache, dt.datetime.now()
    created = f"{fmt.format_date(now, s)}, {now:%H:%M}"
    display(Markdown(
        f"# {ctx.t('ov_title')}\n\n"
        f"{ctx.t('ov_stand', stand=fmt.format_date(stand(ctx), s), created=created)}\n\n"
        f"{ctx.t('ov_intro')}"
    ))


# (message key, catalogue indicator): the unit and decimals come from the catalogue.
KEY_FIGURES = (
    ("ov_kf_foreigners_azr", "foreign_population_azr"),
    ("ov_kf_population", "population"),
    ("ov_kf_naturalisations", "naturalisations"),
    ("ov_kf_asylblg", "asylblg_recipients"),
    ("ov_kf_minimum_benefit_rate", "minimum_benefit_rate"),
)


def key_figures(ctx: Context) -> pd.DataFrame:
    """The newest Kreis value of each key figure, with NRW beside it where NRW has the same
    date (foreigners: AZR year-end counts on both sides)."""
    s, rows = ctx.sprache, []
    for key, indicator_id in KEY_FIGURES:
        ind = CATALOGUE[indicator_id]
        pick = (lambda ags: azr_series(ctx.obs, ags)) if ind.value.bases == ("azr",) else (
            lambda ags, v=ind.value.variable: preferred_series(ctx.obs, v, ags=ags))
        k = pick(ctx.kreis.ags)
        if k.empty:
            continue
        last = k.iloc[-1]
        nrw = pick(LAND_AGS).query("date == @last.date")
        percent = ind.unit == "percent"
        rows.append({
            ctx.t("ov_col_figure"): ctx.t(key),
            ctx.kreis.name: figure(last["value"], last["status"], s, ind.decimals, percent),
            ctx.t("ov_col_nrw"): figure(nrw.iloc[0]["value"], nrw.iloc[0]["status"], s, ind.decimals, percent)
            if not nrw.empty else fmt.MISSING[s],
            ctx.t("ov_col_date"): fmt.format_date(last["date"], s),
            "source_ids": tuple(dict.fromkeys([last["source_id"], *nrw["source_id"]])),
        })
    return pd.DataFrame(rows)


def show_key_figures(ctx: Context) -> None:
    """'Auf einen Blick': the key-figure table and its source line (the nbval anchor)."""
    table = key_figures(ctx)
    ids = tuple(i for ids in table.pop("source_ids") for i in ids)
    display(Markdown(f"## {ctx.t('ov_h_key_figures')}"))
    tables.table(table)
    display(Markdown(f"{fmt.markdown_text(ctx.cite(ids))}\n\n<small>{ctx.t('ov_azr_label')}</small>"))


# --- sections (one notebook cell each) --------------------------------------------------------

def _chart_table(rows: pd.DataFrame, label: str, value_head: str, sprache: str, label_head: str) -> pd.DataFrame:
    """The figures behind a chart as readers see them (formatted, with status marks)."""
    return pd.DataFrame({label_head: rows[label].astype(str),
                         value_head: [figure(v, st, sprache) for v, st in zip(rows["value"], rows["status"])]})


def foreigners(ctx: Context) -> None:
    """AZR series since the earliest official figure: text with sources, bar chart, table."""
    s, azr = ctx.sprache, azr_series(ctx.obs, ctx.kreis.ags)
    _section(ctx, "ov_h_foreigners", foreigner_statements(ctx))
    display(Markdown(f"<small>{ctx.t('ov_azr_label')}</small>"))
    if azr.empty:
        return
    years = azr.assign(year=azr["date"].dt.year)
    fig = charts.bars(years, x="year", y="value", title=ctx.t("ov_chart_foreigners"), source_ids=tuple(azr["source_id"]),
                      sprache=s, y_title=ctx.t("ov_axis_persons"), x_title=ctx.t("ov_axis_year"))
    ctx.cite(tuple(azr["source_id"]))
    charts.show(fig, _chart_table(years, "year", ctx.t("ov_col_foreigners_azr"), s, ctx.t("ov_axis_year")), sprache=s)


def nationalities_section(ctx: Context) -> None:
    """The largest nationalities and their change, as text and grouped bars per date."""
    s, wide = ctx.sprache, nationality_table(ctx)
    _section(ctx, "ov_h_nationalities", nationality_statements(ctx))
    if wide.empty:
        return
    nat = nationality_rows(ctx.obs, ctx.kreis.ags)
    rows = nat[nat["category"].isin(wide.index)].assign(
        country=lambda f: [country(c, s) for c in f["category"]], when=lambda f: [fmt.format_date(d, s) for d in f["date"]],
        order=lambda f: f["category"].map({c: i for i, c in enumerate(wide.index)})).sort_values(["date", "order"])
    fig = charts.bars(rows, x="country", y="value", group="when", title=ctx.t("ov_chart_nationalities"),
                      categories=[country(c, s) for c in wide.index],
                      source_ids=tuple(rows["source_id"]), sprache=s, y_title=ctx.t("ov_axis_persons"))
    table = pd.DataFrame({ctx.t("ov_col_nationality"): [country(c, s) for c in wide.index]})
    for date in wide.columns:
        statuses = nat[nat["date"] == date].set_index("category")["status"]
        table[fmt.format_date(date, s)] = [
            fmt.MISSING[s] if pd.isna(v) else figure(v, statuses.get(c, ""), s) for c, v in wide[date].items()]
    ctx.cite(tuple(rows["source_id"]))
    charts.show(fig, table, sprache=s)


def refugees(ctx: Context) -> None:
    _section(ctx, "ov_h_refugees", refugee_statements(ctx))


def naturalisations(ctx: Context) -> None:
    """Naturalisations per year as published, with the missing years visible as gaps."""
    s, rows = ctx.sprache, preferred_series(ctx.obs, "naturalisations", ags=ctx.kreis.ags)
    _section(ctx, "ov_h_naturalisations", naturalisation_statements(ctx))
    if rows.empty:
        return
    years = rows.assign(year=rows["date"].dt.year)
    fig = charts.bars(years, x="year", y="value", title=ctx.t("ov_chart_naturalisations"), source_ids=tuple(rows["source_id"]),
                      sprache=s, y_title=ctx.t("ov_axis_persons"), x_title=ctx.t("ov_axis_year"))
    charts.show(fig, _chart_table(years, "year", ctx.t("ov_col_naturalisations"), s, ctx.t("ov_axis_year")), sprache=s)


def timeline_section(ctx: Context) -> None:
    _section(ctx, "ov_h_timeline", timeline_statements(ctx))
    if ctx.kreis.ags != FACTS_KREIS:  # the letter was written to Kreis Kleve
        return
    if letter_figures(ctx.obs, "foreign_population").empty and not (ctx.facts["source_id"] == LETTER_SOURCE).any():
        ctx.notes.append(ctx.t("ov_letter_missing"))
        display(Markdown(f"<small>{ctx.t('ov_letter_missing')}</small>"))


def shares(ctx: Context) -> None:
    """The Kommunen's shares of Kreis totals: table, the sum check, and a map of one share."""
    s, long = ctx.sprache, kommunen_shares(ctx)
    _section(ctx, "ov_h_shares", shares_notes(ctx))
    if long.empty:
        return
    tables.table(shares_table(ctx))
    population = long[long["variable"] == "population"]
    if population.empty:
        return
    if not maps.covers(ctx.kreis.ags):
        display(Markdown(ctx.t("briefing_no_map")))
        return
    values = population.set_index("ags")["share"]
    day = fmt.format_date(population["date"].iloc[0], s)
    fig = maps.choropleth(values, title=ctx.t("ov_chart_population_share", date=day), unit="%",
                          source_line=ctx.cite(tuple(population["source_id"])), sprache=s)
    names = {r.ags: r.name for r in ctx.kommunen()}
    table = pd.DataFrame({ctx.t("ov_col_kommune"): [names[a] for a in values.index],
                          ctx.t("ov_col_share", what=ctx.t("ov_share_population")): [fmt.format_percent(v, 1, s) for v in values]})
    charts.show(fig, table, sprache=s)


def briefing(ctx: Context) -> None:
    """The BRIEFING payload for the HTML template and index page (contract in CONTRACTS.md)."""
    common.kreis_briefing(ctx, "kreis_uebersicht", ctx.t("ov_title"), stand(ctx),
                          [ctx.t("ov_azr_label"), *ctx.notes]).emit()
