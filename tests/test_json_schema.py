"""JSON Schema through jsonschema-rs: its verdicts agree with the reference implementation
(python-jsonschema, a test dependency only) on generated schemas and values; problems name the
place and the fix; and nothing a schema names is ever fetched."""
from __future__ import annotations

import http.server
import threading

import pytest
from hypothesis import given, settings, strategies as st
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from nodes.json_schema import SchemaValidator, schema_problem

# Few distinct scalars, so that true/1, 1/1.0 and equal containers meet often.
scalars = st.one_of(st.none(), st.booleans(), st.integers(-1, 2), st.sampled_from([0.0, 1.0, 1.5]),
                    st.sampled_from(['', 'a', 'ab', 'abc']))
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(['a', 'b', 'c']), inner, max_size=3)),
    max_leaves=8)
type_names = st.sampled_from(['object', 'array', 'string', 'integer', 'number', 'boolean', 'null'])


def schemas(depth: int = 2):
    leaf = st.fixed_dictionaries({}, optional={
        'type': st.one_of(type_names, st.lists(type_names, min_size=1, max_size=3, unique=True)),
        'enum': st.lists(values, min_size=1, max_size=3), 'const': values,
        'minLength': st.integers(0, 3), 'maxLength': st.integers(0, 3),
        'minimum': st.sampled_from([-1, 0, 1, 1.5]), 'maximum': st.sampled_from([-1, 0, 1, 1.5]),
        'exclusiveMinimum': st.sampled_from([-1, 0, 1]), 'exclusiveMaximum': st.sampled_from([0, 1, 2]),
        'minItems': st.integers(0, 3), 'maxItems': st.integers(0, 3), 'uniqueItems': st.booleans(),
        'description': st.just('annotation'), 'format': st.just('email')})
    if depth == 0:
        return st.one_of(leaf, st.booleans())
    inner = schemas(depth - 1)
    return st.one_of(leaf, st.booleans(), st.builds(
        lambda base, properties, required, extra, items: {
            **base, **({'properties': properties} if properties else {}), **({'required': required} if required else {}),
            **({'additionalProperties': extra} if extra is not None else {}), **({'items': items} if items else {})},
        leaf, st.dictionaries(st.sampled_from(['a', 'b', 'c']), inner, max_size=3),
        st.lists(st.sampled_from(['a', 'b', 'c']), max_size=2, unique=True),
        st.one_of(st.none(), inner), st.one_of(st.none(), inner)))



meta_values = st.one_of(st.none(), st.booleans(), st.integers(-3, 5), st.floats(-2, 5, allow_nan=False),
                   st.sampled_from(['string', 'object', 'strng', 'integer', '^a+$', '(']),
                   st.lists(st.sampled_from(['a', 'b', 'string', 'number']), max_size=3))
keywords = st.sampled_from(['type', 'properties', 'items', 'required', 'enum', 'minimum', 'maxLength', 'pattern',
                            'additionalProperties', 'anyOf', 'prefixItems', 'multipleOf', 'uniqueItems', 'title',
                            'minItems', 'patternProperties', 'dependentRequired', 'not', 'x-custom'])


# Values of the right shape for each keyword, so that valid schemas are common too.
well_formed = st.fixed_dictionaries({}, optional={
    'type': st.sampled_from(['string', 'integer', ['number', 'null']]), 'minimum': st.integers(-5, 5),
    'maxLength': st.integers(0, 9), 'pattern': st.sampled_from(['^a+$', '[0-9]{3}']), 'enum': st.lists(meta_values),
    'required': st.lists(st.sampled_from(['a', 'b', 'c']), unique=True), 'uniqueItems': st.booleans(),
    'multipleOf': st.sampled_from([0.5, 2]), 'title': st.text(max_size=5), 'x-custom': meta_values})


def meta_schemas(depth: int = 2):
    leaf = st.one_of(well_formed, well_formed, st.dictionaries(keywords, meta_values, max_size=3))
    if depth == 0:
        return leaf
    inner = meta_schemas(depth - 1)
    nested = st.fixed_dictionaries({}, optional={
        'type': st.sampled_from(['object', 'array', ['string', 'null']]),
        'properties': st.dictionaries(st.sampled_from(['a', 'b', 'c']), st.one_of(inner, st.booleans(), meta_values)),
        'items': st.one_of(inner, meta_values),
        'anyOf': st.lists(st.one_of(inner, meta_values), max_size=2),
        'required': st.one_of(st.lists(st.sampled_from(['a', 'b']), max_size=3), meta_values)})
    return st.one_of(leaf, nested)



def jsonschema_accepts(schema) -> bool:
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError:
        return False
    return True


@settings(max_examples=800, deadline=None)
@given(schemas(), values)
def test_a_reply_check_agrees_with_the_reference(schema, value):
    assert SchemaValidator(schema).is_valid(value) == Draft202012Validator(schema).is_valid(value)


@settings(max_examples=400, deadline=None)
@given(meta_schemas())
def test_the_schema_check_agrees_with_the_meta_schema(schema):
    assert (schema_problem(schema) is None) == jsonschema_accepts(schema), schema_problem(schema)


def test_problems_name_the_place_and_the_fix():
    assert schema_problem({'type': 'object', 'properties': {'steps': {'type': 'strng'}}}) == (
        "'strng' is not a JSON Schema type (use one of: array, boolean, integer, null, number, object, string) "
        '(at properties/steps/type)')
    assert schema_problem({'required': 'steps'}) == '"steps" is not of type "array" (at required)'
    assert schema_problem([]) == 'a schema must be an object or a boolean, not an array'
    assert schema_problem({'pattern': '('}) == '"(" is not a "regex" (at pattern)'


def test_a_ref_must_resolve_and_may_recurse():
    assert schema_problem({'$ref': '#/$defs/step'}).startswith('a $ref cannot be resolved')
    tree = {'type': 'object', 'properties': {'children': {'type': 'array', 'items': {'$ref': '#'}}}}
    assert schema_problem(tree) is None
    assert SchemaValidator(tree).is_valid({'children': [{'children': []}]})
    assert not SchemaValidator(tree).is_valid({'children': [{'children': 3}]})


def test_a_value_is_explained_where_it_goes_wrong_first():
    validator = SchemaValidator({'type': 'object', 'properties': {'steps': {'type': 'array'}}, 'required': ['steps']})
    assert validator.explain({'steps': ['a']}) is None
    assert validator.explain({'steps': 3}) == ('steps', '3 is not of type "array"')
    assert validator.explain({}) == ('', '"steps" is a required property')


def test_an_older_draft_is_checked_with_its_own_rules():
    schema = {'$schema': 'http://json-schema.org/draft-07/schema#', 'type': 'array', 'items': [{'type': 'string'}]}
    assert schema_problem(schema) is None
    validator = SchemaValidator(schema)
    assert validator.is_valid(['a', 1]) and not validator.is_valid([1])


@pytest.fixture
def counting_server():
    """A local HTTP server that serves a schema and counts the requests it gets."""
    requests = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            requests.append(self.path)
            body = b'{"type": "string"}'
            self.send_response(200)
            self.send_header('Content-Type', 'application/json')
            self.send_header('Content-Length', str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f'http://127.0.0.1:{server.server_address[1]}', requests
    server.shutdown()


def test_a_schema_never_makes_the_app_fetch_anything(counting_server):
    base, requests = counting_server
    remote_ref = schema_problem({'$ref': f'{base}/step.json'})
    remote_meta = schema_problem({'$schema': f'{base}/meta.json', 'type': 'object'})
    assert remote_ref and 'cannot be resolved' in remote_ref
    assert remote_meta and 'meta-schema' in remote_meta
    assert requests == []
