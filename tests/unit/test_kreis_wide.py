"""Kreisübersicht and Kommunenvergleich for a Kreis other than Kleve: every section renders, the
texts name that Kreis and never Kleve, Kleve's own facts stay out, maps on its own boundaries."""
import csv

import pytest

from helpers import fmt
from helpers.briefings import common
from helpers.briefings import kommunen_vergleich as cmp
from helpers.briefings import kreis_uebersicht as ov
from helpers.i18n import t
from helpers.kommunen import kommunen
from helpers.paths import RAW_DIR
from helpers.presentation import charts, tables

OVERVIEW = (ov.title, ov.show_key_figures, ov.foreigners, ov.nationalities_section, ov.refugees, ov.naturalisations,
            ov.timeline_section, ov.shares, ov.sources_section)
COMPARISON = (cmp.title, cmp.key_table, cmp.changes, cmp.similarity, cmp.map_section, cmp.indicator_sections,
              cmp.sources_section)
KREISE = [("Wesel", "Kreis Wesel", 13), ("05166", "Kreis Viersen", 9)]


@pytest.fixture
def shown(monkeypatch):
    """Everything the sections display, as text (Markdown source, table HTML)."""
    out = []

    def capture(obj, *args, **kwargs):
        out.append(getattr(obj, "data", None) or (obj.get("text/html", "") if isinstance(obj, dict) else ""))

    for module in (ov, cmp, common, tables, charts):
        if hasattr(module, "display"):
            monkeypatch.setattr(module, "display", capture)
    return out


def _rendered(shown: list, setup, sections, key: str):
    """The context of ``key`` and the text of every section, rendered in notebook order."""
    ctx = setup(kreis=key)
    for section in sections:
        section(ctx)
    return ctx, "\n".join(x for x in shown if isinstance(x, str))


@pytest.mark.parametrize("key,name,n", KREISE)
def test_overview_of_another_kreis_renders_and_names_only_that_kreis(shown, key, name, n):
    ctx, text = _rendered(shown, ov.setup, OVERVIEW, key)
    assert text.startswith(f"# {name} – ")
    assert "Kleve" not in text and "Nassauerallee" not in text
    assert ov.timeline(ctx).empty and ov.kreis_facts(ctx)["ags"].ne("").all()
    assert t("ov_not_recorded", "de", what=t("ov_lacks_ov_h_timeline", "de")) in text
    assert t("briefing_no_map", "de") not in text and "GeoBasis-DE" in text  # the shares' map: boundaries of all NRW
    assert len(ov.shares_table(ctx)) == n
    own = ctx.obs[ctx.obs["ags"].str.startswith(ctx.kreis.ags)]
    assert ov.stand(ctx) == own["date"].max()  # the Kreis's newest figure, not a statewide one


@pytest.mark.parametrize("key,name,n", KREISE)
def test_comparison_of_another_kreis_has_its_kommunen_kreis_and_nrw(shown, key, name, n):
    ctx, text = _rendered(shown, cmp.setup, COMPARISON, key)
    assert text.startswith(f"# Die {n} Kommunen des Kreises {name.split()[-1]} im Vergleich")
    # (a catalogue definition speaks of the Stadt Kleve's own asylum figures; the Kreis never appears)
    assert "Kreis Kleve" not in text and "Kreises Kleve" not in text
    assert t("briefing_no_map", "de") not in text  # boundaries of all NRW (its map indicator is Kleve's only, though)
    regions = list(cmp.table_display(ctx).iloc[:, 0])
    assert regions == [r.name for r in kommunen(ctx.kreis.ags)] + [name, "Nordrhein-Westfalen"]
    assert len(cmp.changes_table(ctx)) == n + 2


def test_published_population_of_moers_in_german_format():
    with open(RAW_DIR / "itnrw" / "12411-15i.csv", encoding="latin-1") as f:
        row = next(r for r in csv.reader(f, delimiter=";") if r[:2] == ["31.12.2024", "05170024"])
    expected = fmt.format_number(int(row[3]), 0, "de")
    assert expected == "101.503"
    table = cmp.table_display(cmp.setup(kreis="05170")).set_index("Gebiet")
    assert table.loc["Moers"].str.fullmatch(expected).any()
