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
