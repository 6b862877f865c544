"""`cronbeat run` runs on every cron job, so the `cronbeat` command imports only click and
the wrapper on that path: no rich, pydantic, httpx, asyncio or database. Its own usage
errors stop it before the job runs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from cronbeat.cli import LAZY_COMMANDS, main
from cronbeat.cli_client import COMMANDS
from cronbeat.cli_digest import COMMANDS as DIGEST_COMMANDS
from cronbeat.cli_heartbeats import COMMANDS as HEARTBEAT_COMMANDS
from cronbeat.cli_maintenance import COMMANDS as MAINTENANCE_COMMANDS
from local_server import free_port

HEAVY = ["rich", "pydantic", "pydantic_settings", "httpx", "asyncio", "sqlalchemy",
         "cronbeat.config", "cronbeat.cli_client"]


def imported_after(code: str) -> list[str]:
    probe = f"import sys\n{code}\nprint(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            timeout=30, check=True)
    return result.stdout.split()


def test_importing_the_command_line_loads_nothing_heavy():
    assert imported_after("import cronbeat.cli") == []


def test_running_a_job_loads_nothing_heavy():
    url = f"http://127.0.0.1:{free_port()}/x"
    code = ("from cronbeat.cli import main\n"
            "try:\n"
            f"    main(['run', '--retries', '0', '--url', '{url}', '--', 'true'])\n"
            "except SystemExit as exit:\n"
            "    assert exit.code == 0, exit.code")
    assert imported_after(code) == []


def test_the_lazy_commands_are_exactly_those_of_the_rest_client_modules():
    commands = (*COMMANDS, *HEARTBEAT_COMMANDS, *MAINTENANCE_COMMANDS, *DIGEST_COMMANDS)
    assert sorted(LAZY_COMMANDS) == sorted(command.name or "" for command in commands)
    listed = CliRunner().invoke(main, ["--help"]).output
    assert all(f"  {name} " in listed for name in [*LAZY_COMMANDS, "run", "serve"])
    assert CliRunner().invoke(main, ["members", "--help"]).exit_code == 0
    assert CliRunner().invoke(main, ["import-crontab", "--help"]).exit_code == 0


@pytest.mark.parametrize("options", [
    [],
    ["--url", "http://127.0.0.1:1/x", "--token", "t"],
    ["--url", "127.0.0.1:1/x"],
], ids=["neither url nor token", "both", "not an http url"])
def test_a_usage_error_exits_2_before_the_job_runs(options: list[str], tmp_path: Path):
    marker = tmp_path / "ran"
    result = subprocess.run(
        [sys.executable, "-m", "cronbeat", "run", *options, "--", "touch", str(marker)],
        capture_output=True, text=True, timeout=30, check=False,
    )

    assert result.returncode == 2
    assert "Error:" in result.stderr
    assert not marker.exists()


def test_options_after_the_command_belong_to_the_command(tmp_path: Path):
    url = f"http://127.0.0.1:{free_port()}/x"
    result = subprocess.run(
        [sys.executable, "-m", "cronbeat", "run", "--retries", "0", "--url", url,
         "echo", "--url", "-v"],
        capture_output=True, timeout=30, check=False,
    )

    assert result.returncode == 0
    assert result.stdout == b"--url -v\n"
