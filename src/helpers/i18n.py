"""The one message catalogue: every word a reader of a briefing sees, in German and English.

``messages.yaml`` holds ``key: {de: ..., en: ...}``; ``t("key", sprache, **values)`` fills
``{placeholders}``. A missing key or language fails loudly, so no reader ever sees a raw key.
"""
from __future__ import annotations

from functools import lru_cache

from helpers.paths import PACKAGE_DIR, read_yaml

SPRACHEN = ("de", "en")
# Where each language's briefings sit in a run folder: German at the top, English in en/
# (both load the run's one plotly.min.js from the top).
LANGUAGE_FOLDERS = {"de": "", "en": "en/"}


@lru_cache(maxsize=1)
def messages() -> dict[str, dict[str, str]]:
    return read_yaml(PACKAGE_DIR / "messages.yaml")


def check_sprache(sprache: object) -> str:
    """Validate a ``sprache`` parameter early, with a message that lists the choices."""
    if sprache not in SPRACHEN:
        raise ValueError(
            f"Unbekannte Sprache {sprache!r}. Gültig sind: {', '.join(SPRACHEN)} "
            "(de = Deutsch, en = English)."
        )
    return sprache  # type: ignore[return-value]


def t(key: str, sprache: str = "de", **values: object) -> str:
    entry = messages().get(key)
    if entry is None:
        raise KeyError(f"Text {key!r} fehlt in src/helpers/messages.yaml; bitte dort ergänzen.")
    return entry[check_sprache(sprache)].format(**values)
