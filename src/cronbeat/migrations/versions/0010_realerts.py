"""re-alerts: how often a policy alerts again, and when an incident does next

Revision ID: 0010
Revises: 0009
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('policies', schema=None) as batch_op:
        batch_op.add_column(sa.Column('realert_every', sa.Integer(), server_default='0',
                                      nullable=False))
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('next_realert_at', sa.DateTime(timezone=True),
                                      nullable=True))
        batch_op.create_index('ix_incidents_next_realert_at', ['next_realert_at'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.drop_index('ix_incidents_next_realert_at')
        batch_op.drop_column('next_realert_at')
    with op.batch_alter_table('policies', schema=None) as batch_op:
        batch_op.drop_column('realert_every')
