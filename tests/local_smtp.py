"""A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps what it accepts and answers what the
test sets. Shared by the email notifier and delivery tests."""

from __future__ import annotations

import email
import email.policy
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

USERS = {b"cronbeat": b"hunter2"}


@dataclass
class Mailbox:
    """An aiosmtpd handler that keeps what it accepts and answers what the test sets."""

    rcpt_reply: str | None = None
    data_reply: str = "250 OK"
    envelopes: list[Envelope] = field(default_factory=list)
    logins: list[bytes] = field(default_factory=list)

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str,
        rcpt_options: list[str],
    ) -> str:
        if self.rcpt_reply:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.data_reply.startswith("250"):
            self.envelopes.append(envelope)
        return self.data_reply

    def authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        ok = isinstance(data, LoginPassword) and USERS.get(data.login) == data.password
        if ok:
            self.logins.append(data.login)
        return AuthResult(success=ok, handled=False)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_smtp(mailbox: Mailbox) -> Iterator[int]:
    """Serve `mailbox` on a free port of 127.0.0.1; yields the port."""
    controller = Controller(
        mailbox, hostname="127.0.0.1", port=free_port(), server_hostname="localhost",
        authenticator=mailbox.authenticate, auth_require_tls=False,
    )
    controller.start()
    try:
        yield int(controller.port)
    finally:
        controller.stop()


def parsed(envelope: Envelope) -> EmailMessage:
    assert isinstance(envelope.content, bytes)
    message = email.message_from_bytes(envelope.content, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message
