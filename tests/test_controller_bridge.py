"""The bridge from the mission controller to pages: events folded into per-tick batches of deltas.

No NiceGUI and no browser: a controller runs a graph on the simulated provider, and a listener
records what a page would receive.
"""
from __future__ import annotations

import asyncio
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from nodes.engine import MissionController
from nodes.plan import compile_graph
from nodes.events import NodeQueued, NodeRetrying, NodeStarted, NodeSucceeded
from nodes.graph import Graph
from nodes.validation import load_graph
from nodes.providers.simulated import SimulatedProvider
from studio.run.controller_bridge import MAX_TICK_S, TICK_S, MissionBridge, tick_for
from studio.run.node_states import TIMELINE_PER_BATCH, RunDisplay

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / 'benchmarks'))
from generate import generate_graph  # noqa: E402

BRIEF = load_graph((ROOT / 'assets/examples/competitor-brief.json').read_text())


def bridge_for(graph: Graph, latency_ms: int = 0, tick_s: float = 0.05) -> tuple[MissionBridge, list]:
    bridge = MissionBridge(MissionController(compile_graph(graph, provider=SimulatedProvider(latency_ms=latency_ms))),
                           tick_s)
    batches: list = []
    bridge.listeners.append(batches.append)
    return bridge, batches


async def test_a_large_run_reaches_pages_as_few_batches_holding_only_the_nodes_that_changed():
    graph = generate_graph(300)
    bridge, batches = bridge_for(graph, latency_ms=20)
    bridge.start({})
    summary = await bridge.wait()
    assert summary.status == 'succeeded'
    events = bridge.display.event_count
    assert len(batches) * 20 < events  # many events per delivery, not one message each
    shown: dict[str, dict] = {}
    for batch in batches:
        for node_id, display in batch.states.items():
            assert display != shown.get(node_id), f'{node_id} was re-sent unchanged'
            shown[node_id] = display
        assert len(batch.timeline) <= TIMELINE_PER_BATCH
    assert {display['state'] for display in shown.values()} == {'succeeded'} and len(shown) == 300
    assert sum(len(batch.states) for batch in batches) < events
    last = batches[-1].figures
    assert (last.status, last.done, last.total, last.cost_usd) == ('succeeded', 300, 300, summary.cost_usd)


async def test_an_event_after_a_quiet_spell_goes_out_at_once_and_a_burst_waits_for_the_tick():
    bridge, batches = bridge_for(BRIEF, latency_ms=300, tick_s=0.2)
    deliveries: list[tuple[float, set[str]]] = []  # when, and the nodes whose end it carried
    ended: dict[str, float] = {}  # node -> when the engine ended it
    loop = asyncio.get_running_loop()
    bridge.controller.subscribe(lambda event: event.type == 'node_succeeded' and ended.setdefault(event.node_id,
                                                                                                 loop.time()))
    bridge.listeners.append(lambda batch: deliveries.append((loop.time(), {
        node_id for node_id, shown in batch.states.items() if shown['state'] == 'succeeded'})))
    bridge.start({'company': 'Acme'})
    await bridge.wait()
    quiet = 0
    for node_id, end in ended.items():
        before = [when for when, _ in deliveries if when <= end]
        delivered = next(when for when, nodes in deliveries if node_id in nodes)
        if not before or end - before[-1] >= 0.2:  # the last delivery is a tick old: this one goes at once
            quiet += 1
            assert delivered - end < 0.05, (node_id, delivered - end)
        else:  # a tick after the last delivery, not later
            assert delivered - before[-1] < 0.25, (node_id, delivered - before[-1])
    assert quiet >= 1  # plan and tidy end 300 ms after their start: at least one after a quiet spell


async def test_deliveries_are_a_tick_apart_and_the_last_one_comes_when_the_run_ends():
    bridge, batches = bridge_for(BRIEF, latency_ms=150, tick_s=0.1)
    times: list[float] = []
    bridge.listeners.append(lambda batch: times.append(asyncio.get_running_loop().time()))
    bridge.start({'company': 'Acme'})
    await bridge.wait()
    gaps = [later - earlier for earlier, later in zip(times, times[1:-1])]
    assert all(gap >= 0.095 for gap in gaps), gaps  # the final delivery may follow its predecessor at once
    assert batches[-1].finished and not batches[0].finished
    assert [batch.states.get('tidy', {}).get('state') for batch in batches if 'tidy' in batch.states][-1] == \
        'succeeded'


async def test_a_page_that_joins_late_gets_a_snapshot_and_then_only_changes():
    bridge, batches = bridge_for(BRIEF, latency_ms=200)
    bridge.start({'company': 'Acme'})
    # Joins once the pages had brief's end and plan's start (a batch may go out before them).
    while not {'brief', 'plan'} <= {node_id for batch in batches for node_id in batch.states}:
        await asyncio.sleep(0.01)
    snapshot = bridge.display.snapshot()
    assert {node_id: display['state'] for node_id, display in snapshot.states.items()} == \
        {'brief': 'succeeded', 'plan': 'running'}
    assert [entry.text for entry in snapshot.timeline][0].startswith('run started: 4 nodes, simulated provider')
    later: list = []
    bridge.listeners.append(later.append)
    await bridge.wait()
    assert 'brief' not in {node_id for batch in later for node_id in batch.states}


async def test_cancel_through_the_bridge_ends_the_run_cancelled():
    bridge, batches = bridge_for(BRIEF, latency_ms=5000)
    bridge.start({'company': 'Acme'})
    while bridge.display.nodes['plan'].status != 'running':
        await asyncio.sleep(0.01)
    bridge.cancel()
    summary = await bridge.wait()
    assert summary.status == 'cancelled' and batches[-1].figures.status == 'cancelled'
    assert bridge.display.nodes['plan'].status == 'cancelled'


def test_display_labels_follow_retries_and_escalation():
    display = RunDisplay(['tidy'])
    display(NodeQueued('r', 0.0, 'tidy'))
    display(NodeStarted('r', 0.1, 'tidy', 3, 'gpt-4o-mini'))
    assert display.take().states == {'tidy': {'state': 'running', 'label': 'running', 'tier': 3,
                                              'model': 'gpt-4o-mini', 'cost': None, 'preview': None}}
    display(NodeRetrying('r', 0.2, 'tidy', 3, 'gpt-4o-mini', 2, 'invalid_output', 'not JSON'))
    display(NodeRetrying('r', 0.3, 'tidy', 3, 'gpt-4o-mini', 3, 'invalid_output', 'not JSON'))
    assert display.take().states['tidy']['label'] == 'retrying 2'
    assert display.take() is None  # nothing changed since
    display(NodeSucceeded('r', 0.4, 'tidy', {'items': []}, 3, 'gpt-4o-mini', 0, Decimal(0), cached=True))
    assert display.take().states['tidy'] == {'state': 'cached', 'label': 'cached', 'tier': 3,
                                             'model': 'gpt-4o-mini', 'cost': None, 'preview': '{"items": []}'}


def test_a_busy_tick_sends_its_latest_timeline_lines_and_counts_the_rest():
    node_ids = [f'n{index}' for index in range(500)]
    display = RunDisplay(node_ids)
    for index, node_id in enumerate(node_ids):
        display(NodeStarted('r', index / 1000, node_id, 3, 'gpt-4o-mini'))
    batch = display.take()
    assert len(batch.states) == 500
    assert len(batch.timeline) == TIMELINE_PER_BATCH and batch.timeline[-1].node_id == 'n499'
    assert batch.omitted == 500 - TIMELINE_PER_BATCH


async def test_progress_counts_skipped_nodes_apart_from_succeeded_ones():
    # A budget too small for any call: the input node succeeds (it calls nothing), every agent is skipped.
    bridge = MissionBridge(MissionController(compile_graph(BRIEF, provider=SimulatedProvider()), budget_usd=1e-06),
                           0.05)
    bridge.start({'company': 'Acme'})
    await bridge.wait()
    figures = bridge.display.figures
    assert figures.status == 'over_budget' and figures.done == figures.total == 4
    assert figures.progress_text() == '1/4 succeeded · 3 skipped'


def test_progress_while_running_counts_finished_nodes():
    from studio.run.node_states import RunFigures
    assert RunFigures(status='running', done=3, total=8).progress_text() == '3/8 nodes'
    finished = RunFigures(status='failed', done=8, total=8, outcomes={'succeeded': 1, 'failed': 1, 'skipped': 6})
    assert finished.progress_text() == '1/8 succeeded · 1 failed · 6 skipped'


def test_a_cards_preview_is_one_short_line_of_the_output():
    from studio.run.node_states import PREVIEW_CHARS, output_preview
    assert output_preview(None) is None
    assert output_preview('A brief\n\nin two  paragraphs') == 'A brief in two paragraphs'
    assert output_preview({'steps': ['a', 'b'], 'n': 2}) == '{"steps": ["a", "b"], "n": 2}'
    long = output_preview({'text': 'word ' * 100})
    assert len(long) == PREVIEW_CHARS and long.endswith('…')


def test_a_large_graphs_batches_are_further_apart_up_to_a_limit():
    assert tick_for(8) == tick_for(1000) == TICK_S
    assert tick_for(2400) == pytest.approx(0.24)
    assert tick_for(100_000) == MAX_TICK_S
    assert tick_for(8, tick_s=0.01) == 0.01 and tick_for(2400, tick_s=1.0) == 1.0  # never faster than asked
