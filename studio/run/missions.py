"""The app's missions: starting runs of stored graphs, one at a time per graph, shared by every page.

    missions = Missions(graphs, runs)
    bridge = await missions.start(graph_id, version_id, graph, RunRequest({'company': 'Acme'}))
    missions.watch(graph_id, page.attach)       # every page of the graph learns of new runs

A run gets the stored catalog, the provider its request asks for (provider_choice), the
default concurrency, the graph's pins, and a `RunRecorder` that stores it with the graph
version it ran. `rerun_from` re-executes a node and its downstream nodes, serving the others
from a cache built from a past run (rerun.py). With workers (Redis configured) every run,
re-runs and resumes included, is queued for them (the cache goes with the mission), and runs
of a watched graph queued by other processes are followed too. No NiceGUI here; the runs go
on the running event loop (the app's).
"""
from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any

from nodes.catalog import Catalog, CatalogError
from nodes.engine import InputError, MissionController, UnpricedModel
from nodes.plan import InvalidGraphError, MissionPlan, compile_graph
from nodes.graph import Graph
from storage.graphs import GraphRepository
from storage.routing_history import history_for
from storage.runs import RunDetail, RunRepository
from storage.scale.state_store import state_store
from storage.settings import stored_catalog

from . import hop_trace, preferences
from .controller_bridge import TICK_S, MissionBridge, tick_for
from .provider_choice import SIMULATED, LiveOption, live_option, provider_for
from .remote_mission import RemoteMission
from .rerun import rerun_cache
from .resume import ResumeRefused, prepare

log = logging.getLogger(__name__)

STILL_GOING = 'a run of this graph is still going; cancel it or wait for it to finish'


@dataclass
class RunRequest:
    """What the Run form asks for.

    :param inputs: input field values
    :param budget_usd: refuse calls beyond this cost (None: no budget)
    :param mode: `simulated` or `live`
    :param latency_ms: simulated latency of every call (None: the per-tier defaults)
    """
    inputs: dict[str, Any] = field(default_factory=dict)
    budget_usd: float | None = None
    mode: str = SIMULATED
    latency_ms: int | None = None


class RunRefused(Exception):
    """A run that cannot start; the message is one sentence, `problems` lists input problems."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


class Missions:
    """Runs of stored graphs in this process, by graph id.

    :param graphs: the graph repository
    :param runs: the run repository (same database)
    :param tick_s: seconds between deliveries to pages (default: `TICK_S`; longer for a large graph: `tick_for`)
    """

    def __init__(self, graphs: GraphRepository, runs: RunRepository, tick_s: float = TICK_S,
                 store: Any = None) -> None:
        self.graphs = graphs
        self.runs = runs
        self.tick_s = tick_s
        # Where runs go: in this process (local), or on workers when Redis is configured (storage/scale).
        self.store = store if store is not None else state_store()
        if self.store.remote:  # the first Run should not wait for Celery's imports (a second or so)
            threading.Thread(target=_import_the_queue, name='import celery', daemon=True).start()
        self.last: dict[str, MissionBridge] = {}
        self._watchers: dict[str, list[Callable[[MissionBridge], Any]]] = {}
        self._run_starts: Any = None  # with workers: hears runs started by other processes (once)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._starting: set[str] = set()  # graph ids whose run `start` is preparing

    @property
    def engine(self) -> Any:
        return self.runs.engine

    # -- reading --------------------------------------------------------------------------------

    def running(self, graph_id: str) -> MissionBridge | None:
        """The run of this graph going on now, if any (not one still being prepared: `start`)."""
        bridge = self.last.get(graph_id)
        return bridge if bridge is not None and bridge.running else None

    def catalog(self) -> Catalog:
        try:
            return stored_catalog(self.engine)
        except CatalogError as error:
            raise RunRefused(f'the tier catalog cannot be used: {error}; fix it on the settings page') from None

    def live_option(self) -> LiveOption:
        return live_option(self.catalog())

    def defaults(self) -> preferences.RunDefaults:
        return preferences.run_defaults(self.engine)

    def remembered(self, graph_id: str) -> RunRequest:
        """The Run form's last values for this graph (the defaults before its first run)."""
        stored = preferences.remembered_form(self.engine, graph_id)
        if not stored:
            return RunRequest(budget_usd=self.defaults().budget_usd)
        return RunRequest(**{key: stored[key] for key in ('inputs', 'budget_usd', 'mode', 'latency_ms')
                             if key in stored})

    def pins(self, graph_id: str) -> dict[str, Any]:
        return preferences.pins(self.engine, graph_id)

    def pin(self, graph_id: str, node_id: str, value: Any) -> None:
        """Pin a node's output: runs use `value` without calling a model."""
        json.dumps(value)  # TypeError now rather than when stored
        preferences.save_pins(self.engine, graph_id, {**self.pins(graph_id), node_id: value})

    def unpin(self, graph_id: str, node_id: str) -> None:
        pinned = self.pins(graph_id)
        pinned.pop(node_id, None)
        preferences.save_pins(self.engine, graph_id, pinned)

    # -- starting runs --------------------------------------------------------------------------

    def watch(self, graph_id: str, watcher: Callable[[MissionBridge], Any]) -> Callable[[], None]:
        """Call `watcher(bridge)` whenever a run of this graph starts — here, or, with workers, queued by
        another process (announced: storage/scale/run_starts.py) —; return the unsubscribe function."""
        if self.store.remote and self._run_starts is None:
            self._listen_for_run_starts()
        watchers = self._watchers.setdefault(graph_id, [])
        watchers.append(watcher)
        return lambda: watcher in watchers and watchers.remove(watcher)

    async def start(self, graph_id: str, version_id: int | None, graph: Graph, request: RunRequest,
                    cache: Callable[[MissionPlan], dict[str, Any]] | None = None,
                    from_node: str | None = None, carried: dict[str, Any] | None = None,
                    resumed_from: str | None = None) -> MissionBridge:
        """Start a run of a stored graph version in the background; `RunRefused` if it cannot start.

        The run is prepared (the catalog and pins read, the graph compiled, the inputs checked) on a
        thread: for a graph of thousands of nodes that takes a second or more of CPU, which on the
        event loop would stall every page of the app. Only handing the run to the loop happens here.

        :param graph_id: the stored graph
        :param version_id: the graph version row it runs (`VersionSummary.id`), recorded with the run
        :param graph: that version's graph
        :param request: inputs, budget, provider mode
        :param cache: makes, from the compiled plan, the signature -> output map served to
            unchanged nodes (re-run)
        :param from_node: the node a re-run starts from (shown by the pages)
        :param carried: node id -> output carried over from the run this one resumes (as pins)
        :param resumed_from: the stopped run this one resumes, recorded with it
        """
        with self._starting_run(graph_id):
            controller, inputs = await asyncio.to_thread(self._prepare, graph_id, version_id, graph, request, cache,
                                                         carried, resumed_from)
            # A run of this graph followed from a worker may have begun while this one was prepared.
            self._refuse_if_running(graph_id)
            self._begin(graph_id, self._bridge(controller, from_node), inputs)
        return self.last[graph_id]

    @contextmanager
    def _starting_run(self, graph_id: str) -> Iterator[None]:
        """Hold the graph's one run from the refusal to the run's beginning, so that a second Run
        pressed while the first is being prepared is refused, not started beside it."""
        if graph_id in self._starting:
            raise RunRefused(STILL_GOING)
        self._refuse_if_running(graph_id)
        self._starting.add(graph_id)
        try:
            yield
        finally:
            self._starting.discard(graph_id)

    def _refuse_if_running(self, graph_id: str) -> None:
        if self.running(graph_id) is not None:
            raise RunRefused(STILL_GOING)

    def _prepare(self, graph_id: str, version_id: int | None, graph: Graph, request: RunRequest,
                 cache: Callable[[MissionPlan], dict[str, Any]] | None, carried: dict[str, Any] | None,
                 resumed_from: str | None) -> tuple[Any, dict[str, Any]]:
        """(the controller of the run, its checked inputs): everything `start` does before the loop
        has the run; on a thread."""
        try:
            provider, catalog = provider_for(request.mode, self.catalog(), request.latency_ms)
        except ValueError as error:
            raise RunRefused(str(error)) from None
        defaults = self.defaults()
        node_ids = {node.id for node in graph.nodes}
        pinned = {node_id: value for node_id, value in self.pins(graph_id).items() if node_id in node_ids}
        pinned.update(carried or {})
        recorder = self.runs.recorder(graph_id=graph_id, graph_version_id=version_id, resumed_from=resumed_from)
        # A fresh run learns from escalations; a re-run or a resume keeps the routes of the run
        # it reuses, so that what it carries over stays valid.
        history = history_for(self.engine, graph, provider.simulated) if cache is None and carried is None and resumed_from is None else None
        try:
            plan = compile_graph(graph, catalog, provider, history=history)
            controller = MissionController(plan, budget_usd=request.budget_usd, concurrency=defaults.concurrency,
                                           subscribers=[recorder], pinned=pinned,
                                           cache=cache(plan) if cache is not None else None)
            inputs = controller.check_inputs(request.inputs)
        except InvalidGraphError as error:
            count = len(error.problems)
            raise RunRefused(f'the graph has {count} problem{"s" * (count != 1)} to fix before it can run; '
                             f'the first: {error.problems[0].message}') from None
        except InputError as error:
            raise RunRefused('the inputs do not fit the graph: ' + '; '.join(error.problems), error.problems) from None
        except UnpricedModel as error:
            raise RunRefused(str(error)) from None
        if self.store.remote:  # a re-run's cache (signature -> past output) goes with the mission
            controller = RemoteMission(graph, controller.run_id, self.store, self.engine, self._enqueuer(
                controller, graph_id, version_id, graph, request, inputs, pinned, resumed_from,
                defaults.concurrency))
        return controller, inputs

    def _bridge(self, controller: Any, from_node: str | None = None) -> MissionBridge:
        """The bridge of a run to pages, its batches paced for the size of the graph (`tick_for`)."""
        return MissionBridge(controller, tick_for(len(controller.graph.nodes), self.tick_s), from_node)

    def _begin(self, graph_id: str, bridge: MissionBridge, inputs: dict[str, Any]) -> None:
        self.last[graph_id] = bridge
        if self.store.remote:
            # After the pages had this run's end: one queued meanwhile may be going on.
            bridge.finished_listeners.append(
                lambda _: asyncio.get_running_loop().call_soon(self._follow_next, graph_id))
        if hop_trace.enabled() and isinstance(bridge.controller, RemoteMission):
            bridge.listeners.append(lambda batch: hop_trace.record(bridge.run_id, [
                node_id for node_id, shown in batch.states.items() if shown and shown.get('state') == 'succeeded'],
                'sent'))
        bridge.start(inputs)
        for watcher in list(self._watchers.get(graph_id, ())):
            try:
                watcher(bridge)
            except Exception:
                log.exception('a watcher of graph %s failed', graph_id)

    def _enqueuer(self, controller: MissionController, graph_id: str, version_id: int | None, graph: Graph,
                  request: RunRequest, inputs: dict[str, Any], pinned: dict[str, Any], resumed_from: str | None,
                  concurrency: Any) -> Callable[[], None]:
        """What puts this mission on the workers' queue (run on a thread by `RemoteMission`)."""
        from storage.scale.mission_task import mission_request
        from storage.scale.queue import enqueue_mission
        from storage.scale.queued_runs import cancel_queued, enqueue_run
        from storage.scale.run_starts import announce
        run_id, simulated = controller.run_id, controller.simulated
        cache = None if controller.cache is None else dict(controller.cache)

        def enqueue() -> None:
            enqueue_run(self.engine, graph_name=graph.name, node_count=len(graph.nodes), simulated=simulated,
                        inputs=inputs, budget_usd=request.budget_usd, graph_id=graph_id,
                        graph_version_id=version_id, resumed_from=resumed_from, run_id=run_id)
            try:
                enqueue_mission(self.store.url, mission_request(
                    run_id, graph, inputs, simulated=simulated, latency_ms=request.latency_ms,
                    budget_usd=request.budget_usd, graph_id=graph_id, graph_version_id=version_id, pinned=pinned,
                    concurrency=concurrency if isinstance(concurrency, int) else None, cache=cache))
            except Exception as error:
                cancel_queued(self.engine, run_id)
                raise RuntimeError(f'the mission could not be queued for the workers ({error})') from None
            announce(self.store, run_id, graph_id)  # the pages of this graph in other apps

        return enqueue

    def _listen_for_run_starts(self) -> None:
        from storage.scale.run_starts import RunStartListener
        try:
            self._loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # not in the app's event loop: nothing to hand announced runs to
        self._run_starts = RunStartListener(self.store, self._heard_run_start).start()

    def _heard_run_start(self, graph_id: str, run_id: str) -> None:
        """A run of `graph_id` started elsewhere (on the listener's thread): follow it if a page shows the graph."""
        from storage.scale.queued_runs import queued_or_running
        if not self._watchers.get(graph_id) or self._followed(graph_id, run_id):
            return
        found = queued_or_running(self.engine, run_id)
        if found is None or found[0] != graph_id or found[1] is None:
            return  # over already, or of no stored version (nothing the page could show)
        _, graph = self.graphs.get_version_by_id(found[1])
        self._loop.call_soon_threadsafe(self._follow_announced, graph_id, run_id, graph)

    def _followed(self, graph_id: str, run_id: str) -> bool:
        last = self.last.get(graph_id)
        return last is not None and last.run_id == run_id

    def _follow_announced(self, graph_id: str, run_id: str, graph: Graph) -> None:
        if self._followed(graph_id, run_id) or self.running(graph_id) is not None:
            return  # this process started it, or follows another run of the graph (one at a time)
        self._begin(graph_id, self._bridge(RemoteMission(graph, run_id, self.store, self.engine)), {})

    def _follow_next(self, graph_id: str) -> None:
        """A run of the graph ended (its pages had its end first): follow another going on a worker, if
        pages show the graph — one queued elsewhere while this one was followed."""
        if self._watchers.get(graph_id):
            try:
                self.follow_remote(graph_id)
            except Exception:
                log.exception('following the next run of graph %s failed', graph_id)

    def follow_remote(self, graph_id: str) -> MissionBridge | None:
        """With workers, follow the run of this graph going on a worker (or queued) that this process
        does not follow yet — for a page opened, or reloaded, during it; the bridge, or None."""
        if not self.store.remote or self.running(graph_id) is not None:
            return None
        going = [row for row in self.runs.list_runs(graph_id, limit=20) if row.status in ('queued', 'running')
                 and (row.status == 'queued' or row.worker is not None)]
        if not going or going[0].graph_version_id is None:
            return None
        _, graph = self.graphs.get_version_by_id(going[0].graph_version_id)
        self._begin(graph_id, self._bridge(RemoteMission(graph, going[0].id, self.store, self.engine)), {})
        return self.last[graph_id]

    async def rerun_from(self, graph_id: str, version_id: int | None, graph: Graph, past: RunDetail, ran: Graph,
                         node_id: str, request: RunRequest) -> MissionBridge:
        """Re-execute `node_id` and its downstream nodes with the inputs of a past run; the other
        nodes are served from a cache of that run's outputs when their config and inputs are unchanged.

        :param past: the stored run to reuse (`RunRepository.get_run`)
        :param ran: the graph version that run ran
        :param request: budget and provider mode (its inputs are replaced by the past run's)
        """
        if node_id not in {node.id for node in graph.nodes}:
            raise RunRefused(f'node "{node_id}" is not in the graph any more; pick another node to re-run from')
        inputs = json.loads(past.run.inputs)

        def cache(plan: MissionPlan) -> dict[str, Any]:  # on start's thread, with the compiling
            outputs = {row_id: json.loads(row.output) for row_id, row in past.nodes.items()
                       if row.status == 'succeeded' and row.output is not None}
            first_models: dict[str, str] = {}  # the model each node's first attempt called
            for attempt in past.attempts:
                first_models.setdefault(attempt.node_id, attempt.model)
            try:
                ran_plan = compile_graph(ran, plan.catalog, plan.provider)
            except InvalidGraphError:
                return {}  # a version that no longer compiles serves nothing: every node runs again
            return rerun_cache(ran_plan, outputs, first_models, past.run.simulated, plan, node_id)

        return await self.start(graph_id, version_id, graph, RunRequest(inputs, request.budget_usd, request.mode,
                                                                        request.latency_ms), cache, node_id)

    async def estimate(self, graph: Graph, request: RunRequest) -> Any:
        """What a run of `graph` with `request` would cost (nodes/estimate.py); `RunRefused` when
        it could not run (a problem in the graph, inputs that do not fit).

        Worked out on a thread: a large graph takes seconds, which on the event loop would pause
        every page of the app (the thread shares the interpreter, but the loop gets its turns)."""
        return await asyncio.to_thread(self._estimate_now, graph, request)

    def _estimate_now(self, graph: Graph, request: RunRequest) -> Any:
        from nodes.estimate import estimate_plan_now
        try:
            provider, catalog = provider_for(request.mode, self.catalog(), 0)
            plan = compile_graph(graph, catalog, provider, history=history_for(self.engine, graph, provider.simulated))
            inputs = MissionController(plan).check_inputs(request.inputs)
        except ValueError as error:  # InvalidGraphError, InputError and a mode's refusal are ValueErrors
            raise RunRefused(str(error)) from None
        return estimate_plan_now(plan, inputs)

    async def resume(self, graph_id: str, run_id: str, budget_usd: float | None) -> MissionBridge:
        """Carry on a stopped run of this graph: its succeeded nodes carried over, the rest run
        (resume.py); `RunRefused` if it cannot be resumed.

        :param budget_usd: the mission's whole budget, earlier parts included (None: the stopped run's)
        """
        try:
            resumption = await asyncio.to_thread(prepare, self.runs, self.graphs, run_id, budget_usd)
        except ResumeRefused as refusal:
            raise RunRefused(str(refusal)) from None
        if resumption.graph_id != graph_id:
            raise RunRefused(f'run {run_id[:8]} is not a run of this graph')
        remaining = None if resumption.budget_usd is None else resumption.budget_usd - resumption.earlier_cost_usd
        request = RunRequest(resumption.inputs, remaining, SIMULATED if resumption.simulated else 'live',
                             self.remembered(graph_id).latency_ms)
        return await self.start(graph_id, resumption.graph_version_id, resumption.graph, request,
                                carried=resumption.pinned, resumed_from=run_id)

    def remember(self, graph_id: str, request: RunRequest) -> None:
        preferences.remember_form(self.engine, graph_id, asdict(request))


def _import_the_queue() -> None:
    import kombu.transport.redis  # noqa: F401 (what sending a task loads)

    from storage.scale.queue import celery_app
    celery_app('redis://').close()
