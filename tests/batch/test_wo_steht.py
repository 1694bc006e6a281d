"""'Wo steht <Kommune>?' on real pages: Weeze's first section names its rank for the Mindestsicherungsquote and the
Land's reception facilities beside it; the ranks the pages print equal ranks computed here from the processed data
with pandas alone (not through helpers.indicators), in Kreis Kleve and Kreis Wesel."""
from __future__ import annotations

import pandas as pd
import pytest
from bs4 import BeautifulSoup

from helpers.kommunen import kommunen, region
from helpers.paths import PROCESSED_DIR

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("full_run")]
RATE = "Mindestsicherungsquote"
ORDINALS = ["", "zweit", "dritt", "viert", "fünft", "sechst", "siebt", "acht"]


def _section(page) -> tuple[str, str]:
    """The first h2 of a briefing's main part (after the table of contents) and its text up to the next h2."""
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser").find("main")
    first, second = (h.get_text(" ", strip=True).rstrip("¶ ") for h in soup.find_all("h2")[:2])
    text = soup.get_text(" ", strip=True)
    start = text.index(first)
    return first, text[start:text.index(second, start + len(first))]


def _rows(page) -> dict[str, list[str]]:
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    table = soup.find("table", class_="im-placing")
    head = [th.get_text(strip=True) for th in table.find("thead").find_all("th")]
    rows = [[td.get_text(" ", strip=True) for td in tr.find_all("td")] for tr in table.find("tbody").find_all("tr")]
    return {row[0]: dict(zip(head, row, strict=True)) for row in rows}


def test_weezes_first_section_names_its_rank_and_the_reception_facilities(full_run):
    heading, text = _section(full_run / "kommune_05154064_weeze.html")
    assert heading == "Wo steht Weeze?"
    row = _rows(full_run / "kommune_05154064_weeze.html")[RATE]
    assert row["Weeze"] == "14,5\u00a0%" and row["Rang im Kreis"] == "höchster Wert der 14 mit Angabe"
    assert "ZUE Weeze II" in text and "28.02.2024" in text and "240 weitere" in text  # Bezirksregierung, official
    assert "400 aktive und 350 Standby-Plätze" in text and "Pressebericht, sekundär" in text  # press, marked
    assert "deutlich über dem Kreiswert" in text  # "Auffällig"
    _, english = _section(full_run / "en" / "kommune_05154064_weeze.html")
    assert "Where does Weeze stand?" in english and "highest of the 14 with a figure" in english


def _expected_ranks(kreis_ags: str) -> dict[str, str]:
    """The rank phrase of each Gemeinde's Mindestsicherungsquote 31.12.2024, from the parquet with pandas:
    secret values ('.', no value) unranked, equal at one decimal is equal, counted from the nearer end."""
    obs = pd.read_parquet(PROCESSED_DIR / "observations.parquet")
    rows = obs[(obs["variable"] == "minimum_benefit_rate_pct") & (obs["date"] == pd.Timestamp("2024-12-31"))
               & obs["ags"].isin([r.ags for r in kommunen(kreis_ags)]) & obs["value"].notna()]
    values = rows.drop_duplicates("ags").set_index("ags")["value"].round(1)
    n, total = len(values), len(kommunen(kreis_ags))
    of = f"der {n}" if n == total else f"der {n} mit Angabe"
    out = {}
    for ags, value in values.items():
        top, bottom = int((values > value).sum()) + 1, int((values < value).sum()) + 1
        words = f"{ORDINALS[top - 1]}höchster" if top <= bottom else f"{ORDINALS[bottom - 1]}niedrigster"
        tied = [region(a).name for a in values.index if a != ags and values[a] == value]
        out[ags] = f"{words} Wert {of}" + (", gleich mit " + " und ".join(tied) if tied else "")
    return out


def test_kleve_ranks_printed_equal_ranks_from_the_data(full_run):
    expected = _expected_ranks("05154")
    assert expected["05154064"] == "höchster Wert der 14 mit Angabe"
    assert expected["05154008"].endswith("gleich mit Goch")  # Emmerich and Goch both 8,7 %
    for place in kommunen("05154"):
        page = full_run / f"kommune_{place.ags}_{place.slug}.html"
        printed = _rows(page).get(RATE, {}).get("Rang im Kreis")
        assert printed == expected.get(place.ags), (place.name, printed)  # Kranenburg, Rheurdt: secret, no row


def test_wesel_ranks_printed_equal_ranks_from_the_data():
    """Kreis Wesel through the profile's own layout (what its notebook prints): Moers highest of the 13."""
    from helpers.briefings import kommune_profil
    from helpers.briefings.kommune_profil.standing import placing_table

    expected = _expected_ranks("05170")
    assert expected["05170024"] == "höchster Wert der 13"
    for name in ("Moers", "Hünxe", "Wesel"):
        place = region(name)
        table = placing_table(kommune_profil.setup(place.ags)).set_index("Kennzahl")
        assert table.loc[RATE, "Rang im Kreis"] == expected[place.ags], name
