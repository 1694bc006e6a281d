"""The Kommunenprofil's sections laid out from its figures: title, "Auf einen Blick", locator map,
population and immigration, the Handlungsfelder, the sources (the Datenlage: :mod:`.datenlage`)."""
from __future__ import annotations

import re
from collections.abc import Iterable

import pandas as pd
from babel import Locale

from helpers import fmt
from helpers.briefings.context import Context
from helpers.briefings.document import Block, Chart, Cite, Table, Text, fact_line, heading, markdown, sources_section
from helpers.briefings.kommune_profil.figures import ProfileFigures, is_older, is_shown
from helpers.data.status import mark
from helpers.i18n import t
from helpers.indicators import CATALOGUE, Comparison, Figure, gaps
from helpers.indicators.queries import facts_about, latest_bases
from helpers.presentation import charts, maps, narrative, payloads, time_charts
from helpers.presentation.sources import gap_text, is_secondary

Profile = Context[ProfileFigures]
POPULATION_FIELD = "bevoelkerung"
COMPACT_GROUPS = 3  # bar groups a compact chart (beside the text) holds legibly
# The population update's successive census bases; a new one starts a visibly separate line.
FORTSCHREIBUNG_BASES = ("update_1987_base", "update_2011_base", "update_2022_base")


# --- shared cells -------------------------------------------------------------------------------

def _bullets(lines: list[str]) -> list[Text]:
    return [markdown("\n".join(f"- {line}" for line in lines))] if lines else []


def _source_ids(figures: Iterable[Figure]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(s for f in figures if not f.missing for s in f.source_ids))


def day_cell(p: Profile, f: Figure) -> str:
    """The Stand cell: the figure's date, marked "älterer Stand" when it is old."""
    day = narrative.format_day(f, p.sprache)
    return f"{day} ({p.t('profil_older_stand')})" if is_older(p.figures, f) else day


def context_facts(p: Profile, comparisons: list[Comparison], shown_before: Iterable[str] = ()) -> list[Text]:
    """Facts that change the reading of the figures just shown, each once with its source line; a press report is
    marked secondary in words. Facts of the indicators in ``shown_before`` stood beside them already ("Wo steht")."""
    parts: list[str | Cite] = []
    seen: set[tuple] = set()
    earlier = set(shown_before)
    for c in comparisons:
        if c.indicator.id in earlier:
            continue
        for f in facts_about(p.figures.facts, c.indicator.id).itertuples():
            if (f.source_id, f.fact) in seen:
                continue
            seen.add((f.source_id, f.fact))
            line = fact_line(f, p.region.name, p.sprache)
            if is_secondary(f.source_id):
                line += f" ({p.t('profil_secondary_fact')})"
            parts += [("\n" if parts else "") + f"- {fmt.markdown_text(line)}  \n  ", Cite((f.source_id,))]
    return [Text(tuple(parts))] if parts else []


def placed(p: Profile) -> tuple[str, ...]:
    """The indicators "Wo steht" shows (with their facts)."""
    return tuple(pl.indicator.id for pl in p.figures.placings)


def _note(p: Profile, c: Comparison) -> str:
    """The Hinweis cell: why a value is missing (or does not apply), that it is a Kreiswert, or its census base."""
    notes = []
    if c.kommune.missing and c.indicator.id in p.figures.not_applicable:
        return p.t("profil_not_applicable", reason=c.indicator.text("not_applicable", p.sprache))
    if c.kommune.missing:
        notes.append(narrative.missing_reason(c.kommune, p.sprache))
        if c.kommune.status == "not_comparable" and c.kommune.start_value is not None:  # the start, on its own base
            notes.append(p.t("profil_start_value", date=fmt.format_date(c.kommune.start_date, p.sprache),
                             value=narrative.format_value(c.kommune.start_value, c.indicator.change_of, p.sprache),
                             base=p.t(f"base_{c.kommune.start_base}")))
    elif c.kommune.base and c.indicator.kind != "change":
        notes.append(p.t(f"base_{c.kommune.base}"))
    if c.kommune.lower_bound:
        notes.append(p.t("profil_lower_bound"))
    if c.kreis.from_kommunen:
        notes.append(p.t("profil_kreis_computed"))
    return "; ".join(notes)


def _dated(f: Figure, stand: Figure, sprache: str) -> str:
    """A cell whose date differs from the row's "Stand" carries its own (NRW 2019 beside Kreis 2015 where NRW
    has no 2015 figure), so every number of the row says its date — the Kreis and NRW columns too."""
    own = not f.missing and f.date is not None and stand.date is not None and f.date != stand.date
    return narrative.format_figure(f, sprache) + (f" ({narrative.format_day(f, sprache)})" if own else "")


def row_stand(c: Comparison) -> Figure:
    """The figure whose date is a row's "Stand": the Kommune's, else the Kreis's, else NRW's."""
    return next((f for f in c.figures if not f.missing), c.kommune)


def comparison_row(p: Profile, c: Comparison) -> dict[str, str]:
    """One row of a figures table: the Kommune, its Kreis and NRW, the Stand and a note."""
    shown = row_stand(c)
    return {
        p.t("profil_col_indicator"): c.indicator.label(p.sprache),
        p.region.name: _dated(c.kommune, shown, p.sprache),
        p.t("profil_kreis"): _dated(c.kreis, shown, p.sprache),
        p.t("profil_land"): _dated(c.land, shown, p.sprache),
        p.t("profil_col_date"): day_cell(p, shown) if shown.date is not None and not shown.missing else "",
        p.t("profil_col_note"): _note(p, c),
    }


def _statuses(p: Profile, ids: Iterable[str]) -> set[str]:
    return {f.status for i in ids for f in p.figures.comparisons[i].figures if not f.missing}


def _formatted(values, decimals: int, sprache: str, percent: bool = False) -> list[str]:
    formatter = fmt.format_percent if percent else fmt.format_number
    return [formatter(v, decimals, sprache) for v in values]


def _with_marks(frame: pd.DataFrame, decimals: int, sprache: str, percent: bool = False) -> list[str]:
    shown = _formatted(frame["value"], decimals, sprache, percent)
    return [v + mark(s) for v, s in zip(shown, frame["status"], strict=True)]


def _ids(frame: pd.DataFrame) -> tuple[str, ...]:
    return tuple(dict.fromkeys(s for ids in frame["source_ids"] for s in ids))


# --- 0 title ------------------------------------------------------------------------------------

def title(p: Profile) -> list[Block]:
    """H1, Stand der Daten and a one-paragraph introduction."""
    span = narrative.span_text(p.figures.shown_dates(), p.sprache)
    return [heading(p.t("profil_title", kommune=p.region.name), 1),
            markdown(p.t("profil_stand", span=span, erstellt=p.created.strftime("%d.%m.%Y, %H:%M"))),
            markdown(p.t("profil_intro", kommune=p.region.name) + " "
                     + p.t("profil_short_link", href=f"kommune_{p.region.ags}_{p.region.slug}_kurz.html"))]


# --- 1 Auf einen Blick --------------------------------------------------------------------------

def key_figures_table(p: Profile) -> pd.DataFrame:
    """The "Auf einen Blick" table: one row per catalogue key figure."""
    return pd.DataFrame([comparison_row(p, p.figures.comparisons[i]) for i in CATALOGUE.key_figures])


def key_figures(p: Profile) -> list[Block]:
    """Section 1: sentences, the key-figure table and its facts, the marks explained."""
    comparisons = [p.figures.comparisons[i] for i in CATALOGUE.key_figures]
    blocks: list[Block] = [heading(p.t("profil_h_glance"))]
    blocks += _bullets(narrative.key_sentences(p.region.name, p.figures.comparisons, p.sprache, places=p.texts,
                                               placed=placed(p)))
    blocks += [Table(key_figures_table(p), _source_ids(f for c in comparisons for f in c.figures),
                     css_class="im-key-figures")]
    blocks += context_facts(p, comparisons, placed(p))
    legend = narrative.marker_legend(_statuses(p, CATALOGUE.key_figures), p.sprache)
    return blocks + ([markdown(p.t("profil_markers_legend") + "  \n" + "  \n".join(legend))] if legend else [])


def _value(f: Figure) -> float | None:
    return None if f.missing else round(f.value, 6)


def key_figures_payload(p: Profile) -> payloads.KeyFigures:
    """The KEY_FIGURES payload: numbers as computed, not as printed."""
    figures = []
    for i in CATALOGUE.key_figures:
        c = p.figures.comparisons[i]
        shown = c.kommune if c.kommune.date is not None else c.kreis
        figures.append(payloads.KeyFigure(
            id=i, label=c.indicator.label(p.sprache), value=_value(c.kommune),
            date=None if shown.date is None else shown.date.date().isoformat(),
            unit="%" if c.indicator.unit == "percent" else c.indicator.unit,
            source_ids=_source_ids(c.figures), status=c.kommune.status, kreis=_value(c.kreis), land=_value(c.land)))
    return payloads.KeyFigures(p.region.ags, tuple(figures))


def briefing_payload(p: Profile) -> payloads.Briefing:
    """The BRIEFING payload; its notes are the caveats that travel with it: the marks used and the base breaks."""
    notes = narrative.marker_legend(_statuses(p, CATALOGUE.indicators), p.sprache) + [
        p.t("profil_population_break_note"), p.t("profil_azr_note")]
    return p.briefing(p.t("profil_title", kommune=p.region.name), p.figures.stand,
                      narrative.span_text(p.figures.shown_dates(), p.sprache), p.sources.ids, notes)


# --- locator map --------------------------------------------------------------------------------

def locator(p: Profile) -> list[Block]:
    """Where the Kommune lies in the Kreis (helpers.presentation.maps); for a Kreis the maps do not
    cover, one sentence says the map is missing, as a map of another Kreis would mislead."""
    if maps.covers(p.region.ags):
        return [Chart(maps.locator, {"ags": p.region.ags, "sprache": p.sprache})]
    return [markdown(p.t("profil_map_not_covered"))]


# --- 2 Bevölkerung und Zuwanderung --------------------------------------------------------------

def _population_table(p: Profile, frame: pd.DataFrame) -> pd.DataFrame:
    """Every population figure of the Kommune with its date and series (census count or update)."""
    return pd.DataFrame({p.t("profil_col_date"): [fmt.format_date(d.date(), p.sprache) for d in frame["date"]],
                         p.t("chart_col_series"): frame["segment"],
                         p.t("profil_col_value"): _with_marks(frame, 0, p.sprache)})


def _censuses(p: Profile, shares: pd.DataFrame) -> str:
    """'Zensus 2011 und 2022', or only the census that has figures (the title names what is drawn)."""
    years = sorted({i.rsplit("_", 1)[-1] for i in shares["indicator"]})
    if len(years) == 1:
        return p.t("profil_census_one", year=years[0])
    return p.t("profil_census_two", first=years[0], second=years[1])


def foreign_share_frame(p: Profile) -> pd.DataFrame:
    """The census shares of foreign nationals: the Kommune, its Kreis and NRW, where published."""
    rows = []
    for i in ("foreign_share_census_2011", "foreign_share_census_2022"):
        c = p.figures.comparisons[i]
        for name, f in zip((p.region.name, p.t("profil_kreis"), p.t("profil_land")), c.figures, strict=True):
            if not f.missing:
                rows.append({"census": t(f"base_{f.base}", p.sprache), "region": name, "value": f.value,
                             "status": f.status, "source_ids": f.source_ids, "indicator": i})
    return pd.DataFrame(rows, columns=["census", "region", "value", "status", "source_ids", "indicator"])


def _nationalities_frame(p: Profile, rows: pd.DataFrame) -> pd.DataFrame:
    """Foreign nationals by country (ISO codes named in the reader's language) at the latest date;
    Kommune rows come from registers of the town, Kreis rows from the AZR."""
    names = Locale.parse(fmt.LOCALES[p.sprache]).territories
    return pd.DataFrame({
        "country": [names.get(code, code) for code in rows["category"]], "value": rows["value"],
        "status": rows["status"], "date": rows["date"], "base": rows["base"],
        "source_ids": [(s,) for s in rows["source_id"]],
    })


def population(p: Profile) -> list[Block]:
    """Section 2: population with visible base breaks, foreign shares, AZR index, nationalities."""
    s, name = p.sprache, p.region.name
    blocks: list[Block] = [heading(p.t("profil_h_population"))]
    frame = p.figures.population.assign(series=name)
    frame = frame.assign(segment=[p.t(f"base_{b}") for b in frame["base"]])
    drawn = latest_bases(frame, FORTSCHREIBUNG_BASES) if not frame.empty else frame
    if not frame.empty and drawn["date"].nunique() < 2:  # one point is no course over time: the figures as a table
        blocks += [markdown(p.t("profil_population_single", kommune=name)),
                   Table(_population_table(p, frame), _ids(frame))]
    elif not frame.empty:
        # A break where the population update moves to a new census base, at the census day it counts from.
        census_days = dict(zip(frame["base"], frame["date"], strict=True))
        breaks = {p.t(f"base_{b}"): census_days.get(b.replace("update_", "census_").removesuffix("_base"))
                  for b in dict.fromkeys(drawn["base"])}
        blocks += [Chart(time_charts.line_with_breaks, dict(
            frame=drawn, title=p.t("profil_population_chart", kommune=name), source_ids=_ids(drawn), sprache=s,
            break_label=p.t("profil_base_change"), breaks=dict(list(breaks.items())[1:]), decimals=0, height=380,
            y_title=p.t("profil_persons_axis")), _population_table(p, frame)),
            markdown(p.t("profil_population_break_note"))]
    shares = foreign_share_frame(p)
    if not shares.empty:
        table = pd.DataFrame({p.t("chart_col_series"): shares["census"], p.t("profil_col_region"): shares["region"],
                              p.t("profil_col_value"): _with_marks(shares, 1, s, percent=True)})
        blocks.append(Chart(charts.bars, dict(
            frame=shares, x="census", y="value", group="region",
            title=p.t("profil_foreign_share_chart", kommune=name, zensus=_censuses(p, shares)),
            source_ids=_ids(shares), sprache=s, unit="%", decimals=1, compact=True, height=360,
            y_title=p.t("profil_percent_axis")), table))
    azr = p.figures.azr
    if azr.empty:
        blocks.append(markdown(p.t("profil_azr_kreis_missing")))
    else:
        azr = azr.assign(segment=p.t("base_azr"))
        table = pd.DataFrame({p.t("profil_col_date"): [fmt.format_date(d.date(), s) for d in azr["date"]],
                              p.t("profil_col_region"): azr["series"],
                              p.t("profil_col_value"): _with_marks(azr.assign(value=azr["count"]), 0, s),
                              p.t("profil_index_axis"): _formatted(azr["value"], 1, s)})
        blocks += [Chart(time_charts.line_with_breaks, dict(frame=azr, title=p.t("profil_azr_chart"),
                                                       source_ids=_ids(azr), sprache=s, breaks=[], decimals=1,
                                                       compact=True, height=380,
                                                       y_title=p.t("profil_index_axis")), table),
                   markdown(p.t("profil_azr_note"))]
    blocks += _nationalities(p)
    blocks += [heading(p.t("profil_h_population_structure"), 3), *figures_table(p, population_structure(p))]
    frames = (frame, shares, p.figures.azr, p.figures.own_nationalities, p.figures.kreis_nationalities)
    legend = narrative.marker_legend(set().union(*(set(f["status"]) for f in frames if "status" in f)), s)
    return blocks + ([markdown("  \n".join([p.t("profil_markers_legend"), *legend, p.t("profil_chart_marks")]))]
                     if legend else [])


def population_structure(p: Profile) -> list[Comparison]:
    """The population's own indicators beside the key figures and the charts above: age shares, average age,
    moves, the foreign share among children (each row with its date and source)."""
    return [p.figures.comparisons[i.id] for i in CATALOGUE.in_field(POPULATION_FIELD)
            if i.id not in CATALOGUE.key_figures and i.kind != "change"]


def _nationalities(p: Profile) -> list[Block]:
    own, kreis_rows = p.figures.own_nationalities, p.figures.kreis_nationalities
    blocks: list[Block] = []
    if own.empty:
        key = "profil_nationalities_note" if not kreis_rows.empty else "profil_nationalities_none"
        blocks.append(markdown(p.t(key, kommune=p.region.name)))
    else:
        blocks.append(_nationality_chart(p, own, p.t(
            "profil_own_nationalities_chart", kommune=p.region.name,
            date=fmt.format_date(own["date"].iloc[0].date(), p.sprache), base=p.t(f"base_{own['base'].iloc[0]}"))))
    if kreis_rows.empty and not own.empty:
        blocks.append(markdown(p.t("profil_kreis_nationalities_missing")))
    if not kreis_rows.empty:
        blocks.append(_nationality_chart(p, kreis_rows, p.t(
            "profil_nationalities_chart", date=fmt.format_date(kreis_rows["date"].iloc[0].date(), p.sprache))))
    return blocks


def _nationality_chart(p: Profile, rows: pd.DataFrame, title_text: str) -> Chart:
    frame = _nationalities_frame(p, rows)
    table = pd.DataFrame({p.t("profil_col_nationality"): frame["country"],
                          p.t("profil_col_value"): _with_marks(frame, 0, p.sprache)})
    return Chart(charts.dots, dict(frame=frame, x="country", y="value", title=title_text, source_ids=_ids(frame),
                                   sprache=p.sprache, decimals=0, noun=t("profil_noun_nationalities", p.sprache),
                                   x_title=p.t("profil_persons_axis")), table)


# --- 3 Handlungsfelder --------------------------------------------------------------------------

def fields(p: Profile) -> list[Block]:
    """Section 3: one block per Handlungsfeld, looping over the catalogue."""
    blocks: list[Block] = [heading(p.t("profil_h_fields"))]
    for key in CATALOGUE.handlungsfelder:
        if key != POPULATION_FIELD:
            blocks += field(p, key)
    return blocks


def field(p: Profile, key: str) -> list[Block]:
    """One Handlungsfeld: its table with facts and chart, sentences for what is missing, the definitions."""
    comparisons = [p.figures.comparisons[i.id] for i in CATALOGUE.in_field(key)]
    return [heading(CATALOGUE.field_label(key, p.sprache), 3), *figures_table(p, comparisons, key)]


def figures_table(p: Profile, comparisons: list[Comparison], key: str | None = None) -> list[Block]:
    """Indicators as a table beside Kreis and NRW (each cell with its date where it differs), their facts and
    (for a Handlungsfeld ``key``) a chart of its shares; then a sentence for each missing figure saying why,
    and the definitions."""
    s, name = p.sprache, p.region.name
    blocks: list[Block] = []
    shown = [c for c in comparisons if is_shown(c)]
    if not shown:
        blocks.append(markdown(p.t("profil_field_empty", kommune=name)))
    else:
        blocks.append(Table(pd.DataFrame([comparison_row(p, c) for c in shown]),
                            _source_ids(f for c in shown for f in c.figures)))
        blocks += context_facts(p, shown, placed(p)) + (field_chart(p, key, shown) if key else [])
    sentences = [p.t("profil_kreis_only_sentence", indicator=c.indicator.label(s), kommune=name,
                     reason=narrative.missing_reason(c.kommune, s), date=narrative.format_day(c.kreis, s))
                 for c in shown if c.kommune.missing and not c.kreis.missing]
    sentences += [p.t("profil_lower_bound_sentence", indicator=c.indicator.label(s), kommune=name,
                      date=narrative.format_day(c.kommune, s), value=narrative.format_figure(c.kommune, s))
                  for c in shown if c.kommune.lower_bound]
    sentences += [p.t("profil_not_applicable_sentence", indicator=c.indicator.label(s),
                      reason=c.indicator.text("not_applicable", s)) if c.indicator.id in p.figures.not_applicable
                  else p.t("profil_no_data_sentence", region=name, indicator=c.indicator.label(s),
                           gap=gap_text(c.indicator, gaps.gap(c.indicator, c.kommune), s))
                  for c in comparisons if c not in shown]
    blocks += _bullets(sentences)
    legend = narrative.marker_legend({f.status for c in shown for f in c.figures if not f.missing}, s)
    definitions = [f"**{c.indicator.label(s)}:** {c.indicator.text('definition', s)}" for c in shown]
    return blocks + [markdown(f"*{p.t('profil_field_definitions')}*  \n" + "  \n".join(definitions + legend)
                              if shown else "")]


def _label_dated(c: Comparison, sprache: str) -> str:
    """The indicator's label with the Kommune's date, once: "… (2016)" not "… (2016) (2016)" where the label
    already names the year of that date (the exact day stands in the table beside the chart)."""
    label, day = c.indicator.label(sprache), narrative.format_day(c.kommune, sprache)
    named = re.search(r"\((\d{4})\)$", label)
    return label if named and named.group(1) in day else f"{label} ({day})"


def field_chart(p: Profile, key: str, shown: list[Comparison]) -> list[Chart]:
    """Bars of the field's shares that exist for the Kommune, beside Kreis and NRW on the
    Kommune's date (named in each bar group, as the indicators' dates differ; a missing Kreis or
    NRW value stays an empty slot, so each area keeps its colour in every chart).
    One share alone would be one bar per area: the field's table above already compares those."""
    s = p.sprache
    rows = [{"indicator": _label_dated(c, s), "region": name,
             "value": f.value, "status": f.status, "source_ids": f.source_ids}
            for c in shown if c.indicator.unit == "percent" and not c.indicator.not_a_share and not c.kommune.missing
            for name, f in zip((p.region.name, p.t("profil_kreis"), p.t("profil_land")), c.figures, strict=True)]
    if len({row["indicator"] for row in rows}) < 2:
        return []
    frame = pd.DataFrame(rows)
    table = pd.DataFrame({p.t("profil_col_indicator"): frame["indicator"], p.t("profil_col_region"): frame["region"],
                          p.t("profil_col_value"): _with_marks(frame, 1, s, percent=True)})
    return [Chart(charts.bars, dict(frame=frame, x="indicator", y="value", group="region", title=p.t(
        "profil_field_chart", field=CATALOGUE.field_label(key, s), kommune=p.region.name),
        source_ids=_ids(frame), sprache=s, unit="%", decimals=1, compact=frame["indicator"].nunique() <= COMPACT_GROUPS,
        height=360, y_title=p.t("profil_percent_axis")), table)]


# --- 5 Quellen und Stand ------------------------------------------------------------------------

def sources(p: Profile) -> list[Block]:
    """Section 5: every source the profile refers to (and no other), with table code, date and licence."""
    return sources_section(p.t("profil_h_sources"))
