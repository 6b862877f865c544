"""Teams, users and API keys: the first start, and who is asking."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from cronbeat.db.models import ApiKey, Team, User
from cronbeat.db.oncall_models import Policy
from cronbeat.errors import NotFound
from cronbeat.escalation import default_policy
from cronbeat.services.oncall_config import clean_name
from cronbeat.tokens import hash_api_key, new_api_key, new_ping_key


@dataclass(frozen=True)
class Principal:
    """Who an API request acts as."""

    team_id: int
    key_id: int
    name: str
    read_only: bool


@dataclass(frozen=True)
class Bootstrap:
    team: Team
    admin: User
    api_key: str


async def bootstrap(
    session: AsyncSession, now: datetime, *, admin_email: str, team_name: str = "Default team"
) -> Bootstrap | None:
    """On the very first start, create a team (with its ping key), its admin and an API key;
    afterwards, nothing."""
    if await session.scalar(select(func.count()).select_from(Team)):
        return None
    team = Team(name=team_name, created_at=now)
    session.add(team)
    await session.flush()
    admin = User(team_id=team.id, email=admin_email, name="Admin", is_admin=True, created_at=now)
    session.add(admin)
    policy = default_policy()
    row = Policy(team_id=team.id, name="Default", steps=policy.to_json()["steps"],
                 repeat=policy.repeat, repeat_delay=policy.repeat_delay, created_at=now)
    session.add(row)
    await session.flush()
    team.default_policy_id = row.id
    key, _ = await create_api_key(session, team.id, "first key", now)
    return Bootstrap(team, admin, key)


async def create_api_key(
    session: AsyncSession, team_id: int, name: str, now: datetime, *, read_only: bool = False
) -> tuple[str, ApiKey]:
    """The key itself is returned once and never stored; only its hash is."""
    name = clean_name(name)
    key = new_api_key()
    row = ApiKey(team_id=team_id, name=name, prefix=key[:10], key_hash=hash_api_key(key),
                 read_only=read_only, created_at=now)
    session.add(row)
    await session.flush()
    return key, row


async def authenticate(session: AsyncSession, key: str) -> Principal | None:
    row = await session.scalar(
        select(ApiKey).where(ApiKey.key_hash == hash_api_key(key), ApiKey.revoked_at.is_(None))
    )
    if row is None:
        return None
    return Principal(team_id=row.team_id, key_id=row.id, name=row.name, read_only=row.read_only)


async def first_team(session: AsyncSession) -> Team | None:
    return await session.scalar(select(Team).order_by(Team.id).limit(1))


async def list_api_keys(session: AsyncSession, team_id: int) -> Sequence[ApiKey]:
    return (await session.scalars(
        select(ApiKey).where(ApiKey.team_id == team_id).order_by(ApiKey.id)
    )).all()


async def get_api_key(
    session: AsyncSession, team_id: int, key_id: int, *, for_update: bool = False
) -> ApiKey:
    query = select(ApiKey).where(ApiKey.id == key_id, ApiKey.team_id == team_id)
    row = await session.scalar(query.with_for_update() if for_update else query)
    if row is None:
        raise NotFound(f"no API key with id {key_id}")
    return row


async def revoke_api_key(
    session: AsyncSession, team_id: int, key_id: int, now: datetime
) -> ApiKey:
    """The key stops working at once, for every request after this commits. Revoking it again
    changes nothing (a button clicked twice): it keeps the time it was first revoked."""
    row = await get_api_key(session, team_id, key_id, for_update=True)
    if row.revoked_at is None:
        row.revoked_at = now
        await session.flush()
    return row


async def get_team(session: AsyncSession, team_id: int, *, for_update: bool = False) -> Team:
    query = select(Team).where(Team.id == team_id)
    team = await session.scalar(query.with_for_update() if for_update else query)
    if team is None:
        raise NotFound(f"no team with id {team_id}")
    return team


async def rotate_ping_key(session: AsyncSession, team_id: int) -> Team:
    """A new ping key; slug URLs with the old one answer 404 from now on."""
    team = await get_team(session, team_id, for_update=True)
    team.ping_key = new_ping_key()
    await session.flush()
    return team
