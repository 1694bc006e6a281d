"""Issue 30: a briefing run reads one build from its first notebook to its last, also when `data update` commits
a revision meanwhile – real run (workers, warm kernels), real update in another process, on a copy of the data."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from helpers.paths import RAW_DIR
from tests.batch.toy import TOYS, briefing_cells, notebook, toy_run_table
from tests.data.update_support import LDB_12411_15I
from tests.material import require

pytestmark = pytest.mark.slow

# Reads Moers' population like a briefing reads its figures, says which build it read, then waits for the test.
READ_AND_WAIT = """import os, pathlib, time
from helpers.data import store
obs = store.load("observations")
moers = obs[(obs.ags == "05170024") & (obs.variable == "population") & (obs.category == "total")
            & (obs.date == "2024-12-31") & obs.preferred]["value"]
print("MOERS", int(moers.iloc[0]), os.environ.get("INTEGRATIONSMONITOR_BUILD"))
gate = pathlib.Path(os.environ["IM_TEST_GATE"])
(gate.parent / "started").touch()
while not gate.exists():
    time.sleep(0.2)"""


def _root(base: Path) -> Path:
    root = base / "root"
    (root / "notebooks").mkdir(parents=True)
    toy_run_table(root / "notebooks")
    for name in TOYS:
        notebook(root / "notebooks" / f"{name}.ipynb", *briefing_cells(name), READ_AND_WAIT)
    shutil.copytree(RAW_DIR, root / "data" / "raw")
    return root


def test_an_update_committing_during_a_run_mixes_nothing_into_it(tmp_path):
    from helpers.data import processed

    root, out, gate = _root(tmp_path), tmp_path / "out", tmp_path / "gate"
    env = {**os.environ, "INTEGRATIONSMONITOR_ROOT": str(root), "IM_TEST_GATE": str(gate)}
    run = subprocess.Popen([sys.executable, "-m", "helpers", "briefings", "--kommune", "Kleve", "--kommune", "Goch",
                            "--sprache", "de", "--jobs", "1", "--force", "--out", out],
                           env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 600
        while not (tmp_path / "started").exists():  # the first notebook has read its figures
            assert run.poll() is None and time.monotonic() < deadline, run.communicate()[1][-3000:]
            time.sleep(0.2)
        held = processed.current(root / "data" / "processed")
        revised = tmp_path / "from" / "12411-15i.csv"
        revised.parent.mkdir()
        original = require(LDB_12411_15I).read_bytes()
        revised.write_bytes(original.replace(b"Moers, Stadt;101503;", b"Moers, Stadt;101777;"))
        update = subprocess.run([sys.executable, "-m", "helpers", "data", "update", "--from", revised.parent],
                                env=env, capture_output=True, text=True, timeout=600)
        assert update.returncode == 0, update.stdout + update.stderr
        assert "Moers: population (total) 31.12.2024 revidiert: 101.503 → 101.777" in update.stdout
        assert processed.current(root / "data" / "processed") != held and held.is_dir()  # held by the run
    finally:
        gate.touch()
    _, err = run.communicate(timeout=900)
    assert run.returncode == 0, err[-3000:]

    record = json.loads(((out / "latest") / "run.json").read_text(encoding="utf-8"))
    assert record["data_build"] == held.name and len(record["notebooks"]) == 4
    for entry in record["notebooks"]:
        executed = nbformat.read((out / "latest") / f"{entry['output']}.ipynb", as_version=4)
        printed = "".join(o.get("text", "") for cell in executed.cells for o in cell.get("outputs", []))
        assert re.search(rf"MOERS 101503 {re.escape(str(held))}\b", printed), (entry["output"], printed)

    # the next run reads the new build, and the next writer removes the old one nobody holds any more
    subprocess.run([sys.executable, "-m", "helpers", "data", "build"], env=env, capture_output=True, timeout=600,
                   check=True)
    assert not held.exists()
