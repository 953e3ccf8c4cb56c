"""Queued runs: stored as `queued`, taken by one worker only, cancelled before any took them, and
marked interrupted when the worker that took them stops renewing its lease."""
import json
import time
from pathlib import Path

import fakeredis
import pytest

from nodes.validation import load_graph
from storage.db import connect
from storage.runs import RunRepository
from storage.scale.mission_task import LeaseSweeper, mission_request, run_mission
from storage.scale.queued_runs import cancel_queued, claim_run, enqueue_run, run_status, running_on_workers
from storage.scale.state_store import RedisStateStore

EXAMPLE = Path(__file__).parents[1] / 'assets' / 'examples' / 'competitor-brief.json'


@pytest.fixture
def engine(tmp_path):
    return connect(str(tmp_path / 'queue.sqlite'))


@pytest.fixture
def store():
    return RedisStateStore('redis://fake', client=fakeredis.FakeRedis())


def queued(engine, inputs=None):
    graph = load_graph(EXAMPLE.read_text())
    inputs = {'company': 'Acme'} if inputs is None else inputs
    run_id = enqueue_run(engine, graph_name=graph.name, node_count=len(graph.nodes), simulated=True, inputs=inputs,
                         source=str(EXAMPLE))
    return run_id, mission_request(run_id, graph, inputs, simulated=True, latency_ms=0, source=str(EXAMPLE))


def test_a_queued_run_is_listed_as_queued_and_taken_once(engine):
    run_id, _ = queued(engine)
    rows = RunRepository(engine).list_runs()
    assert [(row.id, row.status, row.worker) for row in rows] == [(run_id, 'queued', None)]
    assert claim_run(engine, run_id, 'host:1')
    assert not claim_run(engine, run_id, 'host:2')  # a second delivery, or a second worker
    row = RunRepository(engine).get_run(run_id).run
    assert (row.status, row.worker) == ('running', 'host:1')
    assert running_on_workers(engine) == [run_id]


def test_a_queued_run_cancelled_before_any_worker_took_it_never_runs(engine, store):
    run_id, request = queued(engine)
    assert cancel_queued(engine, run_id)
    assert run_status(engine, run_id) == 'cancelled'
    assert run_mission(request, engine, store, 'host:1') == 'cancelled'
    assert RunRepository(engine).get_run(run_id).nodes == {}


def test_a_worker_runs_the_mission_with_the_engine_and_records_it_whole(engine, store):
    run_id, request = queued(engine)
    assert run_mission(request, engine, store, 'host:1') == 'succeeded'
    detail = RunRepository(engine).get_run(run_id)
    assert detail.run.status == 'succeeded' and detail.run.worker == 'host:1'
    assert {node.status for node in detail.nodes.values()} == {'succeeded'} and len(detail.nodes) == 4
    assert detail.attempts and detail.run.cost_usd > 0
    summary = store.snapshot(run_id)['summary']
    assert summary['status'] == 'succeeded' and summary['run_id'] == run_id
    assert summary['cost_usd'] == pytest.approx(detail.run.cost_usd)
    assert store.lease_owner(run_id) is None  # released at the end
    # Delivered again (the broker's visibility timeout): not run twice.
    events = RunRepository(engine).events(run_id)
    assert run_mission(request, engine, store, 'host:2') == 'succeeded'
    again = RunRepository(engine).get_run(run_id)
    assert len(again.attempts) == len(detail.attempts) and again.run.worker == 'host:1'
    assert RunRepository(engine).events(run_id) == events


def test_a_mission_that_cannot_start_fails_with_its_reason(engine, store):
    run_id, request = queued(engine, inputs={})
    assert run_mission(request, engine, store, 'host:1') == 'failed'
    row = RunRepository(engine).get_run(run_id).run
    assert row.status == 'failed' and 'missing input "company"' in row.error
    assert store.snapshot(run_id)['summary']['status'] == 'failed'


def test_a_run_whose_lease_is_gone_for_a_whole_period_is_interrupted(engine, store):
    run_id, _ = queued(engine)
    claim_run(engine, run_id, 'elsewhere:1')
    sweeper = LeaseSweeper(engine, store, lease_s=0.3)
    store.hold_lease(run_id, 'elsewhere:1', 0.3)
    assert sweeper.sweep() == []  # held
    time.sleep(0.35)
    assert sweeper.sweep() == []  # gone once: Redis may have restarted; the worker renews it soon
    store.hold_lease(run_id, 'elsewhere:1', 0.3)
    time.sleep(0.1)
    assert sweeper.sweep() == []
    time.sleep(0.3)
    sweeper.sweep()
    time.sleep(0.35)
    assert sweeper.sweep() == [run_id]
    row = RunRepository(engine).get_run(run_id).run
    assert row.status == 'interrupted'
    assert store.snapshot(run_id)['summary']['status'] == 'interrupted'
