"""The committed notebooks' outputs, which nbval compares on every machine: no warnings and no machine paths.

A warning stored as stderr output names the path of the checkout that ran `make notebooks`, so nbval fails in
any other clone; the warning itself is a defect to fix where it arises."""
import json

import pytest

from helpers.paths import NOTEBOOKS_DIR

COMMITTED = sorted(NOTEBOOKS_DIR.glob("*.ipynb")) + sorted(NOTEBOOKS_DIR.glob("explore/*.ipynb"))


@pytest.mark.parametrize("path", COMMITTED, ids=lambda p: p.name)
def test_committed_outputs_hold_no_warning(path):
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    stderr = [i for i, cell in enumerate(cells) for out in cell.get("outputs", []) if out.get("name") == "stderr"]
    assert not stderr, f"{path.name}: stderr output in cells {stderr} – fix the warning, then make notebooks"
