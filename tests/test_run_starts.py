"""Runs started elsewhere are announced, and the app's pages of that graph follow them
(storage/scale/run_starts.py, studio/run/missions.py). fakeredis here; tests/browser/
test_run_on_workers.py does it with a real worker, redis-server and the CLI."""
import asyncio
import json
import time
from pathlib import Path

import fakeredis
import pytest

from storage.db import connect
from storage.graphs import GraphRepository
from storage.runs import RunRepository
from storage.scale.queued_runs import cancel_queued, enqueue_run
from storage.scale.run_starts import CHANNEL, RunStartListener, announce
from storage.scale.state_store import RedisStateStore
from studio.run.missions import Missions

BRIEF = (Path(__file__).parents[1] / 'assets' / 'examples' / 'competitor-brief.json').read_text()


@pytest.fixture
def store():
    return RedisStateStore('redis://fake', client=fakeredis.FakeRedis())


def wait_for(condition, timeout=5.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, 'timed out'
        time.sleep(0.01)


def test_the_listener_hears_each_start_and_skips_what_is_not_one(store):
    heard = []
    listener = RunStartListener(store, lambda graph_id, run_id: heard.append((graph_id, run_id))).start()
    try:
        wait_for(listener.subscribed.is_set)
        store.client.publish(CHANNEL, 'not json')
        store.client.publish(CHANNEL, json.dumps({'graph_id': 'g'}))
        announce(store, 'run-1', 'g')
        announce(store, 'run-2', None)  # a graph file's run: no page shows it
        announce(store, 'run-3', 'h')
        wait_for(lambda: len(heard) == 2)
        time.sleep(0.1)
        assert heard == [('g', 'run-1'), ('h', 'run-3')]
    finally:
        listener.stop()


def test_announcing_without_redis_is_a_warning_not_an_error(caplog):
    store = RedisStateStore('redis://127.0.0.1:1/0')
    announce(store, 'run-1', 'g')
    assert 'its start could not be announced' in caplog.text


async def wait_async(condition, timeout=5.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, 'timed out'
        await asyncio.sleep(0.01)


async def test_a_page_of_the_graph_follows_a_run_queued_by_another_process(tmp_path, store):
    engine = connect(str(tmp_path / 'starts.sqlite'))
    graphs, runs = GraphRepository(engine), RunRepository(engine)
    graph_id = graphs.import_text(BRIEF)
    other_id = graphs.import_text(BRIEF.replace('"Competitor brief"', '"Another graph"'))
    version_id = graphs.current_version(graph_id).id
    missions = Missions(graphs, runs, tick_s=0.01, store=store)
    followed = []
    unwatch = missions.watch(graph_id, followed.append)
    await asyncio.to_thread(lambda: wait_for(missions._run_starts.subscribed.is_set))

    def queued(graph=graph_id, version=version_id):  # as `swarm-studio run NAME --queue` stores it
        return enqueue_run(engine, graph_name='Competitor brief', node_count=4, simulated=True,
                           inputs={'company': 'Acme'}, graph_id=graph, graph_version_id=version)

    ended = queued()
    cancel_queued(engine, ended)
    announce(store, ended, graph_id)  # over before the app heard of it: nothing to follow
    elsewhere = queued(other_id, graphs.current_version(other_id).id)
    announce(store, elsewhere, other_id)  # no page shows that graph
    run_id = queued()
    announce(store, run_id, graph_id)
    await wait_async(lambda: followed)
    [bridge] = followed
    assert bridge.run_id == run_id and missions.running(graph_id) is bridge
    assert [node.id for node in bridge.controller.graph.nodes] == ['brief', 'plan', 'tidy', 'report']
    announce(store, run_id, graph_id)  # the worker announces it again when it takes it
    await asyncio.sleep(0.2)
    assert followed == [bridge] and 'Another graph' not in {b.controller.graph.name for b in missions.last.values()}
    second = queued()
    announce(store, second, graph_id)  # one run at a time per graph: this one waits its turn
    await asyncio.sleep(0.2)
    assert followed == [bridge]
    cancel_queued(engine, run_id)  # no worker here: the run ends while queued, and the page's bridge with it
    summary = await asyncio.wait_for(bridge.wait(), 10)
    assert summary.status == 'cancelled'
    await wait_async(lambda: len(followed) == 2)  # then the page follows the other run going on
    assert followed[1].run_id == second and missions.running(graph_id) is followed[1]
    cancel_queued(engine, second)
    assert (await asyncio.wait_for(followed[1].wait(), 10)).status == 'cancelled'
    await asyncio.sleep(0.2)
    assert len(followed) == 2  # nothing else going: nothing more followed
    unwatch()
    missions._run_starts.stop()
