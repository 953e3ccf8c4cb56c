"""The transform kind: a template over upstream outputs, run without a model call."""
from __future__ import annotations

from nodes.engine import MissionController
from nodes.graph import Graph
from nodes.plan import compile_graph
from nodes.providers.simulated import SimulatedProvider
from nodes.validation import validate_graph

STEPS = {'type': 'object', 'properties': {'steps': {'type': 'array', 'items': {'type': 'string'}, 'minItems': 2}},
         'required': ['steps']}


def graph_with(transform_config: dict) -> Graph:
    return Graph.model_validate({'name': 'transform', 'nodes': [
        {'id': 'brief', 'kind': 'input', 'config': {'fields': [{'name': 'company', 'type': 'string'}]}},
        {'id': 'plan', 'kind': 'agent', 'config': {'tier': 3, 'prompt': 'Plan a study of {{ brief.company }}.',
                                                   'output_schema': STEPS}},
        {'id': 'shape', 'kind': 'transform', 'config': transform_config},
        {'id': 'report', 'kind': 'output', 'config': {}},
    ], 'edges': [{'source': 'brief', 'target': 'plan'}, {'source': 'plan', 'target': 'shape'},
                 {'source': 'shape', 'target': 'report'}]})


async def run(graph: Graph):
    plan = compile_graph(graph, provider=SimulatedProvider(latency_ms=0))
    return await MissionController(plan).run({'company': 'Acme'})


async def test_a_transform_renders_its_template_without_calling_a_model():
    summary = await run(graph_with({'template': '{{ brief.company }}: {{ plan.steps | join("; ") }}'}))
    shape, steps = summary.nodes['shape'], summary.nodes['plan'].output['steps']
    assert summary.status == 'succeeded'
    assert shape.output == 'Acme: ' + '; '.join(steps)
    assert shape.attempts == [] and shape.cost_usd == 0 and shape.tier is None
    assert summary.outputs['report'] == {'shape': shape.output}


async def test_a_json_transform_gives_a_value_downstream_templates_can_read():
    summary = await run(graph_with({'template': '{"first": {{ plan.steps[0] | tojson }}, "n": {{ plan.steps | length }}}',
                                    'as_json': True}))
    steps = summary.nodes['plan'].output['steps']
    assert summary.nodes['shape'].output == {'first': steps[0], 'n': len(steps)}


async def test_a_json_transform_whose_text_is_not_json_fails_and_says_so():
    summary = await run(graph_with({'template': 'first: {{ plan.steps[0] }}', 'as_json': True}))
    assert summary.nodes['shape'].status == 'failed' and 'did not render a JSON value' in summary.nodes['shape'].error
    assert summary.nodes['report'].status == 'skipped'


def test_a_transform_is_validated_like_any_kind():
    codes = [problem.code for problem in validate_graph(graph_with({'template': '{{ ghost }}'}))]
    assert codes == ['template_unknown_reference']
    assert validate_graph(graph_with({'template': '{{ plan }}', 'as_json': 'yes'}))
    assert validate_graph(graph_with({'template': ''}))
