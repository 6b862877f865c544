"""The dashboard end to end, in a real headless Chromium against a real `cronbeat serve`:
log in, create a heartbeat with a cron schedule, copy its URL, see it go up when pinged (no
reload), see it fail, acknowledge the incident, log out. Screenshots of the main pages are
saved under test-output/screenshots/ for a reviewer."""

from __future__ import annotations

import re
from pathlib import Path

import httpx

from browser import browser_context, password_link, screenshot
from local_server import running_server

PASSWORD = "a browser password"
LIVE_WAIT_MS = 15_000  # the pages refresh every 5 s


def test_a_new_user_monitors_a_job_and_acknowledges_its_failure(tmp_path: Path) -> None:
    from playwright.sync_api import expect

    with running_server(tmp_path) as server, browser_context(
        viewport={"width": 1280, "height": 900}, color_scheme="light",
    ) as context:
        context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.base)
        page = context.new_page()
        page.set_default_timeout(10_000)

        # The first start printed a link to choose the admin's password.
        page.goto(password_link(server.log.read_text()))
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        expect(page).to_have_url(re.compile(r"/heartbeats$"))

        # Log out, and in again with the form.
        page.click("text=Log out")
        expect(page).to_have_url(re.compile(r"/login"))
        screenshot(page, "login")
        page.fill("input[name=email]", "admin@localhost")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        expect(page.locator("h1")).to_have_text("Heartbeats")

        # Create a heartbeat with a cron schedule; the preview explains it as it is typed.
        page.click("text=New heartbeat")
        page.fill("input[name=name]", "nightly <backup>")
        page.check("input[name=kind][value=cron]")
        page.fill("input[name=timezone]", "Europe/Riga")
        page.fill("input[name=schedule]", "30 2 * * *")
        preview = page.locator("#schedule-preview")
        expect(preview).to_contain_text("At 02:30 every day (Europe/Riga)")
        expect(preview.locator("li")).to_have_count(5)
        page.fill("input[name=schedule]", "30 25 * * *")
        expect(preview).to_contain_text("invalid cron expression")
        page.fill("input[name=schedule]", "30 2 * * *")
        page.fill("input[name=grace]", "10 min")
        page.fill("input[name=tags]", "db")
        screenshot(page, "heartbeat-form")
        page.click("button:has-text('Create heartbeat')")
        expect(page.locator("h1")).to_have_text("nightly <backup>")
        expect(page.locator("#status")).to_have_text("pending")

        # Copy its ping URL with the button.
        page.click("button[data-copy='#ping-url']")
        url = page.evaluate("navigator.clipboard.readText()")
        assert re.fullmatch(rf"{server.base}/api/v1/heartbeat/[A-Za-z0-9_-]{{22}}", url)

        # A ping turns it up, and the page shows it without being reloaded.
        page.evaluate("window.notReloaded = true")
        assert httpx.post(url, content=b"backup done: 42 files").status_code == 200
        expect(page.locator("#status")).to_have_text("up", timeout=LIVE_WAIT_MS)
        expect(page.locator("#live")).to_contain_text("backup done: 42 files")
        assert page.evaluate("window.notReloaded") is True
        screenshot(page, "heartbeat-up")

        # The job fails: an incident opens; acknowledge it from the incident page.
        assert httpx.post(f"{url}/3", content=b"disk full").status_code == 200
        expect(page.locator("#status")).to_have_text("down", timeout=LIVE_WAIT_MS)
        page.locator("#live a[href^='/incidents/']").click()
        expect(page.locator("main")).to_contain_text("disk full")
        page.click("button:has-text('Acknowledge')")
        expect(page.locator(".timeline")).to_contain_text("Acknowledged by Admin <admin@localhost>")
        screenshot(page, "incident")

        page.goto(f"{server.base}/heartbeats")
        expect(page.locator("#heartbeat-rows")).to_contain_text("nightly <backup>")
        screenshot(page, "heartbeats")
        for path, name in (("/incidents", "incidents"), ("/oncall", "oncall"),
                           ("/policies", "policies"), ("/team", "team")):
            page.goto(server.base + path)
            screenshot(page, name)

        # Log out: the pages refuse the visitor and send them to the login form.
        page.click("text=Log out")
        page.goto(f"{server.base}/heartbeats")
        expect(page).to_have_url(re.compile(r"/login\?next=%2Fheartbeats$"))


def test_the_pages_read_well_on_a_phone_in_dark_mode(tmp_path: Path) -> None:
    from playwright.sync_api import expect

    with running_server(tmp_path) as server, browser_context(
        viewport={"width": 390, "height": 844}, color_scheme="dark", is_mobile=True,
    ) as context:
        page = context.new_page()
        page.goto(password_link(server.log.read_text()))
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        expect(page.locator("h1")).to_have_text("Heartbeats")
        headers = {"Authorization": f"Bearer {server.key}"}
        for name in ("nightly backup", "hourly sync of a very long named thing"):
            httpx.post(f"{server.base}/api/v1/heartbeats", headers=headers,
                       json={"name": name, "period": 3600, "tags": ["prod"]})
        page.reload()
        background = page.evaluate("getComputedStyle(document.body).backgroundColor")
        assert background == "rgb(13, 17, 23)"  # the dark palette
        # Nothing is wider than the phone's screen.
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        # Every menu entry is in sight: none is hidden off the edge of a scrolling menu.
        edges = page.evaluate("[...document.querySelectorAll('nav a')].map("
                              "a => a.getBoundingClientRect().right)")
        assert len(edges) == 6 and max(edges) <= 390, edges
        screenshot(page, "heartbeats-phone-dark")
