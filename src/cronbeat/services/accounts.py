"""Dashboard accounts: logging in, and setting passwords."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from cronbeat.config import Settings
from cronbeat.db.models import User
from cronbeat.errors import Invalid, NotFound
from cronbeat.links import sign_password_link
from cronbeat.passwords import check_strength, fingerprint, hash_password, verify_password
from cronbeat.services.instance import SESSION_SIGNING, instance_secret

# Verified against when the email is unknown, so that both answers take as long.
_DUMMY_HASH = hash_password("not a password of anyone")


async def check_login(session: AsyncSession, email: str, password: str) -> User | None:
    """The user with this email and password, or None (for either being wrong)."""
    user = await user_by_email(session, email)
    if user is None:
        verify_password(_DUMMY_HASH, password)
        return None
    return user if verify_password(user.password_hash, password) else None


async def user_by_email(session: AsyncSession, email: str) -> User | None:
    return await session.scalar(
        select(User).where(func.lower(User.email) == email.strip().lower())
    )


async def find_user(session: AsyncSession, user_id: int) -> User | None:
    return await session.get(User, user_id)


async def get_user(session: AsyncSession, user_id: int) -> User:
    user = await find_user(session, user_id)
    if user is None:
        raise NotFound(f"no user with id {user_id}")
    return user


async def set_password(session: AsyncSession, user: User, password: str) -> None:
    """Also ends the user's other sessions and unused password links (see passwords.fingerprint)."""
    problem = check_strength(password)
    if problem is not None:
        raise Invalid("password", f"the password {problem}")
    user.password_hash = hash_password(password)
    await session.flush()


async def change_password(session: AsyncSession, user: User, current: str, new: str) -> None:
    if not verify_password(user.password_hash, current):
        raise Invalid("current_password", "the current password is not right")
    await set_password(session, user, new)


async def password_link(session: AsyncSession, settings: Settings, user: User,
                        now: datetime) -> str:
    """A link that lets `user` choose a password (and log in) once, within a week: how the
    first admin and every new member get into the dashboard."""
    secret = settings.secret_key or await instance_secret(session, SESSION_SIGNING)
    token = sign_password_link(secret, user.id, fingerprint(user.password_hash), now)
    return f"{settings.resolved_base_url()}/password/{token}"
