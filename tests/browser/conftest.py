"""A real browser for page tests: Playwright driving Debian's Chromium (never a downloaded browser).

Without ``/usr/bin/chromium`` the tests skip with the reason, except under ``CI=true``, where they fail
(``make test`` and ``.ci/run`` install it with apt-get). Each test leaves a screenshot in ``test-output/``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")

CHROMIUM = Path("/usr/bin/chromium")
OUTPUT = Path(__file__).resolve().parents[2] / "test-output"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def require_chromium(path: Path = CHROMIUM) -> None:
    """Return if ``path`` exists; otherwise fail under ``CI=true`` and skip (with the reason) elsewhere."""
    if path.exists():
        return
    reason = f"{path} is missing: install Debian's chromium (make test does, with apt-get)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One Chromium for the session."""
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield launched
        launched.close()


class PageWatch:
    """What the page did: console errors, CSP violations, every request's URL and headers."""

    def __init__(self, page: Any) -> None:
        self.console_errors: list[str] = []
        self.requests: list[tuple[str, dict[str, str]]] = []
        page.on("console", lambda msg: self.console_errors.append(msg.text) if msg.type == "error" else None)
        page.on("request", lambda request: self.requests.append((request.url, request.headers)))


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh context and page; a screenshot of its last state goes to ``test-output/<test>.png``."""
    context = browser.new_context(locale="en-GB", timezone_id="Europe/London")
    context.set_default_timeout(10_000)
    new_page = context.new_page()
    new_page.watch = PageWatch(new_page)
    yield new_page
    OUTPUT.mkdir(exist_ok=True)
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
    try:
        new_page.screenshot(path=str(OUTPUT / f"{name}.png"), full_page=True)
    finally:
        context.close()
