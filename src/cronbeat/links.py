"""Signed tokens that need no database row: acknowledge links in alerts, password links for
the dashboard, and the dashboard's session cookie. Each kind has its own salt, so that one
can never be passed off as another; each expires.

The expiry is inside the signed payload and checked against the `now` the caller passes, so
that time stays an argument here as everywhere else.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer

ACK_SALT = "cronbeat.acknowledge"
ACK_LIFETIME = timedelta(days=7)
PASSWORD_SALT = "cronbeat.password-link"
PASSWORD_LIFETIME = timedelta(days=7)
SESSION_SALT = "cronbeat.session"
SESSION_LIFETIME = timedelta(days=14)


class BadLink(Exception):
    """The link was altered, signed with another key, or has expired; `message` says which."""

    def __init__(self, message: str, *, expired: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.expired = expired


@dataclass(frozen=True)
class AckGrant:
    incident_id: int
    recipient: str  # who the link was sent to: recorded as the one who acknowledged


@dataclass(frozen=True)
class PasswordGrant:
    user_id: int
    fingerprint: str  # of the password the user had: the link works until it changes


@dataclass(frozen=True)
class SessionGrant:
    user_id: int
    fingerprint: str  # of the password at login: a new password ends the session
    csrf: str  # the token every form of this session must send back


def sign_ack(secret: str, incident_id: int, recipient: str, now: datetime) -> str:
    return _sign(secret, ACK_SALT, {"i": incident_id, "r": recipient}, now + ACK_LIFETIME)


def read_ack(secret: str, token: str, now: datetime) -> AckGrant:
    data = _read(secret, ACK_SALT, token, now, "acknowledge link",
                 "acknowledge from the dashboard, the API or the CLI")
    if not isinstance(data.get("i"), int):
        raise BadLink("this acknowledge link is not valid")
    return AckGrant(int(data["i"]), str(data.get("r", "")))


def sign_password_link(secret: str, user_id: int, fingerprint: str, now: datetime) -> str:
    return _sign(secret, PASSWORD_SALT, {"u": user_id, "f": fingerprint},
                 now + PASSWORD_LIFETIME)


def read_password_link(secret: str, token: str, now: datetime) -> PasswordGrant:
    data = _read(secret, PASSWORD_SALT, token, now, "password link",
                 "ask an admin for a new one, or run `cronbeat password-link EMAIL`")
    if not isinstance(data.get("u"), int):
        raise BadLink("this password link is not valid")
    return PasswordGrant(int(data["u"]), str(data.get("f", "")))


def sign_session(secret: str, grant: SessionGrant, now: datetime) -> str:
    return _sign(secret, SESSION_SALT,
                 {"u": grant.user_id, "f": grant.fingerprint, "c": grant.csrf},
                 now + SESSION_LIFETIME)


def read_session(secret: str, token: str, now: datetime) -> SessionGrant:
    data = _read(secret, SESSION_SALT, token, now, "session", "log in again")
    if not isinstance(data.get("u"), int):
        raise BadLink("this session is not valid")
    return SessionGrant(int(data["u"]), str(data.get("f", "")), str(data.get("c", "")))


def _sign(secret: str, salt: str, payload: dict[str, Any], expires: datetime) -> str:
    return str(URLSafeSerializer(secret, salt=salt).dumps(
        {**payload, "e": int(expires.timestamp())}
    ))


def _read(secret: str, salt: str, token: str, now: datetime, what: str,
          instead: str) -> dict[str, Any]:
    try:
        data = URLSafeSerializer(secret, salt=salt).loads(token)
    except BadSignature:
        raise BadLink(f"this {what} is not valid (it was changed or cut short)") from None
    if not isinstance(data, dict):
        raise BadLink(f"this {what} is not valid")
    if now >= datetime.fromtimestamp(int(data.get("e", 0)), UTC):
        raise BadLink(f"this {what} has expired; {instead}", expired=True)
    return data
