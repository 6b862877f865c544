"""The alerting rules in a real headless Chromium against a real `cronbeat serve`: the
OnCalendar schedule kind with its live preview, output rule rows with a bad regex shown on
its row, the maintenance page on a phone in dark mode (add a one-off window, delete it after
confirming, edit a weekly one), and the daily digest set and sent from its page. Screenshots
go to test-output/screenshots/ for a reviewer."""

from __future__ import annotations

import re
from pathlib import Path

import httpx

from browser import browser_context, password_link, screenshot
from local_server import running_server

PASSWORD = "a browser password"


def test_a_heartbeat_gets_an_oncalendar_schedule_and_output_rules_in_the_form(
    tmp_path: Path,
) -> None:
    from playwright.sync_api import expect

    with running_server(tmp_path) as server, browser_context(
        viewport={"width": 1280, "height": 900}, color_scheme="light",
    ) as context:
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.goto(password_link(server.log.read_text()))
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        expect(page.locator("h1")).to_have_text("Heartbeats")

        page.goto(f"{server.base}/heartbeats/new")
        page.fill("input[name=name]", "weekday report")
        expect(page.locator("input[name=oncalendar]")).to_be_hidden()
        page.check("input[name=kind][value=oncalendar]")
        expect(page.locator("input[name=oncalendar]")).to_be_visible()
        expect(page.locator("input[name=schedule]")).to_be_hidden()
        page.fill("input[name=timezone]", "Europe/Riga")
        page.fill("input[name=oncalendar]", "Mon..Fri 02:30")
        preview = page.locator("#schedule-preview")
        expect(preview).to_contain_text("OnCalendar Mon..Fri 02:30 (Europe/Riga)")
        expect(preview.locator("li")).to_have_count(5)
        page.fill("input[name=failure_threshold]", "3")
        page.select_option("select[name=rule-1-match]", "regex")
        page.fill("input[name=rule-1-pattern]", "Trace(back")
        page.click("button:has-text('Create heartbeat')")
        # The bad pattern comes back as the first rule, marked, with the service's message.
        row = page.locator("#rule-0")
        expect(row.locator("input[name=rule-0-pattern]")).to_have_value("Trace(back")
        expect(row.locator("input[name=rule-0-pattern]")).to_have_attribute(
            "aria-invalid", "true")
        expect(page.locator("[id='output_rules.0.pattern-error']")).to_contain_text(
            "not a valid regular expression")
        expect(page.locator("input[name=oncalendar]")).to_be_visible()
        screenshot(page, "heartbeat-form-rules-error")
        page.fill("input[name=rule-0-pattern]", "Traceback")
        page.click("button:has-text('Create heartbeat')")
        expect(page.locator("h1")).to_have_text("weekday report")
        expect(page.locator("body")).to_contain_text("after 3 failures or misses in a row")
        expect(page.locator("body")).to_contain_text("#1 regex 'Traceback' → fail")
        screenshot(page, "heartbeat-alerting-rules")


def test_the_maintenance_page_works_on_a_phone_in_dark_mode(tmp_path: Path) -> None:
    from playwright.sync_api import expect

    with running_server(tmp_path) as server, browser_context(
        viewport={"width": 390, "height": 844}, color_scheme="dark", is_mobile=True,
    ) as context:
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.goto(password_link(server.log.read_text()))
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        expect(page.locator("h1")).to_have_text("Heartbeats")
        headers = {"Authorization": f"Bearer {server.key}"}
        made = httpx.post(f"{server.base}/api/v1/heartbeats", headers=headers,
                          json={"name": "nightly <backup>", "period": 86400, "tags": ["db"]})
        assert made.status_code == 201

        page.goto(f"{server.base}/maintenance")
        expect(page.locator("h1")).to_have_text("Maintenance windows")
        page.fill("input[name=name]", "database upgrades")
        page.fill("input[name=tag]", "db")
        page.check("input[name=days][value='6']")
        page.fill("input[name=start_time]", "02:00")
        page.fill("input[name=end_time]", "04:00")
        page.fill("input[name=timezone]", "Europe/Riga")
        page.click("button:has-text('Add window')")
        expect(page.locator("table.windows")).to_contain_text(
            "Sundays 02:00\u201304:00 Europe/Riga")

        expect(page.locator("input[name=starts_at]")).to_be_hidden()
        page.check("input[name=kind][value=one_off]")
        page.check("input[name=target][value=heartbeat]")
        page.fill("input[name=name]", "disk swap")
        page.fill("input[name=heartbeat_id]", str(made.json()["id"]))
        page.fill("input[name=starts_at]", "2030-01-05T10:00")
        page.fill("input[name=ends_at]", "2030-01-05T12:00")
        page.fill("input[name=timezone]", "UTC")
        page.click("button:has-text('Add window')")
        expect(page.locator("table.windows")).to_contain_text("nightly <backup>")
        background = page.evaluate("getComputedStyle(document.body).backgroundColor")
        assert background == "rgb(13, 17, 23)"  # the dark palette
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        screenshot(page, "maintenance-phone-dark")

        asked: list[str] = []
        page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
        page.locator("tr", has_text="disk swap").locator("button:has-text('Delete')").click()
        expect(page.locator(".flash")).to_contain_text("is deleted")
        assert asked and re.search("disk swap", asked[0])
        expect(page.locator("table.windows")).not_to_contain_text("disk swap")

        # Edit the weekly window: the form opens filled in, with its days still ticked.
        page.locator("tr", has_text="database upgrades").locator("a:has-text('Edit')").click()
        expect(page.locator("#window-form")).to_have_text("Change \u201cdatabase upgrades\u201d")
        expect(page.locator("input[name=days][value='6']")).to_be_checked()
        expect(page.locator("input[name=start_time]")).to_have_value("02:00")
        page.check("input[name=days][value='5']")
        page.fill("input[name=end_time]", "05:00")
        page.click("button:has-text('Save')")
        expect(page.locator(".flash")).to_contain_text("is saved")
        expect(page.locator("table.windows")).to_contain_text(
            "Weekends 02:00\u201305:00 Europe/Riga")


def test_the_daily_digest_is_set_and_sent_from_its_page(tmp_path: Path) -> None:
    from playwright.sync_api import expect

    with running_server(tmp_path) as server, browser_context(
        viewport={"width": 1280, "height": 900}, color_scheme="light",
    ) as context:
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.goto(password_link(server.log.read_text()))
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        expect(page.locator("h1")).to_have_text("Heartbeats")

        page.goto(f"{server.base}/team")
        expect(page.locator("#digest + p")).to_contain_text("Off: nobody gets a daily list")
        page.click("#digest + p a")
        expect(page.locator("h1")).to_have_text("Daily digest")
        page.fill("input[name=time]", "09:00")
        page.fill("input[name=timezone]", "Europe/Riga")
        page.select_option("select[name=targets]", ["team"])
        page.click("button:has-text('Save')")
        expect(page.locator(".flash")).to_contain_text("goes out at 09:00 (Europe/Riga)")
        expect(page.locator("#digest-next")).to_contain_text("Next digest: ")
        screenshot(page, "daily-digest")

        page.click("button:has-text('Send the digest now')")
        expect(page.locator("h1")).to_have_text("Digest message to Admin")
        # The page follows the delivery live (every 5 s): no SMTP server is set up here.
        expect(page.locator("main")).to_contain_text("email is not set up", timeout=15_000)
