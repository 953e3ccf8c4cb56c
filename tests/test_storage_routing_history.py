"""The routing history built from stored runs (storage/routing_history.py), and its switch in settings."""
from __future__ import annotations

import pytest

from nodes.engine import MissionController, RetryPolicy
from nodes.graph import Graph
from nodes.plan import compile_graph
from nodes.providers.simulated import SimulatedProvider
from nodes.routing_history import NodeOutcome, route_key
from storage.db import connect
from storage.graphs import GraphRepository
from storage.routing_history import history_for, routing_history
from storage.runs import RunRepository
from storage.settings import learning_enabled, set_learning

SCHEMA = {'type': 'object', 'properties': {'names': {'type': 'array', 'items': {'type': 'string'}}},
          'required': ['names']}


def graph(fail_first: int = 1) -> Graph:
    # The first attempt's reply is invalid JSON and no retry is allowed at a tier: each run
    # escalates from the router's tier 3 to tier 2.
    return Graph.model_validate({
        'format': 'swarm-studio/graph', 'version': 1, 'name': 'learning',
        'nodes': [{'id': 'input', 'kind': 'input', 'config': {'fields': [{'name': 'names', 'type': 'string'}]}},
                  {'id': 'sort', 'kind': 'agent', 'config': {
                      'tier': 'auto', 'prompt': 'Sort these names alphabetically: {{ input.names }}',
                      'output_schema': SCHEMA, 'max_retries': 0,
                      'simulate': {'fail_first': fail_first, 'failure': 'invalid_json'}}}],
        'edges': [{'id': 'e1', 'source': 'input', 'target': 'sort'}]})


@pytest.fixture
def engine(tmp_path):
    return connect(str(tmp_path / 'history.sqlite'))


async def run_stored(engine, graph_id: str, graph: Graph, history=None):
    runs = RunRepository(engine)
    version_id = GraphRepository(engine).current_version(graph_id).id
    plan = compile_graph(graph, provider=SimulatedProvider(latency_ms=0), history=history)
    mission = MissionController(plan, retry_policy=RetryPolicy(base_delay_s=0.001),
                                subscribers=[runs.recorder(graph_id=graph_id, graph_version_id=version_id)])
    summary = await mission.run({'names': 'Cy, Al, Bo'})
    detail = runs.get_run(summary.run_id)
    return plan, [(attempt.tier, attempt.cost_usd) for attempt in detail.attempts_of('sort')]


async def test_stored_escalations_raise_the_next_run_s_starting_tier(engine):
    graphs = GraphRepository(engine)
    graph_id = graphs.create(graph())
    key = route_key('agent', graph().node('sort').config)
    assert routing_history(engine, graph(), simulated=True) == {}

    for _ in range(2):
        plan, attempts = await run_stored(engine, graph_id, graph(), history_for(engine, graph(), True))
        assert plan.nodes['sort'].route.tier == 3
        assert [tier for tier, _ in attempts] == [3, 2]  # escalated

    (failed, failed_cost), (succeeded, succeeded_cost) = attempts
    assert 0 < failed_cost < succeeded_cost
    outcome = NodeOutcome(3, 2, failed_cost, succeeded_cost)
    assert routing_history(engine, graph(), simulated=True) == {key: [outcome, outcome]}
    assert routing_history(engine, graph(), simulated=False) == {}  # a live run learns nothing from simulated ones
    history = history_for(engine, graph(), True)
    plan, attempts = await run_stored(engine, graph_id, graph(), history)
    route = plan.nodes['sort'].route
    assert route.tier == 2 and route.reason.startswith('tier 2: escalated to tier 2 in 2 of the last 2 runs; ')
    assert attempts[0][0] == 2  # its first call went to tier 2
    # the newest run comes first in the history
    assert routing_history(engine, graph(), simulated=True)[key][0].started_tier == 2


async def test_another_config_of_the_node_starts_afresh(engine):
    graphs = GraphRepository(engine)
    graph_id = graphs.create(graph())
    for _ in range(2):
        await run_stored(engine, graph_id, graph())
    changed = graph()
    changed.node('sort').config['prompt'] = 'Sort these names in reverse order: {{ input.names }}'
    assert routing_history(engine, changed, simulated=True) == {}
    assert compile_graph(changed, history=history_for(engine, changed, True)).nodes['sort'].route.tier == 3


async def test_learning_can_be_switched_off_in_settings(engine):
    graphs = GraphRepository(engine)
    graph_id = graphs.create(graph())
    for _ in range(2):
        await run_stored(engine, graph_id, graph())
    assert learning_enabled(engine)  # on by default
    assert compile_graph(graph(), history=history_for(engine, graph(), True)).nodes['sort'].route.tier == 2
    set_learning(engine, False)
    assert not learning_enabled(engine)
    assert history_for(engine, graph(), True) is None
    assert compile_graph(graph(), history=history_for(engine, graph(), True)).nodes['sort'].route.tier == 3
    set_learning(engine, True)
    assert compile_graph(graph(), history=history_for(engine, graph(), True)).nodes['sort'].route.tier == 2


async def test_a_graph_file_run_without_a_stored_graph_is_not_learned_from(engine):
    runs = RunRepository(engine)
    for _ in range(2):
        mission = MissionController(compile_graph(graph(), provider=SimulatedProvider(latency_ms=0)),
                                    subscribers=[runs.recorder(source='/tmp/learning.json')])
        await mission.run({'names': 'Cy, Al, Bo'})
    assert routing_history(engine, graph(), simulated=True) == {}
