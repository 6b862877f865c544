"""Small test helpers that drive the real services (nothing here replaces our own code)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select

from cronbeat.db.engine import Database
from cronbeat.db.models import Flip, Heartbeat, Incident, IncidentEvent, Ping
from cronbeat.enums import PingKind
from cronbeat.services.heartbeats import HeartbeatSpec, create_heartbeat
from cronbeat.services.pings import PingIn, record_pings
from cronbeat.services.sweep import process_due


async def make_heartbeat(db: Database, team_id: int, now: datetime, **spec: object) -> Heartbeat:
    values: dict[str, object] = {"name": "backup", "period": 60, "grace": 30}
    values.update(spec)
    async with db.write() as session:
        return await create_heartbeat(session, team_id, HeartbeatSpec(**values), now)  # type: ignore[arg-type]


async def ping(
    db: Database, token: str, at: datetime, kind: PingKind = PingKind.SUCCESS, **extra: object
) -> bool:
    async with db.write() as session:
        result = await record_pings(session, [PingIn(token=token, kind=kind, received_at=at,
                                                      **extra)])  # type: ignore[arg-type]
    return result.found[0]


async def sweep(db: Database, now: datetime) -> int:
    async with db.write() as session:
        return await process_due(session, now)


async def reload(db: Database, heartbeat_id: int) -> Heartbeat:
    async with db.read() as session:
        heartbeat = await session.get(Heartbeat, heartbeat_id)
    assert heartbeat is not None
    return heartbeat


async def incidents_of(db: Database, heartbeat_id: int) -> list[Incident]:
    async with db.read() as session:
        return list((await session.scalars(
            select(Incident).where(Incident.heartbeat_id == heartbeat_id).order_by(Incident.id)
        )).all())


async def events_of(db: Database, incident_id: int) -> list[IncidentEvent]:
    async with db.read() as session:
        return list((await session.scalars(
            select(IncidentEvent).where(IncidentEvent.incident_id == incident_id)
            .order_by(IncidentEvent.id)
        )).all())


async def flips_of(db: Database, heartbeat_id: int) -> list[tuple[str, str]]:
    async with db.read() as session:
        rows = await session.scalars(
            select(Flip).where(Flip.heartbeat_id == heartbeat_id).order_by(Flip.id)
        )
        return [(flip.old_status.value, flip.new_status.value) for flip in rows]


async def ping_count(db: Database, heartbeat_id: int) -> int:
    async with db.read() as session:
        count = await session.scalar(
            select(func.count()).select_from(Ping).where(Ping.heartbeat_id == heartbeat_id)
        )
    return int(count or 0)


async def add_member(db: Database, team_id: int, name: str, now: datetime) -> int:
    from cronbeat.db.models import User

    async with db.write() as session:
        user = User(team_id=team_id, email=f"{name.lower()}@example.test", name=name,
                    is_admin=False, timezone="UTC", created_at=now)
        session.add(user)
        await session.flush()
        return user.id


async def add_schedule(
    db: Database, team_id: int, member_ids: list[int], now: datetime, *, shift_days: int = 7
) -> int:
    from cronbeat.db.oncall_models import OnCallSchedule

    async with db.write() as session:
        schedule = OnCallSchedule(
            team_id=team_id, name="primary", timezone="UTC", handoff="09:00",
            shift_seconds=shift_days * 86400, start_date=(now - timedelta(days=1)).date(),
            member_ids=member_ids, created_at=now,
        )
        session.add(schedule)
        await session.flush()
        return schedule.id


async def add_channel(
    db: Database, team_id: int, kind: str, target: str, now: datetime, secret: str | None = None
) -> int:
    from cronbeat.db.oncall_models import Channel

    async with db.write() as session:
        channel = Channel(team_id=team_id, name=f"{kind} channel", kind=kind, target=target,
                          secret=secret, created_at=now)
        session.add(channel)
        await session.flush()
        return channel.id


async def set_team_policy(db: Database, team_id: int, policy: object, now: datetime) -> int:
    from cronbeat.db.models import Team
    from cronbeat.db.oncall_models import Policy
    from cronbeat.escalation import Policy as PolicySpec

    assert isinstance(policy, PolicySpec)
    data = policy.to_json()
    async with db.write() as session:
        row = Policy(team_id=team_id, name="test policy", steps=data["steps"],
                     repeat=data["repeat"], repeat_delay=data["repeat_delay"], created_at=now)
        session.add(row)
        await session.flush()
        team = await session.get(Team, team_id)
        assert team is not None
        team.default_policy_id = row.id
        return row.id


async def notifications_of(db: Database, incident_id: int) -> list[tuple[str, str, str, str]]:
    """(purpose, kind, target, recipient) of each notification of an incident, in order."""
    from cronbeat.db.outbox_models import Notification

    async with db.read() as session:
        rows = await session.scalars(
            select(Notification).where(Notification.incident_id == incident_id)
            .order_by(Notification.id)
        )
        return [(n.purpose.value, n.kind, n.target, n.recipient) for n in rows]


async def other_team(db: Database, now: datetime) -> int:
    """A second team, to show that one team cannot see or touch another's things."""
    from cronbeat.db.models import Team

    async with db.write() as session:
        team = Team(name="Other team", created_at=now)
        session.add(team)
        await session.flush()
        return team.id


async def other_team_key(db: Database, now: datetime) -> str:
    """An API key of a second team."""
    from cronbeat.services.teams import create_api_key

    team_id = await other_team(db, now)
    async with db.write() as session:
        key, _ = await create_api_key(session, team_id, "other", now)
    return key
