"""The heartbeat and incident pages show the alerting rules and what they did: streaks,
settings in words, the rule that decided each ping, an incident's detail, and incidents
suppressed while the heartbeat they depend on is down."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx

from cronbeat.clock import FixedClock
from cronbeat.db.engine import Database
from cronbeat.enums import PingKind, RuleAction, RuleMatch
from cronbeat.output_rules import OutputRule
from dashboard_helpers import admin_client, csrf_of, text_of
from helpers import make_heartbeat, notifications_of, ping, reload

FETCH = {"X-Requested-With": "fetch"}


async def test_the_heartbeat_page_shows_its_rules_in_words_and_the_rule_each_ping_met(
    app_client: httpx.AsyncClient, db: Database, clock: FixedClock, team_id: int
) -> None:
    parent = await make_heartbeat(db, team_id, clock.now(), name="<i>db</i> host")
    rules = (OutputRule(RuleMatch.KEYWORD, "<script>ERROR", RuleAction.FAIL),
             OutputRule(RuleMatch.REGEX, r"^ok$", RuleAction.SUCCEED))
    heartbeat = await make_heartbeat(
        db, team_id, clock.now(), name="<b>backup</b>", failure_threshold=3,
        recovery_threshold=2, output_rules=rules, min_runtime=60, max_runtime=3600,
        early_tolerance=600, depends_on=parent.id)
    await ping(db, heartbeat.token, clock.now(), PingKind.SUCCESS, body=b"<script>ERROR x")
    await admin_client(app_client, db)
    html = (await app_client.get(f"/heartbeats/{heartbeat.id}")).text
    assert "<b>backup</b>" not in html and "<script>ERROR" not in html
    assert "<i>db</i>" not in html and "&lt;i&gt;db&lt;/i&gt; host" in html
    page = text_of(html)
    assert "Pages after 3 failures or misses in a row; resolves after 2 successes in a row" \
        in page
    assert "Run time at least 1 min, at most 1 h" in page
    assert "Early runs more than 10 min before their time are flagged" in page
    assert f'href="/heartbeats/{parent.id}">&lt;i&gt;db&lt;/i&gt; host</a>' in html
    assert "#1 keyword &#39;&lt;script&gt;ERROR&#39; → fail" in html
    assert "#2 regex &#39;^ok$&#39; → succeed" in html
    # The ping counted as a failure, the first of three: the streak shows beside the status.
    assert "#1 keyword &#39;&lt;script&gt;ERROR&#39; → fail" in re.sub(
        r".*Recent pings", "", html, flags=re.S)
    assert 'id="streak">failing 1 of 3<' in html
    live = await app_client.get(f"/heartbeats/{heartbeat.id}", headers=FETCH)
    assert "<html" not in live.text and 'id="streak">failing 1 of 3<' in live.text
    rows = await app_client.get("/heartbeats", headers=FETCH)
    assert 'class="streak">failing 1 of 3<' in rows.text


async def test_an_incident_shows_its_detail_and_its_reason_in_words(
    app_client: httpx.AsyncClient, db: Database, clock: FixedClock, team_id: int
) -> None:
    heartbeat = await make_heartbeat(db, team_id, clock.now(), name="backup", period=86400,
                                     min_runtime=300)
    await ping(db, heartbeat.token, clock.now(), PingKind.START)
    await ping(db, heartbeat.token, clock.now() + timedelta(seconds=2))
    incident_id = (await reload(db, heartbeat.id)).incident_id
    assert incident_id is not None
    await admin_client(app_client, db)
    page = text_of((await app_client.get(f"/incidents/{incident_id}")).text)
    assert "Reason finished too soon Detail finished in 2 s, expected at least 5 min" in page
    listed = text_of((await app_client.get("/incidents")).text)
    assert "finished too soon · finished in 2 s, expected at least 5 min" in listed
    shown = text_of((await app_client.get(f"/heartbeats/{heartbeat.id}")).text)
    assert "finished too soon · finished in 2 s, expected at least 5 min" in shown


async def test_a_suppressed_incident_links_to_its_parent_and_its_timeline_says_why(
    app_client: httpx.AsyncClient, db: Database, clock: FixedClock, team_id: int
) -> None:
    parent = await make_heartbeat(db, team_id, clock.now(), name="db host")
    child = await make_heartbeat(db, team_id, clock.now(), name="backup",
                                 depends_on=parent.id)
    await ping(db, parent.token, clock.now(), PingKind.FAIL)
    await ping(db, child.token, clock.now() + timedelta(seconds=5), PingKind.FAIL)
    parent_incident = (await reload(db, parent.id)).incident_id
    child_incident = (await reload(db, child.id)).incident_id
    await admin_client(app_client, db)

    html = (await app_client.get(f"/incidents/{child_incident}")).text
    assert f'href="/incidents/{parent_incident}">parent incident #{parent_incident}</a>' in html
    assert 'class="badge suppressed"' in html
    assert "Suppressed: the heartbeat it depends on is down" in html
    listed = (await app_client.get("/incidents")).text
    assert f"suppressed — parent incident #{parent_incident}" in listed
    live = (await app_client.get(f"/heartbeats/{child.id}", headers=FETCH)).text
    assert 'class="badge suppressed"' in live

    await ping(db, parent.token, clock.now() + timedelta(seconds=10))  # the parent recovers
    html = (await app_client.get(f"/incidents/{child_incident}")).text
    assert "Released: paging from now on" in html
    assert "Was suppressed by" in html and 'class="badge suppressed"' not in html


async def test_deleting_the_parent_from_the_page_pages_the_suppressed_child_from_then(
    app_client: httpx.AsyncClient, db: Database, clock: FixedClock, team_id: int
) -> None:
    parent = await make_heartbeat(db, team_id, clock.now(), name="db host")
    child = await make_heartbeat(db, team_id, clock.now(), name="backup",
                                 depends_on=parent.id)
    await ping(db, parent.token, clock.now(), PingKind.FAIL)
    await ping(db, child.token, clock.now(), PingKind.FAIL)
    child_incident = (await reload(db, child.id)).incident_id
    assert child_incident is not None
    await admin_client(app_client, db)
    clock.advance(600)
    page = await app_client.get(f"/heartbeats/{parent.id}")
    answer = await app_client.post(f"/heartbeats/{parent.id}/delete",
                                   data={"csrf_token": csrf_of(page.text)})
    assert answer.status_code == 303
    html = (await app_client.get(f"/incidents/{child_incident}")).text
    released = re.search(r'<time datetime="([^"]+)"[^>]*>[^<]*</time>\s*<strong>Released',
                         html)
    assert released and released.group(1) == clock.now().isoformat()
    assert len(await notifications_of(db, child_incident)) >= 1
