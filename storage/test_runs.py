"""Stored test runs: `swarm-studio test` over a dataset, one row per variant, and each row's verdict.

A test of a graph on a dataset runs one or two variants (routing, `--flagship-only`, or two
catalogs) that share a `group_id`; each variant is a `test_runs` row with its figures, and each
dataset row a `test_run_rows` row naming the normal run it made (`runs.id`, so it opens like any
run). The whole report — what `--json` prints — is kept with the group's first variant.
"""
from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import Column, ForeignKey, Integer, String, Text
from sqlalchemy.engine import Engine
from sqlmodel import Field, SQLModel, select

from .db import transaction


class StoredTestNotFound(LookupError):
    """No stored test run has that id."""


class StoredTestRun(SQLModel, table=True):
    __tablename__ = 'test_runs'
    id: str = Field(primary_key=True)
    group_id: str = Field(index=True)  # the variants of one side-by-side test share it
    position: int = 0  # the variant's place in its group: 0 first
    graph_id: str | None = Field(default=None, sa_column=Column(String, ForeignKey('graphs.id', ondelete='CASCADE'),
                                                                nullable=True, index=True))
    graph_version_id: int | None = Field(default=None, sa_column=Column(
        Integer, ForeignKey('graph_versions.id', ondelete='CASCADE'), nullable=True))
    graph_name: str = ''
    source: str = ''  # the graph file tested, when not a stored graph
    dataset: str = ''  # the dataset file as given
    variant: str = ''
    simulated: bool = False
    rows: int = 0
    passed: int = 0
    pass_rate: float = 0.0
    cost_usd: float = 0.0
    cost_per_row_usd: float = 0.0
    flagship_cost_usd: float = 0.0
    started_at: datetime | None = None
    duration_s: float | None = None
    report: str | None = Field(default=None, sa_column=Column(Text))  # JSON, on the group's first variant


class StoredTestRow(SQLModel, table=True):
    __tablename__ = 'test_run_rows'
    id: int | None = Field(default=None, primary_key=True)
    test_run_id: str = Field(sa_column=Column(String, ForeignKey('test_runs.id', ondelete='CASCADE'),
                                              nullable=False, index=True))
    row: int
    run_id: str | None = Field(default=None, sa_column=Column(String, ForeignKey('runs.id', ondelete='SET NULL'),
                                                              nullable=True))
    status: str
    passed: bool
    reasons: str = Field(default='[]', sa_column=Column(Text, nullable=False, default='[]'))  # JSON list
    cost_usd: float = 0.0
    latency_s: float | None = None


@dataclass(frozen=True, slots=True)
class TestGroup:
    """One test of a graph on a dataset: its variants in order, and the report it printed."""
    group_id: str
    variants: list[StoredTestRun]
    report: dict[str, Any]

    @property
    def first(self) -> StoredTestRun:
        return self.variants[0]


class StoredTestRuns:
    """Stored test runs. Every method is one transaction.

    :param engine: from `storage.db.connect`
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def save(self, report: dict[str, Any], graph_id: str | None = None, graph_version_id: int | None = None,
             source: str = '', started_at: datetime | None = None) -> str:
        """Store a test's report (`nodes.testing.report.build_report`); return its group id."""
        group_id = uuid.uuid4().hex
        started_at = started_at or datetime.now(timezone.utc)
        with transaction(self.engine) as session:
            for position, variant in enumerate(report['variants']):
                test_run = StoredTestRun(
                    id=group_id if position == 0 else uuid.uuid4().hex, group_id=group_id, position=position,
                    graph_id=graph_id, graph_version_id=graph_version_id, graph_name=report['graph'], source=source,
                    dataset=report['dataset'], variant=variant['label'], simulated=variant['simulated'],
                    rows=variant['rows'], passed=variant['passed'], pass_rate=variant['pass_rate'],
                    cost_usd=variant['cost_usd'], cost_per_row_usd=variant['cost_per_row_usd'],
                    flagship_cost_usd=variant['flagship_cost_usd'], started_at=started_at,
                    duration_s=variant['duration_s'],
                    report=json.dumps(report, ensure_ascii=False, default=str) if position == 0 else None)
                session.add(test_run)
                session.flush()  # the variant's row first: its rows refer to it
                for result in variant['results']:
                    session.add(StoredTestRow(test_run_id=test_run.id, row=result['row'], run_id=result['run_id'],
                                              status=result['status'], passed=result['passed'],
                                              reasons=json.dumps(result['reasons'], ensure_ascii=False),
                                              cost_usd=result['cost_usd'], latency_s=result['latency_s']))
        return group_id

    def list_groups(self, graph_id: str | None = None, limit: int = 50) -> list[TestGroup]:
        """Tests, newest first (only a stored graph's with `graph_id`), each with its variants."""
        with transaction(self.engine) as session:
            query = select(StoredTestRun).where(StoredTestRun.position == 0)
            if graph_id is not None:
                query = query.where(StoredTestRun.graph_id == graph_id)
            firsts = session.exec(query.order_by(StoredTestRun.started_at.desc()).limit(limit)).all()
            return [self._group(session, first) for first in firsts]

    def get_group(self, group_id: str) -> TestGroup:
        with transaction(self.engine) as session:
            first = session.get(StoredTestRun, group_id)
            if first is None or first.position != 0:
                raise StoredTestNotFound(f'no stored test run has the id "{group_id}"')
            return self._group(session, first)

    def rows(self, test_run_id: str) -> list[StoredTestRow]:
        """A variant's rows in dataset order."""
        with transaction(self.engine) as session:
            return list(session.exec(select(StoredTestRow).where(StoredTestRow.test_run_id == test_run_id)
                                     .order_by(StoredTestRow.row)).all())

    def datasets(self, graph_id: str) -> list[dict[str, Any]]:
        """The datasets a stored graph was tested on: file, rows, tests, the last one's pass rate."""
        found: dict[str, dict[str, Any]] = {}
        for group in self.list_groups(graph_id, limit=1000):
            first = group.first
            entry = found.setdefault(first.dataset, {'dataset': first.dataset, 'rows': first.rows, 'tests': 0,
                                                     'last_pass_rate': first.pass_rate,
                                                     'last_tested': first.started_at})
            entry['tests'] += 1
        return list(found.values())

    @staticmethod
    def _group(session: Any, first: StoredTestRun) -> TestGroup:
        variants = session.exec(select(StoredTestRun).where(StoredTestRun.group_id == first.group_id)
                                .order_by(StoredTestRun.position)).all()
        return TestGroup(first.group_id, list(variants), json.loads(first.report or '{}'))
