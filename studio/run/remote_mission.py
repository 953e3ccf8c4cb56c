"""A mission that runs on a worker, standing in for a `MissionController` on the page's side.

    mission = RemoteMission(graph, run_id, store, engine, enqueue)   # enqueue=None: follow a run
    bridge = MissionBridge(mission)                                   # exactly as for a local run

It has what `MissionBridge` uses of a controller — `graph`, `run_id`, `subscribe`, `run`,
`cancel` — so a worker's run reaches pages through the same bridge, display and canvas deltas
as a local one. `run` enqueues the mission (when given how) and follows the run's Redis Stream
from its first kept event (storage/scale/follow.py) on a daemon thread, handing each batch to
the subscribers on the event loop; a page that opens during the run therefore folds everything
so far at once, then follows. Event times are moved from the worker's clock to this process's.
What the stream lost (Redis restarted) the stored record fills in at the end: the nodes' ends,
and the run's.
`cancel` asks the worker through the store (and ends a run no worker took yet at once).
"""
from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from nodes.events import NODE_TERMINAL_EVENTS, NodeCancelled, NodeFailed, NodeSkipped, NodeSucceeded, RunFinished
from storage.runs import RunRepository
from storage.scale.follow import follow_run
from storage.scale.queued_runs import cancel_queued

from . import hop_trace

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RemoteSummary:
    """How a worker's run ended (the bridge keeps it as the run's summary)."""
    run_id: str
    status: str
    summary: dict[str, Any] | None  # the worker's summary (`run --json`), when the stream carried it


class RemoteMission:
    """See the module's doc.

    :param graph: the graph version being run (its nodes are what the page shows)
    :param run_id: the run's id
    :param store: the Redis state store
    :param engine: the database (for a run's end when the stream lost it, and for cancelling)
    :param enqueue: puts the mission on the queue (run on a thread); None to follow a run already queued
    """

    def __init__(self, graph: Any, run_id: str, store: Any, engine: Any,
                 enqueue: Callable[[], None] | None = None) -> None:
        self.graph, self.run_id, self.store, self.engine = graph, run_id, store, engine
        self._enqueue = enqueue
        self._subscribers: list[Callable[[Any], None]] = []
        self._offset = 0.0  # this process's monotonic clock minus the worker's
        self._finished = False
        self._ended: set[str] = set()  # nodes whose end the page was given
        self._stopped = threading.Event()

    def subscribe(self, subscriber: Callable[[Any], None]) -> None:
        self._subscribers.append(subscriber)

    async def run(self, inputs: Any = None) -> RemoteSummary:
        loop = asyncio.get_running_loop()
        # Following starts first: the worker's first events are read as they come, however long
        # enqueueing takes (the stream is read from its start: nothing is missed either way).

        def arrived(events: list[Any]) -> None:
            if hop_trace.enabled():
                hop_trace.record(self.run_id, _successes(events), 'read')
            loop.call_soon_threadsafe(self._emit, events)

        following = _on_thread(loop, follow_run, self.store, self.engine, self.run_id, arrived, self._stopped.is_set)
        if self._enqueue is not None:
            try:
                await _on_thread(loop, self._enqueue)
            except BaseException:
                self._stopped.set()
                raise
        summary = await following
        # Entries the stream lost (Redis restarting, a worker that could not reach it): the record
        # has every node's end, stored before the stream's end was written.
        self._emit(await _on_thread(loop, self._stored_node_ends))
        if not self._finished:  # the stream lost the end: the record has it
            self._emit([await _on_thread(loop, self._stored_end)])
        status = (summary or {}).get('status') or self._status
        return RemoteSummary(self.run_id, status, summary)

    def cancel(self) -> None:
        threading.Thread(target=self._cancel, name=f'cancel {self.run_id[:8]}', daemon=True).start()

    def stop_following(self) -> None:
        self._stopped.set()

    def _cancel(self) -> None:
        try:
            self.store.request_cancel(self.run_id)
        except self.store.errors as error:
            log.warning('run %s: the cancel could not reach Redis (%s)', self.run_id, error)
        cancel_queued(self.engine, self.run_id)

    def _emit(self, events: list[Any]) -> None:
        if hop_trace.enabled():
            hop_trace.record(self.run_id, _successes(events), 'loop')
        for event in events:
            if event.type == 'run_started':
                # Where the worker's clock stood at the start, on this process's clock.
                self._offset = time.monotonic() - (time.time() - event.started_at) - event.t
            elif event.type == 'run_finished':
                self._finished = True
                self._status = event.status
            elif type(event) in NODE_TERMINAL_EVENTS:
                self._ended.add(event.node_id)
            event.t += self._offset
            for subscriber in list(self._subscribers):
                subscriber(event)

    def _stored_node_ends(self) -> list[Any]:
        """The end events of the stored nodes the stream did not bring."""
        events: list[Any] = []
        t = time.monotonic() - self._offset
        for node_id, row in RunRepository(self.engine).get_run(self.run_id).nodes.items():
            if node_id in self._ended:
                continue
            cost = Decimal(str(row.cost_usd))
            if row.status == 'succeeded':
                output = json.loads(row.output) if row.output is not None else None
                events.append(NodeSucceeded(self.run_id, t, node_id, output, row.tier, row.model, row.attempts, cost,
                                            row.pinned, row.cached))
            elif row.status == 'failed':
                events.append(NodeFailed(self.run_id, t, node_id, row.error or 'failed', row.tier, row.model,
                                         row.attempts, cost))
            elif row.status == 'skipped':
                events.append(NodeSkipped(self.run_id, t, node_id, row.error or 'skipped', row.attempts, cost))
            elif row.status == 'cancelled':
                events.append(NodeCancelled(self.run_id, t, node_id, row.tier, row.model, row.attempts, cost))
        return events

    def _stored_end(self) -> RunFinished:
        run = RunRepository(self.engine).get_run(self.run_id).run
        self._status = run.status
        return RunFinished(self.run_id, time.monotonic() - self._offset, run.status, Decimal(str(run.cost_usd)),
                           Decimal(str(run.flagship_cost_usd)), run.savings_pct, run.input_tokens, run.output_tokens,
                           run.duration_s or 0.0, run.nodes_done, run.node_count, run.error, run.unpriced_nodes,
                           run.flagship_priced)

    _status = 'running'


def _successes(events: list[Any]) -> list[str]:
    return [event.node_id for event in events if type(event) is NodeSucceeded]


def _on_thread(loop: asyncio.AbstractEventLoop, function: Callable, *args: Any) -> asyncio.Future:
    """`function(*args)` on a daemon thread (an app stopping mid-run is not held up by a follower)."""
    future = loop.create_future()

    def work() -> None:
        try:
            result = function(*args)
        except BaseException as error:  # noqa: BLE001 (handed to the awaiting task)
            loop.call_soon_threadsafe(_settle, future, None, error)
        else:
            loop.call_soon_threadsafe(_settle, future, result, None)

    threading.Thread(target=work, name=f'{getattr(function, "__name__", "follow")}', daemon=True).start()
    return future


def _settle(future: asyncio.Future, result: Any, error: BaseException | None) -> None:
    if future.done():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)
