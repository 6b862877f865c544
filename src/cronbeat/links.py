"""Signed acknowledge links: they need no login, expire, and name one incident only.

The expiry is inside the signed payload and checked against the `now` the caller passes, so
that time stays an argument here as everywhere else.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from itsdangerous import BadSignature, URLSafeSerializer

SALT = "cronbeat.acknowledge"
LIFETIME = timedelta(days=7)


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


def sign_ack(secret: str, incident_id: int, recipient: str, now: datetime) -> str:
    expires = int((now + LIFETIME).timestamp())
    return str(URLSafeSerializer(secret, salt=SALT).dumps(
        {"i": incident_id, "r": recipient, "e": expires}
    ))


def read_ack(secret: str, token: str, now: datetime) -> AckGrant:
    try:
        data = URLSafeSerializer(secret, salt=SALT).loads(token)
    except BadSignature:
        raise BadLink("this acknowledge link is not valid (it was changed or cut short)") from None
    if not isinstance(data, dict) or not isinstance(data.get("i"), int):
        raise BadLink("this acknowledge link is not valid")
    if now >= datetime.fromtimestamp(int(data.get("e", 0)), UTC):
        raise BadLink("this acknowledge link has expired; acknowledge from the API or CLI",
                      expired=True)
    return AckGrant(int(data["i"]), str(data.get("r", "")))
