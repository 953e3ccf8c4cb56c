"""The file format round-trips: dump → load → dump byte for byte, store → export unchanged."""
import json

from hypothesis import given, settings, strategies as st

from nodes.graph import Graph
from nodes.validation import check_text, load_graph, validate_graph
from storage.db import connect
from storage.graphs import GraphRepository

texts = st.text(max_size=40)  # any Unicode; markup is data
numbers = st.one_of(st.integers(-10**6, 10**6), st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False))
schemas = st.sampled_from([None, {'type': 'object', 'properties': {'steps': {'type': 'array', 'items': {'type': 'string'}}},
                                  'required': ['steps']}, {'type': 'string', 'enum': ['yes', 'no']}])


@st.composite
def graphs(draw):
    count = draw(st.integers(1, 8))
    ids = draw(st.lists(st.from_regex(r'[a-z][a-z0-9_]{0,10}', fullmatch=True), min_size=count, max_size=count,
                        unique=True))
    nodes, edges = [], []
    for index, node_id in enumerate(ids):
        upstream = draw(st.lists(st.sampled_from(ids[:index]), unique=True, max_size=3)) if index else []
        edges += [{'source': source, 'target': node_id} for source in upstream]
        reference = ' '.join(f'{{{{ {source} }}}}' for source in upstream)
        config = {'tier': draw(st.sampled_from(['auto', 1, 2, 3])), 'prompt': draw(texts).replace('{', '(') + reference
                  or 'go', 'output_schema': draw(schemas), 'max_retries': draw(st.integers(0, 5))}
        if draw(st.booleans()):
            config['temperature'] = draw(st.floats(0, 2))
        config = {key: value for key, value in config.items() if value is not None}
        nodes.append({'id': node_id, 'kind': 'agent', 'title': draw(texts),
                      'position': {'x': draw(numbers), 'y': draw(numbers)}, 'config': config})
    document = {'format': 'swarm-studio.graph', 'version': 1, 'name': draw(texts.filter(str.strip)),
                'nodes': nodes, 'edges': edges}
    if draw(st.booleans()):
        document['description'] = draw(texts)
    if draw(st.booleans()):
        document['x_team_notes'] = {'owner': draw(texts)}  # unknown keys are kept
    return document


@settings(max_examples=150, deadline=None)
@given(graphs())
def test_a_valid_graph_survives_dump_load_dump_byte_for_byte(document):
    text = json.dumps(document, ensure_ascii=False)
    assert check_text(text) == []
    dumped = load_graph(text).dumps()
    assert load_graph(dumped).dumps() == dumped
    assert json.loads(dumped) == document  # nothing lost, nothing added


@settings(max_examples=60, deadline=None)
@given(graphs())
def test_a_stored_graph_exports_unchanged(document):
    graphs_repo = GraphRepository(connect('sqlite://'))
    text = Graph.model_validate(document).dumps()
    graph_id = graphs_repo.import_text(text)
    assert graphs_repo.get(graph_id).dumps() == text


def test_key_order_is_stable_so_files_diff_cleanly():
    graph = Graph(name='order', description='d', nodes=[{'config': {'prompt': 'go'}, 'position': {'y': 2, 'x': 1},
                                                         'title': 't', 'kind': 'agent', 'id': 'a'}], edges=[])
    assert list(json.loads(graph.dumps())) == ['format', 'version', 'name', 'description', 'nodes', 'edges']
    assert list(json.loads(graph.dumps())['nodes'][0]) == ['id', 'kind', 'title', 'position', 'config']
    assert graph.dumps().endswith('}\n') and '\n  "nodes": [' in graph.dumps()
    assert validate_graph(graph) == []


def test_nan_is_refused_because_it_is_not_json():
    problems = check_text('{"format": "swarm-studio.graph", "version": 1, "name": "n", "nodes": [], "edges": [], "x": NaN}')
    assert [(p.code, p.message) for p in problems] == [('malformed_json', 'the file is not valid JSON: NaN is not a JSON number')]
