"""an index on (team, status, id): the dashboard's counts and status filter stay cheap

Revision ID: 0014
Revises: 0013
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index('ix_heartbeats_team_id_status_id', 'heartbeats',
                    ['team_id', 'status', 'id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_heartbeats_team_id_status_id', table_name='heartbeats')
