"""minimum run time and too-early runs, and the detail an incident's reason needs

Existing heartbeats get neither bound (their runs are judged as before); existing incidents
an empty detail.

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('heartbeats', schema=None) as batch_op:
        batch_op.add_column(sa.Column('min_runtime', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('early_tolerance', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('early_fails', sa.Boolean(),
                                      server_default=sa.text('false'), nullable=False))
        batch_op.add_column(sa.Column('started_early', sa.Boolean(),
                                      server_default=sa.text('false'), nullable=False))
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('detail', sa.Text(), server_default='', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.drop_column('detail')
    with op.batch_alter_table('heartbeats', schema=None) as batch_op:
        for name in ('started_early', 'early_fails', 'early_tolerance', 'min_runtime'):
            batch_op.drop_column(name)
