"""failure and recovery thresholds, and the streaks counted towards them

Existing heartbeats get thresholds of 1 (page on the first failure, resolve on the first
success: what they did before) and empty streaks.

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = (('failure_threshold', '1'), ('recovery_threshold', '1'), ('failure_streak', '0'),
           ('success_streak', '0'))


def upgrade() -> None:
    with op.batch_alter_table('heartbeats', schema=None) as batch_op:
        for name, default in COLUMNS:
            batch_op.add_column(sa.Column(name, sa.Integer(), server_default=default,
                                          nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('heartbeats', schema=None) as batch_op:
        for name, _ in reversed(COLUMNS):
            batch_op.drop_column(name)
