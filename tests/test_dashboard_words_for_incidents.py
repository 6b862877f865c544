"""How the dashboard puts an incident's reason and a delivery's fate into words (pure)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from cronbeat.dashboard.formatting import reason
from cronbeat.dashboard.timeline import delivery_state, incident_timeline
from cronbeat.db.models import IncidentEvent
from cronbeat.db.outbox_models import Notification
from cronbeat.enums import EventKind, NotificationPurpose, NotificationStatus

AT = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(("why", "exit_code", "words"), [
    ("missed", None, "missed a ping"),
    ("timed_out", None, "ran too long"),
    ("failed", None, "failed"),
    ("failed", 3, "failed (exit code 3)"),
    ("failed", 0, "failed (exit code 0)"),
])
def test_reasons_read_as_words(why: str, exit_code: int | None, words: str):
    assert reason(why, exit_code) == words


def notification(status: NotificationStatus, attempts: int = 0,
                 error: str | None = None, nid: int = 1) -> Notification:
    return Notification(id=nid, purpose=NotificationPurpose.ALERT, kind="email",
                        recipient="Ana", status=status, attempts=attempts, last_error=error,
                        created_at=AT)


@pytest.mark.parametrize(("row", "words"), [
    (notification(NotificationStatus.PENDING), "waiting to be sent"),
    (notification(NotificationStatus.SENDING, 1), "sending now"),
    (notification(NotificationStatus.SENT, 2), "delivered"),
    (notification(NotificationStatus.PENDING, 2, "timed out"),
     "retrying after 2 attempts that failed: timed out"),
    (notification(NotificationStatus.FAILED, 1, "550 no such user"),
     "not delivered (1 attempt): 550 no such user"),
    (notification(NotificationStatus.FAILED, 8, None), "not delivered (8 attempts): unknown error"),
])
def test_a_delivery_says_whether_it_arrived(row: Notification, words: str):
    assert delivery_state(row) == words


def test_an_event_comes_before_the_notifications_it_wrote_at_the_same_instant():
    events = [
        IncidentEvent(id=1, at=AT, kind=EventKind.OPENED, actor="cronbeat", detail="x"),
        IncidentEvent(id=2, at=AT, kind=EventKind.NOTIFIED, actor="cronbeat", detail="step 1"),
        IncidentEvent(id=3, at=AT.replace(minute=5), kind=EventKind.RESOLVED, actor="cronbeat",
                      detail="the next ping succeeded"),
    ]
    rows = [notification(NotificationStatus.SENT, 1, nid=7)]

    entries = incident_timeline(events, rows)

    assert [(e.mark, e.title, e.actor) for e in entries] == [
        ("opened", "Opened", None),
        ("notified", "Escalation", None),
        ("sent", "Alert to Ana by email", None),
        ("resolved", "Resolved automatically", None),
    ]
