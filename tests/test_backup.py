"""`cronbeat backup PATH`: a consistent copy of a live SQLite database."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import httpx

from local_server import running_server


def _backup(data: Path, target: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "CRONBEAT_DATA_DIR": str(data), **env}
    environment.pop("CRONBEAT_DATABASE_URL", None)
    environment.update(env)
    return subprocess.run([sys.executable, "-m", "cronbeat", "backup", str(target)],
                          env=environment, capture_output=True, text=True, timeout=60)


def test_a_backup_taken_during_a_ping_storm_is_whole_and_consistent(tmp_path: Path) -> None:
    with running_server(tmp_path) as server:
        headers = {"Authorization": f"Bearer {server.key}"}
        created = httpx.post(f"{server.base}/api/v1/heartbeats", headers=headers,
                             json={"name": "busy job", "period": 60}).json()
        url = created["ping_url"]
        answered: list[int] = []
        stop = threading.Event()

        def storm() -> None:
            with httpx.Client() as client:
                while not stop.is_set():
                    if client.post(url, content=b"x" * 500).status_code == 200:
                        answered.append(1)

        pinger = threading.Thread(target=storm)
        pinger.start()
        try:
            while len(answered) < 50:
                stop.wait(0.01)
            before = len(answered)
            result = _backup(tmp_path / "data", tmp_path / "copy.db")
            after = len(answered)
        finally:
            stop.set()
            pinger.join()
    assert result.returncode == 0, result.stderr
    assert "backed up to" in result.stderr
    copy = sqlite3.connect(tmp_path / "copy.db")
    assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert copy.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    (pings,) = copy.execute("SELECT count(*) FROM pings").fetchone()
    assert before <= pings <= after + 1  # every ping answered before the copy began is in it
    (name,) = copy.execute("SELECT name FROM heartbeats").fetchone()
    assert name == "busy job"
    assert not (tmp_path / "copy.db.partial").exists()


def test_a_backup_never_overwrites_and_says_what_to_do(tmp_path: Path) -> None:
    data = tmp_path / "data"
    missing = _backup(data, tmp_path / "copy.db")
    assert missing.returncode == 1 and "no database at" in missing.stderr
    data.mkdir()
    sqlite3.connect(data / "cronbeat.db").execute("CREATE TABLE t (x)").connection.commit()
    (tmp_path / "taken.db").write_text("precious")
    taken = _backup(data, tmp_path / "taken.db")
    assert taken.returncode == 1 and "exists already" in taken.stderr
    assert (tmp_path / "taken.db").read_text() == "precious"
    postgres = _backup(data, tmp_path / "pg.db",
                       CRONBEAT_DATABASE_URL="postgresql://postgres@127.0.0.1:5432/test")
    assert postgres.returncode == 1 and "pg_dump" in postgres.stderr
    nowhere = _backup(data, tmp_path / "no" / "such" / "folder.db")
    assert nowhere.returncode == 1 and "does not exist" in nowhere.stderr
