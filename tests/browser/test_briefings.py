"""The HTML briefings of a real `briefings --all` run, as a committee member sees them in Chromium.

Why: nbconvert, plotly and the template can each silently drop a chart, leak code or a
traceback, fetch from a CDN, or print 80 pages; only a real browser shows it. Every page is
opened once, offline (non-local requests blocked), from the run folder as from a USB stick;
what it shows is recorded, and each test below asserts one kind of protection on the record.
With ``--sample-pages`` (make test-fast) the pages are those of a run of Kleve alone (its profile,
the overview, the comparison, the index; German and English): one page of each kind and language;
the tests that need every page skip.
"""
from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from helpers.kommunen import region
from tests import expected
from tests.browser import checks

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("full_run")]

KINDS = ["index", "kommune", "kommune_kurz", "kreis_uebersicht", "kommunen_vergleich"]
LANGUAGES = ["de", "en"]
# A committee member reads in five minutes: a Kommune profile, the Kreis overview and the
# index stay short; the comparison covers every indicator for all Kommunen (issue 28's budgets).
# the full profile holds 'Wo steht' and the goals since issue 27 (Weeze, with its two reception-facility facts and
# their sources, prints 9 pages); the two-page short version ("kommune_kurz") is the quick read
MAX_PDF_PAGES = {"index": 3, "kommune": 9, "kommune_kurz": 2, "kreis_uebersicht": 6, "kommunen_vergleich": 10}
SUMMARY_BOTTOM = """() => { const table = document.querySelector('main table.im-placing');
  return table ? table.getBoundingClientRect().bottom + window.scrollY : null; }"""
RAW_TAG = re.compile(r"</?(small|div|span|br|b|i|p|sup|sub|table|td|tr|strong|em|a)\b[^>]*>")
# tables wider than the text column are cut off on screen (scroll box) and in print
WIDE_TABLES = """() => { const main = document.querySelector('main') || document.body;
  const width = main.getBoundingClientRect().width;
  return Array.from(document.querySelectorAll('table')).filter(t => t.getBoundingClientRect().width > width + 2)
    .map(t => { const name = ((t.querySelector('th') || {}).innerText || '').trim() || 'table';
      return `${name}: ${Math.round(t.getBoundingClientRect().width)} px > ${Math.round(width)} px`; }); }"""
# axe rules whose result an English page shares with its German twin (same stylesheet, same chart colours); the
# colour-contrast rule is half of axe's time on a page with charts.
SAME_IN_EVERY_LANGUAGE = ("color-contrast",)
INSTRUCTIONS = re.compile(r"[^.\n]*(?:Run All|folgenden Zelle|Parameter:)[^.\n]*")


def _kind(path: Path) -> str:
    if path.name.startswith("kommune_"):
        return "kommune_kurz" if path.stem.endswith("_kurz") else "kommune"
    return path.stem


def _language(name: str) -> str:
    return "en" if name.startswith("en/") else "de"


def _title_for(path: Path) -> str:
    """What the title must name: the Kommune (from the AGS in the file name) or the Kreis."""
    match = re.match(r"kommune_(\d{8})_", path.name)
    if match:
        return region(match.group(1)).name
    kreis_pages = {"kreis_uebersicht": "Kreis Kleve", "kommunen_vergleich": "16 Kommunen"}
    return kreis_pages.get(path.stem, "Integrationsmonitor")


def _page_opener(context):
    """``open_page()`` -> a new page of ``context`` and the record of what went wrong on it. Non-local
    requests of every page are blocked (and counted for the page opened last). Closures: Playwright passes
    handlers as many arguments as they declare, so no default-argument tricks."""
    from tests.browser.conftest import is_local

    current: dict = {}

    def route(route):
        if is_local(route.request.url):
            route.continue_()
        else:
            current["blocked"].append(route.request.url)
            route.abort("blockedbyclient")

    def open_page():
        record = {"blocked": [], "console": [], "page_errors": [], "failed": []}
        current.update(record)
        page = context.new_page()
        page.on("console", lambda message: message.type == "error" and record["console"].append(message.text))
        page.on("pageerror", lambda error: record["page_errors"].append(str(error)))
        page.on("requestfailed", lambda request: is_local(request.url) and record["failed"].append(
            f"{request.url} ({request.failure})"))
        return page, record

    context.route("**/*", route)
    return open_page


def _sampled(request) -> bool:
    return request.config.getoption("--sample-pages")


def _needs_every_page(request) -> None:
    if _sampled(request):
        pytest.skip("needs every page of the run; --sample-pages opens one per kind (make test opens all)")


@pytest.fixture(scope="module")
def pages_run(request) -> Path:
    """The run whose pages are opened: the full run, or with --sample-pages the run of Kleve alone."""
    return request.getfixturevalue("kleve_run" if _sampled(request) else "full_run")


@pytest.fixture(scope="module")
def seen(pages_run, browser, screenshot_dir) -> dict[str, dict]:
    """Open every page of the run once and record what a reader gets (one record per file)."""
    records = {}
    shot = set()
    # one context, a fresh page for each file: the pages keep no state, and a context costs 0.15 s to make
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="de-DE", service_workers="block")
    open_page = _page_opener(context)
    for path in sorted(pages_run.glob("*.html")) + sorted(pages_run.glob("en/*.html")):
        name = path.relative_to(pages_run).as_posix()
        page, record = open_page()
        response = page.goto(path.as_uri())
        checks.wait_for_charts(page)
        body = page.inner_text("body")
        main = page.inner_text("main") if page.locator("main").count() else body
        record.update(
            ok=response is None or response.ok,
            title=page.title(),
            charts=checks.chart_report(page),
            chart_problems=checks.chart_problems(page, expect_at_least=0 if _kind(path) in ("index", "kommune_kurz")
                                                 else 1),
            code_problems=checks.visible_code_problems(page),
            number_problems=checks.german_number_problems(
                checks.number_cells(page, "table.im-table") + checks.number_cells(page, "table.im-index")),
            key_table=(expected.normalise(page.inner_text("table.im-key-figures"))
                       if page.locator("table.im-key-figures").count() else ""),
            raw_tags=sorted(set(RAW_TAG.findall(body))),
            instructions=INSTRUCTIONS.findall(main),
            hrefs=page.eval_on_selector_all("a[href]", "links => links.map(a => a.getAttribute('href'))"),
            broken_anchors=page.evaluate(
                """() => Array.from(document.querySelectorAll('a[href^="#"]')).map(a => a.getAttribute('href').slice(1))
                     .filter(id => id && !document.getElementById(id)
                                   && !document.getElementById(decodeURIComponent(id)))"""),
            wide_tables=page.evaluate(WIDE_TABLES),
            lang=page.get_attribute("html", "lang"),
            chart_names=checks.chart_name_problems(page),
            maps=checks.map_problems(page, expect_at_least=1 if _kind(path) == "kommune" else 0),
            overlaps=checks.overlap_problems(page),
            ranking_ticks=checks.ranking_ticks(page),
            description_numbers=checks.description_number_problems(page) if _language(name) == "de" else [],
            axe=checks.axe_violations(page, skip=SAME_IN_EVERY_LANGUAGE if _language(name) == "en" else ()),
        )
        kind = _kind(path)
        shot_name = kind if _language(name) == "de" else f"{kind}_en"
        if shot_name not in shot and (kind != "kommune" or path.name.startswith("kommune_05154036")):
            page.screenshot(path=str(screenshot_dir / f"{shot_name}.png"), full_page=True)
            shot.add(shot_name)
        record["pdf_pages"] = checks.pdf_page_count(page.pdf(format="A4", print_background=True))
        checks.lay_out_for_print(page)
        record["print_overlaps"] = checks.overlap_problems(page)
        record["summary_bottom"] = page.evaluate(SUMMARY_BOTTOM)
        records[name] = record
        page.close()
    context.close()
    print("\nA4 pages: " + ", ".join(f"{name}={r['pdf_pages']}" for name, r in records.items()))
    return records


def _of(seen: dict, kind: str, language: str = "de") -> dict[str, dict]:
    selected = {name: r for name, r in seen.items() if _kind(Path(name)) == kind and _language(name) == language}
    assert selected, f"no {kind} page ({language}) in the run"
    return selected


def _assert_none(seen: dict, kind: str, key: str, language: str = "de") -> None:
    found = {name: r[key] for name, r in _of(seen, kind, language).items() if r[key]}
    assert not found, "\n".join(f"{name}: {value}" for name, value in found.items())


def test_run_has_every_briefing(seen, request):
    """The checks below ran on the whole run: 16 Kommunen, the two Kreis briefings, the index,
    in German and in English."""
    _needs_every_page(request)
    for language in LANGUAGES:
        assert len(_of(seen, "kommune", language)) == len(_of(seen, "kommune_kurz", language)) == 16
    assert {"index.html", "kreis_uebersicht.html", "kommunen_vergleich.html"} <= set(seen)
    assert {"en/index.html", "en/kreis_uebersicht.html", "en/kommunen_vergleich.html"} <= set(seen)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", KINDS)
def test_page_language_is_declared(seen, kind, language):
    """Screen readers pick their voice from <html lang>: 18 English pages say "en", German "de"."""
    wrong = {n: r["lang"] for n, r in _of(seen, kind, language).items() if r["lang"] != language}
    assert not wrong


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", KINDS)
def test_no_axe_violations(seen, kind, language):
    """axe-core, WCAG 2.1 A and AA rules: zero violations on every page, German and English (an English page
    without the colour-contrast rule: its colours and styles are those of its German twin, checked above)."""
    _assert_none(seen, kind, "axe", language)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", KINDS[1:])
def test_every_chart_has_an_accessible_name_and_description(seen, kind, language):
    _assert_none(seen, kind, "chart_names", language)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", KINDS[1:])
def test_maps_draw_the_shipped_boundaries_with_attribution(seen, kind, language):
    """Fresh clone, empty map cache (see full_run): every profile's map and every other map is
    drawn from the shipped VG250 boundaries, with the BKG attribution under it."""
    _assert_none(seen, kind, "maps", language)


@pytest.mark.parametrize("media", ["overlaps", "print_overlaps"])
@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", KINDS[1:])
def test_nothing_in_a_chart_overlaps(seen, kind, language, media):
    """Legend, title, axis titles, source line and notes of every chart keep clear of each other,
    at screen width and laid out for A4 print."""
    _assert_none(seen, kind, media, language)


def test_chart_tables_open_with_the_keyboard(pages_run, open_page):
    """"Zahlen zur Grafik" is reachable with Tab and opens with Enter (a native details/summary)."""
    watched = open_page()
    watched.page.goto((pages_run / "kommune_05154036_kleve.html").as_uri())
    summary = watched.page.locator("details.im-chart-table > summary").first
    for _ in range(200):  # Tab through the page until the first chart table's summary has focus
        watched.page.keyboard.press("Tab")
        if summary.evaluate("element => element === document.activeElement"):
            break
    else:
        pytest.fail("no chart table reachable with Tab")
    watched.page.keyboard.press("Enter")
    assert summary.evaluate("element => element.parentElement.open")
    assert watched.page.locator("details.im-chart-table[open] table").first.is_visible()


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_ranking_names_every_kommune(seen, language):
    """Each ranking of the comparison shows the name of each of the Kreis's 16 Kommunen on screen
    (plotly thins crowded tick labels by itself: once only 8 of 16 were shown)."""
    [record] = _of(seen, "kommunen_vergleich", language).values()
    assert len(record["ranking_ticks"]) >= 10
    short = [r for r in record["ranking_ticks"] if r["ticks"] != 16]
    assert not short, short


@pytest.mark.parametrize("kind", KINDS[1:])
def test_chart_descriptions_print_german_numbers(seen, kind):
    """No description a screen reader gets has a decimal point or more than two decimals."""
    _assert_none(seen, kind, "description_numbers")


@pytest.mark.parametrize("kind", KINDS)
def test_offline_without_errors(seen, kind):
    """No request leaves the machine (a CDN would be blocked), no console or page error, no broken file."""
    for key in ("blocked", "console", "page_errors", "failed"):
        _assert_none(seen, kind, key)
    assert all(r["ok"] for r in _of(seen, kind).values())


@pytest.mark.parametrize("kind", KINDS)
def test_title_names_the_region(seen, kind):
    """The browser tab and the printed header say which Kommune or Kreis the briefing is about."""
    wrong = {n: r["title"] for n, r in _of(seen, kind).items() if _title_for(Path(n)) not in r["title"]}
    assert not wrong


@pytest.mark.parametrize("kind", KINDS[1:])
def test_every_chart_rendered(seen, kind):
    """Each .js-plotly-plot has its svg.main-svg with data traces drawn (not an empty frame)."""
    _assert_none(seen, kind, "chart_problems")


@pytest.mark.parametrize("kind", KINDS)
def test_no_visible_code_or_traceback(seen, kind):
    """No input cells, prompts, tracebacks or dropped-chart placeholders reach the reader."""
    _assert_none(seen, kind, "code_problems")


@pytest.mark.parametrize("kind", KINDS)
def test_numbers_are_german(seen, kind):
    """Key-figure and index tables: thousands dot, decimal comma, percent with a space."""
    _assert_none(seen, kind, "number_problems")


@pytest.mark.parametrize("kind", KINDS)
def test_table_of_contents_links_resolve(seen, kind):
    """Every in-page link (table of contents) lands on a heading."""
    _assert_none(seen, kind, "broken_anchors")


@pytest.mark.parametrize("kind", KINDS)
def test_no_html_tags_shown_as_text(seen, kind):
    """Markup escaped twice shows up as literal '<small>' for the reader."""
    _assert_none(seen, kind, "raw_tags")


@pytest.mark.parametrize("kind", KINDS)
def test_no_notebook_instructions(seen, kind):
    """A committee member cannot edit cells: researcher instructions do not belong in a briefing."""
    _assert_none(seen, kind, "instructions")


@pytest.mark.parametrize("kind", KINDS)
def test_tables_fit_the_page(seen, kind):
    """A table wider than the text column is cut off in print and needs sideways scrolling on screen."""
    _assert_none(seen, kind, "wide_tables")


@pytest.mark.parametrize("kind", KINDS)
def test_prints_to_a_sensible_number_of_a4_pages(seen, kind):
    """Print (A4) stays readable in about ten minutes: no chart-data tables or toolbars on paper,
    charts scaled to the page, no half-empty pages from outputs kept whole."""
    limit = MAX_PDF_PAGES[kind]
    too_long = {n: r["pdf_pages"] for n, r in _of(seen, kind).items() if not 1 <= r["pdf_pages"] <= limit}
    assert not too_long, f"A4 pages outside 1-{limit}: {too_long}"


def test_first_printed_page_of_a_profile_holds_the_summary(seen):
    """Title, dates and the table of "Wo steht <Kommune>?" end on page 1."""
    page_height = checks.A4_TEXT_AREA["height"]
    late = {n: r["summary_bottom"] for n, r in _of(seen, "kommune").items()
            if r["summary_bottom"] is None or r["summary_bottom"] > page_height}
    assert not late, f"'Wo steht' table ends below page 1 (px from the top, page = {page_height}): {late}"


def test_index_links_open_existing_briefings(pages_run, seen, open_page):
    """Every href of index.html resolves to a file of this run, every briefing is linked, and a
    real click on a link opens it."""
    local = [h for h in seen["index.html"]["hrefs"] if not h.startswith("#")]
    missing = [h for h in local if not (pages_run / unquote(urlparse(h).path)).is_file()]
    assert not missing, f"links to missing files: {missing}"
    assert "en/index.html" in local, "no link to the English version"
    written = {p.name for p in pages_run.glob("*.html")} - {"index.html"}
    assert written <= {unquote(urlparse(h).path) for h in local}, "briefings not linked from the index"
    watched = open_page()
    for href in ["kreis_uebersicht.html", "kommunen_vergleich.html", "kommune_05154036_kleve.html"]:
        watched.page.goto((pages_run / "index.html").as_uri())
        watched.page.click(f"a[href='{href}']")
        watched.page.wait_for_load_state("load")
        assert Path(unquote(urlparse(watched.page.url).path)).name == href
        assert watched.page.title() == seen[href]["title"]


@pytest.mark.parametrize("ags", ["05154036", "05154008", "05154048"])
def test_key_figures_match_the_data(seen, ags, request):
    """The key-figure table of a Kommune briefing shows the key figures the helpers compute from data,
    formatted with helpers.fmt (Kleve = default, Emmerich = odd name, Rheurdt = smallest)."""
    if ags != "05154036":
        _needs_every_page(request)
    name = next(n for n in seen if n.startswith(f"kommune_{ags}_"))
    wanted = expected.key_figure_strings(ags)
    assert wanted, "no key figures computed from data"
    missing = {k: v for k, v in wanted.items() if v not in seen[name]["key_table"]}
    assert not missing, f"{name}: missing from the key-figure table: {missing}\n{seen[name]['key_table']}"
