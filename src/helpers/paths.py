"""Every path the project uses, in one place (notebooks never build paths themselves).

Package resources (catalogues, texts, templates) come with the package, wherever it is installed.
The checkout (``data/``, ``notebooks/``, ``reports/``) is found separately, so that an installed
wheel works when run from the repository: ``INTEGRATIONSMONITOR_ROOT`` if set (another checkout or a
test copy), else the nearest folder at or above the working directory that holds
``data/raw/datapackage.json``, else the checkout the package was installed from in editable mode.
"""
from __future__ import annotations

import os
import pickle
from importlib import resources
from pathlib import Path

import yaml

from helpers.data import memo

PACKAGE_DIR = Path(str(resources.files(__package__)))
# libyaml's parser when PyYAML has it: the same results (a test compares every catalogue), ten times
# faster, which every notebook of a batch pays again when its kernel imports the package afresh.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
CHECKOUT_MARKER = Path("data") / "raw" / "datapackage.json"


def find_root(start: Path | None = None) -> Path:
    """The repository root the data, notebooks and reports belong to (see the module docstring)."""
    if os.environ.get("INTEGRATIONSMONITOR_ROOT"):
        return Path(os.environ["INTEGRATIONSMONITOR_ROOT"]).resolve()
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / CHECKOUT_MARKER).is_file():
            return folder
    editable_checkout = PACKAGE_DIR.parents[1]
    if (editable_checkout / CHECKOUT_MARKER).is_file():
        return editable_checkout
    return here


ROOT = find_root()

DATA_DIR = ROOT / "data"
RAW_DIR = DATA_DIR / "raw"
PROCESSED_DIR = DATA_DIR / "processed"
UPDATES_DIR = DATA_DIR / "updates"  # change reports of `data update` (latest.json feeds the briefings index)
BUILD_ENV = "INTEGRATIONSMONITOR_BUILD"  # the processed build a briefing run reads, set for its workers and kernels
NOTEBOOKS_DIR = ROOT / "notebooks"
GOALS_FILE = DATA_DIR / "goals.csv"  # the committee's goals (Zielmarken), header only as shipped
GOALS_ENV = "INTEGRATIONSMONITOR_GOALS"  # another goals file (a draft, a test), for a run and its kernels
REPORTS_DIR = ROOT / "reports"
CATALOGUE_DIR = PACKAGE_DIR / "catalogue"
TEMPLATES_DIR = PACKAGE_DIR / "run" / "templates"


def read_yaml(path: Path) -> object:
    """A YAML file of the package or the checkout (catalogues, texts, ``runs.yaml``), safely parsed.

    Parsed once per content and process (``memo.PARSED``, kept across a warm kernel's resets, where
    every notebook re-imports the texts and the catalogue: 20 ms each time); each caller gets its own
    copy (unpickled), so none can change what the next one reads."""
    source = Path(path).read_bytes()
    known = memo.PARSED.get(str(path))
    if known is None or known[0] != source:
        parsed = yaml.load(source.decode("utf-8"), Loader=_YAML_LOADER)  # noqa: S506 - a safe loader
        known = memo.PARSED[str(path)] = (source, pickle.dumps(parsed, pickle.HIGHEST_PROTOCOL))
    return pickle.loads(known[1])  # noqa: S301 - pickled here, from the file just read


def goals_file() -> Path:
    """The goals file a run reads: :data:`GOALS_ENV` if set, else :data:`GOALS_FILE`."""
    return Path(os.environ[GOALS_ENV]).resolve() if os.environ.get(GOALS_ENV) else GOALS_FILE
