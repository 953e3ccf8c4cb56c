"""Where a run's live state is kept while it goes: one interface, two backends, chosen by configuration.

    store = state_store()            # Redis when SWARM_STUDIO_REDIS_URL is set, else local
    publisher = store.publisher(run_id)   # an engine subscriber (None for the local store)

*Local* is today's behaviour: the process running the mission holds its state (the app's
`MissionBridge`, the CLI's progress) and the database keeps the record; nothing is added to a
run. *Redis* (`RedisStateStore`) keeps, per run: every node's live state in a hash (status, tier,
model, attempt, cost so far, output when done), the run's figures in another, and its engine
events on a Stream that any process may follow (the CLI's `run --queue --wait`, the editor).
The stream is trimmed to `STREAM_MAXLEN` entries, so a stream nobody reads cannot grow without
end, and every key of a run expires `EXPIRE_S` after it ends. The durable record still goes to
the database (storage.runs' recorder): Redis is never the only copy of anything.

A publisher never holds up the mission: it folds events into dicts, and a writer thread of its
own sends them in one pipeline per turn of the event loop (the events one engine step emits
go together, and leave at once: a page follows the run with no added wait); while that
thread is behind, events gather into the next pipeline; while Redis cannot be reached it
drops stream entries (the hashes catch up with the next write) rather than wait.
"""
from __future__ import annotations

import asyncio
import json
import logging
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from nodes.events import Event, RunFinished

from ..writer_thread import WriterThread
from . import codec

log = logging.getLogger(__name__)

REDIS_URL_VARIABLE = 'SWARM_STUDIO_REDIS_URL'
STREAM_MAXLEN = 50_000  # entries kept per run (approximate trim: whole macro-nodes at a time)
EXPIRE_S = 24 * 3600  # a finished run's keys live this long, for pages and `--wait` that come late
FLUSH_DELAY_S = 0.02  # how long a publisher waits for its writer before handing over more
RETRY_AFTER_S = 1.0  # after a failed write, writes are dropped this long (Redis is down or restarting)
MAX_BUFFERED = 20_000  # events kept for the stream while the writer is behind; older ones are dropped
END = 'end'  # the stream entry that closes a run: it carries the run's summary


def state_store(url: str | None = None) -> LocalStateStore | RedisStateStore:
    """The store this process is configured for: Redis at `url` or `$SWARM_STUDIO_REDIS_URL`, else local."""
    url = url or os.environ.get(REDIS_URL_VARIABLE)
    return RedisStateStore(url) if url else LocalStateStore()


class LocalStateStore:
    """Today's store: the process running a mission holds its live state; nothing to publish."""
    remote = False

    def publisher(self, run_id: str) -> None:
        return None


@dataclass(frozen=True)
class StreamEntry:
    """One entry of a run's stream: an engine event, or the end (with the run's summary)."""
    id: str
    event: Event | None = None
    summary: dict[str, Any] | None = None


class RedisStateStore:
    """Live run state in Redis (see the module's doc).

    :param url: a `redis://` URL
    """
    remote = True

    def __init__(self, url: str, *, stream_maxlen: int = STREAM_MAXLEN, expire_s: int = EXPIRE_S,
                 client: Any = None) -> None:
        import redis
        self.url = url
        self.stream_maxlen = stream_maxlen
        self.expire_s = expire_s
        self.errors = redis.RedisError
        self.client = client or redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=2,
                                                     health_check_interval=30)

    # -- keys -----------------------------------------------------------------------------------

    @staticmethod
    def key(run_id: str, part: str) -> str:
        return f'swarm-studio:run:{run_id}:{part}'

    def _keys(self, run_id: str) -> list[str]:
        return [self.key(run_id, part) for part in ('events', 'nodes', 'run', 'summary', 'cancel')]

    # -- writing --------------------------------------------------------------------------------

    def publisher(self, run_id: str) -> RedisPublisher:
        return RedisPublisher(self, run_id)

    def finish(self, run_id: str, summary: dict[str, Any]) -> None:
        """Close the run's stream with its summary, and let its keys expire."""
        text = json.dumps(summary, ensure_ascii=False, default=str)
        pipe = self.client.pipeline(transaction=False)
        pipe.set(self.key(run_id, 'summary'), text, ex=self.expire_s)
        pipe.xadd(self.key(run_id, 'events'), {'end': text}, maxlen=self.stream_maxlen, approximate=True)
        for key in self._keys(run_id):
            pipe.expire(key, self.expire_s)
        pipe.execute()

    def request_cancel(self, run_id: str) -> None:
        """Ask whichever worker runs (or will run) `run_id` to cancel it."""
        self.client.set(self.key(run_id, 'cancel'), '1', ex=self.expire_s)

    def cancel_requested(self, run_id: str) -> bool:
        return bool(self.client.exists(self.key(run_id, 'cancel')))

    def hold_lease(self, run_id: str, owner: str, ttl_s: float) -> None:
        """Say that `owner` is running `run_id` for the next `ttl_s` seconds (renewed while it runs)."""
        self.client.set(self.key(run_id, 'lease'), owner, px=int(ttl_s * 1000))

    def lease_owner(self, run_id: str) -> str | None:
        owner = self.client.get(self.key(run_id, 'lease'))
        return owner.decode() if owner is not None else None

    def release_lease(self, run_id: str) -> None:
        self.client.delete(self.key(run_id, 'lease'))

    # -- reading --------------------------------------------------------------------------------

    def snapshot(self, run_id: str) -> dict[str, Any]:
        """The run's current state: `{'run': {...}, 'nodes': {node_id: {...}}, 'summary': … or None}`."""
        pipe = self.client.pipeline(transaction=False)
        pipe.hgetall(self.key(run_id, 'run'))
        pipe.hgetall(self.key(run_id, 'nodes'))
        pipe.get(self.key(run_id, 'summary'))
        run, nodes, summary = pipe.execute()
        return {'run': {key.decode(): json.loads(value) for key, value in run.items()},
                'nodes': {key.decode(): json.loads(value) for key, value in nodes.items()},
                'summary': json.loads(summary) if summary else None}

    def read(self, run_id: str, after: str = '0', block_ms: int | None = 1000, count: int = 1000) -> list[StreamEntry]:
        """Entries after the entry id `after` ('0': from the first kept); waits up to `block_ms` for one."""
        found = self.client.xread({self.key(run_id, 'events'): after}, count=count, block=block_ms)
        entries = []
        for _, items in found or ():
            for entry_id, fields in items:
                entry_id = entry_id.decode()
                if b'end' in fields:
                    entries.append(StreamEntry(entry_id, summary=json.loads(fields[b'end'])))
                else:
                    try:
                        entries.append(StreamEntry(entry_id, event=codec.decode(fields[b'event'])))
                    except (KeyError, ValueError, TypeError) as error:
                        log.warning('run %s: stream entry %s skipped: %s', run_id, entry_id, error)
        return entries

    def follow(self, run_id: str, after: str = '0', block_ms: int = 1000) -> Iterator[list[StreamEntry]]:
        """Batches of entries as they come (an empty batch each `block_ms` without one), forever:
        the caller stops at the end entry, or when it learns otherwise that the run is over."""
        while True:
            entries = self.read(run_id, after, block_ms)
            if entries:
                after = entries[-1].id
            yield entries

    def ping(self) -> bool:
        try:
            return bool(self.client.ping())
        except self.errors:
            return False


def _in_event_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


class RedisPublisher:
    """An engine subscriber that publishes one run to Redis (see the module's doc)."""

    def __init__(self, store: RedisStateStore, run_id: str) -> None:
        self.store = store
        self.run_id = run_id
        self.nodes: dict[str, dict[str, Any]] = {}
        self.figures: dict[str, Any] = {}
        self.dropped = 0  # stream entries not sent (Redis unreachable, or far behind)
        self._entries: list[str] = []
        self._changed: dict[str, None] = {}
        self._figures_changed = False
        self._flush_scheduled = False
        self._down_until = 0.0
        self._closed = False
        self._thread = WriterThread(f'state store {run_id[:8]}', self._write)
        keys = store.key(run_id, 'events'), store.key(run_id, 'nodes'), store.key(run_id, 'run')
        self._stream, self._nodes_key, self._run_key = keys

    def __call__(self, event: Event) -> None:
        self._fold(event)
        self._entries.append(codec.encode(event))
        if type(event) is RunFinished:
            self.flush()
        elif not self._flush_scheduled:
            self._schedule_flush()

    def _fold(self, event: Any) -> None:
        kind = event.type
        node_id = getattr(event, 'node_id', None)
        if kind == 'run_started':
            self.figures.update(status='running', node_count=event.node_count, simulated=event.simulated,
                                started_at=event.started_at, graph_name=event.graph_name, done=0)
        elif kind in ('cost_updated', 'run_finished'):
            self.figures.update(cost_usd=float(event.cost_usd), flagship_cost_usd=float(event.flagship_cost_usd),
                                savings_pct=event.savings_pct, input_tokens=event.input_tokens,
                                output_tokens=event.output_tokens, unpriced_nodes=event.unpriced_nodes,
                                flagship_priced=event.flagship_priced)
            if kind == 'run_finished':
                self.figures.update(status=event.status, duration_s=event.duration_s, error=event.error)
        elif node_id is not None:
            node = self.nodes.setdefault(node_id, {'status': 'pending', 'tier': None, 'model': None, 'attempt': 0,
                                                   'cost_usd': 0.0})
            self._changed[node_id] = None
            if kind == 'node_queued':
                node['status'] = 'queued'
            elif kind == 'node_started':
                node.update(status='running', tier=event.tier, model=event.model)
            elif kind == 'attempt_finished':
                attempt = event.attempt
                node.update(attempt=attempt.number, tier=attempt.tier, model=attempt.model)
                node['cost_usd'] += float(attempt.cost_usd)
            elif kind == 'node_retrying':
                node.update(status='retrying', attempt=event.attempt - 1)
            elif kind == 'node_escalated':
                node.update(status='escalated', tier=event.to_tier, model=event.model)
            else:  # a node's end
                node['status'] = kind.removeprefix('node_')
                node['cost_usd'] = float(event.cost_usd)
                if kind == 'node_succeeded':
                    node['output'] = event.output
                    if event.tier is not None:
                        node.update(tier=event.tier, model=event.model)
                else:
                    node['error'] = getattr(event, 'error', None) or getattr(event, 'reason', None)
                self.figures['done'] = self.figures.get('done', 0) + 1
        self._figures_changed = self._figures_changed or kind != 'node_queued'

    def _schedule_flush(self) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self.flush()
            return
        self._flush_scheduled = True
        if self._thread.full():
            loop.call_later(FLUSH_DELAY_S, self.flush)  # Redis is slow: let more gather meanwhile
        else:
            loop.call_soon(self.flush)  # after the engine's step: what it emits goes in one pipeline

    def flush(self) -> None:
        """Hand what changed to the writer thread (never waits on Redis)."""
        self._flush_scheduled = False
        if self._closed:
            return  # a flush scheduled before the end; `close` sent everything
        if self._thread.full() and _in_event_loop():
            # Redis is slow or down: keep the newest entries, and send the latest state later.
            # (Without an event loop there is no later: `put` below waits for the writer.)
            if len(self._entries) > MAX_BUFFERED:
                self.dropped += len(self._entries) - MAX_BUFFERED
                del self._entries[:-MAX_BUFFERED]
            self._schedule_flush()
            return
        entries, self._entries = self._entries, []
        nodes = {node_id: json.dumps(self.nodes[node_id], default=str) for node_id in self._changed}
        figures = {key: json.dumps(value) for key, value in self.figures.items()} if self._figures_changed else {}
        self._changed, self._figures_changed = {}, False
        self._thread.put((entries, nodes, figures))

    def close(self) -> None:
        """Send everything handed over, then stop the writer thread."""
        if self._entries or self._changed or self._figures_changed:
            while self._thread.full():
                time.sleep(FLUSH_DELAY_S)
            self.flush()
        self._closed = True
        self._thread.close()

    def _write(self, batch: tuple[list[str], dict[str, str], dict[str, str]]) -> None:
        entries, nodes, figures = batch
        if time.monotonic() < self._down_until:
            self.dropped += len(entries)
            self._resend_state(nodes, figures)
            return
        pipe = self.store.client.pipeline(transaction=False)
        for text in entries:
            pipe.xadd(self._stream, {'event': text}, maxlen=self.store.stream_maxlen, approximate=True)
        if nodes:
            pipe.hset(self._nodes_key, mapping=nodes)
        if figures:
            pipe.hset(self._run_key, mapping=figures)
        try:
            pipe.execute()
        except self.store.errors as error:
            if time.monotonic() >= self._down_until:
                log.warning('run %s: Redis is unreachable (%s); its live state resumes when it is back '
                            '(the database keeps the whole record)', self.run_id, error)
            self._down_until = time.monotonic() + RETRY_AFTER_S
            self.dropped += len(entries)
            self._resend_state(nodes, figures)

    def _resend_state(self, nodes: dict[str, str], figures: dict[str, str]) -> None:
        # The hashes hold the latest state: the nodes not written are marked changed again, so a
        # later batch (after Redis is back) carries them.
        self._changed.update(dict.fromkeys(nodes))
        self._figures_changed = self._figures_changed or bool(figures)
