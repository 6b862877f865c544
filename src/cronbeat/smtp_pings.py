"""Email pings: a small SMTP listener (aiosmtpd) for systems that can only send email.

Mail to `<token>@<any domain>` is a success ping of that heartbeat whose output is the
subject and the text of the message; the heartbeat's output rules (keywords, regular
expressions) decide whether it counts as a success or a failure. The reply to DATA is sent
after the ping is committed, as the HTTP answer is: `250` means stored.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
from dataclasses import dataclass
from email.message import EmailMessage

from aiosmtpd.smtp import SMTP, Envelope, Session

from cronbeat.clock import Clock
from cronbeat.enums import PingKind
from cronbeat.ping_writer import PingWriter, WriterUnavailable
from cronbeat.services.pings import PingIn
from cronbeat.tokens import looks_like_token

NO_SUCH = "550 5.1.1 no heartbeat has this address"
MAX_RECIPIENTS = 20
MAX_MESSAGE = 1_000_000  # bytes of a whole message (headers, encodings) accepted


def output_of(raw: bytes, limit: int) -> tuple[bytes, int]:
    """The subject and text of a message, as the ping's output: (at most `limit` bytes, the
    size before truncation)."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    subject = str(message.get("subject", "")).strip()
    text = ""
    part = message.get_body(preferencelist=("plain", "html")) \
        if isinstance(message, EmailMessage) else None
    if isinstance(part, EmailMessage):
        try:
            text = str(part.get_content())
        except (LookupError, ValueError):  # an unknown charset or a broken encoding
            payload = part.get_payload(decode=True)
            text = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
    output = "\n\n".join(piece for piece in (subject, text.strip()) if piece).encode("utf-8")
    return output[:limit], len(output)


def token_of(address: str) -> str | None:
    local, at, domain = address.rpartition("@")
    return local if at and domain and looks_like_token(local) else None


@dataclass
class PingMailbox:
    """The aiosmtpd handler: recipients must look like tokens; each message is one ping per
    recipient."""

    writer: PingWriter
    clock: Clock
    max_body: int

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str,
        rcpt_options: list[str],
    ) -> str:
        if token_of(address) is None:
            return NO_SUCH
        if len(envelope.rcpt_tos) >= MAX_RECIPIENTS:
            return "452 4.5.3 too many recipients"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or envelope.content or b""
        body, size = output_of(raw if isinstance(raw, bytes) else raw.encode(), self.max_body)
        peer = session.peer[0] if isinstance(session.peer, tuple) else None
        sender = (envelope.mail_from or "")[:300] or None
        pings = [PingIn(token=token_of(address), kind=PingKind.SUCCESS,
                        received_at=self.clock.now(), body=body, body_size=size,
                        truncated=size > len(body), method="SMTP", source_ip=peer,
                        user_agent=sender)
                 for address in envelope.rcpt_tos]
        try:
            found = await asyncio.gather(*(self.writer.submit(ping) for ping in pings))
        except WriterUnavailable:
            return "451 4.3.0 the ping could not be stored right now; try again"
        # SMTP has one answer for all recipients: it is accepted if any heartbeat took it.
        return "250 OK" if any(found) else NO_SUCH


async def start_listener(
    writer: PingWriter, clock: Clock, max_body: int, host: str, port: int
) -> asyncio.Server:
    handler = PingMailbox(writer, clock, max_body)
    loop = asyncio.get_running_loop()
    return await loop.create_server(
        lambda: SMTP(handler, data_size_limit=MAX_MESSAGE, hostname="cronbeat",
                     ident="cronbeat email pings"),
        host=host, port=port,
    )
