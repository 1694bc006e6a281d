"""'Wo steht' and 'Auffällig': ranks at the printed precision, ties as ties, lower bounds unranked; a catalogue rule
makes no statement on a count below its minimum; a bad rule stops the catalogue with a clear message."""
from __future__ import annotations

import dataclasses

import pandas as pd
import pytest
import yaml

from helpers.indicators import CATALOGUE, CATALOGUE_PATH, Figure, load_catalogue
from helpers.indicators.placing import Placing, notable
from helpers.presentation.placing import legend_lines, notable_text, rank_text, shown_columns

DAY = pd.Timestamp("2024-12-31")
RATE = "minimum_benefit_rate"  # its real rule: Kreis, 3 points, at least 50 recipients (minimum_benefit_recipients)


def _fig(ags: str, value: float | None, status: str = "published", indicator: str = RATE) -> Figure:
    return Figure(indicator, ags, value, DAY, status if value is not None else "not_available",
                  source_ids=("ITNRW_22811_01I_20260102",))


def _placing(own: float, others: dict[str, float | None], kreis: float = 8.2, count: float | None = 1846,
             incomplete: tuple[str, ...] = (), indicator: str = RATE) -> Placing:
    mine = _fig("05154064", own, indicator=indicator)
    figures = [_fig(a, v, "incomplete" if a in incomplete else "published", indicator) for a, v in others.items()]
    return Placing(CATALOGUE[indicator], mine, (*figures, mine), _fig("05154", kreis, indicator=indicator),
                   _fig("05", 11.1, indicator=indicator), (), None, count)


NAMES = {"05154004": "Bedburg-Hau", "05154008": "Emmerich am Rhein", "05154012": "Geldern", "05154016": "Goch",
         "05154064": "Weeze"}


def test_the_real_rule_is_declared_in_the_catalogue():
    rule = CATALOGUE[RATE].notable
    assert (rule.reference, rule.count, rule.min_count, rule.points) == ("kreis", "minimum_benefit_recipients", 50, 3)


@pytest.mark.parametrize("count, stated", [(49, False), (None, False), (50, True), (1846, True)])
def test_no_statement_on_a_count_below_its_minimum(count, stated):
    """Weeze's 14,5 % against the Kreis's 8,2 %: said only where at least 50 recipients stand behind it."""
    found = notable(_placing(14.5, {"05154004": 6.2}, count=count))
    assert (found is not None) == stated
    if stated:
        text = notable_text(found, NAMES, "de")
        assert "14,5\u00a0% (31.12.2024), deutlich über dem Kreiswert (8,2\u00a0%)" in text
        assert "schlecht" not in text and "gut" not in text


def test_the_threshold_is_judged_as_printed():
    """11,24 % prints 11,2 %: 3,0 points above 8,2 % — reached, though the raw gap is 2,04 + rounding."""
    assert notable(_placing(11.24, {"05154004": 6.2})) is not None
    assert notable(_placing(11.14, {"05154004": 6.2})) is None  # 11,1 − 8,2 = 2,9 points


def test_ranks_are_printed_ties_and_lower_bounds_stay_out():
    p = _placing(14.5, {"05154004": 14.46, "05154008": 6.0, "05154012": 20.0, "05154016": None},
                 incomplete=("05154012",))
    assert p.rank == 1 and p.tied == ("05154004",) and len(p.ranked) == 3  # Geldern (lower bound), Goch (secret) out
    assert rank_text(p, NAMES, "de") == "höchster Wert der 3 mit Angabe, gleich mit Bedburg-Hau"
    assert rank_text(p, NAMES, "en") == "highest of the 3 with a figure, tied with Bedburg-Hau"
    second = _placing(6.0, {"05154004": 9.0, "05154008": 7.0, "05154012": 5.0})
    assert rank_text(second, NAMES, "de") == "zweitniedrigster Wert der 4"
    assert rank_text(_placing(6.0, {"05154004": None}), NAMES, "de") == ""  # one value is no ranking


def _rule(raw: dict, **rule) -> None:
    raw["indicators"][RATE]["notable"] = rule


@pytest.mark.parametrize("rule, message", [
    ({"reference": "kreis", "count": "minimum_benefit_recipients", "min_count": 50, "points": 3, "relative": 20},
     "genau eine Schwelle"),
    ({"reference": "kreis", "count": "minimum_benefit_recipients", "min_count": 50}, "genau eine Schwelle"),
    ({"reference": "bund", "count": "minimum_benefit_recipients", "min_count": 50, "points": 3},
     "Feld 'notable.reference': muss eines von"),
    ({"reference": "kreis", "count": "population_change_2015", "min_count": 50, "points": 3},
     "notable.count 'population_change_2015' nennt weder"),
    ({"reference": "kreis", "count": "numerator", "min_count": 50, "points": 3}, "nur bei einem Anteil"),
    ({"reference": "kreis", "count": "minimum_benefit_recipients", "min_count": 0, "points": 3},
     "Feld 'notable.min_count'"),
    ({"reference": "kreis", "count": "minimum_benefit_recipients", "min_count": 50, "points": 3,
      "policy_direction": "lower"}, "nennt immer, woher sie stammt"),
])
def test_a_bad_rule_stops_the_catalogue_naming_the_field(tmp_path, rule, message):
    raw = yaml.safe_load(CATALOGUE_PATH.read_text(encoding="utf-8"))
    _rule(raw, **rule)
    path = tmp_path / "indicators.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    with pytest.raises(ValueError) as caught:
        load_catalogue(path)
    assert f"Indikator '{RATE}'" in str(caught.value) and message in str(caught.value), str(caught.value)


def test_points_only_for_shares_and_a_policy_direction_names_its_origin(tmp_path):
    raw = yaml.safe_load(CATALOGUE_PATH.read_text(encoding="utf-8"))
    raw["indicators"]["population"]["notable"] = {"reference": "land", "count": "population", "min_count": 1,
                                                  "points": 3}
    path = tmp_path / "indicators.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    with pytest.raises(ValueError, match="notable.points"):
        load_catalogue(path)
    rule = dataclasses.replace(CATALOGUE[RATE].notable, policy_direction="lower",
                               policy_de="Integrationskonzept (Beispiel)", policy_en="integration plan (example)")
    ind = dataclasses.replace(CATALOGUE[RATE], notable=rule)
    p = dataclasses.replace(_placing(14.5, {"05154004": 6.2}), indicator=ind)
    assert notable_text(notable(p), NAMES, "de").endswith(
        "Zielrichtung laut Integrationskonzept (Beispiel): ein niedrigerer Wert.")


def test_a_direction_column_left_out_everywhere_is_named_in_the_legend():
    """Weeze has no earlier figure on the same base for any placed indicator: the column goes, and the legend says
    so, so a reader can tell a direction never found from one not looked for."""
    rows = pd.DataFrame({"Kennzahl": ["Mindestsicherungsquote", "Einwohner"], "Weeze": ["14,5 %", "12.766"],
                         "Seit dem früheren Stichtag": ["", ""]})
    table = shown_columns(rows)
    assert list(table.columns) == ["Kennzahl", "Weeze"]
    lines = legend_lines(table, "Leere Zelle: …", "Seit dem früheren Stichtag", "de")
    assert lines[0] == "Leere Zelle: …" and "„Seit dem früheren Stichtag“ fehlt" in lines[1]
    rows.loc[1, "Seit dem früheren Stichtag"] = "gestiegen (31.12.2023: 11.563)"
    kept = shown_columns(rows)
    assert "Seit dem früheren Stichtag" in kept.columns
    assert legend_lines(kept, "Leere Zelle: …", "Seit dem früheren Stichtag", "de") == ["Leere Zelle: …"]
    assert "is left out" in legend_lines(table, "Empty cell", "Since the earlier date", "en")[1]
