"""Headless Debian Chromium driven by Playwright (sync API), for the browser tests.

Why these fixtures: a committee member opens a briefing from a USB stick, offline. So every
page is loaded with *all* non-local requests blocked (``page.route``); a hidden CDN
dependency shows up as a blocked request and fails the test, instead of passing silently on
a developer machine that happens to have internet.

Chromium comes from Debian (``/usr/bin/chromium``; ``.ci/run`` installs it). Playwright's own
browser download (``playwright install``) needs the internet and is never used. Locally the
browser tests skip with a reason when Chromium is missing; on CI (``CI`` set) they fail.
"""
from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import pytest

from helpers.paths import ROOT

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
LOCAL_SCHEMES = {"file", "data", "blob", "about", "chrome-error"}
SCREENSHOT_DIR = ROOT / "test-output" / "screenshots"


def chromium_executable() -> str | None:
    """Debian's Chromium, or the one named by ``INTEGRATIONSMONITOR_CHROMIUM``."""
    candidate = os.environ.get("INTEGRATIONSMONITOR_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    return candidate if Path(candidate).exists() else None


def require_chromium() -> str:
    """Skip locally without Chromium; on CI a missing browser is a failure, never a skip."""
    executable = chromium_executable()
    if executable is None:
        message = ("Debian-Chromium fehlt (/usr/bin/chromium); `apt-get install chromium` "
                   "oder INTEGRATIONSMONITOR_CHROMIUM setzen")
        if os.environ.get("CI"):
            pytest.fail(f"CI: browser tests must run, but {message}", pytrace=False)
        pytest.skip(message)
    return executable


def is_local(url: str) -> bool:
    """file://, data:, blob: and http(s) on loopback are local; everything else is the internet."""
    parsed = urlparse(url)
    if parsed.scheme in LOCAL_SCHEMES:
        return True
    if parsed.scheme in {"http", "https", "ws", "wss"}:
        return (parsed.hostname or "") in LOCAL_HOSTS
    return False


@dataclass
class WatchedPage:
    """A page plus everything that went wrong while it was open."""

    page: object
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        return ([f"blocked non-local request: {u}" for u in self.blocked]
                + [f"console error: {m}" for m in self.console_errors]
                + [f"page error: {m}" for m in self.page_errors]
                + [f"failed request: {u}" for u in self.failed])

    def assert_clean(self) -> None:
        problems = self.problems()
        assert not problems, "\n".join(problems)


@pytest.fixture(scope="session")
def browser():
    """One Chromium for the whole session (start costs ~1 s); fresh contexts per page."""
    executable = require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        # launch() gives Chromium a fresh temporary profile (--user-data-dir) of its own.
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def open_page(browser):
    """Factory: ``open_page()`` -> WatchedPage with non-local requests blocked and errors recorded."""
    contexts = []

    def _open(viewport=(1280, 900), ignore_console=()) -> WatchedPage:
        context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]},
                                      locale="de-DE", service_workers="block")
        contexts.append(context)
        page = context.new_page()
        watched = WatchedPage(page)

        def route(route):
            url = route.request.url
            if is_local(url):
                route.continue_()
            else:
                watched.blocked.append(url)
                route.abort("blockedbyclient")

        context.route("**/*", route)

        def on_console(message):
            if message.type == "error" and not any(s in message.text for s in ignore_console):
                watched.console_errors.append(message.text)

        page.on("console", on_console)
        page.on("pageerror", lambda error: watched.page_errors.append(str(error)))
        page.on("requestfailed", lambda request: watched.failed.append(
            f"{request.url} ({request.failure})") if is_local(request.url) else None)
        return watched

    yield _open
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    """test-output/screenshots/ (git-ignored): one picture per kind of page, for people to look at."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    return SCREENSHOT_DIR
