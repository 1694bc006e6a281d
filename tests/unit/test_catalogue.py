"""A broken YAML catalogue fails with one German line per problem: file, entry, field, what is wrong.

The catalogues are validated by schema (pydantic) models; the reader of the error is whoever edited
the YAML, so the message must point at the place to fix — never pydantic's English dump, never a
bare KeyError or "Invalid isoformat string" from deep inside the build.
"""
from __future__ import annotations

import pytest
import yaml

from helpers.data import validation
from helpers.indicators import CATALOGUE_PATH, load_catalogue
from helpers.ingest.common import TABLES_FILE, declared_tables

NOT_A_DUMP = ("validation error", "pydantic", "Input should", "Traceback")


def _broken(tmp_path, source, mutate):
    raw = yaml.safe_load(source.read_text(encoding="utf-8"))
    mutate(raw)
    path = tmp_path / source.name
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _message(load, path) -> str:
    with pytest.raises(ValueError) as caught:
        load(path)
    text = str(caught.value)
    assert not any(dump in text for dump in NOT_A_DUMP), text
    assert text.startswith(f"{path.name} ist fehlerhaft") and "korrigieren" in text, text
    return text


def test_indicator_errors_name_entry_and_field_and_all_are_listed(tmp_path):
    def mutate(raw):
        raw["indicators"]["population"].update(unit="prozent", decimals="zwei")
        raw["indicators"]["unemployed_2016"]["value"]["dates"] = ["2016-13-31"]

    text = _message(load_catalogue, _broken(tmp_path, CATALOGUE_PATH, mutate))
    assert "Indikator 'population', Feld 'unit': muss eines von 'persons', 'percent' oder 'schools' sein, ist 'prozent'" in text
    assert "Indikator 'population', Feld 'decimals': muss eine ganze Zahl sein" in text
    assert "Indikator 'unemployed_2016', Feld 'value.dates.0': '2016-13-31' ist kein Datum der Form JJJJ-MM-TT" in text


def test_a_missing_label_and_an_undeclared_field_are_named(tmp_path):
    def mutate(raw):
        raw["handlungsfelder"]["arbeit"].pop("label_en")
        raw["indicators"]["population"]["handlungsfeld"] = "wohnen"

    text = _message(load_catalogue, _broken(tmp_path, CATALOGUE_PATH, mutate))
    assert "Handlungsfeld 'arbeit', Feld 'label_en': fehlt" in text
    assert "Indikator 'population', Feld 'handlungsfeld': 'wohnen' ist nicht unter 'handlungsfelder' verzeichnet" in text


def test_tables_catalogue_names_table_and_field(tmp_path):
    def mutate(raw):
        table = raw["tables"]["12411-15i"]
        table["service"] = "landesdatenbank"
        table.pop("title")
        table["columns"][next(iter(table["columns"]))] = ["population", "persons"]

    text = _message(declared_tables, _broken(tmp_path, TABLES_FILE, mutate))
    assert "Tabelle '12411-15i', Feld 'service': Dienst 'landesdatenbank' ist nicht unter 'services' verzeichnet" in text
    assert "Tabelle '12411-15i', Feld 'title': fehlt" in text
    assert "Tabelle '12411-15i', Feld 'columns.Bevölkerungsstand (Basis Zensus 2022 und früher).2': fehlt" in text


def test_checks_catalogue_names_rule_and_key(tmp_path):
    def mutate(raw):
        raw["totals_with_parts"][0].pop("tolerance")
        raw["statusses"] = raw.pop("statuses")

    text = _message(validation.checks, _broken(tmp_path, validation.CHECKS_FILE, mutate))
    assert "Regel Nr. 1, Feld 'tolerance': fehlt" in text
    assert "Abschnitt 'statuses': fehlt" in text and "Abschnitt 'statusses': unbekannter Schlüssel" in text
