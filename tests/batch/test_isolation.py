"""The warm-kernel engine: a notebook run after another behaves exactly as if run alone."""
from __future__ import annotations

import json
import re

import papermill
import pytest

from helpers.paths import NOTEBOOKS_DIR, ROOT
from helpers.run import warm_kernel
from helpers.run.pool import KERNEL_NAME
from tests.batch.toy import notebook

pytestmark = pytest.mark.slow

# Notebook A changes every kind of state a notebook could leave behind, with its parameter.
POLLUTE = """leak = kommune
import os, sys, warnings
import pandas as pd, plotly.io as pio, plotly.graph_objects as go
import helpers.kommunen, helpers.i18n
helpers.kommunen.region(kommune); helpers.i18n.t("chart_word")   # fill module-level caches
helpers.kommunen._leak = kommune                               # module attribute
os.environ["IM_LEAK"] = kommune; os.chdir("/"); sys.path.append("/leak")
warnings.simplefilter("ignore"); pd.set_option("display.max_rows", 3); import gc; gc.set_threshold(1, 1, 1)
pio.templates["leak"] = go.layout.Template(); pio.templates.default = "leak"; pio.renderers.default = "json"
print("A", kommune)"""

# Notebook B asserts that none of it is visible, and prints what a fresh kernel shows.
CHECK = """import os, sys, warnings
import pandas as pd, plotly.io as pio
import helpers.kommunen, helpers.i18n
assert "leak" not in globals() and "pd" in globals()
assert not hasattr(helpers.kommunen, "_leak")
assert helpers.kommunen.all_regions.cache_info().currsize == 0
assert helpers.i18n.messages.cache_info().currsize == 0
assert "IM_LEAK" not in os.environ and "/leak" not in sys.path
assert pd.get_option("display.max_rows") == 60 and "leak" not in pio.templates
import gc
print("B", kommune, os.getcwd() != "/", pio.templates.default, pio.renderers.default, len(warnings.filters),
      gc.get_threshold())
print(sorted(k for k in globals() if not k.startswith("_")))"""


def _run(source, target, kommune):
    return papermill.execute_notebook(source, target, parameters={"kommune": kommune},
                                      engine_name=warm_kernel.ENGINE_NAME, kernel_name=KERNEL_NAME,
                                      progress_bar=False)


def _outputs(nb):
    return [(c.get("execution_count"), [o.get("text") for o in c.get("outputs", [])])
            for c in nb.cells if c.cell_type == "code"]


def test_notebook_after_another_behaves_as_if_run_alone(tmp_path):
    a = notebook(tmp_path / "a.ipynb", POLLUTE)
    b = notebook(tmp_path / "b.ipynb", CHECK)
    warm_kernel.shutdown()
    try:
        alone = _run(b, tmp_path / "b-alone.ipynb", "Goch")
        kernel = warm_kernel._kernel
        _run(a, tmp_path / "a-out.ipynb", "Kleve")
        after = _run(b, tmp_path / "b-after.ipynb", "Goch")
        assert warm_kernel._kernel is kernel, "the kernel was reused, not restarted"
    finally:
        warm_kernel.shutdown()
    assert _outputs(after) == _outputs(alone)
    assert _outputs(after)[0][0] == 1  # execution counter starts afresh


def _sanitized(nb):
    """Outputs with what legitimately differs between two runs masked (tests/nbval_sanitize.cfg)."""
    import configparser

    rules = configparser.ConfigParser()
    rules.read(ROOT / "tests" / "nbval_sanitize.cfg")
    text = json.dumps([c.get("outputs", []) for c in nb.cells if c.cell_type == "code"], sort_keys=True)
    for section in rules.sections():
        text = re.sub(rules[section]["regex"], rules[section]["replace"], text)
    return text


def test_real_profile_after_other_notebooks_equals_profile_alone(tmp_path):
    profile, others = NOTEBOOKS_DIR / "kommune_profil.ipynb", NOTEBOOKS_DIR / "kreis_uebersicht.ipynb"
    if not (profile.exists() and others.exists()):
        pytest.skip("Produkt-Notebooks fehlen noch")
    warm_kernel.shutdown()
    try:
        alone = _run(profile, tmp_path / "alone.ipynb", "Goch")
        warm_kernel.shutdown()
        _run(profile, tmp_path / "kleve.ipynb", "Kleve")
        papermill.execute_notebook(others, tmp_path / "kreis.ipynb", engine_name=warm_kernel.ENGINE_NAME,
                                   kernel_name=KERNEL_NAME, progress_bar=False)
        after = _run(profile, tmp_path / "after.ipynb", "Goch")
    finally:
        warm_kernel.shutdown()
    assert _sanitized(after) == _sanitized(alone)


def test_the_warm_kernel_writes_no_input_history(tmp_path, monkeypatch):
    """IPython's history.sqlite is one file for every kernel of the user: a batch would write each cell of 810
    notebooks into it (and its two workers wait on its lock). The inputs stay readable in the notebook."""
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))
    nb = notebook(tmp_path / "history.ipynb", "x = 1", "print(In[-2], _i)")
    warm_kernel.shutdown()
    try:
        done = _run(nb, tmp_path / "out.ipynb", "Goch")
    finally:
        warm_kernel.shutdown()
    assert _outputs(done)[-1][1] == ["x = 1 x = 1\n"]
    assert not list((tmp_path / "ipython").rglob("history.sqlite*"))
