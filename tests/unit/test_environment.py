"""pyproject.toml and environment.yml must list the same dependencies with the same ranges."""
import re
import tomllib

import yaml

from helpers.paths import ROOT


def _split(requirement: str) -> tuple[str, str]:
    match = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*(.*)$", requirement)
    return match.group(1).lower().replace("_", "-"), match.group(2).replace(" ", "")


def _pyproject() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        requirements += extra
    return dict(_split(r) for r in requirements)


def _environment() -> dict[str, str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    entries = []
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            entries += dep["pip"]
        elif not dep.startswith(("python", "pip")) or dep.startswith("python-"):
            entries.append(dep)
    return dict(_split(e) for e in entries)


def test_same_packages_and_ranges():
    assert _environment() == _pyproject()


def test_required_packages_present():
    for name in ["jupyterlab", "pandas", "geopandas", "plotly", "papermill", "nbval", "nbconvert", "ipykernel",
                 "pyarrow", "pytest-xdist", "ruff"]:  # make test runs pytest-xdist and ruff
        assert name in _pyproject()
