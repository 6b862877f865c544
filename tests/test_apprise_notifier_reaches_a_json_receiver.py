"""The apprise notifier reaches a real JSON receiver on 127.0.0.1 through apprise's json://
service, and reports apprise's own reason when it cannot."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from cronbeat.notifiers import ChannelKind, Delivery, Message, NotifierError, NotifyConfig, deliver
from local_http_receiver import Answer, Receiver, closed_port, running_receiver

CONFIG = NotifyConfig(http_timeout=5.0)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver() as receiver:
        yield receiver


def via_apprise(url: str, subject: str = "backup is down", text: str = "since 12:00") -> Delivery:
    message = Message(subject=subject, text=text, html=None, payload={}, idempotency_key="n-42")
    return Delivery(kind=ChannelKind.APPRISE, target=url, message=message)


async def failure(delivery: Delivery, config: NotifyConfig = CONFIG) -> NotifierError:
    with pytest.raises(NotifierError) as caught:
        await deliver(delivery, config)
    return caught.value


async def test_it_posts_the_title_and_message(receiver: Receiver) -> None:
    await deliver(via_apprise(f"json://127.0.0.1:{receiver.port}/hook"), CONFIG)

    [request] = receiver.requests
    assert (request.method, request.path) == ("POST", "/hook")
    document = json.loads(request.body)
    assert document["title"] == "backup is down"
    assert document["message"] == "since 12:00"


async def test_a_url_apprise_does_not_understand_is_a_permanent_failure() -> None:
    error = await failure(via_apprise("not-a-url://x"))

    assert error.permanent
    assert error.message.startswith("apprise does not understand this URL")


async def test_a_receiver_answering_500_is_a_transient_failure_with_apprises_reason(
    receiver: Receiver,
) -> None:
    receiver.answer = Answer(status=500, body=b"boom")

    error = await failure(via_apprise(f"json://127.0.0.1:{receiver.port}/hook"))

    assert not error.permanent
    assert error.message.startswith("apprise could not deliver (failure)")
    assert "error=500" in error.message
    assert len(receiver.requests) == 1


async def test_a_closed_port_is_a_transient_failure() -> None:
    with closed_port() as port:
        error = await failure(via_apprise(f"json://127.0.0.1:{port}/hook"))

    assert not error.permanent
    assert "connection error" in error.message.lower()


async def test_a_receiver_slower_than_the_timeout_is_a_transient_failure(
    receiver: Receiver,
) -> None:
    receiver.answer = Answer(delay=1.0)

    error = await failure(via_apprise(f"json://127.0.0.1:{receiver.port}/hook"),
                          NotifyConfig(http_timeout=0.2))

    assert not error.permanent
    assert error.message.startswith("apprise could not deliver (timeout)")


async def test_an_empty_message_is_a_permanent_failure(receiver: Receiver) -> None:
    error = await failure(via_apprise(f"json://127.0.0.1:{receiver.port}/hook", "", ""))

    assert error.permanent
    assert "no message content" in error.message.lower()
    assert receiver.requests == []


async def test_a_target_holding_two_urls_is_refused_before_sending(receiver: Receiver) -> None:
    url = f"json://127.0.0.1:{receiver.port}/hook"

    error = await failure(via_apprise(f"{url},{url}"))

    assert error.permanent
    assert "exactly one URL" in error.message
    assert receiver.requests == []
