"""Validation: every problem of a graph file, each with a code and an actionable sentence."""
import json
from pathlib import Path

import pytest

from nodes.graph import Graph
from nodes.validation import GraphFileError, check_text, load_graph, validate_graph

GRAPHS = Path(__file__).parent / 'graphs'
EXAMPLES = Path(__file__).parents[1] / 'assets' / 'examples'

# file in tests/graphs/invalid → (code, words the message must contain)
EXPECTED = {
    'malformed_json': ('malformed_json', 'line 4, column 15'),
    'not_an_object': ('not_an_object', 'not an array'),
    'wrong_format': ('wrong_format', '"comfyui.workflow"'),
    'newer_version': ('newer_version', 'graph format version 7 is newer than this Swarm Studio supports (2)'),
    'bad_version': ('bad_version', '"one"'),
    'missing_name': ('wrong_type', '"name" is required'),
    'empty_name': ('empty_name', '"name" is empty'),
    'nodes_not_array': ('wrong_type', '"nodes" must be an array, not an object'),
    'wrong_type_position': ('wrong_type', 'node "plan": "position.x" is invalid: must be a number'),
    'missing_node_kind': ('missing_key', 'node "plan": "kind" is required'),
    'bad_node_id': ('bad_node_id', '"Final-Report" is not allowed'),
    'duplicate_node_id': ('duplicate_node_id', 'node "tidy" appears twice'),
    'unknown_kind': ('unknown_kind', 'unknown kind "webhook" (known kinds: agent, input, output, transform)'),
    'bad_tier': ('bad_tier', 'node "plan": config "tier"'),
    'bad_tier_string': ('bad_tier', "'auto', 1, 2 or 3"),
    'bad_config_retries': ('bad_config', '"max_retries"'),
    'bad_config_unknown_key': ('bad_config', 'unknown config key "temprature"'),
    'bad_config_missing_prompt': ('bad_config', 'config "prompt" is required'),
    'bad_config_failure': ('bad_config', 'simulate.failure'),
    'bad_output_schema': ('bad_output_schema', "'objekt'"),
    'dangling_edge': ('dangling_edge', 'edge plan -> ghost: no node "ghost"'),
    'duplicate_edge': ('duplicate_edge', 'edge plan -> tidy appears twice'),
    'self_loop': ('self_loop', 'edge plan -> plan closes a cycle: plan -> plan'),
    'cycle': ('cycle', 'edge tidy -> plan closes a cycle: tidy -> plan -> '),
    'bad_edge_into_input': ('bad_edge', '"brief" is an input node, which takes no inputs'),
    'template_syntax': ('template_syntax', 'line 2'),
    'template_unknown_reference': ('template_unknown_reference', 'refers to "plann", but there is no node "plann"'),
    'template_not_upstream': ('template_not_upstream', 'refers to "tidy", which is not upstream of "plan"'),
    'json_draft': ('json_draft', 'node "plan": output_schema is not valid JSON: Expecting property name enclosed in '
                                 'double quotes at line 1, column 19; the typed text is kept as a draft'),
    'wrong_type_drafts': ('wrong_type', 'drafts.output_schema'),
}


def test_every_invalid_file_has_an_expectation():
    assert {path.stem for path in (GRAPHS / 'invalid').glob('*.json')} == set(EXPECTED)


@pytest.mark.parametrize('name', sorted(EXPECTED))
def test_invalid_file_reports_its_problem(name):
    code, words = EXPECTED[name]
    problems = check_text((GRAPHS / 'invalid' / f'{name}.json').read_bytes())
    assert any(p.code == code and words in p.message for p in problems), [f'{p.code}: {p}' for p in problems]
    for problem in problems:
        assert '\n' not in problem.message and 'Traceback' not in problem.message


@pytest.mark.parametrize('path', sorted(EXAMPLES.glob('*.json')) + sorted((GRAPHS / 'valid').glob('*.json')),
                         ids=lambda path: path.name)
def test_shipped_and_team_graphs_are_valid(path):
    assert check_text(path.read_bytes()) == []


def test_problems_point_at_what_the_editor_must_mark():
    problems = check_text((GRAPHS / 'invalid' / 'cycle.json').read_bytes())
    cycle = next(p for p in problems if p.code == 'cycle')
    assert cycle.edge == ('tidy', 'plan')
    assert cycle.path[0] == 'tidy' and cycle.path[-1] == 'tidy' and len(cycle.path) >= 3
    problems = check_text((GRAPHS / 'invalid' / 'template_not_upstream.json').read_bytes())
    (reference,) = [p for p in problems if p.code == 'template_not_upstream']
    assert (reference.node_id, reference.field) == ('plan', 'prompt')


def test_every_problem_is_reported_at_once():
    document = json.loads((EXAMPLES / 'competitor-brief.json').read_text())
    document['nodes'][1]['config']['tier'] = 9
    document['nodes'][2]['config']['prompt'] = '{{ nobody }}'
    document['edges'].append({'source': 'report', 'target': 'ghost'})
    document['edges'].append({'source': 'tidy', 'target': 'tidy'})
    codes = sorted(p.code for p in check_text(json.dumps(document)))
    assert codes == ['bad_tier', 'dangling_edge', 'self_loop', 'template_unknown_reference']


def test_a_cycle_is_named_along_its_whole_path():
    document = {'format': 'swarm-studio.graph', 'version': 1, 'name': 'loop',
                'nodes': [{'id': n, 'kind': 'agent', 'config': {'prompt': 'go'}} for n in ('plan', 'extract', 'merge')],
                'edges': [{'source': 'plan', 'target': 'extract'}, {'source': 'extract', 'target': 'merge'},
                          {'source': 'merge', 'target': 'plan'}]}
    (problem,) = check_text(json.dumps(document))
    assert problem.message == 'edge merge -> plan closes a cycle: merge -> plan -> extract -> merge'


def test_true_is_not_tier_one():
    document = json.loads((EXAMPLES / 'competitor-brief.json').read_text())
    document['nodes'][1]['config']['tier'] = True
    assert [p.code for p in check_text(json.dumps(document))] == ['bad_tier']


def test_load_graph_raises_with_every_problem():
    with pytest.raises(GraphFileError) as refused:
        load_graph((GRAPHS / 'invalid' / 'dangling_edge.json').read_text())
    assert [p.code for p in refused.value.problems] == ['dangling_edge']
    assert str(refused.value) == 'edge plan -> ghost: no node "ghost"'


def test_validate_graph_checks_a_model_built_in_code():
    graph = Graph(name='built', nodes=[{'id': 'a', 'kind': 'agent', 'config': {'prompt': '{{ b }}'}},
                                       {'id': 'b', 'kind': 'agent', 'config': {'prompt': 'hi'}}],
                  edges=[{'source': 'a', 'target': 'b'}])
    assert [p.code for p in validate_graph(graph)] == ['template_not_upstream']


def test_templates_may_use_their_own_loop_variables():
    graph = Graph(name='loops', nodes=[
        {'id': 'plan', 'kind': 'agent', 'config': {'prompt': 'plan'}},
        {'id': 'do', 'kind': 'agent', 'config': {'prompt': '{% for step in plan.steps %}{{ loop.index }} {{ step }}\n'
                                                           '{% endfor %}{% set n = 3 %}{{ n }}'}}],
        edges=[{'source': 'plan', 'target': 'do'}])
    assert validate_graph(graph) == []


def test_jinja_names_are_not_node_references_unless_a_node_has_that_id():
    nodes = [{'id': 'plan', 'kind': 'agent', 'config': {'prompt': '{% for i in range(3) %}{{ loop.index }}{% endfor %}'}},
             {'id': 'range', 'kind': 'agent', 'config': {'prompt': 'x'}},
             {'id': 'use', 'kind': 'agent', 'config': {'prompt': '{{ range }}'}}]
    graph = Graph(name='names', nodes=nodes, edges=[])
    # With a node called "range", `range(3)` in plan means that node too, which is not upstream.
    assert [(p.code, p.node_id) for p in validate_graph(graph)] == [('template_not_upstream', 'plan'),
                                                                    ('template_not_upstream', 'use')]
    nodes[1]['id'] = 'ranger'  # now `range` is Jinja's everywhere
    assert validate_graph(Graph(name='names', nodes=nodes, edges=[])) == []
