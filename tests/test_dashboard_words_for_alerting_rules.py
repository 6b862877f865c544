"""How the dashboard words the reasons and timeline events the alerting rules added (pure)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from cronbeat.dashboard.formatting import reason, window_when
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


@pytest.mark.parametrize(("days", "start", "end", "words"), [
    ([6], "02:00", "04:00", "Sundays 02:00\u201304:00 Europe/Riga"),
    ([0, 1, 2, 3, 4], "22:00", "23:00", "Weekdays 22:00\u201323:00 Europe/Riga"),
    ([5, 6], "00:00", "06:00", "Weekends 00:00\u201306:00 Europe/Riga"),
    (list(range(7)), "03:00", "03:30", "Every day 03:00\u201303:30 Europe/Riga"),
    ([0, 2, 4], "23:00", "01:00", "Mondays, Wednesdays and Fridays 23:00\u201301:00 (next day) "
     "Europe/Riga"),
    ([1, 3], "05:00", "05:00", "Tuesdays and Thursdays 05:00\u201305:00 (next day) Europe/Riga"),
])
def test_a_weekly_window_reads_as_days_and_times_in_its_zone(
    days: list[int], start: str, end: str, words: str
) -> None:
    assert window_when(days, start, end, "Europe/Riga", None, None, "UTC") == words


def test_a_one_off_window_reads_as_two_instants_in_the_readers_zone() -> None:
    assert window_when([], None, None, "UTC", AT, AT.replace(hour=14), "Europe/Riga") == (
        "From 2026-03-02 14:00 EET to 2026-03-02 16:00 EET")
