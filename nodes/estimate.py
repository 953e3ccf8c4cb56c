"""What a mission will cost, before anything is called: per node and in total, as a range.

    estimate = await estimate_plan(plan, {'company': 'Acme'})   # or estimate_plan_now(...) outside a loop
    estimate.expected_usd, estimate.low_usd, estimate.high_usd, estimate.flagship_usd

How: the plan is walked in order, and every node's own run step runs against a dry context.
Input, transform and output nodes run as they do in a mission. An agent renders its prompts
as it would; its call is not made: the provider's `estimate_tokens` counts the messages and
guesses the reply (the simulated provider knows its reply; the live one sizes it from the
output schema, or a typical text reply), and a stand-in reply the simulated provider would
give (valid against the schema) feeds the nodes downstream, so their prompts are sized too.

Per agent, from its first call's tokens (`in`, `out`):
- low: one call at its route's starting tier and model (no retry, no escalation);
- high: every attempt its `max_retries` allow at every tier from its start up to tier 1, each
  retry's prompt longer by the rejected reply and the feedback;
- expected: the low figure, except that on the simulated provider a node's injected
  `invalid_json` faults are known in advance: their failed attempts (and any escalation they
  force) are counted;
- flagship: one call of the tier-1 primary with `in` and `out` (nodes.costs.FLAGSHIP_DEFINITION).

What it cannot know: how long a live model's reply will be, whether it will be valid (a live
retry or escalation shows up in `high` only), provider errors, and prompts whose size depends
on the values upstream models produce (the stand-ins have the schema's shape, not the model's
wording). A model nothing prices makes its nodes' figures unknown (None).
"""
from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .costs import savings_pct
from .kinds.agent_step import FEEDBACK
from .plan import MissionPlan
from .providers.base import Completion, CompletionRequest
from .tokens import count_text

FEEDBACK_TOKENS = count_text(FEEDBACK.format(error='the JSON does not match the schema at /x: a typical reason'))
ZERO = Decimal(0)
YIELD_EVERY = 50  # nodes estimated between turns of the event loop


@dataclass(frozen=True, slots=True)
class NodeEstimate:
    """One agent node's estimate; money None when its model is unpriced."""
    node_id: str
    tier: int
    reason: str | None  # the router's, for `tier: auto`
    model: str | None
    input_tokens: int
    output_tokens: int
    low_usd: Decimal | None
    expected_usd: Decimal | None
    high_usd: Decimal | None
    flagship_usd: Decimal | None
    max_attempts: int

    def to_dict(self) -> dict[str, Any]:
        return {'tier': self.tier, 'reason': self.reason, 'model': self.model, 'input_tokens': self.input_tokens,
                'output_tokens': self.output_tokens, 'low_usd': _float(self.low_usd),
                'expected_usd': _float(self.expected_usd), 'high_usd': _float(self.high_usd),
                'flagship_usd': _float(self.flagship_usd), 'max_attempts': self.max_attempts}


@dataclass(frozen=True, slots=True)
class MissionEstimate:
    """The estimate of a whole mission: its agents' estimates and their totals (of the priced ones)."""
    nodes: Mapping[str, NodeEstimate]
    simulated: bool

    def _total(self, name: str) -> Decimal:
        return sum((getattr(node, name) or ZERO for node in self.nodes.values()), ZERO)

    @property
    def low_usd(self) -> Decimal:
        return self._total('low_usd')

    @property
    def expected_usd(self) -> Decimal:
        return self._total('expected_usd')

    @property
    def high_usd(self) -> Decimal:
        return self._total('high_usd')

    @property
    def flagship_usd(self) -> Decimal:
        return self._total('flagship_usd')

    @property
    def unpriced_nodes(self) -> list[str]:
        return [node_id for node_id, node in self.nodes.items() if node.expected_usd is None]

    @property
    def savings_pct(self) -> float:
        """The expected saving against the flagship-only cost."""
        return savings_pct(self.expected_usd, self.flagship_usd)

    def to_dict(self) -> dict[str, Any]:
        return {'simulated': self.simulated, 'low_usd': float(self.low_usd),
                'expected_usd': float(self.expected_usd), 'high_usd': float(self.high_usd),
                'flagship_usd': float(self.flagship_usd), 'savings_pct': self.savings_pct,
                'unpriced_nodes': self.unpriced_nodes,
                'nodes': {node_id: node.to_dict() for node_id, node in self.nodes.items()}}


def estimate_plan_now(plan: MissionPlan, inputs: Mapping[str, Any]) -> MissionEstimate:
    """`estimate_plan` from code that has no event loop running (the CLI, a benchmark)."""
    return asyncio.run(estimate_plan(plan, inputs))


async def estimate_plan(plan: MissionPlan, inputs: Mapping[str, Any]) -> MissionEstimate:
    """The estimate of running `plan` with `inputs` (defaults applied already: the engine's
    `check_inputs`). Nothing is called; a node whose step fails in the dry run (a template that
    cannot render) is left out of the estimate, as the run would fail there."""
    outputs: dict[str, Any] = {}
    estimates: dict[str, NodeEstimate] = {}
    schemas: dict[str, tuple[str, Any]] = {}
    from .kinds.spec import StepFailed
    from .providers.simulated import SimulatedProvider
    stand_in = SimulatedProvider(latency_ms=0)
    for index, node_id in enumerate(plan.order):
        if index % YIELD_EVERY == YIELD_EVERY - 1:
            await asyncio.sleep(0)  # a large graph takes a second: the app's other pages keep going meanwhile
        planned = plan.nodes[node_id]
        if any(name not in outputs for name in planned.predecessors):
            continue  # downstream of a node that would fail
        step = _DryStep(plan, planned, inputs, outputs, schemas, stand_in)
        try:
            outputs[node_id] = await planned.kind.run(step)
        except StepFailed:
            continue
        if planned.route is not None and step.first is not None:
            estimates[node_id] = _node_estimate(plan, planned, *step.first)
    return MissionEstimate(estimates, plan.simulated)


def _node_estimate(plan: MissionPlan, planned: Any, input_tokens: int, output_tokens: int) -> NodeEstimate:
    route, config = planned.route, planned.config
    schedule = [(tier, retry) for tier in range(route.tier, 0, -1) for retry in range(config.max_retries + 1)]

    def cost(tier: int, retry: int, output: int) -> Decimal | None:
        entries = route.models.get(tier) or ()
        if not entries or not entries[0].price.known:
            return None
        prompt = input_tokens + retry * (output_tokens + FEEDBACK_TOKENS)
        return entries[0].price.cost(prompt, output)

    low = cost(route.tier, 0, output_tokens)
    high_parts = [cost(tier, retry, output_tokens) for tier, retry in schedule]
    high = None if any(part is None for part in high_parts) else sum(high_parts, ZERO)
    expected = low
    simulate = getattr(config, 'simulate', None)
    if plan.simulated and simulate is not None and simulate.fail_first and simulate.failure == 'invalid_json':
        # The simulated provider's faulty reply: two thirds of the JSON after a chatty prefix, or
        # an empty text reply.
        broken = output_tokens * 2 // 3 + count_text('Sure! Here is the JSON you asked for:\n') \
            if config.output_schema is not None else 0
        failed = schedule[:simulate.fail_first]
        succeeded = schedule[len(failed):len(failed) + 1]
        parts = [cost(tier, retry, broken) for tier, retry in failed]
        parts += [cost(tier, retry, output_tokens) for tier, retry in succeeded]
        expected = None if any(part is None for part in parts) else sum(parts, ZERO)
    flagship_price = plan.catalog.price(plan.catalog.flagship.model)
    flagship = flagship_price.cost(input_tokens, output_tokens) if flagship_price.known else None
    return NodeEstimate(planned.id, route.tier, route.reason, route.model, input_tokens, output_tokens,
                        low, expected, high, flagship, len(schedule))


class _DryStep:
    """A `StepContext` (nodes/kinds/spec.py) whose model calls are sized, not made."""

    def __init__(self, plan: MissionPlan, planned: Any, inputs: Mapping[str, Any], outputs: dict[str, Any],
                 schemas: dict[str, tuple[str, Any]], stand_in: Any) -> None:
        from .engine import RetryPolicy
        self.node_id = planned.id
        self.config = planned.config
        self.predecessors = planned.predecessors
        self.route = planned.route
        self.retry_policy = RetryPolicy()
        self._plan = plan
        self._inputs = inputs
        self._outputs = outputs
        self._schemas = schemas
        self._stand_in = stand_in
        self._attempts = 0
        self.first: tuple[int, int] | None = None  # (input, output) tokens of its first call

    @property
    def inputs(self) -> Mapping[str, Any]:
        return self._inputs

    @property
    def attempts(self) -> int:
        return self._attempts

    def read(self, node_ids: Iterable[str]) -> dict[str, Any]:
        return {node_id: self._outputs[node_id] for node_id in node_ids if node_id in self._outputs}

    def started(self, *args: Any, **kwargs: Any) -> None:
        pass

    def retrying(self, *args: Any, **kwargs: Any) -> None:
        pass

    def escalated(self, *args: Any, **kwargs: Any) -> None:
        pass

    def record(self, attempt: Any) -> None:
        self._attempts += 1

    async def complete(self, entry: Any, request: CompletionRequest) -> Completion:
        clean = dataclasses.replace(request, simulate=None)  # the estimate's path: no injected fault
        input_tokens, output_tokens = self._plan.provider.estimate_tokens(clean)
        if self.first is None:
            self.first = (input_tokens, output_tokens)
        # A reply of the schema's shape, so the nodes downstream render prompts of a likely size.
        return Completion(self._stand_in.reply(clean), input_tokens, output_tokens, request.model)

    def clock(self) -> float:
        return time.perf_counter()

    async def sleep(self, seconds: float) -> None:
        return None

    def schema_support(self, schema: dict) -> tuple[str, Any]:
        key = repr(schema)
        support = self._schemas.get(key)
        if support is None:
            from .json_schema import SchemaValidator
            # The engine's text of a schema in a prompt (engine._json_text).
            from .engine import _json_text
            support = self._schemas[key] = (_json_text(schema), SchemaValidator(schema))
        return support


def _float(value: Decimal | None) -> float | None:
    return None if value is None else float(value)
