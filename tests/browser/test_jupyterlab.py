"""`make lab`, the README's command for researchers, starts JupyterLab as documented.

Why: a researcher's first step must work offline and as root (CI and this machine run as
root, where JupyterLab refuses to start without --allow-root), on localhost only, with the
project kernel as the default for new notebooks.
"""
from __future__ import annotations

import socket

import pytest

from helpers.paths import ROOT
from tests.browser import lab

pytestmark = [pytest.mark.browser, pytest.mark.slow]

KERNEL = "integrationsmonitor"
LOG_DIR = ROOT / "test-output" / "jupyterlab"


def test_make_lab_starts_with_project_kernel():
    """`make lab` (the README's command) serves JupyterLab on localhost with the project kernel as default."""
    port, token = lab.free_port(), lab.new_token()
    command = ["make", "--no-print-directory", "-o", ".venv/.setup-done", "lab", f"LAB_PORT={port}",
               f"LAB_TOKEN={token}"]
    with lab.running(command, port=port, token=token, log=LOG_DIR / "make-lab.log", cwd=ROOT) as (process, status):
        assert "started" in status
        specs = lab.api(port, token, "/api/kernelspecs")
        assert specs["default"] == KERNEL
        assert specs["kernelspecs"][KERNEL]["spec"]["display_name"] == "Integrationsmonitor (.venv)"
        contents = lab.api(port, token, "/api/contents/notebooks")
        assert contents["type"] == "directory"  # served from the repository root
        # bound to 127.0.0.1 only: another address (even on loopback) is refused
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.2", port), timeout=2).close()
    assert process.poll() is not None, "make lab must stop with the test"
    log = (LOG_DIR / "make-lab.log").read_text()
    assert f"http://127.0.0.1:{port}/lab" in log  # prints the URL for the researcher
