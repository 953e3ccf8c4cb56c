"""The `output` kind: collects its upstream outputs by id, or renders a template over them."""
from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from ..templates import TemplateError, referenced_names
from .spec import FieldSpec, NodeKind, StepFailed


class OutputConfig(BaseModel):
    model_config = ConfigDict(extra='forbid', strict=True)  # types as the format says, never coerced
    template: str | None = None


async def run_output(step: Any) -> Any:
    """The template rendered over the outputs it names, or the upstream outputs by node id."""
    step.started()
    template = step.config.template
    if not template:
        return step.read(step.predecessors)
    # Imported here: loading the kinds (validation, the editor) never pays for the worker's machinery.
    from ..template_worker import render_contained
    try:
        return await render_contained(template, step.read(referenced_names(template)))
    except TemplateError as error:
        raise StepFailed(f'its template could not be rendered: {error}') from None


OUTPUT = NodeKind(
    name='output',
    label='Output',
    icon='output',
    description="The mission's result: upstream outputs by id, or a template over them.",
    config_model=OutputConfig,
    fields=(FieldSpec('template', 'Template', 'template',
                      help='Optional; empty collects the upstream outputs by node id.'),),
    template_keys=('template',),
    has_outputs=False,
    run=run_output,
)
