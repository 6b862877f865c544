"""Members of a team, how to reach each of them, and the team's channels; test notifications."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from cronbeat.db.models import User
from cronbeat.db.oncall_models import Channel, ContactMethod
from cronbeat.db.outbox_models import Notification
from cronbeat.enums import NotificationPurpose
from cronbeat.errors import Conflict, Invalid, NotFound
from cronbeat.escalation import TargetKind
from cronbeat.notifiers import ChannelKind, validate_target
from cronbeat.schedules import ScheduleError, parse_timezone
from cronbeat.services.escalations import contact_methods
from cronbeat.services.oncall_config import clean_name, forget_member, refuse_if_targeted
from cronbeat.services.outbox import enqueue

# A person is reached directly; a webhook is a team-wide destination, so it is a channel.
PERSONAL_KINDS = (ChannelKind.EMAIL, ChannelKind.APPRISE)


@dataclass(frozen=True)
class MemberSpec:
    name: str
    email: str
    timezone: str = "UTC"


@dataclass(frozen=True)
class ChannelSpec:
    name: str
    kind: ChannelKind
    target: str


# Members


def validate_member(spec: MemberSpec) -> MemberSpec:
    name = clean_name(spec.name)
    try:
        email = validate_target(ChannelKind.EMAIL, spec.email)
        timezone = parse_timezone(spec.timezone)
    except ScheduleError as exc:
        raise Invalid(exc.field, exc.message) from None
    except ValueError as exc:
        raise Invalid("email", str(exc)) from None
    return MemberSpec(name=name, email=email, timezone=timezone)


async def create_member(
    session: AsyncSession, team_id: int, spec: MemberSpec, now: datetime
) -> User:
    spec = validate_member(spec)
    await _refuse_taken_email(session, spec.email, None)
    member = User(team_id=team_id, name=spec.name, email=spec.email, timezone=spec.timezone,
                  is_admin=False, created_at=now)
    session.add(member)
    await _flush_unique_email(session, spec.email)
    return member


async def update_member(session: AsyncSession, member: User, spec: MemberSpec) -> None:
    spec = validate_member(spec)
    await _refuse_taken_email(session, spec.email, member.id)
    member.name, member.email, member.timezone = spec.name, spec.email, spec.timezone
    await _flush_unique_email(session, spec.email)


def member_spec_of(member: User) -> MemberSpec:
    return MemberSpec(name=member.name, email=member.email, timezone=member.timezone)


async def delete_member(session: AsyncSession, member: User) -> None:
    """The member leaves every rotation; their overrides and contact methods go with them.
    A policy that pages them by name must be edited first, or it would page nobody."""
    await refuse_if_targeted(session, member.team_id, TargetKind.USER, member.id,
                             f"member {member.id}")
    await forget_member(session, member.team_id, member.id)
    await session.execute(delete(User).where(User.id == member.id))


async def get_member(
    session: AsyncSession, team_id: int, member_id: int, *, for_update: bool = False
) -> User:
    query = select(User).where(User.id == member_id, User.team_id == team_id)
    member = await session.scalar(query.with_for_update() if for_update else query)
    if member is None:
        raise NotFound(f"no member with id {member_id}")
    return member


async def list_members(session: AsyncSession, team_id: int) -> Sequence[User]:
    return (await session.scalars(
        select(User).where(User.team_id == team_id).order_by(User.id)
    )).all()


async def _refuse_taken_email(session: AsyncSession, email: str, member_id: int | None) -> None:
    query = select(User.id).where(func.lower(User.email) == email.lower())
    if member_id is not None:
        query = query.where(User.id != member_id)
    if await session.scalar(query.limit(1)) is not None:
        raise Conflict(f"the email {email} already belongs to a member")


async def _flush_unique_email(session: AsyncSession, email: str) -> None:
    # Two requests with the same new address at once: the unique index decides.
    try:
        await session.flush()
    except IntegrityError:
        raise Conflict(f"the email {email} already belongs to a member") from None


# Contact methods


async def add_contact_method(
    session: AsyncSession, member: User, kind: ChannelKind, target: str, label: str,
    now: datetime,
) -> ContactMethod:
    if kind not in PERSONAL_KINDS:
        raise Invalid("kind", "a member is reached by email or apprise; a webhook is a "
                              "team channel (POST /api/v1/channels)")
    method = ContactMethod(user_id=member.id, kind=kind.value, target=_target(kind, target),
                           label=clean_name(label, "label", required=False), created_at=now)
    session.add(method)
    await session.flush()
    return method


async def list_contact_methods(session: AsyncSession, member: User) -> Sequence[ContactMethod]:
    return await contact_methods(session, member.id)


async def get_contact_method(
    session: AsyncSession, member: User, method_id: int
) -> ContactMethod:
    method = await session.scalar(select(ContactMethod).where(
        ContactMethod.id == method_id, ContactMethod.user_id == member.id))
    if method is None:
        raise NotFound(f"member {member.id} has no contact method with id {method_id}")
    return method


async def delete_contact_method(session: AsyncSession, method: ContactMethod) -> None:
    await session.execute(delete(ContactMethod).where(ContactMethod.id == method.id))


# Channels


def validate_channel(spec: ChannelSpec) -> ChannelSpec:
    return replace(spec, name=clean_name(spec.name), target=_target(spec.kind, spec.target))


async def create_channel(
    session: AsyncSession, team_id: int, spec: ChannelSpec, now: datetime
) -> Channel:
    """A webhook channel gets a signing secret; the caller shows it once."""
    spec = validate_channel(spec)
    channel = Channel(team_id=team_id, name=spec.name, kind=spec.kind.value, target=spec.target,
                      secret=_new_secret() if spec.kind is ChannelKind.WEBHOOK else None,
                      created_at=now)
    session.add(channel)
    await session.flush()
    return channel


def channel_spec_of(channel: Channel) -> ChannelSpec:
    return ChannelSpec(name=channel.name, kind=ChannelKind(channel.kind), target=channel.target)


async def update_channel(session: AsyncSession, channel: Channel, spec: ChannelSpec) -> None:
    """Name and target change; the kind does not (a new kind is a new channel)."""
    if spec.kind.value != channel.kind:
        raise Invalid("kind", "the kind of a channel cannot change: create a new channel")
    spec = validate_channel(spec)
    channel.name, channel.target = spec.name, spec.target
    await session.flush()


async def rotate_secret(session: AsyncSession, channel: Channel) -> str:
    """A new signing secret, effective for the next request the channel sends."""
    if channel.kind != ChannelKind.WEBHOOK.value:
        raise Conflict(f"channel {channel.id} is a {channel.kind} channel: only webhooks "
                       "sign their requests")
    channel.secret = _new_secret()
    await session.flush()
    return channel.secret


async def delete_channel(session: AsyncSession, channel: Channel) -> None:
    await refuse_if_targeted(session, channel.team_id, TargetKind.CHANNEL, channel.id,
                             f"channel {channel.id}")
    await session.execute(delete(Channel).where(Channel.id == channel.id))


async def get_channel(
    session: AsyncSession, team_id: int, channel_id: int, *, for_update: bool = False
) -> Channel:
    query = select(Channel).where(Channel.id == channel_id, Channel.team_id == team_id)
    channel = await session.scalar(query.with_for_update() if for_update else query)
    if channel is None:
        raise NotFound(f"no channel with id {channel_id}")
    return channel


async def list_channels(session: AsyncSession, team_id: int) -> Sequence[Channel]:
    return (await session.scalars(
        select(Channel).where(Channel.team_id == team_id).order_by(Channel.id)
    )).all()


# Test notifications


async def send_test(
    session: AsyncSession, team_id: int, *, kind: str, target: str, secret: str | None,
    recipient: str, now: datetime,
) -> Notification:
    """Queue a test message through the very outbox alerts use, so that it shows what an alert
    would meet (a wrong address, a receiver that refuses it)."""
    notification = enqueue(session, team_id=team_id, incident_id=None,
                           purpose=NotificationPurpose.TEST, kind=kind, target=target,
                           secret=secret, recipient=recipient, now=now)
    await session.flush()
    return notification


async def send_channel_test(
    session: AsyncSession, channel: Channel, now: datetime
) -> Notification:
    return await send_test(session, channel.team_id, kind=channel.kind, target=channel.target,
                           secret=channel.secret, recipient=channel.name, now=now)


async def send_contact_test(
    session: AsyncSession, member: User, method: ContactMethod, now: datetime
) -> Notification:
    return await send_test(session, member.team_id, kind=method.kind, target=method.target,
                           secret=None, recipient=member.name, now=now)


async def get_notification(
    session: AsyncSession, team_id: int, notification_id: int
) -> Notification:
    notification = await session.scalar(select(Notification).where(
        Notification.id == notification_id, Notification.team_id == team_id))
    if notification is None:
        raise NotFound(f"no notification with id {notification_id}")
    return notification


def _target(kind: ChannelKind, target: str) -> str:
    try:
        return validate_target(kind, target)
    except ValueError as exc:
        raise Invalid("target", str(exc)) from None


def _new_secret() -> str:
    return secrets.token_urlsafe(32)
