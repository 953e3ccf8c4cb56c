"""The `input` kind: the mission's inputs, whose output is the object of field values."""
from __future__ import annotations

import json
import math
from collections.abc import Iterable
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from .spec import FieldSpec, NodeKind

FieldType = Literal['string', 'number', 'integer', 'boolean', 'object', 'array']


TRUE_WORDS, FALSE_WORDS = ('true', 'yes', 'y', 'on', '1'), ('false', 'no', 'n', 'off', '0')
TYPE_NAMES = {'string': 'a string', 'integer': 'an integer', 'number': 'a number', 'boolean': 'true or false',
              'object': 'a JSON object', 'array': 'a JSON array'}  # "… is not <name>"


def value_from_text(text: str, field_type: str) -> Any:
    """A value typed as text (a command line's --input, a CSV cell) as a field of `field_type`;
    `ValueError` if it is not one. Numbers keep the form typed (3 an integer, 3.0 a float)."""
    if field_type == 'string':
        return text
    text = text.strip()
    if field_type == 'integer':
        return int(text)
    if field_type == 'number':
        number = float(text)
        if not math.isfinite(number):
            raise ValueError(text)
        return int(number) if number.is_integer() and '.' not in text and 'e' not in text.lower() else number
    if field_type == 'boolean':
        if text.lower() not in TRUE_WORDS + FALSE_WORDS:
            raise ValueError(text)
        return text.lower() in TRUE_WORDS
    value = json.loads(text, parse_constant=refuse_json_constant)
    if not fits(value, field_type):
        raise ValueError(text)
    return value


def fits(value: Any, field_type: str) -> bool:
    """Whether a decoded JSON value is of `field_type` (true is no number)."""
    if isinstance(value, bool):
        return field_type == 'boolean'
    types = {'string': str, 'integer': int, 'number': (int, float), 'boolean': bool, 'object': dict,
             'array': list}[field_type]
    return isinstance(value, types)


def refuse_json_constant(name: str) -> Any:
    """For `json.loads(parse_constant=…)`: NaN and Infinity, which Python's json takes and JSON does not."""
    raise ValueError(f'{name} is not JSON')


class InputField(BaseModel):
    model_config = ConfigDict(extra='forbid', strict=True)  # types as the format says, never coerced
    name: str = Field(pattern=r'^[A-Za-z_][A-Za-z0-9_]*$')
    type: FieldType = 'string'
    description: str = ''
    default: Any = None


class InputConfig(BaseModel):
    model_config = ConfigDict(extra='forbid', strict=True)  # types as the format says, never coerced
    fields: list[InputField] = Field(default_factory=list)

    @field_validator('fields')
    @classmethod
    def _names_are_unique(cls, fields: list[InputField]) -> list[InputField]:
        seen: set[str] = set()
        for input_field in fields:
            if input_field.name in seen:
                raise ValueError(f'input field "{input_field.name}" appears twice')
            seen.add(input_field.name)
        return fields


async def run_input(step: Any) -> dict[str, Any]:
    """The values of this node's fields, from the run's inputs (defaults already applied)."""
    step.started()
    return {input_field.name: step.inputs.get(input_field.name, input_field.default)
            for input_field in step.config.fields}


def input_fields(nodes: Iterable[Any]) -> dict[str, InputField]:
    """Field name -> field, over every input node among `nodes` (the first node naming a field wins)."""
    fields: dict[str, InputField] = {}
    for node in nodes:
        if node.kind == 'input':
            for input_field in InputConfig.model_validate(node.config).fields:
                fields.setdefault(input_field.name, input_field)
    return fields


INPUT = NodeKind(
    name='input',
    label='Input',
    icon='input',
    description="The mission's inputs, filled in when it runs.",
    config_model=InputConfig,
    fields=(FieldSpec('fields', 'Input fields', 'fields',
                      help='Downstream templates read them as {{ <node id>.<field> }}.'),),
    has_inputs=False,
    run=run_input,
)
