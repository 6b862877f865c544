"""heartbeat dependencies, and incidents suppressed by the incident of the heartbeat they
depend on

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    with op.batch_alter_table('heartbeats', schema=None) as batch_op:
        batch_op.add_column(sa.Column('depends_on_id', ID, nullable=True))
        batch_op.create_foreign_key('fk_heartbeats_depends_on_id_heartbeats', 'heartbeats',
                                    ['depends_on_id'], ['id'], ondelete='SET NULL')
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('suppressed_by', ID, nullable=True))
        batch_op.create_index('ix_incidents_suppressed_by', ['suppressed_by'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.drop_index('ix_incidents_suppressed_by')
        batch_op.drop_column('suppressed_by')
    with op.batch_alter_table('heartbeats', schema=None) as batch_op:
        batch_op.drop_constraint('fk_heartbeats_depends_on_id_heartbeats', type_='foreignkey')
        batch_op.drop_column('depends_on_id')
