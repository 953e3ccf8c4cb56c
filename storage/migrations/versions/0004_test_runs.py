"""Test runs (`swarm-studio test`): `test_runs`, one row per variant of a test of a graph on a
dataset, and `test_run_rows`, each dataset row's verdict and the normal run it made. New tables
only: nothing earlier changes.

Revision ID: 0004_test_runs
Revises: 0003_resumed_from
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0004_test_runs'
down_revision = '0003_resumed_from'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('test_runs',
    sa.Column('id', sa.String(), nullable=False),
    sa.Column('group_id', sa.String(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('graph_id', sa.String(), nullable=True),
    sa.Column('graph_version_id', sa.Integer(), nullable=True),
    sa.Column('graph_name', sa.String(), nullable=False),
    sa.Column('source', sa.String(), nullable=False),
    sa.Column('dataset', sa.String(), nullable=False),
    sa.Column('variant', sa.String(), nullable=False),
    sa.Column('simulated', sa.Boolean(), nullable=False),
    sa.Column('rows', sa.Integer(), nullable=False),
    sa.Column('passed', sa.Integer(), nullable=False),
    sa.Column('pass_rate', sa.Float(), nullable=False),
    sa.Column('cost_usd', sa.Float(), nullable=False),
    sa.Column('cost_per_row_usd', sa.Float(), nullable=False),
    sa.Column('flagship_cost_usd', sa.Float(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('duration_s', sa.Float(), nullable=True),
    sa.Column('report', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['graph_id'], ['graphs.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['graph_version_id'], ['graph_versions.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('test_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_test_runs_graph_id'), ['graph_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_test_runs_group_id'), ['group_id'], unique=False)

    op.create_table('test_run_rows',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('test_run_id', sa.String(), nullable=False),
    sa.Column('row', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.String(), nullable=True),
    sa.Column('status', sa.String(), nullable=False),
    sa.Column('passed', sa.Boolean(), nullable=False),
    sa.Column('reasons', sa.Text(), nullable=False),
    sa.Column('cost_usd', sa.Float(), nullable=False),
    sa.Column('latency_s', sa.Float(), nullable=True),
    sa.ForeignKeyConstraint(['run_id'], ['runs.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['test_run_id'], ['test_runs.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('test_run_rows', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_test_run_rows_test_run_id'), ['test_run_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('test_run_rows', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_test_run_rows_test_run_id'))

    op.drop_table('test_run_rows')
    with op.batch_alter_table('test_runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_test_runs_group_id'))
        batch_op.drop_index(batch_op.f('ix_test_runs_graph_id'))

    op.drop_table('test_runs')
