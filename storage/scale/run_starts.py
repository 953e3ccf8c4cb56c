"""Runs that start elsewhere, announced: a page showing a graph learns within a moment that a run
of it was queued by another process (`swarm-studio run NAME --queue`, another browser's app, a
script) and follows it, without a reload.

    announce(store, run_id, graph_id)                   # whoever queues a run, and the worker taking it
    RunStartListener(store, on_start).start()           # once per app process

One Redis pub/sub channel carries every graph's run starts; an app listens once (a daemon thread)
and fans out to the pages of each graph itself (studio/run/missions.py). An announcement nobody
hears is lost, which is fine: a page opened later finds the run in the database
(`Missions.follow_remote`), and announcing twice (the enqueuer, then the worker) does no harm.
"""
from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

CHANNEL = 'swarm-studio:run-starts'
RETRY_S = 1.0  # after Redis went away, how long the listener waits before subscribing again


def announce(store: Any, run_id: str, graph_id: str | None) -> None:
    """Tell every app listening that `run_id`, a run of the stored graph `graph_id`, has started
    (or was queued). A run of a graph file (no `graph_id`) has no page to tell."""
    if graph_id is None:
        return
    try:
        store.client.publish(CHANNEL, json.dumps({'run_id': run_id, 'graph_id': graph_id}))
    except store.errors as error:
        log.warning('run %s: its start could not be announced (%s); pages see it when opened', run_id, error)


class RunStartListener:
    """Calls `on_start(graph_id, run_id)`, on its own thread, for every run start announced.

    :param store: the Redis state store (its client)
    :param on_start: called on the listener's thread; an exception is logged and listening goes on
    """

    def __init__(self, store: Any, on_start: Callable[[str, str], None]) -> None:
        self.store, self.on_start = store, on_start
        self.subscribed = threading.Event()  # set while subscribed (tests wait for it)
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._listen, name='run starts', daemon=True)

    def start(self) -> RunStartListener:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join(timeout=5)

    def _listen(self) -> None:
        while not self._stopped.is_set():
            pubsub = self.store.client.pubsub(ignore_subscribe_messages=True)
            try:
                pubsub.subscribe(CHANNEL)
                self.subscribed.set()
                while not self._stopped.is_set():
                    message = pubsub.get_message(timeout=1.0)
                    if message is not None:
                        self._heard(message.get('data'))
            except self.store.errors as error:
                self.subscribed.clear()
                log.warning('run starts: Redis went away (%s); listening again in %.0f s', error, RETRY_S)
                self._stopped.wait(RETRY_S)
            finally:
                try:
                    pubsub.close()
                except self.store.errors:
                    pass

    def _heard(self, data: Any) -> None:
        try:
            start = json.loads(data)
            graph_id, run_id = start['graph_id'], start['run_id']
        except (TypeError, ValueError, KeyError):
            log.warning('run starts: a message that is not a run start was ignored: %.80r', data)
            return
        try:
            self.on_start(graph_id, run_id)
        except Exception:
            log.exception('run starts: following run %s of graph %s failed', run_id, graph_id)
