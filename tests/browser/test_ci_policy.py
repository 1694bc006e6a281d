"""Browser tests may skip on a developer machine without Chromium, never on CI.

Why: a skipped browser test is a green build that proved nothing about the briefings a
committee member opens; CI (env CI set, as in .ci/run) must fail loudly instead.
"""
from __future__ import annotations

import pytest
from _pytest.outcomes import Failed, Skipped

from tests.browser import conftest


@pytest.fixture
def no_chromium(monkeypatch):
    monkeypatch.setenv("INTEGRATIONSMONITOR_CHROMIUM", "/nonexistent/chromium")
    monkeypatch.setattr(conftest.shutil, "which", lambda name: None)


def test_missing_chromium_fails_on_ci(no_chromium, monkeypatch):
    monkeypatch.setenv("CI", "true")
    try:
        conftest.require_chromium()
    except Failed as failure:
        assert "CI: browser tests must run" in str(failure)
    except Skipped as skip:  # a skip here would turn the whole browser group green on CI
        pytest.fail(f"skipped on CI instead of failing: {skip}")
    else:
        pytest.fail("a missing Chromium went unnoticed on CI")


def test_missing_chromium_skips_locally_with_reason(no_chromium, monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(Skipped, match="chromium"):
        conftest.require_chromium()


@pytest.mark.parametrize("url, local", [
    ("file:///tmp/a.html", True), ("data:text/html,x", True), ("http://127.0.0.1:8888/lab", True),
    ("ws://localhost:8888/api/kernels", True), ("http://[::1]:80/", True),
    ("https://cdn.plot.ly/plotly.min.js", False), ("http://127.0.0.1.evil.example/", False),
    ("https://localhost.example.org/", False), ("http://10.0.0.1/", False),
])
def test_only_loopback_and_files_count_as_local(url, local):
    assert conftest.is_local(url) is local
