"""Headless Chromium from the distribution (make test installs it), driven by Playwright.

Playwright's own browser download is not reachable from CI, so the tests use the system
browser; a machine without it fails the browser tests, it never skips them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@contextmanager
def chromium() -> Iterator[Any]:
    """The system Chromium, headless, closed on the way out."""
    if not CHROMIUM.is_file():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs it (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def new_page(browser: Any, width: int = 1220, height: int = 900) -> Iterator[Any]:
    """A fresh page; uncaught script errors are collected on ``page.errors``, so a test
    can assert there were none."""
    page = browser.new_page(viewport={"width": width, "height": height})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.errors = errors
    try:
        yield page
    finally:
        page.close()


@contextmanager
def chromium_page(width: int = 1220, height: int = 900) -> Iterator[Any]:
    """One browser, one page: for a single look (the screenshot script)."""
    with chromium() as browser, new_page(browser, width, height) as page:
        yield page
