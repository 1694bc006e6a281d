"""Executed notebook → German HTML briefing, and the run's index.html.

The briefing is nbconvert's JupyterLab export without code, prompts, papermill's injected
parameters (papermill#416), the private payloads and stderr, wrapped in the project template
(``templates/briefing``): header with region and dates, a table of contents built from the
headings, a sources and licence footer. Charts are plotly divs without plotly.js; every page
loads ``plotly.min.js`` from its own folder, copied once per run (no internet needed).
"""
from __future__ import annotations

import datetime as dt
import html
import os
import re
from functools import lru_cache, partial
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import nh3
from nbconvert.exporters import HTMLExporter
from nbconvert.preprocessors import Preprocessor, TagRemovePreprocessor

from helpers.briefings.context import kreis_texts
from helpers.data.status import mark
from helpers.fmt import format_date, format_number, format_percent
from helpers.i18n import LANGUAGE_FOLDERS, t
from helpers.kommunen import KREIS_AGS, region
from helpers.paths import TEMPLATES_DIR
from helpers.presentation import payloads
from helpers.presentation.narrative import marker_legend

TEMPLATE_NAME = "briefing"
PLOTLY_JS = "plotly.min.js"
CSS_FILE = TEMPLATES_DIR / TEMPLATE_NAME / "static" / "briefing.css"
TOC_MARKER = "<!--IM-TOC-->"
# "lab-only": the notebooks' first cell tells JupyterLab users how to change parameters — not for readers.
HIDDEN_CELL_TAGS = {"injected-parameters", "parameters", "lab-only"}
MARKDOWN_TAGS = {"a", "abbr", "b", "blockquote", "br", "code", "del", "details", "div", "em", "h1", "h2", "h3", "h4",
                 "h5", "h6", "hr", "i", "li", "ol", "p", "pre", "small", "span", "strong", "sub", "summary", "sup",
                 "table", "tbody", "td", "th", "thead", "tr", "ul"}
MARKDOWN_ATTRIBUTES = {"*": {"class", "id", "title"}, "a": {"href", "class", "title"}, "td": {"align", "colspan", "rowspan"},
                       "th": {"align", "colspan", "rowspan"}}
MARKDOWN_URL_SCHEMES = {"http", "https", "mailto"}
_ANY_TAG = re.compile(r"</?([A-Za-z][^\s/>]*)[^>]*>")
_LINK = re.compile(r'<a href="([^"]*)"[^>]*>(.*?)</a>', re.S)
INDEX_COLUMNS = 4
PROFILE_KIND = "kommune_profil"
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


class _DropReaderIrrelevantOutputs(Preprocessor):
    """Payloads are for the batch and stderr is for the log; neither belongs in a briefing."""

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "code":
            cell.outputs = [
                o for o in cell.outputs
                if not (o.get("output_type") == "stream" and o.get("name") == "stderr")
                and not set(o.get("data", {})) & set(payloads.PRIVATE_TYPES)
            ]
        return cell, resources


class _Headings(HTMLParser):
    """Collects (level, id, text) of h2/h3 elements with an id, skipping the ¶ anchor links."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[int, str, str]] = []
        self._current: list | None = None
        self._in_anchor = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("h2", "h3") and attrs.get("id"):
            self._current = [int(tag[1]), attrs["id"], ""]
        elif tag == "a" and "anchor-link" in (attrs.get("class") or ""):
            self._in_anchor = True

    def handle_endtag(self, tag):
        if tag == "a":
            self._in_anchor = False
        elif tag in ("h2", "h3") and self._current is not None:
            self.found.append((self._current[0], self._current[1], self._current[2].strip()))
            self._current = None

    def handle_data(self, data):
        if self._current is not None and not self._in_anchor:
            self._current[2] += data


_HEADING = re.compile(r"<h([23])[\s>].*?</h\1>", re.S)


def _toc(body: str, sprache: str) -> str:
    parser = _Headings()
    for heading in _HEADING.finditer(body):
        parser.feed(heading[0])  # only the headings: the page around them (plotly JSON) is most of its bytes
    if not parser.found:
        return ""
    items = "".join(
        f'<li class="im-toc-{level}"><a href="#{html.escape(anchor)}">{html.escape(text)}</a></li>'
        for level, anchor, text in parser.found
    )
    return f"<h2>{html.escape(t('briefing_toc', sprache))}</h2><ol>{items}</ol>"


class _BriefingExporter(HTMLExporter):
    """nbconvert's HTML export without its schema check after every preprocessor (14 full validations
    per page): papermill wrote the notebook validated, and the preprocessors here only drop cells."""

    def _validate_preprocessor(self, nbc, preprocessor):
        pass


@lru_cache(maxsize=None)
def _exporter(sprache: str) -> HTMLExporter:
    """One exporter per worker and language: compiling the templates costs more than exporting."""
    exporter = _BriefingExporter(
        template_name=TEMPLATE_NAME, extra_template_basedirs=[str(TEMPLATES_DIR)],
        exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True,
        language_code=sprache,
    )
    exporter.register_preprocessor(TagRemovePreprocessor(remove_cell_tags=HIDDEN_CELL_TAGS), enabled=True)
    exporter.register_preprocessor(_DropReaderIrrelevantOutputs(), enabled=True)
    exporter.register_filter("clean_markdown_output", clean_markdown_output)
    return exporter


def clean_markdown_output(rendered: str) -> str:
    """Markdown *outputs* are generated from data: keep the formatting tags helpers use, show
    anything else (``<script>``, ``<img onerror=…>``) as text instead of running it.

    nh3 (ammonia) sanitises attributes and URLs but drops unknown tags silently, so those are
    escaped to text first — the reader sees what the data said, as bleach showed it. A bare address in a text
    from data (a Gemeinde name carrying a URL) stays text: Markdown renderers link it on their own."""
    rendered = _LINK.sub(lambda m: m[2] if html.unescape(m[2]) in (html.unescape(m[1]),
                                                                   html.unescape(m[1]).removeprefix("mailto:")) else m[0],
                         rendered)
    shown = _ANY_TAG.sub(lambda m: m[0] if m[1].lower() in MARKDOWN_TAGS else html.escape(m[0], quote=False), rendered)
    return nh3.clean(shown, tags=MARKDOWN_TAGS, attributes=MARKDOWN_ATTRIBUTES, url_schemes=MARKDOWN_URL_SCHEMES,
                     link_rel=None, strip_comments=True)


def _created(moment: dt.datetime, sprache: str) -> str:
    return t("briefing_created_on", sprache, date=format_date(moment, sprache), time=f"{moment:%H:%M}")


def _data_as_of(stichtag: str | None, sprache: str) -> str:
    return t("briefing_data_as_of", sprache, date=format_date(stichtag, sprache))


def _to_root(sprache: str) -> str:
    """Relative path from a page of ``sprache`` to the top of its run folder."""
    return "../" * LANGUAGE_FOLDERS[sprache].count("/")


def imprint(version: str | None, sprache: str) -> str:
    """The line naming how and with which program version a page was made."""
    from helpers.fmt import MISSING

    return t("briefing_imprint", sprache, version=version or MISSING[sprache])


def _kreis_texts(ags: str | None, sprache: str) -> dict[str, object]:
    """The Kreis placeholders (``kreis``, ``n_kommunen`` …) for the Kreis of a briefing's region AGS."""
    return kreis_texts(region(ags[:5] if ags and len(ags) >= 5 else KREIS_AGS), sprache)


def _run_kreis(entries: list) -> str | None:
    """The AGS of the Kreis a (one-Kreis) set of entries belongs to, from their BRIEFING payloads."""
    return next(((e.briefing or {})["ags"][:5] for e in entries if len((e.briefing or {}).get("ags") or "") >= 5), None)


def export_html(nb: nbformat.NotebookNode, target: Path, *, created: dt.datetime, version: str | None) -> None:
    """Write the HTML briefing (in the notebook's ``sprache``) of an executed notebook to ``target``."""
    briefing = payloads.read(nb, payloads.BRIEFING) or {}
    sprache = briefing.get("sprache", "de")
    # the caller's notebook stays as executed; nbconvert deep-copies the cells itself
    nb = nbformat.NotebookNode({**nb, "metadata": nbformat.NotebookNode({**nb.metadata, "title": briefing.get("title") or target.stem})})
    context = {
        "plotly_js": _to_root(sprache) + PLOTLY_JS,
        "css": CSS_FILE.read_text(encoding="utf-8"),
        "site": t("briefing_site_title", sprache, **_kreis_texts(briefing.get("ags"), sprache)),
        "region": briefing.get("region", ""),
        "data_as_of": briefing.get("span") or _data_as_of(briefing.get("stichtag"), sprache),
        "created": _created(created, sprache),
        "sources": t("briefing_sources_note", sprache),
        "notes": briefing.get("data_notes", []),
        "imprint": imprint(version, sprache),
        "labels": {key: t(f"briefing_{key}", sprache) for key in ("toc", "sources", "notes")},
    }
    context["print_css"] = _running_heads(f"{context['region']} · {context['data_as_of']}", sprache)
    body, _ = _exporter(sprache).from_notebook_node(nb, resources={"im": context})
    write_atomic(target, body.replace(TOC_MARKER, _toc(body, sprache), 1))


def _css_string(text: str) -> str:
    """``text`` as a quoted CSS string that cannot end the string or the ``<style>`` element."""
    return '"' + "".join(c if c.isalnum() or c in " .,:;·–-()/" else f"\\{ord(c):x} " for c in text) + '"'


def _running_heads(head: str, sprache: str) -> str:
    """Printed header and footer on every A4 page: Kommune and Stand at the top, the page number
    ("Seite 3 von 9") at the bottom. CSS page-margin boxes: Chromium draws them in its own print
    and in page.pdf(), with no print dialog settings involved."""
    page = _css_string(t("briefing_page", sprache) + " ")
    of = _css_string(" " + t("briefing_page_of", sprache) + " ")
    box = "font: 8pt 'DejaVu Sans', Arial, sans-serif; color: #444;"
    return ("@page { @top-left { content: " + _css_string(head) + "; " + box + " }"
            " @bottom-right { content: " + page + " counter(page) " + of + " counter(pages); " + box + " } }")


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
    """The first key figures that every Kommune has, with their date when it is the same for all."""
    ids = list(by_profile[0]) if by_profile else []
    complete = [i for i in ids if all(i in p and p[i]["value"] is not None for p in by_profile)][:INDEX_COLUMNS]
    headers = []
    for i in complete:
        dates = {p[i]["date"] for p in by_profile}
        date = format_date(dates.pop(), sprache) if len(dates) == 1 and None not in dates else ""
        headers.append({"label": by_profile[0][i]["label"], "date": date})
    return complete, headers


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


def write_indexes(run_dir: Path, entries: list, *, created: dt.datetime, version: str | None) -> None:
    """One index.html per language of the run (German at the top, English in en/), each linking
    the other, and the German accessibility statement they both link."""
    languages = [s for s in LANGUAGE_FOLDERS if any(e.parameters.get("sprache", "de") == s for e in entries)]
    for sprache in languages:
        others = [{"href": _to_root(sprache) + LANGUAGE_FOLDERS[other] + "index.html",
                   "label": t("index_other_language", other), "lang": other} for other in languages if other != sprache]
        write_index(run_dir / LANGUAGE_FOLDERS[sprache], [e for e in entries if e.parameters.get("sprache", "de") == sprache],
                    created=created, sprache=sprache, version=version, others=others)
    page = _environment().get_template("barrierefreiheit.html.j2").render(
        t=partial(t, sprache="de", **_kreis_texts(_run_kreis(entries), "de")), css=CSS_FILE.read_text(encoding="utf-8"), created=_created(created, "de"),
        imprint=imprint(version, "de"))
    write_atomic(run_dir / ACCESSIBILITY_PAGE, page)


def write_index(run_dir: Path, entries: list, *, created: dt.datetime, sprache: str, version: str | None,
                others: list[dict] = ()) -> None:
    """index.html: every briefing of one language, relative links, key figures of the 16 Kommunen."""
    good = [e for e in entries if e.status != "failed"]
    profiles = [e for e in good if (e.briefing or {}).get("kind") == PROFILE_KIND and e.key_figures]
    by_profile = [{f["id"]: f for f in e.key_figures["figures"]} for e in profiles]
    figure_ids, columns = _index_columns(by_profile, sprache)
    rows = []
    for entry, figures in zip(profiles, by_profile):
        rows.append({
            "name": (entry.briefing or {}).get("region", entry.output),
            "href": _page_href(entry),
            "cells": [_index_cell(figures[i], column, sprache) if i in figures else format_figure(None, "", sprache)
                      for i, column in zip(figure_ids, columns)],
        })
    from helpers.data import update  # the last change report of `data update`

    stichtage = sorted(e.briefing["stichtag"] for e in good if (e.briefing or {}).get("stichtag"))
    failed = [e.output for e in entries if e.status == "failed"]
    kreis_ags = _run_kreis(entries)
    texts = _kreis_texts(kreis_ags, sprache)
    page = _environment().get_template("index.html.j2").render(
        lang=sprache,
        title=t("index_title", sprache, **texts),
        data_as_of=_data_as_of(stichtage[-1] if stichtage else None, sprache),
        created=_created(created, sprache),
        intro=t("index_intro", sprache),
        failed=t("index_failed", sprache, names=", ".join(failed)) if failed else "",
        news_heading=t("index_news_heading", sprache),
        news=_news(update.last_report(), sprache, kreis_ags),
        kreis_heading=t("index_kreis_heading", sprache, **texts),
        kreis_links=[{"href": _page_href(e), "title": (e.briefing or {}).get("title", e.output)}
                     for e in good if (e.briefing or {}).get("kind") != PROFILE_KIND],
        kommunen_heading=t("index_kommunen_heading", sprache, **texts),
        kommune_column=t("index_kommune_column", sprache),
        languages_label=t("index_languages", sprache),
        columns=columns,
        rows=rows,
        legend=marker_legend({p[i].get("status", "") for p in by_profile for i in figure_ids}, sprache),
        css=CSS_FILE.read_text(encoding="utf-8"),
        imprint=imprint(version, sprache),
        others=others,
        accessibility={"href": _to_root(sprache) + ACCESSIBILITY_PAGE, "label": t("index_accessibility", sprache)},
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
                     if (e.briefing or {}).get("kind") not in (None, PROFILE_KIND)), site)
        links.append({"href": f"{site}/index.html", "title": t("index_site_link", sprache, kreis=name, count=profiles)})
    failed = [e.output for e in entries if e.status == "failed"]
    page = _environment().get_template("index.html.j2").render(
        lang=sprache, title=t("index_sites_title", sprache), data_as_of="", created=_created(created, sprache),
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
