"""The `output` kind: collects its upstream outputs by id, or renders a template over them."""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from .spec import FieldSpec, NodeKind


class OutputConfig(BaseModel):
    model_config = ConfigDict(extra='forbid')
    template: str | None = None


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
)
