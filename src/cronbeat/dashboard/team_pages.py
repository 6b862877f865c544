"""The team page: members and how each is reached, team channels with a test button, the
daily digest in a line, and API keys. Everyone in the team sees it; only admins change it."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from cronbeat.dashboard.parts import fragment, path_id, refuse_unless_admin, wants_fragment
from cronbeat.dashboard.policy_pages import target_options, value_of
from cronbeat.dashboard.web import Visit, page, redirect
from cronbeat.errors import Conflict, Invalid
from cronbeat.notifiers import ChannelKind
from cronbeat.services import digests, people
from cronbeat.services import teams as team_service
from cronbeat.services.accounts import password_link
from cronbeat.services.outbox import attempts_of

PERSONAL_KINDS = [kind.value for kind in people.PERSONAL_KINDS]


@page
async def team(visit: Visit) -> Response:
    return await _team_page(visit)


async def _team_page(visit: Visit, *, status: int = 200, **extra: Any) -> Response:
    async with visit.context.db.read() as session:
        members = await people.list_members(session, visit.team_id)
        methods = {m.id: await people.list_contact_methods(session, m) for m in members}
        channels = await people.list_channels(session, visit.team_id)
        keys = await team_service.list_api_keys(session, visit.team_id)
        the_team = await team_service.get_team(session, visit.team_id)
        labels = dict(await target_options(session, visit.team_id))
    digest_to = ", ".join(labels.get(value_of(t), "?") for t in digests.targets_of(the_team))
    extra.setdefault("errors", {})
    extra.setdefault("values", {})
    return visit.render("team.html", status=status, title="Team", members=members,
                        methods=methods, channels=channels, keys=keys, team=the_team,
                        digest_to=digest_to,
                        personal_kinds=PERSONAL_KINDS,
                        channel_kinds=[kind.value for kind in ChannelKind], **extra)


# Members


@page
async def add_member(visit: Visit) -> Response:
    if (refused := refuse_unless_admin(visit)) is not None:
        return refused
    spec = people.MemberSpec(name=visit.field("name"), email=visit.field("email"),
                             timezone=visit.field("timezone") or "UTC")
    try:
        async with visit.context.db.write() as session:
            member = await people.create_member(session, visit.team_id, spec, visit.now)
    except Invalid as exc:
        return await _team_page(visit, status=422, errors={f"member.{exc.field}": exc.message},
                                values=dict(visit.form), open_form="member")
    except Conflict as exc:
        return await _team_page(visit, status=409, errors={"member.email": exc.message},
                                values=dict(visit.form), open_form="member")
    return redirect("/team", f"{member.name} is a member now. Give them a password link "
                    "to log in.")


@page
async def remove_member(visit: Visit) -> Response:
    if (refused := refuse_unless_admin(visit)) is not None:
        return refused
    member_id = path_id(visit, "member_id", "member")
    if member_id == visit.user.id:
        return redirect("/team", "Not removed: you cannot remove yourself.", failed=True)
    try:
        async with visit.context.db.write() as session:
            member = await people.get_member(session, visit.team_id, member_id, for_update=True)
            await people.delete_member(session, member)
    except Conflict as exc:
        return redirect("/team", f"Not removed: {exc.message}.", failed=True)
    return redirect("/team", f"{member.name} is no longer a member.")


@page
async def make_password_link(visit: Visit) -> Response:
    """Shown once on this page, to hand over; it works once, within a week."""
    if (refused := refuse_unless_admin(visit)) is not None:
        return refused
    member_id = path_id(visit, "member_id", "member")
    async with visit.context.db.write() as session:
        member = await people.get_member(session, visit.team_id, member_id)
        link = await password_link(session, visit.context.settings, member, visit.now)
    return visit.render("team_password_link.html", title="Password link", member=member,
                        link=link)


# Contact methods


@page
async def add_contact_method(visit: Visit) -> Response:
    if (refused := refuse_unless_admin(visit)) is not None:
        return refused
    member_id = path_id(visit, "member_id", "member")
    try:
        async with visit.context.db.write() as session:
            # Found first: another team's member is a 404 whatever the form says.
            member = await people.get_member(session, visit.team_id, member_id,
                                             for_update=True)
            kind = _personal_kind(visit.field("kind"))
            await people.add_contact_method(session, member, kind, visit.field("target"),
                                            visit.field("label"), visit.now)
    except Invalid as exc:
        return await _team_page(visit, status=422, errors={
            f"method.{member_id}.{exc.field}": exc.message}, values=dict(visit.form),
            open_member=member_id)
    return redirect("/team", f"{member.name} can be reached by {kind.value} now.")


@page
async def remove_contact_method(visit: Visit) -> Response:
    if (refused := refuse_unless_admin(visit)) is not None:
        return refused
    member_id = path_id(visit, "member_id", "member")
    method_id = path_id(visit, "method_id", "contact method")
    async with visit.context.db.write() as session:
        member = await people.get_member(session, visit.team_id, member_id)
        method = await people.get_contact_method(session, member, method_id)
        await people.delete_contact_method(session, method)
    return redirect("/team", f"Removed {method.target} from {member.name}.")


def _personal_kind(text: str) -> ChannelKind:
    if text not in PERSONAL_KINDS:
        raise Invalid("kind", "choose email or apprise")
    return ChannelKind(text)


# Channels and their test messages


@page
async def add_channel(visit: Visit) -> Response:
    """A webhook channel's signing secret is shown on the next page only."""
    if (refused := refuse_unless_admin(visit)) is not None:
        return refused
    try:
        kind = _channel_kind(visit.field("kind"))
        spec = people.ChannelSpec(name=visit.field("name"), kind=kind,
                                  target=visit.field("target"))
        async with visit.context.db.write() as session:
            channel = await people.create_channel(session, visit.team_id, spec, visit.now)
    except Invalid as exc:
        return await _team_page(visit, status=422, errors={f"channel.{exc.field}": exc.message},
                                values=dict(visit.form), open_form="channel")
    if channel.secret is None:
        return redirect("/team#channels", f"The channel {channel.name} is added.")
    return visit.render("team_channel_secret.html", title="New channel", channel=channel)


@page
async def remove_channel(visit: Visit) -> Response:
    if (refused := refuse_unless_admin(visit)) is not None:
        return refused
    channel_id = path_id(visit, "channel_id", "channel")
    try:
        async with visit.context.db.write() as session:
            channel = await people.get_channel(session, visit.team_id, channel_id,
                                               for_update=True)
            await people.delete_channel(session, channel)
    except Conflict as exc:
        return redirect("/team#channels", f"Not removed: {exc.message}.", failed=True)
    return redirect("/team#channels", f"The channel {channel.name} is removed.")


def _channel_kind(text: str) -> ChannelKind:
    if text not in {kind.value for kind in ChannelKind}:
        raise Invalid("kind", "choose email, webhook or apprise")
    return ChannelKind(text)


@page
async def test_channel(visit: Visit) -> Response:
    """Anyone in the team may check that a channel works: it changes nothing."""
    channel_id = path_id(visit, "channel_id", "channel")
    async with visit.context.db.write() as session:
        channel = await people.get_channel(session, visit.team_id, channel_id)
        notification = await people.send_channel_test(session, channel, visit.now)
    visit.context.notifications_queued()
    return redirect(f"/team/notifications/{notification.id}",
                    f"A test message to {channel.name} is queued.")


@page
async def show_notification(visit: Visit) -> Response:
    notification_id = path_id(visit, "notification_id", "notification")
    async with visit.context.db.read() as session:
        notification = await people.get_notification(session, visit.team_id, notification_id)
        attempts = await attempts_of(session, notification.id)
    values: dict[str, Any] = {"notification": notification, "attempts": attempts}
    if wants_fragment(visit):
        return fragment(visit, "notification_status.html", **values)
    return visit.render("notification.html", title=f"Notification {notification.id}",
                        **values)


# API keys


@page
async def create_api_key(visit: Visit) -> Response:
    if (refused := refuse_unless_admin(visit)) is not None:
        return refused
    try:
        async with visit.context.db.write() as session:
            key, row = await team_service.create_api_key(
                session, visit.team_id, visit.field("name"), visit.now,
                read_only=visit.field("read_only") == "on")
    except Invalid as exc:
        return await _team_page(visit, status=422, errors={f"key.{exc.field}": exc.message},
                                values=dict(visit.form))
    return visit.render("team_api_key.html", title="New API key", row=row, key=key)


@page
async def revoke_api_key(visit: Visit) -> Response:
    if (refused := refuse_unless_admin(visit)) is not None:
        return refused
    key_id = path_id(visit, "key_id", "API key")
    async with visit.context.db.write() as session:
        row = await team_service.revoke_api_key(session, visit.team_id, key_id, visit.now)
    return redirect("/team#api-keys", f"The API key {row.name} is revoked: it no longer works.")


routes = [
    Route("/team", team),
    Route("/team/members", add_member, methods=["POST"]),
    Route("/team/members/{member_id:int}/delete", remove_member, methods=["POST"]),
    Route("/team/members/{member_id:int}/password-link", make_password_link, methods=["POST"]),
    Route("/team/members/{member_id:int}/contact-methods", add_contact_method,
          methods=["POST"]),
    Route("/team/members/{member_id:int}/contact-methods/{method_id:int}/delete",
          remove_contact_method, methods=["POST"]),
    Route("/team/channels", add_channel, methods=["POST"]),
    Route("/team/channels/{channel_id:int}/delete", remove_channel, methods=["POST"]),
    Route("/team/channels/{channel_id:int}/test", test_channel, methods=["POST"]),
    Route("/team/notifications/{notification_id:int}", show_notification),
    Route("/team/api-keys", create_api_key, methods=["POST"]),
    Route("/team/api-keys/{key_id:int}/revoke", revoke_api_key, methods=["POST"]),
]
