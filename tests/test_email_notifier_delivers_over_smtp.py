"""The e-mail notifier delivers to a real SMTP server on 127.0.0.1 (aiosmtpd) and says whether
a failure is worth retrying."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from cronbeat.notifiers import (
    ChannelKind,
    Delivery,
    Message,
    NotifierError,
    NotifyConfig,
    SmtpConfig,
    deliver,
)
from local_http_receiver import closed_port, silent_port
from local_smtp import Mailbox, parsed, running_smtp


@pytest.fixture
def mailbox() -> Mailbox:
    return Mailbox()


@pytest.fixture
def smtp(mailbox: Mailbox) -> Iterator[SmtpConfig]:
    with running_smtp(mailbox) as port:
        yield SmtpConfig(port=port, sender="alerts@cronbeat.test", timeout=5.0)


def mail(to: str = "oncall@example.test", html: str | None = "<p>backup is <b>down</b></p>",
         key: str = "notification-42") -> Delivery:
    message = Message(subject="[cronbeat] backup is down", text="backup is down\nsince 12:00",
                      html=html, payload={}, idempotency_key=key)
    return Delivery(kind=ChannelKind.EMAIL, target=to, message=message)


async def failure(delivery: Delivery, smtp: SmtpConfig) -> NotifierError:
    with pytest.raises(NotifierError) as caught:
        await deliver(delivery, NotifyConfig(smtp=smtp))
    return caught.value


async def test_it_delivers_a_text_and_html_message(mailbox: Mailbox, smtp: SmtpConfig) -> None:
    await deliver(mail(), NotifyConfig(smtp=smtp))

    [envelope] = mailbox.envelopes
    assert envelope.mail_from == "alerts@cronbeat.test"
    assert envelope.rcpt_tos == ["oncall@example.test"]
    message = parsed(envelope)
    assert message["Subject"] == "[cronbeat] backup is down"
    assert message["From"] == "alerts@cronbeat.test"
    assert message["To"] == "oncall@example.test"
    assert message["Date"] is not None
    assert message["Message-ID"].endswith("@cronbeat.test>")
    assert message["X-Cronbeat-Idempotency-Key"] == "notification-42"
    assert message.get_content_type() == "multipart/alternative"
    text, html = message.get_body(("plain",)), message.get_body(("html",))
    assert text is not None and html is not None
    assert text.get_content().splitlines() == ["backup is down", "since 12:00"]
    assert "<b>down</b>" in html.get_content()


async def test_a_message_without_html_is_plain_text(mailbox: Mailbox, smtp: SmtpConfig) -> None:
    await deliver(mail(html=None), NotifyConfig(smtp=smtp))

    message = parsed(mailbox.envelopes[0])
    assert message.get_content_type() == "text/plain"
    assert message.get_content().splitlines() == ["backup is down", "since 12:00"]


async def test_a_retry_keeps_the_message_id_and_another_notification_does_not(
    mailbox: Mailbox, smtp: SmtpConfig,
) -> None:
    for key in ("notification-42", "notification-42", "notification-43"):
        await deliver(mail(key=key), NotifyConfig(smtp=smtp))

    first, retry, other = (parsed(envelope)["Message-ID"] for envelope in mailbox.envelopes)
    assert first == retry != other


async def test_it_logs_in_when_given_a_username(mailbox: Mailbox, smtp: SmtpConfig) -> None:
    login = SmtpConfig(port=smtp.port, username="cronbeat", password="hunter2")

    await deliver(mail(), NotifyConfig(smtp=login))

    assert mailbox.logins == [b"cronbeat"]
    assert len(mailbox.envelopes) == 1


async def test_a_wrong_password_is_a_permanent_failure(smtp: SmtpConfig) -> None:
    login = SmtpConfig(port=smtp.port, username="cronbeat", password="wrong")

    error = await failure(mail(), login)

    assert error.permanent
    assert f"SMTP server 127.0.0.1:{smtp.port} refused our login: 535" in error.message


async def test_a_refused_recipient_is_a_permanent_failure(
    mailbox: Mailbox, smtp: SmtpConfig,
) -> None:
    mailbox.rcpt_reply = "550 no such user"

    error = await failure(mail(), smtp)

    assert error.permanent
    assert f"SMTP server 127.0.0.1:{smtp.port} refused the recipient" in error.message
    assert "oncall@example.test: 550 no such user" in error.message


async def test_a_temporarily_refused_recipient_is_a_transient_failure(
    mailbox: Mailbox, smtp: SmtpConfig,
) -> None:
    mailbox.rcpt_reply = "450 mailbox busy, try later"

    error = await failure(mail(), smtp)

    assert not error.permanent
    assert "450 mailbox busy, try later" in error.message


@pytest.mark.parametrize(("reply", "permanent"), [
    ("554 message looks like spam", True),
    ("451 local error, try later", False),
])
async def test_a_refused_message_is_permanent_only_for_a_5xx_reply(
    mailbox: Mailbox, smtp: SmtpConfig, reply: str, permanent: bool,
) -> None:
    mailbox.data_reply = reply

    error = await failure(mail(), smtp)

    assert error.permanent is permanent
    assert f"refused the message: {reply}" in error.message


async def test_starttls_against_a_server_without_it_is_a_permanent_failure(
    smtp: SmtpConfig,
) -> None:
    tls = SmtpConfig(port=smtp.port, security="starttls")

    error = await failure(mail(), tls)

    assert error.permanent
    assert "STARTTLS" in error.message


async def test_a_closed_port_is_a_transient_failure() -> None:
    with closed_port() as port:
        error = await failure(mail(), SmtpConfig(port=port))

    assert not error.permanent
    assert error.message == f"SMTP server 127.0.0.1:{port} refused the connection"


async def test_a_server_that_never_answers_is_a_transient_failure() -> None:
    with silent_port() as port:
        error = await failure(mail(), SmtpConfig(port=port, timeout=0.3))

    assert not error.permanent
    assert error.message == f"SMTP server 127.0.0.1:{port} did not answer within 0.3 s"


async def test_an_address_that_would_inject_a_header_is_refused_before_sending(
    mailbox: Mailbox, smtp: SmtpConfig,
) -> None:
    error = await failure(mail(to="oncall@example.test\nBcc: thief@example.test"), smtp)

    assert error.permanent
    assert mailbox.envelopes == []
