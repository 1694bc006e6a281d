"""Every committed notebook opens in JupyterLab with the project kernel and reads as documented.

Why: a notebook saved with another kernel ("python3", a personal conda env) fails in papermill
and nbval with NoSuchKernel (papermill#251, nbval#106) and opens with the wrong packages in
JupyterLab. The `parameters` tag is what papermill injects after; the German intro tells a
researcher how to change the municipality without reading code.
"""
from __future__ import annotations

import importlib
import re

import nbformat
import pytest

from helpers.paths import NOTEBOOKS_DIR

PRODUCT = ["kommune_profil.ipynb", "kreis_uebersicht.ipynb", "kommunen_vergleich.ipynb", "kommune_kurz.ipynb"]
# The short version is the profile's module with its own setup and sections (one computation, two layouts).
VOCABULARY = {"kommune_kurz": ("kommune_profil", "setup_short", "short.SECTIONS")}
KERNELSPEC = {"name": "integrationsmonitor", "display_name": "Integrationsmonitor (.venv)", "language": "python"}
GERMAN_WORDS = re.compile(r"\b(und|der|die|das|Sie|für|mit|ist|sind|eine?n?)\b")
ABBREVIATIONS = re.compile(r"\b(z\. B\.|u\. a\.|d\. h\.|bzw\.|ggf\.|Nr\.|ca\.)")


def all_notebooks() -> list:
    return sorted(p for p in NOTEBOOKS_DIR.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)


def sentences(markdown: str) -> list[str]:
    """Prose sentences of a markdown cell (headings, code spans and abbreviations ignored)."""
    prose = " ".join(line for line in markdown.splitlines() if line.strip() and not line.lstrip().startswith("#"))
    prose = ABBREVIATIONS.sub("zB", re.sub(r"`[^`]*`", "X", prose))
    return [s for s in re.split(r"(?<=[.!?])[“\"”]?\s+(?=[A-ZÄÖÜ„])", prose.strip()) if s]


def test_product_notebooks_exist():
    missing = [name for name in PRODUCT if not (NOTEBOOKS_DIR / name).exists()]
    assert not missing


@pytest.mark.parametrize("path", all_notebooks(), ids=lambda p: str(p.relative_to(NOTEBOOKS_DIR)))
def test_kernelspec_is_project_kernel(path):
    spec = dict(nbformat.read(path, as_version=4).metadata.get("kernelspec", {}))
    assert spec == KERNELSPEC, (f"{path.name}: kernelspec {spec}; open it in `make lab` and pick "
                                "'Integrationsmonitor (.venv)'")


@pytest.mark.parametrize("path", all_notebooks(), ids=lambda p: str(p.relative_to(NOTEBOOKS_DIR)))
def test_first_code_cell_is_tagged_parameters(path):
    cells = nbformat.read(path, as_version=4).cells
    first_code = next(c for c in cells if c.cell_type == "code")
    assert "parameters" in first_code.metadata.get("tags", []), (
        f"{path.name}: first code cell lacks the 'parameters' tag")


@pytest.mark.parametrize("path", all_notebooks(), ids=lambda p: str(p.relative_to(NOTEBOOKS_DIR)))
def test_opens_with_a_german_introduction(path):
    first = nbformat.read(path, as_version=4).cells[0]
    assert first.cell_type == "markdown", f"{path.name}: the first cell must be the German introduction"
    assert first.source.lstrip().startswith("# "), f"{path.name}: the introduction starts with a title"
    assert len(GERMAN_WORDS.findall(first.source)) >= 3, f"{path.name}: introduction not German?"
    assert len(sentences(first.source)) >= 2


@pytest.mark.parametrize("name", PRODUCT)
def test_product_notebooks_speak_one_vocabulary(name):
    """Each product notebook imports its briefing module as ``b`` and calls ``setup``, ``title``,
    its own sections and ``sources``: its module's SECTIONS in their order, which is
    the order its sources are numbered in."""
    stem = name.removesuffix(".ipynb")
    stem, setup, sections = VOCABULARY.get(stem, (stem, "setup", "SECTIONS"))
    module = importlib.import_module(f"helpers.briefings.{stem}")
    for part in sections.split("."):
        module = getattr(module, part) if part != "SECTIONS" else module
    code = "\n".join(c.source for c in nbformat.read(NOTEBOOKS_DIR / name, as_version=4).cells if c.cell_type == "code")
    assert re.findall(r"^from helpers\S* import .*$", code, re.M) == [f"from helpers.briefings import {stem} as b"]
    calls = re.findall(r"\b(\w+)\.(\w+)\(", code)
    assert {alias for alias, _ in calls} == {"b"}, calls
    names = [function for _, function in calls]
    assert names == [setup, *(section for section, _ in module.SECTIONS)]
    assert names[:2] == [setup, "title"] and names[-1] == "sources"


def test_kommune_profil_says_how_to_change_the_municipality():
    """Two sentences: which cell to edit (`kommune`, name or AGS) and how to rerun."""
    intro = nbformat.read(NOTEBOOKS_DIR / "kommune_profil.ipynb", as_version=4).cells[0].source
    assert len(sentences(intro)) == 2, sentences(intro)
    assert "`kommune`" in intro and "ändern" in intro.lower()
    assert re.search(r"Run All|Alle Zellen", intro), "tell the reader how to rerun"


@pytest.mark.parametrize("text, count", [
    ("# T\n\nEin Satz. Noch ein Satz.", 2),
    ("# T\n\nÄndern Sie z. B. `x = \"a. b.\"` und wählen Sie „Run All“. Mit `y` geht mehr.", 2),
    ("# T\n\nNur ein Satz ohne Ende", 1),
])
def test_sentence_counter(text, count):
    assert len(sentences(text)) == count
