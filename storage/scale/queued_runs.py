"""Runs that wait for a worker: enqueued with the status `queued`, claimed by one worker only.

The database is what keeps a mission from running twice: a worker runs a run only after its
`claim` turned it from `queued` to `running` (one conditional UPDATE; a second delivery of the
same task, or a second worker, finds it taken). A queued run that is cancelled before any
worker takes it ends `cancelled` here at once.
"""
from __future__ import annotations

import json
import os
import socket
import uuid
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Engine

from ..db import core_transaction
from ..runs import RunRow

_runs = RunRow.__table__


def enqueue_run(engine: Engine, *, graph_name: str, node_count: int, simulated: bool, inputs: dict[str, Any],
                budget_usd: float | None = None, graph_id: str | None = None, graph_version_id: int | None = None,
                source: str = '', resumed_from: str | None = None, run_id: str | None = None) -> str:
    """Store a new run with the status `queued`; its id (`run_id`, or a new one)."""
    run_id = run_id or uuid.uuid4().hex
    with core_transaction(engine) as connection:
        connection.execute(insert(_runs), [{
            'id': run_id, 'graph_id': graph_id, 'graph_version_id': graph_version_id, 'graph_name': graph_name,
            'source': source, 'status': 'queued', 'simulated': simulated, 'budget_usd': budget_usd,
            'node_count': node_count, 'inputs': json.dumps(inputs, ensure_ascii=False, default=str),
            'host': socket.gethostname(), 'resumed_from': resumed_from, 'started_at': datetime.now(timezone.utc)}])
    return run_id


def claim_run(engine: Engine, run_id: str, worker: str) -> bool:
    """Take a queued run for `worker`: True if this call took it, False if it is not queued (any more)."""
    pid = os.getpid()
    with core_transaction(engine) as connection:
        taken = connection.execute(update(_runs).where(_runs.c.id == run_id, _runs.c.status == 'queued').values(
            status='running', worker=worker, pid=pid, host=socket.gethostname()))
        return taken.rowcount == 1


def cancel_queued(engine: Engine, run_id: str) -> bool:
    """End a run that no worker took yet as `cancelled`; False if it is not queued."""
    with core_transaction(engine) as connection:
        done = connection.execute(update(_runs).where(_runs.c.id == run_id, _runs.c.status == 'queued').values(
            status='cancelled', error='cancelled before a worker took it', finished_at=datetime.now(timezone.utc),
            duration_s=0.0))
        return done.rowcount == 1


def run_status(engine: Engine, run_id: str) -> str | None:
    with core_transaction(engine) as connection:
        return connection.execute(select(_runs.c.status).where(_runs.c.id == run_id)).scalar_one_or_none()


def queued_or_running(engine: Engine, run_id: str) -> tuple[str | None, int | None] | None:
    """(graph id, graph version id) of a run that is queued or running; None once it ended (or unknown)."""
    with core_transaction(engine) as connection:
        row = connection.execute(select(_runs.c.graph_id, _runs.c.graph_version_id).where(
            _runs.c.id == run_id, _runs.c.status.in_(('queued', 'running')))).first()
    return None if row is None else (row.graph_id, row.graph_version_id)


def running_on_workers(engine: Engine) -> list[str]:
    """Ids of the runs a worker took that are still `running` in the record."""
    with core_transaction(engine) as connection:
        return list(connection.execute(select(_runs.c.id).where(_runs.c.status == 'running',
                                                                 _runs.c.worker.is_not(None))).scalars())
