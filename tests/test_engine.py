"""The mission controller on small graphs: scheduling, failures, retries, escalation, budget, cache."""
import asyncio
import json
import time
from decimal import Decimal
from pathlib import Path

import pytest

from nodes.catalog import Catalog, ModelEntry, default_catalog
from nodes.costs import price_of
from nodes.engine import InputError, MissionController, RetryPolicy, RunSummary
from nodes.plan import InvalidGraphError, compile_graph, node_signature
from nodes.events import (AttemptFinished, NodeCancelled, NodeEscalated, NodeQueued, NodeRetrying, NodeSkipped,
                          NodeStarted, NodeSucceeded, RunFinished, RunStarted)
from nodes.graph import Graph
from nodes.validation import load_graph
from nodes.providers import Completion, ProviderRefused
from nodes.providers.simulated import SimulatedProvider

EXAMPLE = Path(__file__).parents[1] / 'assets' / 'examples' / 'competitor-brief.json'
STEPS = {'type': 'object', 'properties': {'steps': {'type': 'array', 'items': {'type': 'string'}}},
         'required': ['steps']}
FAST_RETRIES = RetryPolicy(provider_retries=2, base_delay_s=0.001, max_delay_s=0.05)


def make_graph(nodes: dict[str, dict], edges: list[tuple[str, str]]) -> Graph:
    """A graph from {id: {kind, config}} and (source, target) pairs."""
    return Graph.model_validate({
        'name': 'test', 'nodes': [{'id': node_id, 'kind': spec.get('kind', 'agent'), 'config': spec.get('config', spec)
                                   if spec.get('kind', 'agent') == 'agent' else spec.get('config', {})}
                                  for node_id, spec in nodes.items()],
        'edges': [{'source': source, 'target': target} for source, target in edges]})


def agent(prompt: str, tier: int = 3, **config) -> dict:
    return {'kind': 'agent', 'config': {'tier': tier, 'prompt': prompt, **config}}


def controller(graph: Graph, events: list | None = None, latency_ms: int = 0, provider=None, catalog=None,
               **options) -> MissionController:
    provider = provider or SimulatedProvider(latency_ms=latency_ms, retry_after_s=0.01)
    options.setdefault('retry_policy', FAST_RETRIES)
    return MissionController(compile_graph(graph, catalog, provider),
                             subscribers=[events.append] if events is not None else (), **options)


def of_type(events: list, cls: type) -> list:
    return [event for event in events if isinstance(event, cls)]


class ScriptedProvider:
    """A provider double: each node's replies are given in order (text, or an exception to raise)."""
    simulated = True
    default_concurrency = None

    def __init__(self, script: dict[str, list]) -> None:
        self.script = {node_id: list(replies) for node_id, replies in script.items()}
        self.requests = []

    async def complete(self, request):
        self.requests.append(request)
        reply = self.script[request.node_id].pop(0)
        if isinstance(reply, Exception):
            raise reply
        return Completion(reply, 100, 20, request.model)

    def estimate_tokens(self, request):
        return 100, 20


async def test_example_swarm_runs_and_its_summary_has_the_documented_shape():
    graph = load_graph(EXAMPLE.read_text())
    summary = await controller(graph).run({'company': 'Acme'})
    document = summary.to_dict()
    assert set(document) == {'run_id', 'status', 'simulated', 'cost_usd', 'cost_complete', 'unpriced_nodes',
                             'flagship_cost_usd', 'savings_pct', 'flagship_definition', 'tokens', 'nodes', 'outputs'}
    assert document['status'] == 'succeeded' and document['simulated'] is True
    assert set(document['tokens']) == {'input', 'output'} and document['tokens']['input'] > 0
    assert set(document['nodes']) == {'brief', 'plan', 'tidy', 'report'}
    for node in document['nodes'].values():
        assert set(node) == {'status', 'tier', 'model', 'attempts', 'cost_usd', 'flagship_cost_usd', 'savings_pct',
                             'output', 'error'}
    plan = document['nodes']['plan']
    assert (plan['tier'], plan['model'], plan['attempts']) == (1, 'claude-opus-4-5', 1)
    assert isinstance(plan['output']['steps'], list) and all(isinstance(s, str) for s in plan['output']['steps'])
    assert document['nodes']['tidy']['tier'] == 3
    assert document['outputs'] == {'report': {'tidy': document['nodes']['tidy']['output']}}
    assert 'Acme' in summary.nodes['plan'].attempts[0].messages[-1]['content']
    json.dumps(document)  # the summary is JSON as it is


async def test_two_independent_200ms_nodes_run_at_the_same_time():
    graph = make_graph({'a': agent('Format the list', simulate={'latency_ms': 200}),
                        'b': agent('Format the table', simulate={'latency_ms': 200})}, [])
    events = []
    started = time.perf_counter()
    summary = await controller(graph, events).run()
    elapsed = time.perf_counter() - started
    assert summary.status == 'succeeded'
    first = {event.node_id: event.t for event in of_type(events, NodeStarted)}
    done = {event.node_id: event.t for event in of_type(events, NodeSucceeded)}
    assert first['a'] < done['b'] and first['b'] < done['a'], 'the two calls did not overlap'
    assert elapsed < 0.39, f'two 200 ms nodes took {elapsed:.3f} s: they ran one after the other'


async def test_a_node_starts_as_soon_as_its_own_upstream_is_done_not_layer_by_layer():
    graph = make_graph({'quick': agent('Format a', simulate={'latency_ms': 20}),
                        'slow': agent('Format b', simulate={'latency_ms': 300}),
                        'after_quick': agent('Format {{ quick }}', simulate={'latency_ms': 20}),
                        'end': {'kind': 'output'}},
                       [('quick', 'after_quick'), ('after_quick', 'end'), ('slow', 'end')])
    events = []
    await controller(graph, events).run()
    done = {event.node_id: event.t for event in of_type(events, NodeSucceeded)}
    assert done['after_quick'] < done['slow']


async def test_the_concurrency_limit_holds_per_provider():
    in_flight, peak = 0, 0

    class CountingProvider(SimulatedProvider):
        async def complete(self, request):
            nonlocal in_flight, peak
            in_flight += 1
            peak = max(peak, in_flight)
            try:
                return await super().complete(request)
            finally:
                in_flight -= 1

    graph = make_graph({f'n{index}': agent(f'Format item {index}', simulate={'latency_ms': 30}) for index in range(5)},
                       [])
    summary = await controller(graph, provider=CountingProvider(), concurrency=2).run()
    assert summary.status == 'succeeded' and peak == 2
    peak = 0
    await controller(graph, provider=CountingProvider(), concurrency=None).run()
    assert peak == 5


async def test_with_one_slot_the_node_with_the_longest_way_ahead_goes_first():
    calls = []

    class RecordingProvider(SimulatedProvider):
        async def complete(self, request):
            calls.append(request.node_id)
            return await super().complete(request)

    for order in (['head', 'leaf', 'other_leaf'], ['leaf', 'other_leaf', 'head']):
        nodes = {'head': agent('Format c'), 'leaf': agent('Format a'), 'other_leaf': agent('Format b')}
        graph = make_graph({**{node_id: nodes[node_id] for node_id in order}, 'middle': agent('Format {{ head }}'),
                            'tail': agent('Format {{ middle }}')}, [('head', 'middle'), ('middle', 'tail')])
        calls.clear()
        await controller(graph, provider=RecordingProvider(latency_ms=0), concurrency=1).run()
        assert calls[0] == 'head', order


async def test_a_failed_node_skips_everything_downstream_and_the_rest_still_runs():
    graph = make_graph({'bad': agent('List items', output_schema=STEPS, max_retries=0,
                                     simulate={'fail_first': 99, 'failure': 'invalid_json'}),
                        'child': agent('Format {{ bad.steps }}'),
                        'grandchild': agent('Check {{ child }}'),
                        'fine': agent('Format something else'),
                        'end': {'kind': 'output'}},
                       [('bad', 'child'), ('child', 'grandchild'), ('grandchild', 'end'), ('fine', 'end')])
    events = []
    summary = await controller(graph, events).run()
    assert summary.status == 'failed'
    nodes = summary.to_dict()['nodes']
    assert nodes['bad']['status'] == 'failed' and 'not JSON' in nodes['bad']['error']
    assert nodes['bad']['attempts'] == 3  # tiers 3, 2 and 1, no retries at each
    for node_id in ('child', 'grandchild', 'end'):
        assert nodes[node_id]['status'] == 'skipped'
        assert nodes[node_id]['error'] == 'upstream node "bad" failed'
    assert nodes['fine']['status'] == 'succeeded'
    assert {event.node_id for event in of_type(events, NodeSkipped)} == {'child', 'grandchild', 'end'}
    assert of_type(events, RunFinished)[0].status == 'failed'


async def test_cancel_marks_running_nodes_cancelled_and_skips_the_rest():
    graph = make_graph({'long': agent('Format a', simulate={'latency_ms': 5000}),
                        'quick': agent('Format b', simulate={'latency_ms': 0}),
                        'next': agent('Format {{ long }}')}, [('long', 'next')])
    events = []
    mission = controller(graph, events)
    task = asyncio.create_task(mission.run())
    while not any(isinstance(event, NodeStarted) and event.node_id == 'long' for event in events):
        await asyncio.sleep(0.01)
    started = time.perf_counter()
    mission.cancel()
    summary = await task
    assert time.perf_counter() - started < 1, 'cancel did not stop the 5 s call'
    assert summary.status == 'cancelled'
    assert summary.nodes['long'].status == 'cancelled'
    assert summary.nodes['next'].status == 'skipped' and 'cancelled' in summary.nodes['next'].error
    assert summary.nodes['quick'].status == 'succeeded'
    assert [event.node_id for event in of_type(events, NodeCancelled)] == ['long']
    assert events[-1].type == 'run_finished' and events[-1].status == 'cancelled'


async def test_cancelling_the_run_task_itself_still_reports_the_run_finished():
    graph = make_graph({'long': agent('Format a', simulate={'latency_ms': 5000})}, [])
    events = []
    task = asyncio.create_task(controller(graph, events).run())
    await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert of_type(events, NodeCancelled)[0].node_id == 'long'
    assert events[-1].type == 'run_finished' and events[-1].status == 'cancelled'


def chain_graph(count: int = 3) -> Graph:
    nodes = {'n0': agent('Summarise the electric bike market', tier=2)}
    for index in range(1, count):
        nodes[f'n{index}'] = agent(f'Improve this summary: {{{{ n{index - 1} }}}}', tier=2)
    return make_graph(nodes, [(f'n{index - 1}', f'n{index}') for index in range(1, count)])


async def test_a_budget_refuses_the_call_that_would_exceed_it_and_keeps_what_was_done():
    unlimited = await controller(chain_graph()).run()
    first, second = unlimited.nodes['n0'].cost_usd, unlimited.nodes['n1'].cost_usd
    budget = first + second / 2  # room for the first call, not the second
    events = []
    summary = await controller(chain_graph(), events, budget_usd=budget).run()
    assert summary.status == 'over_budget'
    assert summary.nodes['n0'].status == 'succeeded' and summary.nodes['n0'].output == unlimited.nodes['n0'].output
    assert summary.nodes['n1'].status == 'skipped' and 'over budget' in summary.nodes['n1'].error
    assert summary.nodes['n1'].attempts == []  # refused before the call
    assert summary.nodes['n2'].status == 'skipped'
    assert summary.cost_usd == first <= budget
    assert events[-1].status == 'over_budget'


async def test_a_budget_that_covers_the_run_changes_nothing():
    unlimited = await controller(chain_graph()).run()
    summary = await controller(chain_graph(), budget_usd=unlimited.cost_usd).run()
    assert summary.status == 'succeeded' and summary.cost_usd == unlimited.cost_usd


async def test_a_budget_too_small_for_any_call_spends_nothing():
    summary = await controller(chain_graph(), budget_usd=0.000001).run()
    assert summary.status == 'over_budget' and summary.cost_usd == 0
    assert all(not result.attempts for result in summary.nodes.values())
    # Nothing was spent, so the run did not "go over" anything; the budget reads as dollars, not 1e-06.
    reason = summary.nodes['n1'].error
    assert reason == 'the run stopped at its budget of $0.000001: its next call would have gone over it ($0.000000 spent)'


@pytest.mark.parametrize('failure', ['invalid_json', 'rate_limit', 'server_error', 'timeout'])
async def test_each_simulated_fault_fails_the_first_attempt_and_the_node_recovers(failure):
    graph = make_graph({'plan': agent('Plan the launch', tier=2, output_schema=STEPS,
                                      simulate={'fail_first': 1, 'failure': failure})}, [])
    events = []
    summary = await controller(graph, events).run()
    result = summary.nodes['plan']
    assert result.status == 'succeeded' and len(result.attempts) == 2
    first, second = result.attempts
    kind = 'invalid_output' if failure == 'invalid_json' else failure  # a bad reply, not a provider error
    assert first.error_kind == kind and first.output is None and second.ok
    assert (first.tier, second.tier) == (2, 2)
    retry = of_type(events, NodeRetrying)[0]
    assert retry.reason == kind and retry.attempt == 2
    if failure == 'rate_limit':
        assert retry.delay_s == pytest.approx(0.01)  # the provider's retry-after, not the back-off
    if failure in ('rate_limit', 'server_error', 'timeout'):
        assert first.input_tokens == first.output_tokens == 0 and first.cost_usd == 0
    else:
        assert first.output_tokens > 0 and first.cost_usd > 0  # an invalid reply is still paid for


async def test_invalid_json_is_an_output_retry_with_the_validation_error_as_feedback():
    graph = make_graph({'plan': agent('Plan the launch of Acme', tier=2, output_schema=STEPS,
                                      simulate={'fail_first': 1, 'failure': 'invalid_json'})}, [])
    summary = await controller(graph).run()
    first, second = summary.nodes['plan'].attempts
    assert first.error_kind == 'invalid_output' and first.error.startswith('the reply is not JSON')
    assert second.messages[:len(first.messages)] == first.messages
    assistant, feedback = second.messages[len(first.messages):]
    assert assistant == {'role': 'assistant', 'content': first.reply}
    assert feedback['role'] == 'user' and first.error in feedback['content']
    assert 'Reply again with only the JSON value' in feedback['content']


async def test_a_schema_mismatch_is_fed_back_with_where_and_why():
    graph = make_graph({'plan': agent('Plan the launch', tier=2, output_schema=STEPS)}, [])
    provider = ScriptedProvider({'plan': ['{"steps": 3}', '```json\n{"steps": ["a", "b"]}\n```']})
    summary = await controller(graph, provider=provider).run()
    result = summary.nodes['plan']
    assert result.status == 'succeeded' and result.output == {'steps': ['a', 'b']}
    assert result.attempts[0].error == 'the JSON does not match the schema at steps: 3 is not of type "array"'
    assert result.attempts[0].error in provider.requests[1].messages[-1]['content']


async def test_retries_run_out_then_the_node_escalates_one_tier_at_a_time():
    graph = make_graph({'plan': agent('Plan the launch', tier=3, output_schema=STEPS, max_retries=1,
                                      simulate={'fail_first': 4})}, [])
    events = []
    summary = await controller(graph, events).run()
    result = summary.nodes['plan']
    assert [attempt.tier for attempt in result.attempts] == [3, 3, 2, 2, 1]
    catalog = default_catalog()
    assert [attempt.model for attempt in result.attempts] == [catalog.primary(tier).model for tier in (3, 3, 2, 2, 1)]
    assert result.status == 'succeeded' and summary.to_dict()['nodes']['plan']['tier'] == 1
    assert summary.to_dict()['nodes']['plan']['attempts'] == 5
    assert [(event.from_tier, event.to_tier) for event in of_type(events, NodeEscalated)] == [(3, 2), (2, 1)]
    # each tier starts a fresh conversation: no feedback from the tier below
    assert len(result.attempts[2].messages) == len(result.attempts[0].messages)


async def test_after_tier_one_the_node_fails_with_the_last_error():
    graph = make_graph({'plan': agent('Plan the launch', tier=2, output_schema=STEPS, max_retries=1,
                                      simulate={'fail_first': 100})}, [])
    summary = await controller(graph).run()
    result = summary.nodes['plan']
    assert result.status == 'failed' and len(result.attempts) == 4
    assert 'up to tier 1' in result.error and result.attempts[-1].error in result.error


async def test_provider_errors_back_off_then_fall_back_to_the_next_model_of_the_tier():
    graph = make_graph({'plan': agent('Plan the launch', tier=2, simulate={'fail_first': 3, 'failure': 'server_error'})},
                       [])
    events = []
    summary = await controller(graph, events).run()  # provider_retries=2: 3 tries of the primary
    models = [attempt.model for attempt in summary.nodes['plan'].attempts]
    primary, fallback = default_catalog().models(2)[:2]
    assert models == [primary.model] * 3 + [fallback.model]
    delays = [event.delay_s for event in of_type(events, NodeRetrying) if event.delay_s]
    assert delays == [0.001, 0.002]  # doubling back-off


async def test_a_refused_call_falls_back_at_once_without_retrying():
    graph = make_graph({'plan': agent('Plan', tier=3)}, [])
    provider = ScriptedProvider({'plan': [ProviderRefused('invalid API key'), 'the answer']})
    summary = await controller(graph, provider=provider).run()
    first, second = summary.nodes['plan'].attempts
    assert first.error_kind == 'refused' and second.reply == 'the answer'
    assert first.model != second.model


async def test_the_model_override_wins_at_the_starting_tier_only():
    graph = make_graph({'plan': agent('Plan', tier=3, model='gpt-5-nano', output_schema=STEPS, max_retries=0,
                                      simulate={'fail_first': 1})}, [])
    summary = await controller(graph).run()
    assert [attempt.model for attempt in summary.nodes['plan'].attempts] == ['gpt-5-nano', 'claude-sonnet-4-5']


def table_price(model: str) -> tuple[Decimal, Decimal]:
    """A model's price read straight from litellm's bundled price table file."""
    import importlib.util
    path = Path(importlib.util.find_spec('litellm').origin).parent / 'model_prices_and_context_window_backup.json'
    entry = json.loads(path.read_text())[model]
    return Decimal(str(entry['input_cost_per_token'])), Decimal(str(entry['output_cost_per_token']))


async def test_costs_are_priced_from_litellm_and_add_up_exactly():
    graph = load_graph(EXAMPLE.read_text())
    graph.node('tidy').config['simulate'] = {'fail_first': 2, 'failure': 'invalid_json'}
    summary = await controller(graph).run({'company': 'Acme'})
    attempts = [attempt for result in summary.nodes.values() for attempt in result.attempts]
    assert len(attempts) == 4
    for attempt in attempts:
        input_price, output_price = table_price(attempt.model)
        assert attempt.cost_usd == input_price * attempt.input_tokens + output_price * attempt.output_tokens
    for result in summary.nodes.values():
        assert result.cost_usd == sum((attempt.cost_usd for attempt in result.attempts), Decimal(0))
    assert summary.cost_usd == sum((attempt.cost_usd for attempt in attempts), Decimal(0))
    assert summary.input_tokens == sum(attempt.input_tokens for attempt in attempts)
    assert summary.to_dict()['cost_usd'] == float(sum(result.cost_usd for result in summary.nodes.values()))


async def test_the_flagship_counterfactual_prices_the_same_tokens_on_the_tier_one_primary():
    graph = load_graph(EXAMPLE.read_text())
    summary = await controller(graph).run({'company': 'Acme'})
    input_price, output_price = table_price(default_catalog().flagship.model)
    attempts = [attempt for result in summary.nodes.values() for attempt in result.attempts]
    expected = sum((input_price * a.input_tokens + output_price * a.output_tokens for a in attempts), Decimal(0))
    assert summary.flagship_cost_usd == expected > summary.cost_usd
    assert summary.savings_pct == round(float((expected - summary.cost_usd) * 100 / expected), 2)
    assert 0 < summary.savings_pct < 100

    all_flagship = make_graph({'a': agent('Plan', tier=1), 'b': agent('Plan more', tier=1)}, [])
    summary = await controller(all_flagship).run()
    assert summary.cost_usd == summary.flagship_cost_usd > 0 and summary.savings_pct == 0


async def test_an_invalid_graph_is_refused_with_its_problems():
    graph = make_graph({'a': agent('Use {{ ghost }}')}, [])
    with pytest.raises(InvalidGraphError) as refused:
        controller(graph)
    assert [problem.code for problem in refused.value.problems] == ['template_unknown_reference']


def test_a_controller_runs_only_a_compiled_plan():
    graph = make_graph({'a': agent('Format this')}, [])
    with pytest.raises(TypeError, match='compile_graph'):
        MissionController(graph)


async def test_inputs_are_checked_and_defaults_apply():
    graph = make_graph({'brief': {'kind': 'input', 'config': {'fields': [
        {'name': 'company', 'type': 'string', 'description': 'who to study'},
        {'name': 'depth', 'type': 'integer', 'default': 2}]}},
        'plan': agent('Plan {{ brief.company }} at depth {{ brief.depth }}')}, [('brief', 'plan')])
    with pytest.raises(InputError) as missing:
        await controller(graph).run()
    assert missing.value.problems == ['missing input "company" (a string: who to study)']
    mission = controller(graph)
    with pytest.raises(InputError) as wrong:
        await mission.run({'company': 'Acme', 'depth': 'deep', 'colour': 'red'})
    assert wrong.value.problems == ['unknown input "colour" (this graph\'s inputs: company, depth)',
                                    'input "depth" must be an integer, not "deep"']
    summary = await mission.run({'company': 'Acme'})  # refused inputs leave it ready to run
    assert summary.nodes['brief'].output == {'company': 'Acme', 'depth': 2}
    assert 'Plan Acme at depth 2' in summary.nodes['plan'].attempts[0].messages[-1]['content']


async def test_a_runtime_template_error_fails_the_node_with_the_reason():
    graph = make_graph({'a': agent('Write a sentence'), 'b': agent('Use {{ a.steps }}')}, [('a', 'b')])
    summary = await controller(graph).run()
    assert summary.nodes['b'].status == 'failed'
    assert summary.nodes['b'].error == "its prompt could not be rendered: undefined value: 'str object' has no attribute 'steps'"


async def test_pinned_nodes_do_not_call_a_model_and_feed_their_output_downstream():
    graph = make_graph({'plan': agent('Plan', tier=1, output_schema=STEPS), 'tidy': agent('Format {{ plan.steps }}')},
                       [('plan', 'tidy')])
    events = []
    summary = await controller(graph, events, pinned={'plan': {'steps': ['pinned step']}}).run()
    assert summary.nodes['plan'].attempts == [] and summary.nodes['plan'].output == {'steps': ['pinned step']}
    assert [event.pinned for event in of_type(events, NodeSucceeded) if event.node_id == 'plan'] == [True]
    assert '["pinned step"]' in summary.nodes['tidy'].attempts[0].messages[-1]['content']
    with pytest.raises(ValueError, match='pinned node "ghost" is not in the graph'):
        controller(graph, pinned={'ghost': 1})


async def test_the_cache_serves_unchanged_nodes_and_reruns_what_changed():
    graph = make_graph({'plan': agent('Plan', tier=1, output_schema=STEPS),
                        'tidy': agent('Format {{ plan.steps }}'),
                        'other': agent('Write a haiku')}, [('plan', 'tidy')])
    cache = {}
    first = await controller(graph, cache=cache).run()
    assert len(cache) == 3
    events = []
    second = await controller(graph, events, cache=cache).run()
    assert second.status == 'succeeded' and second.cost_usd == 0
    assert {event.node_id for event in of_type(events, NodeSucceeded) if event.cached} == {'plan', 'tidy', 'other'}
    assert {node_id: result.output for node_id, result in second.nodes.items()} == \
        {node_id: result.output for node_id, result in first.nodes.items()}

    graph.node('plan').config['prompt'] = 'Plan again, differently'
    third = await controller(graph, cache=cache).run()
    ran = {node_id for node_id, result in third.nodes.items() if result.attempts}
    assert 'plan' in ran and 'other' not in ran
    assert ('tidy' in ran) == (third.nodes['plan'].output != first.nodes['plan'].output)


def test_a_node_signature_depends_on_kind_config_upstream_outputs_and_how_it_is_produced():
    base = node_signature('agent', {'prompt': 'x'}, {'a': 1}, ['simulated', 'gpt-4o-mini', None])
    assert base == node_signature('agent', {'prompt': 'x'}, {'a': 1}, ['simulated', 'gpt-4o-mini', None])
    assert base != node_signature('agent', {'prompt': 'y'}, {'a': 1}, ['simulated', 'gpt-4o-mini', None])
    assert base != node_signature('agent', {'prompt': 'x'}, {'a': 2}, ['simulated', 'gpt-4o-mini', None])
    assert base != node_signature('output', {'prompt': 'x'}, {'a': 1}, ['simulated', 'gpt-4o-mini', None])
    assert base != node_signature('agent', {'prompt': 'x'}, {'a': 1}, ['live', 'gpt-4o-mini', None])
    assert base != node_signature('agent', {'prompt': 'x'}, {'a': 1}, ['simulated', 'claude-haiku-4-5', None])


async def test_auto_tier_follows_the_router_and_says_why():
    router = pytest.importorskip('nodes.router')
    prompt = 'Format these names as a comma-separated list: {{ brief.names }}'
    graph = make_graph({'brief': {'kind': 'input', 'config': {'fields': [{'name': 'names', 'default': 'a b'}]}},
                        'tidy': agent(prompt, tier='auto')}, [('brief', 'tidy')])
    events = []
    summary = await controller(graph, events).run()
    decision = router.route_task(prompt, '', None)
    assert summary.nodes['tidy'].tier == decision.tier
    started = [event for event in of_type(events, NodeStarted) if event.node_id == 'tidy'][0]
    assert (started.tier, started.route_reason) == (decision.tier, decision.reason)


async def test_every_event_is_json_serialisable_and_in_a_sensible_order():
    graph = load_graph(EXAMPLE.read_text())
    graph.node('plan').config['simulate'] = {'fail_first': 1, 'failure': 'rate_limit'}
    events = []
    await controller(graph, events).run({'company': 'Acme'})
    assert isinstance(events[0], RunStarted) and isinstance(events[-1], RunFinished)
    for event in events:
        document = json.loads(json.dumps(event.to_dict()))
        assert document['type'] == event.type and document['run_id'] == events[0].run_id
    for node_id in ('plan', 'tidy'):
        kinds = [type(event) for event in events if getattr(event, 'node_id', None) == node_id]
        assert kinds[0] is NodeQueued and kinds[1] is NodeStarted and kinds[-1] is NodeSucceeded
    assert [event.t for event in events] == sorted(event.t for event in events)
    assert of_type(events, AttemptFinished)[0].attempt.error_kind == 'rate_limit'


async def test_a_controller_runs_once():
    mission = controller(make_graph({'a': agent('Format')}, []))
    assert isinstance(await mission.run(), RunSummary)
    with pytest.raises(RuntimeError, match='runs once'):
        await mission.run()


async def test_a_custom_catalog_decides_the_models():
    catalog = Catalog({1: (ModelEntry('gpt-5'),), 2: (ModelEntry('gpt-5-mini'),), 3: (ModelEntry('gpt-5-nano'),)})
    graph = make_graph({'a': agent('Format', tier=3), 'b': agent('Plan', tier=1)}, [])
    summary = await controller(graph, catalog=catalog).run()
    assert (summary.nodes['a'].model, summary.nodes['b'].model) == ('gpt-5-nano', 'gpt-5')
    attempt = summary.nodes['a'].attempts[0]
    assert attempt.flagship_cost_usd == price_of('gpt-5').cost(attempt.input_tokens, attempt.output_tokens)
