"""kommune_profil run through the real JupyterLab UI (Run → Run All Cells).

Why: researchers open the notebooks in JupyterLab, not through papermill. This proves the
project kernel is the one used, "Run All Cells" works without errors, the key figures the
helpers compute from data appear formatted in the notebook view, and plotly charts render
there (JupyterLab renders the plotly MIME type, not the HTML div the briefings use).
"""
from __future__ import annotations

import hashlib
import os
import shutil
import sys
import time
from pathlib import Path

import pytest

from helpers.paths import ROOT
from tests import expected
from tests.browser import checks, lab

pytestmark = [pytest.mark.browser, pytest.mark.slow]

KERNEL = "integrationsmonitor"
NOTEBOOK = "notebooks/kommune_profil.ipynb"
ALLOW_ROOT = ["--allow-root"] if os.geteuid() == 0 else []
LOG_DIR = ROOT / "test-output" / "jupyterlab"


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def lab_server(tmp_path):
    """JupyterLab on a temp copy of notebooks/ (the UI run must not touch committed files);
    the helpers still read the repository's data via INTEGRATIONSMONITOR_ROOT."""
    root = tmp_path / "lab"
    shutil.copytree(ROOT / "notebooks", root / "notebooks")
    settings = tmp_path / "settings"
    news = settings / "@jupyterlab" / "apputils-extension"
    news.mkdir(parents=True)  # no "Jupyter news?" toast over the screenshot
    (news / "notification.jupyterlab-settings").write_text('{"fetchNews": "false"}')
    tracker = settings / "@jupyterlab" / "notebook-extension"
    tracker.mkdir(parents=True)  # render every cell, not only those in view, so the page text is complete
    (tracker / "tracker.jupyterlab-settings").write_text('{"windowingMode": "none"}')
    port, token = lab.free_port(), lab.new_token()
    command = [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ServerApp.ip=127.0.0.1",
               f"--ServerApp.port={port}", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
               f"--MappingKernelManager.default_kernel_name={KERNEL}",
               "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate", *ALLOW_ROOT]
    env = {"INTEGRATIONSMONITOR_ROOT": str(ROOT), "JUPYTERLAB_SETTINGS_DIR": str(settings),
           "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "workspaces"), "JUPYTER_CONFIG_DIR": str(tmp_path / "config")}
    with lab.running(command, port=port, token=token, log=LOG_DIR / "lab-ui.log", cwd=root, env=env):
        yield {"port": port, "token": token, "root": root}


def _open_menu_item(page, menu: str, item: str) -> None:
    page.locator(".lm-MenuBar-itemLabel", has_text=menu).first.click()
    page.locator(".lm-Menu-itemLabel", has_text=item).first.click()


def _wait_until_all_cells_ran(page, server, timeout_s: float = 180) -> None:
    """Every code cell has an execution count (or one failed, which stops Run All) and the kernel is idle."""
    deadline = time.monotonic() + timeout_s
    script = """() => {
      const prompts = Array.from(document.querySelectorAll('.jp-CodeCell .jp-InputPrompt'))
        .map(p => p.textContent.trim());
      const failed = Array.from(document.querySelectorAll(
        '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'))
        .some(o => o.textContent.includes('Traceback'));  // a warning on stderr is not a stop
      return prompts.length > 0 && (failed || prompts.every(t => /\\[\\d+\\]/.test(t)));
    }"""
    settled = 0  # two idle polls in a row: the kernel is briefly idle between queued cells
    while time.monotonic() < deadline:
        sessions = lab.api(server["port"], server["token"], "/api/sessions")
        states = [s["kernel"]["execution_state"] for s in sessions]
        settled = settled + 1 if page.evaluate(script) and states and all(s == "idle" for s in states) else 0
        if settled >= 2:
            return
        time.sleep(0.5)
    raise AssertionError(f"cells still running after {timeout_s} s (kernel states {states})")


def test_kommune_profil_run_all_in_jupyterlab(open_page, lab_server, screenshot_dir):
    """Run → Run All Cells in the real UI: project kernel, no errors, key figures, a chart."""
    committed = ROOT / NOTEBOOK
    before = _sha(committed)
    watched = open_page(viewport=(1400, 1000))
    page = watched.page
    started = time.monotonic()
    page.goto(f"http://127.0.0.1:{lab_server['port']}/lab/tree/{NOTEBOOK}?token={lab_server['token']}")
    page.locator(".jp-NotebookPanel").first.wait_for(timeout=60000)
    page.locator(".jp-Notebook .jp-Cell").first.wait_for(timeout=60000)
    # the kernel must be the project kernel, started by opening the notebook
    page.wait_for_function("() => /Idle/.test((document.querySelector('#jp-main-statusbar') || {}).textContent || '')",
                           timeout=60000)
    _open_menu_item(page, "Run", "Run All Cells")
    _wait_until_all_cells_ran(page, lab_server)
    elapsed = time.monotonic() - started

    page.screenshot(path=str(screenshot_dir / "jupyterlab_kommune_profil.png"))
    sessions = lab.api(lab_server["port"], lab_server["token"], "/api/sessions")
    assert [s["kernel"]["name"] for s in sessions] == [KERNEL]
    assert "Integrationsmonitor (.venv)" in page.inner_text("#jp-main-statusbar")

    errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
    error_texts = [errors.nth(i).inner_text() for i in range(errors.count())]
    assert not [t for t in error_texts if "Traceback" in t or "Error" in t], error_texts
    for warning in error_texts:  # shown in red to the researcher; reported, not (yet) a failure
        print(f"\nstderr in JupyterLab: {warning[:200]}")
    assert page.locator(".jp-RenderedText[data-mime-type='application/vnd.jupyter.error'], "
                        ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.error']").count() == 0

    text = expected.normalise(page.inner_text(".jp-NotebookPanel"))
    key_figures = expected.key_figure_strings("Kleve")  # the notebook's default municipality
    assert key_figures, "no key figures computed for Kleve: data or catalogue changed?"
    missing = {k: v for k, v in key_figures.items() if v not in text}
    assert not missing, f"key figures not shown in the notebook: {missing}"

    checks.wait_for_charts(page)
    charts = checks.chart_report(page)
    assert any(c["svg"] and c["traces"] and c["paths"] for c in charts), charts

    print(f"\nJupyterLab open + Run All Cells: {elapsed:.1f} s, {len(charts)} chart(s)")
    assert watched.blocked == [], f"JupyterLab tried to reach the internet: {watched.blocked}"
    assert _sha(committed) == before, "the UI run modified the committed notebook"
