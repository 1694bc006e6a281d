"""Citable: LICENSE, CITATION.cff and the Python version say what pyproject.toml says (one version, one licence)."""
import tomllib

import yaml

from helpers.paths import ROOT

PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def test_citation_names_the_projects_version_and_licence():
    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert citation["cff-version"] == "1.2.0" and citation["title"] and citation["authors"]
    assert (citation["version"], citation["license"]) == (PROJECT["version"], PROJECT["license"])
    assert [r["license"] for r in citation["references"]] == ["DL-DE-BY-2.0"]  # the official data's licence


def test_the_licence_file_is_the_declared_one():
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert PROJECT["license"] == "MIT" and text.startswith("MIT License")
    assert "dl-de/by-2-0" in text  # the data are not under the code's licence


def test_one_python_version_everywhere():
    """The code needs 3.11 (tomllib, enum.StrEnum): pyproject, environment.yml and the README say so."""
    assert PROJECT["requires-python"] == ">=3.11"
    environment = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    assert "python>=3.11" in environment["dependencies"]
    assert "Python (3.11 oder neuer" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_data_changelog_is_generated_from_the_change_reports():
    """data/CHANGELOG.md is what `data update` (and `python -m helpers data docs`) writes from data/updates."""
    from helpers.data.change_report import changelog
    from helpers.paths import UPDATES_DIR

    assert (ROOT / "data" / "CHANGELOG.md").read_text(encoding="utf-8") == changelog(UPDATES_DIR), (
        "data/CHANGELOG.md veraltet: python -m helpers data docs")
