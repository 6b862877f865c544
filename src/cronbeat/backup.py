"""`cronbeat backup`: a consistent copy of a live SQLite database.

SQLite's online backup API copies the database as one snapshot while the server goes on
writing (WAL readers do not block writers). The copy is written beside the target under a
temporary name, checked, synced to disk and only then renamed into place, so that a backup
that fails half-way never leaves a file that looks whole.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from sqlalchemy.engine import make_url


class BackupError(Exception):
    pass


def backup(database_url: str, target: Path) -> int:
    """Copy the database to `target` (which must not exist); returns its size in bytes."""
    url = make_url(database_url)
    if not url.drivername.startswith("sqlite"):
        raise BackupError("`cronbeat backup` copies SQLite databases; for PostgreSQL use "
                          "pg_dump (e.g. `pg_dump -Fc -f cronbeat.dump DATABASE`)")
    source = Path(url.database or "")
    if not source.is_file():
        raise BackupError(f"no database at {source}")
    if target.exists():
        raise BackupError(f"{target} exists already; choose a new path")
    if not target.parent.is_dir():
        raise BackupError(f"the folder {target.parent} does not exist")
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        _copy(source, partial)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return target.stat().st_size


def _copy(source: Path, partial: Path) -> None:
    origin = sqlite3.connect(source, timeout=30)
    copy = sqlite3.connect(partial)
    try:
        origin.backup(copy)  # all pages in one step: one snapshot
        # The copy is a plain file, not WAL, so that it is whole on its own.
        copy.execute("PRAGMA journal_mode=DELETE")
        (verdict,) = copy.execute("PRAGMA integrity_check").fetchone()
        if verdict != "ok":
            raise BackupError(f"the copy failed its integrity check: {verdict}")
    finally:
        copy.close()
        origin.close()
    with partial.open("rb") as written:
        os.fsync(written.fileno())
