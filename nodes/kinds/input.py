"""The `input` kind: the mission's inputs, whose output is the object of field values."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from .spec import FieldSpec, NodeKind

FieldType = Literal['string', 'number', 'integer', 'boolean', 'object', 'array']


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
