"""Stored test runs (storage/test_runs.py): a test's variants and rows, newest first, by graph,
going with their graph; a row's run deleted leaves the verdict."""
import asyncio
from pathlib import Path

import pytest
from sqlalchemy import delete

from nodes.plan import compile_graph
from nodes.providers.simulated import SimulatedProvider
from nodes.testing.dataset import parse_csv
from nodes.testing.report import build_report
from nodes.testing.runner import DatasetRunner
from nodes.validation import load_graph
from storage.db import connect, transaction
from storage.graphs import GraphRepository
from storage.runs import RunRepository, RunRow
from storage.test_runs import StoredTestRuns, StoredTestNotFound

EXAMPLE = Path(__file__).parents[1] / 'assets' / 'examples' / 'competitor-brief.json'


@pytest.fixture
def engine(tmp_path):
    return connect(str(tmp_path / 'studio.sqlite'))


def report_of_a_test(engine, graph_id=None, version_id=None, compare=True):
    """A real test of the example on two rows, its runs recorded, and its report."""
    graph = load_graph(EXAMPLE.read_text())
    runs = RunRepository(engine)
    dataset = parse_csv('company\nAcme\nBeta\n', compile_graph(graph).input_fields)
    variants = []
    for flagship_only in ([False, True] if compare else [False]):
        plan = compile_graph(graph, provider=SimulatedProvider(latency_ms=0), flagship_only=flagship_only)
        runner = DatasetRunner(plan, dataset, [], label='flagship-only' if flagship_only else 'routing',
                               subscribers_for=lambda row: [runs.recorder(graph_id, version_id)])
        variants.append(asyncio.run(runner.run()))
    return build_report(graph.name, 'cases.csv', [], variants)


def test_a_test_is_stored_with_its_variants_rows_and_report(engine):
    stored = StoredTestRuns(engine)
    report = report_of_a_test(engine)
    group_id = stored.save(report)
    group = stored.get_group(group_id)
    assert [variant.variant for variant in group.variants] == ['routing', 'flagship-only']
    assert group.report['side_by_side']['variants'] == ['routing', 'flagship-only']
    assert group.first.rows == 2 and group.first.pass_rate == 1.0 and group.variants[1].report is None
    assert group.variants[1].cost_usd == pytest.approx(report['variants'][1]['cost_usd'])
    rows = stored.rows(group.variants[1].id)
    assert [(row.row, row.passed, row.run_id) for row in rows] == [
        (result['row'], True, result['run_id']) for result in report['variants'][1]['results']]
    with pytest.raises(StoredTestNotFound):
        stored.get_group(group.variants[1].id)  # a group is named by its first variant


def test_tests_are_listed_newest_first_by_graph_and_go_with_it(engine):
    graphs = GraphRepository(engine)
    graph_id = graphs.create(load_graph(EXAMPLE.read_text()))
    version_id = graphs.current_version(graph_id).id
    stored = StoredTestRuns(engine)
    older = stored.save(report_of_a_test(engine, graph_id, version_id, compare=False), graph_id, version_id)
    newer = stored.save(report_of_a_test(engine, graph_id, version_id), graph_id, version_id)
    stored.save(report_of_a_test(engine, compare=False), source='/tmp/graph.json')
    assert [group.group_id for group in stored.list_groups(graph_id)] == [newer, older]
    assert len(stored.list_groups()) == 3
    assert stored.datasets(graph_id)[0]['tests'] == 2
    graphs.delete(graph_id)
    assert [group.first.source for group in stored.list_groups()] == ['/tmp/graph.json']


def test_a_rows_verdict_outlives_its_deleted_run(engine):
    stored = StoredTestRuns(engine)
    group = stored.get_group(stored.save(report_of_a_test(engine, compare=False)))
    with transaction(engine) as session:
        session.exec(delete(RunRow))
    assert [(row.run_id, row.passed) for row in stored.rows(group.first.id)] == [(None, True), (None, True)]
