"""a heartbeat's ping token can be rotated, the old one accepted for an overlap

Revision ID: 0013
Revises: 0012
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('heartbeats', schema=None) as batch_op:
        batch_op.add_column(sa.Column('previous_token', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('previous_token_until', sa.DateTime(timezone=True),
                                      nullable=True))
        batch_op.create_index('uq_heartbeats_previous_token', ['previous_token'], unique=True)


def downgrade() -> None:
    with op.batch_alter_table('heartbeats', schema=None) as batch_op:
        batch_op.drop_index('uq_heartbeats_previous_token')
        batch_op.drop_column('previous_token_until')
        batch_op.drop_column('previous_token')
