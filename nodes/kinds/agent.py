"""The `agent` kind: one LLM call routed to a model tier, with schema-checked output."""
from __future__ import annotations

from typing import Any, Awaitable, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from .spec import FieldSpec, NodeKind

Tier = Literal['auto', 1, 2, 3]
Failure = Literal['invalid_json', 'rate_limit', 'server_error', 'timeout']
TIER_NAMES = {1: 'high reasoning', 2: 'analytical / coding', 3: 'commodity / high-speed'}


class SimulateConfig(BaseModel):
    """Faults and latency that only the simulated provider reads."""
    model_config = ConfigDict(extra='forbid', strict=True)  # types as the format says, never coerced
    latency_ms: int | None = Field(default=None, ge=0)
    fail_first: int = Field(default=0, ge=0)
    failure: Failure = 'invalid_json'


class AgentConfig(BaseModel):
    model_config = ConfigDict(extra='forbid', strict=True)  # types as the format says, never coerced
    tier: Tier = 'auto'
    model: str | None = None
    system: str = ''
    prompt: str = Field(min_length=1)
    output_schema: dict[str, Any] | None = None
    max_retries: int = Field(default=2, ge=0, le=20)
    temperature: float | None = Field(default=None, ge=0, le=2)
    simulate: SimulateConfig = Field(default_factory=SimulateConfig)

    @field_validator('tier', mode='before')
    @classmethod
    def _tier_is_not_a_bool(cls, value: Any) -> Any:
        # True == 1 in Python; a file saying `"tier": true` is a mistake, not tier 1.
        if isinstance(value, bool) or isinstance(value, float):
            raise ValueError(f'tier must be "auto", 1, 2 or 3, not {value!r}')
        return value


def run_agent(step: Any) -> Awaitable[Any]:
    # The logic lives in agent_step.py beside this file, imported on first run so that loading
    # the kinds (validation, the editor) never pays for it. Its coroutine is returned, not wrapped.
    from .agent_step import run_agent as run
    return run(step)


AGENT = NodeKind(
    name='agent',
    label='Agent',
    icon='smart_toy',
    description='One model call, routed to a tier; JSON output checked against a schema.',
    config_model=AgentConfig,
    fields=(
        FieldSpec('tier', 'Tier', 'select',
                  options=(('auto', 'auto (router decides)'), (1, '1 · high reasoning'),
                           (2, '2 · analytical / coding'), (3, '3 · commodity / fast'))),
        FieldSpec('model', 'Model override', 'text', help="A litellm model name; empty uses the tier's primary."),
        FieldSpec('system', 'System prompt', 'template'),
        FieldSpec('prompt', 'Prompt', 'template', help='Jinja2; name upstream nodes: {{ plan.steps }}'),
        FieldSpec('output_schema', 'Output schema', 'json', help='JSON Schema; empty means plain text output.'),
        FieldSpec('max_retries', 'Max retries', 'integer', help='Retries with feedback before escalating a tier.'),
        FieldSpec('temperature', 'Temperature', 'number'),
        FieldSpec('simulate', 'Simulation faults', 'json',
                  help='Simulated provider only: latency_ms, fail_first, failure.'),
    ),
    template_keys=('system', 'prompt'),
    starter_config={'tier': 'auto', 'prompt': 'Describe the task for this agent.'},
    calls_model=True,
    run=run_agent,
)
