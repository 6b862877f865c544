"""The `cronbeat` command: version, migrations, API keys, and the worker in its own process."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from cronbeat import __version__
from cronbeat.cli import main
from cronbeat.db.engine import Database
from cronbeat.db.models import ApiKey
from cronbeat.services.teams import authenticate, bootstrap
from cronbeat.tokens import hash_api_key


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CRONBEAT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("CRONBEAT_DATABASE_URL", raising=False)
    return tmp_path / "data"


def _url(data_dir: Path) -> str:
    return f"sqlite:///{data_dir / 'cronbeat.db'}"


def test_version_prints_the_package_version():
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0
    assert result.output == f"cronbeat, version {__version__}\n"


def test_db_upgrade_creates_the_database_in_the_data_dir(data_dir: Path):
    result = CliRunner().invoke(main, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert (data_dir / "cronbeat.db").is_file()
    assert "is up to date" in result.output


def test_apikey_create_before_the_first_start_explains_what_to_do(data_dir: Path):
    result = CliRunner().invoke(main, ["apikey", "create"])
    assert result.exit_code == 1
    assert "no team yet: start `cronbeat serve` once first" in result.output


def test_apikey_create_prints_a_working_key_once_and_stores_only_its_hash(data_dir: Path):
    CliRunner().invoke(main, ["db", "upgrade"])

    async def first_start() -> None:
        db = Database(_url(data_dir))
        async with db.write() as session:
            await bootstrap(session, _now(), admin_email="a@example.test")
        await db.dispose()

    asyncio.run(first_start())
    result = CliRunner().invoke(main, ["apikey", "create", "--name", "ci", "--read-only"])
    assert result.exit_code == 0, result.output
    key = result.output.splitlines()[0]
    assert key.startswith("cb_") and len(key) == 46

    async def check() -> tuple[bool, list[str]]:
        db = Database(_url(data_dir))
        async with db.read() as session:
            principal = await authenticate(session, key)
            hashes = list((await session.scalars(select(ApiKey.key_hash))).all())
        await db.dispose()
        assert principal is not None
        return principal.read_only, hashes

    read_only, hashes = asyncio.run(check())
    assert read_only is True
    assert hash_api_key(key) in hashes and key not in hashes


def test_a_bad_setting_is_reported_without_a_traceback(data_dir: Path):
    result = CliRunner().invoke(main, ["serve", "--port", "0"])
    assert result.exit_code == 1
    assert "invalid configuration" in result.output
    assert "Traceback" not in result.output


def test_the_worker_runs_in_its_own_process_and_stops_on_sigterm(data_dir: Path):
    CliRunner().invoke(main, ["db", "upgrade"])
    env = {**os.environ, "CRONBEAT_DATA_DIR": str(data_dir)}
    process = subprocess.Popen([sys.executable, "-m", "cronbeat", "worker"], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert process.stdout is not None
    first_line = process.stdout.readline()  # printed once the worker is up
    assert first_line.startswith("cronbeat worker on sqlite+aiosqlite:///")
    process.send_signal(signal.SIGTERM)
    output, _ = process.communicate(timeout=10)
    assert process.returncode == 0, output
    assert "Traceback" not in output


def _now():  # type: ignore[no-untyped-def]
    from cronbeat.clock import SystemClock

    return SystemClock().now()


def test_password_link_prints_a_one_time_link_for_a_known_email_only(data_dir: Path):
    CliRunner().invoke(main, ["db", "upgrade"])

    async def first_start() -> None:
        db = Database(_url(data_dir))
        async with db.write() as session:
            await bootstrap(session, _now(), admin_email="a@example.test")
        await db.dispose()

    asyncio.run(first_start())
    result = CliRunner().invoke(main, ["password-link", "A@example.test"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("http://127.0.0.1:8000/password/")
    unknown = CliRunner().invoke(main, ["password-link", "nobody@example.test"])
    assert unknown.exit_code == 1
    assert "no user with the email 'nobody@example.test'" in unknown.output
