"""Kommunenvergleich: the 16 Kommunen side by side for every municipal catalogue indicator,
a table of the key indicators with Kreis and NRW, the change since the previous reference
date on the same census base, and groups of structurally similar Kommunen.

Figures come from :mod:`helpers.indicators` (the same computation as the Kommunenprofil), so a
number here always equals the profile's. Rankings put ties in AGS order; the similarity
method is deterministic and independent of row order (see :func:`similar` and :func:`groups`).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from IPython.display import Markdown, display
from sklearn.cluster import AgglomerativeClustering
from sklearn.metrics import pairwise_distances
from sklearn.preprocessing import StandardScaler

from helpers import charts, fmt, indicators, maps, narrative, payloads, report
from helpers.i18n import t
from helpers.kommunen import KREIS_AGS, LAND_AGS, kommunen, kreis, land
from helpers.overview import STATUS_MARKS, Context, Statement, cited_span, render, setup as _setup
from helpers.overview import sources_section  # noqa: F401 - the notebook calls cmp.sources_section

NEIGHBOURS = 3  # k: the most similar Kommunen named for each Kommune
N_GROUPS = 4  # clusters of the Ward hierarchy; 16 Kommunen → groups of about four
MAP_INDICATOR = "foreign_share_census_2022"


@dataclass(frozen=True)
class Feature:
    """One structural characteristic used for similarity; ``log`` tames Kleve's size."""

    key: str  # message key of the label
    indicator: str
    at: str  # reference date, YYYY-MM-DD
    base: str | None = None
    since: str | None = None  # growth in % from this date on the same base
    log: bool = False


FEATURES = (
    Feature("cmp_feat_population", "population", "2024-12-31", "update_2022_base", log=True),
    Feature("cmp_feat_density", "population_density", "2024-12-31", log=True),
    Feature("cmp_feat_growth", "population", "2023-12-31", "update_2011_base", since="2019-12-31"),
    Feature("cmp_feat_foreign_share", "foreign_share_census_2022", "2022-05-15"),
)


# --- parameters -------------------------------------------------------------------------------

def municipal_indicators(indikatoren: object = None) -> tuple[str, ...]:
    """Catalogue ids published per Kommune (``None`` = all of them, in catalogue order)."""
    available = tuple(i.id for i in indicators.catalogue().indicators.values() if "kommune" in i.levels)
    if indikatoren is None:
        return available
    wanted = [indikatoren] if isinstance(indikatoren, str) else list(indikatoren)
    unknown = [i for i in wanted if i not in available]
    if unknown or not wanted:
        raise ValueError(f"Unbekannte oder nicht auf Gemeindeebene veröffentlichte Indikatoren: {unknown or wanted}. "
                         f"Gültig sind: {', '.join(available)}.")
    return tuple(dict.fromkeys(wanted))


def setup(stichtag: object = None, sprache: str = "de", indikatoren: object = None) -> Context:
    """Validate all parameters at once, then load the data (same context as the overview)."""
    ids = municipal_indicators(indikatoren)
    ctx = _setup(stichtag=stichtag, sprache=sprache)
    ctx.indicator_ids = ids
    return ctx


def _names() -> dict[str, str]:
    return {r.ags: r.name for r in (*kommunen(), kreis(), land())}


# --- figures ----------------------------------------------------------------------------------

def latest(ctx: Context, indicator_id: str) -> pd.DataFrame:
    """Newest figure up to ``stichtag`` for the 16, the Kreis and NRW (values equal the
    profile's: :func:`helpers.indicators.compute_indicators`)."""
    if indicator_id not in ctx.memo:
        table = indicators.compute_indicators(ctx.obs, [indicator_id], stichtag=ctx.stichtag)
        ctx.memo[indicator_id] = table.assign(name=table["ags"].map(_names()))
    return ctx.memo[indicator_id]


def comparison_table(ctx: Context, indicator_ids: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Long numeric table: key indicators (or, if none is selected, the selection) × (16
    Kommunen, Kreis, NRW), AGS order; an indicator without any Kommune value (e.g. a change
    across a census break) is left out."""
    keys = tuple(i for i in indicators.catalogue().key_figures if i in ctx.indicator_ids)
    tables = [latest(ctx, i) for i in indicator_ids or keys or ctx.indicator_ids]
    tables = [tab for tab in tables if tab.loc[tab["ags"].str.len() == 8, "value"].notna().any()]
    return pd.concat(tables, ignore_index=True) if tables else latest(ctx, "population").iloc[:0]


def ranking(values: pd.Series) -> pd.DataFrame:
    """Sorted descending; equal values share a rank and keep AGS order (stable for ties).
    Missing values come last, unranked."""
    frame = pd.DataFrame({"ags": values.index.astype(str), "value": values.to_numpy(dtype=float)})
    frame = frame.sort_values(["value", "ags"], ascending=[False, True], na_position="last", kind="mergesort")
    frame["rank"] = frame["value"].rank(method="min", ascending=False).astype("Int64")
    return frame.reset_index(drop=True)


def change_since_previous(obs: pd.DataFrame, indicator_id: str, ags: str, stichtag=None) -> dict[str, object]:
    """Change between the two newest reference dates on one census base. When the newest date
    starts a new base, the newest comparable pair is used and ``comparable_with_latest`` is False."""
    series = indicators.indicator_series(obs, indicator_id, ags).dropna(subset=["value"])
    if stichtag is not None:
        series = series[series["date"] <= stichtag]
    if series.empty:
        return {}
    newest = series["date"].max()
    for base, rows in sorted(series.groupby("base"), key=lambda item: -item[1]["date"].max().value):
        if len(rows) >= 2:
            start, end = rows.iloc[-2], rows.iloc[-1]
            return {"start": start["date"], "end": end["date"], "start_value": start["value"], "end_value": end["value"],
                    "change": end["value"] - start["value"], "base": base, "comparable_with_latest": end["date"] == newest,
                    "status": indicators.worst_status([start["status"], end["status"]]),
                    "source_ids": tuple(dict.fromkeys((*start["source_ids"], *end["source_ids"])))}
    return {}


# --- similarity -------------------------------------------------------------------------------

def features(ctx: Context) -> pd.DataFrame:
    """One row per Kommune (AGS order), one column per :data:`FEATURES` entry, unscaled."""
    ags = sorted(r.ags for r in kommunen())
    table = pd.DataFrame(index=pd.Index(ags, name="ags"))
    for feat in FEATURES:
        table[feat.key] = [_feature_value(ctx.obs, feat, a) for a in ags]
    return table


def _feature_value(obs: pd.DataFrame, feat: Feature, ags: str) -> float:
    if feat.indicator in indicators.catalogue().indicators:
        end = indicators.figure(obs, feat.indicator, ags, at=pd.Timestamp(feat.at), base=feat.base).value
        start = (indicators.figure(obs, feat.indicator, ags, at=pd.Timestamp(feat.since), base=feat.base).value
                 if feat.since else None)
    else:  # a published observation that is not (yet) a catalogue indicator, e.g. density
        rows = obs[(obs["ags"] == ags) & (obs["variable"] == feat.indicator) & (obs["date"] == feat.at) & obs["preferred"]]
        end, start = (rows["value"].iloc[0] if len(rows) else None), None
    if end is None or (feat.since and start is None):
        return math.nan
    return 100 * (end / start - 1) if feat.since else end


def _scaled(table: pd.DataFrame) -> pd.DataFrame:
    """z-scores over the 16 after log where the feature says so; rows sorted by AGS so the
    result never depends on the order rows arrive in."""
    table = table.sort_index()
    logged = table.apply(lambda col: np.log(col) if _feature(col.name).log else col)
    return pd.DataFrame(StandardScaler().fit_transform(logged), index=table.index, columns=table.columns)


def _feature(key: str) -> Feature:
    return next(f for f in FEATURES if f.key == key)


def similar(table: pd.DataFrame, k: int = NEIGHBOURS) -> pd.DataFrame:
    """The ``k`` nearest Kommunen (Euclidean distance of the z-scores) for each Kommune;
    equal distances go to the smaller AGS."""
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
    scaled = _scaled(table.dropna())
    labels = AgglomerativeClustering(n_clusters=n, linkage="ward").fit_predict(scaled.to_numpy())
    first_seen = list(dict.fromkeys(labels))
    return pd.Series([first_seen.index(label) + 1 for label in labels], index=scaled.index, name="group")


# --- rendering --------------------------------------------------------------------------------

def _format(value: float | None, status: str, ind: indicators.Indicator, sprache: str) -> str:
    """As the Kommunenprofil prints a figure: unit, decimals, status mark; missing → k. A."""
    if value is None or pd.isna(value):
        return fmt.MISSING[sprache]
    return narrative.format_value(value, ind.id, sprache) + STATUS_MARKS.get(status, "")


def _format_change(change: dict[str, object], ind: indicators.Indicator, sprache: str) -> str:
    if not change:
        return fmt.MISSING[sprache]
    unit = t("cmp_unit_points", sprache) if ind.unit == "percent" else ""
    text = fmt.format_change(change["change"], ind.decimals, sprache, unit)
    period = f"{fmt.format_date(change['start'], sprache)}–{fmt.format_date(change['end'], sprache)}"
    return f"{text} ({period})" + ("" if change["comparable_with_latest"] else "*")


def title(ctx: Context) -> None:
    s = ctx.sprache
    labels = ", ".join(indicators.catalogue()[i].label(s) for i in ctx.indicator_ids)
    display(Markdown(f"# {t('cmp_title', s)}\n\n{t('cmp_intro', s, n=len(ctx.indicator_ids), labels=labels)}"))


def indicator_statements(ctx: Context, indicator_id: str) -> list[Statement]:
    """Highest, lowest, the Kreis value and the Kommunen without a figure, with sources."""
    s, ind, table = ctx.sprache, indicators.catalogue()[indicator_id], latest(ctx, indicator_id)
    local = table[table["ags"].str.len() == 8]
    present = local.dropna(subset=["value"])
    out = []
    if len(present) >= 2:
        ranked = ranking(present.set_index("ags")["value"])
        by_ags = present.set_index("ags")
        top, bottom = by_ags.loc[ranked["ags"].iloc[0]], by_ags.loc[ranked["ags"].iloc[-1]]
        out.append(_stated(t("cmp_range", s, top=top["name"], top_value=_format(top["value"], top["status"], ind, s),
                             bottom=bottom["name"], bottom_value=_format(bottom["value"], bottom["status"], ind, s),
                             date=fmt.format_date(top["date"], s)), [top, bottom]))
    k = table[table["ags"] == KREIS_AGS].iloc[0]
    if not pd.isna(k["value"]):
        out.append(_stated(t("cmp_kreis_value", s, value=_format(k["value"], k["status"], ind, s),
                             date=fmt.format_date(k["date"], s)), [k]))
    missing = local[local["value"].isna()]
    if len(missing) and len(present):
        out.append(_stated(t("cmp_missing", s, n=len(missing), names=", ".join(missing["name"]), gap=ind.text("gap", s)),
                           [present.iloc[0]]))
    return out


def _stated(text: str, rows: list[pd.Series]) -> Statement:
    ids = tuple(dict.fromkeys(i for r in rows for i in r["source_ids"]))
    return Statement(text, ids, frozenset(r["status"] for r in rows) & set(STATUS_MARKS))


def indicator_section(ctx: Context, indicator_id: str) -> None:
    """One indicator: sentences, sorted bars (with the Kreis value as a line for shares and
    rates; a Kreis total would dwarf the 16 counts), small multiples over time."""
    s, ind, table = ctx.sprache, indicators.catalogue()[indicator_id], latest(ctx, indicator_id)
    items = indicator_statements(ctx, indicator_id) + [
        Statement(report.context_line(f, _names()[f.ags], s), (f.source_id,))
        for f in report.context_facts(ctx.facts[ctx.facts["ags"] != ""], indicator_id).itertuples()]
    body = render(ctx, items) if items else t("cmp_no_municipal_data", s, label=ind.label(s), gap=ind.text("gap", s))
    display(Markdown(f"### {ind.label(s)}\n\n{ind.text('definition', s)}\n\n{body}"))
    local = table[(table["ags"].str.len() == 8)].dropna(subset=["value"])
    if len(local) < 2:
        return
    ranked = ranking(local.set_index("ags")["value"]).merge(local.drop(columns="value"), on="ags")
    k = table[table["ags"] == KREIS_AGS].iloc[0]
    ids = tuple(dict.fromkeys(i for ids in ranked["source_ids"] for i in ids))
    unit_word = t("cmp_unit_percent", s) if ind.unit == "percent" else t("cmp_unit_" + ind.unit, s)
    fig = charts.bars(ranked, x="name", y="value", horizontal=True, title=f"{ind.label(s)}, {fmt.format_date(ranked['date'].max(), s)}",
                      source_ids=ids, sprache=s,
                      reference=k["value"] if ind.unit == "percent" and not pd.isna(k["value"]) else None,
                      reference_label=t("kreis_value_label", s), x_title=unit_word)
    ctx.cite(ids)
    charts.show(fig, _ranking_table(ranked, ind, s), sprache=s)
    _small_multiples(ctx, ind)


def _ranking_table(ranked: pd.DataFrame, ind: indicators.Indicator, sprache: str) -> pd.DataFrame:
    return pd.DataFrame({t("cmp_col_rank", sprache): ranked["rank"].astype(str),
                         t("cmp_col_kommune", sprache): ranked["name"],
                         ind.label(sprache): [_format(v, st, ind, sprache) for v, st in zip(ranked["value"], ranked["status"])],
                         t("cmp_col_date", sprache): [fmt.format_date(d, sprache) for d in ranked["date"]]})


def _small_multiples(ctx: Context, ind: indicators.Indicator) -> None:
    """Time series per Kommune where there is more than one date; one line per census base."""
    s, frames = ctx.sprache, []
    if ind.kind == "change":
        return
    for r in kommunen():
        series = indicators.indicator_series(ctx.obs, ind.id, r.ags).dropna(subset=["value"])
        series = series if ctx.stichtag is None else series[series["date"] <= ctx.stichtag]
        if not series.empty:
            frames.append(series.assign(name=r.name, line=[t(f"profile_base_{b}", s) if b else ind.label(s)
                                                           for b in series["base"]]))
    if not frames or max(f["date"].nunique() for f in frames) < 2:
        return
    data = pd.concat(frames, ignore_index=True)
    ids = tuple(dict.fromkeys(i for ids in data["source_ids"] for i in ids))
    fig = charts.small_multiples(data, facet="name", x="date", y="value", split="line", sprache=s, source_ids=ids,
                                 title=t("cmp_chart_over_time", s, label=ind.label(s)))
    # The data behind the panels, one row per Kommune and date (16 columns would not fit a page).
    shown = pd.DataFrame({t("cmp_col_kommune", s): data["name"], t("cmp_col_date", s): [fmt.format_date(d, s) for d in data["date"]],
                          ind.label(s): [fmt.format_number(v, ind.decimals, s) for v in data["value"]]})
    if data["line"].nunique() > 1:  # several census bases: say which one each value belongs to
        shown.insert(2, t("profile_col_series", s), data["line"])
    ctx.cite(ids)
    charts.show(fig, shown, sprache=s)


def indicator_sections(ctx: Context) -> None:
    """Every selected indicator in catalogue order, each as :func:`indicator_section`."""
    display(Markdown(f"## {t('cmp_h_indicators', ctx.sprache)}\n\n{t('cmp_over_time_note', ctx.sprache)}"))
    for indicator_id in ctx.indicator_ids:
        indicator_section(ctx, indicator_id)


def table_display(ctx: Context) -> pd.DataFrame:
    """The key-indicator table as read: 16 Kommunen, Kreis, NRW; German formats and marks."""
    s, long = ctx.sprache, comparison_table(ctx)
    names = _names()
    order = [r.ags for r in kommunen()] + [KREIS_AGS, LAND_AGS]
    shown = pd.DataFrame({t("cmp_col_region", s): [names[a] for a in order]})
    for indicator_id, rows in long.groupby("indicator", sort=False):
        ind = indicators.catalogue()[indicator_id]
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
    display(Markdown(f"## {t('cmp_h_table', ctx.sprache)}\n\n{t('cmp_table_note', ctx.sprache)}"))
    report.table(table_display(ctx))
    display(Markdown(f"<small>{ctx.cite(ids)}</small>"))


def changes_table(ctx: Context) -> pd.DataFrame:
    """Change since the previous reference date for each key indicator with a time series."""
    s, names = ctx.sprache, _names()
    order = [r.ags for r in kommunen()] + [KREIS_AGS, LAND_AGS]
    shown = pd.DataFrame({t("cmp_col_region", s): [names[a] for a in order]})
    for indicator_id in comparison_table(ctx)["indicator"].unique():
        ind = indicators.catalogue()[indicator_id]
        if ind.kind == "change":
            continue
        changes = [change_since_previous(ctx.obs, indicator_id, a, ctx.stichtag) for a in order]
        if any(changes):
            shown[ind.label(s)] = [_format_change(c, ind, s) for c in changes]
            ctx.cite(tuple(i for c in changes for i in c.get("source_ids", ())))
    return shown


def changes(ctx: Context) -> None:
    display(Markdown(f"## {t('cmp_h_changes', ctx.sprache)}\n\n{t('cmp_changes_note', ctx.sprache)}"))
    report.table(changes_table(ctx))


def similarity_table(ctx: Context) -> pd.DataFrame:
    """Kommune, group, the three most similar Kommunen and the features as read."""
    s, table, names = ctx.sprache, features(ctx), _names()
    near, group = similar(table).set_index("ags"), groups(table)
    shown = pd.DataFrame({t("cmp_col_kommune", s): [names[a] for a in table.index],
                          t("cmp_col_group", s): [str(group.get(a, fmt.MISSING[s])) for a in table.index],
                          t("cmp_col_similar", s): [", ".join(names[n] for n in near.loc[a, "neighbours"]) if a in near.index
                                                    else fmt.MISSING[s] for a in table.index]})
    for feat in FEATURES:
        decimals = 0 if feat.log else 1
        shown[t(feat.key, s)] = [fmt.format_number(v, decimals, s) for v in table[feat.key]]
    return shown


def similarity(ctx: Context) -> None:
    """Section: the plain-language method paragraph, then the table of groups and peers."""
    s, table = ctx.sprache, features(ctx)
    display(Markdown(f"## {t('cmp_h_similar', s)}\n\n{t('cmp_similar_method', s, k=NEIGHBOURS, n=N_GROUPS)}"))
    if len(table.dropna()) < len(table):  # e.g. a stichtag before the features' reference dates
        ctx.notes.append(t("cmp_similar_unavailable", s))
        display(Markdown(t("cmp_similar_unavailable", s)))
        return
    ids = tuple(dict.fromkeys(i for f in FEATURES for i in _feature_sources(ctx, f)))
    report.table(similarity_table(ctx))
    display(Markdown(f"<small>{ctx.cite(ids)}</small>"))


def _feature_sources(ctx: Context, feat: Feature) -> list[str]:
    if feat.indicator in indicators.catalogue().indicators:
        return [i for r in kommunen() for i in indicators.figure(ctx.obs, feat.indicator, r.ags, at=pd.Timestamp(feat.at),
                                                                  base=feat.base).source_ids]
    rows = ctx.obs[(ctx.obs["variable"] == feat.indicator) & (ctx.obs["date"] == feat.at) & ctx.obs["preferred"]]
    return list(rows["source_id"])


def map_section(ctx: Context) -> None:
    """Choropleth of one key indicator (the Zensus 2022 foreign share, marked secondary)."""
    s, ind = ctx.sprache, indicators.catalogue()[MAP_INDICATOR]
    table = latest(ctx, MAP_INDICATOR)
    local = table[table["ags"].str.len() == 8].set_index("ags")
    if local["value"].isna().all():
        return
    ids = tuple(dict.fromkeys(i for ids in local["source_ids"] for i in ids))
    fig = maps.choropleth(local["value"].astype(float), title=f"{ind.label(s)}, {fmt.format_date(local['date'].dropna().max(), s)}",
                          unit="%", source_line=ctx.cite(ids), sprache=s)
    shown = pd.DataFrame({t("cmp_col_kommune", s): local["name"],
                          ind.label(s): [_format(v, st, ind, s) for v, st in zip(local["value"], local["status"])]})
    display(Markdown(f"## {t('cmp_h_map', s)}\n\n{ind.text('definition', s)}"))
    charts.show(fig, shown, sprache=s)


def briefing(ctx: Context) -> None:
    """The BRIEFING payload (contract in CONTRACTS.md)."""
    newest = comparison_table(ctx)["date"].dropna().max()
    payloads.emit(payloads.BRIEFING, {
        "kind": "kommunen_vergleich", "title": t("cmp_title", ctx.sprache), "region": kreis().name, "ags": KREIS_AGS,
        "stichtag": pd.Timestamp(newest).date().isoformat(), "sprache": ctx.sprache, "source_ids": list(ctx.cited),
        "span": cited_span(ctx),
        "data_notes": [t("cmp_changes_note", ctx.sprache), t("cmp_similar_method", ctx.sprache, k=NEIGHBOURS, n=N_GROUPS)],
    })
