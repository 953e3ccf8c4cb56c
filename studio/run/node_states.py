"""What a run looks like on the page: engine events folded into node displays, figures and a timeline.

`RunDisplay` is an engine subscriber that only updates a few dicts (the engine calls its
subscribers synchronously, so they must be quick). `take()` returns what changed since the
last call: the displays of the nodes that changed (canvas `set_states` deltas), the figures
and the new timeline lines. A page receives one such batch per tick, never the whole graph;
`snapshot()` is everything, for a page that opens while a run goes. `stored_displays()` gives
the same displays for a stored run (history). No NiceGUI here: this is plain data.
"""
from __future__ import annotations

import json
import time
from collections import deque
from collections.abc import Callable, Collection
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from nodes.costs import savings_pct, savings_text, total_text
from nodes.events import (Attempt, AttemptFinished, CostUpdated, Event, NodeCancelled, NodeEscalated, NodeFailed,
                          NodeQueued, NodeRetrying, NodeSkipped, NodeStarted, NodeSucceeded, RunFinished, RunStarted)

ZERO = Decimal(0)
TIMELINE_KEPT = 400
"""Timeline lines kept for a page that opens during a run (older ones are in the stored events)."""
TIMELINE_PER_BATCH = 40
"""New timeline lines sent in one batch; a busy tick sends its latest ones and counts the rest."""

NODE_TERMINAL = frozenset({'succeeded', 'failed', 'skipped', 'cancelled'})


@dataclass(slots=True)
class NodeRecord:
    """What the run did to one node so far (the run panel's node details read it)."""
    status: str = 'pending'
    tier: int | None = None
    model: str | None = None
    attempts: list[Attempt] = field(default_factory=list)
    cost_usd: Decimal = ZERO
    failed_attempts: int = 0
    retries: int = 0
    escalated_to: int | None = None
    output: Any = None
    error: str | None = None
    pinned: bool = False
    cached: bool = False
    unpriced: bool = False  # a call was on an unpriced model: `cost_usd` is only the priced part
    flagship_cost_usd: Decimal | None = None  # its counterfactual, once it has an accepted reply

    @property
    def savings_pct(self) -> float | None:
        """Its saving against one flagship call (may be negative); None when either side is unknown."""
        if self.unpriced or self.flagship_cost_usd is None:
            return None
        return savings_pct(self.cost_usd, self.flagship_cost_usd)


@dataclass(slots=True)
class RunFigures:
    """The toolbar's figures. Money is exact (`Decimal`) while live, the stored float afterwards."""
    run_id: str | None = None
    status: str = 'starting'  # running, then succeeded, failed, cancelled, over_budget (interrupted if stored)
    simulated: bool = True
    done: int = 0
    total: int = 0
    cost_usd: Decimal = ZERO
    flagship_cost_usd: Decimal = ZERO
    savings_pct: float = 0.0
    input_tokens: int = 0
    output_tokens: int = 0
    started_at: float | None = None  # wall clock
    started_t: float | None = None  # time.monotonic() at the start, for the elapsed time
    duration_s: float | None = None  # once finished
    error: str | None = None
    unpriced_nodes: int = 0  # nodes whose cost is unknown: `cost_usd` is a lower bound
    flagship_priced: bool = True
    outcomes: dict[str, int] = field(default_factory=dict)  # finished nodes by status

    def progress_text(self) -> str:
        """`3/8 nodes` while running; then how many succeeded, and any that did not (a skipped node is
        finished but not done: `2/8 succeeded · 6 skipped`, never `8/8`)."""
        if self.running or not self.outcomes:
            return f'{self.done}/{self.total} nodes'
        rest = [f'{count} {status}' for status, count in self.outcomes.items() if status != 'succeeded' and count]
        return ' · '.join([f'{self.outcomes.get("succeeded", 0)}/{self.total} succeeded', *rest])

    def cost_text(self, shown: Callable[[Decimal | float], str]) -> str:
        return total_text(shown(self.cost_usd), self.unpriced_nodes)

    def flagship_text(self, shown: Callable[[Decimal | float], str]) -> str:
        return f'flagship-only {shown(self.flagship_cost_usd) if self.flagship_priced else "unknown"}'

    def savings_text(self) -> str:
        return savings_text(self.savings_pct, self.unpriced_nodes, self.flagship_priced)

    @property
    def running(self) -> bool:
        return self.status in ('starting', 'running')

    def elapsed_s(self, now: float | None = None) -> float:
        """Seconds since the run started (its duration once it has finished)."""
        if self.duration_s is not None:
            return self.duration_s
        if self.started_t is None:
            return 0.0
        return max(0.0, (time.monotonic() if now is None else now) - self.started_t)


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    t: float  # seconds since the run started
    node_id: str | None
    text: str
    level: str = 'info'  # info, good, warning, bad


@dataclass(slots=True)
class RunBatch:
    """One delivery to a page: changed node displays, figures, new timeline lines."""
    states: dict[str, dict[str, Any] | None]
    figures: RunFigures
    timeline: list[TimelineEntry]
    omitted: int = 0  # timeline lines of this batch left out (see TIMELINE_PER_BATCH)

    @property
    def finished(self) -> bool:
        return not self.figures.running


def node_label(record: NodeRecord) -> str:
    """The short text a node card shows for its run state."""
    status = record.status
    if status == 'retrying':
        return f'retrying {record.retries}'
    if status == 'escalated':
        return f'escalated to tier {record.escalated_to}'
    if status == 'succeeded':
        if record.pinned:
            return 'pinned'
        if record.cached:
            return 'cached'
        if record.escalated_to is not None:
            return f'succeeded · escalated to T{record.escalated_to}'
        if record.failed_attempts:
            return f'succeeded after {record.failed_attempts} retr{"y" if record.failed_attempts == 1 else "ies"}'
    return status


def node_cost_text(record: NodeRecord) -> str:
    """A node's cost as shown: exact dollars, or *unknown* (never $0) when a call was unpriced."""
    if record.unpriced:
        return 'unknown' if not record.cost_usd else f'≥ {exact_money(record.cost_usd)} (unpriced model)'
    return exact_money(record.cost_usd)


def node_display(record: NodeRecord) -> dict[str, Any]:
    """The canvas's run display of a node (studio/canvas/README.md, `set_states`)."""
    state = record.status
    if state == 'succeeded' and (record.pinned or record.cached):
        state = 'pinned' if record.pinned else 'cached'
    label = node_label(record) + (' · cost unknown' if record.unpriced else '')
    return {'state': state, 'label': label, 'tier': record.tier, 'model': record.model,
            'cost': float(record.cost_usd) if record.attempts and not record.unpriced else None,
            'preview': output_preview(record.output) if record.status == 'succeeded' else None}


PREVIEW_CHARS = 160


def output_preview(output: Any) -> str | None:
    """A node's output as one short line for its card: text as it is, anything else as compact JSON."""
    if output is None:
        return None
    text = output if isinstance(output, str) else json.dumps(output, ensure_ascii=False, separators=(', ', ': '))
    text = ' '.join(text.split())
    return text if len(text) <= PREVIEW_CHARS else text[:PREVIEW_CHARS - 1] + '…'


def money(value: Decimal | float) -> str:
    """Dollars with six decimals, as the toolbar shows them."""
    return f'${float(value):.6f}'


def exact_money(value: Decimal | float) -> str:
    """Dollars with every digit the engine computed (a Decimal), without trailing zeros."""
    if isinstance(value, float):
        value = Decimal(repr(value))
    text = format(value.normalize(), 'f') if value else '0'
    return f'${text}'


class RunDisplay:
    """Folds a run's events into node displays, figures and a timeline (an engine subscriber).

    :param node_ids: every node of the graph being run
    """

    def __init__(self, node_ids: list[str]) -> None:
        self.nodes: dict[str, NodeRecord] = {node_id: NodeRecord() for node_id in node_ids}
        self.figures = RunFigures(total=len(self.nodes))
        self.timeline: deque[TimelineEntry] = deque(maxlen=TIMELINE_KEPT)
        self.event_count = 0
        self._t0: float | None = None
        self._changed: dict[str, None] = {}  # node ids in order of change, since the last take
        self._new_lines: list[TimelineEntry] = []
        self._dropped_lines = 0
        self._figures_changed = False

    # -- reading --------------------------------------------------------------------------------

    def display(self, node_id: str) -> dict[str, Any] | None:
        record = self.nodes[node_id]
        return None if record.status == 'pending' else node_display(record)

    def take(self) -> RunBatch | None:
        """What changed since the last take (None if nothing did)."""
        if not (self._changed or self._new_lines or self._figures_changed):
            return None
        states = {node_id: self.display(node_id) for node_id in self._changed}
        lines = self._new_lines[-TIMELINE_PER_BATCH:]
        omitted = self._dropped_lines + len(self._new_lines) - len(lines)
        self._changed, self._new_lines, self._dropped_lines = {}, [], 0
        self._figures_changed = False
        return RunBatch(states, replace(self.figures), lines, omitted)

    def snapshot(self) -> RunBatch:
        """Everything shown so far (for a page that opens during the run); does not reset `take`."""
        states = {node_id: self.display(node_id) for node_id, record in self.nodes.items()
                  if record.status != 'pending'}
        return RunBatch(states, replace(self.figures), list(self.timeline))

    # -- folding events -------------------------------------------------------------------------

    def __call__(self, event: Event) -> None:
        self.event_count += 1
        handler = _HANDLERS.get(type(event))
        if handler is not None:
            handler(self, event)

    def _node(self, event: Any, status: str | None = None) -> NodeRecord:
        record = self.nodes[event.node_id]
        if status is not None:
            record.status = status
        self._changed[event.node_id] = None
        return record

    def _line(self, event: Any, text: str, level: str = 'info') -> None:
        entry = TimelineEntry(event.t - (self._t0 or event.t), getattr(event, 'node_id', None), text, level)
        self.timeline.append(entry)
        self._new_lines.append(entry)
        if len(self._new_lines) > 4 * TIMELINE_PER_BATCH:  # keep a busy tick's buffer small
            self._dropped_lines += len(self._new_lines) - TIMELINE_PER_BATCH
            del self._new_lines[:-TIMELINE_PER_BATCH]

    def _run_started(self, event: RunStarted) -> None:
        self._t0 = event.t
        figures = self.figures
        figures.run_id, figures.status, figures.simulated = event.run_id, 'running', event.simulated
        figures.total, figures.started_at, figures.started_t = event.node_count, event.started_at, event.t
        self._figures_changed = True
        self._line(event, run_started_text(event.node_count, event.simulated, event.budget_usd))

    def _queued(self, event: NodeQueued) -> None:
        self._node(event, 'queued')

    def _started(self, event: NodeStarted) -> None:
        record = self._node(event, 'running')
        record.tier, record.model = event.tier, event.model
        where = f' at tier {event.tier} on {event.model}' if event.model else ''
        reason = f' (router: {event.route_reason})' if event.route_reason else ''
        self._line(event, f'started{where}{reason}')

    def _attempt(self, event: AttemptFinished) -> None:
        record = self._node(event)
        attempt = event.attempt
        record.attempts.append(attempt)
        record.cost_usd += attempt.cost_usd
        record.unpriced = record.unpriced or not attempt.priced
        record.tier, record.model = attempt.tier, attempt.model
        if attempt.ok:
            if self.figures.flagship_priced:
                record.flagship_cost_usd = (record.flagship_cost_usd or ZERO) + attempt.flagship_cost_usd
            cost = exact_money(attempt.cost_usd) if attempt.priced else 'cost unknown (unpriced model)'
            self._line(event, f'attempt {attempt.number} on {attempt.model}: {attempt.input_tokens} + '
                              f'{attempt.output_tokens} tokens, {cost}', 'info')
        else:
            record.failed_attempts += 1
            self._line(event, f'attempt {attempt.number} on {attempt.model} failed: {attempt.error}', 'warning')

    def _retrying(self, event: NodeRetrying) -> None:
        record = self._node(event, 'retrying')
        record.retries += 1
        wait = f' in {event.delay_s:.1f} s' if event.delay_s else ''
        self._line(event, f'retrying ({event.reason.replace("_", " ")}): attempt {event.attempt} next{wait}', 'warning')

    def _escalated(self, event: NodeEscalated) -> None:
        record = self._node(event, 'escalated')
        record.escalated_to, record.tier, record.model = event.to_tier, event.to_tier, event.model
        self._line(event, f'escalated from tier {event.from_tier} to tier {event.to_tier} ({event.model}) after: '
                          f'{event.error}', 'warning')

    def _succeeded(self, event: NodeSucceeded) -> None:
        record = self._node(event, 'succeeded')
        record.output, record.pinned, record.cached = event.output, event.pinned, event.cached
        record.cost_usd, record.unpriced = event.cost_usd, not event.priced
        if event.tier is not None:
            record.tier, record.model = event.tier, event.model
        self._done('succeeded')
        how = 'pinned output used, no model called' if event.pinned else \
            'served from the cache (config and inputs unchanged)' if event.cached else 'succeeded'
        cost = f', {node_cost_text(record)}' if event.attempts else ''
        self._line(event, how + cost, 'good')

    def _failed(self, event: NodeFailed) -> None:
        record = self._node(event, 'failed')
        record.error, record.cost_usd, record.unpriced = event.error, event.cost_usd, not event.priced
        self._done('failed')
        self._line(event, f'failed: {event.error}', 'bad')

    def _skipped(self, event: NodeSkipped) -> None:
        record = self._node(event, 'skipped')
        record.error = event.reason
        self._done('skipped')
        self._line(event, f'skipped: {event.reason}')

    def _cancelled(self, event: NodeCancelled) -> None:
        record = self._node(event, 'cancelled')
        record.cost_usd, record.unpriced = event.cost_usd, not event.priced
        self._done('cancelled')
        self._line(event, 'cancelled while running', 'warning')

    def _cost(self, event: CostUpdated) -> None:
        figures = self.figures
        figures.cost_usd, figures.flagship_cost_usd, figures.savings_pct = \
            event.cost_usd, event.flagship_cost_usd, event.savings_pct
        figures.input_tokens, figures.output_tokens = event.input_tokens, event.output_tokens
        figures.unpriced_nodes, figures.flagship_priced = event.unpriced_nodes, event.flagship_priced
        self._figures_changed = True

    def _run_finished(self, event: RunFinished) -> None:
        figures = self.figures
        figures.status, figures.duration_s, figures.error = event.status, event.duration_s, event.error
        figures.cost_usd, figures.flagship_cost_usd, figures.savings_pct = \
            event.cost_usd, event.flagship_cost_usd, event.savings_pct
        figures.input_tokens, figures.output_tokens = event.input_tokens, event.output_tokens
        figures.unpriced_nodes, figures.flagship_priced = event.unpriced_nodes, event.flagship_priced
        self._figures_changed = True
        level = 'good' if event.status == 'succeeded' else 'bad'
        self._line(event, f'run {event.status.replace("_", " ")}: {figures.cost_text(exact_money)} '
                          f'({figures.flagship_text(exact_money)}, {figures.savings_text()}) '
                          f'in {event.duration_s:.1f} s' + (f' — {event.error}' if event.error else ''), level)

    def _done(self, status: str) -> None:
        self.figures.done += 1
        self.figures.outcomes[status] = self.figures.outcomes.get(status, 0) + 1
        self._figures_changed = True


_HANDLERS = {RunStarted: RunDisplay._run_started, NodeQueued: RunDisplay._queued, NodeStarted: RunDisplay._started,
             AttemptFinished: RunDisplay._attempt, NodeRetrying: RunDisplay._retrying,
             NodeEscalated: RunDisplay._escalated, NodeSucceeded: RunDisplay._succeeded,
             NodeFailed: RunDisplay._failed, NodeSkipped: RunDisplay._skipped, NodeCancelled: RunDisplay._cancelled,
             CostUpdated: RunDisplay._cost, RunFinished: RunDisplay._run_finished}


def stored_record(node_row: Any, attempt_rows: list[Any], unpriced: bool = False,
                  flagship_priced: bool = True) -> NodeRecord:
    """A node's record from a stored run (`storage.runs` NodeRunRow and its AttemptRows; whether
    its cost is unknown and the flagship priced: `storage.runs.cost_gaps`)."""
    status = node_row.status
    accepted = [attempt for attempt in attempt_rows if attempt.error is None]
    flagship = sum((Decimal(repr(attempt.flagship_cost_usd)) for attempt in accepted), ZERO) \
        if accepted and flagship_priced else None
    record = NodeRecord(status='cancelled' if status == 'interrupted' else status, tier=node_row.tier,
                        model=node_row.model, cost_usd=Decimal(repr(node_row.cost_usd)), error=node_row.error,
                        pinned=node_row.pinned, cached=node_row.cached,
                        output=None if node_row.output is None else json.loads(node_row.output),
                        unpriced=unpriced, flagship_cost_usd=flagship)
    record.attempts = list(attempt_rows)
    record.failed_attempts = sum(1 for attempt in attempt_rows if attempt.error is not None)
    tiers = [attempt.tier for attempt in attempt_rows]
    if tiers and tiers[-1] != tiers[0]:
        record.escalated_to = tiers[-1]
    return record


def stored_displays(nodes: dict[str, Any], attempts: list[Any],
                    unpriced: Collection[str] = ()) -> dict[str, dict[str, Any]]:
    """node id -> run display, for a stored run (`RunDetail.nodes`, `RunDetail.attempts`, its unpriced nodes)."""
    by_node: dict[str, list[Any]] = {}
    for attempt in attempts:
        by_node.setdefault(attempt.node_id, []).append(attempt)
    displays = {}
    for node_id, row in nodes.items():
        record = stored_record(row, by_node.get(node_id, []), node_id in unpriced)
        display = node_display(record)
        if row.status == 'interrupted':
            display['label'] = 'interrupted'
        displays[node_id] = display
    return displays


def stored_figures(run: Any, nodes_finished: int, outcomes: dict[str, int] | None = None) -> RunFigures:
    """The toolbar's figures for a stored run (`storage.runs` RunRow) with this many nodes finished
    (`outcomes`: how many ended in each status)."""
    started = run.started_at.timestamp() if run.started_at is not None else None
    duration = run.duration_s
    if duration is None and run.finished_at is not None and run.started_at is not None:
        duration = (run.finished_at - run.started_at).total_seconds()
    return RunFigures(run_id=run.id, status=run.status, simulated=run.simulated, done=nodes_finished,
                      total=run.node_count, cost_usd=Decimal(repr(run.cost_usd)),
                      flagship_cost_usd=Decimal(repr(run.flagship_cost_usd)), savings_pct=run.savings_pct,
                      input_tokens=run.input_tokens, output_tokens=run.output_tokens, started_at=started,
                      duration_s=duration if duration is not None else 0.0, error=run.error,
                      unpriced_nodes=run.unpriced_nodes, flagship_priced=run.flagship_priced,
                      outcomes=dict(outcomes or {}))


_STORED_TEXT = {
    'node_queued': lambda data: 'queued',
    'node_started': lambda data: 'started' + (f' at tier {data["tier"]} on {data["model"]}' if data.get('model')
                                              else ''),
    'attempt_finished': lambda data: f'attempt {data["number"]} on {data["model"]}'
                                     + (f' failed ({data["error_kind"].replace("_", " ")})' if data.get('error_kind')
                                        else ': cost unknown (unpriced model)' if data.get('cost_usd', 0.0) is None
                                        else f': {exact_money(data.get("cost_usd") or 0.0)}'),
    'node_retrying': lambda data: f'retrying ({data["reason"].replace("_", " ")}): attempt {data["attempt"]} next',
    'node_escalated': lambda data: f'escalated from tier {data["from_tier"]} to tier {data["to_tier"]} '
                                   f'({data["model"]}) after: {data["error"]}',
    'node_succeeded': lambda data: 'pinned output used, no model called' if data.get('pinned') else
                                   'served from the cache (config and inputs unchanged)' if data.get('cached') else
                                   'succeeded',
    'node_failed': lambda data: f'failed: {data["error"]}',
    'node_skipped': lambda data: f'skipped: {data["reason"]}',
    'node_cancelled': lambda data: 'cancelled while running',
    'run_finished': lambda data: _stored_run_finished(data),
}
def run_started_text(node_count: int, simulated: bool, budget_usd: Decimal | float | str | None) -> str:
    budget = f', budget {money(Decimal(str(budget_usd)))}' if budget_usd is not None else ''
    return f'run started: {node_count} nodes, {"simulated" if simulated else "live"} provider{budget}'


def _stored_run_finished(data: dict[str, Any]) -> str:
    unpriced, flagship_priced = data.get('unpriced_nodes', 0), data.get('flagship_priced', True)
    flagship = exact_money(data['flagship_cost_usd']) if flagship_priced else 'unknown'
    return (f'run {data["status"].replace("_", " ")}: {total_text(exact_money(data["cost_usd"]), unpriced)} '
            f'(flagship-only {flagship}, {savings_text(data["savings_pct"], unpriced, flagship_priced)}) '
            f'in {data["duration_s"]:.1f} s')


_STORED_LEVEL = {'attempt_finished': 'info', 'node_retrying': 'warning', 'node_escalated': 'warning',
                 'node_succeeded': 'good', 'node_failed': 'bad', 'node_cancelled': 'warning'}


def stored_timeline(events: list[dict[str, Any]]) -> list[TimelineEntry]:
    """Timeline lines of a stored run (`RunRepository.events`), queued events left out as live."""
    lines = []
    for event in events:
        text = _STORED_TEXT.get(event['type'])
        if text is None or event['type'] == 'node_queued':
            continue
        level = _STORED_LEVEL.get(event['type'], 'info')
        if event['type'] == 'attempt_finished' and event.get('error_kind'):
            level = 'warning'
        if event['type'] == 'run_finished':
            level = 'good' if event['status'] == 'succeeded' else 'bad'
        lines.append(TimelineEntry(event['t'], event.get('node_id'), text(event), level))
    return lines
