"""Run one node: the sub-graph it needs and the upstream outputs it is given."""
from __future__ import annotations

import asyncio
from pathlib import Path

from nodes.engine import MissionController
from nodes.plan import compile_graph
from nodes.providers.simulated import SimulatedProvider
from nodes.validation import load_graph
from studio.run.run_one import carried_outputs, one_node_graph, upstream_of

ROOT = Path(__file__).resolve().parent.parent
BRIEF = load_graph((ROOT / 'assets/examples/competitor-brief.json').read_text())  # brief → plan → tidy → report


def test_a_node_needs_itself_and_everything_upstream_of_it_and_nothing_downstream():
    assert upstream_of(BRIEF, 'tidy') == {'brief', 'plan'}
    assert upstream_of(BRIEF, 'brief') == set()
    sub = one_node_graph(BRIEF, 'tidy')
    assert [node.id for node in sub.nodes] == ['brief', 'plan', 'tidy']
    assert [(edge.source, edge.target) for edge in sub.edges] == [('brief', 'plan'), ('plan', 'tidy')]
    assert sub.name == BRIEF.name


def test_upstream_outputs_come_from_pins_first_then_the_shown_run_and_the_rest_are_named():
    carried, missing = carried_outputs(BRIEF, 'tidy', {'brief': {'company': 'Acme'}, 'plan': {'steps': ['old']}},
                                       {'plan': {'steps': ['pinned']}})
    assert carried == {'brief': {'company': 'Acme'}, 'plan': {'steps': ['pinned']}} and missing == []
    assert carried_outputs(BRIEF, 'tidy', {'brief': {'company': 'Acme'}}, {}) == ({'brief': {'company': 'Acme'}},
                                                                                  ['plan'])


def test_only_the_node_calls_a_model_with_its_upstream_carried():
    carried = {'brief': {'company': 'Acme'}, 'plan': {'steps': ['Compare prices', 'Compare reach']}}
    plan = compile_graph(one_node_graph(BRIEF, 'tidy'), provider=SimulatedProvider())
    summary = asyncio.run(MissionController(plan, pinned=carried).run({'company': 'Acme'}))
    assert summary.status == 'succeeded' and set(summary.nodes) == {'brief', 'plan', 'tidy'}
    assert [node_id for node_id, result in summary.nodes.items() if result.attempts] == ['tidy']
    assert 'Compare prices' in summary.nodes['tidy'].attempts[0].messages[-1]['content']
