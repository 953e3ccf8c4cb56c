"""The mission controller's typed events: what a run did, as it happens.

The engine emits one event per state change; the CLI progress display, the run recorder and
the UI subscribe. Events are small slotted dataclasses. `t` is `time.monotonic()` at the
moment of the change (RunStarted also carries the wall-clock `started_at`, so a subscriber
can convert). Money is a `Decimal` (exact: a run's cost is exactly the sum of its attempts);
`to_dict()` gives the JSON-ready form, with money as float and `type` naming the event.
"""
from __future__ import annotations

from dataclasses import dataclass, fields
from decimal import Decimal
from typing import Any, ClassVar


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, Attempt):
        return value.to_dict()
    return value


class Event:
    """Base of every event: `type` names it in `to_dict()`; every event has `run_id` and `t`."""
    __slots__ = ()
    type: ClassVar[str] = 'event'
    _names: ClassVar[tuple[str, ...]] = ()

    def to_dict(self) -> dict[str, Any]:
        names = type(self).__dict__.get('_names') or _field_names(type(self))
        result = {'type': self.type}
        for name in names:
            result[name] = _plain(getattr(self, name))
        return result


def _field_names(cls: type) -> tuple[str, ...]:
    cls._names = tuple(item.name for item in fields(cls))
    return cls._names


@dataclass(slots=True)
class Attempt:
    """One call of a model for an agent node, whatever its outcome.

    :param node_id: the agent node
    :param number: 1-based, counted across every tier of the node
    :param tier: the tier the call was made at
    :param model: the litellm model name called
    :param messages: the chat messages sent
    :param reply: the reply text (None when the provider failed)
    :param output: the parsed output when the reply was valid, else None
    :param error: why the attempt did not produce the output, else None
    :param error_kind: `invalid_output`, `rate_limit`, `server_error`, `timeout`, `refused` or None
    :param input_tokens: prompt tokens billed
    :param output_tokens: reply tokens billed
    :param cost_usd: the attempt's cost at the model's price (0 and `priced` False when nothing prices it)
    :param flagship_cost_usd: on the accepted attempt only, the node's flagship counterfactual
        (`nodes.costs.FLAGSHIP_DEFINITION`: its first prompt and this reply on the tier-1 primary); else 0
    :param latency_s: seconds the provider call took
    :param priced: False when its model has no price: its cost is unknown (`to_dict` gives None)
    """
    node_id: str
    number: int
    tier: int
    model: str
    messages: list[dict[str, str]]
    reply: str | None = None
    output: Any = None
    error: str | None = None
    error_kind: str | None = None
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: Decimal = Decimal(0)
    flagship_cost_usd: Decimal = Decimal(0)
    latency_s: float = 0.0
    priced: bool = True

    @property
    def ok(self) -> bool:
        return self.error is None

    def to_dict(self) -> dict[str, Any]:
        result = {item.name: _plain(getattr(self, item.name)) for item in fields(self)}
        if not self.priced:
            result['cost_usd'] = None
        return result


@dataclass(slots=True)
class RunStarted(Event):
    type: ClassVar[str] = 'run_started'
    run_id: str
    t: float
    started_at: float  # wall clock, seconds since the epoch
    graph_name: str
    node_count: int
    simulated: bool
    budget_usd: Decimal | None
    inputs: dict[str, Any]


@dataclass(slots=True)
class NodeQueued(Event):
    """All the node's upstream nodes are done: it is ready and will start as soon as it is scheduled."""
    type: ClassVar[str] = 'node_queued'
    run_id: str
    t: float
    node_id: str


@dataclass(slots=True)
class NodeStarted(Event):
    """The node started working; for an agent, at the tier and model of its first call (which may
    still wait for one of its provider's concurrency slots)."""
    type: ClassVar[str] = 'node_started'
    run_id: str
    t: float
    node_id: str
    tier: int | None = None
    model: str | None = None
    route_reason: str | None = None  # why the router chose the tier, for `tier: auto`


@dataclass(slots=True)
class AttemptFinished(Event):
    """One model call ended (successfully or not); carries the full record."""
    type: ClassVar[str] = 'attempt_finished'
    run_id: str
    t: float
    node_id: str
    attempt: Attempt


@dataclass(slots=True)
class NodeRetrying(Event):
    """The last attempt failed; the node tries again after `delay_s`."""
    type: ClassVar[str] = 'node_retrying'
    run_id: str
    t: float
    node_id: str
    tier: int
    model: str
    attempt: int  # the number the next attempt will have
    reason: str  # `invalid_output`, `rate_limit`, `server_error` or `timeout`
    error: str
    delay_s: float = 0.0


@dataclass(slots=True)
class NodeEscalated(Event):
    """Retries at one tier ran out; the node moves one tier up."""
    type: ClassVar[str] = 'node_escalated'
    run_id: str
    t: float
    node_id: str
    from_tier: int
    to_tier: int
    model: str
    error: str


@dataclass(slots=True)
class NodeSucceeded(Event):
    type: ClassVar[str] = 'node_succeeded'
    run_id: str
    t: float
    node_id: str
    output: Any
    tier: int | None = None
    model: str | None = None
    attempts: int = 0
    cost_usd: Decimal = Decimal(0)
    pinned: bool = False  # the output was given, no model was called
    cached: bool = False  # the output came from the cache of an unchanged node
    priced: bool = True  # False: a call was on an unpriced model, `cost_usd` is only the priced part


@dataclass(slots=True)
class NodeFailed(Event):
    type: ClassVar[str] = 'node_failed'
    run_id: str
    t: float
    node_id: str
    error: str
    tier: int | None = None
    model: str | None = None
    attempts: int = 0
    cost_usd: Decimal = Decimal(0)
    priced: bool = True


@dataclass(slots=True)
class NodeSkipped(Event):
    """The node did not run: an upstream node failed, the run was cancelled or went over budget."""
    type: ClassVar[str] = 'node_skipped'
    run_id: str
    t: float
    node_id: str
    reason: str
    attempts: int = 0
    cost_usd: Decimal = Decimal(0)
    priced: bool = True


@dataclass(slots=True)
class NodeCancelled(Event):
    """The node was running when the run was cancelled."""
    type: ClassVar[str] = 'node_cancelled'
    run_id: str
    t: float
    node_id: str
    tier: int | None = None
    model: str | None = None
    attempts: int = 0
    cost_usd: Decimal = Decimal(0)
    priced: bool = True


@dataclass(slots=True)
class CostUpdated(Event):
    """The run's running totals after an attempt was priced.

    `cost_usd` is the priced part: with `unpriced_nodes` > 0 the cost is at least that much, and
    `savings_pct` (on the priced part) is not a figure to show as such. `flagship_cost_usd` follows
    `nodes.costs.FLAGSHIP_DEFINITION`; it is unknown when `flagship_priced` is False."""
    type: ClassVar[str] = 'cost_updated'
    run_id: str
    t: float
    node_id: str
    cost_usd: Decimal
    flagship_cost_usd: Decimal
    savings_pct: float
    input_tokens: int
    output_tokens: int
    unpriced_nodes: int = 0
    flagship_priced: bool = True


@dataclass(slots=True)
class RunFinished(Event):
    type: ClassVar[str] = 'run_finished'
    run_id: str
    t: float
    status: str  # succeeded, failed, cancelled or over_budget
    cost_usd: Decimal
    flagship_cost_usd: Decimal
    savings_pct: float
    input_tokens: int
    output_tokens: int
    duration_s: float
    nodes_done: int = 0
    node_count: int = 0
    error: str | None = None
    unpriced_nodes: int = 0  # as in CostUpdated
    flagship_priced: bool = True


NODE_TERMINAL_EVENTS = (NodeSucceeded, NodeFailed, NodeSkipped, NodeCancelled)
EVENT_TYPES: dict[str, type[Event]] = {cls.type: cls for cls in (
    RunStarted, NodeQueued, NodeStarted, AttemptFinished, NodeRetrying, NodeEscalated, NodeSucceeded,
    NodeFailed, NodeSkipped, NodeCancelled, CostUpdated, RunFinished)}

__all__ = ['Attempt', 'AttemptFinished', 'CostUpdated', 'EVENT_TYPES', 'Event', 'NODE_TERMINAL_EVENTS',
           'NodeCancelled', 'NodeEscalated', 'NodeFailed', 'NodeQueued', 'NodeRetrying', 'NodeSkipped',
           'NodeStarted', 'NodeSucceeded', 'RunFinished', 'RunStarted']
