"""Deterministic sample values for a JSON Schema, worded after the task they answer.

Used by the simulated provider to produce replies that satisfy a node's `output_schema`:
types, `required`, `enum`/`const`, arrays with their length bounds, nested objects, local
`$ref`s, `anyOf`/`oneOf`/`allOf`, numeric and length bounds and the common string formats.
A `pattern` is not reverse-engineered: such a reply may be refused by validation, as a real
model's might be.
"""
from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Callable
from typing import Any

_WORD = re.compile(r"[A-Za-z][A-Za-z0-9'-]*")
_STOP = frozenset('a an the of to and or for in on at by with as is are be it this that these those from into '
                  'your you we our reply only json value valid against schema following'.split())
_FORMATS = {'date': '2025-01-15', 'date-time': '2025-01-15T09:30:00Z', 'time': '09:30:00Z',
            'email': 'analyst@example.com', 'hostname': 'example.com', 'ipv4': '192.0.2.10',
            'ipv6': '2001:db8::10', 'duration': 'P3D'}


def task_words(text: str, limit: int = 12) -> list[str]:
    """The first meaningful words of a task, to word sample strings after it."""
    words = []
    for match in _WORD.finditer(text, 0, 40 * limit):  # the task's opening is enough
        word = match[0]
        if word.lower() not in _STOP:
            words.append(word)
            if len(words) == limit:
                break
    return words or ['the', 'task']


Maker = Callable[[list[str], int], Any]
MAX_SAMPLE_CHARS = 100_000  # a sampled string's length
MAX_SAMPLE_ITEMS = 10_000  # a sampled array's items


class SampleTooLarge(ValueError):
    """A schema whose smallest valid value is larger than a simulated reply may be."""


def compile_sampler(root: dict[str, Any]) -> Maker:
    """`(words, seed) -> a sample value for the schema `root``, worded after the task's `words`.

    Everything that depends only on the schema (which branch, which keys, how many items, the
    label of each string) is decided here, once; a call only does what depends on the task's
    words and the seed.
    """
    return _Compiler(root).compile(root, '', 0)


class _Compiler:
    # Past this depth (a recursive schema) the rest is compiled when a call reaches it, so that
    # compiling ends; a recursive schema's replies stop where only what is required is left.
    MAX_DEPTH = 12

    def __init__(self, root: dict[str, Any]) -> None:
        self.root = root

    def compile(self, schema: Any, name: str, depth: int) -> Maker:
        if depth > self.MAX_DEPTH:
            return lambda words, seed: self._compile(schema, name, depth)(words, seed)
        return self._compile(schema, name, depth)

    def _compile(self, schema: Any, name: str, depth: int) -> Maker:
        if schema is True or not isinstance(schema, dict):
            string = _string_maker(name, {})
            return lambda words, seed: string(words)
        if '$ref' in schema:
            return self.compile(self._resolve(schema['$ref']), name, depth)
        if 'const' in schema:
            constant = schema['const']
            return lambda words, seed: constant
        if 'enum' in schema and schema['enum']:
            options, offset, count = schema['enum'], len(name), len(schema['enum'])
            return lambda words, seed: options[(seed + offset) % count]
        for key in ('anyOf', 'oneOf'):
            if schema.get(key):
                options = [option for option in schema[key] if not _is_null(option)] or schema[key]
                return self.compile(options[0], name, depth)
        if schema.get('allOf'):
            return self.compile(self._merged(schema), name, depth)
        kind = _kind(schema)
        if kind == 'object':
            return self._compile_object(schema, depth)
        if kind == 'array':
            return self._compile_array(schema, name, depth)
        if kind in ('integer', 'number'):
            integer = kind == 'integer'
            if schema.get('minimum', schema.get('exclusiveMinimum')) is None and \
                    schema.get('maximum', schema.get('exclusiveMaximum')) is None:  # the seed chooses
                if integer:
                    return lambda words, seed: int(_number(schema, seed, True))
                return lambda words, seed: _number(schema, seed, False)
            constant = int(_number(schema, 0, True)) if integer else _number(schema, 0, False)
            return lambda words, seed: constant
        if kind == 'boolean':
            offset = len(name)
            return lambda words, seed: (seed + offset) % 4 != 3
        if kind == 'null':
            return lambda words, seed: None
        string = _string_maker(name, schema)
        return lambda words, seed: string(words)

    def _compile_object(self, schema: dict[str, Any], depth: int) -> Maker:
        properties = schema.get('properties') or {}
        required = list(schema.get('required') or ())
        names = list(properties) + [name for name in required if name not in properties]
        if depth > 6:  # a recursive schema: only what is required
            names = required
        makers = {name: self.compile(properties.get(name, {}), name, depth + 1) for name in names}
        minimum = schema.get('minProperties') or 0
        extra = schema.get('additionalProperties')
        keys, extras, index = set(makers), [], 0
        while len(keys) < minimum and extra is not False:
            index += 1
            keys.add(f'extra_{index}')
            extras.append((f'extra_{index}', self.compile(extra if isinstance(extra, dict) else {}, 'note', depth + 1)))
        pairs = tuple(makers.items())
        if not extras:
            return lambda words, seed: {key: make(words, seed) for key, make in pairs}

        def make_object(words: list[str], seed: int) -> dict[str, Any]:
            value = {key: make(words, seed) for key, make in pairs}
            for key, make in extras:
                value[key] = make(words, seed)
            return value
        return make_object

    def _compile_array(self, schema: dict[str, Any], name: str, depth: int) -> Maker:
        prefix = schema.get('prefixItems') or []
        items = schema.get('items', {})
        low = schema.get('minItems', 0)
        high = schema.get('maxItems')
        if isinstance(low, (int, float)) and low > MAX_SAMPLE_ITEMS:
            raise SampleTooLarge(f'the output schema asks for at least {low:,.0f} items in an array; a simulated '
                                 f'reply holds at most {MAX_SAMPLE_ITEMS:,}')
        low = int(low)
        high = None if high is None else int(high)
        count = max(low, len(prefix), 0 if depth > 6 else 3)
        if high is not None:
            count = min(count, high)
        if items is False:
            count = min(count, len(prefix))
        singular = name[:-1] if name.endswith('s') and len(name) > 3 else name
        unique = bool(schema.get('uniqueItems'))
        plan = []
        for index in range(count):
            item_schema = prefix[index] if index < len(prefix) else items
            plan.append((index, self.compile(item_schema, singular or 'item', depth + 1), _free_form(item_schema)))

        def make_array(words: list[str], seed: int) -> list[Any]:
            values = []
            for index, make, free in plan:
                value = make(words, seed)
                values.append(_indexed(words, value, index, unique) if free else value)
            if unique:
                seen: list[Any] = []
                values = [value for value in values if not (value in seen or seen.append(value))]
            return values
        return make_array


    def _merged(self, schema: dict[str, Any]) -> dict[str, Any]:
        """An `allOf` schema as one schema."""
        merged: dict[str, Any] = {key: value for key, value in schema.items() if key != 'allOf'}
        for part in schema['allOf']:
            part = self._resolve(part['$ref']) if isinstance(part, dict) and '$ref' in part else part
            if isinstance(part, dict):
                for key, value in part.items():
                    if key in ('properties',) and key in merged:
                        merged[key] = {**merged[key], **value}
                    elif key == 'required' and key in merged:
                        merged[key] = [*merged[key], *value]
                    else:
                        merged[key] = value
        return merged

    def _resolve(self, reference: str) -> Any:
        if not reference.startswith('#'):
            return {}
        target: Any = self.root
        for part in reference.lstrip('#/').split('/'):
            if not part:
                continue
            part = part.replace('~1', '/').replace('~0', '~')
            target = target.get(part, {}) if isinstance(target, dict) else {}
        return target


def _kind(schema: dict[str, Any]) -> str:
    kind = schema.get('type')
    if isinstance(kind, list):
        kind = next((item for item in kind if item != 'null'), 'null')
    if kind is None:
        kind = ('object' if 'properties' in schema else 'array' if 'items' in schema
                else 'string')
    return kind


def _indexed(words: list[str], value: Any, index: int, unique: bool) -> Any:
    # Array items differ from each other, as a model's would.
    if isinstance(value, str) and index:
        words = words[index % len(words):] + words[:index % len(words)]
        return f'{value.split(":")[0]}: {" ".join(words[:6])}' if ':' in value else f'{value} ({index + 1})'
    if unique and isinstance(value, (int, float)) and not isinstance(value, bool):
        return value + index
    return value


def _number(schema: dict[str, Any], seed: int, integer: bool) -> float:
    low = schema.get('minimum', schema.get('exclusiveMinimum'))
    high = schema.get('maximum', schema.get('exclusiveMaximum'))
    if low is not None and high is not None:
        value = (low + high) / 2
    elif low is not None:
        value = low + (3 if integer else 0.75)
    elif high is not None:
        value = high - (3 if integer else 0.25)
    else:
        value = 3 + seed % 5 if integer else 0.8
    if integer:
        value = int(value)
        if 'exclusiveMinimum' in schema and value <= schema['exclusiveMinimum']:
            value = int(schema['exclusiveMinimum']) + 1
        if 'exclusiveMaximum' in schema and value >= schema['exclusiveMaximum']:
            value = int(schema['exclusiveMaximum']) - 1
    step = schema.get('multipleOf')
    if step:
        value = round(value / step) * step
        if low is not None and value < low:
            value += step
        if high is not None and value > high:
            value -= step
    return value


def _string_maker(name: str, schema: dict[str, Any]) -> Callable[[list[str]], str]:
    """words -> the sample string for a property `name` of `schema` (what depends on the schema, worked out once)."""
    text_format = schema.get('format')
    if text_format in _FORMATS:
        constant = _FORMATS[text_format]
        return lambda words: constant
    if text_format in ('uri', 'url', 'iri'):
        return lambda words: 'https://example.com/' + '-'.join(word.lower() for word in words[:3])
    if text_format == 'uuid':
        return lambda words: str(uuid.UUID(hashlib.md5(' '.join(words).encode()).hexdigest()))
    label = name.replace('_', ' ').strip().lower()
    if label in ('title', 'name', 'headline', 'label', 'heading'):
        def make(words: list[str]) -> str:
            return ' '.join(word.capitalize() for word in words[:4])
    elif label in ('summary', 'description', 'answer', 'text', 'content', 'body', 'explanation',
                   'reason', 'rationale', 'analysis', 'overview', 'conclusion', 'finding', 'notes'):
        opening = f'{label.capitalize()} of '

        def make(words: list[str]) -> str:
            return f'{opening}{" ".join(words[:8])}: the main points are covered and checked.'
    elif label in ('step', 'item', 'task', 'point', 'idea', 'action', 'recommendation', 'bullet'):
        opening = f'{label.capitalize()}: '

        def make(words: list[str]) -> str:
            return opening + ' '.join(words[:8])
    elif label:
        opening = f'{label.capitalize()} for '

        def make(words: list[str]) -> str:
            return opening + ' '.join(words[:8])
    else:
        def make(words: list[str]) -> str:
            return ' '.join(words[:8])
    if schema.get('minLength', 0) == 0 and schema.get('maxLength') is None:
        return make
    low = schema.get('minLength', 0)
    if isinstance(low, (int, float)) and low > MAX_SAMPLE_CHARS:
        raise SampleTooLarge(f'the output schema asks for a string of at least {low:,.0f} characters; a '
                             f'simulated reply holds at most {MAX_SAMPLE_CHARS:,}')
    return lambda words: _fit(make(words), make(words), schema)


def _fit(text: str, fallback: str, schema: dict[str, Any] | None = None) -> str:
    schema = schema or {}
    low, high = int(schema.get('minLength', 0)), schema.get('maxLength')
    if len(text) < low:  # repeated as a whole, not grown a piece at a time (a long minimum is quadratic)
        text = ' '.join([text] + [fallback] * -(-(low - len(text)) // (len(fallback) + 1)))
    if high is not None:
        high = int(high)
        text = text[:high].rstrip() or text[:high]
    return text


def _free_form(schema: Any) -> bool:
    """Whether a schema leaves a value free to vary (no enum, const, format, pattern or bounds)."""
    if schema is True or schema == {}:
        return True
    return isinstance(schema, dict) and schema.get('type') in ('string', 'integer', 'number') and not (
        set(schema) & {'enum', 'const', 'format', 'pattern', 'maxLength', 'maximum', 'exclusiveMaximum', 'multipleOf',
                       '$ref', 'anyOf', 'oneOf', 'allOf'})


def _is_null(schema: Any) -> bool:
    return isinstance(schema, dict) and schema.get('type') == 'null'

