"""Email pings: a real SMTP client (smtplib) delivers to the built-in listener on 127.0.0.1;
the mail's subject and text are the output, and output rules decide success or failure."""

from __future__ import annotations

import asyncio
import smtplib
from collections.abc import AsyncIterator
from email.message import EmailMessage
from pathlib import Path

import httpx
import pytest

from cronbeat.api.app import create_app
from cronbeat.clock import FixedClock
from cronbeat.config import Settings
from cronbeat.db.engine import Database
from cronbeat.services.teams import create_api_key
from cronbeat.smtp_pings import output_of
from local_server import free_port, running_server

HEARTBEATS = "/api/v1/heartbeats"


@pytest.fixture
async def mail_app(
    db: Database, clock: FixedClock, team_id: int
) -> AsyncIterator[tuple[httpx.AsyncClient, int]]:
    port = free_port()
    settings = Settings(base_url="http://cronbeat.test", max_body=1000, ping_smtp_port=port)
    app = create_app(settings, db=db, clock=clock, run_worker=False)
    async with db.write() as session:
        key, _ = await create_api_key(session, team_id, "tests", clock.now())
    async with app.router.lifespan_context(app), httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://cronbeat.test",
        headers={"Authorization": f"Bearer {key}"},
    ) as client:
        yield client, port


def mail(port: int, to: str, subject: str, text: str) -> None:
    message = EmailMessage()
    message["From"] = "cron@legacy.example"
    message["To"] = to
    message["Subject"] = subject
    message.set_content(text)
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
        smtp.send_message(message)


async def send(port: int, to: str, subject: str, text: str) -> None:
    await asyncio.to_thread(mail, port, to, subject, text)


async def test_a_mail_moves_a_heartbeat_up_and_a_mail_saying_error_moves_it_down(
    mail_app: tuple[httpx.AsyncClient, int], clock: FixedClock
):
    client, port = mail_app
    made = (await client.post(HEARTBEATS, json={
        "name": "legacy backup", "period": 86400,
        "output_rules": [{"match": "keyword", "pattern": "ERROR", "action": "fail"}]})).json()
    address = f"{made['token']}@pings.cronbeat.test"

    await send(port, address, "backup finished", "copied 120 files\n")
    shown = (await client.get(f"{HEARTBEATS}/{made['id']}")).json()
    assert shown["status"] == "up"
    [ping] = (await client.get(f"{HEARTBEATS}/{made['id']}/pings")).json()
    assert (ping["kind"], ping["method"], ping["body"], ping["user_agent"]) == (
        "success", "SMTP", "backup finished\n\ncopied 120 files", "cron@legacy.example")

    clock.advance(60)
    await send(port, address, "backup ERROR", "disk full\n")
    down = (await client.get(f"{HEARTBEATS}/{made['id']}")).json()
    assert (down["status"], down["incident"]["reason"]) == ("down", "failed")
    latest = (await client.get(f"{HEARTBEATS}/{made['id']}/pings")).json()[0]
    assert (latest["kind"], latest["rule"]) == ("fail", "#1 keyword 'ERROR' → fail")


async def test_mail_to_an_unknown_token_or_an_address_that_is_no_token_is_refused(
    mail_app: tuple[httpx.AsyncClient, int],
):
    _, port = mail_app
    with pytest.raises(smtplib.SMTPDataError) as unknown:
        await send(port, "AAAAAAAAAAAAAAAAAAAAAA@pings.cronbeat.test", "hi", "there")
    assert unknown.value.smtp_code == 550
    with pytest.raises(smtplib.SMTPRecipientsRefused):
        await send(port, "not a token@pings.cronbeat.test", "hi", "there")


@pytest.mark.parametrize(
    ("raw", "limit", "expected"),
    [
        (b"Subject: done\r\n\r\nall good\r\n", 1000, (b"done\n\nall good", 14)),
        (b"Subject: done\r\n\r\n", 1000, (b"done", 4)),
        (b"Subject: =?utf-8?q?R=C4=ABga?=\r\n\r\nok", 1000, ("Rīga\n\nok".encode(), 9)),
        (b"Subject: long\r\n\r\n" + b"x" * 50, 10, (b"long\n\nxxxx", 56)),
        (b"Subject: s\r\nContent-Type: multipart/alternative; boundary=b\r\n\r\n--b\r\n"
         b"Content-Type: text/html\r\n\r\n<p>html</p>\r\n--b\r\nContent-Type: text/plain\r\n\r\n"
         b"plain\r\n--b--\r\n", 1000, (b"s\n\nplain", 8)),
    ],
)
def test_the_output_of_a_mail_is_its_subject_and_its_text(
    raw: bytes, limit: int, expected: tuple[bytes, int]
) -> None:
    assert output_of(raw, limit) == expected


def test_serve_has_an_smtp_port_option_that_is_off_by_default() -> None:
    from click.testing import CliRunner

    from cronbeat.cli import main

    shown = CliRunner().invoke(main, ["serve", "--help"])
    assert "--smtp-port" in shown.output and "default off" in shown.output
    assert Settings().ping_smtp_port is None




def test_cronbeat_serve_takes_email_pings_on_its_smtp_port(tmp_path: Path) -> None:
    port = free_port()
    with running_server(tmp_path, CRONBEAT_PING_SMTP_PORT=str(port)) as server:
        headers = {"Authorization": f"Bearer {server.key}"}
        made = httpx.post(f"{server.base}{HEARTBEATS}", headers=headers,
                          json={"name": "mailed", "period": 3600}).json()
        mail(port, f"{made['token']}@example.org", "nightly job", "done")
        shown = httpx.get(f"{server.base}{HEARTBEATS}/{made['id']}", headers=headers).json()
        assert shown["status"] == "up"
