"""What a reader must see on a briefing page, as reusable checks (each returns a list of problems).

Used by the tests on a real batch run (test_briefings.py) and on the JupyterLab notebook view,
and proven able to fail by test_harness.py on small pages made to break each check.
"""
from __future__ import annotations

import contextlib
import re

# German number formats as helpers.fmt writes them: 41.655 · 17,3 % · −1.204 · +3,2 %
GERMAN_NUMBER = re.compile(r"^[+\u2212\-±]?\d{1,3}(\.\d{3})*(,\d+)?(\u00a0|\u202f| )?(%|‰)?$")
ENGLISH_THOUSANDS = re.compile(r"\d,\d{3}(?!\d)")  # 41,655 — a thousands comma in a German page
PERCENT_WITHOUT_SPACE = re.compile(r"\d%")  # 17,3% instead of 17,3 %
VISIBLE_CODE_MARKERS = ("Traceback (most recent call last)", "In\u00a0[", "In [", "Out[", "NameError", "KeyError:")

# Counts, per plotly chart, the drawn data: trace groups and SVG paths with geometry.
_CHART_SCRIPT = """
() => Array.from(document.querySelectorAll('.js-plotly-plot')).map((plot, i) => {
  const svg = plot.querySelector('svg.main-svg');
  const traces = plot.querySelectorAll('.trace');
  const paths = Array.from(plot.querySelectorAll('.plot path, .trace path, .barlayer path, .choroplethlayer path'))
    .filter(p => (p.getAttribute('d') || '').length > 4);
  const r = plot.getBoundingClientRect();
  return {index: i, id: plot.id, svg: !!svg, traces: traces.length, paths: paths.length,
          width: r.width, height: r.height,
          title: (plot.querySelector('.gtitle') || {}).textContent || ''};
})
"""


def chart_report(page) -> list[dict]:
    """One entry per ``.js-plotly-plot`` on the page: svg present, trace and path counts, size."""
    return page.evaluate(_CHART_SCRIPT)


def chart_problems(page, expect_at_least: int = 1) -> list[str]:
    """Every plotly chart must have drawn its SVG with data (not only axes)."""
    charts = chart_report(page)
    problems = []
    if len(charts) < expect_at_least:
        problems.append(f"expected at least {expect_at_least} plotly chart(s), found {len(charts)}")
    for chart in charts:
        if not chart["svg"]:
            problems.append(f"chart {chart['index']} ({chart['title']!r}): no svg.main-svg (plotly.js did not draw)")
        elif chart["traces"] == 0 or chart["paths"] == 0:
            problems.append(f"chart {chart['index']} ({chart['title']!r}): no data drawn "
                            f"(traces={chart['traces']}, paths={chart['paths']})")
        if chart["width"] < 100 or chart["height"] < 100:
            size = f"{chart['width']}x{chart['height']}"
            problems.append(f"chart {chart['index']} ({chart['title']!r}): too small ({size})")
    return problems


def wait_for_charts(page, timeout_ms: int = 20000) -> None:
    """Wait until every plotly div has its svg (or give up; chart_problems then says which)."""
    with contextlib.suppress(Exception):  # the checks report the details
        page.wait_for_function(
            "() => Array.from(document.querySelectorAll('.js-plotly-plot'))"
            ".every(p => p.querySelector('svg.main-svg'))",
            timeout=timeout_ms,
        )


def visible_code_problems(page) -> list[str]:
    """A reader must see neither code, prompts nor tracebacks."""
    text = page.inner_text("body")
    problems = [f"visible text contains {marker!r}" for marker in VISIBLE_CODE_MARKERS if marker in text]
    code_blocks = page.evaluate(
        """() => Array.from(document.querySelectorAll(
              '.jp-InputArea, .input_area, .jp-InputPrompt, .prompt, pre.highlight, div.highlight, '
              + 'code.language-python'))
            .filter(e => e.offsetParent !== null).length"""
    )
    if code_blocks:
        problems.append(f"{code_blocks} visible code/prompt element(s)")
    if "application/vnd.plotly.v1+json" in text or "is not able to be represented" in text:
        problems.append("a chart was dropped by the exporter (plotly mimetype text visible)")
    return problems


NUMBER_CELL = re.compile(r"^[+\u2212\-±]?\s*\d[\d.,\s\u00a0\u202f]*(%|‰)?[\u00b9\u00b2\u00b3\u2070-\u2079*]*$")


def number_cells(page, table_selector: str) -> list[str]:
    """The text of every table cell that is a number (footnote marks stripped); labels, dates,
    table codes inside text and URLs are not numbers a reader compares."""
    cells = page.eval_on_selector_all(f"{table_selector} td", "cells => cells.map(c => c.innerText.trim())")
    numbers = [re.sub(r"[\u00b9\u00b2\u00b3\u2070-\u2079*]+$", "", c) for c in cells if NUMBER_CELL.match(c)]
    return [c for c in numbers if not re.fullmatch(r"\d{2}\.\d{2}\.\d{4}", c)]


def german_number_problems(cells: list[str]) -> list[str]:
    """Each numeric cell must read like helpers.fmt output: 41.655 / 17,3 % — never 41,655 or 17,3%."""
    problems = []
    for cell in cells:
        for token in re.findall(r"[+\u2212\-±]?\d[\d.,]*(?:[\u00a0\u202f ]?%)?", cell):
            if re.fullmatch(r"\d{2}\.\d{2}\.\d{4}", token) or re.fullmatch(r"(19|20)\d{2}", token):
                continue  # a date or a year
            if not GERMAN_NUMBER.match(token):
                problems.append(f"not a German number: {token!r} in cell {cell!r}")
        if PERCENT_WITHOUT_SPACE.search(cell):
            problems.append(f"percent sign without space: {cell!r}")
        if ENGLISH_THOUSANDS.search(cell):
            # key figures carry at most two decimals, so "41,655" is an English thousands comma
            problems.append(f"English thousands separator: {cell!r}")
    return problems


_PAGE_OBJECT = re.compile(rb"/Type\s*/Page(?![s\w])")


# The text area of an A4 page at 96 dpi (210 x 297 mm less the 12 mm margins of briefing.css):
# with print styles at this width the page is laid out as on paper.
A4_TEXT_AREA = {"width": 703, "height": 1032}
# Plotly relayouts a responsive chart 100 ms after a window resize; awaiting its own resize of every chart
# is done as soon as the charts are laid out anew (no fixed sleep that a busy machine outlasts).
_RELAYOUT_CHARTS = """() => window.Plotly ? Promise.all(Array.from(document.querySelectorAll('.js-plotly-plot'))
  .map(plot => window.Plotly.Plots.resize(plot).catch(() => null))) : null"""


def lay_out_for_print(page) -> None:
    """The page as printed on A4: print styles, the width of the text area, charts laid out for it."""
    page.emulate_media(media="print")
    page.set_viewport_size(A4_TEXT_AREA)
    page.evaluate(_RELAYOUT_CHARTS)


def pdf_page_count(pdf: bytes) -> int:
    """Pages of a PDF written by Chromium (Skia writes one ``/Type /Page`` object per page)."""
    assert pdf.startswith(b"%PDF"), "not a PDF"
    return len(_PAGE_OBJECT.findall(pdf))


# Per chart: the boxes of legend, title, axis titles, x tick labels and each annotation (source
# line, notes, break labels, panel titles) as the browser laid them out; any two that intersect
# are an overlap.
_OVERLAP_SCRIPT = """
() => Array.from(document.querySelectorAll('.js-plotly-plot')).flatMap((plot, i) => {
  const title = (plot.querySelector('.gtitle') || {}).textContent || `chart ${i}`;
  const parts = [];
  const add = (name, element) => {
    if (!element) return;
    const r = element.getBoundingClientRect();
    if (r.width > 0 && r.height > 0) parts.push({name, r});
  };
  add('legend', plot.querySelector('g.legend'));
  add('title', plot.querySelector('.g-gtitle'));
  plot.querySelectorAll('.g-xtitle, .g-x2title').forEach(e => add('x-axis title', e));
  plot.querySelectorAll('.g-ytitle').forEach(e => add('y-axis title', e));
  plot.querySelectorAll('g.xaxislayer-above').forEach(e => add('x tick labels', e));
  plot.querySelectorAll('g.annotation').forEach(e => add(`annotation "${e.textContent.slice(0, 40)}"`, e));
  const found = [];
  // The plot area keeps clear of title, legend and axis titles; nothing sticks out of the chart (cut off).
  const area = plot.querySelector('.nsewdrag');
  if (area) {
    const r = area.getBoundingClientRect();
    const framing = parts.filter(p => p.name === 'title' || p.name === 'legend' || p.name.endsWith('axis title'));
    for (const part of framing) {
      const w = Math.min(r.right, part.r.right) - Math.max(r.left, part.r.left);
      const h = Math.min(r.bottom, part.r.bottom) - Math.max(r.top, part.r.top);
      const size = `${Math.round(w)}x${Math.round(h)} px`;
      if (w > 1 && h > 1) found.push(`${title}: ${part.name} overlaps the plot area (${size})`);
    }
  }
  const frame = (plot.querySelector('svg.main-svg') || plot).getBoundingClientRect();
  for (const part of parts) {
    const out = Math.max(frame.left - part.r.left, part.r.right - frame.right,
                         frame.top - part.r.top, part.r.bottom - frame.bottom);
    if (out > 2) found.push(`${title}: ${part.name} is cut off (${Math.round(out)} px outside the chart)`);
  }
  for (let a = 0; a < parts.length; a++) for (let b = a + 1; b < parts.length; b++) {
    const p = parts[a].r, q = parts[b].r;
    const w = Math.min(p.right, q.right) - Math.max(p.left, q.left);
    const h = Math.min(p.bottom, q.bottom) - Math.max(p.top, q.top);
    const size = `${Math.round(w)}x${Math.round(h)} px`;
    if (w > 1 && h > 1) found.push(`${title}: ${parts[a].name} overlaps ${parts[b].name} (${size})`);
  }
  return found;
})
"""


def overlap_problems(page) -> list[str]:
    """Legend, title, axis titles, tick labels and annotations of every chart must not cover each other nor
    the plot area, nor stick out of the chart."""
    return page.evaluate(_OVERLAP_SCRIPT)


BKG_ATTRIBUTION = "© GeoBasis-DE / BKG (Daten verändert), dl-de/by-2-0"

_MAP_SCRIPT = """
() => Array.from(document.querySelectorAll('.js-plotly-plot')).map(plot => ({
  title: (plot.querySelector('.gtitle') || {}).textContent || '',
  text: Array.from(plot.querySelectorAll('g.annotation')).map(a => a.textContent).join(' '),
  fills: plot.querySelectorAll('.scatterlayer .js-fill').length,
})).filter(chart => /GeoBasis|Ortsmitten|town centres|Schemati/.test(chart.text))
"""


def map_problems(page, expect_at_least: int = 0, areas: int = 16) -> list[str]:
    """Every map draws the real boundaries of its Kreis's ``areas`` Kommunen (not the schematic squares) with
    the BKG attribution."""
    maps = page.evaluate(_MAP_SCRIPT)
    problems = [] if len(maps) >= expect_at_least else [f"expected {expect_at_least} map(s), found {len(maps)}"]
    for chart in maps:
        if chart["fills"] < areas:
            problems.append(f"map {chart['title']!r}: {chart['fills']} areas drawn instead of {areas} (schematic map?)")
        # A line break inside the attribution (a compact map's source line wraps) joins its words in textContent.
        if re.sub(r"\s", "", BKG_ATTRIBUTION) not in re.sub(r"\s", "", chart["text"]):
            problems.append(f"map {chart['title']!r}: no BKG attribution under it: {chart['text'][:200]!r}")
    return problems


_CHART_NAME_SCRIPT = """
() => Array.from(document.querySelectorAll('.js-plotly-plot')).map((plot, i) => {
  const image = plot.closest('[role="img"]');
  const title = (plot.querySelector('.gtitle') || {}).textContent || `chart ${i}`;
  if (!image || !(image.getAttribute('aria-label') || '').trim())
    return `${title}: no accessible name (role="img" + aria-label)`;
  const described = document.getElementById(image.getAttribute('aria-describedby') || '');
  if (!described || described.textContent.trim().split(/\\s+/).length < 4) return `${title}: no text description`;
  const table = image.closest('figure').querySelector('details.im-chart-table');
  if (table && !described.textContent.includes(table.querySelector('summary').textContent.trim()))
    return `${title}: description does not point to its table`;
  return null;
}).filter(Boolean)
"""


def chart_name_problems(page) -> list[str]:
    """Every chart is one image for screen readers with a name, a one-sentence description, and
    (where it has one) a pointer to its table "Zahlen zur Grafik"."""
    return page.evaluate(_CHART_NAME_SCRIPT)


WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def axe_violations(page, skip: tuple[str, ...] = ()) -> list[str]:
    """axe-core's WCAG 2.1 A/AA rules on the page as it is now (but the rules in ``skip``): one line per rule
    and element."""
    from axe_playwright_python.sync_playwright import Axe

    options = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"],
               "rules": {rule: {"enabled": False} for rule in skip}}
    results = Axe().run(page, options=options)
    return [f"{v['id']} ({v['impact']}): {node['target']} {node['failureSummary'][:160]!r}"
            for v in results.response["violations"] for node in v["nodes"]]


# Rankings (helpers.presentation.charts.dots, meta kind "ranking"): the tick labels the browser drew.
_RANKING_TICKS_SCRIPT = """
() => Array.from(document.querySelectorAll('.js-plotly-plot'))
  .filter(plot => plot.layout && plot.layout.meta && plot.layout.meta.kind === 'ranking')
  .map(plot => ({title: (plot.querySelector('.gtitle') || {}).textContent || '',
                 ticks: Array.from(plot.querySelectorAll('g.ytick text')).filter(t => t.textContent.trim()).length}))
"""


def ranking_ticks(page) -> list[dict]:
    """Per ranking chart: its title and how many place names the browser shows on its axis."""
    return page.evaluate(_RANKING_TICKS_SCRIPT)


DATE = re.compile(r"\b\d{1,2}\.\d{1,2}\.(?:\d{4})?")
# In German text: a decimal point ("10.5", "0.0") or more than two decimals ("28,8775"); a dot before three
# digits is the thousands separator ("53.028").
BAD_GERMAN_NUMBER = re.compile(r"\d\.\d{1,2}(?!\d)|\d\.\d{4,}|\d,\d{3,}")


def description_number_problems(page) -> list[str]:
    """The hidden one-sentence chart descriptions whose numbers a German reader would misread."""
    texts = page.eval_on_selector_all("figure.im-chart figcaption", "nodes => nodes.map(n => n.textContent)")
    return [text for text in texts if BAD_GERMAN_NUMBER.search(DATE.sub("", text))]
