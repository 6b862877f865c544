"""maintenance windows, per heartbeat or per tag

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table(
        'maintenance_windows',
        sa.Column('id', ID, nullable=False),
        sa.Column('team_id', ID, nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('heartbeat_id', ID, nullable=True),
        sa.Column('tag', sa.String(length=50), nullable=True),
        sa.Column('days', sa.JSON(), nullable=True),
        sa.Column('start_time', sa.String(length=5), nullable=True),
        sa.Column('end_time', sa.String(length=5), nullable=True),
        sa.Column('timezone', sa.String(length=64), nullable=False),
        sa.Column('starts_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('ends_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['team_id'], ['teams.id'],
                                name=op.f('fk_maintenance_windows_team_id_teams'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['heartbeat_id'], ['heartbeats.id'],
                                name=op.f('fk_maintenance_windows_heartbeat_id_heartbeats'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_maintenance_windows')),
    )
    op.create_index('ix_maintenance_windows_team_id', 'maintenance_windows', ['team_id'])
    op.create_index('ix_maintenance_windows_heartbeat_id', 'maintenance_windows',
                    ['heartbeat_id'])


def downgrade() -> None:
    op.drop_index('ix_maintenance_windows_heartbeat_id', table_name='maintenance_windows')
    op.drop_index('ix_maintenance_windows_team_id', table_name='maintenance_windows')
    op.drop_table('maintenance_windows')
