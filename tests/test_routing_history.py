"""Learning from escalations (nodes/routing_history.py): the rule, and compile_graph applying it."""
from __future__ import annotations

import pytest

from nodes.graph import Graph
from nodes.plan import compile_graph
from nodes.routing_history import RETRY_LOWER_AFTER, NodeOutcome, learned_start, route_key

ESCALATED, FIRST_TIME_AT_2, FIRST_TIME_AT_3, FAILED = NodeOutcome(3, 2), NodeOutcome(2, 2), NodeOutcome(3, 3), NodeOutcome(3, None)


def test_no_history_or_one_escalation_keeps_the_router_s_tier():
    assert learned_start(3, []) == (3, None)
    assert learned_start(3, [ESCALATED]) == (3, None)
    assert learned_start(3, [ESCALATED, FIRST_TIME_AT_3, FIRST_TIME_AT_3, FIRST_TIME_AT_3]) == (3, None)


def test_repeated_escalations_start_at_the_tier_that_succeeded():
    assert learned_start(3, [ESCALATED, ESCALATED]) == (2, 'escalated to tier 2 in 2 of the last 2 runs')
    assert learned_start(3, [ESCALATED, FIRST_TIME_AT_3, ESCALATED, ESCALATED]) == (
        2, 'escalated to tier 2 in 3 of the last 4 runs')
    # only the last WINDOW tries count: two escalations further back are forgotten
    assert learned_start(3, [ESCALATED] + [FIRST_TIME_AT_3] * 3 + [ESCALATED, ESCALATED]) == (3, None)


def test_the_most_common_success_tier_wins_and_a_tie_goes_up():
    to_1 = NodeOutcome(3, 1)
    assert learned_start(3, [to_1, ESCALATED, ESCALATED])[0] == 2
    assert learned_start(3, [to_1, ESCALATED]) == (1, 'escalated to tier 1 in 2 of the last 2 runs')


def test_the_latest_try_at_the_router_s_tier_succeeding_first_time_ends_the_raise():
    assert learned_start(3, [FIRST_TIME_AT_3, ESCALATED, ESCALATED, ESCALATED]) == (3, None)


def test_after_first_time_successes_at_the_raised_tier_the_router_s_tier_is_tried_again():
    raised = [ESCALATED, ESCALATED]
    for streak in range(RETRY_LOWER_AFTER):
        outcomes = [FIRST_TIME_AT_2] * streak + raised
        assert learned_start(3, outcomes) == (2, f'escalated to tier 2 in 2 of the last {streak + 2} runs')
    outcomes = [FIRST_TIME_AT_2] * RETRY_LOWER_AFTER + raised
    assert learned_start(3, outcomes) == (3, 'succeeded first time at tier 2 in the last 3 runs, so tier 3 is tried again')
    # the try lower escalated again: straight back up, the earlier escalations still count
    assert learned_start(3, [ESCALATED] + outcomes)[0] == 2
    # it succeeded there: the raise is over
    assert learned_start(3, [FIRST_TIME_AT_3] + outcomes) == (3, None)


def test_failed_runs_say_nothing_about_the_tier_a_node_needs():
    assert learned_start(3, [FAILED, ESCALATED, FAILED, ESCALATED]) == (2, 'escalated to tier 2 in 2 of the last 2 runs')
    assert learned_start(3, [FAILED] * 4) == (3, None)


def test_a_node_already_at_tier_1_cannot_go_higher():
    assert learned_start(1, [NodeOutcome(1, 1)] * 4) == (1, None)


def test_the_route_key_is_the_kind_and_the_whole_config():
    config = {'tier': 'auto', 'prompt': 'Sort these names.', 'simulate': {'fail_first': 1}}
    assert route_key('agent', config) == route_key('agent', dict(reversed(config.items())))
    assert route_key('agent', config) != route_key('agent', {**config, 'prompt': 'Sort these names!'})
    assert route_key('agent', config) != route_key('router', config)


def graph(tier='auto', prompt='Sort these names alphabetically: {{ input.names }}') -> Graph:
    return Graph.model_validate({
        'format': 'swarm-studio/graph', 'version': 1, 'name': 'learning',
        'nodes': [{'id': 'input', 'kind': 'input', 'config': {'fields': [{'name': 'names', 'type': 'string'}]}},
                  {'id': 'sort', 'kind': 'agent', 'config': {'tier': tier, 'prompt': prompt}}],
        'edges': [{'id': 'e1', 'source': 'input', 'target': 'sort'}]})


def test_compile_graph_starts_an_auto_node_where_its_history_says_and_keeps_the_router_s_reason():
    plain = compile_graph(graph()).nodes['sort'].route
    assert plain.tier == 3
    node = graph().node('sort')
    route = compile_graph(graph(), history={route_key(node.kind, node.config): [ESCALATED, ESCALATED]}).nodes['sort'].route
    assert route.tier == 2
    assert route.reason == f'tier 2: escalated to tier 2 in 2 of the last 2 runs; the router said {plain.reason}'
    assert set(route.models) == {2, 1}
    # a history of another config, or none, changes nothing
    assert compile_graph(graph(), history={'other': [ESCALATED, ESCALATED]}).nodes['sort'].route == plain
    assert compile_graph(graph(), history={}).nodes['sort'].route == plain


def test_a_node_that_names_its_tier_is_never_moved():
    fixed = graph(tier=3)
    node = fixed.node('sort')
    route = compile_graph(fixed, history={route_key(node.kind, node.config): [ESCALATED] * 4}).nodes['sort'].route
    assert (route.tier, route.reason) == (3, None)


def priced(started: int, succeeded: int, wasted: float, cost: float) -> NodeOutcome:
    return NodeOutcome(started, succeeded, wasted, cost)


def test_a_raise_is_made_only_when_the_priced_history_says_it_costs_less():
    # three of four tries escalated: each wasted $0.0001 on tier 3, then paid $0.001 at tier 2;
    # the one that stayed paid $0.00002. Starting low costs 0.75 x 0.0001 more in failures than
    # it saves in 0.25 x (0.001 - 0.00002): stay low.
    cheap_failures = [priced(3, 2, 0.0001, 0.001), priced(3, 2, 0.0001, 0.001), priced(3, 3, 0, 0.00002),
                      priced(3, 2, 0.0001, 0.001)]
    assert learned_start(3, cheap_failures) == (3, None)
    # failures that cost more than the difference: raise
    dear_failures = [priced(3, 2, 0.01, 0.001), priced(3, 2, 0.01, 0.001), priced(3, 3, 0, 0.00002),
                     priced(3, 2, 0.01, 0.001)]
    assert learned_start(3, dear_failures) == (2, 'escalated to tier 2 in 3 of the last 4 runs')
    # when every try escalated, or a cost is unknown, there is nothing to weigh: the plain rule
    assert learned_start(3, [priced(3, 2, 0.0001, 0.001)] * 4)[0] == 2
    unknown = cheap_failures[:2] + [NodeOutcome(3, 3)] + cheap_failures[3:]
    assert learned_start(3, unknown)[0] == 2
