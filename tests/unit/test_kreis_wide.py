"""Kreisübersicht and Kommunenvergleich for a Kreis other than Kleve: every section renders, the
texts name that Kreis and never Kleve, Kleve's own facts stay out, maps on its own boundaries."""
import csv

import pandas as pd
import pytest

from helpers import fmt
from helpers.briefings import kommunen_vergleich, kreis_uebersicht
from helpers.briefings.kommunen_vergleich import sections as comparison
from helpers.briefings.kreis_uebersicht import sections as overview
from helpers.briefings.kreis_uebersicht import statements
from helpers.i18n import t
from helpers.kommunen import kommunen
from helpers.paths import RAW_DIR

KREISE = [("Wesel", "Kreis Wesel", 13), ("05166", "Kreis Viersen", 9)]


def _rendered(shown: list, module, key: str):
    """The context of ``key`` and the text of every section, rendered in notebook order."""
    ctx = module.setup(key)
    for name, _ in module.SECTIONS:
        getattr(module, name)(ctx)
    return ctx, "\n".join(shown)


@pytest.mark.parametrize("key,name,n", KREISE)
def test_overview_of_another_kreis_renders_and_names_only_that_kreis(shown, key, name, n):
    ctx, text = _rendered(shown, kreis_uebersicht, key)
    assert text.startswith(f"# {name} – ")
    assert "Kleve" not in text and "Nassauerallee" not in text
    assert statements.timeline(ctx).empty and ctx.figures.facts["ags"].ne("").all()
    assert t("uebersicht_not_recorded", "de", what=t("uebersicht_lacks_timeline", "de")) in text
    assert t("briefing_no_map", "de") not in text and "GeoBasis-DE" in text  # the shares' map: boundaries of all NRW
    assert len(overview.shares_table(ctx)) == n
    # the newest date it shows: the Sozialindex share (school year 2025/26, 15.10.2025) "Wo steht" places it by
    assert ctx.figures.stand == pd.Timestamp("2025-10-15") and "Zahlen von 2011 bis 2025" in text[:300]


@pytest.mark.parametrize("key,name,n", KREISE)
def test_comparison_of_another_kreis_has_its_kommunen_kreis_and_nrw(shown, key, name, n):
    ctx, text = _rendered(shown, kommunen_vergleich, key)
    assert text.startswith(f"# Die {n} Kommunen des Kreises {name.split()[-1]} im Vergleich")
    # (a catalogue definition speaks of the Stadt Kleve's own asylum figures; the Kreis never appears)
    assert "Kreis Kleve" not in text and "Kreises Kleve" not in text
    assert t("briefing_no_map", "de") not in text  # boundaries of all NRW (its map indicator is Kleve's only, though)
    regions = list(comparison.table_display(ctx).iloc[:, 0])
    assert regions == [r.name for r in kommunen(ctx.kreis.ags)] + [name, "Nordrhein-Westfalen"]
    assert len(comparison.changes_table(ctx)) == n + 2


def test_published_population_of_moers_in_german_format():
    with open(RAW_DIR / "itnrw" / "12411-15i.csv", encoding="latin-1") as f:
        row = next(r for r in csv.reader(f, delimiter=";") if r[:2] == ["31.12.2024", "05170024"])
    expected = fmt.format_number(int(row[3]), 0, "de")
    assert expected == "101.503"
    table = comparison.table_display(kommunen_vergleich.setup("05170")).set_index("Gebiet")
    assert table.loc["Moers"].str.fullmatch(expected).any()
