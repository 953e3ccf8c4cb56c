"""Runs may be run by a worker (`swarm-studio worker`): `worker` names the worker that took the
run (None for a run in the process that started it). A run waiting for a worker has the status
`queued` (a value of the existing `status` column: no change there).

Nullable and additive: every earlier run ran in-process.

Revision ID: 0005_run_worker
Revises: 0004_test_runs
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0005_run_worker'
down_revision = '0004_test_runs'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('runs', sa.Column('worker', sa.String(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('runs') as batch:
        batch.drop_column('worker')
