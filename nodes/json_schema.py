"""JSON Schema, through jsonschema-rs: is a schema usable, and does a reply satisfy it.

jsonschema-rs (a Rust implementation: every draft, 2020-12 by default, meta-schema validation,
`$ref` resolution, precise error paths) is fast enough that neither `validate` on thousands of
nodes nor a busy run needs a hand-written shortcut (benchmarks/bench_validate.py and
bench_engine.py measure both).

- `schema_problem(schema)`: why a node's output schema cannot be used (not valid against its
  meta-schema, or a `$ref` that does not resolve here: nothing is ever fetched), or None.
- `SchemaValidator(schema)`: `is_valid(value)`, and `explain(value)`: why a value does not match,
  naming where.
"""
from __future__ import annotations

from typing import Any

import jsonschema_rs

TYPES = ('array', 'boolean', 'integer', 'null', 'number', 'object', 'string')
MAX_DEPTH = 48  # objects and arrays inside each other in one schema: a bound on the work it makes


class SchemaValidator:
    """A compiled check of values against one schema.

    :param schema: a JSON Schema that `schema_problem` accepts (`ValueError` otherwise)
    """
    __slots__ = ('schema', '_validator')

    def __init__(self, schema: Any) -> None:
        self.schema = schema
        self._validator = _compile(schema)

    def is_valid(self, value: Any) -> bool:
        return self._validator.is_valid(value)

    def explain(self, value: Any) -> tuple[str, str] | None:
        """(where in `value`, what is wrong) for a value that does not match; None when it does.

        Of several errors, the one highest in the value is told: the first thing to fix.
        """
        errors = list(self._validator.iter_errors(value))
        if not errors:
            return None
        error = min(errors, key=lambda found: len(found.instance_path))
        return '/'.join(str(part) for part in error.instance_path), error.message


def schema_problem(schema: Any) -> str | None:
    """Why `schema` is not a usable JSON Schema, naming the place and the fix; None when it is."""
    if not isinstance(schema, (dict, bool)):
        return f'a schema must be an object or a boolean, not {_kind_of(schema)}'
    try:
        _compile(schema)
    except ValueError as error:
        return str(error)
    return None


def _compile(schema: Any) -> Any:
    """jsonschema-rs's validator for `schema`, which it checks against its meta-schema first; a
    `ValueError` says why it cannot be used. Nothing is fetched: a `$ref` or `$schema` naming a
    document elsewhere is refused, never retrieved (a graph file must not make the app call out).

    Equal schemas (by `repr`: same values, same key order) share one compilation: graphs repeat
    their schemas across nodes, and compiling one costs about a tenth of a millisecond.
    """
    try:
        key = repr(schema)
    except RecursionError:  # nested far beyond MAX_DEPTH
        raise ValueError(f'the schema is nested more than {MAX_DEPTH} levels deep; flatten it with $defs and $ref') \
            from None
    compiled = _compiled.get(key)
    if compiled is None:
        try:
            if _deeper_than(schema, MAX_DEPTH):
                raise ValueError(f'the schema is nested more than {MAX_DEPTH} levels deep; flatten it with $defs '
                                 'and $ref')
            compiled = jsonschema_rs.validator_for(schema, offline=True)
        except jsonschema_rs.ValidationError as error:
            compiled = ValueError(_meta_message(error, schema))
        except (jsonschema_rs.ReferencingError, ValueError, TypeError, OverflowError) as error:
            compiled = ValueError(_first_line(error))
        if len(_compiled) >= _COMPILED_KEPT:
            _compiled.clear()
        _compiled[key] = compiled
    if isinstance(compiled, ValueError):
        raise ValueError(str(compiled))
    return compiled


_COMPILED_KEPT = 4096
_compiled: dict[str, Any] = {}  # repr(schema) -> its validator, or the ValueError saying why there is none


def _deeper_than(value: Any, limit: int) -> bool:
    stack = [(value, 1)]
    while stack:  # without recursion: any depth gets its answer
        value, depth = stack.pop()
        children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
        for child in children:
            if isinstance(child, (dict, list)):
                if depth >= limit:
                    return True
                stack.append((child, depth + 1))
    return False


def _meta_message(error: Any, schema: Any) -> str:
    path = list(error.instance_path)
    where = '/'.join(str(part) for part in path)
    value = error.instance
    if not path and 'does not exist' in error.message or 'not present in a registry' in error.message:
        return f'a $ref cannot be resolved: {_first_line(error)}'
    if path and path[-1] == 'type' and _is_type_position(schema, path):
        names = value if isinstance(value, list) else [value]
        wrong = next((name for name in names if name not in TYPES), value)
        message = f'{wrong!r} is not a JSON Schema type (use one of: {", ".join(TYPES)})'
    else:
        message = error.message
    return f'{message} (at {where})' if where else message


def _is_type_position(schema: Any, path: list) -> bool:
    # `type` as a keyword, not a property called "type" inside `properties`.
    return len(path) < 2 or path[-2] not in ('properties', 'patternProperties', '$defs', 'dependentSchemas')


def _first_line(error: Exception) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


def _kind_of(value: Any) -> str:
    return {list: 'an array', str: 'a string', int: 'a number', float: 'a number', type(None): 'null'}.get(
        type(value), type(value).__name__)
