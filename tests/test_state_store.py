"""The state store: local (nothing added to a run) and Redis (node states, figures, a trimmed,
expiring event stream), on fakeredis for the fast cases and on a real redis-server."""
import asyncio
import time
from pathlib import Path

import fakeredis
import pytest

from nodes.engine import MissionController, RetryPolicy
from nodes.plan import compile_graph
from nodes.providers.simulated import SimulatedProvider
from nodes.validation import load_graph
from storage.scale import codec
from storage.scale.state_store import LocalStateStore, RedisStateStore, state_store

EXAMPLE = Path(__file__).parents[1] / 'assets' / 'examples' / 'competitor-brief.json'


def fake_store(**options) -> RedisStateStore:
    return RedisStateStore('redis://fake', client=fakeredis.FakeRedis(), **options)


async def run_published(store, graph_changes=None):
    graph = load_graph(EXAMPLE.read_text())
    for node_id, config in (graph_changes or {}).items():
        graph.node(node_id).config.update(config)
    events = []
    mission = MissionController(compile_graph(graph, provider=SimulatedProvider(latency_ms=0, retry_after_s=0.001)),
                                retry_policy=RetryPolicy(base_delay_s=0.001), subscribers=[events.append])
    publisher = store.publisher(mission.run_id)
    mission.subscribe(publisher)
    summary = await mission.run({'company': 'Acme'})
    await asyncio.to_thread(publisher.close)
    return summary, events, publisher


def test_the_store_follows_the_configuration(monkeypatch):
    monkeypatch.delenv('SWARM_STUDIO_REDIS_URL', raising=False)
    assert isinstance(state_store(), LocalStateStore)
    assert state_store().publisher('any') is None  # a local run gains no subscriber: unchanged, not slower
    monkeypatch.setenv('SWARM_STUDIO_REDIS_URL', 'redis://127.0.0.1:1/0')
    store = state_store()
    assert isinstance(store, RedisStateStore) and store.url == 'redis://127.0.0.1:1/0'


async def test_every_event_goes_to_the_stream_in_order_and_decodes_to_the_same_event():
    store = fake_store()
    faulty = {'tidy': {'simulate': {'fail_first': 1, 'failure': 'invalid_json'}}}
    summary, events, _ = await run_published(store, faulty)
    store.finish(summary.run_id, summary.to_dict())
    entries = store.read(summary.run_id, block_ms=None, count=10_000)
    assert [entry.event.to_dict() for entry in entries[:-1]] == [event.to_dict() for event in events]
    assert entries[-1].summary == summary.to_dict() and entries[-1].event is None
    types = {event.type for event in events}
    assert {'run_started', 'attempt_finished', 'node_retrying', 'node_succeeded', 'cost_updated',
            'run_finished'} <= types


def test_the_codec_gives_back_exact_money_and_attempts():
    from decimal import Decimal

    from nodes.events import Attempt, AttemptFinished
    attempt = Attempt('plan', 2, 3, 'gpt-4o-mini', [{'role': 'user', 'content': 'x'}], '{}', {}, None, None, 10, 20,
                      Decimal('0.0000123'), Decimal('0.00009'), 0.5, priced=False)
    event = codec.decode(codec.encode(AttemptFinished('r', 1.5, 'plan', attempt)))
    assert event.attempt.priced is False and event.attempt.cost_usd == Decimal(0)
    assert event.attempt.flagship_cost_usd == Decimal('0.00009') and event.attempt.messages == attempt.messages
    with pytest.raises(codec.UnknownEvent):
        codec.decode('{"type": "nonsense"}')


async def test_node_states_and_figures_are_in_hashes_while_and_after_the_run():
    store = fake_store()
    summary, _, _ = await run_published(store)
    snapshot = store.snapshot(summary.run_id)
    assert set(snapshot['nodes']) == set(summary.nodes)
    for node_id, result in summary.nodes.items():
        state = snapshot['nodes'][node_id]
        assert state['status'] == result.status
        assert state['cost_usd'] == pytest.approx(float(result.cost_usd))
        assert state['tier'] == result.tier and state['model'] == result.model
        if result.attempts:
            assert state['attempt'] == len(result.attempts)
    assert snapshot['nodes']['tidy']['output'] == summary.nodes['tidy'].output
    figures = snapshot['run']
    assert figures['status'] == 'succeeded' and figures['done'] == len(summary.nodes)
    assert figures['cost_usd'] == pytest.approx(float(summary.cost_usd))


def test_a_stream_nobody_reads_is_trimmed_and_a_finished_run_expires(redis_server):
    from nodes.events import NodeQueued
    store = RedisStateStore(redis_server.url(2), stream_maxlen=50, expire_s=60)
    publisher = store.publisher('unread')
    for number in range(2000):  # without an event loop, each event is handed over at once
        publisher(NodeQueued('unread', float(number), f'n{number}'))
    publisher.close()
    kept = store.client.xlen(store.key('unread', 'events'))
    # Approximate trimming drops whole macro-nodes (100 entries): bounded near 50, never 2,000.
    assert 50 <= kept <= 250
    assert store.read('unread', block_ms=None, count=10_000)[-1].event.node_id == 'n1999'
    assert store.client.ttl(store.key('unread', 'events')) == -1  # a run going on does not expire
    store.finish('unread', {'run_id': 'unread', 'status': 'cancelled'})
    for part in ('events', 'nodes', 'summary'):  # (no figures: this run never started)
        ttl = store.client.ttl(store.key('unread', part))
        assert 0 < ttl <= 60, part


def test_cancel_requests_and_leases():
    store = fake_store()
    assert not store.cancel_requested('r1')
    store.request_cancel('r1')
    assert store.cancel_requested('r1') and not store.cancel_requested('r2')
    store.hold_lease('r1', 'host:1', 0.2)
    assert store.lease_owner('r1') == 'host:1'
    time.sleep(0.3)
    assert store.lease_owner('r1') is None


async def test_an_unreachable_redis_never_holds_up_the_mission():
    # Nothing listens on port 1: every write fails at once; the mission still ends, and the
    # publisher counts what it could not send.
    store = RedisStateStore('redis://127.0.0.1:1/0')
    started = time.monotonic()
    summary, events, publisher = await run_published(store)
    assert summary.status == 'succeeded'
    assert publisher.dropped == len(events)
    assert time.monotonic() - started < 10


async def test_a_real_redis_keeps_the_state_and_the_stream(redis_server):
    store = RedisStateStore(redis_server.url(1))
    summary, events, _ = await run_published(store)
    store.finish(summary.run_id, summary.to_dict())
    entries = store.read(summary.run_id, block_ms=None, count=10_000)
    assert len(entries) == len(events) + 1 and entries[-1].summary['status'] == 'succeeded'
    assert store.snapshot(summary.run_id)['run']['status'] == 'succeeded'
    assert store.client.ttl(store.key(summary.run_id, 'events')) > 0
