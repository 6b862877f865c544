"""E-mail notifier: stdlib smtplib, run in a worker thread."""

from __future__ import annotations

import asyncio
import hashlib
import smtplib
import socket
import ssl
from email.message import EmailMessage
from email.utils import format_datetime

from cronbeat.clock import SystemClock
from cronbeat.notifiers.base import Delivery, NotifierError, NotifyConfig, SmtpConfig

# Characters that would let one "address" become several, or a header become two.
_FORBIDDEN = set(' \t\r\n<>,;"()[]\\')


def validate(target: str) -> str:
    address = target.strip()
    local, _, domain = address.rpartition("@")
    if address.count("@") != 1 or not local or not domain:
        raise ValueError("an e-mail address needs exactly one @ with text on both sides")
    if any(ch in _FORBIDDEN or not ch.isprintable() for ch in address):
        raise ValueError("an e-mail address cannot contain spaces, line breaks or <>,;\"()[]\\")
    if domain.startswith(".") or domain.endswith(".") or ".." in domain:
        raise ValueError(f"{domain!r} is not a valid mail domain")
    return f"{local}@{domain.lower()}"


async def send(delivery: Delivery, config: NotifyConfig) -> None:
    try:
        recipient = validate(delivery.target)
    except ValueError as exc:
        raise NotifierError(f"bad e-mail address: {exc}", permanent=True) from exc
    message = _build(delivery, recipient, config.smtp)
    try:
        await asyncio.to_thread(_send_now, message, config.smtp)
    except (smtplib.SMTPException, OSError) as exc:
        raise _explain(exc, config.smtp) from exc


def _build(delivery: Delivery, recipient: str, smtp: SmtpConfig) -> EmailMessage:
    content = delivery.message
    domain = smtp.sender.rpartition("@")[2] or "localhost"
    # The same notification keeps the same Message-ID across retries, so a mail client can
    # fold a duplicate left by a retry after a lost "250 OK".
    digest = hashlib.sha256(content.idempotency_key.encode()).hexdigest()[:32]
    message = EmailMessage()
    message["Subject"] = " ".join(content.subject.split())
    message["From"] = smtp.sender
    message["To"] = recipient
    message["Date"] = format_datetime(SystemClock().now())
    message["Message-ID"] = f"<cronbeat.{digest}@{domain}>"
    message["X-Cronbeat-Idempotency-Key"] = content.idempotency_key
    message.set_content(content.text)
    if content.html is not None:
        message.add_alternative(content.html, subtype="html")
    return message


def _send_now(message: EmailMessage, smtp: SmtpConfig) -> None:
    # An explicit EHLO name: smtplib's default calls socket.getfqdn(), a reverse DNS lookup
    # that can stall for seconds on a badly configured host.
    helo = socket.gethostname()
    client: smtplib.SMTP
    if smtp.security == "ssl":
        client = smtplib.SMTP_SSL(
            smtp.host, smtp.port, local_hostname=helo, timeout=smtp.timeout,
            context=ssl.create_default_context(),
        )
    else:
        client = smtplib.SMTP(smtp.host, smtp.port, local_hostname=helo, timeout=smtp.timeout)
    with client:
        if smtp.security == "starttls":
            client.starttls(context=ssl.create_default_context())
        if smtp.username:
            client.login(smtp.username, smtp.password or "")
        client.send_message(message)


def _explain(exc: Exception, smtp: SmtpConfig) -> NotifierError:
    server = f"SMTP server {smtp.host}:{smtp.port}"
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        refusals = ", ".join(
            f"{rcpt}: {code} {_text(reply)}" for rcpt, (code, reply) in exc.recipients.items()
        )
        return NotifierError(
            f"{server} refused the recipient ({refusals})", permanent=min(codes) >= 500
        )
    if isinstance(exc, smtplib.SMTPResponseException):
        what = _STEP.get(type(exc), "failed")
        return NotifierError(
            f"{server} {what}: {exc.smtp_code} {_text(exc.smtp_error)}",
            permanent=exc.smtp_code >= 500,
        )
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        # A missing extension (STARTTLS, AUTH, SMTPUTF8) will not appear on a retry.
        return NotifierError(f"{server} does not support what we need: {exc}", permanent=True)
    # smtplib reports a timeout while reading a reply as SMTPServerDisconnected.
    if isinstance(exc, TimeoutError) or isinstance(exc.__context__, TimeoutError):
        return NotifierError(
            f"{server} did not answer within {smtp.timeout:g} s", permanent=False
        )
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return NotifierError(f"{server} closed the connection: {exc}", permanent=False)
    if isinstance(exc, ConnectionRefusedError):
        return NotifierError(f"{server} refused the connection", permanent=False)
    return NotifierError(f"{server} failed: {type(exc).__name__}: {exc}", permanent=False)


_STEP: dict[type[smtplib.SMTPResponseException], str] = {
    smtplib.SMTPAuthenticationError: "refused our login",
    smtplib.SMTPSenderRefused: "refused the sender",
    smtplib.SMTPDataError: "refused the message",
    smtplib.SMTPConnectError: "refused us at connection",
    smtplib.SMTPHeloError: "refused our greeting",
}


def _text(reply: bytes | str) -> str:
    return reply.decode(errors="replace") if isinstance(reply, bytes) else reply
