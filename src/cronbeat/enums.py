"""The fixed vocabulary of statuses and kinds."""

from enum import StrEnum


class Status(StrEnum):
    PENDING = "pending"
    UP = "up"
    LATE = "late"
    DOWN = "down"
    RUNNING = "running"
    PAUSED = "paused"


class PingKind(StrEnum):
    SUCCESS = "success"
    START = "start"
    FAIL = "fail"
    LOG = "log"


class IncidentState(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


class IncidentReason(StrEnum):
    MISSED = "missed"
    FAILED = "failed"
    TIMED_OUT = "timed_out"
    TOO_SHORT = "too_short"  # a run shorter than its minimum run time
    TOO_EARLY = "too_early"  # a run that began long before its scheduled time


class EventKind(StrEnum):
    """What can happen on an incident's timeline."""

    OPENED = "opened"
    FAILED_AGAIN = "failed_again"
    NOTIFIED = "notified"
    DELIVERY_FAILED = "delivery_failed"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"
    PAGING_HELD = "paging_held"  # a step was due inside a maintenance window: held to its end
    SUPPRESSED = "suppressed"  # opened while the heartbeat it depends on was down: not paged
    RELEASED = "released"  # the heartbeat it depends on recovered: paged from now on


class NotificationPurpose(StrEnum):
    ALERT = "alert"
    RECOVERY = "recovery"
    TEST = "test"
    DIGEST = "digest"  # the daily digest of what is still down: rendered when queued


class NotificationStatus(StrEnum):
    PENDING = "pending"  # waiting for its next attempt
    SENDING = "sending"  # claimed by a worker; back to claimable when the lease runs out
    SENT = "sent"
    FAILED = "failed"  # permanently: the incident timeline says so


class RuleMatch(StrEnum):
    """How an output rule's pattern is looked for in a ping's output."""

    KEYWORD = "keyword"  # the exact text, case-sensitive, anywhere in the output
    REGEX = "regex"  # a regular expression, searched in the end of the output


class RuleAction(StrEnum):
    """What a matching output rule makes of the ping."""

    FAIL = "fail"
    SUCCEED = "succeed"
