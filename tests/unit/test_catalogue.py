"""A broken YAML catalogue fails with one German line per problem: file, entry, field, what is wrong.

The catalogues are validated by schema (pydantic) models; the reader of the error is whoever edited
the YAML, so the message must point at the place to fix — never pydantic's English dump, never a
bare KeyError or "Invalid isoformat string" from deep inside the build.
"""
from __future__ import annotations

import subprocess
import sys

import pytest
import yaml

from helpers import catalogue
from helpers.data import rules
from helpers.indicators import CATALOGUE_PATH, load_catalogue
from helpers.ingest.common import TABLES_FILE, declared_tables

NOT_A_DUMP = ("validation error", "pydantic", "Input should", "Traceback")


def _indicator_types(raw):
    raw["indicators"]["population"].update(unit="prozent", decimals="zwei")
    raw["indicators"]["unemployed_2016"]["value"]["dates"] = ["2016-13-31"]


def _indicator_references(raw):
    raw["handlungsfelder"]["arbeit"].pop("label_en")
    raw["indicators"]["population"]["handlungsfeld"] = "wohnen"


def _table(raw):
    table = raw["tables"]["12411-15i"]
    table["service"] = "landesdatenbank"
    table.pop("title")
    table["columns"][next(iter(table["columns"]))] = ["population", "persons"]


def _checks(raw):
    raw["totals_with_parts"][0].pop("tolerance")
    raw["unitss"] = raw.pop("units")


@pytest.mark.parametrize("source, load, mutate, expected", [
    (CATALOGUE_PATH, load_catalogue, _indicator_types, [
        "Indikator 'population', Feld 'unit': muss eines von 'persons', 'percent', 'per_100', 'schools' oder "
        "'years' sein, ist 'prozent'",
        "Indikator 'population', Feld 'decimals': muss eine ganze Zahl sein",
        "Indikator 'unemployed_2016', Feld 'value.dates.0': '2016-13-31' ist kein Datum der Form JJJJ-MM-TT"]),
    (CATALOGUE_PATH, load_catalogue, _indicator_references, [
        "Handlungsfeld 'arbeit', Feld 'label_en': fehlt",
        "Indikator 'population', Feld 'handlungsfeld': 'wohnen' ist nicht unter 'handlungsfelder' verzeichnet"]),
    (TABLES_FILE, declared_tables, _table, [
        "Tabelle '12411-15i', Feld 'service': Dienst 'landesdatenbank' ist nicht unter 'services' verzeichnet",
        "Tabelle '12411-15i', Feld 'title': fehlt",
        "Tabelle '12411-15i', Feld 'columns.Bevölkerungsstand (Basis Zensus 2022 und früher).2': fehlt"]),
    (rules.CHECKS_FILE, rules.checks, _checks, [
        "Regel Nr. 1, Feld 'tolerance': fehlt", "Abschnitt 'units': fehlt",
        "Abschnitt 'unitss': unbekannter Schlüssel"]),
], ids=["indicator-types", "indicator-references", "tables", "checks"])
def test_every_problem_is_named_with_entry_and_field(tmp_path, source, load, mutate, expected):
    raw = yaml.safe_load(source.read_text(encoding="utf-8"))
    mutate(raw)
    path = tmp_path / source.name
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    with pytest.raises(ValueError) as caught:
        load(path)
    text = str(caught.value)
    assert not any(dump in text for dump in NOT_A_DUMP), text
    assert text.startswith(f"{path.name} ist fehlerhaft") and "korrigieren" in text, text
    for line in expected:
        assert f"- {line}" in text, text


def test_a_ratio_per_100_prints_as_such_not_as_percent(tmp_path):
    """A dependency ratio is no share: 73 under-18s per 100 adults read "73 je 100", never "73 %"."""
    import dataclasses

    from helpers.indicators import CATALOGUE
    from helpers.presentation.narrative import format_in_unit

    ratio = dataclasses.replace(CATALOGUE["foreign_share_census_2011"], unit="per_100", decimals=0)
    assert format_in_unit(73.2, ratio, "de") == "73 je 100"
    assert format_in_unit(73.2, ratio, "en") == "73 per 100"
    assert format_in_unit(None, ratio, "de") == "k. A."
    changed = tmp_path / "indicators.yaml"  # the catalogue accepts the unit
    text = CATALOGUE_PATH.read_text(encoding="utf-8")
    changed.write_text(text.replace("    unit: years\n", "    unit: per_100\n", 1), encoding="utf-8")
    assert load_catalogue(changed)["average_age"].unit == "per_100"


TOY_SCHEMA = """from pydantic import ValidationInfo, field_validator

from helpers import catalogue


class File(catalogue.Strict):
    name: str

    @field_validator("name")
    @classmethod
    def _listed(cls, value: str, info: ValidationInfo) -> str:
        if value not in info.context["allowed"]:
            raise ValueError(f"{value!r} ist nicht erlaubt")
        return value
"""


def test_a_file_is_validated_again_when_it_or_its_context_changes(tmp_path, monkeypatch):
    """Validated catalogues are kept per content (memo.VALIDATED): an edit or a changed cross-reference still fails."""
    (tmp_path / "toy_schema.py").write_text(TOY_SCHEMA, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    path = tmp_path / "toy.yaml"
    path.write_text("name: a\n", encoding="utf-8")
    assert catalogue.load(path, "toy_schema", str, lambda raw: {"allowed": ["a"]}) == {"name": "a"}
    with pytest.raises(catalogue.CatalogueError, match="'a' ist nicht erlaubt"):
        catalogue.load(path, "toy_schema", str, lambda raw: {"allowed": ["b"]})
    path.write_text("name: b\n", encoding="utf-8")
    with pytest.raises(catalogue.CatalogueError, match="'b' ist nicht erlaubt"):
        catalogue.load(path, "toy_schema", str, lambda raw: {"allowed": ["a"]})
    first = catalogue.load(path, "toy_schema", str, lambda raw: {"allowed": ["b"]})
    first["name"] = "changed by a caller"
    assert catalogue.load(path, "toy_schema", str, lambda raw: {"allowed": ["b"]}) == {"name": "b"}


RELOAD = """import sys
from helpers.indicators import catalogue as first
for name in [m for m in sys.modules if m.startswith("helpers") and m != "helpers.data.memo"]:
    del sys.modules[name]  # as the warm kernel's reset does
from helpers.indicators import catalogue as second
assert second is not first and repr(second.CATALOGUE) == repr(first.CATALOGUE)
import helpers.briefings.kommune_profil, helpers.data.rules, helpers.catalogue
print(len(helpers.catalogue.Strict.__subclasses__()))  # the models built since the reset
"""


def test_a_notebook_after_the_reset_builds_no_validator():
    """The next notebook of a warm kernel takes the validated catalogues from the memo: no schema module is
    imported again (their 16 pydantic models cost 10 ms of every notebook)."""
    done = subprocess.run([sys.executable, "-c", RELOAD], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "0", done.stdout + done.stderr
