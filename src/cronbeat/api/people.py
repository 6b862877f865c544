"""REST routes for members and their contact methods, team channels, and notifications."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from enum import Enum

from fastapi import APIRouter, Response

from cronbeat.api.auth import Ctx, Reader, Writer
from cronbeat.api.errors import READ, WRITE, responses
from cronbeat.api.oncall_schemas import (
    AttemptOut,
    ChannelCreate,
    ChannelCreated,
    ChannelId,
    ChannelOut,
    ChannelUpdate,
    ContactMethodCreate,
    ContactMethodId,
    ContactMethodOut,
    MemberCreate,
    MemberId,
    MemberOut,
    MemberUpdate,
    NotificationId,
    NotificationOut,
    QueuedOut,
    SecretOut,
)
from cronbeat.db.models import User
from cronbeat.db.oncall_models import Channel, ContactMethod
from cronbeat.db.outbox_models import Notification, NotificationAttempt
from cronbeat.notifiers import ChannelKind
from cronbeat.services import people as service
from cronbeat.services.outbox import attempts_of

router = APIRouter(prefix="/api/v1")
MEMBERS: list[str | Enum] = ["members"]
CHANNELS: list[str | Enum] = ["channels"]
NOTIFICATIONS: list[str | Enum] = ["notifications"]


# Members


@router.get("/members", tags=MEMBERS, responses=responses(*READ))
async def list_members(who: Reader, ctx: Ctx) -> list[MemberOut]:
    async with ctx.db.read() as session:
        members = await service.list_members(session, who.team_id)
    return [render_member(m) for m in members]


@router.post("/members", status_code=201, tags=MEMBERS, responses=responses(*WRITE, 409))
async def create_member(body: MemberCreate, who: Writer, ctx: Ctx) -> MemberOut:
    spec = service.MemberSpec(name=body.name, email=body.email, timezone=body.timezone)
    async with ctx.db.write() as session:
        member = await service.create_member(session, who.team_id, spec, ctx.clock.now())
    return render_member(member)


@router.get("/members/{member_id}", tags=MEMBERS, responses=responses(*READ, 404))
async def get_member(member_id: MemberId, who: Reader, ctx: Ctx) -> MemberOut:
    async with ctx.db.read() as session:
        return render_member(await service.get_member(session, who.team_id, member_id))


@router.patch("/members/{member_id}", tags=MEMBERS, responses=responses(*WRITE, 404, 409))
async def update_member(
    member_id: MemberId, body: MemberUpdate, who: Writer, ctx: Ctx
) -> MemberOut:
    changes = {k: v for k, v in body.model_dump(exclude_unset=True).items() if v is not None}
    async with ctx.db.write() as session:
        member = await service.get_member(session, who.team_id, member_id, for_update=True)
        spec = replace(service.member_spec_of(member), **changes)
        await service.update_member(session, member, spec)
    return render_member(member)


@router.delete("/members/{member_id}", status_code=204, tags=MEMBERS,
               responses=responses(*WRITE, 404, 409))
async def delete_member(member_id: MemberId, who: Writer, ctx: Ctx) -> Response:
    async with ctx.db.write() as session:
        member = await service.get_member(session, who.team_id, member_id, for_update=True)
        await service.delete_member(session, member)
    return Response(status_code=204)


# Contact methods


@router.get("/members/{member_id}/contact-methods", tags=MEMBERS,
            responses=responses(*READ, 404))
async def list_contact_methods(
    member_id: MemberId, who: Reader, ctx: Ctx
) -> list[ContactMethodOut]:
    async with ctx.db.read() as session:
        member = await service.get_member(session, who.team_id, member_id)
        methods = await service.list_contact_methods(session, member)
    return [render_contact_method(m) for m in methods]


@router.post("/members/{member_id}/contact-methods", status_code=201, tags=MEMBERS,
             responses=responses(*WRITE, 404))
async def add_contact_method(
    member_id: MemberId, body: ContactMethodCreate, who: Writer, ctx: Ctx
) -> ContactMethodOut:
    async with ctx.db.write() as session:
        member = await service.get_member(session, who.team_id, member_id, for_update=True)
        method = await service.add_contact_method(session, member, body.kind, body.target,
                                                  body.label, ctx.clock.now())
    return render_contact_method(method)


@router.delete("/members/{member_id}/contact-methods/{method_id}", status_code=204,
               tags=MEMBERS, responses=responses(*WRITE, 404))
async def delete_contact_method(
    member_id: MemberId, method_id: ContactMethodId, who: Writer, ctx: Ctx
) -> Response:
    async with ctx.db.write() as session:
        member = await service.get_member(session, who.team_id, member_id)
        method = await service.get_contact_method(session, member, method_id)
        await service.delete_contact_method(session, method)
    return Response(status_code=204)


@router.post("/members/{member_id}/contact-methods/{method_id}/test", status_code=202,
             tags=MEMBERS, responses=responses(*WRITE, 404))
async def send_test_to_contact_method(
    member_id: MemberId, method_id: ContactMethodId, who: Writer, ctx: Ctx
) -> QueuedOut:
    """Queue a test message to this contact method; follow it at /api/v1/notifications/{id}."""
    async with ctx.db.write() as session:
        member = await service.get_member(session, who.team_id, member_id)
        method = await service.get_contact_method(session, member, method_id)
        notification = await service.send_contact_test(session, member, method, ctx.clock.now())
    ctx.notifications_queued()
    return QueuedOut(notification_id=notification.id, status=notification.status)


# Channels


@router.get("/channels", tags=CHANNELS, responses=responses(*READ))
async def list_channels(who: Reader, ctx: Ctx) -> list[ChannelOut]:
    async with ctx.db.read() as session:
        channels = await service.list_channels(session, who.team_id)
    return [render_channel(c) for c in channels]


@router.post("/channels", status_code=201, tags=CHANNELS, responses=responses(*WRITE))
async def create_channel(body: ChannelCreate, who: Writer, ctx: Ctx) -> ChannelCreated:
    """A webhook channel's signing secret is in this answer only."""
    spec = service.ChannelSpec(name=body.name, kind=body.kind, target=body.target)
    async with ctx.db.write() as session:
        channel = await service.create_channel(session, who.team_id, spec, ctx.clock.now())
    return ChannelCreated(**render_channel(channel).model_dump(), secret=channel.secret)


@router.get("/channels/{channel_id}", tags=CHANNELS, responses=responses(*READ, 404))
async def get_channel(channel_id: ChannelId, who: Reader, ctx: Ctx) -> ChannelOut:
    async with ctx.db.read() as session:
        return render_channel(await service.get_channel(session, who.team_id, channel_id))


@router.patch("/channels/{channel_id}", tags=CHANNELS, responses=responses(*WRITE, 404))
async def update_channel(
    channel_id: ChannelId, body: ChannelUpdate, who: Writer, ctx: Ctx
) -> ChannelOut:
    changes = {k: v for k, v in body.model_dump(exclude_unset=True).items() if v is not None}
    async with ctx.db.write() as session:
        channel = await service.get_channel(session, who.team_id, channel_id, for_update=True)
        spec = replace(service.channel_spec_of(channel), **changes)
        await service.update_channel(session, channel, spec)
    return render_channel(channel)


@router.delete("/channels/{channel_id}", status_code=204, tags=CHANNELS,
               responses=responses(*WRITE, 404, 409))
async def delete_channel(channel_id: ChannelId, who: Writer, ctx: Ctx) -> Response:
    async with ctx.db.write() as session:
        channel = await service.get_channel(session, who.team_id, channel_id, for_update=True)
        await service.delete_channel(session, channel)
    return Response(status_code=204)


@router.post("/channels/{channel_id}/test", status_code=202, tags=CHANNELS,
             responses=responses(*WRITE, 404))
async def send_test_to_channel(channel_id: ChannelId, who: Writer, ctx: Ctx) -> QueuedOut:
    """Queue a test message to this channel; follow it at /api/v1/notifications/{id}."""
    async with ctx.db.write() as session:
        channel = await service.get_channel(session, who.team_id, channel_id)
        notification = await service.send_channel_test(session, channel, ctx.clock.now())
    ctx.notifications_queued()
    return QueuedOut(notification_id=notification.id, status=notification.status)


@router.post("/channels/{channel_id}/rotate-secret", tags=CHANNELS,
             responses=responses(*WRITE, 404, 409))
async def rotate_secret(channel_id: ChannelId, who: Writer, ctx: Ctx) -> SecretOut:
    """A new webhook signing secret, shown only in this answer; the old one stops at once."""
    async with ctx.db.write() as session:
        channel = await service.get_channel(session, who.team_id, channel_id, for_update=True)
        secret = await service.rotate_secret(session, channel)
    return SecretOut(channel_id=channel.id, secret=secret)


# Notifications


@router.get("/notifications/{notification_id}", tags=NOTIFICATIONS,
            responses=responses(*READ, 404))
async def get_notification(
    notification_id: NotificationId, who: Reader, ctx: Ctx
) -> NotificationOut:
    """What became of a notification: its status and every delivery attempt."""
    async with ctx.db.read() as session:
        notification = await service.get_notification(session, who.team_id, notification_id)
        attempts = await attempts_of(session, notification.id)
    return render_notification(notification, attempts)


def render_member(member: User) -> MemberOut:
    return MemberOut(id=member.id, name=member.name, email=member.email,
                     timezone=member.timezone, is_admin=member.is_admin,
                     created_at=member.created_at)


def render_contact_method(method: ContactMethod) -> ContactMethodOut:
    return ContactMethodOut(id=method.id, member_id=method.user_id,
                            kind=ChannelKind(method.kind), target=method.target,
                            label=method.label, created_at=method.created_at)


def render_channel(channel: Channel) -> ChannelOut:
    return ChannelOut(id=channel.id, name=channel.name, kind=ChannelKind(channel.kind),
                      target=channel.target, signed=channel.secret is not None,
                      created_at=channel.created_at)


def render_notification(
    notification: Notification, attempts: Sequence[NotificationAttempt]
) -> NotificationOut:
    return NotificationOut(
        id=notification.id, incident_id=notification.incident_id,
        purpose=notification.purpose, kind=ChannelKind(notification.kind),
        recipient=notification.recipient, status=notification.status,
        attempts=notification.attempts, last_error=notification.last_error,
        next_attempt_at=notification.next_attempt_at, created_at=notification.created_at,
        sent_at=notification.sent_at,
        attempt_log=[AttemptOut(at=a.at, ok=a.ok, permanent=a.permanent, error=a.error,
                                elapsed=a.elapsed) for a in attempts],
    )
