"""How the dashboard words the reasons and timeline events the alerting rules added (pure)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from cronbeat.dashboard.formatting import reason
from cronbeat.dashboard.timeline import event_entry
from cronbeat.db.models import IncidentEvent
from cronbeat.enums import EventKind

AT = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(("why", "words"), [
    ("too_short", "finished too soon"),
    ("too_early", "started too early"),
])
def test_the_new_reasons_read_as_words(why: str, words: str) -> None:
    assert reason(why, None) == words


@pytest.mark.parametrize(("kind", "title"), [
    (EventKind.PAGING_HELD, "Paging held for maintenance"),
    (EventKind.SUPPRESSED, "Suppressed: the heartbeat it depends on is down"),
    (EventKind.RELEASED, "Released: paging from now on"),
])
def test_the_new_timeline_events_have_titles_and_keep_their_detail(
    kind: EventKind, title: str
) -> None:
    entry = event_entry(IncidentEvent(id=1, at=AT, kind=kind, actor="cronbeat", detail="why"))
    assert (entry.title, entry.mark, entry.detail, entry.actor) == (title, kind.value, "why",
                                                                    None)


def test_every_event_kind_has_a_title() -> None:
    for kind in EventKind:
        event_entry(IncidentEvent(id=1, at=AT, kind=kind, actor="cronbeat", detail=""))
