"""a team's daily digest of what is still down: its time, zone, recipients and next instant

Revision ID: 0015
Revises: 0014
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0015'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('teams', schema=None) as batch_op:
        batch_op.add_column(sa.Column('digest_time', sa.String(length=5), nullable=True))
        batch_op.add_column(sa.Column('digest_timezone', sa.String(length=64),
                                      server_default='UTC', nullable=False))
        batch_op.add_column(sa.Column('digest_targets', sa.JSON(), server_default='[]',
                                      nullable=False))
        batch_op.add_column(sa.Column('next_digest_at', sa.DateTime(timezone=True),
                                      nullable=True))
        batch_op.create_index('ix_teams_next_digest_at', ['next_digest_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('teams', schema=None) as batch_op:
        batch_op.drop_index('ix_teams_next_digest_at')
        batch_op.drop_column('next_digest_at')
        batch_op.drop_column('digest_targets')
        batch_op.drop_column('digest_timezone')
        batch_op.drop_column('digest_time')
