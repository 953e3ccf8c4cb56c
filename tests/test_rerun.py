"""Re-run from a node: the cache built from a past run serves exactly the unchanged nodes outside
the re-run node's downstream, as the mission controller computes signatures; and never serves
an output made another way (a simulated output to a live run, one model's to another's)."""
from __future__ import annotations

import copy
from pathlib import Path

import pytest
from fake_openai import FakeOpenAI

from nodes.catalog import Catalog, ModelEntry, default_catalog
from nodes.engine import MissionController
from nodes.graph import Graph
from nodes.providers.live import LiveProvider
from nodes.plan import MissionPlan, compile_graph
from nodes.providers.simulated import SimulatedProvider
from nodes.validation import load_graph
from studio.run.rerun import rerun_cache

ROOT = Path(__file__).resolve().parent.parent
REVIEW = load_graph((ROOT / 'assets/examples/code-review-swarm.json').read_text())


def plan_of(graph: Graph, catalog: Catalog | None = None, provider=None) -> MissionPlan:
    return compile_graph(graph, catalog, provider or SimulatedProvider(latency_ms=0))


def downstream_of(graph: Graph, node_id: str) -> frozenset[str]:
    return plan_of(graph).downstream_of(node_id)


def cache_from(past, ran: Graph, now: Graph, node_id: str, catalog: Catalog | None = None,
               simulated: bool | None = None) -> dict:
    """The re-run cache of a past run, as the app builds it from the stored run (`simulated`:
    pretend the past run was made in that mode)."""
    first_models = {}
    for result in past.nodes.values():
        if result.attempts:
            first_models[result.node_id] = result.attempts[0].model
    catalog = catalog or default_catalog()
    return rerun_cache(plan_of(ran, catalog), outputs_of(past), first_models,
                       past.simulated if simulated is None else simulated, plan_of(now, catalog), node_id)


async def run(graph: Graph, cache: dict | None = None, inputs: dict | None = None):
    controller = MissionController(plan_of(graph), cache=cache)
    fields = controller.input_fields()
    values = inputs or {name: 'x' if field.type == 'string' else 1 for name, field in fields.items()
                        if field.default is None}
    return await controller.run(values), values


def outputs_of(summary) -> dict:
    return {node_id: result.output for node_id, result in summary.nodes.items() if result.status == 'succeeded'}


def agent_in_the_middle(graph: Graph) -> str:
    """An agent with agents both upstream and downstream of it."""
    ids = {node.id: node for node in graph.nodes}
    for node in graph.nodes:
        below = downstream_of(graph, node.id) - {node.id}
        above = {edge.source for edge in graph.edges if edge.target == node.id}
        if node.kind == 'agent' and below and any(ids[name].kind == 'agent' for name in above):
            return node.id
    raise AssertionError('the example has no agent between agents')


async def test_only_the_node_and_its_downstream_run_again():
    past, inputs = await run(REVIEW)
    middle = agent_in_the_middle(REVIEW)
    again, _ = await run(REVIEW, cache_from(past, REVIEW, REVIEW, middle), inputs)
    rerun = downstream_of(REVIEW, middle)
    for node in REVIEW.nodes:
        result = again.nodes[node.id]
        assert result.cached == (node.id not in rerun and node.kind != 'input'), node.id
        assert (len(result.attempts) > 0) == (node.id in rerun and node.kind == 'agent'), node.id


async def test_a_node_edited_since_the_past_run_and_what_reads_it_run_again():
    past, inputs = await run(REVIEW)
    middle = agent_in_the_middle(REVIEW)
    upstream = next(edge.source for edge in REVIEW.edges if edge.target == middle)
    edited = copy.deepcopy(REVIEW)
    edited.node(upstream).config['system'] = 'You are terse.'
    again, _ = await run(edited, cache_from(past, REVIEW, edited, middle), inputs)
    assert not again.nodes[upstream].cached and again.nodes[upstream].attempts
    untouched = [node.id for node in REVIEW.nodes
                 if node.kind == 'agent' and upstream not in downstream_of(REVIEW, node.id)
                 and node.id not in downstream_of(REVIEW, upstream)]
    assert untouched and all(again.nodes[node_id].cached for node_id in untouched)


async def test_outputs_of_a_simulated_run_are_never_served_to_a_live_one():
    past, inputs = await run(REVIEW)
    middle = agent_in_the_middle(REVIEW)
    assert cache_from(past, REVIEW, REVIEW, middle, simulated=True)  # the same mode reuses them
    live_past = cache_from(past, REVIEW, REVIEW, middle, simulated=False)
    again, _ = await run(REVIEW, live_past, inputs)  # this run is simulated: a live past serves nothing
    assert not any(result.cached for result in again.nodes.values())


def test_downstream_of_includes_the_node_itself_and_what_it_reaches():
    brief = load_graph((ROOT / 'assets/examples/competitor-brief.json').read_text())
    assert downstream_of(brief, 'plan') == {'plan', 'tidy', 'report'}
    assert downstream_of(brief, 'report') == {'report'}


async def test_a_node_whose_starting_model_changed_runs_again():
    past, inputs = await run(REVIEW)
    middle = agent_in_the_middle(REVIEW)
    upstream = next(edge.source for edge in REVIEW.edges if edge.target == middle)
    edited = copy.deepcopy(REVIEW)
    edited.node(upstream).config['model'] = 'gpt-4.1-nano'
    again, _ = await run(edited, cache_from(past, REVIEW, edited, middle), inputs)
    assert not again.nodes[upstream].cached and again.nodes[upstream].attempts[0].model == 'gpt-4.1-nano'


@pytest.fixture
def server():
    fake = FakeOpenAI()
    yield fake
    fake.close()


CHAIN = Graph.model_validate({'name': 'chain', 'nodes': [
    {'id': 'draft', 'kind': 'agent', 'config': {'tier': 3, 'prompt': 'Draft a slogan'}},
    {'id': 'polish', 'kind': 'agent', 'config': {'tier': 3, 'prompt': 'Polish: {{ draft }}'}}],
    'edges': [{'source': 'draft', 'target': 'polish'}]})


async def run_on(provider, catalog: Catalog, cache: dict | None = None):
    return await MissionController(compile_graph(CHAIN, catalog, provider), cache=cache).run({})


async def test_a_live_rerun_never_receives_a_simulated_output(server):
    catalog = Catalog({tier: (ModelEntry('openai/local-test-model', api_base=server.api_base),) for tier in (1, 2, 3)})
    simulated = await run_on(SimulatedProvider(latency_ms=0), catalog)
    assert simulated.nodes['draft'].status == 'succeeded'
    server.script = [('ok', 'Live draft'), ('ok', 'Live polish')]
    live = await run_on(LiveProvider(timeout_s=10), catalog, cache_from(simulated, CHAIN, CHAIN, 'polish', catalog))
    assert not live.nodes['draft'].cached and live.nodes['draft'].output == 'Live draft'
    assert live.nodes['polish'].output == 'Live polish' and len(server.requests) == 2


async def test_a_live_rerun_of_a_live_run_is_served_from_the_cache(server):
    # The control for the test above: the same re-run of a live past run does use the cache.
    catalog = Catalog({tier: (ModelEntry('openai/local-test-model', api_base=server.api_base),) for tier in (1, 2, 3)})
    server.script = [('ok', 'Live draft'), ('ok', 'Live polish')]
    past = await run_on(LiveProvider(timeout_s=10), catalog)
    server.script = [('ok', 'Polished again')]
    again = await run_on(LiveProvider(timeout_s=10), catalog, cache_from(past, CHAIN, CHAIN, 'polish', catalog))
    assert again.nodes['draft'].cached and again.nodes['draft'].output == 'Live draft'
    assert again.nodes['polish'].output == 'Polished again' and len(server.requests) == 3
