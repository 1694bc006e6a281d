import string

import pytest

from helpers import i18n


def _fields(text):
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_message_has_both_languages_and_same_placeholders():
    for key, entry in i18n.messages().items():
        assert set(entry) == set(i18n.SPRACHEN), key
        assert _fields(entry["de"]) == _fields(entry["en"]), key


def test_missing_key_and_language_fail_loudly():
    with pytest.raises(KeyError, match="messages.yaml"):
        i18n.t("no_such_key")
    with pytest.raises(ValueError, match="Gültig sind: de, en"):
        i18n.t("source_prefix", "fr")


def test_every_code_the_catalogues_allow_has_its_reader_text():
    """Units of indicators, statuses of checks.yaml and families of source_families.csv: words exist for each,
    so data carrying any allowed code never meets a missing text inside a notebook (the build checks the data)."""
    import pandas as pd

    from helpers import indicators
    from helpers.data import validation
    from helpers.data.status import Status
    from helpers.i18n import messages
    from helpers.paths import CATALOGUE_DIR

    rules = validation.checks()
    exempt = rules["reader_texts_exempt"]
    needed = [f"cmp_unit_{unit}" for unit in indicators.UNITS]
    needed += [f"profile_status_{s}" for s in Status if s not in exempt["status"]]
    families = pd.read_csv(CATALOGUE_DIR / "source_families.csv", dtype=str)["family"]
    needed += [f"source_kind_{family}" for family in families.unique()]
    assert [key for key in needed if key not in messages()] == []
