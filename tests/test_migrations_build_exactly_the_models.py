"""The migrations build exactly the tables, columns, types and indexes the models declare,
on SQLite and PostgreSQL: a model changed without its migration fails here, not in
production."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from cronbeat.db import models  # noqa: F401  (registers every table)
from cronbeat.db.base import Base
from cronbeat.db.engine import Database


async def test_a_migrated_database_has_no_difference_from_the_models(db: Database) -> None:
    def differences(connection: Any) -> list[Any]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))

    async with db.read_engine.connect() as connection:
        found = await connection.run_sync(differences)
    assert found == []
