"""The run writer: a helper process that writes a recorder's rows into a SQLite file.

A run that does little but bookkeeping spends about a third of its time encoding rows as JSON
and in SQLite. `RunRecorder` hands that work to this process, so it runs on another core
while the mission goes on: the recorder sends each batch of rows as one marshal frame on the
process's standard input; the process writes each frame in one transaction, in order. At the
end of its input (the run finished, or the recorder's process died) it has written every
frame it received whole, and exits — so a run killed mid-way still keeps every node whose
batch was sent, as with rows written in-process.

It is kept because it pays: in-process runs of 2,400 simulated nodes recorded into SQLite took
927 and 1,203 µs a node with it against 1,179 and 1,883 µs with the writer thread alone
(storage/writer_thread.py), measured side by side on 2026-12-02 on a shared two-core machine
(benchmarks/bench_engine.py gives the whole-run figures). A small run never starts it.

The frame: `(encoded, attempts, node_runs, events, totals)`. Rows are those of
`storage.runs`, in the column order of its tables; their JSON columns hold the values
themselves, to be encoded here (`encode_rows`), unless `encoded` is true (then they hold the
JSON text already). `totals` are the run's column values to update. This module imports only
the standard library: the process starts in a few tens of milliseconds, without SQLAlchemy; so
it holds no copy of the tables' columns either: `storage.runs` derives them from its SQLModel
tables and passes them (`Layout`, as JSON) on the command line.

    python -S run_writer.py DATABASE_FILE RUN_ID LAYOUT_JSON
"""
from __future__ import annotations

import json
import marshal
import sqlite3
import struct
import sys
from typing import Any, BinaryIO



class Layout:
    """The columns rows are written to: for attempts, node runs and events, the non-key columns in
    table order; the run columns a batch may update. Made by `storage.runs` from its tables."""

    def __init__(self, attempts: list[str], node_runs: list[str], events: list[str], run: list[str]) -> None:
        self.attempts, self.node_runs, self.events = tuple(attempts), tuple(node_runs), tuple(events)
        self.run = frozenset(run)
        # Where the JSON columns are: encoded in the writer, off the mission's path.
        self.messages, self.attempt_output = attempts.index('messages'), attempts.index('output')
        self.node_output, self.data = node_runs.index('output'), events.index('data')

    def dumps(self) -> str:
        return json.dumps([self.attempts, self.node_runs, self.events, sorted(self.run)])

    @classmethod
    def loads(cls, text: str) -> Layout:
        return cls(*json.loads(text))


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


def encode_rows(layout: Layout, attempts: list, node_runs: list, events: list) -> tuple[list, list, list]:
    """The rows with their JSON columns encoded: an attempt's messages and output (None stays
    NULL), a node run's output (it comes as a 1-tuple, or None for no output), an event's data
    (unless it is JSON text already)."""
    messages, attempt_output, node_output, data = layout.messages, layout.attempt_output, layout.node_output, \
        layout.data
    encoded_attempts = []
    for row in attempts:
        row = list(row)
        row[messages] = to_json(row[messages])
        if row[attempt_output] is not None:
            row[attempt_output] = to_json(row[attempt_output])
        encoded_attempts.append(tuple(row))
    encoded_nodes = []
    for row in node_runs:
        row = list(row)
        if row[node_output] is not None:
            row[node_output] = to_json(row[node_output][0])
        encoded_nodes.append(tuple(row))
    encoded_events = []
    for row in events:
        if row[data].__class__ is not str:
            row = list(row)
            row[data] = to_json(row[data])
            row = tuple(row)
        encoded_events.append(row)
    return encoded_attempts, encoded_nodes, encoded_events


def write_frame(connection: sqlite3.Connection, layout: Layout, run_id: str, batch: tuple) -> None:
    encoded, attempts, node_runs, events, totals = batch
    if not encoded:
        attempts, node_runs, events = encode_rows(layout, attempts, node_runs, events)
    columns = [name for name in totals if name in layout.run]
    with connection:  # one transaction
        if attempts:
            connection.executemany(insert_sql('attempts', layout.attempts), attempts)
        if node_runs:
            connection.executemany(insert_sql('node_runs', layout.node_runs), node_runs)
        if events:
            connection.executemany(insert_sql('run_events', layout.events), events)
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


def main(path: str, run_id: str, layout: str) -> int:
    connection = connect(path)
    layout = Layout.loads(layout)
    failures = 0
    for batch in read_frames(sys.stdin.buffer):
        try:
            write_frame(connection, layout, run_id, batch)
        except sqlite3.Error as error:
            failures += 1
            print(f'swarm-studio run writer: a batch of run {run_id} was not stored: {error}', file=sys.stderr)
    connection.close()
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1], sys.argv[2], sys.argv[3]))
