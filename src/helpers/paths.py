"""Every path the project uses, in one place (notebooks never build paths themselves).

``INTEGRATIONSMONITOR_ROOT`` points the helpers at another checkout or a test copy.
"""
from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
ROOT = Path(os.environ.get("INTEGRATIONSMONITOR_ROOT", PACKAGE_DIR.parents[1])).resolve()

DATA_DIR = ROOT / "data"
RAW_DIR = DATA_DIR / "raw"
PROCESSED_DIR = DATA_DIR / "processed"
UPDATES_DIR = DATA_DIR / "updates"  # change reports of `data update` (latest.json feeds the briefings index)
NOTEBOOKS_DIR = ROOT / "notebooks"
REPORTS_DIR = ROOT / "reports"
CATALOGUE_DIR = PACKAGE_DIR / "catalogue"
TEMPLATES_DIR = PACKAGE_DIR / "templates"
