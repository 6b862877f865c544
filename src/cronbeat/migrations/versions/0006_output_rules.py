"""output rules on heartbeats, and the rule that decided each ping

Existing heartbeats get no rules: their pings count as they are sent, as before.

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('heartbeats', schema=None) as batch_op:
        batch_op.add_column(sa.Column('output_rules', sa.JSON(), server_default='[]',
                                      nullable=False))
    with op.batch_alter_table('pings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rule', sa.String(length=300), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('pings', schema=None) as batch_op:
        batch_op.drop_column('rule')
    with op.batch_alter_table('heartbeats', schema=None) as batch_op:
        batch_op.drop_column('output_rules')
