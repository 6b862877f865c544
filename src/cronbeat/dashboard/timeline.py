"""An incident's timeline as the dashboard shows it: its events and its notifications, merged
in order. Pure: it reads the rows it is given."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from cronbeat.db.models import IncidentEvent
from cronbeat.db.outbox_models import Notification
from cronbeat.enums import EventKind, NotificationPurpose, NotificationStatus

_TITLES = {
    EventKind.OPENED: "Opened",
    EventKind.FAILED_AGAIN: "Failed again",
    EventKind.NOTIFIED: "Escalation",
    EventKind.DELIVERY_FAILED: "Delivery failed",
    EventKind.ACKNOWLEDGED: "Acknowledged",
    EventKind.RESOLVED: "Resolved",
    EventKind.PAGING_HELD: "Paging held for maintenance",
    EventKind.SUPPRESSED: "Suppressed: the heartbeat it depends on is down",
    EventKind.RELEASED: "Released: paging from now on",
}
_PURPOSES = {
    NotificationPurpose.ALERT: "Alert",
    NotificationPurpose.RECOVERY: "Recovery notice",
    NotificationPurpose.TEST: "Test message",
}


@dataclass(frozen=True)
class Entry:
    at: datetime
    mark: str  # the dot's class: an event kind, or sent / pending / failed for a delivery
    title: str
    detail: str
    actor: str | None  # who did it, for what people did; None for what cronbeat did


def incident_timeline(
    events: Sequence[IncidentEvent], notifications: Sequence[Notification]
) -> list[Entry]:
    """Oldest first. At the same instant an event comes before the notifications it wrote."""
    keyed = [((e.at, 0, e.id), event_entry(e)) for e in events]
    keyed += [((n.created_at, 1, n.id), delivery_entry(n)) for n in notifications]
    return [entry for _, entry in sorted(keyed, key=lambda pair: pair[0])]


def event_entry(event: IncidentEvent) -> Entry:
    by_person = event.kind in (EventKind.ACKNOWLEDGED, EventKind.RESOLVED) and (
        event.actor != "cronbeat")
    title = _TITLES[event.kind]
    if event.kind is EventKind.RESOLVED and not by_person:
        title = "Resolved automatically"
    return Entry(at=event.at, mark=event.kind.value, title=title, detail=event.detail,
                 actor=event.actor if by_person else None)


def delivery_entry(notification: Notification) -> Entry:
    title = (f"{_PURPOSES[notification.purpose]} to {notification.recipient} "
             f"by {notification.kind}")
    return Entry(at=notification.created_at, mark=_mark(notification.status), title=title,
                 detail=delivery_state(notification), actor=None)


def delivery_state(notification: Notification) -> str:
    """Whether it arrived, in words: `delivered`, `waiting to be sent`, `retrying after 2
    failed attempts: ...`, `not delivered (3 attempts): ...`."""
    status, attempts, error = notification.status, notification.attempts, notification.last_error
    if status is NotificationStatus.SENT:
        return "delivered"
    if status is NotificationStatus.FAILED:
        return f"not delivered ({_attempts(attempts)}): {error or 'unknown error'}"
    if status is NotificationStatus.SENDING:
        return "sending now"
    if attempts == 0 or not error:
        return "waiting to be sent"
    return f"retrying after {_attempts(attempts)} that failed: {error}"


def _mark(status: NotificationStatus) -> str:
    if status is NotificationStatus.SENT:
        return "sent"
    return "failed" if status is NotificationStatus.FAILED else "pending"


def _attempts(count: int) -> str:
    return "1 attempt" if count == 1 else f"{count} attempts"
