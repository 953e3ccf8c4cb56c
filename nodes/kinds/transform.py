"""The `transform` kind: a Jinja template over upstream outputs, applied without a model call.

Reshape, join or pick from upstream outputs for free: `{{ plan.steps | join("\\n") }}`. With
`as_json`, the rendered text must be a JSON value, and that value is the output (so downstream
templates can read its fields); otherwise the output is the text.
"""
from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ..templates import TemplateError, referenced_names
from .spec import FieldSpec, NodeKind, StepContext, StepFailed


class TransformConfig(BaseModel):
    model_config = ConfigDict(extra='forbid', strict=True)
    template: str = Field(min_length=1)
    as_json: bool = False


async def run_transform(step: StepContext) -> Any:
    """The template rendered over the outputs it names; parsed as JSON when `as_json`."""
    step.started()
    template = step.config.template
    from ..template_worker import render_contained  # not at import: loading the kinds stays cheap
    try:
        text = await render_contained(template, step.read(referenced_names(template)))
    except TemplateError as error:
        raise StepFailed(f'its template could not be rendered: {error}') from None
    if not step.config.as_json:
        return text
    try:
        return json.loads(text)
    except ValueError as error:
        raise StepFailed(f'its template did not render a JSON value ({error}); the text began: {text[:80]!r}') from None


TRANSFORM = NodeKind(
    name='transform',
    label='Transform',
    icon='transform',
    description='A template over upstream outputs, without a model call: reshape, join, pick.',
    config_model=TransformConfig,
    fields=(
        FieldSpec('template', 'Template', 'template', help='Jinja2 over upstream nodes: {{ plan.steps | join(", ") }}'),
        FieldSpec('as_json', 'Output', 'select', options=((False, 'text'), (True, 'a JSON value (parsed)'))),
    ),
    template_keys=('template',),
    starter_config={'template': 'Combine the upstream outputs here.'},
    run=run_transform,
)
