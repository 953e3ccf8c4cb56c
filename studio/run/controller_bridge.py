"""The bridge from a mission controller to pages: runs it in the background, delivers its events per tick.

    bridge = MissionBridge(controller)          # subscribes to the controller
    bridge.listeners.append(page.show_batch)    # each gets a `RunBatch` per tick
    bridge.start(inputs)                        # a task on the running loop (the app's)

The engine calls its subscribers synchronously for every event; the bridge only folds the
event into its `RunDisplay` and, if no delivery is pending, schedules one: `GATHER_S` later
(the events of the same burst go with it) when the last delivery is a tick old, else a tick
after the last. So
a page receives at most one batch per tick, holding only the nodes that changed in it (as
canvas `set_states` deltas), however many events the engine emitted, and an event after a
quiet spell — a node ending while others wait on a model — is not held back a tick. The last
batch goes out as soon as the run ends.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from nodes.events import Event

from .node_states import RunBatch, RunDisplay

TICK_S = 0.1
"""Seconds between deliveries to pages while events arrive (ten a second at most)."""
TICK_S_PER_NODE = 0.0001
"""A large graph's deliveries are further apart: this many seconds per node of the graph. Every page
watching a run repaints its whole overview of the graph for each batch (studio/canvas/src/overview.js),
and ten pages doing that ten times a second for 2,400 nodes took more CPU than a two-core machine
had, so the app's own answers waited (benchmarks/bench_load.py). 2,400 nodes: a quarter of a second."""
MAX_TICK_S = 0.5
"""The longest time between deliveries, however large the graph."""

GATHER_S = 0.01
"""How long a delivery after a quiet spell waits for the rest of its burst (a node's end, the
next nodes' start: a few turns of the event loop apart)."""


def tick_for(node_count: int, tick_s: float = TICK_S) -> float:
    """Seconds between deliveries of a run of a graph of `node_count` nodes (`tick_s` for a small graph)."""
    return max(tick_s, min(node_count * TICK_S_PER_NODE, MAX_TICK_S))


log = logging.getLogger(__name__)


class MissionBridge:
    """One run of a `MissionController` in the background, delivered to pages per tick.

    :param controller: a controller that has not run yet (the bridge subscribes to it)
    :param tick_s: seconds between deliveries (default: `TICK_S`)
    :param from_node: for a re-run, the node it re-executes from (shown by the page)
    """

    def __init__(self, controller: Any, tick_s: float = TICK_S, from_node: str | None = None) -> None:
        self.controller = controller
        self.tick_s = tick_s
        self.from_node = from_node
        self.display = RunDisplay([node.id for node in controller.graph.nodes])
        self.listeners: list[Callable[[RunBatch], Any]] = []
        self.finished_listeners: list[Callable[[MissionBridge], Any]] = []
        self.summary: Any = None
        self.error: str | None = None
        self.task: asyncio.Task | None = None
        self.batches_sent = 0
        self._delivery: asyncio.TimerHandle | None = None
        self._delivered_at = float('-inf')  # the event loop's clock at the last delivery
        controller.subscribe(self._on_event)

    @property
    def run_id(self) -> str:
        return self.controller.run_id

    @property
    def running(self) -> bool:
        return self.task is not None and not self.task.done()

    def start(self, inputs: dict[str, Any]) -> asyncio.Task:
        """Start the run on the running event loop; return its task."""
        if self.task is not None:
            raise RuntimeError('a MissionBridge runs once')
        self.task = asyncio.get_running_loop().create_task(self._run(inputs), name=f'mission {self.run_id}')
        return self.task

    def cancel(self) -> None:
        """Stop the run: running nodes end cancelled, the rest skipped (the controller's `cancel`)."""
        self.controller.cancel()

    async def wait(self) -> Any:
        """The run's summary, once it has finished (None if it stopped with an error)."""
        if self.task is not None:
            await asyncio.shield(self.task)
        return self.summary

    async def _run(self, inputs: dict[str, Any]) -> None:
        try:
            self.summary = await self.controller.run(inputs)
        except Exception as error:  # a bug must not leave the page showing a run that never ends
            log.exception('run %s stopped', self.run_id)
            self.error = f'the run stopped unexpectedly: {type(error).__name__}: {error}'
            figures = self.display.figures
            figures.status, figures.error = 'failed', self.error
            figures.duration_s = figures.elapsed_s()
            self.display._figures_changed = True
        finally:
            self.deliver()
            for listener in list(self.finished_listeners):
                try:
                    listener(self)
                except Exception:
                    log.exception('a finished-listener of run %s failed', self.run_id)

    def _on_event(self, event: Event) -> None:
        self.display(event)
        if self._delivery is None:
            loop = asyncio.get_running_loop()
            at = max(loop.time() + min(GATHER_S, self.tick_s), self._delivered_at + self.tick_s)
            self._delivery = loop.call_at(at, self.deliver)

    def deliver(self) -> None:
        """Send what changed since the last delivery to every listener (now)."""
        if self._delivery is not None:
            self._delivery.cancel()
            self._delivery = None
        batch = self.display.take()
        if batch is None:
            return
        try:
            self._delivered_at = asyncio.get_running_loop().time()
        except RuntimeError:  # delivered from outside the loop (not done by the app): no tick to keep
            pass
        self.batches_sent += 1
        for listener in list(self.listeners):
            try:
                listener(batch)
            except Exception:
                log.exception('a listener of run %s failed', self.run_id)
