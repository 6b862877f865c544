"""A real headless Chromium (Debian's package) driven by Playwright, for dashboard tests.
Playwright's own browser download is never used: it cannot work on these machines."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("CRONBEAT_TEST_CHROMIUM", "/usr/bin/chromium"))
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-background-networking", "--disable-component-update", "--no-first-run",
        "--disable-sync"]
SCREENSHOTS = Path(__file__).resolve().parent.parent / "test-output" / "screenshots"


def require_chromium() -> None:
    """In CI the browser must be there (.ci/run installs it); elsewhere, skip without it."""
    if CHROMIUM.exists():
        return
    if os.environ.get("CI"):
        pytest.fail(f"{CHROMIUM} is missing: `apt-get install -y chromium`")
    pytest.skip(f"{CHROMIUM} is missing: `apt-get install -y chromium` to run browser tests")


@contextmanager
def browser_context(**options: object) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    require_chromium()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            context = browser.new_context(**options)  # type: ignore[arg-type]
            yield context
            context.close()
        finally:
            browser.close()


def screenshot(page: object, name: str) -> Path:
    """Saved for a reviewer to look at: test-output/screenshots/<name>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
    return path


def password_link(log: str) -> str:
    found = re.search(r"http://127\.0\.0\.1:\d+/password/\S+", log)
    assert found, "the first start prints a password link"
    return found.group(0)
