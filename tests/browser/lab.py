"""Start and stop a JupyterLab server for tests: free local port, token, clean shutdown.

The server runs in its own process group, so stopping it also stops the kernels it started
and, for ``make lab``, the make process around it: SIGTERM, wait, then SIGKILL.
"""
from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def api(port: int, token: str, path: str, timeout: float = 5) -> dict | list:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"Authorization": f"token {token}"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.load(response)


def wait_for_status(port: int, token: str, process: subprocess.Popen, log: Path, timeout: float = 90) -> dict:
    """Poll /api/status until the server answers; fail with its log if it exits or never answers."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"JupyterLab exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        with contextlib.suppress(OSError, urllib.error.URLError, json.JSONDecodeError):
            return api(port, token, "/api/status", timeout=2)
        time.sleep(0.5)
    raise AssertionError(f"JupyterLab did not answer on /api/status within {timeout} s:\n{log.read_text()[-3000:]}")


def stop(process: subprocess.Popen, timeout: float = 20) -> None:
    """SIGTERM to the whole group (server, kernels, make), wait, then SIGKILL."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


@contextlib.contextmanager
def running(command: list[str], *, port: int, token: str, log: Path, cwd: Path, env: dict | None = None):
    """Run ``command`` (a JupyterLab start), yield once /api/status answers, always stop it."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "wb") as out:
        process = subprocess.Popen(command, cwd=cwd, env={**os.environ, **(env or {})}, stdout=out,
                                   stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        try:
            status = wait_for_status(port, token, process, log)
            yield process, status
        finally:
            stop(process)


def new_token() -> str:
    return secrets.token_hex(16)
