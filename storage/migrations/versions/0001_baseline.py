"""Baseline: the tables of release 0.1.0, exactly as its `create_all` made them.

A database made by 0.1.0 (before migrations) is stamped at this revision, not recreated
(storage.migrate). Generated from the SQLModel metadata, then reviewed: types are spelled as
plain SQLAlchemy types, so this file does not change when SQLModel's own types do.

Revision ID: 0001
Revises: (none)
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'graphs',
        sa.Column('id', sa.String(), nullable=False),
        sa.Column('name', sa.String(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('current_version', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_graphs_name', 'graphs', ['name'])

    op.create_table(
        'settings',
        sa.Column('key', sa.String(), nullable=False),
        sa.Column('value', sa.Text(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('key')
    )
    op.create_table(
        'graph_versions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('graph_id', sa.String(), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(), nullable=False),
        sa.Column('document', sa.String(), nullable=False),
        sa.Column('node_count', sa.Integer(), nullable=False),
        sa.Column('edge_count', sa.Integer(), nullable=False),
        sa.Column('note', sa.String(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['graph_id'], ['graphs.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('graph_id', 'number')
    )
    op.create_index('ix_graph_versions_graph_id', 'graph_versions', ['graph_id'])

    op.create_table(
        'runs',
        sa.Column('id', sa.String(), nullable=False),
        sa.Column('graph_id', sa.String(), nullable=True),
        sa.Column('graph_version_id', sa.Integer(), nullable=True),
        sa.Column('graph_name', sa.String(), nullable=False),
        sa.Column('source', sa.String(), nullable=False),
        sa.Column('status', sa.String(), nullable=False),
        sa.Column('simulated', sa.Boolean(), nullable=False),
        sa.Column('budget_usd', sa.Float(), nullable=True),
        sa.Column('cost_usd', sa.Float(), nullable=False),
        sa.Column('flagship_cost_usd', sa.Float(), nullable=False),
        sa.Column('savings_pct', sa.Float(), nullable=False),
        sa.Column('input_tokens', sa.Integer(), nullable=False),
        sa.Column('output_tokens', sa.Integer(), nullable=False),
        sa.Column('node_count', sa.Integer(), nullable=False),
        sa.Column('nodes_done', sa.Integer(), nullable=False),
        sa.Column('inputs', sa.Text(), nullable=False),
        sa.Column('error', sa.String(), nullable=True),
        sa.Column('pid', sa.Integer(), nullable=True),
        sa.Column('host', sa.String(), nullable=False),
        sa.Column('process_started', sa.String(), nullable=False),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('duration_s', sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(['graph_id'], ['graphs.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['graph_version_id'], ['graph_versions.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_runs_graph_id', 'runs', ['graph_id'])

    op.create_table(
        'attempts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('run_id', sa.String(), nullable=False),
        sa.Column('node_id', sa.String(), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('tier', sa.Integer(), nullable=False),
        sa.Column('model', sa.String(), nullable=False),
        sa.Column('messages', sa.Text(), nullable=False),
        sa.Column('reply', sa.Text(), nullable=True),
        sa.Column('output', sa.Text(), nullable=True),
        sa.Column('error', sa.String(), nullable=True),
        sa.Column('error_kind', sa.String(), nullable=True),
        sa.Column('input_tokens', sa.Integer(), nullable=False),
        sa.Column('output_tokens', sa.Integer(), nullable=False),
        sa.Column('cost_usd', sa.Float(), nullable=False),
        sa.Column('flagship_cost_usd', sa.Float(), nullable=False),
        sa.Column('latency_s', sa.Float(), nullable=False),
        sa.Column('finished_t', sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(['run_id'], ['runs.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_attempts_run_id', 'attempts', ['run_id'])

    op.create_table(
        'node_runs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('run_id', sa.String(), nullable=False),
        sa.Column('node_id', sa.String(), nullable=False),
        sa.Column('status', sa.String(), nullable=False),
        sa.Column('tier', sa.Integer(), nullable=True),
        sa.Column('model', sa.String(), nullable=True),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('cost_usd', sa.Float(), nullable=False),
        sa.Column('output', sa.Text(), nullable=True),
        sa.Column('error', sa.String(), nullable=True),
        sa.Column('pinned', sa.Boolean(), nullable=False),
        sa.Column('cached', sa.Boolean(), nullable=False),
        sa.Column('started_t', sa.Float(), nullable=True),
        sa.Column('finished_t', sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(['run_id'], ['runs.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('run_id', 'node_id')
    )
    op.create_index('ix_node_runs_run_id', 'node_runs', ['run_id'])

    op.create_table(
        'run_events',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('run_id', sa.String(), nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('t', sa.Float(), nullable=False),
        sa.Column('type', sa.String(), nullable=False),
        sa.Column('node_id', sa.String(), nullable=True),
        sa.Column('data', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['run_id'], ['runs.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_run_events_run_id', 'run_events', ['run_id'])


def downgrade() -> None:
    op.drop_table('run_events')
    op.drop_table('node_runs')
    op.drop_table('attempts')
    op.drop_table('runs')
    op.drop_table('graph_versions')
    op.drop_table('settings')
    op.drop_table('graphs')
