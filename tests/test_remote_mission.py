"""A worker's run behind the page's bridge: `RemoteMission` feeds the same displays as a local run."""
import asyncio
import json
from pathlib import Path

import fakeredis
import pytest

from nodes.validation import load_graph
from storage.db import connect
from storage.runs import RunRepository
from storage.scale.mission_task import mission_request, run_mission
from storage.scale.queued_runs import enqueue_run
from storage.scale.state_store import RedisStateStore
from studio.run.controller_bridge import MissionBridge
from studio.run.remote_mission import RemoteMission

EXAMPLE = Path(__file__).parents[1] / 'assets' / 'examples' / 'competitor-brief.json'


@pytest.fixture
def engine(tmp_path):
    return connect(str(tmp_path / 'remote.sqlite'))


def ran_on_a_worker(engine, store):
    graph = load_graph(EXAMPLE.read_text())
    run_id = enqueue_run(engine, graph_name=graph.name, node_count=4, simulated=True, inputs={'company': 'Acme'})
    assert run_mission(mission_request(run_id, graph, {'company': 'Acme'}, simulated=True, latency_ms=0),
                       engine, store, 'host:1') == 'succeeded'
    return graph, run_id


async def test_a_page_following_a_worker_run_sees_what_a_local_run_shows(engine):
    store = RedisStateStore('redis://fake', client=fakeredis.FakeRedis())
    graph, run_id = await asyncio.to_thread(ran_on_a_worker, engine, store)  # a worker runs its own loop
    bridge = MissionBridge(RemoteMission(graph, run_id, store, engine), tick_s=0.01)
    batches = []
    bridge.listeners.append(batches.append)
    bridge.start({})
    summary = await asyncio.wait_for(bridge.wait(), 10)
    assert summary.status == 'succeeded' and summary.summary['run_id'] == run_id
    stored = RunRepository(engine).get_run(run_id)
    figures = bridge.display.figures
    assert figures.status == 'succeeded' and figures.done == 4
    assert float(figures.cost_usd) == pytest.approx(stored.run.cost_usd)
    assert {node_id: record.status for node_id, record in bridge.display.nodes.items()} == \
        {node_id: node.status for node_id, node in stored.nodes.items()}
    assert batches and batches[-1].figures.status == 'succeeded'
    assert abs(figures.elapsed_s() - stored.run.duration_s) < 0.5  # the worker's clock moved onto this one's


async def test_when_the_stream_is_lost_the_stored_record_ends_the_run(engine):
    store = RedisStateStore('redis://fake', client=fakeredis.FakeRedis())
    graph, run_id = await asyncio.to_thread(ran_on_a_worker, engine, store)
    store.client.flushall()  # Redis restarted empty
    bridge = MissionBridge(RemoteMission(graph, run_id, store, engine), tick_s=0.01)
    bridge.start({})
    summary = await asyncio.wait_for(bridge.wait(), 10)
    assert summary.status == 'succeeded' and summary.summary is None
    figures = bridge.display.figures
    assert figures.status == 'succeeded'
    assert float(figures.cost_usd) == pytest.approx(RunRepository(engine).get_run(run_id).run.cost_usd)


async def test_node_ends_the_stream_lost_come_from_the_record(engine):
    store = RedisStateStore('redis://fake', client=fakeredis.FakeRedis())
    graph, run_id = await asyncio.to_thread(ran_on_a_worker, engine, store)
    stream = store.key(run_id, 'events')
    for entry_id, fields in store.client.xrange(stream):
        if b'"node_succeeded"' in fields.get(b'event', b'') and b'"tidy"' in fields[b'event']:
            store.client.xdel(stream, entry_id)  # as if Redis had been away when it was written
    bridge = MissionBridge(RemoteMission(graph, run_id, store, engine), tick_s=0.01)
    bridge.start({})
    await asyncio.wait_for(bridge.wait(), 10)
    tidy = bridge.display.nodes['tidy']
    assert tidy.status == 'succeeded'
    assert tidy.output == json.loads(RunRepository(engine).get_run(run_id).nodes['tidy'].output)
    assert bridge.display.figures.done == 4
