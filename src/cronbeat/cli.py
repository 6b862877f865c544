"""The `cronbeat` command. Kept thin: parse options, call the library, print.

`cronbeat run` starts on every cron job, so importing this module must stay cheap: rich,
pydantic, asyncio and the database are imported inside the commands that use them, and the
REST client commands (cronbeat.cli_client, which imports rich) are loaded when invoked."""

from __future__ import annotations

import functools
import importlib
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from cronbeat import __version__

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable
    from datetime import datetime

    from rich.console import Console
    from sqlalchemy.ext.asyncio import AsyncSession

    from cronbeat.config import Settings

T = TypeVar("T")

# Commands defined in other modules: name -> module whose COMMANDS tuple holds it.
LAZY_COMMANDS = {
    **{name: "cronbeat.cli_client" for name in (
        "members", "channels", "schedules", "oncall", "overrides", "policies", "incidents")},
    **{name: "cronbeat.cli_heartbeats" for name in ("heartbeats", "import-crontab")},
    "maintenance": "cronbeat.cli_maintenance",
    "digest": "cronbeat.cli_digest",
}


class LazyGroup(click.Group):
    """A group whose commands from LAZY_COMMANDS are imported only when asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *LAZY_COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.commands or cmd_name not in LAZY_COMMANDS:
            return super().get_command(ctx, cmd_name)
        module = importlib.import_module(LAZY_COMMANDS[cmd_name])
        found: dict[str, click.Command] = {c.name or "": c for c in module.COMMANDS}
        return found.get(cmd_name)


@functools.cache
def console() -> Console:
    from rich.console import Console

    # soft_wrap: never break a line a user may copy (keys, URLs, curl commands).
    return Console(stderr=True, soft_wrap=True)


def _logging(settings: Settings) -> None:
    import logging

    logging.basicConfig(level=settings.log_level.upper(),
                        format="%(levelname)s %(name)s: %(message)s")
    # Alembic narrates every step at INFO; a user only needs to hear about failures.
    logging.getLogger("alembic").setLevel(logging.WARNING)


def _settings(**overrides: Any) -> Settings:
    from cronbeat.config import Settings

    try:
        return Settings(**{k: v for k, v in overrides.items() if v is not None})
    except ValueError as exc:
        raise click.ClickException(f"invalid configuration: {exc}") from None


def _in_transaction(url: str, work: Callable[[AsyncSession, datetime], Awaitable[T]]) -> T:
    """Run `work(session, now)` in one write transaction on the database at `url`: for the
    commands that act on the database directly, on the server's own machine."""
    import asyncio

    from cronbeat.clock import SystemClock
    from cronbeat.db.engine import Database

    async def run() -> T:
        database = Database(url)
        try:
            async with database.write() as session:
                return await work(session, SystemClock().now())
        finally:
            await database.dispose()

    return asyncio.run(run())


def _prepare(settings: Settings) -> str:
    """Create the data directory for SQLite and bring the schema up to date."""
    from cronbeat.db.migrate import upgrade

    url = settings.resolved_database_url()
    if settings.database_url is None:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    try:
        upgrade(url)
    except Exception as exc:
        raise click.ClickException(f"cannot prepare the database at {_safe(url)}: {exc}") from exc
    return url


def _safe(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@click.group(cls=LazyGroup)
@click.version_option(__version__, prog_name="cronbeat")
def main() -> None:
    """cronbeat: cron-job and heartbeat monitoring with on-call escalation."""


@main.command()
@click.option("--host", help="Address to listen on [env CRONBEAT_HOST, default 127.0.0.1]")
@click.option("--port", type=int, help="Port [env CRONBEAT_PORT, default 8000]")
@click.option("--no-worker", is_flag=True, help="Serve HTTP only; run `cronbeat worker` apart")
@click.option("--smtp-port", type=int, help="Also take email pings (mail to <token>@any-domain) "
              "on this port [env CRONBEAT_PING_SMTP_PORT, default off]")
def serve(host: str | None, port: int | None, no_worker: bool, smtp_port: int | None) -> None:
    """Run the HTTP server (and, unless --no-worker, the background worker)."""
    import asyncio

    import uvicorn

    from cronbeat.api.app import create_app

    settings = _settings(host=host, port=port, ping_smtp_port=smtp_port)
    _logging(settings)
    url = _prepare(settings)
    asyncio.run(_first_start(settings, url))
    console().print(f"cronbeat {__version__}: database {_safe(url)}")
    console().print(f"listening on {settings.resolved_base_url()} "
                  f"({'no worker' if no_worker else 'with worker'})")
    if settings.ping_smtp_port is not None:
        console().print(f"email pings: SMTP on {settings.host}:{settings.ping_smtp_port}, "
                        "mail to <token>@<any domain>")
    app = create_app(settings, run_worker=not no_worker)
    uvicorn.run(app, host=settings.host, port=settings.port, log_level=settings.log_level,
                access_log=False, timeout_graceful_shutdown=10)


async def _first_start(settings: Settings, url: str) -> None:
    from rich.panel import Panel

    from cronbeat.clock import SystemClock
    from cronbeat.db.engine import Database
    from cronbeat.services.accounts import password_link
    from cronbeat.services.teams import bootstrap

    db = Database(url)
    now = SystemClock().now()
    try:
        async with db.write() as session:
            first = await bootstrap(session, now, admin_email=settings.admin_email)
            link = None if first is None else await password_link(session, settings,
                                                                  first.admin, now)
    finally:
        await db.dispose()
    if first is None or link is None:
        return
    base = settings.resolved_base_url()
    console().print(Panel.fit(
        f"First start: created team [b]{first.team.name}[/b] and admin [b]{first.admin.email}[/b]."
        f"\n\nAPI key (shown only now, keep it safe):\n[b green]{first.api_key}[/b green]",
        title="cronbeat", border_style="green",
    ))
    console().print("Open this link to choose the admin's password for the dashboard "
                    "(it works once, for 7 days):")
    console().print(link + "\n", soft_wrap=True, highlight=False, markup=False)
    console().print("Create a heartbeat that expects a ping every day, with one hour of grace:")
    console().print(
        f"curl -sS {base}/api/v1/heartbeats \\\n"
        f"  -H 'Authorization: Bearer {first.api_key}' \\\n"
        "  -H 'Content-Type: application/json' \\\n"
        "  -d '{\"name\": \"nightly backup\", \"schedule\": \"@daily\", \"grace\": 3600}'\n",
        soft_wrap=True, highlight=False, markup=False,
    )


@main.command()
def worker() -> None:
    """Run only the background worker (for setups with `serve --no-worker`)."""
    import asyncio
    import signal

    from cronbeat.clock import SystemClock
    from cronbeat.db.engine import Database
    from cronbeat.delivery import Deliverer
    from cronbeat.pruner import Pruner
    from cronbeat.worker import Worker

    settings = _settings()
    _logging(settings)

    async def run() -> None:
        db = Database(settings.resolved_database_url())
        task = asyncio.current_task()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, lambda: task.cancel() if task else None)
        clock = SystemClock()
        deliverer = Deliverer(db, clock, settings, max_sleep=settings.worker_poll)
        the_worker = Worker(db, clock, max_sleep=settings.worker_poll, on_work=deliverer.notify,
                            base_url=settings.resolved_base_url())
        pruner = Pruner(db, clock, keep=settings.ping_keep, max_age=settings.ping_max_age(),
                        every=settings.ping_prune_every)
        console().print(f"cronbeat worker on {_safe(db.url)}")
        try:
            await asyncio.gather(the_worker.run(), deliverer.run(), pruner.run())
        except asyncio.CancelledError:
            pass
        finally:
            await db.dispose()

    asyncio.run(run())


@main.group()
def db() -> None:
    """Database maintenance."""


@db.command()
def upgrade() -> None:
    """Apply all database migrations."""
    url = _prepare(_settings())
    console().print(f"database {_safe(url)} is up to date")


@main.group()
def apikey() -> None:
    """API keys."""


@apikey.command("create")
@click.option("--name", default="cli", show_default=True, help="A label for the key")
@click.option("--read-only", is_flag=True, help="The key can read but not change anything")
def apikey_create(name: str, read_only: bool) -> None:
    """Create an API key for the team and print it once."""
    from cronbeat.services.teams import create_api_key, first_team

    async def create(session: AsyncSession, now: datetime) -> str | None:
        team = await first_team(session)
        if team is None:
            return None
        key, _ = await create_api_key(session, team.id, name, now, read_only=read_only)
        return key

    key = _in_transaction(_prepare(_settings()), create)
    if key is None:
        raise click.ClickException("no team yet: start `cronbeat serve` once first")
    click.echo(key)
    console().print(f"{'read-only ' if read_only else ''}API key {name!r} created; "
                  "it is shown only once")


@main.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def backup_command(path: Path) -> None:
    """Copy the live SQLite database to PATH, consistently, while cronbeat runs."""
    from cronbeat.backup import BackupError, backup

    settings = _settings()
    try:
        size = backup(settings.resolved_database_url(), path)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    console().print(f"backed up to {path} ({size:,} bytes)")


@main.command("password-link")
@click.argument("email")
def password_link_command(email: str) -> None:
    """Print a link with which the user EMAIL chooses a new dashboard password.

    The link works once, for 7 days; for a first login, or when a password is forgotten.
    """
    from cronbeat.services.accounts import password_link, user_by_email

    settings = _settings()

    async def make(session: AsyncSession, now: datetime) -> str | None:
        user = await user_by_email(session, email)
        return None if user is None else await password_link(session, settings, user, now)

    link = _in_transaction(_prepare(settings), make)
    if link is None:
        raise click.ClickException(f"no user with the email {email!r}")
    click.echo(link)


@main.command("run", context_settings={"allow_interspersed_args": False,
                                       "ignore_unknown_options": True})
@click.option("--url", help="The heartbeat's ping URL")
@click.option("--token", help="The heartbeat's token, on the server in $CRONBEAT_URL "
              "[default http://127.0.0.1:8000]")
@click.option("--max-output", type=click.IntRange(min=0), default=10_000, show_default=True,
              help="Send at most this many bytes of the output's end")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=5.0,
              show_default=True, help="Seconds to wait for each ping")
@click.option("--retries", type=click.IntRange(0, 10), default=2, show_default=True,
              help="Tries after a ping that failed to reach the server")
@click.option("-v", "--verbose", is_flag=True, help="Say which pings were sent")
@click.argument("command", nargs=-1, required=True, type=click.UNPROCESSED)
def run_command(url: str | None, token: str | None, max_output: int, timeout: float,
                retries: int, verbose: bool, command: tuple[str, ...]) -> None:
    """Run COMMAND as a job and report its start, exit code and output to its heartbeat.

    \b
    cronbeat run --url https://cronbeat.example/api/v1/heartbeat/TOKEN -- ./backup.sh --full

    The job's input and output pass through unchanged and cronbeat exits with its exit code;
    a server that cannot be reached never changes the job or its result.
    """
    from cronbeat import run

    if (url is None) == (token is None):
        raise click.UsageError("give exactly one of --url and --token")
    try:
        target = run.ping_url(url, token, os.environ)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    pinger = run.Pinger(target, run.new_rid(), timeout=timeout, retries=retries, verbose=verbose)
    sys.exit(run.run(command, pinger, max_output))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
