"""heartbeat slugs and team ping keys, for healthchecks.io-style slug ping URLs

`/ping/<ping-key>/<slug>` names a heartbeat by its team's ping key and its slug. Teams that
exist get a fresh random ping key here.

Revision ID: 0004
Revises: 0003
"""

import secrets
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('heartbeats', schema=None) as batch_op:
        batch_op.add_column(sa.Column('slug', sa.String(length=100), nullable=True))
        batch_op.create_index('uq_heartbeats_team_id_slug', ['team_id', 'slug'], unique=True)
    with op.batch_alter_table('teams', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ping_key', sa.String(length=22), nullable=True))

    # Every team that exists gets its key before the column becomes NOT NULL.
    connection = op.get_bind()
    teams = sa.table('teams', sa.column('id'), sa.column('ping_key'))
    for (team_id,) in connection.execute(sa.select(teams.c.id)):
        connection.execute(teams.update().where(teams.c.id == team_id)
                           .values(ping_key=secrets.token_urlsafe(16)))

    with op.batch_alter_table('teams', schema=None) as batch_op:
        batch_op.alter_column('ping_key', existing_type=sa.String(length=22), nullable=False)
        batch_op.create_index('uq_teams_ping_key', ['ping_key'], unique=True)


def downgrade() -> None:
    with op.batch_alter_table('teams', schema=None) as batch_op:
        batch_op.drop_index('uq_teams_ping_key')
        batch_op.drop_column('ping_key')
    with op.batch_alter_table('heartbeats', schema=None) as batch_op:
        batch_op.drop_index('uq_heartbeats_team_id_slug')
        batch_op.drop_column('slug')
