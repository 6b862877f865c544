"""Secrets the instance keeps for itself in its database, made on first use."""

from __future__ import annotations

import secrets

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from cronbeat.db.models import InstanceSecret

LINK_SIGNING = "link_signing"  # acknowledge links
SESSION_SIGNING = "session_signing"  # dashboard sessions and password links


async def instance_secret(session: AsyncSession, name: str) -> str:
    """The secret called `name`, created if missing. Kept in the database so that every
    `cronbeat serve` and `cronbeat worker` of one installation signs alike."""
    row = await session.get(InstanceSecret, name)
    if row is not None:
        return row.value
    try:
        async with session.begin_nested():
            session.add(InstanceSecret(name=name, value=secrets.token_urlsafe(32)))
    except IntegrityError:  # another process made it at the same moment: use theirs
        pass
    row = await session.get(InstanceSecret, name, populate_existing=True)
    assert row is not None
    return row.value
