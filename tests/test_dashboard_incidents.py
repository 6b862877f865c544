"""The incident pages: the list by state, one incident with its facts and timeline (who was
notified, and whether it arrived), and acknowledging and resolving from the page."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from cronbeat.clock import FixedClock
from cronbeat.config import Settings
from cronbeat.db.engine import Database
from cronbeat.delivery import Deliverer
from cronbeat.enums import IncidentState, PingKind
from cronbeat.escalation import Policy, Step, Target, TargetKind
from dashboard_helpers import admin_client, text_of
from helpers import (
    add_channel,
    incidents_of,
    make_heartbeat,
    other_team,
    ping,
    set_team_policy,
    sweep,
)
from local_http_receiver import Answer, Receiver, running_receiver

ADMIN = "Admin <admin@example.test>"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver() as running:
        yield running


async def failed_incident(db: Database, team_id: int, clock: FixedClock, name: str = "backup",
                          output: bytes = b"disk full") -> int:
    heartbeat = await make_heartbeat(db, team_id, clock.now(), name=name)
    await ping(db, heartbeat.token, clock.now(), PingKind.FAIL, exit_code=3, body=output)
    [incident] = await incidents_of(db, heartbeat.id)
    return incident.id


async def test_the_list_shows_what_needs_attention_until_it_is_resolved(
    app_client: httpx.AsyncClient, db: Database, team_id: int, clock: FixedClock
):
    csrf = await admin_client(app_client, db)
    heartbeat = await make_heartbeat(db, team_id, clock.now(), name="nightly backup")
    await ping(db, heartbeat.token, clock.now())
    clock.advance(90)
    await sweep(db, clock.now())
    clock.advance(120)

    listed = await app_client.get("/incidents")

    assert listed.status_code == 200
    shown = text_of(listed.text)
    assert "nightly backup missed a ping 2 min ago open" in shown
    assert f'href="/heartbeats/{heartbeat.id}"' in listed.text
    assert 'title="2026-03-02 12:01:30 UTC"' in listed.text

    [incident] = await incidents_of(db, heartbeat.id)
    await app_client.post(f"/incidents/{incident.id}/resolve", data={"csrf_token": csrf})
    assert "nightly backup" not in (await app_client.get("/incidents")).text
    assert "nightly backup" not in (await app_client.get("/incidents?state=open")).text
    resolved = await app_client.get("/incidents?state=resolved")
    assert "nightly backup missed a ping" in text_of(resolved.text)


async def test_the_tabs_filter_by_state(
    app_client: httpx.AsyncClient, db: Database, team_id: int, clock: FixedClock
):
    csrf = await admin_client(app_client, db)
    await failed_incident(db, team_id, clock, name="still open")
    acked = await failed_incident(db, team_id, clock, name="being handled")
    await app_client.post(f"/incidents/{acked}/acknowledge", data={"csrf_token": csrf})

    both = text_of((await app_client.get("/incidents")).text)
    only_open = text_of((await app_client.get("/incidents?state=open")).text)
    only_acked = text_of((await app_client.get("/incidents?state=acknowledged")).text)

    assert "still open" in both and "being handled" in both
    assert "still open" in only_open and "being handled" not in only_open
    assert "being handled" in only_acked and "still open" not in only_acked


async def test_an_incident_shows_its_facts_and_escaped_output(
    app_client: httpx.AsyncClient, db: Database, team_id: int, clock: FixedClock
):
    await admin_client(app_client, db)
    incident_id = await failed_incident(db, team_id, clock, name="<script>alert(1)</script>",
                                        output=b"<b>disk</b> full\nline 2")

    shown = await app_client.get(f"/incidents/{incident_id}")

    assert shown.status_code == 200
    assert "<script>alert(1)</script>" not in shown.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in shown.text
    assert "<pre class=\"output\">&lt;b&gt;disk&lt;/b&gt; full\nline 2</pre>" in shown.text
    text = text_of(shown.text)
    assert "Reason failed (exit code 3)" in text
    assert "Exit code 3" in text
    assert "Opened 2026-03-02 12:00:00 UTC" in text


async def test_acknowledge_and_resolve_from_the_page_show_on_the_timeline(
    app_client: httpx.AsyncClient, db: Database, team_id: int, clock: FixedClock
):
    csrf = await admin_client(app_client, db)
    incident_id = await failed_incident(db, team_id, clock)

    clock.advance(60)
    acked = await app_client.post(f"/incidents/{incident_id}/acknowledge",
                                  data={"csrf_token": csrf})
    assert (acked.status_code, acked.headers["location"]) == (303, f"/incidents/{incident_id}")
    page = await app_client.get(f"/incidents/{incident_id}")
    assert "Acknowledged: escalation has stopped." in page.text
    clock.advance(60)
    resolved = await app_client.post(f"/incidents/{incident_id}/resolve",
                                     data={"csrf_token": csrf})
    assert resolved.status_code == 303

    [incident] = await incidents_of(db, (await _heartbeat_of(db, incident_id)))
    assert incident.state is IncidentState.RESOLVED
    assert (incident.acknowledged_by, incident.resolved_by) == (ADMIN, ADMIN)
    timeline = text_of((await app_client.get(f"/incidents/{incident_id}",
                                              headers={"X-Requested-With": "fetch"})).text)
    assert "2026-03-02 12:01:00 UTC Acknowledged by Admin &lt;admin@example.test&gt;" in timeline
    assert ("2026-03-02 12:02:00 UTC Resolved by Admin &lt;admin@example.test&gt; "
            "resolved by hand") in timeline
    assert timeline.index("Opened") < timeline.index("Acknowledged") < timeline.index("Resolved")


async def test_resolving_twice_says_why_and_changes_nothing(
    app_client: httpx.AsyncClient, db: Database, team_id: int, clock: FixedClock
):
    csrf = await admin_client(app_client, db)
    incident_id = await failed_incident(db, team_id, clock)
    await app_client.post(f"/incidents/{incident_id}/resolve", data={"csrf_token": csrf})

    again = await app_client.post(f"/incidents/{incident_id}/acknowledge",
                                  data={"csrf_token": csrf}, follow_redirects=True)

    assert f"Not acknowledged: incident {incident_id} is already resolved." in again.text
    assert "Acknowledge</button>" not in again.text


async def test_the_timeline_fragment_says_who_was_notified_and_whether_it_arrived(
    app_client: httpx.AsyncClient, db: Database, team_id: int, clock: FixedClock,
    receiver: Receiver, settings: Settings,
):
    await admin_client(app_client, db)
    with running_receiver() as refusing:
        refusing.answer = Answer(410, b"gone")  # permanent: it will never be delivered
        works = await add_channel(db, team_id, "webhook", receiver.url(), clock.now())
        refuses = await add_channel(db, team_id, "webhook", refusing.url(), clock.now())
        await set_team_policy(db, team_id, Policy(steps=(Step(0, (
            Target(TargetKind.CHANNEL, works), Target(TargetKind.CHANNEL, refuses))),)),
            clock.now())
        incident_id = await failed_incident(db, team_id, clock)
        waiting = await app_client.get(f"/incidents/{incident_id}",
                                       headers={"X-Requested-With": "fetch"})
        assert "Alert to webhook channel by webhook waiting to be sent" in text_of(waiting.text)

        await Deliverer(db, clock, settings, max_sleep=60).deliver_due()

    fragment = await app_client.get(f"/incidents/{incident_id}",
                                    headers={"X-Requested-With": "fetch"})
    assert fragment.status_code == 200
    assert "<html" not in fragment.text and '<ol class="timeline">' in fragment.text
    text = text_of(fragment.text)
    assert "Escalation step 1: webhook channel (webhook), webhook channel (webhook)" in text
    assert "Alert to webhook channel by webhook delivered" in text
    assert "by webhook not delivered (1 attempt): webhook http://127.0.0.1" in text
    assert "answered 410 Gone" in text
    assert "Delivery failed could not notify webhook channel by webhook (permanent error)" in text


async def test_the_page_refreshes_its_timeline_from_itself(
    app_client: httpx.AsyncClient, db: Database, team_id: int, clock: FixedClock
):
    await admin_client(app_client, db)
    incident_id = await failed_incident(db, team_id, clock)

    page = await app_client.get(f"/incidents/{incident_id}")

    assert f'data-live="/incidents/{incident_id}"' in page.text


async def test_a_post_without_the_csrf_token_is_refused_and_changes_nothing(
    app_client: httpx.AsyncClient, db: Database, team_id: int, clock: FixedClock
):
    await admin_client(app_client, db)
    incident_id = await failed_incident(db, team_id, clock)

    for verb in ("acknowledge", "resolve"):
        answer = await app_client.post(f"/incidents/{incident_id}/{verb}",
                                       data={"csrf_token": "forged"})
        assert answer.status_code == 403

    [incident] = await incidents_of(db, await _heartbeat_of(db, incident_id))
    assert incident.state is IncidentState.OPEN


async def test_another_teams_incident_is_a_404_page_and_never_shown(
    app_client: httpx.AsyncClient, db: Database, team_id: int, clock: FixedClock
):
    csrf = await admin_client(app_client, db)
    theirs = await failed_incident(db, await other_team(db, clock.now()), clock,
                                   name="their secret job")

    for answer in (
        await app_client.get(f"/incidents/{theirs}"),
        await app_client.get(f"/incidents/{theirs}", headers={"X-Requested-With": "fetch"}),
        await app_client.post(f"/incidents/{theirs}/acknowledge", data={"csrf_token": csrf}),
        await app_client.post(f"/incidents/{theirs}/resolve", data={"csrf_token": csrf}),
    ):
        assert answer.status_code == 404
        assert "their secret job" not in answer.text
    assert "their secret job" not in (await app_client.get("/incidents")).text
    [incident] = await incidents_of(db, await _heartbeat_of(db, theirs))
    assert incident.state is IncidentState.OPEN


async def test_ids_no_row_can_have_are_a_404_page(app_client: httpx.AsyncClient, db: Database):
    await admin_client(app_client, db)

    for path in ("/incidents/0", "/incidents/99999999999999999999999"):
        assert (await app_client.get(path)).status_code == 404
    assert (await app_client.get("/incidents?before=99999999999999999999999")).status_code == 200


async def test_visitors_without_a_session_are_sent_to_log_in(app_client: httpx.AsyncClient):
    answer = await app_client.get("/incidents?state=open")

    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=%2Fincidents%3Fstate%3Dopen"


async def _heartbeat_of(db: Database, incident_id: int) -> int:
    from cronbeat.db.models import Incident

    async with db.read() as session:
        incident = await session.get(Incident, incident_id)
    assert incident is not None
    return incident.heartbeat_id
