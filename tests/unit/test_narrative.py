"""Generated sentences use German number formats, honest comparison words and status marks."""
from __future__ import annotations

import re

import pandas as pd
import pytest

from helpers.briefings import kommune_profil
from helpers.data import store
from helpers.indicators import CATALOGUE, Figure, compare
from helpers.kommunen import kommunen
from helpers.presentation import narrative

# Years and dates are not quantities: "Zensus 2011", "Ende 2015", "31.12.2024".
_NOT_QUANTITIES = re.compile(r"\b\d{2}\.\d{2}\.\d{4}\b|\b(?:Zensus|Ende|Jahr|census|end of) \d{4}\b")


def assert_german_numbers(text: str) -> None:
    """No 1234 without a thousands dot, no decimal point, no English thousands comma."""
    quantities = _NOT_QUANTITIES.sub("", text)
    assert not re.search(r"(?<![\d.,])\d{4,}(?![\d.,])", quantities), text
    assert not re.search(r"\d\.\d{1,2}(?!\d)", quantities), text
    assert not re.search(r"\d,\d{3}(?!\d)", quantities), text
    for percent in re.findall(r"[\d.,]+\s?%", quantities):
        assert re.fullmatch(r"\d{1,3}(\.\d{3})*(,\d+)?\u00a0%", percent), percent


@pytest.fixture(scope="module")
def sentences_by_kommune():
    obs = store.load("observations")
    places = kommune_profil.setup("Kleve").texts
    return {region.name: narrative.key_sentences(
        region.name, {i: compare(obs, i, region.ags) for i in CATALOGUE.key_figures}, "de", places=places)
        for region in kommunen()}


def test_every_number_in_every_sentence_is_german(sentences_by_kommune):
    for name, sentences in sentences_by_kommune.items():
        assert 3 <= len(sentences) <= 5, name
        for sentence in sentences:
            assert_german_numbers(sentence)


def test_the_checker_catches_english_and_unformatted_numbers():
    for bad in ("In Kleve lebten 53028 Menschen.", "Anteil 17.3 %", "53,028 people", "17,3%"):
        with pytest.raises(AssertionError):
            assert_german_numbers(bad)
    assert_german_numbers("Beim Zensus 2011 (09.05.2011) lebten 5.099 Menschen dort, 10,7\u00a0% der Bevölkerung.")


def _figure(indicator, value, status="published"):
    return Figure(indicator, "05154036", value, pd.Timestamp("2024-12-31"), status)


def test_comparison_word_follows_the_printed_values():
    a, b = _figure("minimum_benefit_rate", 8.26), _figure("minimum_benefit_rate", 8.16)
    assert narrative.compare_word(a, b) == "mehr als"
    assert narrative.compare_word(_figure("minimum_benefit_rate", 8.24), b) == "genauso viel wie"
    assert narrative.compare_word(b, _figure("minimum_benefit_rate", 9)) == "weniger als"


def test_marks_and_missing_values():
    assert narrative.format_figure(_figure("foreign_share_census_2022", 22.5, "secondary")) == "22,5\u00a0%³"
    assert narrative.format_figure(_figure("population", 53028)) == "53.028"
    assert narrative.format_figure(_figure("population", 53028), "en") == "53,028"
    missing = Figure("minimum_benefit_rate", "05154040", None, pd.Timestamp("2024-12-31"), "not_available", flags=(".",))
    assert narrative.format_figure(missing) == "k. A."
    assert narrative.format_figure(missing, reason=True) == "geheim gehalten"
    assert narrative.marker_legend({"published", "secondary"}) == [
        "³ Sekundärquelle: amtliche Zahl aus einer Zusammenstellung Dritter übernommen (Wikipedia, citypopulation.de, "
        "Forschungsdatensammlung), noch nicht mit der amtlichen Tabelle abgeglichen; verwendet nur, wo keine amtliche "
        "Zahl vorliegt."]


def test_change_sentence_refuses_a_base_change():
    fig = Figure("population_change_previous_year", "05154036", None, pd.Timestamp("2024-12-31"), "not_comparable",
                 "update_2022_base", start_base="update_2011_base", start_date=pd.Timestamp("2023-12-31"))
    comparison = type("C", (), {"kommune": fig})()
    text = narrative.change_sentence("Kleve", comparison, "de")
    assert "lässt sich nicht angeben" in text and "Zensus 2011" in text and "Zensus 2022" in text
