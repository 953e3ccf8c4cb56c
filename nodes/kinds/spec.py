"""What a node kind declares: its config model, its ports, its inspector fields, its run step;
and what its run step sees of a run (`StepContext`).

The UI renders nodes and the inspector from this spec and never special-cases a kind. A new
kind is one module beside this one plus a line in the registry (kinds/__init__.py): its run
step needs nothing but the `StepContext` it is given (docs/architecture.md, "Add a node kind").
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Literal, Protocol

from pydantic import BaseModel

if TYPE_CHECKING:  # types only: a kind module imports nothing of the engine
    from ..catalog import ModelEntry
    from ..events import Attempt
    from ..providers.base import Completion, CompletionRequest


class StepFailed(Exception):
    """Raised by a run step when its node cannot produce an output; the message says why, for a person."""


class StepContext(Protocol):
    """What a kind's run step sees of the run: its node, its inputs, and a few narrow services.

    The engine makes one per node run. A step reads, reports and (for kinds that call a model)
    calls through it, and nothing else: it never reaches the controller, the catalog or the
    provider directly, so the engine can change how those work without touching a kind.
    """
    node_id: str
    config: Any  # the node's parsed config (an instance of its kind's `config_model`)
    predecessors: tuple[str, ...]
    route: Any  # an agent's `nodes.plan.Route` (starting tier, reason, models per tier); None otherwise
    retry_policy: Any  # the run's `RetryPolicy` for provider errors

    @property
    def inputs(self) -> Mapping[str, Any]:
        """The run's input values, defaults applied."""

    @property
    def attempts(self) -> int:
        """How many model calls this node has made so far."""

    def read(self, node_ids: Iterable[str]) -> dict[str, Any]:
        """node id -> output of upstream nodes (all done when the step runs)."""

    def started(self, tier: int | None = None, model: str | None = None, route_reason: str | None = None) -> None:
        """Report that the node has started working (a model-calling kind: at this tier and model)."""

    def retrying(self, tier: int, model: str, reason: str, error: str, delay_s: float = 0.0) -> None:
        """Report a retry of the node's call, and why."""

    def escalated(self, from_tier: int, to_tier: int, model: str, error: str) -> None:
        """Report that the node moved up a tier."""

    def record(self, attempt: Attempt) -> None:
        """Add one model call to the node's record (the run prices it and emits it)."""

    async def complete(self, entry: ModelEntry, request: CompletionRequest) -> Completion:
        """Make one model call within the run's budget and concurrency limits.

        Raises the provider's `ProviderError`, or the run's over-budget refusal (let it through:
        the engine ends the run).
        """

    def clock(self) -> float:
        """Seconds, for measuring a call's latency."""

    async def sleep(self, seconds: float) -> None:
        """Wait (a back-off); returns at once in runs that skip waiting."""

    def schema_support(self, schema: dict) -> tuple[str, Any]:
        """(`schema` as JSON text for prompts, its compiled validator), shared by equal schemas."""


Editor = Literal['text', 'textarea', 'template', 'json', 'select', 'number', 'integer', 'fields']


@dataclass(frozen=True)
class FieldSpec:
    """One editable config key as the inspector shows it.

    :param key: the config key
    :param label: what the inspector calls it
    :param editor: which editor widget edits it
    :param options: the choices of a `select` editor, as (value, label) pairs
    :param help: one line shown under the editor
    """
    key: str
    label: str
    editor: Editor
    options: tuple[tuple[Any, str], ...] = ()
    help: str = ''


@dataclass(frozen=True)
class NodeKind:
    """A registered node kind.

    :param name: the `kind` string in graph files
    :param label: the palette's name for it
    :param icon: a Material icon name
    :param description: one line for the palette
    :param config_model: the pydantic model that validates `config`
    :param fields: the inspector's editors, in order
    :param template_keys: config keys holding Jinja templates over upstream outputs
    :param has_inputs: whether edges may enter it (a target handle)
    :param has_outputs: whether edges may leave it (a source handle)
    :param starter_config: the config a node dropped from the palette starts with
    :param calls_model: whether it calls a model: the plan gives it a `Route` (tier, models),
        and it counts on the critical path
    :param run: the async step that produces the node's output: `await run(step)` with a
        `StepContext`; it raises `StepFailed` when the node cannot produce one
    """
    name: str
    label: str
    icon: str
    description: str
    config_model: type[BaseModel]
    fields: tuple[FieldSpec, ...] = ()
    template_keys: tuple[str, ...] = ()
    has_inputs: bool = True
    has_outputs: bool = True
    starter_config: dict[str, Any] = field(default_factory=dict)
    calls_model: bool = False
    run: Callable[..., Awaitable[Any]] | None = field(default=None, compare=False)

    def parse_config(self, config: dict[str, Any]) -> BaseModel:
        """The validated config (pydantic `ValidationError` if it is not valid)."""
        return self.config_model.model_validate(config)

    def new_config(self) -> dict[str, Any]:
        """A fresh copy of the config a new node of this kind starts with."""
        return copy.deepcopy(self.starter_config)
