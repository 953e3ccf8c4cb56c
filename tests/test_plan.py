"""The compile step's `flagship_only`: every agent on tier 1, whatever the graph says (nodes/plan.py)."""
import json
from pathlib import Path

from nodes.catalog import Catalog
from nodes.plan import FLAGSHIP_ONLY_REASON, compile_graph
from nodes.validation import load_graph

ROOT = Path(__file__).parents[1]


def research_swarm():
    return load_graph((ROOT / 'assets' / 'examples' / 'research-swarm.json').read_text())


def test_flagship_only_routes_every_agent_to_tier_one_and_its_models():
    catalog = Catalog.from_dict({'tiers': {'1': ['claude-opus-4-5', 'gpt-5'], '2': ['gpt-5-mini'],
                                           '3': ['gpt-4o-mini']}})
    routed = compile_graph(research_swarm(), catalog)
    flagship = compile_graph(research_swarm(), catalog, flagship_only=True)
    assert {planned.route.tier for planned in routed.nodes.values() if planned.route} == {1, 2, 3}
    for planned in flagship.nodes.values():
        if planned.route is not None:
            assert planned.route.tier == 1 and planned.route.reason == FLAGSHIP_ONLY_REASON
            assert [entry.model for entry in planned.route.models[1]] == ['claude-opus-4-5', 'gpt-5']
            assert set(planned.route.models) == {1}
    assert [planned.route for planned in flagship.nodes.values() if planned.kind.name == 'input'] == [None]


def test_flagship_only_overrides_auto_and_a_model_override_and_changes_the_cache_key():
    document = json.loads((ROOT / 'assets' / 'examples' / 'competitor-brief.json').read_text())
    document['nodes'][2]['config'].update(tier='auto', model='gpt-4o-mini')
    graph = load_graph(json.dumps(document))
    routed, flagship = compile_graph(graph), compile_graph(graph, flagship_only=True)
    assert routed.nodes['tidy'].route.model == 'gpt-4o-mini'
    assert flagship.nodes['tidy'].route.model == flagship.catalog.flagship.model
    outputs = {'plan': {'steps': ['a']}, 'brief': {'company': 'A'}}
    assert routed.signature('tidy', outputs) != flagship.signature('tidy', outputs)
