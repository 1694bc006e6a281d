"""The Kommunenprofil, section by section: what ``notebooks/kommune_profil.ipynb`` calls.

:func:`setup` validates the three parameters at once (a wrong one stops the notebook with a
clear message) and computes every figure of the profile; the section functions only display.
Computing first means the BRIEFING payload, emitted with the key figures, already lists every
source the later sections cite.
"""
from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property

import pandas as pd
from babel import Locale
from IPython.display import Markdown, display

from helpers import fmt
from helpers.briefings import common
from helpers.briefings.common import check_stichtag
from helpers.data import store
from helpers.data.status import mark
from helpers.i18n import check_sprache, t
from helpers.indicators import (CATALOGUE, Comparison, Figure, compare, dated_series, largest, latest_flag,
                                nationality_rows, source_dates, year_end)
from helpers.kommunen import Region, land, region
from helpers.presentation import charts, maps, narrative, payloads, sources, tables

TOP_NATIONALITIES = 10
AZR_INDEX_START = pd.Timestamp("2015-12-31")
POPULATION_FIELD = "bevoelkerung"
# The population update's successive census bases; a new one starts a visibly separate line.
FORTSCHREIBUNG_BASES = ("update_1987_base", "update_2011_base", "update_2022_base")


@dataclass(frozen=True)
class Profile:
    """Validated parameters and every figure the profile shows."""

    region: Region
    stichtag: pd.Timestamp
    sprache: str
    obs: pd.DataFrame
    comparisons: Mapping[str, Comparison]
    created: dt.datetime
    stand: pd.Timestamp | None = None
    frames: Mapping[str, pd.DataFrame] = field(default_factory=dict)  # data behind section 2's charts
    cited: tuple[str, ...] = field(default=())
    facts: pd.DataFrame = field(default_factory=pd.DataFrame)  # dated, sourced context of this Kommune

    @property
    def name(self) -> str:
        return self.region.name

    @property
    def kreis(self) -> Region:
        """The Kreis the Kommune lies in: every Kreis value, chart and sentence of the profile is its."""
        return region(self.region.kreis_ags)

    @cached_property
    def kreis_texts(self) -> dict[str, object]:
        """The Kreis placeholders of every reader text (common.kreis_texts), plus the two forms the
        profile's sentences need: ``dem_kreis`` ("neben dem Kreis Kleve", "neben der Städteregion
        Aachen") and ``Im_kreis`` for a sentence's start ("Im Kreis Kleve …")."""
        texts = common.kreis_texts(self.kreis, self.sprache)
        im_kreis = str(texts["im_kreis"])
        dem_kreis = "dem " + im_kreis.removeprefix("im ") if im_kreis.startswith("im ") else im_kreis.removeprefix("in ")
        return {**texts, "dem_kreis": dem_kreis, "Im_kreis": im_kreis[:1].upper() + im_kreis[1:]}

    def t(self, key: str, **values: object) -> str:
        """A reader text in the profile's language, its Kreis placeholders filled in."""
        return t(key, self.sprache, **{**self.kreis_texts, **values})


def setup(kommune: str | int = "Kleve", stichtag: object = None, sprache: str = "de") -> Profile:
    """Validate kommune (name or AGS, also as int), stichtag and sprache; compute the profile."""
    sprache = check_sprache(sprache)
    place = region(kommune, level="kommune")
    sources.start_numbering()
    everything = common.regional(store.load("observations"), place.kreis_ags)
    day = check_stichtag(stichtag, everything, sprache)
    obs = common.until(everything, day)
    population = everything[(everything["ags"] == place.ags) & (everything["variable"] == "population")]
    if population["date"].min() > day:
        first = population["date"].min()
        raise ValueError(t("profile_stichtag_too_early", sprache, kommune=place.name,
                           stichtag=fmt.format_date(day.date(), sprache), first=fmt.format_date(first.date(), sprache)))
    comparisons = {i: compare(obs, i, place.ags) for i in CATALOGUE.indicators}
    # "Stand der Daten": the chosen day, else the date of the headline figure (population).
    stand = day if stichtag is not None else comparisons["population"].kommune.date
    profile = Profile(place, day, sprache, obs, comparisons, dt.datetime.now(), stand)
    frames = {"population": _population_frame(profile), "foreign_share": _foreign_share_frame(profile),
              "azr": _azr_frame(profile), "own_nationalities": _nationalities_frame(profile, place.ags),
              "kreis_nationalities": _nationalities_frame(profile, place.kreis_ags)}
    facts = store.load("facts")
    facts = facts[(facts["ags"] == place.ags) & (facts["date"].isna() | (facts["date"] <= day))]
    cited = _all_source_ids(comparisons, frames) + tuple(facts["source_id"])
    return replace(profile, frames=frames, cited=tuple(dict.fromkeys(cited)), facts=facts)


def _all_source_ids(comparisons: Mapping[str, Comparison], frames: Mapping[str, pd.DataFrame]) -> tuple[str, ...]:
    ids = [s for c in comparisons.values() for f in c.figures if not f.missing for s in f.source_ids]
    ids += [s for frame in frames.values() for ids_ in frame.get("source_ids", []) for s in ids_]
    return tuple(dict.fromkeys(ids))


# --- display primitives -------------------------------------------------------------------

def _markdown(text: str) -> None:
    display(Markdown(text))


def _heading(text: str, level: int = 2) -> None:
    _markdown(f"{'#' * level} {text}")


def _bullets(lines: list[str]) -> None:
    if lines:
        _markdown("\n".join(f"- {line}" for line in lines))


def _source_ids(figures) -> list[str]:
    return list(dict.fromkeys(s for f in figures if not f.missing for s in f.source_ids))


def _cited(p: Profile, figures) -> dict[str, list[pd.Timestamp]]:
    """Source id → the reference dates of the shown figures it actually supplies (the source
    line's Stand): a change from 2015 to 2024 from two sources gives each source its own date."""
    supplied = source_dates(p.obs)
    cited: dict[str, list[pd.Timestamp]] = {}
    for f in figures:
        if not f.missing:
            for s in f.source_ids:
                cited.setdefault(s, []).extend(d for d in (f.date, f.start_date) if (s, d) in supplied)
    return cited


def _shown_dates(p: Profile) -> list[pd.Timestamp]:
    """Reference dates of every figure the profile shows (tables and charts)."""
    dates = [f.date for c in p.comparisons.values() for f in c.figures if not f.missing and f.date is not None]
    return dates + [d for frame in p.frames.values() for d in frame.get("date", [])]


# "älterer Stand": older than OLDER_YEARS before the newest reference date in the profile's data
# (the data, not the wall clock, so a rerun next year does not age every figure).
OLDER_YEARS = 5


def newest(p: Profile) -> pd.Timestamp:
    return p.obs["date"].max()


def is_older(p: Profile, f: Figure) -> bool:
    return f.date is not None and f.date < newest(p) - pd.DateOffset(years=OLDER_YEARS)


def _day(p: Profile, f: Figure) -> str:
    """The Stand cell: the figure's date, marked "älterer Stand" when it is old."""
    day = narrative.format_day(f, p.sprache)
    return f"{day} ({p.t('older_stand')})" if is_older(p, f) else day


def not_applicable(p: Profile, c: Comparison) -> bool:
    """The indicator applies only where its ``applies_where`` flag is 1 for the Kommune (no
    Integrationsrat recorded → no Integrationsrat turnout: "entfällt", not a gap). A Kreis whose
    Kommunen have no flag recorded at all is not covered by the register: there it is a gap."""
    flag = c.indicator.applies_where
    if not flag or latest_flag(p.obs, flag, p.region.ags) == 1:
        return False
    recorded = p.obs.loc[p.obs["variable"] == flag, "ags"].astype(str)
    return bool(recorded.str.startswith(p.kreis.ags).any())


def _context(p: Profile, comparisons) -> None:
    """Facts that change the reading of the figures just shown, each with its source line."""
    lines = [f"{fmt.markdown_text(common.context_line(f, p.name, p.sprache))}  \n  "
             f"{fmt.markdown_text(sources.refer([f.source_id], p.sprache))}"
             for c in comparisons for f in common.context_facts(p.facts, c.indicator.id).itertuples()]
    _bullets(lines)


# --- 0 title ------------------------------------------------------------------------------

def title(p: Profile) -> None:
    """H1, Stand der Daten and a one-paragraph introduction."""
    _heading(p.t("profile_title", kommune=p.name), 1)
    _markdown(p.t("profile_stand", span=narrative.span_text(_shown_dates(p), p.sprache),
                  erstellt=p.created.strftime("%d.%m.%Y, %H:%M")))
    _markdown(p.t("profile_intro", kommune=p.name))


# --- 1 Auf einen Blick --------------------------------------------------------------------

def _note(p: Profile, c: Comparison) -> str:
    """The Hinweis cell: why a value is missing (or does not apply), that it is a Kreiswert, or its census base."""
    sprache = p.sprache
    notes = []
    if c.kommune.missing and not_applicable(p, c):
        return p.t("profile_not_applicable", reason=c.indicator.text("not_applicable", sprache))
    if c.kommune.missing:
        only_kreis = "kommune" not in c.indicator.levels and not c.kreis.missing
        notes.append(p.t("profile_only_kreis") if only_kreis else narrative.missing_reason(c.kommune, sprache))
    elif c.kommune.base and c.indicator.kind != "change":
        notes.append(p.t(f"profile_base_{c.kommune.base}"))
    if c.kommune.lower_bound:
        notes.append(p.t("profile_lower_bound"))
    if c.kreis.from_kommunen:
        notes.append(p.t("profile_kreis_computed"))
    return "; ".join(notes)


def _dated(f: Figure, stand: Figure, sprache: str) -> str:
    """A cell whose date differs from the row's "Stand" carries its own (Kita: NRW 2019 beside Kreis 2015)."""
    own = not f.missing and f.date is not None and stand.date is not None and f.date != stand.date
    return narrative.format_figure(f, sprache) + (f" ({narrative.format_day(f, sprache)})" if own else "")


def _comparison_row(p: Profile, c: Comparison) -> dict[str, str]:
    shown = c.kommune if not c.kommune.missing else c.kreis
    return {
        p.t("profile_col_indicator"): c.indicator.label(p.sprache),
        p.name: _dated(c.kommune, shown, p.sprache),
        p.t("profile_kreis"): _dated(c.kreis, shown, p.sprache),
        p.t("profile_land"): _dated(c.land, shown, p.sprache),
        p.t("profile_col_date"): _day(p, shown) if shown.date is not None else "",
        p.t("profile_col_note"): _note(p, c),
    }


def key_figures_table(p: Profile) -> pd.DataFrame:
    """The "Auf einen Blick" table: one row per catalogue key figure."""
    return pd.DataFrame([_comparison_row(p, p.comparisons[i]) for i in CATALOGUE.key_figures])


def _value(f: Figure) -> float | None:
    return None if f.missing else round(f.value, 6)


def key_figures_payload(p: Profile) -> dict:
    """The KEY_FIGURES payload (CONTRACTS.md): numbers as computed, not as printed."""
    figures = []
    for i in CATALOGUE.key_figures:
        c = p.comparisons[i]
        shown = c.kommune if c.kommune.date is not None else c.kreis
        figures.append({
            "id": i, "label": c.indicator.label(p.sprache), "value": _value(c.kommune),
            "date": None if shown.date is None else shown.date.date().isoformat(),
            "unit": "%" if c.indicator.unit == "percent" else c.indicator.unit,
            "source_ids": _source_ids(c.figures), "status": c.kommune.status,
            "kreis": _value(c.kreis), "land": _value(c.land),
        })
    return {"ags": p.region.ags, "figures": figures}


def _statuses(p: Profile, ids) -> set[str]:
    return {f.status for i in ids for f in p.comparisons[i].figures if not f.missing}


def data_notes(p: Profile) -> list[str]:
    """Caveats that travel with the briefing: the marks used and the census-base breaks."""
    return narrative.marker_legend(_statuses(p, CATALOGUE.indicators), p.sprache) + [
        p.t("profile_population_break_note"), p.t("profile_azr_note")]


def briefing_payload(p: Profile) -> payloads.Briefing:
    return payloads.Briefing(
        kind="kommune_profil", title=p.t("profile_title", kommune=p.name), region=p.name, ags=p.region.ags,
        stichtag=p.stand.date().isoformat(), sprache=p.sprache, span=narrative.span_text(_shown_dates(p), p.sprache),
        source_ids=tuple(p.cited), data_notes=tuple(data_notes(p)))


def key_figures(p: Profile) -> None:
    """Section 1: sentences, the key-figure table, the marks explained, and both payloads."""
    _heading(p.t("profile_h_glance"))
    _bullets(narrative.key_sentences(p.name, p.comparisons, p.sprache, places=p.kreis_texts))
    ids = CATALOGUE.key_figures
    shown = [f for i in ids for f in p.comparisons[i].figures]
    tables.table(key_figures_table(p), sources.refer(_cited(p, shown), p.sprache))
    _context(p, [p.comparisons[i] for i in ids])
    legend = narrative.marker_legend(_statuses(p, ids), p.sprache)
    if legend:
        _markdown(p.t("profile_markers_legend") + "  \n" + "  \n".join(legend))
    payloads.emit(payloads.KEY_FIGURES, key_figures_payload(p))
    briefing_payload(p).emit()


# --- locator map --------------------------------------------------------------------------

def locator(p: Profile) -> None:
    """Where the Kommune lies in the Kreis (helpers.presentation.maps); for a Kreis the maps do not
    cover, one sentence says the map is missing, as a map of another Kreis would mislead."""
    if maps.covers(p.region.ags):
        charts.show(maps.locator(p.region.ags, p.sprache), sprache=p.sprache)
    else:
        _markdown(p.t("map_not_covered"))


# --- 2 Bevölkerung und Zuwanderung --------------------------------------------------------

def _population_frame(p: Profile) -> pd.DataFrame:
    series = dated_series(p.obs, "population", p.region.ags)
    return series.assign(series=p.name, segment=[p.t(f"profile_base_{b}") for b in series["base"]])


def _population_table(p: Profile, frame: pd.DataFrame) -> pd.DataFrame:
    """Every population figure of the Kommune with its date and series (census count or update)."""
    return pd.DataFrame({p.t("profile_col_date"): [fmt.format_date(d.date(), p.sprache) for d in frame["date"]],
                         p.t("profile_col_series"): frame["segment"],
                         p.t("profile_col_value"): _with_marks(frame, 0, p.sprache)})


def _population_chart_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """What the population chart draws: the population update on its two latest census bases,
    the series a reader follows. Census counts and older bases stay in "Zahlen zur Grafik"."""
    bases = [b for b in FORTSCHREIBUNG_BASES if b in set(frame["base"])][-2:]
    drawn = frame[frame["base"].isin(bases)]
    return drawn if not drawn.empty else frame


def _censuses(p: Profile, shares: pd.DataFrame) -> str:
    """'Zensus 2011 und 2022', or only the census that has figures (the title names what is drawn)."""
    years = sorted({i.rsplit("_", 1)[-1] for i in shares["indicator"]})
    if len(years) == 1:
        return p.t("profile_census_one", year=years[0])
    return p.t("profile_census_two", first=years[0], second=years[1])


def _foreign_share_frame(p: Profile) -> pd.DataFrame:
    rows = []
    for i in ("foreign_share_census_2011", "foreign_share_census_2022"):
        c = p.comparisons[i]
        for name, f in zip((p.name, p.t("profile_kreis"), p.t("profile_land")), c.figures):
            if not f.missing:
                rows.append({"census": t(f"profile_base_{f.base}", p.sprache), "region": name, "value": f.value,
                             "status": f.status, "source_ids": f.source_ids, "indicator": i})
    return pd.DataFrame(rows, columns=["census", "region", "value", "status", "source_ids", "indicator"])


def _azr_frame(p: Profile) -> pd.DataFrame:
    """Kreis and NRW AZR counts as an index (31.12.2015 = 100): one statistic, no base break.
    Without the Kreis's counts there is no chart (an NRW line alone says nothing about the Kommune)."""
    parts = []
    for place in (p.kreis, land()):
        series = dated_series(p.obs, "foreign_population_azr", place.ags)
        series = year_end(series) if not series.empty else series
        start = series.loc[series["date"] == AZR_INDEX_START, "value"]
        if start.empty and place == p.kreis:
            break
        if start.empty:
            continue
        parts.append(series.assign(series=place.name, segment=p.t("profile_base_azr"), count=series["value"],
                                   value=series["value"] / start.iloc[0] * 100))
    return pd.concat(parts) if parts else pd.DataFrame(columns=["date", "value", "series", "source_ids"])


def _nationalities_frame(p: Profile, ags: str) -> pd.DataFrame:
    """Foreign nationals by country (ISO codes) at the latest date; Kommune rows come from
    registers of the town, Kreis rows from the AZR."""
    rows = largest(nationality_rows(p.obs, ags), TOP_NATIONALITIES)
    names = Locale.parse(fmt.LOCALES[p.sprache]).territories
    return pd.DataFrame({
        "country": [names.get(code, code) for code in rows["category"]], "value": rows["value"],
        "status": rows["status"], "date": rows["date"], "base": rows["base"],
        "source_ids": [(s,) for s in rows["source_id"]],
    })


def _ids(frame: pd.DataFrame) -> list[str]:
    return list(dict.fromkeys(s for ids in frame["source_ids"] for s in ids))


def _formatted(values, decimals: int, sprache: str, percent: bool = False) -> list[str]:
    formatter = fmt.format_percent if percent else fmt.format_number
    return [formatter(v, decimals, sprache) for v in values]


def _with_marks(frame: pd.DataFrame, decimals: int, sprache: str, percent: bool = False) -> list[str]:
    return [v + mark(s) for v, s in
            zip(_formatted(frame["value"], decimals, sprache, percent), frame["status"])]


def population(p: Profile) -> None:
    """Section 2: population with visible base breaks, foreign shares, AZR index, nationalities."""
    _heading(p.t("profile_h_population"))
    frame = p.frames["population"]
    drawn = _population_chart_frame(frame) if not frame.empty else frame
    if not frame.empty and drawn["date"].nunique() < 2:  # one point is no course over time: the figures as a table
        _markdown(p.t("profile_population_single", kommune=p.name))
        tables.table(_population_table(p, frame), sources.refer(_ids(frame), p.sprache))
    elif not frame.empty:
        # A break where the population update moves to a new census base, at the census day it counts from.
        census_days = dict(zip(frame["base"], frame["date"]))
        breaks = {p.t(f"profile_base_{b}"): census_days.get(b.replace("update_", "census_").removesuffix("_base"))
                  for b in dict.fromkeys(drawn["base"])}
        breaks = dict(list(breaks.items())[1:])
        fig = charts.line_with_breaks(
            drawn, title=p.t("profile_population_chart", kommune=p.name), source_ids=_ids(drawn), sprache=p.sprache,
            break_label=p.t("profile_base_change"), breaks=breaks, y_title=p.t("profile_persons_axis"))
        charts.show(fig, table=_population_table(p, frame), sprache=p.sprache)
        _markdown(p.t("profile_population_break_note"))
    shares = p.frames["foreign_share"]
    if not shares.empty:
        fig = charts.bars(shares, x="census", y="value", group="region",
                          title=p.t("profile_foreign_share_chart", kommune=p.name, zensus=_censuses(p, shares)),
                          source_ids=_ids(shares), sprache=p.sprache, y_title=p.t("profile_percent_axis"))
        table = pd.DataFrame({p.t("profile_col_series"): shares["census"], p.t("profile_col_region"): shares["region"],
                              p.t("profile_col_value"): _with_marks(shares, 1, p.sprache, percent=True)})
        charts.show(fig, table=table, sprache=p.sprache)
    azr = p.frames["azr"]
    if azr.empty:
        _markdown(p.t("profile_azr_kreis_missing"))
    else:
        fig = charts.line_with_breaks(azr, title=p.t("profile_azr_chart"), source_ids=_ids(azr), sprache=p.sprache,
                                      breaks=[], y_title=p.t("profile_index_axis"))
        table = pd.DataFrame({p.t("profile_col_date"): [fmt.format_date(d.date(), p.sprache) for d in azr["date"]],
                              p.t("profile_col_region"): azr["series"],
                              p.t("profile_col_value"): _with_marks(azr.assign(value=azr["count"]), 0, p.sprache),
                              p.t("profile_index_axis"): _formatted(azr["value"], 1, p.sprache)})
        charts.show(fig, table=table, sprache=p.sprache)
        _markdown(p.t("profile_azr_note"))
    _nationalities(p)
    statuses = set().union(*(set(f["status"]) for f in p.frames.values() if "status" in f))
    legend = narrative.marker_legend(statuses, p.sprache)
    if legend:
        _markdown("  \n".join([p.t("profile_markers_legend"), *legend, p.t("profile_chart_marks")]))


def _nationalities(p: Profile) -> None:
    own, kreis_rows = p.frames["own_nationalities"], p.frames["kreis_nationalities"]
    if own.empty:
        _markdown(p.t("profile_nationalities_note" if not kreis_rows.empty else "profile_nationalities_none",
                      kommune=p.name))
    else:
        _nationality_chart(p, own, p.t("profile_own_nationalities_chart", kommune=p.name,
                                       date=fmt.format_date(own["date"].iloc[0].date(), p.sprache),
                                       base=p.t(f"profile_base_{own['base'].iloc[0]}")))
    if kreis_rows.empty and not own.empty:
        _markdown(p.t("profile_kreis_nationalities_missing"))
    if not kreis_rows.empty:
        _nationality_chart(p, kreis_rows, p.t("profile_nationalities_chart",
                                              date=fmt.format_date(kreis_rows["date"].iloc[0].date(), p.sprache)))


def _nationality_chart(p: Profile, frame: pd.DataFrame, title_text: str) -> None:
    fig = charts.bars(frame, x="country", y="value", title=title_text, source_ids=_ids(frame), sprache=p.sprache,
                      horizontal=True, x_title=p.t("profile_persons_axis"))
    table = pd.DataFrame({p.t("profile_col_nationality"): frame["country"],
                          p.t("profile_col_value"): _with_marks(frame, 0, p.sprache)})
    charts.show(fig, table=table, sprache=p.sprache)


# --- 3 Handlungsfelder --------------------------------------------------------------------

def fields(p: Profile) -> None:
    """Section 3: one block per Handlungsfeld, looping over the catalogue."""
    _heading(p.t("profile_h_fields"))
    for key in CATALOGUE.handlungsfelder:
        if key != POPULATION_FIELD:
            _field(p, key)


def _field(p: Profile, key: str) -> None:
    _heading(CATALOGUE.field_label(key, p.sprache), 3)
    comparisons = [p.comparisons[i.id] for i in CATALOGUE.in_field(key)]
    shown = [c for c in comparisons if not (c.kommune.missing and c.kreis.missing)]
    if not shown:
        _markdown(p.t("profile_field_empty", kommune=p.name))
    else:
        tables.table(pd.DataFrame([_comparison_row(p, c) for c in shown]),
              sources.refer(_cited(p, (f for c in shown for f in c.figures)), p.sprache))
        _context(p, shown)
        _field_chart(p, key, shown)
    sentences = [p.t("profile_kreis_only_sentence", indicator=c.indicator.label(p.sprache), kommune=p.name,
                     date=narrative.format_day(c.kreis, p.sprache))
                 for c in shown if c.kommune.missing]
    sentences += [p.t("profile_lower_bound_sentence", indicator=c.indicator.label(p.sprache), kommune=p.name,
                      date=narrative.format_day(c.kommune, p.sprache), value=narrative.format_figure(c.kommune, p.sprache))
                  for c in shown if c.kommune.lower_bound]
    sentences += [p.t("profile_not_applicable_sentence", indicator=c.indicator.label(p.sprache),
                      reason=c.indicator.text("not_applicable", p.sprache)) if not_applicable(p, c)
                  else t("no_data_sentence", p.sprache, region=p.name, indicator=c.indicator.label(p.sprache))
                  for c in comparisons if c not in shown]
    _bullets(sentences)
    legend = narrative.marker_legend({f.status for c in shown for f in c.figures if not f.missing}, p.sprache)
    definitions = [f"**{c.indicator.label(p.sprache)}:** {c.indicator.text('definition', p.sprache)}" for c in shown]
    _markdown(f"*{p.t('profile_field_definitions')}*  \n" + "  \n".join(definitions + legend) if shown else "")


def _field_chart(p: Profile, key: str, shown: list[Comparison]) -> None:
    """Bars of the field's shares that exist for the Kommune, beside Kreis and NRW on the
    Kommune's date (named in each bar group, as the indicators' dates differ; a missing Kreis or
    NRW value stays an empty slot, so each area keeps its colour in every chart).
    One share alone would be one bar per area: the field's table above already compares those."""
    rows = [{"indicator": f"{c.indicator.label(p.sprache)} ({narrative.format_day(c.kommune, p.sprache)})", "region": name,
             "value": f.value, "status": f.status,
             "source_ids": f.source_ids}
            for c in shown if c.indicator.unit == "percent" and not c.indicator.not_a_share and not c.kommune.missing
            for name, f in zip((p.name, p.t("profile_kreis"), p.t("profile_land")), c.figures)]
    if len({row["indicator"] for row in rows}) < 2:
        return
    frame = pd.DataFrame(rows)
    fig = charts.bars(frame, x="indicator", y="value", group="region", title=p.t(
        "profile_field_chart", field=CATALOGUE.field_label(key, p.sprache), kommune=p.name),
        source_ids=_ids(frame), sprache=p.sprache, y_title=p.t("profile_percent_axis"))
    table = pd.DataFrame({p.t("profile_col_indicator"): frame["indicator"], p.t("profile_col_region"): frame["region"],
                          p.t("profile_col_value"): _with_marks(frame, 1, p.sprache, percent=True)})
    charts.show(fig, table=table, sprache=p.sprache)


# --- 4 Datenlage --------------------------------------------------------------------------

def _availability(p: Profile, c: Comparison) -> str:
    """``kommune`` (a current figure for the Kommune), ``older`` (only an older one), ``kreis``
    (only a Kreiswert), ``none``, or ``na`` (does not apply to this Kommune)."""
    if c.kommune.missing and not_applicable(p, c):
        return "na"
    if not c.kommune.missing:
        return "older" if is_older(p, c.kommune) else "kommune"
    return "kreis" if not c.kreis.missing else "none"


def _gap_comparisons(p: Profile) -> list[Comparison]:
    """Changes are left out: they exist exactly where their indicator does."""
    return [c for c in p.comparisons.values() if c.indicator.kind != "change"]


def data_gaps_table(p: Profile) -> pd.DataFrame:
    """What is known for this Kommune (current or only older), what only for the Kreis, what does
    not apply, and which table would fill a gap. Each Handlungsfeld is named on its first row only
    (rows are in field order): a long field name repeated on every row made the table three pages
    long in print."""
    rows, field = [], None
    for c in _gap_comparisons(p):
        availability = _availability(p, c)
        known = {
            "kommune": lambda: p.t("profile_known_lower_bound" if c.kommune.lower_bound else "profile_known_yes",
                                   date=narrative.format_day(c.kommune, p.sprache)),
            "older": lambda: p.t("profile_known_older", date=narrative.format_day(c.kommune, p.sprache)),
            "kreis": lambda: p.t("profile_known_kreis", date=_day(p, c.kreis)),
            "none": lambda: p.t("profile_known_no"),
            "na": lambda: p.t("profile_known_na"),
        }[availability]()
        fill = {"kommune": p.t("profile_nothing_missing"), "na": c.indicator.text("not_applicable", p.sprache)}
        label = CATALOGUE.field_label(c.indicator.handlungsfeld, p.sprache)
        rows.append({
            p.t("profile_col_field"): "" if label == field else label,
            p.t("profile_col_indicator"): c.indicator.label(p.sprache),
            p.t("profile_col_known", kommune=p.name): known,
            p.t("profile_col_fill"): sources.gap(c.indicator, p.sprache) if c.kommune.lower_bound
            else fill.get(availability) or sources.gap(c.indicator, p.sprache),
        })
        field = label
    return pd.DataFrame(rows)


def data_gaps(p: Profile) -> None:
    """Section 4: the Datenlage table with a one-line summary."""
    _heading(p.t("profile_h_datalage"))
    counts = pd.Series([_availability(p, c) for c in _gap_comparisons(p)]).value_counts()
    _markdown(p.t("profile_datalage_intro", kommune=p.name))
    _markdown(p.t("profile_datalage_summary", total=int(counts.sum()), kommune=p.name, known=int(counts.get("kommune", 0)),
                  older=int(counts.get("older", 0)), kreis_only=int(counts.get("kreis", 0)),
                  none=int(counts.get("none", 0)), na=int(counts.get("na", 0))))
    tables.table(data_gaps_table(p), css_class="im-long")  # longer than a page: breaks between rows
    _markdown(p.t("older_stand_note", years=OLDER_YEARS, newest=fmt.format_date(newest(p).date(), p.sprache)))


# --- 5 Quellen und Stand ------------------------------------------------------------------

def source_list(p: Profile) -> None:
    """Section 5: every source used anywhere in the profile, with table code, date and licence."""
    common.sources_section("profile_h_sources", p.cited, p.sprache)

