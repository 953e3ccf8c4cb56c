"""Mutated graph files through `validate`, `import` and the web app's import function.

Every input gets validation messages (the same from `validate` as from `import`, and nothing
is stored), or is accepted, stored, read back and exported with everything it held kept
exactly. No input may raise anything else.

The examples are mutated in their structure (keys removed, values replaced by any JSON value,
unknown keys added, nodes duplicated) and in their text (deep nesting, huge and overflowing
numbers, lone surrogates, duplicate keys, truncation). Derandomized: CI sees the same cases on
every run, so a failure here is reproducible, not a flake.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings, strategies as st

from nodes.validation import GraphFileError, check_text, load_graph
from storage.db import connect
from storage.graphs import GraphRepository

EXAMPLES = [json.loads(path.read_text(encoding='utf-8'))
            for path in sorted((Path(__file__).parents[1] / 'assets' / 'examples').glob('*.json'))]
SCALARS = (st.none() | st.booleans() | st.integers() | st.integers(min_value=-10 ** 120, max_value=10 ** 120)
           | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=8)
           | st.sampled_from(['\ud800', 'auto', '{{ brief.company }}', '{{ range(3)|list }}', '{{ lipsum(2) }}',
                              '{{ "a" * 10**8 }}', '{% for x in ghost %}', 'agent', 'input', 'output']))
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3)
                      | st.dictionaries(st.text(max_size=6), inner, max_size=3), max_leaves=8)
STRUCTURAL = ('delete', 'replace', 'add_unknown', 'duplicate_node', 'null_unknown')
TEXTUAL = ('duplicate_key', 'surrogate', 'overflow', 'huge_integer', 'truncate', 'deep')


def _paths(value: Any, at: tuple = ()) -> list[tuple]:
    found = [at]
    if isinstance(value, dict):
        for key, child in value.items():
            found += _paths(child, at + (key,))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += _paths(child, at + (index,))
    return found


def _at(document: Any, path: tuple) -> Any:
    for part in path:
        document = document[part]
    return document


@st.composite
def graph_files(draw: st.DrawFn) -> str:
    document = json.loads(json.dumps(draw(st.sampled_from(EXAMPLES))))
    for _ in range(draw(st.integers(min_value=0, max_value=3))):
        paths = _paths(document)
        path = paths[draw(st.integers(min_value=0, max_value=len(paths) - 1))]
        mutation = draw(st.sampled_from(STRUCTURAL))
        if not path:
            if mutation == 'replace' and draw(st.booleans()):
                document = draw(VALUES)
            continue
        parent, key = _at(document, path[:-1]), path[-1]
        if mutation == 'delete':
            del parent[key]
        elif mutation == 'replace':
            parent[key] = draw(VALUES)
        elif mutation in ('add_unknown', 'null_unknown') and isinstance(parent, dict):
            parent[draw(st.text(min_size=1, max_size=6))] = None if mutation == 'null_unknown' else draw(VALUES)
        elif mutation == 'duplicate_node' and isinstance(document, dict) and isinstance(document.get('nodes'), list) \
                and document['nodes']:
            document['nodes'].append(json.loads(json.dumps(document['nodes'][0])))
    text = json.dumps(document, indent=draw(st.sampled_from([None, 2])))
    mutation = draw(st.sampled_from(TEXTUAL)) if draw(st.integers(0, 9)) >= 6 else 'none'  # most files stay JSON
    opening = text.find('{') + 1
    if opening and mutation != 'none':
        depth = draw(st.sampled_from([70, 900, 10_000]))
        insert = {'deep': f'"deep": {"[" * depth}{"]" * depth},',
                  'huge_integer': f'"big": {"9" * draw(st.sampled_from([101, 4301]))},',
                  'overflow': '"far": 1e400,',
                  'surrogate': '"odd": "\\udc00",',
                  'duplicate_key': '"name": "first",'}.get(mutation)
        if insert and text[opening:].lstrip().startswith('}'):
            insert = insert.rstrip(',')
        if insert:
            text = text[:opening] + insert + text[opening:]
        elif mutation == 'truncate':
            text = text[:draw(st.integers(min_value=0, max_value=len(text)))]
    return text


def _kept(original: Any, exported: Any) -> bool:
    """Whether everything in `original` is in `exported`, exactly (same types, same values)."""
    if isinstance(original, dict):
        return isinstance(exported, dict) and all(key in exported and _kept(value, exported[key])
                                                   for key, value in original.items())
    if isinstance(original, list):
        return isinstance(exported, list) and len(original) == len(exported) and all(
            _kept(one, two) for one, two in zip(original, exported))
    return type(original) is type(exported) and original == exported


REPOSITORY = GraphRepository(connect('sqlite://'))


@settings(max_examples=2000, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(graph_files())
def test_every_mutated_file_is_refused_with_messages_or_kept_exactly(text: str) -> None:
    problems = check_text(text)
    try:
        loaded = load_graph(text)
        refused = []
    except GraphFileError as error:
        loaded, refused = None, error.problems
    assert [problem.message for problem in refused] == [problem.message for problem in problems], \
        'validate and import disagree'
    for problem in problems:
        assert problem.code and problem.message.strip() and '\n' not in problem.message
    stored_before = REPOSITORY.count()
    if problems:
        try:
            REPOSITORY.import_text(text.encode('utf-8', 'surrogatepass'))
        except GraphFileError:
            pass
        else:
            raise AssertionError('the web import stored a file that validate refuses')
        assert REPOSITORY.count() == stored_before
        return
    graph_id = REPOSITORY.import_text(text.encode('utf-8'))  # as the upload hands it over: bytes
    exported = REPOSITORY.get(graph_id).dumps()
    assert check_text(exported) == []
    assert _kept(json.loads(text), json.loads(exported)), 'the export lost or changed something the file held'
    assert exported == loaded.dumps()
