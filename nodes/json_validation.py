"""Checking replies against a node's output schema: jsonschema's verdict, faster for common schemas.

jsonschema walks a schema anew for every instance (tens of microseconds for a small object).
A schema using only the keywords most output schemas use is compiled here, once, into nested
closures that give the same verdict (tests/test_engine.py holds them to jsonschema's on
generated schemas and instances). Any other keyword, and every error message, is jsonschema's.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

Check = Callable[[Any], bool]

# Keywords compiled here; annotations are accepted and ignored, as jsonschema does by default.
_ASSERTIONS = frozenset({'type', 'properties', 'required', 'additionalProperties', 'items', 'enum', 'const',
                         'minItems', 'maxItems', 'minLength', 'maxLength', 'minimum', 'maximum',
                         'exclusiveMinimum', 'exclusiveMaximum', 'uniqueItems'})
_ANNOTATIONS = frozenset({'title', 'description', 'default', 'examples', 'format', '$comment', 'deprecated',
                          'readOnly', 'writeOnly', '$schema', '$id', 'contentMediaType', 'contentEncoding'})
_TYPES: dict[str, Check] = {
    'object': lambda value: isinstance(value, dict),
    'array': lambda value: isinstance(value, list),
    'string': lambda value: isinstance(value, str),
    'boolean': lambda value: isinstance(value, bool),
    'null': lambda value: value is None,
    'number': lambda value: isinstance(value, (int, float)) and not isinstance(value, bool),
    'integer': lambda value: (isinstance(value, int) and not isinstance(value, bool))
    or (isinstance(value, float) and value.is_integer()),
}


class SchemaValidator:
    """`is_valid(value)` and `iter_errors(value)` for one schema, as jsonschema's validators have.

    jsonschema itself (tens of milliseconds to import) is loaded only when it is needed: for a
    schema that names another dialect or uses other keywords, or to explain an invalid value.
    """

    def __init__(self, schema: dict[str, Any]) -> None:
        self.schema = schema
        self._validator: Any = None
        # Without `$schema`, jsonschema validates with its latest dialect, 2020-12: the one compiled here.
        is_2020 = (not isinstance(schema, dict) or '$schema' not in schema
                   or self._jsonschema.META_SCHEMA.get('$id', '').startswith('https://json-schema.org/draft/2020-12'))
        self._check = _compile(schema) if is_2020 else None

    def is_valid(self, value: Any) -> bool:
        if self._check is not None:
            return self._check(value)
        return self._jsonschema.is_valid(value)

    def iter_errors(self, value: Any):
        return self._jsonschema.iter_errors(value)

    @property
    def _jsonschema(self) -> Any:
        if self._validator is None:
            from jsonschema.validators import validator_for
            self._validator = validator_for(self.schema)(self.schema)
        return self._validator


def _compile(schema: Any) -> Check | None:
    """A check equivalent to jsonschema's for `schema`, or None when it uses other keywords."""
    if schema is True:
        return lambda value: True
    if schema is False:
        return lambda value: False
    if not isinstance(schema, dict) or not set(schema) <= _ASSERTIONS | _ANNOTATIONS:
        return None
    checks: list[Check] = []

    kind = schema.get('type')
    if kind is not None:
        kinds = kind if isinstance(kind, list) else [kind]
        if not all(isinstance(name, str) and name in _TYPES for name in kinds):
            return None
        type_checks = [_TYPES[name] for name in kinds]
        checks.append(type_checks[0] if len(type_checks) == 1
                      else lambda value: any(check(value) for check in type_checks))
    if 'enum' in schema:
        options = schema['enum']
        if not isinstance(options, list):
            return None
        checks.append(lambda value: any(_equal(value, option) for option in options))
    if 'const' in schema:
        constant = schema['const']
        checks.append(lambda value: _equal(value, constant))

    properties = schema.get('properties', {})
    if not isinstance(properties, dict):
        return None
    property_checks = {}
    for name, subschema in properties.items():
        check = _compile(subschema)
        if check is None:
            return None
        property_checks[name] = check
    required = schema.get('required', [])
    extra = schema.get('additionalProperties', True)
    extra_check = _compile(extra)
    if extra_check is None or not isinstance(required, list):
        return None
    if property_checks or required or extra is not True:
        open_ended = extra is True

        def object_check(value: Any) -> bool:
            if not isinstance(value, dict):
                return True
            for name in required:
                if name not in value:
                    return False
            for name, item in value.items():
                check = property_checks.get(name)
                if check is not None:
                    if not check(item):
                        return False
                elif not open_ended and not extra_check(item):
                    return False
            return True
        checks.append(object_check)

    if 'items' in schema:
        item_check = _compile(schema['items'])
        if item_check is None:
            return None
        checks.append(lambda value: not isinstance(value, list) or all(item_check(item) for item in value))
    for keyword, applies, measure, compare in (
            ('minItems', list, len, lambda size, bound: size >= bound),
            ('maxItems', list, len, lambda size, bound: size <= bound),
            ('minLength', str, len, lambda size, bound: size >= bound),
            ('maxLength', str, len, lambda size, bound: size <= bound)):
        if keyword in schema:
            checks.append(_bounded(schema[keyword], applies, measure, compare))
    for keyword, compare in (('minimum', lambda number, bound: number >= bound),
                             ('maximum', lambda number, bound: number <= bound),
                             ('exclusiveMinimum', lambda number, bound: number > bound),
                             ('exclusiveMaximum', lambda number, bound: number < bound)):
        if keyword in schema:
            bound = schema[keyword]
            if isinstance(bound, bool) or not isinstance(bound, (int, float)):
                return None
            checks.append(lambda value, bound=bound, compare=compare: not _TYPES['number'](value)
                          or compare(value, bound))
    if schema.get('uniqueItems') is True:
        checks.append(lambda value: not isinstance(value, list) or _unique(value))

    if not checks:
        return lambda value: True
    if len(checks) == 1:
        return checks[0]
    return lambda value: all(check(value) for check in checks)


def _bounded(bound: Any, applies: type, measure: Callable, compare: Callable) -> Check:
    return lambda value: not isinstance(value, applies) or compare(measure(value), bound)


def _equal(one: Any, two: Any) -> bool:
    """JSON equality as jsonschema defines it: true is not 1, 1 is 1.0, containers compare deeply."""
    if one is two:
        return True
    if isinstance(one, str) or isinstance(two, str):
        return one == two
    if isinstance(one, list) and isinstance(two, list):
        return len(one) == len(two) and all(_equal(a, b) for a, b in zip(one, two))
    if isinstance(one, dict) and isinstance(two, dict):
        return one.keys() == two.keys() and all(_equal(one[key], two[key]) for key in one)
    if isinstance(one, bool) or isinstance(two, bool):
        return isinstance(one, bool) and isinstance(two, bool) and one == two
    if isinstance(one, (list, dict)) or isinstance(two, (list, dict)):
        return False
    return one == two


def _unique(items: list[Any]) -> bool:
    for index, item in enumerate(items):
        for other in items[index + 1:]:
            if _equal(item, other):
                return False
    return True
