"""heartbeat tags in their own table, and case-folded names for search

Filtering by tag was a text match on the JSON list (case-blind on SQLite only, and fooled by
quotes); searching by name used SQL lower(), which SQLite applies to ASCII only.

Revision ID: 0003
Revises: 0002
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    tags = op.create_table('heartbeat_tags',
    sa.Column('heartbeat_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('tag', sa.String(length=50), nullable=False),
    sa.ForeignKeyConstraint(['heartbeat_id'], ['heartbeats.id'], name=op.f('fk_heartbeat_tags_heartbeat_id_heartbeats'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('heartbeat_id', 'tag', name=op.f('pk_heartbeat_tags'))
    )
    with op.batch_alter_table('heartbeat_tags', schema=None) as batch_op:
        batch_op.create_index('ix_heartbeat_tags_tag_heartbeat_id', ['tag', 'heartbeat_id'], unique=False)
    with op.batch_alter_table('heartbeats', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name_folded', sa.Text(), server_default='', nullable=False))

    # Fill both from the rows that exist.
    connection = op.get_bind()
    heartbeats = sa.table('heartbeats', sa.column('id'), sa.column('name'), sa.column('tags'),
                          sa.column('name_folded'))
    for row in connection.execute(sa.select(heartbeats.c.id, heartbeats.c.name, heartbeats.c.tags)):
        listed = row.tags if isinstance(row.tags, list) else json.loads(row.tags or '[]')
        connection.execute(heartbeats.update().where(heartbeats.c.id == row.id)
                           .values(name_folded=row.name.casefold()))
        if listed:
            connection.execute(tags.insert(), [{'heartbeat_id': row.id, 'tag': tag}
                                               for tag in dict.fromkeys(listed)])


def downgrade() -> None:
    with op.batch_alter_table('heartbeats', schema=None) as batch_op:
        batch_op.drop_column('name_folded')
    with op.batch_alter_table('heartbeat_tags', schema=None) as batch_op:
        batch_op.drop_index('ix_heartbeat_tags_tag_heartbeat_id')
    op.drop_table('heartbeat_tags')
