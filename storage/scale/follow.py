"""Following a run that goes on elsewhere: its events from the state store's stream, its end from
the stream or, when Redis lost the stream (a restart), from the database's record — asked only
once the stream has been quiet a while, never between events.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from sqlalchemy.engine import Engine

from .queued_runs import run_status
from .state_store import RedisStateStore



def follow_run(store: RedisStateStore, engine: Engine, run_id: str, on_events: Callable[[list[Any]], None],
               stopped: Callable[[], bool] = lambda: False, block_ms: int = 1000) -> dict[str, Any] | None:
    """Hand the run's events to `on_events`, a batch at a time, from its first kept one until it ends.

    :returns: the summary the worker published, or None when the run ended without one on the
        stream (Redis lost it, or no worker ever took the run): the database has its record
    :param stopped: checked between reads; True stops following (returns None)
    """
    after = '0'
    while not stopped():
        try:
            entries = store.read(run_id, after, block_ms=block_ms)
        except store.errors:
            entries = []
            time.sleep(0.5)  # Redis is away: the database says when the run ends
        events = []
        for entry in entries:
            after = entry.id
            if entry.summary is not None:
                if events:
                    on_events(events)
                return entry.summary
            events.append(entry.event)
        if events:
            on_events(events)
        # Only when the stream has been quiet for `block_ms`: while entries come the run is going (or
        # its end is among them), and a database query between two reads would hold up the next.
        if not entries and run_status(engine, run_id) not in (None, 'queued', 'running'):  # None: being enqueued
            return _published_end(store, run_id)
    return None


def _published_end(store: RedisStateStore, run_id: str) -> dict[str, Any] | None:
    # The record may be complete a moment before the stream's end is written.
    try:
        return store.snapshot(run_id)['summary'] or _wait_for_end(store, run_id)
    except store.errors:
        return None


def _wait_for_end(store: RedisStateStore, run_id: str, wait_s: float = 1.0) -> dict[str, Any] | None:
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        summary = store.snapshot(run_id)['summary']
        if summary is not None:
            return summary
        time.sleep(0.1)
    return None
