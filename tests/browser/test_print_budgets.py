"""The largest Kreis printed: the Kreis with the most Gemeinden (Steinfurt, 24) stays within the page
budgets of Kreis Kleve (the short version of a profile in two A4 pages, German and English), its
rankings name all 24 Kommunen, and no chart text overlaps or is cut off, on screen and laid out for A4
(the Kleve pages: test_briefings.py)."""
from __future__ import annotations

import pytest

from helpers.kommunen import kommunen, kreis, kreise
from tests.browser import checks
from tests.browser.test_briefings import MAX_PDF_PAGES
from tests.conftest import LARGEST_KREIS

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("largest_run")]
PAGES = {"kommunen_vergleich": "kommunen_vergleich.html", "kreis_uebersicht": "kreis_uebersicht.html",
         "kommune": "kommune_05566076_rheine.html", "kommune_kurz": "kommune_05566076_rheine_kurz.html"}


@pytest.fixture(scope="module")
def printed(largest_run, browser) -> dict[str, dict]:
    """Per page (German and English): A4 pages, ranking tick labels, overlaps on screen and in print."""
    records = {}
    for kind, file in PAGES.items():
        for folder in ("", "en/"):
            context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="de-DE")
            page = context.new_page()
            page.goto((largest_run / folder / file).as_uri())
            checks.wait_for_charts(page)
            record = {"kind": kind, "ticks": checks.ranking_ticks(page), "overlaps": checks.overlap_problems(page),
                      "pages": checks.pdf_page_count(page.pdf(format="A4", print_background=True))}
            checks.lay_out_for_print(page)
            record["print_overlaps"] = checks.overlap_problems(page)
            records[folder + file] = record
            context.close()
    print("\nA4 pages (largest Kreis): " + ", ".join(f"{n}={r['pages']}" for n, r in records.items()))
    return records


def test_the_largest_kreis_is_steinfurt():
    sizes = {k.name: len(kommunen(k.ags)) for k in kreise()}
    assert max(sizes, key=sizes.get) == LARGEST_KREIS and sizes[LARGEST_KREIS] == 24


def test_pages_within_the_budget(printed):
    over = {n: r["pages"] for n, r in printed.items() if not 1 <= r["pages"] <= MAX_PDF_PAGES[r["kind"]]}
    assert not over, over


def test_every_ranking_names_all_24_kommunen(printed):
    n = len(kommunen(kreis(LARGEST_KREIS).ags))
    for name in ("kommunen_vergleich.html", "en/kommunen_vergleich.html"):
        ticks = printed[name]["ticks"]
        assert len(ticks) >= 10 and all(r["ticks"] == n for r in ticks), (name, ticks)


@pytest.mark.parametrize("media", ["overlaps", "print_overlaps"])
def test_nothing_in_a_chart_overlaps_or_is_cut(printed, media):
    found = {n: r[media] for n, r in printed.items() if r[media]}
    assert not found, found
