"""Run records: runs, node runs, attempts and events, written while the run goes.

`RunRecorder` is an engine subscriber. It buffers rows and hands them over as one
transaction `FLUSH_DELAY_S` (10 ms) after the first of them arrived (at once for the run's
start and end), so a busy run commits in batches and a finished node is stored within ~10 ms.
The transactions run on a writer thread of the recorder's own (storage/writer_thread.py), never
on the event loop: a slow database (PostgreSQL over a network) stalls no page. Its queue is
bounded: while it is full a batch grows (up to `MAX_PENDING_EVENTS`), then the mission waits
for the database. At the run's end the recorder waits until everything is written, so a
finished run is stored whole when the controller returns; an app stopping mid-run drains it
before it exits. With SQLite in WAL mode (storage.db) a committed batch survives the process
being killed; the next open of the database (`RunRepository.mark_interrupted()`, called by
`storage.db.connect`) turns a `running` run whose process is gone into `interrupted`.

Into a SQLite file, the batches of a busy run (one of `WRITER_AFTER_EVENTS` events or more)
are written by a helper process instead (storage/run_writer.py): their JSON encoding and
SQLite work then happen on another core, beside the mission (a thread shares the
interpreter's lock with the mission; a process does not). An in-memory database is written on
the caller's thread: its one connection is shared.

Money is stored as REAL (the float nearest the engine's exact `Decimal`).
"""
from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
import subprocess
import sys
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import Column, ForeignKey, Integer, String, Text, UniqueConstraint, bindparam, insert, true, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Field, SQLModel, select

from nodes.events import (AttemptFinished, CostUpdated, Event, NodeCancelled, NodeFailed, NodeQueued, NodeSkipped,
                          NodeStarted, NodeSucceeded, RunFinished, RunStarted)

from . import run_writer
from .db import StorageError, core_transaction, transaction, when_opened
from .writer_thread import WriterThread

log = logging.getLogger(__name__)

FLUSH_DELAY_S = 0.01  # how long a buffered row may wait for its transaction
# While the writer thread is behind, a batch grows up to this many events before the mission
# waits for the database (back-pressure) rather than buffer more.
MAX_PENDING_EVENTS = 20_000
# A batch of this many events starts the writer process: a run that busy gains more than the
# process costs to start (a few tens of milliseconds, waited for at the run's end).
WRITER_AFTER_EVENTS = 200
RUN_STATUSES = ('queued', 'running', 'succeeded', 'failed', 'cancelled', 'over_budget', 'interrupted')


def _run_fk() -> Column:
    return Column(String, ForeignKey('runs.id', ondelete='CASCADE'), nullable=False, index=True)


class RunRow(SQLModel, table=True):
    __tablename__ = 'runs'
    id: str = Field(primary_key=True)
    graph_id: str | None = Field(default=None, sa_column=Column(String, ForeignKey('graphs.id', ondelete='CASCADE'),
                                                                nullable=True, index=True))
    graph_version_id: int | None = Field(default=None, sa_column=Column(
        Integer, ForeignKey('graph_versions.id', ondelete='CASCADE'), nullable=True))
    graph_name: str = ''
    source: str = ''  # the file it was run from, when not a stored graph
    status: str = 'running'
    simulated: bool = False
    budget_usd: float | None = None
    cost_usd: float = 0.0  # of the priced nodes: a lower bound while `unpriced_nodes` > 0
    flagship_cost_usd: float = 0.0
    savings_pct: float = 0.0
    # Nodes whose cost is unknown (a model nothing prices), and whether the flagship was priced
    # (migration 0002_run_costs; which nodes: `cost_gaps`, from the run's events).
    unpriced_nodes: int = Field(default=0, sa_column_kwargs={'server_default': '0'})
    flagship_priced: bool = Field(default=True, sa_column_kwargs={'server_default': true()})
    input_tokens: int = 0
    output_tokens: int = 0
    node_count: int = 0
    nodes_done: int = 0
    inputs: str = Field(default='{}', sa_column=Column(Text, nullable=False, default='{}'))
    error: str | None = None
    pid: int | None = None
    host: str = ''
    process_started: str = ''  # identifies the process beyond its pid (pids are reused)
    started_at: datetime | None = None
    finished_at: datetime | None = None
    duration_s: float | None = None
    # The stopped run this one carries on (`swarm-studio resume`; migration 0003_resumed_from).
    resumed_from: str | None = None
    # The worker that took the run, for a run enqueued for workers (migration 0005_run_worker).
    worker: str | None = None


class NodeRunRow(SQLModel, table=True):
    __tablename__ = 'node_runs'
    __table_args__ = (UniqueConstraint('run_id', 'node_id'),)
    id: int | None = Field(default=None, primary_key=True)
    run_id: str = Field(sa_column=_run_fk())
    node_id: str
    status: str
    tier: int | None = None
    model: str | None = None
    attempts: int = 0
    cost_usd: float = 0.0
    output: str | None = Field(default=None, sa_column=Column(Text))  # JSON
    error: str | None = None
    pinned: bool = False
    cached: bool = False
    started_t: float | None = None  # seconds since the run started
    finished_t: float | None = None


class AttemptRow(SQLModel, table=True):
    __tablename__ = 'attempts'
    id: int | None = Field(default=None, primary_key=True)
    run_id: str = Field(sa_column=_run_fk())
    node_id: str
    number: int
    tier: int
    model: str
    messages: str = Field(sa_column=Column(Text, nullable=False))  # JSON list of {role, content}
    reply: str | None = Field(default=None, sa_column=Column(Text))
    output: str | None = Field(default=None, sa_column=Column(Text))  # JSON
    error: str | None = None
    error_kind: str | None = None
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    flagship_cost_usd: float = 0.0
    latency_s: float = 0.0
    finished_t: float | None = None  # seconds since the run started


class RunEventRow(SQLModel, table=True):
    __tablename__ = 'run_events'
    id: int | None = Field(default=None, primary_key=True)
    run_id: str = Field(sa_column=_run_fk())
    seq: int
    t: float  # seconds since the run started
    type: str
    node_id: str | None = None
    data: str = Field(default='{}', sa_column=Column(Text, nullable=False))  # JSON


def _row_columns(table: type[SQLModel]) -> list[str]:
    """The columns a recorder's row fills, in table order: all but the generated key."""
    return [column.name for column in table.__table__.columns if not column.primary_key]


# The recorder's rows are tuples in this order (see `_rows`); the SQL is made from it.
LAYOUT = run_writer.Layout(_row_columns(AttemptRow), _row_columns(NodeRunRow), _row_columns(RunEventRow),
                           [column.name for column in RunRow.__table__.columns if not column.primary_key])


def _process_started(pid: int) -> str:
    """The kernel's start time of a process (Linux), to tell it from a later one with its pid."""
    try:
        with open(f'/proc/{pid}/stat', encoding='ascii') as file:
            return file.read().rsplit(')', 1)[1].split()[19]
    except (OSError, IndexError):
        return ''


def _process_alive(pid: int | None, host: str, started: str) -> bool:
    if host != socket.gethostname():
        return True  # another machine's run: this one cannot tell, so leaves it
    if pid is None:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return not started or _process_started(pid) in ('', started)


_SET_WHEN_QUEUED = frozenset({'id', 'graph_id', 'graph_version_id', 'source', 'resumed_from'})
_NODE_END = {NodeSucceeded: 'succeeded', NodeFailed: 'failed', NodeSkipped: 'skipped', NodeCancelled: 'cancelled'}
_COMMON_KEYS = frozenset({'type', 'run_id', 't', 'node_id'})
_to_json = run_writer.to_json


class _Inserter:
    """Many rows into one table: the driver's executemany where its parameter style is known."""

    def __init__(self, engine: Engine, table: str, columns: tuple[str, ...]) -> None:
        marker = {'qmark': '?', 'format': '%s', 'pyformat': '%s'}.get(engine.dialect.paramstyle)
        self.columns = columns
        self.table = SQLModel.metadata.tables[table]
        self.sql = (f'INSERT INTO {table} ({", ".join(columns)}) VALUES ({", ".join([marker] * len(columns))})'
                    if marker else None)

    def __call__(self, connection: Any, rows: list[tuple]) -> None:
        if self.sql:
            connection.exec_driver_sql(self.sql, rows)
        else:
            connection.execute(insert(self.table), [dict(zip(self.columns, row)) for row in rows])


class RunRecorder:
    """An engine subscriber that stores one run: `MissionController(..., subscribers=[recorder])`.

    Stored: the run (updated with its totals), one node run per finished node, every attempt,
    and every event but `cost_updated` (its totals are the run's; each attempt has its cost).

    :param engine: from `storage.db.connect`
    :param graph_id: the stored graph the run is of, if any
    :param graph_version_id: the graph version row it ran (`GraphRepository.current_version(id).id`)
    :param source: the file it was run from, if not a stored graph
    :param resumed_from: the stopped run this run continues, if any
    :param writer_process: write the batches in a helper process: True from the first batch, False
        never (default: from a batch of `WRITER_AFTER_EVENTS` events on); only into a SQLite file
    :param worker: the worker running a run that was enqueued: its row exists
        (`storage.scale.queued_runs.enqueue_run`) and is updated rather than inserted
    """

    def __init__(self, engine: Engine, graph_id: str | None = None, graph_version_id: int | None = None,
                 source: str = '', *, writer_process: bool | None = None, resumed_from: str | None = None,
                 worker: str | None = None) -> None:
        self.engine = engine
        self.worker = worker
        self.resumed_from = resumed_from
        self.graph_id = graph_id
        self.graph_version_id = graph_version_id
        self.source = source
        self.run_id: str | None = None
        self._pending: list[Event] = []
        self._started: dict[str, float] = {}
        self._totals: CostUpdated | None = None
        self._succeeded = 0
        self._seq = 0
        self._t0 = 0.0
        self._flush_scheduled = False
        self._insert_events = _Inserter(engine, 'run_events', LAYOUT.events)
        self._insert_attempts = _Inserter(engine, 'attempts', LAYOUT.attempts)
        self._insert_node_runs = _Inserter(engine, 'node_runs', LAYOUT.node_runs)
        self._update_run = update(RunRow.__table__).where(RunRow.__table__.c.id == bindparam('run_id'))
        self._writer_file = _sqlite_file(engine) if writer_process is not False else None
        self._writer_from = 0 if writer_process else WRITER_AFTER_EVENTS  # events in one batch
        self._writer: subprocess.Popen | None = None
        self._thread: WriterThread | None = None  # writes off the event loop (none for an in-memory database)
        self._lost: str | None = None  # why part of the run's record could not be stored

    @property
    def lost(self) -> str | None:
        """Why part of the run's record could not be stored (its row then says `failed`), or None.
        Known for certain once the run has finished: the last batch is stored by then."""
        return self._lost

    def __call__(self, event: Event) -> None:
        # Only buffered here: rows are made at flush time, off the path from one node to the next.
        kind = type(event)
        if kind is CostUpdated:
            self._totals = event
        elif kind is RunStarted:
            self._start(event)
        else:
            self._pending.append(event)
            if kind is RunFinished:
                self.flush()
            elif not self._flush_scheduled:
                self._schedule_flush()

    def flush(self) -> None:
        """Hand everything buffered over as one transaction (at the run's end: wait until all is stored)."""
        self._flush_scheduled = False
        pending, totals = self._pending, self._totals
        if not pending and totals is None:
            return
        finished = pending[-1] if pending and type(pending[-1]) is RunFinished else None
        if finished is None and self._thread is not None and self._writer is None and self._thread.full() \
                and len(pending) < MAX_PENDING_EVENTS and self._schedule_flush(defer_only=True):
            return  # the database is behind: this batch grows, to be one transaction later
        self._pending, self._totals = [], None
        attempts, node_runs, events = self._rows(pending)
        values: dict[str, Any] = {'nodes_done': self._succeeded}
        if totals is not None:
            values.update(cost_usd=float(totals.cost_usd), flagship_cost_usd=float(totals.flagship_cost_usd),
                          savings_pct=totals.savings_pct, input_tokens=totals.input_tokens,
                          output_tokens=totals.output_tokens)
        if self._writer_file is not None and len(pending) >= self._writer_from and (finished is None
                                                                                    or not self._writer_from):
            if self._thread is not None:
                self._thread.wait()  # the run's row first: the process's rows refer to it
            self._start_writer()  # once: a busy run (whose last batch alone is not worth it)
        if self._writer is not None and self._send(attempts, node_runs, events, values):
            if finished is None:
                return
            self._stop_writer()
            attempts, node_runs, events = [], [], []
        if finished is not None:
            values.update(status=finished.status, cost_usd=float(finished.cost_usd),
                          flagship_cost_usd=float(finished.flagship_cost_usd), savings_pct=finished.savings_pct,
                          input_tokens=finished.input_tokens, output_tokens=finished.output_tokens,
                          nodes_done=finished.nodes_done, error=finished.error,
                          finished_at=datetime.now(timezone.utc), duration_s=finished.duration_s,
                          unpriced_nodes=finished.unpriced_nodes, flagship_priced=finished.flagship_priced)
        batch = (attempts, node_runs, events, values)
        if self._thread is None:
            self._write_batch(batch)
            return
        self._thread.put(('batch', batch))  # waits only while the queue is full: back-pressure on the mission
        if finished is not None:
            self._thread.close()  # the run is stored whole when the controller returns
            self._thread = None

    def _write_batch(self, batch: tuple) -> None:
        attempts, node_runs, events, values = batch
        if self._lost is not None and 'status' in values:
            # Batches are written in order: an earlier loss is known by the time the run's end is.
            values.update(status='failed', error=self._lost)
        attempts, node_runs, events = run_writer.encode_rows(LAYOUT, attempts, node_runs, events)
        # A Core transaction: a session per batch would cost more than most batches' rows.
        try:
            with core_transaction(self.engine) as connection:
                if attempts:
                    self._insert_attempts(connection, attempts)
                if node_runs:
                    self._insert_node_runs(connection, node_runs)
                if events:
                    self._insert_events(connection, events)
                connection.execute(self._update_run.values(**values), {'run_id': self.run_id})
        except (SQLAlchemyError, StorageError) as error:
            self._record_lost(str(getattr(error, 'orig', None) or error.__cause__ or error).splitlines()[0])

    def _record_lost(self, reason: str) -> None:
        # A run whose record is missing part of itself must not read as succeeded: it is marked
        # failed now, and its end keeps it so.
        log.error('part of run %s could not be stored: %s', self.run_id, reason)
        self._lost = f'part of the run could not be stored ({reason}); its record is incomplete'
        try:
            with core_transaction(self.engine) as connection:
                connection.execute(self._update_run.values(status='failed', error=self._lost), {'run_id': self.run_id})
        except (SQLAlchemyError, StorageError) as error:
            log.error('run %s could not be marked failed either: %s', self.run_id, error)

    def _write(self, item: tuple) -> None:
        """One item of the writer thread: the run's row, or a batch."""
        if item[0] == 'run':
            with transaction(self.engine) as session:
                if self.worker is None:
                    session.execute(insert(RunRow.__table__), [item[1]])
                else:  # what it was queued with stays (storage/scale/queued_runs.py); how it runs is added
                    row = {key: value for key, value in item[1].items() if key not in _SET_WHEN_QUEUED}
                    session.execute(update(RunRow.__table__).where(RunRow.__table__.c.id == item[1]['id'])
                                    .values(**row, worker=self.worker))
        else:
            self._write_batch(item[1])

    def _rows(self, pending: list[Event]) -> tuple[list[tuple], list[tuple], list[tuple]]:
        """(attempts, node runs, events) rows, JSON columns as values (`run_writer.encode_rows`)."""
        events: list[tuple] = []
        attempts: list[tuple] = []
        node_runs: list[tuple] = []
        run_id, t0, seq, started = self.run_id, self._t0, self._seq, self._started
        for event in pending:
            kind = type(event)
            seq += 1
            t = event.t - t0
            # The common events' data is made here directly: the same keys as `to_dict()` gives, less
            # the common ones (and a node's output, stored once in node_runs).
            if kind is NodeQueued:
                node_id, data = event.node_id, '{}'
            elif kind is NodeStarted:
                node_id = event.node_id
                started[node_id] = t
                data = {'tier': event.tier, 'model': event.model, 'route_reason': event.route_reason}
            elif kind is AttemptFinished:
                node_id, attempt = event.node_id, event.attempt
                cost = float(attempt.cost_usd)
                data = {'number': attempt.number, 'tier': attempt.tier, 'model': attempt.model,
                        'error_kind': attempt.error_kind, 'cost_usd': cost if attempt.priced else None}
                attempts.append((run_id, node_id, attempt.number, attempt.tier, attempt.model, attempt.messages,
                                 attempt.reply, attempt.output, attempt.error, attempt.error_kind,
                                 attempt.input_tokens, attempt.output_tokens, cost, float(attempt.flagship_cost_usd),
                                 attempt.latency_s, t))
            elif kind is NodeSucceeded:
                node_id = event.node_id
                cost = float(event.cost_usd)
                data = {'tier': event.tier, 'model': event.model, 'attempts': event.attempts, 'cost_usd': cost,
                        'pinned': event.pinned, 'cached': event.cached, 'priced': event.priced}
                self._succeeded += 1
                node_runs.append((run_id, node_id, 'succeeded', event.tier, event.model, event.attempts, cost,
                                  (event.output,), None, event.pinned, event.cached, started.pop(node_id, None), t))
            else:
                node_id = getattr(event, 'node_id', None)
                fields = event.to_dict()
                data = {key: value for key, value in fields.items() if key not in _COMMON_KEYS}
                if kind in _NODE_END:
                    node_runs.append(self._node_row(event, _NODE_END[kind], t))
            events.append((run_id, seq, t, event.type, node_id, data))
        self._seq = seq
        return attempts, node_runs, events

    def _send(self, attempts: list[tuple], node_runs: list[tuple], events: list[tuple], totals: dict) -> bool:
        """Hand a batch to the writer process; False if it is gone (the caller writes it then)."""
        try:
            try:
                data = run_writer.frame(False, attempts, node_runs, events, totals)
            except ValueError:  # a value marshal cannot carry (a pinned output of another type…): as JSON text
                data = run_writer.frame(True, *run_writer.encode_rows(LAYOUT, attempts, node_runs, events), totals)
            self._writer.stdin.write(data)
            self._writer.stdin.flush()
            return True
        except OSError as error:
            log.error('the run writer process stopped (%s); writing run %s in-process', error, self.run_id)
            self._stop_writer()
            return False

    def _start_writer(self) -> None:
        self._writer_file, file = None, self._writer_file  # one try per run
        try:
            process = subprocess.Popen([sys.executable, '-S', run_writer.__file__, file, self.run_id, LAYOUT.dumps()],
                                       stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, close_fds=True)
        except OSError as error:
            log.warning('cannot start the run writer process (%s); writing run %s in-process', error, self.run_id)
            return
        _widen_pipe(process.stdin)
        self._writer = process

    def _stop_writer(self) -> None:
        """Close the writer's input and wait until it has written everything it was sent."""
        process, self._writer = self._writer, None
        if process is None:
            return
        try:
            process.stdin.close()
        except OSError:
            pass
        if process.wait() != 0:
            self._record_lost(f'the run writer process ended with code {process.returncode}')

    def _start(self, event: RunStarted) -> None:
        self.run_id = event.run_id
        self._t0 = event.t
        pid = os.getpid()
        row = {'id': event.run_id, 'graph_id': self.graph_id, 'graph_version_id': self.graph_version_id,
               'graph_name': event.graph_name, 'source': self.source, 'status': 'running',
               'simulated': event.simulated, 'node_count': event.node_count,
               'budget_usd': None if event.budget_usd is None else float(event.budget_usd),
               'inputs': _to_json(event.inputs), 'pid': pid, 'host': socket.gethostname(),
               'process_started': _process_started(pid), 'resumed_from': self.resumed_from,
               'started_at': datetime.fromtimestamp(event.started_at, timezone.utc)}
        if _in_memory(self.engine):
            # One connection shared by every thread: writes stay on the caller's thread.
            self._write(('run', row))
            return
        self._thread = WriterThread(f'run recorder {event.run_id[:8]}', self._write)
        self._thread.put(('run', row))

    def _schedule_flush(self, defer_only: bool = False) -> bool:
        """Flush in `FLUSH_DELAY_S` (at once without an event loop, unless `defer_only`); True if deferred."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            if not defer_only:
                self.flush()
            return False
        self._flush_scheduled = True
        # A short delay batches a busy moment into one transaction and lets the nodes that just
        # became ready start their calls first (the flush then overlaps their wait).
        loop.call_later(FLUSH_DELAY_S, self.flush)
        return True

    def _node_row(self, event: Any, status: str, t: float) -> tuple:
        error = event.reason if status == 'skipped' else getattr(event, 'error', None)
        return (self.run_id, event.node_id, status, getattr(event, 'tier', None), getattr(event, 'model', None),
                event.attempts, float(event.cost_usd), None, error, False, False,
                self._started.pop(event.node_id, None), t)


def _in_memory(engine: Engine) -> bool:
    url = engine.url
    return url.get_backend_name() == 'sqlite' and (not url.database or url.database == ':memory:')


def _sqlite_file(engine: Engine) -> str | None:
    """The file of a SQLite database (None for any other database, or one in memory)."""
    url = engine.url
    if url.get_backend_name() != 'sqlite' or not url.database or url.database == ':memory:' \
            or url.database.startswith('file:'):
        return None
    return os.path.abspath(url.database)


def _widen_pipe(stream: Any) -> None:
    # A batch bigger than the pipe (64 KiB by default) would make the run wait for the writer.
    try:
        import fcntl
        fcntl.fcntl(stream.fileno(), getattr(fcntl, 'F_SETPIPE_SZ', 1031), 1 << 20)
    except (ImportError, OSError, ValueError):
        pass


@dataclass(frozen=True)
class RunDetail:
    """A stored run with its node runs (by node id) and attempts (in order)."""
    run: RunRow
    nodes: dict[str, NodeRunRow]
    attempts: list[AttemptRow]

    def attempts_of(self, node_id: str) -> list[AttemptRow]:
        return [attempt for attempt in self.attempts if attempt.node_id == node_id]


class RunNotFound(LookupError):
    """No stored run has that id."""


_GAP_EVENTS = ('node_succeeded', 'node_failed', 'node_skipped', 'node_cancelled', 'run_finished')


def cost_gaps(events: list[dict[str, Any]]) -> tuple[list[str], bool]:
    """(the nodes whose cost is unknown, whether the flagship was priced), from a run's stored events.

    The recorder keeps both in the events' data (`priced`, `flagship_priced`); runs recorded
    before they existed read as fully priced."""
    # NOTE: until the node and run tables get columns for these (a schema migration), the
    # events are their only home.
    unpriced, flagship_priced = [], True
    for event in events:
        if event['type'] == 'run_finished':
            flagship_priced = event.get('flagship_priced', True)
        elif event['type'] in _GAP_EVENTS and event.get('priced') is False:
            unpriced.append(event['node_id'])
    return unpriced, flagship_priced


class RunRepository:
    """Stored runs. Every method is one transaction.

    :param engine: from `storage.db.connect`
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def recorder(self, graph_id: str | None = None, graph_version_id: int | None = None,
                 source: str = '', resumed_from: str | None = None) -> RunRecorder:
        """A subscriber that stores the run it is given to (see `RunRecorder`)."""
        return RunRecorder(self.engine, graph_id, graph_version_id, source, resumed_from=resumed_from)

    def list_runs(self, graph_id: str | None = None, limit: int = 100) -> list[RunRow]:
        """Runs, newest first; only those of one stored graph when `graph_id` is given."""
        with transaction(self.engine) as session:
            query = select(RunRow)
            if graph_id is not None:
                query = query.where(RunRow.graph_id == graph_id)
            return list(session.exec(query.order_by(RunRow.started_at.desc()).limit(limit)).all())

    def find(self, id_or_prefix: str) -> str:
        """The full id of the run whose id is or starts with `id_or_prefix`; `RunNotFound` when
        none or several do (a prefix must be unique to name a run)."""
        prefix = id_or_prefix.strip()
        if not prefix:
            raise RunNotFound('no run id given')
        with transaction(self.engine) as session:
            if session.get(RunRow, prefix) is not None:
                return prefix
            escaped = prefix.replace('\\', '\\\\').replace('%', '\\%').replace('_', '\\_')
            found = session.exec(select(RunRow.id).where(RunRow.id.like(f'{escaped}%', escape='\\')).limit(6)).all()
        if not found:
            raise RunNotFound(f'no stored run has an id starting "{prefix}"')
        if len(found) > 1:
            listed = ', '.join(run_id[:12] for run_id in found[:5])
            raise RunNotFound(f'"{prefix}" starts the ids of several runs ({listed}{" …" if len(found) > 5 else ""}); '
                              'give more of the id')
        return found[0]

    def get_run(self, run_id: str) -> RunDetail:
        """A run with its node runs and attempts; `RunNotFound` if there is none."""
        with transaction(self.engine) as session:
            run = session.get(RunRow, run_id)
            if run is None:
                raise RunNotFound(f'no stored run has the id "{run_id}"')
            nodes = session.exec(select(NodeRunRow).where(NodeRunRow.run_id == run_id).order_by(NodeRunRow.id)).all()
            attempts = session.exec(select(AttemptRow).where(AttemptRow.run_id == run_id)
                                    .order_by(AttemptRow.id)).all()
            return RunDetail(run, {node.node_id: node for node in nodes}, list(attempts))

    def events(self, run_id: str, after_seq: int = 0) -> list[dict[str, Any]]:
        """A run's stored events in order (those after `after_seq`), as `Event.to_dict()` shaped dicts."""
        with transaction(self.engine) as session:
            rows = session.exec(select(RunEventRow).where(RunEventRow.run_id == run_id, RunEventRow.seq > after_seq)
                                .order_by(RunEventRow.seq)).all()
            return [{'type': row.type, 'run_id': row.run_id, 'seq': row.seq, 't': row.t,
                     **({'node_id': row.node_id} if row.node_id else {}), **json.loads(row.data)} for row in rows]

    def cost_gaps(self, run_id: str) -> tuple[list[str], bool]:
        """`cost_gaps(events)` of a stored run, reading only its node-end and run-end events."""
        with transaction(self.engine) as session:
            rows = session.exec(select(RunEventRow.type, RunEventRow.node_id, RunEventRow.data).where(
                RunEventRow.run_id == run_id, RunEventRow.type.in_(_GAP_EVENTS)).order_by(RunEventRow.seq)).all()
        return cost_gaps([{'type': type_name, 'node_id': node_id, **json.loads(data)}
                          for type_name, node_id, data in rows])

    def mark_interrupted(self, run_ids: list[str] | None = None) -> list[str]:
        """Mark `running` runs whose process is gone as `interrupted` (and their unfinished
        started nodes too); return their ids. Call it when the app or the CLI starts.

        :param run_ids: mark these running runs, known to be dead another way (a worker's lease
            expired: storage/scale), whatever their process looks like from here
        """
        with transaction(self.engine) as session:
            query = select(RunRow).where(RunRow.status == 'running')
            if run_ids is not None:
                query = query.where(RunRow.id.in_(run_ids))
            running = session.exec(query).all()
            gone = [run for run in running
                    if run_ids is not None or not _process_alive(run.pid, run.host, run.process_started)]
            now = datetime.now(timezone.utc)
            for run in gone:
                finished = set(session.exec(select(NodeRunRow.node_id).where(NodeRunRow.run_id == run.id)).all())
                started = session.exec(select(RunEventRow.node_id).where(
                    RunEventRow.run_id == run.id, RunEventRow.type == 'node_started')).all()
                for node_id in dict.fromkeys(started):
                    if node_id not in finished:
                        session.add(NodeRunRow(run_id=run.id, node_id=node_id, status='interrupted',
                                               error='the process running it ended before it finished'))
                run.status = 'interrupted'
                run.error = 'the process running this mission ended before it finished'
                run.finished_at = run.finished_at or now
                run.nodes_done = len([1 for status in session.exec(select(NodeRunRow.status).where(
                    NodeRunRow.run_id == run.id)).all() if status == 'succeeded'])
                session.add(run)
            return [run.id for run in gone]


@when_opened
def _mark_dead_runs_interrupted(engine: Engine) -> None:
    # Every command and the app see a run whose process is gone as interrupted from their start.
    RunRepository(engine).mark_interrupted()
