"""What a worker does with one mission: claim its run, compile the graph, run it with the
existing `MissionController`, recording it in the database and publishing it to the state store.

The request (JSON, made by `mission_request`): the run's id, the graph file's document, the
inputs, the budget, `simulated` and `latency_ms`, the stored graph and version it is of (or the
file it came from), pinned outputs, and for a re-run from a node the cache of past outputs it
serves unchanged nodes from (signature -> output: the signature includes the catalog entry
and provider mode, so the worker serves a node only as the app's plan would have). While the
mission runs, a watcher renews the run's lease in Redis (`LEASE_S`, renewed every third of it)
and cancels the mission as soon as a cancel is requested (`swarm-studio cancel`, the editor's
Cancel). `sweep_expired_leases` turns a run whose worker stopped renewing its lease into
`interrupted`, keeping its finished nodes. A worker first loads what a mission's first model
call would (`warm_up`), and announces each run it takes (storage/scale/run_starts.py).
"""
from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Any

from sqlalchemy import update
from sqlalchemy.engine import Engine

from ..db import core_transaction
from ..runs import RunRecorder, RunRepository, RunRow
from .queued_runs import claim_run, run_status, running_on_workers
from .run_starts import announce
from .state_store import RedisStateStore

log = logging.getLogger(__name__)

LEASE_S = 15.0
CANCEL_POLL_S = 0.2  # how soon a requested cancel reaches a running mission


def mission_request(run_id: str, graph: Any, inputs: dict[str, Any], *, simulated: bool,
                    latency_ms: int | None = None, budget_usd: float | None = None, graph_id: str | None = None,
                    graph_version_id: int | None = None, source: str = '', pinned: dict[str, Any] | None = None,
                    concurrency: int | None = None, cache: dict[str, Any] | None = None) -> dict[str, Any]:
    """The task's argument for a run enqueued with `queued_runs.enqueue_run`.

    :param cache: for a re-run from a node, the outputs it reuses by signature (studio/run/rerun.py)
    """
    return {'run_id': run_id, 'graph': graph.to_document(), 'inputs': inputs, 'simulated': simulated,
            'latency_ms': latency_ms, 'budget_usd': budget_usd, 'graph_id': graph_id,
            'graph_version_id': graph_version_id, 'source': source, 'pinned': pinned or {},
            'concurrency': concurrency, 'cache': cache}


def run_mission(request: dict[str, Any], engine: Engine, store: RedisStateStore, worker: str,
                lease_s: float = LEASE_S) -> str:
    """Run the mission of `request` if no one took it yet; the run's status (as stored) after."""
    run_id = request['run_id']
    if not claim_run(engine, run_id, worker):
        status = run_status(engine, run_id)
        log.info('run %s is %s: not run again', run_id, status or 'not stored')
        return status or 'missing'
    store.hold_lease(run_id, worker, lease_s)
    announce(store, run_id, request.get('graph_id'))  # whoever queued it may not have (a script)
    try:
        mission, inputs, publisher = _prepare(request, engine, store, worker)
    except _Refused as refused:
        _fail(engine, store, run_id, str(refused))
        return 'failed'
    try:
        summary = asyncio.run(_run(mission, inputs, store, worker, lease_s))
    finally:
        publisher.close()
    try:
        store.finish(run_id, summary.to_dict())
        store.release_lease(run_id)
    except store.errors as error:
        log.warning('run %s: its end could not be published (%s); the database has its record', run_id, error)
    return summary.status


def warm_up() -> None:
    """Load now what a mission loads on its first model call — the agent step, template rendering,
    the token encoding (tiktoken: a tenth of a second or more) — so that it does not stall the
    event loop of a worker's first mission, holding up every event it is about to publish."""
    from nodes.kinds import agent_step  # noqa: F401 (its import is the work)
    from nodes.tokens import count_text
    count_text('warm up')


class _Refused(Exception):
    """The mission cannot start; the message says why."""


def _prepare(request: dict[str, Any], engine: Engine, store: RedisStateStore,
             worker: str) -> tuple[Any, dict, Any]:
    from nodes.catalog import CatalogError
    from nodes.engine import InputError, MissionController, UnpricedModel
    from nodes.plan import InvalidGraphError, compile_graph
    from nodes.providers.simulated import SimulatedProvider
    from nodes.validation import GraphFileError, parse_graph

    from ..settings import stored_catalog
    try:
        graph = parse_graph(json.dumps(request['graph']).encode())
        catalog = stored_catalog(engine)
        if request['simulated']:
            provider = SimulatedProvider(latency_ms=request.get('latency_ms'))
        else:
            unusable = catalog.unusable_tiers()
            if unusable:
                keys = sorted({name for names in unusable.values() for name in names})
                raise _Refused(f'this worker has no key for a model of every tier (set {" or ".join(keys)} '
                               'in the worker\'s environment)')
            from nodes.providers.live import LiveProvider
            provider, catalog = LiveProvider(), catalog.usable()
        plan = compile_graph(graph, catalog, provider)
        recorder = RunRecorder(engine, request.get('graph_id'), request.get('graph_version_id'),
                               request.get('source') or '', worker=worker)
        mission = MissionController(plan, budget_usd=request.get('budget_usd'), subscribers=[recorder],
                                    concurrency=request.get('concurrency'),
                                    pinned=request.get('pinned') or None, run_id=request['run_id'],
                                    cache=request.get('cache'))
        inputs = mission.check_inputs(request.get('inputs'))
        publisher = store.publisher(request['run_id'])  # last: it starts a thread
        mission.subscribe(publisher)
    except (GraphFileError, InvalidGraphError) as error:
        problems = getattr(error, 'problems', None) or []
        raise _Refused('the graph has problems: ' + '; '.join(problem.message for problem in problems[:3])) from None
    except (InputError, UnpricedModel, CatalogError, ValueError) as error:
        raise _Refused(str(error)) from None
    return mission, inputs, publisher


def _fail(engine: Engine, store: RedisStateStore, run_id: str, error: str) -> None:
    log.warning('run %s not run: %s', run_id, error)
    runs = RunRow.__table__
    with core_transaction(engine) as connection:
        connection.execute(update(runs).where(runs.c.id == run_id).values(status='failed', error=error))
    try:
        store.finish(run_id, {'run_id': run_id, 'status': 'failed', 'error': error})
        store.release_lease(run_id)
    except store.errors:
        pass


async def _run(mission: Any, inputs: dict[str, Any], store: RedisStateStore, worker: str, lease_s: float) -> Any:
    watcher = asyncio.create_task(_watch(mission, store, worker, lease_s))
    try:
        return await mission.run(inputs)
    finally:
        watcher.cancel()


async def _watch(mission: Any, store: RedisStateStore, worker: str, lease_s: float) -> None:
    """Renew the run's lease, and cancel the mission once a cancel is requested."""
    run_id, renewed = mission.run_id, time.monotonic()
    while True:
        try:
            if time.monotonic() - renewed >= lease_s / 3:
                await asyncio.to_thread(store.hold_lease, run_id, worker, lease_s)
                renewed = time.monotonic()
            if await asyncio.to_thread(store.cancel_requested, run_id):
                mission.cancel()
                return
        except store.errors as error:
            log.warning('run %s: Redis did not answer (%s); the mission goes on', run_id, error)
        await asyncio.sleep(CANCEL_POLL_S)


class LeaseSweeper:
    """Marks `interrupted` the runs a worker took whose lease has been gone for a whole lease period.

    Twice, `lease_s` apart: a lease missing once may be Redis restarting (its keys lost), and the
    worker renews it within a third of the period.
    """

    def __init__(self, engine: Engine, store: RedisStateStore, lease_s: float = LEASE_S) -> None:
        self.engine, self.store, self.lease_s = engine, store, lease_s
        self._missing_since: dict[str, float] = {}

    def sweep(self) -> list[str]:
        """Look once; the ids of the runs marked interrupted now."""
        now = time.monotonic()
        running = running_on_workers(self.engine)
        missing = {}
        for run_id in running:
            if self.store.lease_owner(run_id) is None:
                missing[run_id] = self._missing_since.get(run_id, now)
        self._missing_since = missing
        dead = [run_id for run_id, since in missing.items() if now - since >= self.lease_s]
        if not dead:
            return []
        marked = RunRepository(self.engine).mark_interrupted(dead)
        for run_id in marked:
            self._missing_since.pop(run_id, None)
            log.warning('run %s: its worker stopped renewing its lease; marked interrupted', run_id)
            try:
                self.store.finish(run_id, {'run_id': run_id, 'status': 'interrupted',
                                           'error': 'the worker running this mission ended before it finished'})
            except self.store.errors:
                pass
        return marked
