"""Executed notebook → German HTML briefing (nbconvert; only the workers that execute notebooks import it).

The briefing is nbconvert's JupyterLab export without code, prompts, papermill's injected
parameters (papermill#416), the private payloads and stderr, wrapped in the project template
(``templates/briefing``): header with region and dates, a table of contents built from the
headings, a sources and licence footer. Charts are plotly divs without plotly.js; every page with a chart
loads ``plotly.min.js`` from its own folder, copied once per run (no internet needed; ``pages``).
"""
from __future__ import annotations

import datetime as dt
import html
import re
from functools import cache
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import nh3
from nbconvert.exporters import HTMLExporter, TemplateExporter
from nbconvert.filters.highlight import Highlight2HTML
from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter
from nbconvert.preprocessors import Preprocessor, TagRemovePreprocessor

from helpers.i18n import t
from helpers.paths import TEMPLATES_DIR
from helpers.presentation import payloads
from helpers.run.pages import (
    CSS_FILE,
    PLOTLY_JS,
    created_line,
    data_as_of,
    imprint,
    region_kreis_texts,
    to_root,
    write_atomic,
)

TEMPLATE_NAME = "briefing"
CHART_CALL = "Plotly.newPlot"  # what the div of every chart runs (helpers.presentation.charts.figure_bundle)
TOC_MARKER = "<!--IM-TOC-->"
# "lab-only": the notebooks' first cell tells JupyterLab users how to change parameters — not for readers.
HIDDEN_CELL_TAGS = {"injected-parameters", "parameters", "lab-only"}
MARKDOWN_TAGS = {"a", "abbr", "b", "blockquote", "br", "code", "del", "details", "div", "em", "h1", "h2", "h3", "h4",
                 "h5", "h6", "hr", "i", "li", "ol", "p", "pre", "small", "span", "strong", "sub", "summary", "sup",
                 "table", "tbody", "td", "th", "thead", "tr", "ul"}
MARKDOWN_ATTRIBUTES = {"*": {"class", "id", "title"}, "a": {"href", "class", "title"},
                       "td": {"align", "colspan", "rowspan"}, "th": {"align", "colspan", "rowspan"}}
MARKDOWN_URL_SCHEMES = {"http", "https", "mailto"}
_ANY_TAG = re.compile(r"</?([A-Za-z][^\s/>]*)[^>]*>")
_LINK = re.compile(r'<a href="([^"]*)"[^>]*>(.*?)</a>', re.S)
# the opening tag of every output area (the lab template's, always with class first and double quotes)
_OUTPUT_AREA = re.compile(r'(<div (?:id="[^"]*" )?class="[^"]*\bjp-OutputArea-output\b[^>]*?)\s*>')


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
    """nbconvert's HTML export without what it does again after its own deep copy of the notebook: a
    second deep copy, a normalisation and a schema check after every preprocessor (14 full validations
    per page). papermill wrote the notebook validated, and the preprocessors here only drop cells."""

    def _preprocess(self, nb, resources):
        for preprocessor in self._preprocessors:
            nb, resources = preprocessor(nb, resources)
        return nb, resources

    def from_notebook_node(self, nb, resources=None, **kw):
        """``HTMLExporter.from_notebook_node`` without its BeautifulSoup round trip, 30 of an export's 50 ms of CPU.

        That pass parses the whole page and writes it out again only to give every output area
        ``tabindex="0"`` (so a keyboard reaches a wide table's scroll bar) and every ``<img>`` without
        ``alt`` a placeholder; on the way it rewrites the markup (attribute order, ``<br/>``, entities),
        not what a browser builds of it. The tabindex is set here on the template's output areas; our
        briefings have no ``<img>`` (charts are plotly divs, and Markdown from data allows no image tag).
        """
        language = nb.metadata.get("language_info", {})
        lexer = language.get("pygments_lexer", language.get("name", None))
        self.register_filter("highlight_code", self.filters.get("highlight_code",
                                                                Highlight2HTML(pygments_lexer=lexer, parent=self)))
        resources = self._init_resources(resources)
        self.register_filter("filter_data_type", WidgetsDataTypeFilter(
            notebook_metadata=self._nb_metadata, parent=self, resources=resources))
        body, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
        return _OUTPUT_AREA.sub(r'\1 tabindex="0">', body), resources


@cache
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
    rendered = _LINK.sub(lambda m: m[2] if html.unescape(m[2]) in (
        html.unescape(m[1]), html.unescape(m[1]).removeprefix("mailto:")) else m[0], rendered)
    shown = _ANY_TAG.sub(lambda m: m[0] if m[1].lower() in MARKDOWN_TAGS else html.escape(m[0], quote=False), rendered)
    return nh3.clean(shown, tags=MARKDOWN_TAGS, attributes=MARKDOWN_ATTRIBUTES, url_schemes=MARKDOWN_URL_SCHEMES,
                     link_rel=None, strip_comments=True)


def export_html(nb: nbformat.NotebookNode, target: Path, *, created: dt.datetime, version: str | None) -> None:
    """Write the HTML briefing (in the notebook's ``sprache``) of an executed notebook to ``target``."""
    nb, resources = page_input(nb, target.stem, created=created, version=version)
    body, _ = _exporter(resources["im"]["sprache"]).from_notebook_node(nb, resources=resources)
    write_atomic(target, body.replace(TOC_MARKER, _toc(body, resources["im"]["sprache"]), 1))


def page_input(nb: nbformat.NotebookNode, name: str, *, created: dt.datetime,
               version: str | None) -> tuple[nbformat.NotebookNode, dict]:
    """The notebook titled for the page (``name`` without a briefing title) and the resources the
    ``briefing`` template reads (``im``)."""
    briefing = payloads.read(nb, payloads.BRIEFING) or {}
    sprache = briefing.get("sprache", "de")
    # the caller's notebook stays as executed; nbconvert deep-copies the cells itself
    metadata = nbformat.NotebookNode({**nb.metadata, "title": briefing.get("title") or name})
    nb = nbformat.NotebookNode({**nb, "metadata": metadata})
    context = {
        "sprache": sprache,
        "plotly_js": to_root(sprache) + PLOTLY_JS if draws_charts(nb) else None,
        "css": CSS_FILE.read_text(encoding="utf-8"),
        "site": t("briefing_site_title", sprache, **region_kreis_texts(briefing.get("ags"), sprache)),
        "region": briefing.get("region", ""),
        "data_as_of": briefing.get("span") or data_as_of(briefing.get("stichtag"), sprache),
        "created": created_line(created, sprache),
        "sources": t("briefing_sources_note", sprache),
        "notes": briefing.get("data_notes", []),
        "imprint": imprint(version, sprache),
        "labels": {key: t(f"briefing_{key}", sprache) for key in ("toc", "sources", "notes")},
    }
    context["print_css"] = _running_heads(f"{context['region']} · {context['data_as_of']}", sprache)
    return nb, {"im": context}


def draws_charts(nb: nbformat.NotebookNode) -> bool:
    """Whether the page needs plotly.js: without a chart (the two-page short version) loading its 3.6 MB would
    only delay opening and printing (1.3 s against 0.3 s per page in Chromium on a 2-core machine)."""
    for cell in nb.cells:
        for output in cell.get("outputs", ()):
            markup = output.get("data", {}).get("text/html", "")
            if CHART_CALL in ("".join(markup) if isinstance(markup, list) else markup):
                return True
    return False


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


