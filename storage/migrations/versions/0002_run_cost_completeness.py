"""Runs say whether their cost is complete: `unpriced_nodes` (nodes on a model nothing prices,
whose cost is unknown) and `flagship_priced` (whether the savings counterfactual could be priced).

Additive columns with server defaults: a run recorded before this revision reads as fully
priced, as it was shown then. Which nodes were unpriced is kept in the run's events
(`storage.runs.cost_gaps`).

Revision ID: 0002_run_costs
Revises: 0001
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0002_run_costs'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('runs', sa.Column('unpriced_nodes', sa.Integer(), nullable=False, server_default='0'))
    op.add_column('runs', sa.Column('flagship_priced', sa.Boolean(), nullable=False, server_default=sa.true()))


def downgrade() -> None:
    with op.batch_alter_table('runs') as batch:
        batch.drop_column('flagship_priced')
        batch.drop_column('unpriced_nodes')
