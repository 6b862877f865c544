"""The webhook notifier POSTs the payload as JSON to a real receiver on 127.0.0.1, signs it,
and says whether a failure is worth retrying."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest

from cronbeat import __version__
from cronbeat.notifiers import ChannelKind, Delivery, Message, NotifierError, NotifyConfig, deliver
from cronbeat.notifiers.webhook import sign, verify
from local_http_receiver import Answer, Receiver, closed_port, running_receiver, silent_port

CONFIG = NotifyConfig(http_timeout=2.0)
PAYLOAD = {"event": "incident.opened", "heartbeat": {"name": "backup", "status": "down"},
           "note": "café ☕"}


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver() as receiver:
        yield receiver


def webhook(url: str, secret: str | None = None) -> Delivery:
    message = Message(subject="backup is down", text="backup is down", html=None,
                      payload=PAYLOAD, idempotency_key="notification-42")
    return Delivery(kind=ChannelKind.WEBHOOK, target=url, message=message, secret=secret)


async def failure(delivery: Delivery, config: NotifyConfig = CONFIG) -> NotifierError:
    with pytest.raises(NotifierError) as caught:
        await deliver(delivery, config)
    return caught.value


async def test_it_posts_the_payload_as_json_with_identifying_headers(receiver: Receiver) -> None:
    before = int(time.time())
    await deliver(webhook(receiver.url("/hooks/abc?x=1")), CONFIG)

    [request] = receiver.requests
    assert (request.method, request.path) == ("POST", "/hooks/abc?x=1")
    assert json.loads(request.body) == PAYLOAD
    assert request.headers["content-type"] == "application/json"
    assert request.headers["user-agent"] == f"cronbeat/{__version__}"
    assert request.headers["idempotency-key"] == "notification-42"
    assert request.headers["x-cronbeat-delivery"] == "notification-42"
    assert before <= int(request.headers["x-cronbeat-timestamp"]) <= int(time.time())
    assert "x-cronbeat-signature" not in request.headers


async def test_the_signature_verifies_with_the_secret_over_timestamp_and_body(
    receiver: Receiver,
) -> None:
    await deliver(webhook(receiver.url(), secret="s3cret"), CONFIG)

    [request] = receiver.requests
    timestamp, signature = request.headers["x-cronbeat-timestamp"], request.headers[
        "x-cronbeat-signature"]
    assert signature.startswith("sha256=")
    assert signature == sign("s3cret", timestamp, request.body)
    assert verify("s3cret", timestamp, request.body, signature)


async def test_the_signature_fails_with_a_wrong_secret_an_altered_body_or_timestamp(
    receiver: Receiver,
) -> None:
    await deliver(webhook(receiver.url(), secret="s3cret"), CONFIG)

    [request] = receiver.requests
    timestamp, signature = request.headers["x-cronbeat-timestamp"], request.headers[
        "x-cronbeat-signature"]
    assert not verify("wrong", timestamp, request.body, signature)
    assert not verify("s3cret", timestamp, request.body.replace(b"down", b"up"), signature)
    assert not verify("s3cret", str(int(timestamp) + 1), request.body, signature)
    assert not verify("s3cret", timestamp, request.body, signature.removeprefix("sha256="))
    assert not verify("s3cret", timestamp, request.body, "sha256=é")


@pytest.mark.parametrize(("status", "permanent"), [
    (500, False), (502, False), (503, False), (408, False), (429, False),
    (400, True), (401, True), (404, True), (410, True), (422, True),
])
async def test_it_tells_transient_from_permanent_refusals(
    receiver: Receiver, status: int, permanent: bool
) -> None:
    receiver.answer = Answer(status=status, body=b"the receiver says no")

    error = await failure(webhook(receiver.url("/hooks/secret-token")))

    assert error.permanent is permanent
    assert f"answered {status}" in error.message
    assert "the receiver says no" in error.message
    assert f"http://127.0.0.1:{receiver.port}" in error.message
    assert "secret-token" not in error.message


async def test_it_quotes_only_the_first_200_characters_of_the_answer(receiver: Receiver) -> None:
    receiver.answer = Answer(status=500, body=b"a" * 200 + b"b" * 100_000)

    error = await failure(webhook(receiver.url()))

    assert "a" * 200 in error.message
    assert "b" not in error.message.split("answered")[1]


async def test_it_does_not_follow_a_redirect_and_calls_it_permanent(receiver: Receiver) -> None:
    receiver.answer = Answer(status=301, headers={"Location": receiver.url("/elsewhere")})

    error = await failure(webhook(receiver.url()))

    assert error.permanent
    assert "answered 301" in error.message
    assert "/elsewhere" in error.message
    assert [request.path for request in receiver.requests] == ["/hook"]


async def test_a_closed_port_is_a_transient_failure() -> None:
    with closed_port() as port:
        error = await failure(webhook(f"http://127.0.0.1:{port}/hook"))

    assert not error.permanent
    assert f"127.0.0.1:{port} could not be reached" in error.message


async def test_a_receiver_that_never_answers_is_a_transient_failure() -> None:
    with silent_port() as port:
        error = await failure(webhook(f"http://127.0.0.1:{port}/hook"),
                              NotifyConfig(http_timeout=0.3))

    assert not error.permanent
    assert "did not answer within 0.3 s" in error.message


async def test_a_bad_url_is_a_permanent_failure() -> None:
    error = await failure(webhook("ftp://127.0.0.1/hook"))

    assert error.permanent
    assert "http:// or https://" in error.message


async def test_a_payload_that_is_not_json_is_a_permanent_failure(receiver: Receiver) -> None:
    message = Message(subject="s", text="t", html=None, payload={"when": object()},
                      idempotency_key="k")
    delivery = Delivery(kind=ChannelKind.WEBHOOK, target=receiver.url(), message=message)

    error = await failure(delivery)

    assert error.permanent
    assert receiver.requests == []
