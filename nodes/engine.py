"""The mission controller: runs a compiled graph, node by node as soon as each one's inputs are ready.

    plan = compile_graph(graph, provider=SimulatedProvider())   # nodes/plan.py
    controller = MissionController(plan, subscribers=[print])
    summary = await controller.run({'company': 'Acme'})
    summary.to_dict()  # the run summary (README, The command line: `run --json`)

- A node starts as soon as all its upstream nodes have succeeded (not layer by layer); model
  calls are limited per provider (`concurrency`). A node whose upstream node failed is
  skipped, with the reason.
- `cancel()` stops the run: running nodes end `cancelled`, nodes not started are skipped.
- With `budget_usd`, a call whose estimated cost would take the run over budget is refused;
  the run ends `over_budget`, keeping what was done (calls already in flight finish).
- `pinned` outputs are used as given (no model call); with a `cache`, a node whose
  signature (`MissionPlan.signature`) is unchanged reuses its stored output.
- Every state change is an event (nodes/events.py) passed to each subscriber, in order,
  synchronously: subscribers must be quick (queue work for later if it is slow).

The graph was validated when it was compiled (`compile_graph` raises `InvalidGraphError`);
inputs are checked against the input nodes' fields before anything runs (`InputError`). A
kind's run step sees the run only through its `StepContext` (`_Step` here).
"""
from __future__ import annotations

import asyncio
import heapq
import json
import logging
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, MutableMapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from .catalog import ModelEntry
from .costs import FLAGSHIP_DEFINITION, ZERO, savings_pct
from .events import (Attempt, AttemptFinished, CostUpdated, Event, NodeCancelled, NodeEscalated, NodeFailed,
                     NodeQueued, NodeRetrying, NodeSkipped, NodeStarted, NodeSucceeded, RunFinished, RunStarted)
from .kinds.spec import StepFailed
from .plan import InvalidGraphError, MissionPlan, PlannedNode, compile_graph  # noqa: F401 (re-exported)
from .providers.base import Completion, CompletionRequest
from .templates import TemplateError

log = logging.getLogger(__name__)

Subscriber = Callable[[Event], Any]
TERMINAL = frozenset({'succeeded', 'failed', 'skipped', 'cancelled'})
# json.dumps(value, ensure_ascii=False), without an encoder made per call.
_json_text = json.JSONEncoder(ensure_ascii=False).encode
_JSON_TYPES: dict[str, tuple[type, ...]] = {'string': (str,), 'number': (int, float), 'integer': (int,),
                                            'boolean': (bool,), 'object': (dict,), 'array': (list,)}


class InputError(ValueError):
    """The run's inputs do not fit the graph's input fields; `problems` lists every sentence."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__('; '.join(problems))
        self.problems = problems


class UnpricedModel(ValueError):
    """A run with a budget may call a model that nothing prices: it is refused before any call."""


class OverBudget(Exception):
    """A call was refused: its estimated cost would take the run over its budget."""


@dataclass(frozen=True)
class RetryPolicy:
    """How provider errors (rate limit, 5xx, timeout) are retried: per model, with back-off.

    :param provider_retries: retries of one model after a provider error, before falling back
        to the tier's next model (default: 3)
    :param base_delay_s: first back-off; it doubles on each retry (default: 0.5)
    :param max_delay_s: the longest wait, also capping a server's retry-after (default: 30)
    """
    provider_retries: int = 3
    base_delay_s: float = 0.5
    max_delay_s: float = 30.0

    def delay_s(self, retry: int, retry_after: float | None = None) -> float:
        """Seconds to wait before retry number `retry` (0-based); a server's retry-after wins."""
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.max_delay_s)
        return min(self.base_delay_s * 2 ** retry, self.max_delay_s)


@dataclass(slots=True)
class NodeResult:
    """What became of one node in a run. `attempts` holds every model call, all tiers."""
    node_id: str
    kind: str
    status: str = 'pending'  # pending, queued, running, succeeded, failed, skipped, cancelled
    tier: int | None = None
    model: str | None = None
    attempts: list[Attempt] = field(default_factory=list)
    cost_usd: Decimal = ZERO  # of its priced attempts; the whole cost only when not `unpriced`
    flagship_cost_usd: Decimal = ZERO  # one flagship call: see `nodes.costs.FLAGSHIP_DEFINITION`
    input_tokens: int = 0
    output_tokens: int = 0
    unpriced: bool = False  # an attempt was made on a model nothing prices: its cost is unknown
    has_flagship: bool = False  # it has an accepted reply, priced on a priced flagship
    output: Any = None
    error: str | None = None  # why it failed, was skipped or cancelled
    pinned: bool = False
    cached: bool = False
    signature: str | None = None
    started_t: float | None = None
    finished_t: float | None = None

    @property
    def savings_pct(self) -> float | None:
        """Its saving against one flagship call; None when either side is unknown (may be negative)."""
        if self.unpriced or not self.has_flagship:
            return None
        return savings_pct(self.cost_usd, self.flagship_cost_usd)

    def to_dict(self) -> dict[str, Any]:
        """The node entry of the run summary (`cost_usd` None: unpriced, its cost is unknown)."""
        return {'status': self.status, 'tier': self.tier, 'model': self.model, 'attempts': len(self.attempts),
                'cost_usd': None if self.unpriced else float(self.cost_usd),
                'flagship_cost_usd': float(self.flagship_cost_usd) if self.has_flagship else None,
                'savings_pct': self.savings_pct, 'output': self.output, 'error': self.error}


@dataclass(slots=True)
class RunSummary:
    """The result of a run; `to_dict()` is the run summary `swarm-studio run --json` prints."""
    run_id: str
    status: str  # succeeded, failed, cancelled or over_budget
    simulated: bool
    cost_usd: Decimal
    flagship_cost_usd: Decimal
    input_tokens: int
    output_tokens: int
    nodes: dict[str, NodeResult]
    outputs: dict[str, Any]
    started_at: float
    duration_s: float
    unpriced_nodes: tuple[str, ...] = ()  # nodes whose cost is unknown: `cost_usd` is a lower bound
    flagship_priced: bool = True

    @property
    def cost_complete(self) -> bool:
        return not self.unpriced_nodes

    @property
    def savings_pct(self) -> float:
        """The saving on the priced part (an upper bound when the cost is incomplete)."""
        return savings_pct(self.cost_usd, self.flagship_cost_usd)

    def __repr__(self) -> str:
        # Short: asyncio may repr a finished task's result, and a large run's nodes are many.
        return (f'RunSummary(run_id={self.run_id!r}, status={self.status!r}, cost_usd={self.cost_usd}, '
                f'nodes=<{len(self.nodes)} nodes>)')

    def to_dict(self) -> dict[str, Any]:
        known = self.cost_complete and self.flagship_priced
        return {'run_id': self.run_id, 'status': self.status, 'simulated': self.simulated,
                'cost_usd': float(self.cost_usd), 'cost_complete': self.cost_complete,
                'unpriced_nodes': list(self.unpriced_nodes),
                'flagship_cost_usd': float(self.flagship_cost_usd) if self.flagship_priced else None,
                'savings_pct': self.savings_pct if known else None, 'flagship_definition': FLAGSHIP_DEFINITION,
                'tokens': {'input': self.input_tokens, 'output': self.output_tokens},
                'nodes': {node_id: result.to_dict() for node_id, result in self.nodes.items()},
                'outputs': self.outputs}


class _NoLimit:
    async def __aenter__(self) -> None:
        return None

    async def __aexit__(self, *exc: Any) -> None:
        return None


_NO_LIMIT = _NoLimit()


class _NodeRun:
    """A planned node in one run: how many upstream nodes it still waits for, its result, its task."""
    __slots__ = ('planned', 'waiting', 'result', 'task')

    def __init__(self, planned: PlannedNode) -> None:
        self.planned = planned
        self.waiting = len(planned.predecessors)
        self.result = NodeResult(planned.node.id, planned.node.kind)
        self.task: asyncio.Task | None = None


class _Step:
    """The `StepContext` (nodes/kinds/spec.py) of one node run: all a kind's run step sees of the run."""
    __slots__ = ('node_id', 'config', 'predecessors', 'route', 'retry_policy', '_mission', '_run', '_started')

    def __init__(self, mission: MissionController, run: _NodeRun) -> None:
        planned = run.planned
        self.node_id = planned.node.id
        self.config = planned.config
        self.predecessors = planned.predecessors
        self.route = planned.route
        self.retry_policy = mission.retry_policy
        self._mission = mission
        self._run = run
        self._started = False

    @property
    def inputs(self) -> dict[str, Any]:
        return self._mission.inputs

    @property
    def attempts(self) -> int:
        return len(self._run.result.attempts)

    def read(self, node_ids: Iterable[str]) -> dict[str, Any]:
        outputs = self._mission.outputs
        # A name that is no node's (a Jinja global a template reads, like `range`) is left to Jinja.
        return {node_id: outputs[node_id] for node_id in node_ids if node_id in outputs}

    def started(self, tier: int | None = None, model: str | None = None, route_reason: str | None = None) -> None:
        if self._started:
            return
        self._started = True
        result = self._run.result
        result.tier, result.model = tier, model
        mission = self._mission
        if mission._subscribers:
            mission._emit(NodeStarted(mission.run_id, time.monotonic(), self.node_id, tier, model, route_reason))

    def retrying(self, tier: int, model: str, reason: str, error: str, delay_s: float = 0.0) -> None:
        mission = self._mission
        if mission._subscribers:
            mission._emit(NodeRetrying(mission.run_id, time.monotonic(), self.node_id, tier, model,
                                       self.attempts + 1, reason, error, delay_s))

    def escalated(self, from_tier: int, to_tier: int, model: str, error: str) -> None:
        mission = self._mission
        self._run.result.tier, self._run.result.model = to_tier, model
        if mission._subscribers:
            mission._emit(NodeEscalated(mission.run_id, time.monotonic(), self.node_id, from_tier, to_tier,
                                        model, error))

    def record(self, attempt: Attempt) -> None:
        self._mission._record(self._run.result, attempt)

    async def complete(self, entry: ModelEntry, request: CompletionRequest) -> Completion:
        mission = self._mission
        reservation = mission._reserve(request)  # raises OverBudget: the engine ends the run
        try:
            async with mission._slot(entry):
                return await mission.provider.complete(request)
        finally:
            mission._release_reservation(reservation)

    def clock(self) -> float:
        return self._mission.clock()

    def sleep(self, seconds: float) -> Any:
        return self._mission.sleep(seconds)

    def schema_support(self, schema: dict) -> tuple[str, Any]:
        return self._mission._schema_support(schema)


class MissionController:
    """Runs one mission of a compiled graph. Make a new controller for each run.

    :param plan: the graph compiled for a provider and catalog (`nodes.plan.compile_graph`)
    :param budget_usd: refuse calls that would take the run's cost over this many USD
    :param concurrency: calls in flight per provider: one limit for every provider, or
        provider name -> limit (default: the provider's `default_concurrency`)
    :param subscribers: callables receiving every event, in order
    :param pinned: node id -> output used as given, without running the node
    :param cache: signature -> output; unchanged nodes reuse it, finished nodes fill it
    :param retry_policy: back-off of provider errors (default: `RetryPolicy()`)
    :param run_id: the run's id (default: a new random one)
    """

    def __init__(self, plan: MissionPlan, *, budget_usd: float | Decimal | None = None,
                 concurrency: int | Mapping[str, int] | None = None, subscribers: Iterable[Subscriber] = (),
                 pinned: Mapping[str, Any] | None = None, cache: MutableMapping[str, Any] | None = None,
                 retry_policy: RetryPolicy | None = None, run_id: str | None = None) -> None:
        if not isinstance(plan, MissionPlan):
            raise TypeError('MissionController runs a compiled plan: pass compile_graph(graph, catalog, provider)')
        self.plan = plan
        self.graph = plan.graph
        self.provider = plan.provider
        self.catalog = plan.catalog
        self.retry_policy = retry_policy or RetryPolicy()
        self.run_id = run_id or uuid.uuid4().hex
        self.budget_usd = None if budget_usd is None else Decimal(str(budget_usd))
        self.pinned = dict(pinned or {})
        self.cache = cache
        self._subscribers: list[Subscriber] = list(subscribers)
        self._concurrency = concurrency
        self._slots: dict[str, asyncio.Semaphore | _NoLimit] = {}  # provider (or base URL) -> its limit
        self._slot_of: dict[ModelEntry, asyncio.Semaphore | _NoLimit] = {}
        self._schemas: dict[str, tuple[str, Any]] = {}
        self._schemas_by_id: dict[int, tuple[dict, tuple[str, Any]]] = {}
        self._flagship_price = self.catalog.price(self.catalog.flagship.model)
        self.clock = time.perf_counter
        self.sleep = asyncio.sleep

        self._plan: dict[str, _NodeRun] = {node_id: _NodeRun(planned) for node_id, planned in plan.nodes.items()}
        unknown = [node_id for node_id in self.pinned if node_id not in self._plan]
        if unknown:
            raise ValueError(f'pinned node "{unknown[0]}" is not in the graph')
        if self.budget_usd is not None:
            self._refuse_unpriced()

        self.inputs: dict[str, Any] = {}
        self.outputs: dict[str, Any] = {}
        self._cost = ZERO
        self._flagship_cost = ZERO
        self._reserved = ZERO
        self._unpriced: dict[str, None] = {}  # node ids whose cost is unknown, in the order found
        self._input_tokens = 0
        self._output_tokens = 0
        self._done = 0
        self._stop_reason: str | None = None
        self._cancelled = False
        self._over_budget = False
        self._ran = False
        self._finished: asyncio.Future | None = None
        self._ready: list[tuple[int, int, str]] = []
        self._ready_count = 0
        self._dispatch_scheduled = False

    # -- public API ---------------------------------------------------------------------------

    @property
    def simulated(self) -> bool:
        return bool(getattr(self.provider, 'simulated', False))

    def subscribe(self, subscriber: Subscriber) -> None:
        """Add a subscriber; it receives every later event."""
        self._subscribers.append(subscriber)

    def input_fields(self) -> dict[str, Any]:
        """Field name -> `InputField`, over every input node of the graph."""
        return dict(self.plan.input_fields)

    def check_inputs(self, inputs: Mapping[str, Any] | None) -> dict[str, Any]:
        """The run's input values with defaults applied; `InputError` naming every problem."""
        inputs = dict(inputs or {})
        fields = self.input_fields()
        problems = []
        for name in inputs:
            if name not in fields:
                known = ', '.join(fields) or 'none'
                problems.append(f'unknown input "{name}" (this graph\'s inputs: {known})')
        values = {}
        for name, input_field in fields.items():
            if name in inputs:
                value = inputs[name]
                types = _JSON_TYPES[input_field.type]
                if isinstance(value, bool) and input_field.type != 'boolean' or not isinstance(value, types):
                    problems.append(f'input "{name}" must be {_a(input_field.type)}, '
                                    f'not {json.dumps(value, default=repr)}')
                values[name] = value
            elif input_field.default is not None:
                values[name] = input_field.default
            else:
                problems.append(f'missing input "{name}" ({_a(input_field.type)}'
                                f'{": " + input_field.description if input_field.description else ""})')
        if problems:
            raise InputError(problems)
        return values

    async def run(self, inputs: Mapping[str, Any] | None = None) -> RunSummary:
        """Run the mission to the end (or until cancelled, or over budget); return its summary."""
        if self._ran:
            raise RuntimeError('a MissionController runs once; make a new one for another run')
        self.inputs = self.check_inputs(inputs)  # bad inputs leave the controller ready to try again
        self._ran = True
        loop = asyncio.get_running_loop()
        self._finished = loop.create_future()
        started_at, started_t = time.time(), time.monotonic()
        self._emit(RunStarted(self.run_id, started_t, started_at, self.graph.name, len(self._plan), self.simulated,
                              self.budget_usd, self.inputs))
        if self._cancelled:
            self._stop('the run was cancelled before this node started')
        self._release([node_id for node_id, node_run in self._plan.items() if node_run.waiting == 0])
        self._check_finished()
        try:
            await asyncio.shield(self._finished)
        except asyncio.CancelledError:
            self.cancel()
            await self._settle()
            self._finish(started_at, started_t)
            raise
        await self._settle()
        return self._finish(started_at, started_t)

    def cancel(self) -> None:
        """Stop the run: running nodes end `cancelled`, nodes not started yet are skipped."""
        if self._cancelled:
            return
        self._cancelled = True
        if self._finished is None:
            return  # not started: `run` ends at once
        self._stop('the run was cancelled before this node started')
        for node_run in self._plan.values():
            task = node_run.task
            if task is not None and not task.done():
                task.cancel()
            if node_run.result.status == 'queued':  # a task cancelled before its first step never runs
                self._end(node_run, 'cancelled', None)

    # -- what a node's step context uses ----------------------------------------------------------

    def _schema_support(self, schema: dict) -> tuple[str, Any]:
        """(`schema` as the JSON text prompts show, its compiled validator), shared by equal schemas."""
        by_identity = self._schemas_by_id.get(id(schema))
        if by_identity is not None and by_identity[0] is schema:
            return by_identity[1]
        # repr: the same for equal JSON values in the same key order (which the text shows), and
        # cheaper than a canonical JSON encoding of every node's schema.
        key = repr(schema)
        support = self._schemas.get(key)
        if support is None:
            from .json_schema import SchemaValidator
            support = self._schemas[key] = (_json_text(schema), SchemaValidator(schema))
        self._schemas_by_id[id(schema)] = (schema, support)
        return support

    def _slot(self, entry: ModelEntry) -> Any:
        """The concurrency limit of the provider serving `entry` (an async context manager)."""
        slot = self._slot_of.get(entry)
        if slot is not None:
            return slot
        key = entry.api_base or entry.provider
        slot = self._slots.get(key)
        if slot is None:
            limit = self._concurrency
            if isinstance(limit, Mapping):
                limit = limit.get(key, getattr(self.provider, 'default_concurrency', None))
            elif limit is None:
                limit = getattr(self.provider, 'default_concurrency', None)
            slot = self._slots[key] = asyncio.Semaphore(limit) if limit else _NO_LIMIT
        self._slot_of[entry] = slot
        return slot

    def _reserve(self, request: Any) -> Decimal | None:
        """Set aside the estimated cost of a call; `OverBudget` if the budget cannot cover it."""
        if self.budget_usd is None:
            return None
        input_tokens, output_tokens = self.provider.estimate_tokens(request)
        estimate = self.catalog.price(request.model).cost(input_tokens, output_tokens)
        committed = self._cost + self._reserved
        if committed + estimate > self.budget_usd:
            raise OverBudget(f'a call of {request.model} estimated at ${estimate:.6f} would take the run over its '
                             f'budget of ${self.budget_usd:.6f} (${self._cost:.6f} spent, ${self._reserved:.6f} '
                             f'committed to calls in flight)')
        self._reserved += estimate
        return estimate

    def _release_reservation(self, reservation: Decimal | None) -> None:
        if reservation is not None:
            self._reserved -= reservation

    # -- internals ------------------------------------------------------------------------------

    def _refuse_unpriced(self) -> None:
        """`UnpricedModel` if an agent may call (at its start, on fallback or escalation) a model
        nothing prices: a budget cannot be kept on unknown costs."""
        for node_id, planned in self.plan.nodes.items():
            if planned.route is None or node_id in self.pinned:
                continue
            for entry in (entry for entries in planned.route.models.values() for entry in entries):
                if not entry.price.known:
                    from .catalog import HOW_TO_PRICE
                    raise UnpricedModel(f'a run with a budget needs every model it may call priced: node '
                                        f'"{node_id}" may call {entry.model}, which has no price in '
                                        f"litellm's table or the catalog; {HOW_TO_PRICE}")

    def _emit(self, event: Event) -> None:
        for subscriber in self._subscribers:
            try:
                subscriber(event)
            except Exception:
                log.exception('subscriber %r failed on %s', subscriber, event.type)

    def _record(self, result: NodeResult, attempt: Attempt) -> None:
        input_tokens, output_tokens = attempt.input_tokens, attempt.output_tokens
        if input_tokens or output_tokens:
            price = self.catalog.price(attempt.model)
            if price.known:
                attempt.cost_usd = cost = price.cost(input_tokens, output_tokens)
            else:
                attempt.priced, cost = False, ZERO
                result.unpriced = True
                self._unpriced[result.node_id] = None
            flagship = ZERO
            if attempt.error is None and self._flagship_price.known:
                # The counterfactual (FLAGSHIP_DEFINITION): the flagship answers the first prompt at once.
                first_prompt = next((past.input_tokens for past in result.attempts if past.input_tokens),
                                    input_tokens)
                attempt.flagship_cost_usd = flagship = self._flagship_price.cost(first_prompt, output_tokens)
                result.has_flagship = True
            result.cost_usd += cost
            result.flagship_cost_usd += flagship
            result.input_tokens += input_tokens
            result.output_tokens += output_tokens
            self._cost += cost
            self._flagship_cost += flagship
            self._input_tokens += input_tokens
            self._output_tokens += output_tokens
        result.attempts.append(attempt)
        result.tier, result.model = attempt.tier, attempt.model
        if self._subscribers:
            now = time.monotonic()
            self._emit(AttemptFinished(self.run_id, now, result.node_id, attempt))
            if input_tokens or output_tokens:
                self._emit(CostUpdated(self.run_id, now, result.node_id, self._cost, self._flagship_cost,
                                       savings_pct(self._cost, self._flagship_cost), self._input_tokens,
                                       self._output_tokens, len(self._unpriced), self._flagship_price.known))

    def _release(self, ready: list[str]) -> None:
        """Start the nodes whose upstream nodes are all done (serving pinned and cached ones)."""
        plan = self._plan
        while ready:
            node_run = plan[ready.pop()]
            result = node_run.result
            if result.status != 'pending':
                continue
            node_id = result.node_id
            if node_id in self.pinned:
                result.pinned = True
                ready.extend(self._succeed(node_run, self.pinned[node_id]))
                continue
            if self.cache is not None and result.kind != 'input':
                result.signature = self.plan.signature(node_id, self.outputs)
                if result.signature in self.cache:
                    result.cached = True
                    ready.extend(self._succeed(node_run, self.cache[result.signature]))
                    continue
            result.status = 'queued'
            if self._subscribers:
                self._emit(NodeQueued(self.run_id, time.monotonic(), node_id))
            self._ready_count += 1
            heapq.heappush(self._ready, (-node_run.planned.rank, self._ready_count, node_id))
            if not self._dispatch_scheduled:
                self._dispatch_scheduled = True
                asyncio.get_running_loop().call_soon(self._dispatch)

    def _dispatch(self) -> None:
        """Start the queued nodes, those with the longest way still ahead of them first.

        Nodes that become ready together start in one go, in this order, so the calls on the
        critical path begin their wait before the others do their preparation.
        """
        self._dispatch_scheduled = False
        ready, plan = self._ready, self._plan
        create_task = asyncio.get_running_loop().create_task
        while ready:
            node_run = plan[heapq.heappop(ready)[2]]
            if node_run.result.status != 'queued' or node_run.task is not None:
                continue
            node_run.task = create_task(self._run_node(node_run), name=f'node {node_run.result.node_id}')

    async def _run_node(self, node_run: _NodeRun) -> None:
        result = node_run.result
        result.status = 'running'
        result.started_t = time.monotonic()
        try:
            output = await node_run.planned.kind.run(_Step(self, node_run))
        except asyncio.CancelledError:
            self._end(node_run, 'cancelled', None)
            return
        except OverBudget as error:
            self._over_budget = True
            self._end(node_run, 'failed' if result.attempts else 'skipped', f'over budget: {error}')
            # Calls are refused before they are made, so a run never goes over its budget: say where it stopped.
            self._stop(f'the run stopped at its budget of ${self.budget_usd:.6f}: its next call would have '
                       f'gone over it (${self._cost:.6f} spent)')
            return
        except (StepFailed, TemplateError) as error:
            self._end(node_run, 'failed', str(error))
            return
        except Exception as error:  # a bug in a run step must not take the whole run down
            log.exception('node %s failed unexpectedly', result.node_id)
            self._end(node_run, 'failed', f'{type(error).__name__}: {error}')
            return
        if self.cache is not None and result.signature is not None:
            self.cache[result.signature] = output
        self._release(self._succeed(node_run, output))

    def _succeed(self, node_run: _NodeRun, output: Any) -> list[str]:
        """Mark a node succeeded; return the successors that became ready."""
        result = node_run.result
        result.status = 'succeeded'
        result.output = output
        result.finished_t = time.monotonic()
        self.outputs[result.node_id] = output
        if self._subscribers:
            self._emit(NodeSucceeded(self.run_id, result.finished_t, result.node_id, output, result.tier,
                                     result.model, len(result.attempts), result.cost_usd, result.pinned,
                                     result.cached, not result.unpriced))
        ready = []
        plan = self._plan
        for successor in node_run.planned.successors:
            following = plan[successor]
            following.waiting -= 1
            if following.waiting == 0:
                ready.append(successor)
        self._done += 1
        self._check_finished()
        return ready

    def _end(self, node_run: _NodeRun, status: str, error: str | None) -> None:
        """End a node otherwise than by success; skip every node downstream of it."""
        result = node_run.result
        result.status = status
        result.error = error
        result.finished_t = now = time.monotonic()
        if self._subscribers:
            run_id, node_id = self.run_id, result.node_id
            attempts, cost, priced = len(result.attempts), result.cost_usd, not result.unpriced
            if status == 'failed':
                event: Event = NodeFailed(run_id, now, node_id, error or 'failed', result.tier, result.model,
                                          attempts, cost, priced)
            elif status == 'cancelled':
                event = NodeCancelled(run_id, now, node_id, result.tier, result.model, attempts, cost, priced)
            else:
                event = NodeSkipped(run_id, now, node_id, error or 'skipped', attempts, cost, priced)
            self._emit(event)
        self._done += 1
        if status == 'failed':
            self._skip_downstream(node_run, f'upstream node "{result.node_id}" failed')
        self._check_finished()

    def _skip_downstream(self, node_run: _NodeRun, reason: str) -> None:
        stack = list(node_run.planned.successors)
        while stack:
            following = self._plan[stack.pop()]
            if following.result.status == 'pending':
                self._end(following, 'skipped', reason)
                stack.extend(following.planned.successors)

    def _stop(self, reason: str) -> None:
        """Start nothing more: skip every node that has not been queued."""
        if self._stop_reason is None:
            self._stop_reason = reason
        for node_run in self._plan.values():
            if node_run.result.status == 'pending':
                self._end(node_run, 'skipped', reason)

    def _check_finished(self) -> None:
        if self._done == len(self._plan) and self._finished is not None and not self._finished.done():
            self._finished.set_result(None)

    async def _settle(self) -> None:
        tasks = [node_run.task for node_run in self._plan.values() if node_run.task is not None and not node_run.task.done()]
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)

    def _finish(self, started_at: float, started_t: float) -> RunSummary:
        results = {node_id: node_run.result for node_id, node_run in self._plan.items()}
        if self._cancelled:
            status = 'cancelled'
        elif self._over_budget:
            status = 'over_budget'
        elif all(result.status == 'succeeded' for result in results.values()):
            status = 'succeeded'
        else:
            status = 'failed'
        outputs = {node_id: result.output for node_id, result in results.items()
                   if result.kind == 'output' and result.status == 'succeeded'}
        duration = time.monotonic() - started_t
        summary = RunSummary(self.run_id, status, self.simulated, self._cost, self._flagship_cost, self._input_tokens,
                             self._output_tokens, results, outputs, started_at, duration, tuple(self._unpriced),
                             self._flagship_price.known)
        failed = next((f'node "{result.node_id}": {result.error}' for result in results.values()
                       if result.status == 'failed'), None)
        self._emit(RunFinished(self.run_id, time.monotonic(), status, self._cost, self._flagship_cost,
                               summary.savings_pct, self._input_tokens, self._output_tokens, duration,
                               sum(result.status == 'succeeded' for result in results.values()), len(results),
                               self._stop_reason if status in ('cancelled', 'over_budget') else failed,
                               len(self._unpriced), self._flagship_price.known))
        return summary


def _a(type_name: str) -> str:
    return {'string': 'a string', 'number': 'a number', 'integer': 'an integer', 'boolean': 'true or false',
            'object': 'a JSON object', 'array': 'a JSON array'}[type_name]
