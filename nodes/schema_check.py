"""Is this a well-formed JSON Schema? A fast structural check of the 2020-12 keywords.

Checking a schema against the official meta-schema with `jsonschema` costs about a millisecond,
too slow for `validate` on thousands of nodes. This checks the same thing for every keyword of
the 2020-12 vocabularies (each keyword's value has the right shape, nested schemas recursively)
in microseconds, and names the place and the fix. Unknown keywords are allowed, as the
specification allows them. tests/test_schema_check.py holds it to `jsonschema`'s verdict.
"""
from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote

TYPES = ('array', 'boolean', 'integer', 'null', 'number', 'object', 'string')
_SCHEMA = ('items', 'additionalProperties', 'unevaluatedProperties', 'unevaluatedItems', 'contains',
           'propertyNames', 'not', 'if', 'then', 'else', 'contentSchema')
_SCHEMA_MAP = ('properties', 'patternProperties', '$defs', 'dependentSchemas')
_SCHEMA_LIST = ('prefixItems', 'allOf', 'anyOf', 'oneOf')
_COUNT = ('minLength', 'maxLength', 'minItems', 'maxItems', 'minProperties', 'maxProperties',
          'minContains', 'maxContains')
_NUMBER = ('minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum')
_STRING = ('$id', '$schema', '$ref', '$anchor', '$dynamicRef', '$dynamicAnchor', '$comment', 'title',
           'description', 'format', 'contentEncoding', 'contentMediaType')
_BOOLEAN = ('uniqueItems', 'deprecated', 'readOnly', 'writeOnly')


class SchemaShapeError(ValueError):
    """A schema that is not well formed; the message names where and why."""


MAX_DEPTH = 48  # objects and arrays inside each other in one schema
MAX_REFERENCE_STEPS = 10_000  # schemas visited while following every `$ref` to its end


def check_schema(schema: Any) -> None:
    """Raise `SchemaShapeError` if `schema` is not a well-formed JSON Schema (draft 2020-12), or
    one this app cannot use: nested deeper than `MAX_DEPTH`, or with a `$ref` that does not
    resolve within the schema or that refers back to a schema containing it (a recursive schema
    has no finite sample reply, and a model is asked for a finite one)."""
    referring = _check_depth(schema)
    _check(schema, '')
    if referring:
        _check_references(schema)


def _check_depth(schema: Any) -> bool:
    """Fail if the schema is too deep; else whether it holds a `$ref` (or a key of that name)."""
    referring = False
    stack = [(schema, 1)]
    while stack:  # without recursion: any depth gets its answer
        value, depth = stack.pop()
        if isinstance(value, dict):
            children = value.values()
            referring = referring or '$ref' in value
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > MAX_DEPTH:
            _fail('', f'the schema is nested more than {MAX_DEPTH} levels deep; flatten it with $defs')
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return referring


_DATA_KEYWORDS = frozenset({'enum', 'const', 'examples', 'default'})  # values, not schemas: no `$ref` there


def _check_references(root: Any) -> None:
    """Follow every `$ref` from the root; fail on one that does not resolve or that leads back
    into a schema it is inside of."""
    targets = _identified(root)
    on_path: set[int] = set()
    stack: list[tuple[Any, str, bool]] = [(root, '', False)]
    steps = 0
    while stack:
        value, at, leaving = stack.pop()
        if leaving:
            on_path.discard(id(value))
            continue
        if not isinstance(value, (dict, list)):
            continue
        steps += 1
        if steps > MAX_REFERENCE_STEPS:
            _fail(at, f'following its $refs visits more than {MAX_REFERENCE_STEPS:,} schemas; simplify it')
        on_path.add(id(value))
        stack.append((value, at, True))
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for key, child in items:
            if isinstance(value, dict) and key in _DATA_KEYWORDS:
                continue
            if key == '$ref' and isinstance(value, dict) and isinstance(child, str):
                target = _resolve(root, child, targets, f'{at}/$ref')
                if id(target) in on_path:
                    _fail(f'{at}/$ref', f'"{child}" refers to a schema that contains this $ref: a recursive '
                                        'schema is not supported (give the nesting a fixed depth)')
                stack.append((target, f'{at}/$ref', False))
            else:
                stack.append((child, f'{at}/{key}', False))


def _identified(root: Any) -> dict[str, Any]:
    """`#name` for each `$anchor` and each `$id` -> its schema."""
    found: dict[str, Any] = {}
    stack = [root]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            if isinstance(value.get('$anchor'), str):
                found[f'#{value["$anchor"]}'] = value
            if isinstance(value.get('$id'), str):
                found[value['$id']] = value
            stack.extend(child for key, child in value.items() if key not in _DATA_KEYWORDS)
        elif isinstance(value, list):
            stack.extend(value)
    return found


def _resolve(root: Any, reference: str, targets: dict[str, Any], at: str) -> Any:
    if reference in targets:
        return targets[reference]
    if not reference.startswith('#') or reference[1:2] not in ('', '/'):
        _fail(at, f'"{reference}" cannot be resolved: only references within the schema ("#/$defs/name", '
                  'or an $anchor or $id it defines) are supported')
    target = root
    for part in reference[1:].split('/')[1:]:
        part = unquote(part).replace('~1', '/').replace('~0', '~')
        if isinstance(target, dict) and part in target:
            target = target[part]
        elif isinstance(target, list) and part.isdigit() and int(part) < len(target):
            target = target[int(part)]
        else:
            _fail(at, f'"{reference}" cannot be resolved: the schema has nothing at that path')
    return target


def schema_problem(schema: Any) -> str | None:
    """The reason `schema` is not well formed, or None."""
    try:
        check_schema(schema)
    except SchemaShapeError as error:
        return str(error)
    return None


def _check(schema: Any, at: str) -> None:
    if isinstance(schema, bool):
        return
    if not isinstance(schema, dict):
        _fail(at, f'a schema must be an object or a boolean, not {_name(schema)}')
    for key, value in schema.items():
        here = f'{at}/{key}'
        if key == 'type':
            _check_type(value, here)
        elif key in _SCHEMA:
            _check(value, here)
        elif key in _SCHEMA_MAP:
            if not isinstance(value, dict):
                _fail(here, f'must be an object of schemas, not {_name(value)}')
            for name, subschema in value.items():
                if key == 'patternProperties':
                    _check_regex(name, here)
                _check(subschema, f'{here}/{name}')
        elif key in _SCHEMA_LIST:
            if not isinstance(value, list) or not value:
                _fail(here, 'must be a non-empty array of schemas')
            for index, subschema in enumerate(value):
                _check(subschema, f'{here}/{index}')
        elif key in _COUNT:
            if not _is_integer(value) or value < 0:
                _fail(here, f'must be a non-negative integer, not {value!r}')
        elif key in _NUMBER:
            if not _is_number(value):
                _fail(here, f'must be a number, not {_name(value)}')
        elif key == 'multipleOf':
            if not _is_number(value) or value <= 0:
                _fail(here, f'must be a number greater than 0, not {value!r}')
        elif key in _STRING:
            if not isinstance(value, str):
                _fail(here, f'must be a string, not {_name(value)}')
        elif key in _BOOLEAN:
            if not isinstance(value, bool):
                _fail(here, f'must be true or false, not {_name(value)}')
        elif key == 'required':
            _check_unique_strings(value, here)
        elif key == 'dependentRequired':
            if not isinstance(value, dict):
                _fail(here, f'must be an object of string arrays, not {_name(value)}')
            for name, names in value.items():
                _check_unique_strings(names, f'{here}/{name}')
        elif key in ('enum', 'examples'):
            if not isinstance(value, list):
                _fail(here, f'must be an array, not {_name(value)}')
        elif key == 'pattern':
            if not isinstance(value, str):
                _fail(here, f'must be a string, not {_name(value)}')
            _check_regex(value, here)
        elif key == '$vocabulary':
            if not isinstance(value, dict) or not all(isinstance(v, bool) for v in value.values()):
                _fail(here, 'must be an object of true/false values')


def _check_type(value: Any, at: str) -> None:
    names = value if isinstance(value, list) else [value]
    if isinstance(value, list) and (not value or len(set(map(str, value))) != len(value)):
        _fail(at, 'must be a type name or a non-empty array of distinct type names')
    for name in names:
        if name not in TYPES:
            _fail(at, f'{name!r} is not a JSON Schema type (use one of: {", ".join(TYPES)})')


def _check_unique_strings(value: Any, at: str) -> None:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        _fail(at, 'must be an array of strings')
    if len(set(value)) != len(value):
        _fail(at, 'must not name the same property twice')


def _check_regex(pattern: str, at: str) -> None:
    try:
        re.compile(pattern)
    except re.error as error:
        _fail(at, f'{pattern!r} is not a valid regular expression ({error})')


def _is_integer(value: Any) -> bool:
    return not isinstance(value, bool) and (isinstance(value, int) or isinstance(value, float) and value.is_integer())


def _is_number(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, (int, float))


def _name(value: Any) -> str:
    return {dict: 'an object', list: 'an array', str: 'a string', bool: 'a boolean', type(None): 'null'}.get(
        type(value), 'a number')


def _fail(at: str, message: str) -> None:
    raise SchemaShapeError(f'{message} (at {at.lstrip("/")})' if at else message)
