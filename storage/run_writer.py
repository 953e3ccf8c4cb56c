"""The run writer: a helper process that writes a recorder's rows into a SQLite file.

A run that does little but bookkeeping spends about a third of its time encoding rows as JSON
and in SQLite. `RunRecorder` hands that work to this process, so it runs on another core
while the mission goes on: the recorder sends each batch of rows as one marshal frame on the
process's standard input; the process writes each frame in one transaction, in order. At the
end of its input (the run finished, or the recorder's process died) it has written every
frame it received whole, and exits — so a run killed mid-way still keeps every node whose
batch was sent, as with rows written in-process.

The frame: `(encoded, attempts, node_runs, events, totals)`. Rows are those of
`storage.runs`; their JSON columns hold the values themselves, to be encoded here
(`encode_rows`), unless `encoded` is true (then they hold the JSON text already). `totals` are
the run's column values to update. This module imports only the standard library: the
process starts in a few tens of milliseconds, without SQLAlchemy.

    python -S run_writer.py DATABASE_FILE RUN_ID
"""
from __future__ import annotations

import json
import marshal
import sqlite3
import struct
import sys
from typing import Any, BinaryIO

EVENT_COLUMNS = ('run_id', 'seq', 't', 'type', 'node_id', 'data')
ATTEMPT_COLUMNS = ('run_id', 'node_id', 'number', 'tier', 'model', 'messages', 'reply', 'output', 'error',
                   'error_kind', 'input_tokens', 'output_tokens', 'cost_usd', 'flagship_cost_usd', 'latency_s',
                   'finished_t')
NODE_COLUMNS = ('run_id', 'node_id', 'status', 'tier', 'model', 'attempts', 'cost_usd', 'output', 'error', 'pinned',
                'cached', 'started_t', 'finished_t')
TOTAL_COLUMNS = frozenset({'nodes_done', 'cost_usd', 'flagship_cost_usd', 'savings_pct', 'input_tokens',
                           'output_tokens'})
HEADER = struct.Struct('<I')  # a frame's length in bytes
to_json = json.JSONEncoder(ensure_ascii=False, default=str).encode  # as storage.runs encodes


def insert_sql(table: str, columns: tuple[str, ...]) -> str:
    return f'INSERT INTO {table} ({", ".join(columns)}) VALUES ({", ".join("?" * len(columns))})'


def frame(encoded: bool, attempts: list, node_runs: list, events: list, totals: dict[str, Any]) -> bytes:
    """One batch as the writer reads it; `ValueError` if a value cannot be marshalled."""
    payload = marshal.dumps((encoded, attempts, node_runs, events, totals))
    return HEADER.pack(len(payload)) + payload


def read_frames(stream: BinaryIO):
    """Frames until the end of `stream`; a frame cut short by the sender's death is dropped."""
    while True:
        header = stream.read(HEADER.size)
        if len(header) < HEADER.size:
            return
        (size,) = HEADER.unpack(header)
        payload = stream.read(size)
        if len(payload) < size:
            return
        yield marshal.loads(payload)


def encode_rows(attempts: list, node_runs: list, events: list) -> tuple[list, list, list]:
    """The rows with their JSON columns encoded (a node run's output comes as a 1-tuple, or None)."""
    return ([(run_id, node_id, number, tier, model, to_json(messages), reply,
              None if output is None else to_json(output), *rest)
             for run_id, node_id, number, tier, model, messages, reply, output, *rest in attempts],
            [(run_id, node_id, status, tier, model, count, cost, None if output is None else to_json(output[0]), *rest)
             for run_id, node_id, status, tier, model, count, cost, output, *rest in node_runs],
            [(run_id, seq, t, kind, node_id, data if data.__class__ is str else to_json(data))
             for run_id, seq, t, kind, node_id, data in events])


def write_frame(connection: sqlite3.Connection, run_id: str, batch: tuple) -> None:
    encoded, attempts, node_runs, events, totals = batch
    if not encoded:
        attempts, node_runs, events = encode_rows(attempts, node_runs, events)
    columns = [name for name in totals if name in TOTAL_COLUMNS]
    with connection:  # one transaction
        if attempts:
            connection.executemany(insert_sql('attempts', ATTEMPT_COLUMNS), attempts)
        if node_runs:
            connection.executemany(insert_sql('node_runs', NODE_COLUMNS), node_runs)
        if events:
            connection.executemany(insert_sql('run_events', EVENT_COLUMNS), events)
        if columns:
            connection.execute(f'UPDATE runs SET {", ".join(f"{name} = ?" for name in columns)} WHERE id = ?',
                               [totals[name] for name in columns] + [run_id])


def connect(path: str) -> sqlite3.Connection:
    connection = sqlite3.connect(path, timeout=30)
    # As storage.db configures its SQLite connections.
    connection.execute('PRAGMA journal_mode=WAL')
    connection.execute('PRAGMA synchronous=NORMAL')
    connection.execute('PRAGMA foreign_keys=ON')
    return connection


def main(path: str, run_id: str) -> int:
    connection = connect(path)
    failures = 0
    for batch in read_frames(sys.stdin.buffer):
        try:
            write_frame(connection, run_id, batch)
        except sqlite3.Error as error:
            failures += 1
            print(f'swarm-studio run writer: a batch of run {run_id} was not stored: {error}', file=sys.stderr)
    connection.close()
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1], sys.argv[2]))
