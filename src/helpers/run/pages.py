"""The pages of a run folder besides the briefings: index.html per language (German at the top,
English in en/), the top index of a run over several Kreise, the accessibility statement; and
plotly.min.js, once per folder. Plain Jinja templates: a run that reuses every briefing makes these
pages without importing nbconvert (``export`` turns executed notebooks into briefings).
"""
from __future__ import annotations

import datetime as dt
import filecmp
import os
import shutil
from functools import partial
from pathlib import Path

from helpers.briefings.context import kreis_texts
from helpers.data.status import mark
from helpers.fmt import format_date, format_number, format_percent
from helpers.i18n import LANGUAGE_FOLDERS, t
from helpers.kommunen import KREIS_AGS, region
from helpers.paths import TEMPLATES_DIR
from helpers.presentation.narrative import marker_legend
from helpers.run.cache import link
from helpers.run.goal_index import goal_news, index_goals

PLOTLY_JS = "plotly.min.js"
CSS_FILE = TEMPLATES_DIR / "briefing" / "static" / "briefing.css"
# The index's columns, the same for every Kreis: key figures from statewide tables (a Kommune without
# one shows "k. A."), not whichever figures a Kreis happens to have for all its Kommunen.
INDEX_FIGURES = ("population", "foreign_population_census_2011", "foreign_share_census_2011", "minimum_benefit_rate")
PROFILE_KIND = "kommune_profil"
SHORT_KIND = "kommune_kurz"  # the two-page short version, linked beside its profile
KOMMUNE_KINDS = (PROFILE_KIND, SHORT_KIND)
ACCESSIBILITY_PAGE = "barrierefreiheit.html"  # German only: the statement BITV NRW asks for


def write_atomic(path: Path, data: str | bytes) -> None:
    """Write via a temporary file in the same folder and rename, so readers never see half a file."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")  # not mkstemp: keep umask permissions
    try:
        if isinstance(data, bytes):
            tmp.write_bytes(data)
        else:
            tmp.write_text(data, encoding="utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def plotly_js_path() -> Path:
    """plotly.js as shipped inside the installed plotly package (no CDN)."""
    import plotly

    return Path(plotly.__file__).parent / "package_data" / PLOTLY_JS


def place_plotly_js(target: Path, previous_dir: Path | None) -> None:
    """The installed plotly's plotly.min.js in ``target``: hard-linked from the previous run when it is
    the same file (no extra space), else copied — after an upgrade of plotly the new briefings need the
    new one; never a link into the installed package."""
    installed, previous = plotly_js_path(), previous_dir / PLOTLY_JS if previous_dir else None
    if previous is not None and previous.is_file() and filecmp.cmp(previous, installed, shallow=False):
        link(previous, target / PLOTLY_JS)
    else:
        shutil.copyfile(installed, target / PLOTLY_JS)


def created_line(moment: dt.datetime, sprache: str) -> str:
    """When a page was made ("erstellt am 07.12.2026 um 06:15 Uhr"), in the reader's language."""
    return t("briefing_created_on", sprache, date=format_date(moment, sprache), time=f"{moment:%H:%M}")


def data_as_of(stichtag: str | None, sprache: str) -> str:
    """The data's date line ("Stand der Daten: 31.12.2024"), in the reader's language."""
    return t("briefing_data_as_of", sprache, date=format_date(stichtag, sprache))


def to_root(sprache: str) -> str:
    """Relative path from a page of ``sprache`` to the top of its run folder."""
    return "../" * LANGUAGE_FOLDERS[sprache].count("/")


def imprint(version: str | None, sprache: str) -> str:
    """The line naming how and with which program version a page was made."""
    from helpers.fmt import MISSING

    return t("briefing_imprint", sprache, version=version or MISSING[sprache])


def region_kreis_texts(ags: str | None, sprache: str) -> dict[str, object]:
    """The Kreis placeholders (``kreis``, ``n_kommunen`` …) for the Kreis of a briefing's region AGS."""
    return kreis_texts(region(ags[:5] if ags and len(ags) >= 5 else KREIS_AGS), sprache)


def _run_kreis(entries: list) -> str | None:
    """The AGS of the Kreis a (one-Kreis) set of entries belongs to, from their BRIEFING payloads."""
    return next(((e.briefing or {})["ags"][:5] for e in entries if len((e.briefing or {}).get("ags") or "") >= 5), None)


def format_figure(value: float | None, unit: str, sprache: str) -> str:
    """A key figure for the index table: shares with one decimal, counts without."""
    if unit == "%":
        return format_percent(value, 1, sprache)
    decimals = 0 if value is None or abs(value) >= 100 else 1
    return format_number(value, decimals, sprache)


def _index_cell(figure: dict, column: dict, sprache: str) -> str:
    """The figure with its status mark, and its own date where the column has none in common."""
    text = format_figure(figure["value"], figure["unit"], sprache) + mark(figure.get("status", ""))
    return text + (f" ({format_date(figure['date'], sprache)})" if not column["date"] and figure.get("date") else "")


def _index_columns(by_profile: list[dict[str, dict]], sprache: str) -> tuple[list[str], list[dict]]:
    """The :data:`INDEX_FIGURES` the profiles report, with their date when it is the same for every Kommune
    that has the figure."""
    ids = [i for i in INDEX_FIGURES if by_profile and all(i in p for p in by_profile)]
    headers = []
    for i in ids:
        dates = {p[i]["date"] for p in by_profile if p[i]["value"] is not None}
        date = format_date(dates.pop(), sprache) if len(dates) == 1 and None not in dates else ""
        headers.append({"label": by_profile[0][i]["label"], "date": date})
    return ids, headers


NEWS_ITEMS = 8  # per table in "Neu seit dem letzten Lauf"; the full list is in data/updates/latest.json


def _concerns(change: dict, kreis_ags: str | None) -> bool:
    """Whether a change belongs on the index of this Kreis: its own regions and the levels above
    (Land, Bund); every change when the run has no single Kreis."""
    ags = change.get("ags") or ""
    return kreis_ags is None or len(ags) < 5 or ags.startswith(kreis_ags)


def _news(report: dict | None, sprache: str, kreis_ags: str | None = None) -> list[dict]:
    """Per updated table of the last `data update`: what is new, revised or gone for this Kreis, in
    reader words."""
    if not report:
        return []
    from helpers.ingest.common import declared_tables

    titles = {code: spec.get("title", "") for code, spec in declared_tables()["tables"].items()}
    news = []
    for code, info in report.get("tables", {}).items():
        if info.get("status") != "updated":
            continue
        items = []
        for c in (c for c in report.get("changes", []) if c["table"] == code and _concerns(c, kreis_ags)):
            values = {"region": c["name"], "date": format_date(c["date"], sprache), "count": c.get("count"),
                      "old": format_figure(c["old"], "", sprache), "new": format_figure(c["new"], "", sprache)}
            items.append(t(f"index_news_{c['kind']}", sprache, **values))
        more = len(items) - NEWS_ITEMS
        news.append({"heading": t("index_news_table", sprache, table=code, title=titles.get(code, ""),
                                  date=format_date(info.get("retrieved"), sprache)),
                     "lines": items[:NEWS_ITEMS] + ([t("index_news_more", sprache, count=more)] if more > 0 else [])
                     or [t("index_news_same_figures", sprache)]})
    return news


def _environment():
    import jinja2

    return jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES_DIR), autoescape=True)


def write_indexes(run_dir: Path, entries: list, *, created: dt.datetime, version: str | None,
                  goals: list[dict] = (), previous_goals: list[dict] | None = None) -> None:
    """One index.html per language of the run (German at the top, English in en/), each linking
    the other, and the German accessibility statement they both link; ``goals``: the run's judged goals
    (run.json), ``previous_goals`` the last run's (for the changes)."""
    languages = [s for s in LANGUAGE_FOLDERS if any(e.parameters.get("sprache", "de") == s for e in entries)]
    for sprache in languages:
        others = [{"href": to_root(sprache) + LANGUAGE_FOLDERS[other] + "index.html",
                   "label": t("index_other_language", other), "lang": other} for other in languages if other != sprache]
        write_index(run_dir / LANGUAGE_FOLDERS[sprache],
                    [e for e in entries if e.parameters.get("sprache", "de") == sprache],
                    created=created, sprache=sprache, version=version, others=others,
                    goals=goals, previous_goals=previous_goals)
    page = _environment().get_template("barrierefreiheit.html.j2").render(
        t=partial(t, sprache="de", **region_kreis_texts(_run_kreis(entries), "de")),
        css=CSS_FILE.read_text(encoding="utf-8"), created=created_line(created, "de"), imprint=imprint(version, "de"))
    write_atomic(run_dir / ACCESSIBILITY_PAGE, page)


def write_index(run_dir: Path, entries: list, *, created: dt.datetime, sprache: str, version: str | None,
                others: list[dict] = (), goals: list[dict] = (), previous_goals: list[dict] | None = None) -> None:
    """index.html: every briefing of one language, relative links, key figures of the 16 Kommunen."""
    good = [e for e in entries if e.status != "failed"]
    profiles = [e for e in good if (e.briefing or {}).get("kind") == PROFILE_KIND and e.key_figures]
    by_profile = [{f["id"]: f for f in e.key_figures["figures"]} for e in profiles]
    figure_ids, columns = _index_columns(by_profile, sprache)
    shorts = {(e.briefing or {}).get("ags"): e for e in good if (e.briefing or {}).get("kind") == SHORT_KIND}
    rows = []
    for entry, figures in zip(profiles, by_profile, strict=True):
        short = shorts.get((entry.briefing or {}).get("ags"))
        rows.append({
            "name": (entry.briefing or {}).get("region", entry.output),
            "href": _page_href(entry),
            "short_href": _page_href(short) if short else "",
            "cells": [_index_cell(figures[i], column, sprache) if i in figures else format_figure(None, "", sprache)
                      for i, column in zip(figure_ids, columns, strict=True)],
        })
    from helpers.data import update  # the last change report of `data update`

    stichtage = sorted(e.briefing["stichtag"] for e in good if (e.briefing or {}).get("stichtag"))
    failed = [e.output for e in entries if e.status == "failed"]
    kreis_ags = _run_kreis(entries)
    texts = region_kreis_texts(kreis_ags, sprache)
    page = _environment().get_template("index.html.j2").render(
        lang=sprache,
        title=t("index_title", sprache, **texts),
        data_as_of=data_as_of(stichtage[-1] if stichtage else None, sprache),
        created=created_line(created, sprache),
        intro=t("index_intro", sprache),
        failed=t("index_failed", sprache, names=", ".join(failed)) if failed else "",
        news_heading=t("index_news_heading", sprache),
        news=_news(update.last_report(), sprache, kreis_ags) + goal_news(goals, previous_goals, kreis_ags, sprache),
        goals=index_goals(goals, kreis_ags, sprache, texts) if profiles else None,
        kreis_heading=t("index_kreis_heading", sprache, **texts),
        kreis_links=[{"href": _page_href(e), "title": (e.briefing or {}).get("title", e.output)}
                     for e in good if (e.briefing or {}).get("kind") not in KOMMUNE_KINDS],
        kommunen_heading=t("index_kommunen_heading", sprache, **texts),
        kommune_column=t("index_kommune_column", sprache),
        short_label=t("index_short_version", sprache),
        languages_label=t("index_languages", sprache),
        columns=columns,
        rows=rows,
        legend=marker_legend({p[i].get("status", "") for p in by_profile for i in figure_ids}, sprache),
        css=CSS_FILE.read_text(encoding="utf-8"),
        imprint=imprint(version, sprache),
        others=others,
        accessibility={"href": to_root(sprache) + ACCESSIBILITY_PAGE, "label": t("index_accessibility", sprache)},
    )
    write_atomic(run_dir / "index.html", page)


def write_sites_index(run_dir: Path, sites: list[str], entries: list, *, created: dt.datetime,
                      version: str | None) -> None:
    """The top index.html of a run over several Kreise: one link per Kreis folder (its own index), in
    German; each Kreis folder links its English set itself."""
    sprache = "de"
    links = []
    for site in sites:
        mine = [e for e in entries if e.output.startswith(f"{site}/") and e.parameters.get("sprache", "de") == sprache]
        profiles = sum((e.briefing or {}).get("kind") == PROFILE_KIND for e in mine)
        name = next(((e.briefing or {}).get("region") for e in mine
                     if (e.briefing or {}).get("kind") not in (None, *KOMMUNE_KINDS)), site)
        links.append({"href": f"{site}/index.html", "title": t("index_site_link", sprache, kreis=name, count=profiles)})
    failed = [e.output for e in entries if e.status == "failed"]
    page = _environment().get_template("index.html.j2").render(
        lang=sprache, title=t("index_sites_title", sprache), data_as_of="", created=created_line(created, sprache),
        intro=t("index_sites_intro", sprache, count=len(sites)),
        failed=t("index_failed", sprache, names=", ".join(failed)) if failed else "",
        kreis_heading=t("index_sites_heading", sprache), kreis_links=links, rows=[], columns=[], legend=[],
        css=CSS_FILE.read_text(encoding="utf-8"), imprint=imprint(version, sprache), others=[],
        languages_label=t("index_languages", sprache),
        accessibility={"href": f"{sites[0]}/{ACCESSIBILITY_PAGE}", "label": t("index_accessibility", sprache)},
    )
    write_atomic(run_dir / "index.html", page)


def _page_href(entry) -> str:
    """A briefing's link from the index of its own language folder."""
    return f"{entry.output.rsplit('/', 1)[-1]}.html"
