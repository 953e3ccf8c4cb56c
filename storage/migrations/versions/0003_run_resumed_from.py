"""A run may continue a stopped run: `resumed_from` names the run it carries on from
(`swarm-studio resume`). Nullable and additive: every earlier run continues none.

Revision ID: 0003_resumed_from
Revises: 0002_run_costs
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0003_resumed_from'
down_revision = '0002_run_costs'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('runs', sa.Column('resumed_from', sa.String(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('runs') as batch:
        batch.drop_column('resumed_from')
