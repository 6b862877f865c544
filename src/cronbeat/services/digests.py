"""The daily digest, stored and sent: a team's setting, the worker's step that claims the
teams whose digest is due, and the outbox rows it writes, rendered at once so that every
retry sends what was down at digest time."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from cronbeat import digest
from cronbeat.db.models import Heartbeat, Incident, Team
from cronbeat.db.outbox_models import Notification
from cronbeat.enums import NotificationPurpose, Status
from cronbeat.errors import Invalid
from cronbeat.escalation import MAX_TARGETS, Target, TargetKind
from cronbeat.messages import reason_text
from cronbeat.schedules import ScheduleError, parse_timezone
from cronbeat.services.escalations import recipients_of, ways_to_reach
from cronbeat.services.incidents import incident_facts
from cronbeat.services.maintenance import quiet_until_of
from cronbeat.services.oncall_config import check_target
from cronbeat.services.outbox import enqueue
from cronbeat.services.teams import get_team


@dataclass(frozen=True)
class DigestSpec:
    time: str | None  # `HH:MM` in `timezone`; None: no digest
    timezone: str = "UTC"
    targets: tuple[Target, ...] = (Target(TargetKind.TEAM),)


def spec_of(team: Team) -> DigestSpec:
    return DigestSpec(time=team.digest_time, timezone=team.digest_timezone,
                      targets=targets_of(team))


def targets_of(team: Team) -> tuple[Target, ...]:
    return tuple(Target(TargetKind(t["kind"]), t.get("ref")) for t in team.digest_targets)


async def set_digest(session: AsyncSession, team_id: int, spec: DigestSpec, now: datetime) -> Team:
    """Store the team's digest setting and when it is next due (None when it is off)."""
    team = await get_team(session, team_id, for_update=True)
    at = None
    if spec.time is not None:
        try:
            at = digest.parse_time(spec.time)
        except ValueError as exc:
            raise Invalid("time", str(exc)) from None
    try:
        timezone = parse_timezone(spec.timezone)
    except ScheduleError as exc:
        raise Invalid(exc.field, exc.message) from None
    if at is not None and not spec.targets:
        raise Invalid("targets", "name at least one recipient, e.g. {\"kind\": \"team\"}")
    if len(spec.targets) > MAX_TARGETS:
        raise Invalid("targets", f"at most {MAX_TARGETS} recipients")
    for i, target in enumerate(spec.targets):
        await check_target(session, team_id, target, f"targets.{i}.ref")
    team.digest_time = None if at is None else f"{at:%H:%M}"
    team.digest_timezone = timezone
    team.digest_targets = [{"kind": t.kind.value, "ref": t.ref}
                           for t in dict.fromkeys(spec.targets)]
    team.next_digest_at = None if at is None else digest.next_digest_at(at, timezone, now)
    await session.flush()
    return team


def names_in_digest(team: Team, kind: TargetKind, ref: int) -> bool:
    return any(t.kind is kind and t.ref == ref for t in targets_of(team))


async def gather(session: AsyncSession, team: Team, now: datetime) -> digest.Digest:
    """Every heartbeat of the team down at `now`, the longest down first."""
    rows = (await session.execute(
        select(Heartbeat, Incident)
        .outerjoin(Incident, Incident.id == Heartbeat.incident_id)
        .where(Heartbeat.team_id == team.id, Heartbeat.status == Status.DOWN)
    )).all()
    quiet = await quiet_until_of(session, team.id, [heartbeat for heartbeat, _ in rows], now)
    entries = [replace(_entry(heartbeat, incident), maintenance_until=quiet.get(heartbeat.id))
               for heartbeat, incident in rows]
    entries.sort(key=lambda e: (e.since is None, e.since or now, e.name.casefold()))
    watched = await session.scalar(select(func.count()).select_from(Heartbeat).where(
        Heartbeat.team_id == team.id, Heartbeat.status != Status.PAUSED)) or 0
    return digest.Digest(team_id=team.id, team_name=team.name, at=now,
                         timezone=team.digest_timezone, down=entries, watched=watched)


def _entry(heartbeat: Heartbeat, incident: Incident | None) -> digest.DownEntry:
    if incident is None:
        return digest.DownEntry(heartbeat_id=heartbeat.id, name=heartbeat.name,
                                tags=tuple(heartbeat.tags), since=None, reason="down",
                                incident_id=None, state=None)
    return digest.DownEntry(
        heartbeat_id=heartbeat.id, name=heartbeat.name, tags=tuple(heartbeat.tags),
        since=incident.opened_at, reason=reason_text(incident_facts(incident, heartbeat)),
        incident_id=incident.id, state=incident.state,
        acknowledged_by=incident.acknowledged_by, suppressed=incident.suppressed_by is not None,
    )


async def send_digest(
    session: AsyncSession, team: Team, now: datetime, base_url: str,
    found: digest.Digest | None = None,
) -> tuple[digest.Digest, list[Notification]]:
    """Queue the digest, as it stands now (or as `found`), to each of its recipients."""
    found = found or await gather(session, team, now)
    sent: list[Notification] = []
    for recipient in await recipients_of(session, team.id, targets_of(team), now):
        for way in await ways_to_reach(session, team.id, recipient):
            row = enqueue(session, team_id=team.id, incident_id=None,
                          purpose=NotificationPurpose.DIGEST, kind=way.kind, target=way.target,
                          secret=way.secret, recipient=way.name, now=now)
            message = digest.render(found, base_url, row.idempotency_key)
            row.subject, row.text, row.html, row.payload = (
                message.subject, message.text, message.html, message.payload)
            sent.append(row)
    await session.flush()
    return found, sent


async def process_due_digests(
    session: AsyncSession, now: datetime, *, base_url: str, limit: int = 100
) -> int:
    """Claim the teams whose digest is due and send each one, if anything is down; then set
    the next one. A team with nothing down (or down only inside maintenance windows) gets no
    message that day."""
    due: Sequence[Team] = (await session.scalars(
        select(Team).where(Team.next_digest_at <= now)
        .order_by(Team.next_digest_at, Team.id).limit(limit).with_for_update(skip_locked=True)
    )).all()
    for team in due:
        if team.digest_time is None:  # turned off meanwhile
            team.next_digest_at = None
            continue
        if await session.scalar(select(Heartbeat.id).where(
                Heartbeat.team_id == team.id, Heartbeat.status == Status.DOWN).limit(1)):
            found = await gather(session, team, now)
            if digest.worth_sending(found):
                await send_digest(session, team, now, base_url, found)
        team.next_digest_at = digest.next_digest_at(
            digest.parse_time(team.digest_time), team.digest_timezone, now)
    return len(due)


async def nearest_digest(session: AsyncSession) -> datetime | None:
    due: datetime | None = await session.scalar(select(func.min(Team.next_digest_at)))
    return due
