"""The Kreis name inside a sentence, for all 31 Kreise of NRW, by rule."""
import pytest

from helpers import kommunen


@pytest.mark.parametrize("name, im_kreis, des_kreises", [
    ("Kreis Kleve", "im Kreis Kleve", "des Kreises Kleve"),
    ("Städteregion Aachen", "in der Städteregion Aachen", "der Städteregion Aachen"),
    ("Rhein-Kreis Neuss", "im Rhein-Kreis Neuss", "des Rhein-Kreises Neuss"),
    ("Märkischer Kreis", "im Märkischen Kreis", "des Märkischen Kreises"),
    ("Rheinisch-Bergischer Kreis", "im Rheinisch-Bergischen Kreis", "des Rheinisch-Bergischen Kreises"),
    ("Hochsauerlandkreis", "im Hochsauerlandkreis", "des Hochsauerlandkreises"),
    ("Ennepe-Ruhr-Kreis", "im Ennepe-Ruhr-Kreis", "des Ennepe-Ruhr-Kreises"),
])
def test_german_forms(name, im_kreis, des_kreises):
    phrases = kommunen.kreis_phrases(kommunen.kreis(name))
    assert (phrases["kreis"], phrases["im_kreis"], phrases["des_kreises"]) == (name, im_kreis, des_kreises)


def test_english_forms_keep_the_name():
    assert kommunen.kreis_phrases(kommunen.kreis("Märkischer Kreis"), "en")["im_kreis"] == "in Märkischer Kreis"
