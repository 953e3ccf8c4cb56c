"""The fast schema check agrees with jsonschema's meta-schema verdict."""
from hypothesis import given, settings, strategies as st
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from nodes.schema_check import schema_problem

values = st.one_of(st.none(), st.booleans(), st.integers(-3, 5), st.floats(-2, 5, allow_nan=False),
                   st.sampled_from(['string', 'object', 'strng', 'integer', '^a+$', '(']),
                   st.lists(st.sampled_from(['a', 'b', 'string', 'number']), max_size=3))
keywords = st.sampled_from(['type', 'properties', 'items', 'required', 'enum', 'minimum', 'maxLength', 'pattern',
                            'additionalProperties', 'anyOf', 'prefixItems', 'multipleOf', 'uniqueItems', 'title',
                            'minItems', 'patternProperties', 'dependentRequired', 'not', 'x-custom'])


# Values of the right shape for each keyword, so that valid schemas are common too.
well_formed = st.fixed_dictionaries({}, optional={
    'type': st.sampled_from(['string', 'integer', ['number', 'null']]), 'minimum': st.integers(-5, 5),
    'maxLength': st.integers(0, 9), 'pattern': st.sampled_from(['^a+$', '[0-9]{3}']), 'enum': st.lists(values),
    'required': st.lists(st.sampled_from(['a', 'b', 'c']), unique=True), 'uniqueItems': st.booleans(),
    'multipleOf': st.sampled_from([0.5, 2]), 'title': st.text(max_size=5), 'x-custom': values})


def schemas(depth: int = 2):
    leaf = st.one_of(well_formed, well_formed, st.dictionaries(keywords, values, max_size=3))
    if depth == 0:
        return leaf
    inner = schemas(depth - 1)
    nested = st.fixed_dictionaries({}, optional={
        'type': st.sampled_from(['object', 'array', ['string', 'null']]),
        'properties': st.dictionaries(st.sampled_from(['a', 'b', 'c']), st.one_of(inner, st.booleans(), values)),
        'items': st.one_of(inner, values),
        'anyOf': st.lists(st.one_of(inner, values), max_size=2),
        'required': st.one_of(st.lists(st.sampled_from(['a', 'b']), max_size=3), values)})
    return st.one_of(leaf, nested)


def jsonschema_accepts(schema) -> bool:
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError:
        return False
    return True


@settings(max_examples=400, deadline=None)
@given(schemas())
def test_the_fast_check_agrees_with_the_meta_schema(schema):
    assert (schema_problem(schema) is None) == jsonschema_accepts(schema), schema_problem(schema)


def test_messages_name_the_place_and_the_fix():
    assert schema_problem({'type': 'object', 'properties': {'steps': {'type': 'strng'}}}) == (
        "'strng' is not a JSON Schema type (use one of: array, boolean, integer, null, number, object, string) "
        '(at properties/steps/type)')
    assert schema_problem({'required': 'steps'}) == 'must be an array of strings (at required)'
    assert schema_problem([]) == 'a schema must be an object or a boolean, not an array'
