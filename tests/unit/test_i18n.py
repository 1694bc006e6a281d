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
    from helpers.data.rules import checks
    from helpers.data.status import Status
    from helpers.i18n import messages
    from helpers.paths import CATALOGUE_DIR

    rules = checks()
    exempt = rules["reader_texts_exempt"]
    needed = [f"vergleich_unit_{unit}" for unit in indicators.UNITS]
    needed += [f"status_{s}" for s in Status if s not in exempt["status"]]
    families = pd.read_csv(CATALOGUE_DIR / "source_families.csv", dtype=str)["family"]
    needed += [f"source_kind_{family}" for family in families.unique()]
    assert [key for key in needed if key not in messages()] == []


# --- the keys the code uses -----------------------------------------------------------------------------------

BRIEFING_PREFIXES = {"kommune_profil": "profil_", "kreis_uebersicht": "uebersicht_", "kommunen_vergleich": "vergleich_"}


def _used_keys() -> dict[str, set[str]]:
    """Message key (or, for keys made in code like ``f"base_{code}"``, key prefix) → the modules of
    src/helpers using it: first arguments of ``t(…)``/``….t(…)``, and any string constant that starts
    like a briefing's keys (keys kept in tables such as the overview's timeline)."""
    import ast
    from pathlib import Path

    import helpers

    package = Path(helpers.__file__).parent
    used: dict[str, set[str]] = {}
    for path in package.rglob("*.py"):
        module = ".".join(path.relative_to(package.parent).with_suffix("").parts)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            found = []
            if isinstance(node, ast.Call) and node.args and (getattr(node.func, "id", None) == "t"
                                                              or getattr(node.func, "attr", None) == "t"):
                first = node.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    found.append(first.value)
                elif isinstance(first, ast.JoinedStr) and first.values and isinstance(first.values[0], ast.Constant):
                    found.append(first.values[0].value + "*")
                elif isinstance(first, ast.BinOp) and isinstance(first.left, ast.Constant):
                    found.append(first.left.value + "*")
            elif (isinstance(node, ast.Constant) and isinstance(node.value, str)
                  and node.value.startswith(tuple(BRIEFING_PREFIXES.values()))):
                found.append(node.value if not node.value.endswith("_") else node.value + "*")
            for key in found:
                used.setdefault(key, set()).add(module)
    return used


def test_every_key_the_code_uses_exists():
    keys = i18n.messages()
    missing = sorted(key for key in _used_keys() if (key[:-1] if key.endswith("*") else key) not in keys
                     and not (key.endswith("*") and any(k.startswith(key[:-1]) for k in keys)))
    assert missing == [], f"keys missing in messages.yaml: {missing}"


def test_a_briefing_s_own_texts_carry_its_notebook_s_prefix():
    """A key one briefing alone uses starts with profil_, uebersicht_ or vergleich_; a key with such a
    prefix is used by no other briefing."""
    wrong, used = [], _used_keys()
    for key, modules in used.items():
        modules = modules.union(*(m for prefix, m in used.items()
                                  if prefix.endswith("*") and key.startswith(prefix[:-1])))
        users = {m.split(".")[2] if m.startswith("helpers.briefings.") and m.count(".") >= 2 else m for m in modules}
        own = next((b for b, prefix in BRIEFING_PREFIXES.items() if key.startswith(prefix)), None)
        if own and users & set(BRIEFING_PREFIXES) - {own}:
            wrong.append(f"{key}: {own}'s text used by {sorted(users - {own})}")
        only = next(iter(users)) if len(users) == 1 else None
        if own is None and only in BRIEFING_PREFIXES:
            wrong.append(f"{key}: only {only} uses it, so it starts with {BRIEFING_PREFIXES[only]}")
    assert wrong == []
    assert not [k for k in i18n.messages() if k.startswith(("profile_", "ov_", "cmp_"))]
