"""The compiled reply check gives jsonschema's verdict, on generated schemas and instances."""
from hypothesis import given, settings, strategies as st
from jsonschema import Draft202012Validator

from nodes.json_validation import SchemaValidator, _compile

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


@settings(max_examples=800, deadline=None)
@given(schemas(), values)
def test_the_compiled_check_agrees_with_jsonschema(schema, value):
    check = _compile(schema)
    assert check is not None
    assert check(value) == Draft202012Validator(schema).is_valid(value)


def test_json_equality_is_jsonschemas():
    enum = _compile({'enum': [1, [True], {'a': 0}]})
    assert enum(1) and enum(1.0) and not enum(True)
    assert enum([True]) and not enum([1])
    assert enum({'a': 0.0}) and not enum({'a': False})
    unique = _compile({'uniqueItems': True})
    assert unique([1, True]) and not unique([1, 1.0]) and not unique([{'a': [1]}, {'a': [1.0]}])


def test_other_keywords_are_left_to_jsonschema():
    schema = {'type': 'object', 'properties': {'code': {'type': 'string', 'pattern': '^[A-Z]{3}$'}}}
    assert _compile(schema) is None
    validator = SchemaValidator(schema)
    assert validator.is_valid({'code': 'ABC'}) and not validator.is_valid({'code': 'abc'})
    assert "'abc' does not match" in next(validator.iter_errors({'code': 'abc'})).message


def test_an_older_draft_is_checked_by_jsonschema_with_its_own_rules():
    schema = {'$schema': 'http://json-schema.org/draft-07/schema#', 'type': 'array', 'items': [{'type': 'string'}]}
    validator = SchemaValidator(schema)
    assert validator.is_valid(['a', 1]) and not validator.is_valid([1])
