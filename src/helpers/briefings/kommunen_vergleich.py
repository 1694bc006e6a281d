"""Kommunenvergleich: the Kommunen of a Kreis (default Kreis Kleve) side by side for every municipal catalogue indicator,
a table of the key indicators with Kreis and NRW, the change since the previous reference
date on the same census base, and groups of structurally similar Kommunen.

Figures come from :mod:`helpers.indicators` (the same computation as the Kommunenprofil), so a
number here always equals the profile's. Rankings compare the Kommunen on one reference date
(:func:`reference_date`); a highest or lowest value shared by several Kommunen at the printed
precision is reported as a tie (:func:`extremes`); a total without its secret part (status
``incomplete``) is never ranked. The similarity method is deterministic and independent of row
order (see :func:`similar` and :func:`groups`).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from IPython.display import Markdown, display

from helpers import fmt, indicators
from helpers.briefings import common
from helpers.briefings.common import Context, Statement, render
from helpers.data.status import Status, mark, worst
from helpers.i18n import t
from helpers.kommunen import KREIS_AGS, LAND_AGS, kommunen, land
from helpers.presentation import charts, maps, narrative, sources, tables

NEIGHBOURS = 3  # k: the most similar Kommunen named for each Kommune
MAX_NAMED_TIES = 3  # a tie of more Kommunen is reported by number ("in 14 Kommunen")
N_GROUPS = 4  # clusters of the Ward hierarchy; 16 Kommunen → groups of about four
MAP_INDICATOR = "foreign_share_census_2022"


@dataclass(frozen=True)
class Feature:
    """One structural characteristic used for similarity; ``log`` tames Kleve's size. Its dates
    come from the data (:func:`feature_dates`): the newest date all Kommunen share on ``base``."""

    key: str  # message key of the label
    indicator: str  # a catalogue indicator or a published variable
    base: str | None = None
    growth: bool = False  # growth in % from the oldest to the newest date the Kommunen share on ``base``
    log: bool = False


FEATURES = (
    Feature("cmp_feat_population", "population", "update_2022_base", log=True),
    Feature("cmp_feat_density", "population_density", log=True),
    Feature("cmp_feat_growth", "population", "update_2011_base", growth=True),
    Feature("cmp_feat_foreign_share", "foreign_share_census_2022"),
)


# --- parameters -------------------------------------------------------------------------------

def municipal_indicators(indikatoren: object = None) -> tuple[str, ...]:
    """Catalogue ids published per Kommune (``None`` = all of them, in catalogue order)."""
    available = tuple(i.id for i in indicators.CATALOGUE.indicators.values() if "kommune" in i.levels)
    if indikatoren is None:
        return available
    wanted = [indikatoren] if isinstance(indikatoren, str) else list(indikatoren)
    unknown = [i for i in wanted if i not in available]
    if unknown or not wanted:
        raise ValueError(f"Unbekannte oder nicht auf Gemeindeebene veröffentlichte Indikatoren: {unknown or wanted}. "
                         f"Gültig sind: {', '.join(available)}.")
    return tuple(dict.fromkeys(wanted))


def sources_section(ctx: Context) -> None:
    """'Quellen und Stand': every source cited above, one row each."""
    common.sources_section("ov_h_sources", ctx.cited, ctx.sprache)


def setup(stichtag: object = None, sprache: str = "de", indikatoren: object = None,
          kreis: str | int | None = None) -> Context:
    """Validate all parameters at once, then load the data of ``kreis`` (name or AGS; None = Kreis
    Kleve; same context as the overview)."""
    ids = municipal_indicators(indikatoren)
    ctx = common.load_context(stichtag=stichtag, sprache=sprache, kreis_name=kreis)
    ctx.indicator_ids = ids
    return ctx


def _names(ctx: Context) -> dict[str, str]:
    return {r.ags: r.name for r in (*ctx.kommunen(), ctx.kreis, land())}


# --- figures ----------------------------------------------------------------------------------

def latest(ctx: Context, indicator_id: str) -> pd.DataFrame:
    """Newest figure up to ``stichtag`` for the Kommunen, the Kreis and NRW (values equal the
    profile's: :func:`helpers.indicators.compute_indicators`)."""
    if indicator_id not in ctx.memo:
        table = indicators.compute_indicators(ctx.obs, [indicator_id], stichtag=ctx.stichtag, kreis_ags=ctx.kreis.ags)
        ctx.memo[indicator_id] = table.assign(name=table["ags"].map(_names(ctx)))
    return ctx.memo[indicator_id]


def _dated(ctx: Context, indicator_id: str, ags: str) -> pd.DataFrame:
    """:func:`helpers.indicators.dated_series` up to ``stichtag``, once per briefing (the reference
    date, the panels over time and the ranking all read the same series). Callers must not change it."""
    key = f"{indicator_id}@series@{ags}"
    if key not in ctx.memo:
        ctx.memo[key] = indicators.dated_series(ctx.obs, indicator_id, ags, ctx.stichtag)
    return ctx.memo[key]


def comparison_table(ctx: Context, indicator_ids: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Long numeric table: key indicators (or, if none is selected, the selection) × (the
    Kommunen, Kreis, NRW), AGS order; an indicator without any Kommune value (e.g. a change
    across a census break) is left out."""
    keys = tuple(i for i in indicators.CATALOGUE.key_figures if i in ctx.indicator_ids)
    tables = [latest(ctx, i) for i in indicator_ids or keys or ctx.indicator_ids]
    tables = [tab for tab in tables if tab.loc[tab["ags"].str.len() == 8, "value"].notna().any()]
    return pd.concat(tables, ignore_index=True) if tables else latest(ctx, "population").iloc[:0]


def ranking(values: pd.Series, decimals: int | None = None) -> pd.DataFrame:
    """Sorted descending; equal values share a rank (the bars must stand in some order: ties
    in AGS order). With ``decimals``, values equal as printed are equal. Missing values come
    last, unranked."""
    frame = pd.DataFrame({"ags": values.index.astype(str), "value": values.to_numpy(dtype=float)})
    key = frame["value"] if decimals is None else frame["value"].round(decimals)
    frame = frame.assign(_key=key).sort_values(["_key", "ags"], ascending=[False, True], na_position="last", kind="mergesort")
    frame["rank"] = frame["_key"].rank(method="min", ascending=False).astype("Int64")
    return frame.drop(columns="_key").reset_index(drop=True)


def common_interval(obs: pd.DataFrame, indicator_id: str, stichtag=None,
                    kreis_ags: str = KREIS_AGS) -> tuple[pd.Timestamp, pd.Timestamp, str] | None:
    """(start, end, base): the two newest reference dates on one census base that all Kommunen
    have, so one column of changes covers one interval (Kleve's extra 2022 figure must not give
    Kleve 2022–2023 beside 2021–2023 for the others). None when the Kommunen share no such pair."""
    series = [indicators.dated_series(obs, indicator_id, r.ags, stichtag) for r in kommunen(kreis_ags)]
    best = None
    for base in set().union(*(set(f["base"]) for f in series)):
        dates = indicators.common_dates(obs, indicator_id, base, stichtag, kreis_ags)
        if len(dates) >= 2 and (best is None or (dates[-1], dates[-2]) > best[1::-1]):
            best = (dates[-2], dates[-1], base)
    return best


def change_since_previous(obs: pd.DataFrame, indicator_id: str, ags: str, stichtag=None,
                          interval: tuple[pd.Timestamp, pd.Timestamp, str] | None = None) -> dict[str, object]:
    """Change between two reference dates on one census base: those of ``interval`` where the
    region has both, else its own two newest. When the newest date starts a new base, the newest
    comparable pair is used and ``comparable_with_latest`` is False."""
    series = indicators.dated_series(obs, indicator_id, ags, stichtag)
    if series.empty:
        return {}
    newest = series["date"].max()
    pairs = [(base, rows.iloc[-2:]) for base, rows in sorted(series.groupby("base"), key=lambda item: -item[1]["date"].max().value)
             if len(rows) >= 2]
    if interval is not None:
        start, end, base = interval
        wanted = series[(series["base"] == base) & series["date"].isin([start, end])]
        if len(wanted) == 2:
            pairs.insert(0, (base, wanted))
    if not pairs:
        return {}
    base, (start, end) = pairs[0][0], (row for _, row in pairs[0][1].iterrows())
    return {"start": start["date"], "end": end["date"], "start_value": start["value"], "end_value": end["value"],
            "change": end["value"] - start["value"], "base": base, "comparable_with_latest": end["date"] == newest,
            "status": worst([start["status"], end["status"]]),
            "source_ids": tuple(dict.fromkeys((*start["source_ids"], *end["source_ids"])))}


# --- similarity -------------------------------------------------------------------------------

def features(ctx: Context) -> pd.DataFrame:
    """One row per Kommune (AGS order), one column per :data:`FEATURES` entry, unscaled
    (computed once per briefing; callers must not change it)."""
    if "@features" not in ctx.memo:
        ags = sorted(r.ags for r in ctx.kommunen())
        table = pd.DataFrame(index=pd.Index(ags, name="ags"))
        for feat in FEATURES:
            days = feature_dates(ctx.obs, feat, ctx.kreis.ags)
            table[feat.key] = [_feature_value(ctx.obs, feat, days, a) if days else math.nan for a in ags]
        ctx.memo["@features"] = table
    return ctx.memo["@features"]


def feature_dates(obs: pd.DataFrame, feat: Feature, kreis_ags: str = KREIS_AGS) -> tuple[pd.Timestamp, ...]:
    """(newest,) or, for growth, (newest, oldest) of the dates all Kommunen share on the
    feature's base; empty when they share none (or, for growth, fewer than two)."""
    dates = indicators.common_dates(obs, feat.indicator, feat.base, kreis_ags=kreis_ags)
    if len(dates) < (2 if feat.growth else 1):
        return ()
    return (dates[-1], dates[0]) if feat.growth else (dates[-1],)


def _feature_value(obs: pd.DataFrame, feat: Feature, days: tuple[pd.Timestamp, ...], ags: str) -> float:
    """The feature for one Kommune; NaN where it is missing or only a lower bound (a total
    without its secret part must not make two Kommunen look alike)."""
    if feat.indicator in indicators.CATALOGUE.indicators:
        figures = [indicators.figure(obs, feat.indicator, ags, at=day, base=feat.base) for day in days]
        values = [None if f.lower_bound else f.value for f in figures]
    else:  # a published observation that is not (yet) a catalogue indicator, e.g. density
        rows = indicators.observation_rows(obs, feat.indicator, days[0], ags)
        rows = rows[rows["status"] != Status.INCOMPLETE]
        values = [rows["value"].iloc[0] if len(rows) else None]
    if any(v is None or pd.isna(v) for v in values):
        return math.nan
    return 100 * (values[0] / values[1] - 1) if feat.growth else values[0]


def _scaled(table: pd.DataFrame) -> pd.DataFrame:
    """z-scores over the Kommunen after log where the feature says so; rows sorted by AGS so the
    result never depends on the order rows arrive in. scikit-learn is imported here, where it is used:
    its import costs a kernel almost a second, and most briefings never cluster."""
    from sklearn.preprocessing import StandardScaler

    table = table.sort_index()
    logged = table.apply(lambda col: np.log(col) if _feature(col.name).log else col)
    return pd.DataFrame(StandardScaler().fit_transform(logged), index=table.index, columns=table.columns)


def _feature(key: str) -> Feature:
    return next(f for f in FEATURES if f.key == key)


def similar(table: pd.DataFrame, k: int = NEIGHBOURS) -> pd.DataFrame:
    """The ``k`` nearest Kommunen (Euclidean distance of the z-scores) for each Kommune;
    equal distances go to the smaller AGS."""
    from sklearn.metrics import pairwise_distances

    scaled = _scaled(table.dropna())
    dist = pd.DataFrame(pairwise_distances(scaled), index=scaled.index, columns=scaled.index).round(9)
    rows = []
    for ags in scaled.index:
        others = dist.loc[ags].drop(ags).reset_index().set_axis(["ags", "d"], axis=1)
        nearest = others.sort_values(["d", "ags"], kind="mergesort").head(k)
        rows.append({"ags": ags, "neighbours": tuple(nearest["ags"]), "distances": tuple(nearest["d"])})
    return pd.DataFrame(rows)


def groups(table: pd.DataFrame, n: int = N_GROUPS) -> pd.Series:
    """Ward clustering of the z-scores into ``n`` groups, numbered 1… in the AGS order of each
    group's first member (deterministic: no random start, rows sorted by AGS)."""
    from sklearn.cluster import AgglomerativeClustering

    scaled = _scaled(table.dropna())
    labels = AgglomerativeClustering(n_clusters=n, linkage="ward").fit_predict(scaled.to_numpy())
    first_seen = list(dict.fromkeys(labels))
    return pd.Series([first_seen.index(label) + 1 for label in labels], index=scaled.index, name="group")


# --- rendering --------------------------------------------------------------------------------

def _format(value: float | None, status: str, ind: indicators.Indicator, sprache: str) -> str:
    """As the Kommunenprofil prints a figure: unit, decimals, status mark; missing → k. A."""
    if value is None or pd.isna(value):
        return fmt.MISSING[sprache]
    return narrative.format_value(value, ind.id, sprache) + mark(status)


def _period(start, end, sprache: str) -> str:
    return f"{fmt.format_date(start, sprache)}–{fmt.format_date(end, sprache)}"


def _format_change(change: dict[str, object], ind: indicators.Indicator, sprache: str, interval=None) -> str:
    """The change with its status mark; its own period in brackets unless it is the column's."""
    if not change:
        return fmt.MISSING[sprache]
    unit = t("cmp_unit_points", sprache) if ind.unit == "percent" else ""
    text = fmt.format_change(change["change"], ind.decimals, sprache, unit) + mark(change["status"])
    own = interval is None or (change["start"], change["end"]) != tuple(interval[:2])
    return text + (f" ({_period(change['start'], change['end'], sprache)})" if own else "") + (
        "" if change["comparable_with_latest"] else "*")


def title(ctx: Context) -> None:
    s = ctx.sprache
    labels = ", ".join(indicators.CATALOGUE[i].label(s) for i in ctx.indicator_ids)
    display(Markdown(f"# {ctx.t('cmp_title')}\n\n{ctx.t('cmp_intro', n=len(ctx.indicator_ids), labels=labels)}"))


def reference_date(ctx: Context, indicator_id: str) -> pd.Timestamp | None:
    """The one date the Kommunen are ranked on: the date most of them have a figure for (the
    newest on a tie). Ranking each Kommune's own newest figure would put a preliminary 2025
    result beside final 2020 results, or a 2016 quota beside a 2019 one."""
    if indicator_id + "@date" not in ctx.memo:
        table = latest(ctx, indicator_id)
        if indicators.CATALOGUE[indicator_id].kind == "change":  # a change exists only at its newest date
            dates = list(table.loc[(table["ags"].str.len() == 8) & table["value"].notna(), "date"])
        else:
            dates = [d for r in ctx.kommunen() for d in _dated(ctx, indicator_id, r.ags)["date"].unique()]
        counts = pd.Series(pd.to_datetime(dates)).value_counts()
        ctx.memo[indicator_id + "@date"] = max(counts.index, key=lambda d: (counts[d], d)) if len(counts) else None
    return ctx.memo[indicator_id + "@date"]


def on_reference_date(ctx: Context, indicator_id: str) -> pd.DataFrame:
    """Each Kommune and the Kreis on :func:`reference_date` (rows as :func:`latest`;
    value None where that date has no figure)."""
    if indicator_id + "@reference" not in ctx.memo:
        day = reference_date(ctx, indicator_id)
        regions = [r.ags for r in ctx.kommunen()] + [ctx.kreis.ags]
        rows = [indicators.figure(ctx.obs, indicator_id, a, at=day).as_dict() if day is not None
                else indicators.Figure(indicator_id, a, None, None, "not_available").as_dict() for a in regions]
        table = pd.DataFrame(rows)
        ctx.memo[indicator_id + "@reference"] = table.assign(name=table["ags"].map(_names(ctx)))
    return ctx.memo[indicator_id + "@reference"]


def _shown(value: float, ind: indicators.Indicator, sprache: str) -> str:
    """The value as printed, without mark: ties are decided on it (see :func:`extremes`)."""
    return narrative.format_value(value, ind.id, sprache)


def extremes(rows: pd.DataFrame, ind: indicators.Indicator, sprache: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """All Kommunen sharing the highest and all sharing the lowest value. Ties are judged at the
    printed precision, because that is what a reader can check: 5,66 % and 5,74 % both read
    5,7 % and are reported together, never as one winner picked by AGS order."""
    printed = rows["value"].map(lambda v: _shown(v, ind, sprache))
    top = printed == _shown(rows["value"].max(), ind, sprache)
    bottom = printed == _shown(rows["value"].min(), ind, sprache)
    return rows[top], rows[bottom]


def _places(rows: pd.DataFrame, ind: indicators.Indicator, sprache: str) -> str:
    """``in Kleve (53.028)``, ``in Kerken und Straelen (je 5,7 %)`` or ``in 14 Kommunen (je 0,0 %)``."""
    first = rows.iloc[0]
    value = _format(first["value"], first["status"], ind, sprache)
    if len(rows) == 1:
        return t("cmp_place_one", sprache, name=first["name"], value=value)
    if len(rows) <= MAX_NAMED_TIES:
        return t("cmp_place_tied", sprache, names=fmt.format_list(list(rows["name"]), sprache), value=value)
    return t("cmp_place_many", sprache, n=len(rows), value=value)


def _listed(rows: pd.DataFrame, ind: indicators.Indicator, sprache: str, dated: bool = True) -> str:
    """``Geldern 52,6 %⁴ (14.09.2025)``: each figure, with its own date where ``dated``."""
    return fmt.format_list([f"{r['name']} {_format(r['value'], r['status'], ind, sprache)}"
                            + (f" ({fmt.format_date(r['date'], sprache)})" if dated else "") for _, r in rows.iterrows()], sprache)


def ranked_rows(ctx: Context, indicator_id: str) -> pd.DataFrame:
    """The Kommunen that enter rankings: a figure on the reference date that is not a lower bound."""
    table = on_reference_date(ctx, indicator_id)
    local = table[(table["ags"].str.len() == 8) & table["value"].notna()]
    return local[local["status"] != Status.INCOMPLETE]


def indicator_statements(ctx: Context, indicator_id: str) -> list[Statement]:
    """Highest and lowest on one date (ties named as ties), lower bounds and figures of other
    dates kept out of the ranking and said so, the Kreis value and the Kommunen without a figure."""
    s, ind = ctx.sprache, indicators.CATALOGUE[indicator_id]
    newest, day = latest(ctx, indicator_id), reference_date(ctx, indicator_id)
    table = on_reference_date(ctx, indicator_id)
    local = table[(table["ags"].str.len() == 8) & table["value"].notna()]
    ranked, date = ranked_rows(ctx, indicator_id), fmt.format_date(day, s)
    out = []
    if len(ranked) >= 2:
        top, bottom = extremes(ranked, ind, s)
        if len(top) == len(ranked):
            out.append(_stated(ctx.t("cmp_range_equal", n=len(ranked), value=_format(top["value"].iloc[0], top["status"].iloc[0], ind, s),
                                 date=date), [top.iloc[0]]))
        else:
            out.append(_stated(ctx.t("cmp_range", top=_places(top, ind, s), bottom=_places(bottom, ind, s), date=date),
                               [*(r for _, r in top.iterrows()), *(r for _, r in bottom.iterrows())]))
    elif len(ranked) == 1:
        only = ranked.iloc[0]
        out.append(_stated(ctx.t("cmp_single", name=only["name"], value=_format(only["value"], only["status"], ind, s), date=date),
                           [only]))
    lower = local[local["status"] == Status.INCOMPLETE]
    if len(lower):
        out.append(_stated(ctx.t("cmp_lower_bounds", listing=_listed(lower, ind, s, dated=False), date=date), [r for _, r in lower.iterrows()]))
    own = newest[(newest["ags"].str.len() == 8) & newest["value"].notna()]
    elsewhere = own[own["date"] != (None if day is None else day.date().isoformat())]
    if len(elsewhere):
        out.append(_stated(ctx.t("cmp_other_dates", listing=_listed(elsewhere, ind, s), date=date),
                           [r for _, r in elsewhere.iterrows()]))
    k = table[table["ags"] == ctx.kreis.ags].iloc[0]
    k = k if not pd.isna(k["value"]) else newest[newest["ags"] == ctx.kreis.ags].iloc[0]
    if not pd.isna(k["value"]):
        out.append(_stated(ctx.t("cmp_kreis_value", value=_format(k["value"], k["status"], ind, s),
                             date=fmt.format_date(k["date"], s)), [k]))
    missing = newest[(newest["ags"].str.len() == 8) & newest["value"].isna()]
    if len(missing) and len(own):
        out.append(_stated(ctx.t("cmp_missing", n=len(missing), names=", ".join(missing["name"]), gap=sources.gap(ind, s)),
                           [own.iloc[0]]))
    return out


def _stated(text: str, rows: list[pd.Series]) -> Statement:
    ids = tuple(dict.fromkeys(i for r in rows for i in r["source_ids"]))
    return Statement(text, ids, frozenset(r["status"] for r in rows if mark(r["status"])))


def indicator_section(ctx: Context, indicator_id: str) -> None:
    """One indicator: sentences, sorted bars of the figures on the reference date (with the Kreis
    value of that date as a line for shares and rates; a Kreis total would dwarf the Kommunen's counts),
    small multiples over time."""
    s, ind = ctx.sprache, indicators.CATALOGUE[indicator_id]
    items = indicator_statements(ctx, indicator_id) + [
        Statement(common.context_line(f, _names(ctx)[f.ags], s), (f.source_id,))
        for f in common.context_facts(ctx.facts[ctx.facts["ags"] != ""], indicator_id).itertuples()]
    body = render(ctx, items) if items else ctx.t("cmp_no_municipal_data", label=ind.label(s), gap=sources.gap(ind, s))
    display(Markdown(f"### {ind.label(s)}\n\n{ind.text('definition', s)}\n\n{body}"))
    table = latest(ctx, indicator_id)
    if table[(table["ags"].str.len() == 8)]["value"].notna().sum() < 2:
        return
    local = ranked_rows(ctx, indicator_id)
    if len(local) >= 2:
        ranked = ranking(local.set_index("ags")["value"], ind.decimals).merge(local.drop(columns="value"), on="ags")
        k = on_reference_date(ctx, indicator_id).set_index("ags").loc[ctx.kreis.ags]
        ids = tuple(dict.fromkeys(i for ids in ranked["source_ids"] for i in ids))
        unit_word = ctx.t("cmp_unit_percent") if ind.unit == "percent" else ctx.t("cmp_unit_" + ind.unit)
        title = f"{ind.label(s)}, {fmt.format_date(reference_date(ctx, indicator_id), s)}"
        fig = charts.bars(ranked, x="name", y="value", horizontal=True, title=title, source_ids=ids, sprache=s,
                          reference=k["value"] if ind.unit == "percent" and not pd.isna(k["value"]) else None,
                          reference_label=ctx.t("kreis_value_label"), x_title=unit_word)
        ctx.cite(ids)
        charts.show(fig, _ranking_table(ranked, ind, s), sprache=s)
    _small_multiples(ctx, ind)


def _ranking_table(ranked: pd.DataFrame, ind: indicators.Indicator, sprache: str) -> pd.DataFrame:
    return pd.DataFrame({t("cmp_col_rank", sprache): ranked["rank"].astype(str),
                         t("cmp_col_kommune", sprache): ranked["name"],
                         ind.label(sprache): [_format(v, st, ind, sprache) for v, st in zip(ranked["value"], ranked["status"])],
                         t("cmp_col_date", sprache): [fmt.format_date(d, sprache) for d in ranked["date"]]})


def _line(base: str, status: str, ind: indicators.Indicator, sprache: str) -> str:
    """The series a point belongs to: its census base (or the indicator); preliminary figures
    (election-night counts) form their own series, never one line with final results."""
    name = t(f"profile_base_{base}", sprache) if base else ind.label(sprache)
    return name + (t("cmp_line_preliminary", sprache) if status == Status.PRELIMINARY else "")


def _small_multiples(ctx: Context, ind: indicators.Indicator) -> None:
    """Time series per Kommune where there is more than one date; one line per census base,
    preliminary figures apart (:func:`_line`)."""
    s, frames = ctx.sprache, []
    if ind.kind == "change":
        return
    for r in ctx.kommunen():
        dated = _dated(ctx, ind.id, r.ags)
        if not dated.empty:
            frames.append(dated.assign(name=r.name, line=[_line(b, st, ind, s) for b, st in zip(dated["base"], dated["status"])]))
    if not frames or max(f["date"].nunique() for f in frames) < 2:
        return
    data = pd.concat(frames, ignore_index=True)
    ids = tuple(dict.fromkeys(i for ids in data["source_ids"] for i in ids))
    fig = charts.small_multiples(data, facet="name", x="date", y="value", split="line", sprache=s, source_ids=ids,
                                 title=ctx.t("cmp_chart_over_time", label=ind.label(s), start=fmt.format_date(data["date"].min(), s),
                                         end=fmt.format_date(data["date"].max(), s)))
    # The data behind the panels, one row per Kommune and date (16 columns would not fit a page).
    shown = pd.DataFrame({ctx.t("cmp_col_kommune"): data["name"], ctx.t("cmp_col_date"): [fmt.format_date(d, s) for d in data["date"]],
                          ind.label(s): [_format(v, st, ind, s) for v, st in zip(data["value"], data["status"])]})
    if data["line"].nunique() > 1:  # several census bases: say which one each value belongs to
        shown.insert(2, ctx.t("profile_col_series"), data["line"])
    ctx.cite(ids)
    charts.show(fig, shown, sprache=s)


def indicator_sections(ctx: Context) -> None:
    """Every selected indicator in catalogue order, each as :func:`indicator_section`."""
    display(Markdown(f"## {ctx.t('cmp_h_indicators')}\n\n{ctx.t('cmp_over_time_note')}"))
    for indicator_id in ctx.indicator_ids:
        indicator_section(ctx, indicator_id)


def table_display(ctx: Context) -> pd.DataFrame:
    """The key-indicator table as read: the Kommunen, Kreis, NRW; German formats and marks."""
    s, long = ctx.sprache, comparison_table(ctx)
    names = _names(ctx)
    order = [r.ags for r in ctx.kommunen()] + [ctx.kreis.ags, LAND_AGS]
    shown = pd.DataFrame({ctx.t("cmp_col_region"): [names[a] for a in order]})
    for indicator_id, rows in long.groupby("indicator", sort=False):
        ind = indicators.CATALOGUE[indicator_id]
        rows = rows.set_index("ags").reindex(order)
        usual = rows["date"].mode()
        usual = usual.iloc[-1] if len(usual) else None
        head = ind.label(s) + (f" ({fmt.format_date(usual, s)})" if usual else "")
        shown[head] = [
            _format(None if pd.isna(r.value) else r.value, r.status, ind, s)
            + ("" if r.date is None or r.date == usual or pd.isna(r.value) else f" ({fmt.format_date(r.date, s)})")
            for r in rows.itertuples()
        ]
    return shown


def key_table(ctx: Context) -> None:
    """Section: the key-indicator table and its sources (the nbval anchor)."""
    long = comparison_table(ctx)
    ids = tuple(dict.fromkeys(i for ids in long["source_ids"] for i in ids))
    display(Markdown(f"## {ctx.t('cmp_h_table')}\n\n{ctx.t('cmp_table_note')}"))
    tables.table(table_display(ctx))
    display(Markdown(fmt.markdown_text(ctx.cite(ids))))


def changes_table(ctx: Context) -> pd.DataFrame:
    """Change since the previous reference date for each key indicator with a time series: one
    interval per column (:func:`common_interval`, in the header); a row that lacks it shows its own."""
    s, names = ctx.sprache, _names(ctx)
    order = [r.ags for r in ctx.kommunen()] + [ctx.kreis.ags, LAND_AGS]
    shown = pd.DataFrame({ctx.t("cmp_col_region"): [names[a] for a in order]})
    for indicator_id in comparison_table(ctx)["indicator"].unique():
        ind = indicators.CATALOGUE[indicator_id]
        if ind.kind == "change":
            continue
        interval = common_interval(ctx.obs, indicator_id, ctx.stichtag, ctx.kreis.ags)
        changes = [change_since_previous(ctx.obs, indicator_id, a, ctx.stichtag, interval) for a in order]
        if any(changes):
            head = ind.label(s) + (f" ({_period(*interval[:2], s)})" if interval else "")
            shown[head] = [_format_change(c, ind, s, interval) for c in changes]
            ctx.cite(tuple(i for c in changes for i in c.get("source_ids", ())))
    return shown


def changes(ctx: Context) -> None:
    display(Markdown(f"## {ctx.t('cmp_h_changes')}\n\n{ctx.t('cmp_changes_note')}"))
    tables.table(changes_table(ctx))


def similarity_table(ctx: Context) -> pd.DataFrame:
    """Kommune, group, the three most similar Kommunen and the features as read."""
    s, table, names = ctx.sprache, features(ctx), _names(ctx)
    near, group = similar(table).set_index("ags"), groups(table)
    shown = pd.DataFrame({ctx.t("cmp_col_kommune"): [names[a] for a in table.index],
                          ctx.t("cmp_col_group"): [str(group.get(a, fmt.MISSING[s])) for a in table.index],
                          ctx.t("cmp_col_similar"): [", ".join(names[n] for n in near.loc[a, "neighbours"]) if a in near.index
                                                    else fmt.MISSING[s] for a in table.index]})
    for feat in FEATURES:
        decimals = 0 if feat.log else 1
        shown[t(feat.key, s)] = [fmt.format_number(v, decimals, s) for v in table[feat.key]]
    return shown


def similarity(ctx: Context) -> None:
    """Section: the plain-language method paragraph, then the table of groups and peers."""
    s, table = ctx.sprache, features(ctx)
    display(Markdown(f"## {ctx.t('cmp_h_similar')}\n\n{ctx.t('cmp_similar_method', k=NEIGHBOURS, n=N_GROUPS)}"))
    if len(table.dropna()) < len(table):  # e.g. a stichtag before the features' reference dates
        ctx.notes.append(ctx.t("cmp_similar_unavailable"))
        display(Markdown(ctx.t("cmp_similar_unavailable")))
        return
    ids = tuple(dict.fromkeys(i for f in FEATURES for i in _feature_sources(ctx, f)))
    tables.table(similarity_table(ctx))
    display(Markdown(fmt.markdown_text(ctx.cite(ids))))


def _feature_sources(ctx: Context, feat: Feature) -> list[str]:
    at = feature_dates(ctx.obs, feat, ctx.kreis.ags)[0]
    if feat.indicator in indicators.CATALOGUE.indicators:
        return [i for r in ctx.kommunen() for i in indicators.figure(ctx.obs, feat.indicator, r.ags, at=at,
                                                                  base=feat.base).source_ids]
    return list(indicators.observation_rows(ctx.obs, feat.indicator, at)["source_id"])


def map_section(ctx: Context) -> None:
    """Choropleth of one key indicator (the Zensus 2022 foreign share, marked secondary) on its
    reference date; like a ranking, the colours leave out other dates and lower bounds."""
    s, ind = ctx.sprache, indicators.CATALOGUE[MAP_INDICATOR]
    if not maps.covers(ctx.kreis.ags):
        display(Markdown(f"## {ctx.t('cmp_h_map')}\n\n{ctx.t('briefing_no_map')}"))
        return
    table = on_reference_date(ctx, MAP_INDICATOR)
    local = table[table["ags"].str.len() == 8].set_index("ags")
    local = local.assign(value=local["value"].where(local["status"] != Status.INCOMPLETE))
    if local["value"].isna().all():
        return
    ids = tuple(dict.fromkeys(i for ids in local["source_ids"] for i in ids))
    fig = maps.choropleth(local["value"].astype(float), title=f"{ind.label(s)}, {fmt.format_date(reference_date(ctx, MAP_INDICATOR), s)}",
                          unit="%", source_line=ctx.cite(ids), sprache=s)
    shown = pd.DataFrame({ctx.t("cmp_col_kommune"): local["name"],
                          ind.label(s): [_format(v, st, ind, s) for v, st in zip(local["value"], local["status"])]})
    display(Markdown(f"## {ctx.t('cmp_h_map')}\n\n{ind.text('definition', s)}"))
    charts.show(fig, shown, sprache=s)


def briefing(ctx: Context) -> None:
    """The BRIEFING payload (contract in CONTRACTS.md)."""
    newest = comparison_table(ctx)["date"].dropna().max()
    common.kreis_briefing(ctx, "kommunen_vergleich", ctx.t("cmp_title"), pd.Timestamp(newest),
                          [ctx.t("cmp_changes_note"), ctx.t("cmp_similar_method", k=NEIGHBOURS, n=N_GROUPS)]
                          ).emit()
