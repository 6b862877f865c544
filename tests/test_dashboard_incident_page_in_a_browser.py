"""In a real headless browser against `cronbeat serve`: the incident page's timeline follows
changes made elsewhere without a reload, and Resolve asks first, then acts."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from local_server import running_server

CHROMIUM = "/usr/bin/chromium"
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs chromium")


def test_the_timeline_refreshes_by_itself_and_resolve_asks_first(tmp_path: Path):
    from playwright.sync_api import sync_playwright

    with running_server(tmp_path) as server:
        api = httpx.Client(base_url=server.base,
                           headers={"Authorization": f"Bearer {server.key}"})
        heartbeat = api.post("/api/v1/heartbeats", json={"name": "nightly backup",
                                                         "period": 60}).json()
        assert httpx.post(f"{server.base}/api/v1/heartbeat/{heartbeat['token']}/3",
                          content=b"disk full").status_code == 200
        incident_id = api.get(f"/api/v1/heartbeats/{heartbeat['id']}").json()["incident"]["id"]
        made = subprocess.run(
            [sys.executable, "-m", "cronbeat", "password-link", "admin@localhost"],
            env={**os.environ, "CRONBEAT_DATA_DIR": str(tmp_path / "data")},
            capture_output=True, text=True, check=True)
        link = re.search(r"/password/\S+", made.stdout)
        assert link, made.stdout

        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=[
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
            page = browser.new_page()
            problems: list[str] = []
            page.on("pageerror", lambda error: problems.append(str(error)))
            page.goto(server.base + link.group(0))
            page.fill("input[name=password]", "correct horse battery")
            page.click("button[type=submit]")
            page.goto(f"{server.base}/incidents/{incident_id}")
            assert page.locator("ol.timeline li.opened").count() == 1

            # Acknowledged elsewhere: the open page shows it at its next refresh.
            assert api.post(f"/api/v1/incidents/{incident_id}/acknowledge").status_code == 200
            page.wait_for_selector("ol.timeline li.acknowledged", timeout=15_000)
            assert "Acknowledged by API key 'first key'" in page.inner_text("ol.timeline")

            asked: list[str] = []
            page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
            page.click("button:has-text('Resolve')")
            page.wait_for_selector("p.flash")
            assert asked == ["Resolve this incident by hand?"]
            assert page.inner_text("p.flash") == "Resolved."
            assert "Resolved by Admin <admin@localhost>" in page.inner_text("ol.timeline")
            assert problems == []
            browser.close()
