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
    document = {'format': 'swarm-studio.graph', 'version': 2, 'name': draw(texts.filter(str.strip)),
                'nodes': nodes, 'edges': edges}
    if draw(st.booleans()):
        document['description'] = draw(texts)
    if draw(st.booleans()):  # sticky notes and groups (version 2); an empty list is kept as written
        count = draw(st.integers(0, 3))
        document['annotations'] = [
            {'id': f'note_{index}', 'type': draw(st.sampled_from(['note', 'group'])), 'text': draw(texts),
             'position': {'x': draw(numbers), 'y': draw(numbers)},
             'size': {'width': draw(st.integers(1, 900)), 'height': draw(st.integers(1, 900))}}
            for index in range(count)]
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


@settings(max_examples=60, deadline=None)
@given(graphs())
def test_a_version_1_file_opens_as_version_2_with_nothing_else_changed(document):
    document.pop('annotations', None)  # version 1 had none
    old = {**document, 'version': 1}
    assert check_text(json.dumps(old)) == []
    assert json.loads(load_graph(json.dumps(old)).dumps()) == {**document, 'version': 2}


def test_a_version_1_file_holding_an_annotations_key_is_refused_not_reinterpreted():
    old = {'format': 'swarm-studio.graph', 'version': 1, 'name': 'Old', 'nodes': [], 'edges': [],
           'annotations': [{'id': 'a', 'type': 'note', 'text': 'x', 'position': {'x': 0, 'y': 0},
                            'size': {'width': 1, 'height': 1}}]}
    [problem] = check_text(json.dumps(old))
    assert problem.code == 'bad_version' and 'set "version": 2' in problem.message


def test_a_version_newer_than_2_is_refused_with_the_version_this_build_reads():
    [problem] = check_text(json.dumps({'format': 'swarm-studio.graph', 'version': 3, 'name': 'New',
                                       'nodes': [], 'edges': []}))
    assert problem.code == 'newer_version' and problem.message == (
        'graph format version 3 is newer than this Swarm Studio supports (2); update Swarm Studio to open it')


def test_bad_annotations_are_named_one_line_each():
    note = {'id': 'hint', 'type': 'note', 'text': 'Read me', 'position': {'x': 0, 'y': 0},
            'size': {'width': 200, 'height': 100}}
    document = {'format': 'swarm-studio.graph', 'version': 2, 'name': 'Notes', 'nodes': [], 'edges': [],
                'annotations': [note, dict(note), {**note, 'id': 'Bad id'}, {**note, 'id': 'frame', 'type': 'box'},
                                {**note, 'id': 'flat', 'size': {'width': 10, 'height': 0}}]}
    assert [(problem.code, problem.message) for problem in check_text(json.dumps(document))] == [
        ('bad_annotation', 'annotation "hint" appears twice; annotation ids must be unique'),
        ('bad_annotation', 'annotation "Bad id": its id must be a lowercase letter, then up to 63 lowercase letters, '
                           'digits or underscores'),
        ('bad_annotation', 'annotation "frame": "type" must be "note" or "group", not "box"'),
        ('bad_annotation', 'annotation "flat": "size" needs a width and a height above 0')]
    missing = {**document, 'annotations': [{'id': 'x', 'type': 'note', 'position': {'x': 0, 'y': 0},
                                            'size': {'width': 1, 'height': 1}}]}
    [problem] = check_text(json.dumps(missing))
    assert problem.code == 'missing_key' and '"text"' in problem.message
