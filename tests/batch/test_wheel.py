"""A plain `pip wheel .` ships everything the package reads, and the installed (non-editable) package
builds a briefing when run from the checkout."""
from __future__ import annotations

import os
import subprocess
import sys
import zipfile

import pytest

from helpers.paths import ROOT

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("wheel")]  # its module fixture runs once

RESOURCES = ("helpers/messages.yaml", "helpers/catalogue/indicators.yaml", "helpers/catalogue/checks.yaml",
             "helpers/catalogue/region_aliases.csv", "helpers/catalogue/tables.yaml",
             "helpers/run/templates/index.html.j2", "helpers/run/templates/briefing/index.html.j2",
             "helpers/run/templates/briefing/conf.json", "helpers/run/templates/briefing/static/briefing.css")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(out), str(ROOT)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    (built,) = out.glob("*.whl")
    return built


def test_wheel_contains_texts_templates_and_catalogues(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    missing = [name for name in RESOURCES if name not in names]
    assert not missing, f"not in {wheel.name}: {missing}"


def test_installed_wheel_builds_a_briefing_from_the_checkout(wheel, tmp_path):
    target = tmp_path / "site"
    done = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target),
                           str(wheel)], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    env = {key: value for key, value in os.environ.items() if key != "INTEGRATIONSMONITOR_ROOT"}
    env["PYTHONPATH"] = str(target)  # ahead of the editable install, in this process and its kernels
    show = "import helpers, helpers.paths as p; print(helpers.__file__); print(p.ROOT)"
    where = subprocess.run([sys.executable, "-c", show], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    package_file, root = where.stdout.split()
    assert package_file.startswith(str(target)), "the wheel, not the editable source, must be imported"
    assert root == str(ROOT)
    out = tmp_path / "reports"
    run = subprocess.run([sys.executable, "-m", "helpers", "briefings", "--kommune", "Kleve", "--jobs", "1",
                          "--out", str(out)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stderr[-3000:]
    assert list((out / "latest").glob("kommune_05154036_kleve.html"))
