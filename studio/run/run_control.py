"""Starting, following and stopping runs from an editor page: Run, Cancel, re-run from a node.

Every page of a graph watches the app's `Missions`: a run started in one tab animates in all
of them, and a page opened during a run joins it (`attach`).
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from nicegui import background_tasks, run, ui

from nodes.kinds.input import input_fields
from storage.db import StorageError
from storage.graphs import GraphNotFound
from storage.runs import RunNotFound

from .controller_bridge import MissionBridge
from .missions import RunRefused
from .node_states import RunBatch
from .run_form import RunForm
from .resume import RESUMABLE, chain, mission_budget
from .run_view import RunView, ShownRun


class RunControl:
    """Run, Cancel and re-run for one page, and the live run it follows.

    :param view: the page's run display
    :param after_run: awaited when a followed run has finished (History refreshes)
    """

    def __init__(self, view: RunView, after_run: Callable[[], Awaitable[None]]) -> None:
        self.view = view
        self.after_run = after_run
        self.bridge: MissionBridge | None = None
        self.form: RunForm | None = None
        self.run_button: Any = None
        self.cancel_button: Any = None
        self.timer: Any = None

    @property
    def missions(self) -> Any:
        return self.view.missions

    # -- starting and stopping ------------------------------------------------------------------

    async def ask_run(self) -> None:
        """Open the Run form (fields from the graph's input nodes)."""
        view = self.view
        if self.missions.running(view.graph_id) is not None:
            ui.notify('A run of this graph is going; cancel it or wait for it to finish.', type='warning')
            return
        # The session keeps its problems up to date as the user edits (held equal to a full
        # validate_graph by its tests), so the graph is not validated again just to open the form.
        problems = view.page.session.problems
        if problems.count:
            first = problems.problems(min(problems.nodes_with_problems()))[0]
            ui.notify(f'The graph has {problems.count} problem{"s" * (problems.count != 1)} to fix before it can '
                      f'run; the first: {first.message}', type='warning', multi_line=True)
            return
        try:
            fields = input_fields(view.page.session.graph().nodes)
            live = self.missions.live_option()
        except RunRefused as refusal:
            ui.notify(str(refusal), type='negative')
            return
        if self.form is not None:
            self.form.dialog.delete()
        with view.page.client.content:  # not the header's slot: the dialog belongs to the page
            self.form = RunForm(fields, self.missions.remembered(view.graph_id), live, self.start_run,
                                self.estimate_run)
        self.form.open()

    async def start_run(self, request: Any) -> str | None:
        """Save the graph, run the version saved; None, or why the run could not start."""
        saved = await self.saved_graph()
        if isinstance(saved, str):
            return saved
        version, graph = saved
        try:
            await self.missions.start(self.view.graph_id, version.id, graph, request)
        except RunRefused as refusal:
            return str(refusal)
        self.missions.remember(self.view.graph_id, request)
        return None

    async def estimate_run(self, request: Any) -> Any:
        """The Run form's estimate of the graph as it is now; or why there is none, in one line."""
        try:
            return await self.missions.estimate(self.view.page.session.graph(), request)
        except RunRefused as refusal:
            return str(refusal)

    async def saved_graph(self) -> tuple[Any, Any] | str:
        """(version, graph) of the graph as saved now, or why it could not be saved."""
        open_graph = self.view.page.open_graph
        version = await open_graph.save('autosave')
        if version is None:
            return open_graph.error or 'the graph could not be saved, so the run could not record its version'
        try:
            return await run.io_bound(self.missions.graphs.get_version_by_id, version.id)
        except (GraphNotFound, StorageError) as error:
            return str(error)

    def cancel(self) -> None:
        bridge = self.missions.running(self.view.graph_id)
        if bridge is not None:
            bridge.cancel()

    async def rerun_from(self, node_id: str) -> None:
        """Re-execute a node and its downstream nodes, reusing the shown run's other outputs."""
        shown = self.view.shown
        if shown is None or shown.running:
            return
        try:
            past = await run.io_bound(self.missions.runs.get_run, shown.run_id)
            if past.run.graph_version_id is None:
                raise RunNotFound('that run did not record the graph version it ran, so it cannot be reused')
            _, ran = await run.io_bound(self.missions.graphs.get_version_by_id, past.run.graph_version_id)
        except (RunNotFound, GraphNotFound, StorageError) as error:
            ui.notify(str(error), type='negative')
            return
        saved = await self.saved_graph()
        if isinstance(saved, str):
            ui.notify(saved, type='negative')
            return
        version, graph = saved
        graph_id = self.view.graph_id
        try:
            await self.missions.rerun_from(graph_id, version.id, graph, past, ran, node_id,
                                           self.missions.remembered(graph_id))
        except RunRefused as refusal:
            ui.notify(str(refusal), type='negative', multi_line=True)

    async def resume_shown(self, budget_usd: float | None) -> None:
        """Carry on the shown stopped run (Resume in the toolbar), with the mission's whole budget."""
        shown = self.view.shown
        if shown is None or shown.running:
            return
        try:
            await self.missions.resume(self.view.graph_id, shown.run_id, budget_usd)
        except RunRefused as refusal:
            ui.notify(str(refusal), type='negative', multi_line=True)
        except (RunNotFound, GraphNotFound, StorageError) as error:
            ui.notify(str(error), type='negative')

    async def offer_resume(self, run_id: str) -> None:
        """Fill the toolbar's Resume menu for a stopped run: its budget, and what the mission cost so far."""
        try:
            parts = await run.io_bound(chain, self.missions.runs, run_id)
        except (RunNotFound, StorageError):
            return
        if parts and not self.view.gone:
            self.view.toolbar.offer_resume(mission_budget(parts), sum(part.cost_usd for part in parts))

    # -- following a live run -------------------------------------------------------------------

    def attach(self, bridge: MissionBridge) -> None:
        """Show a live run (a watcher of the graph's missions: called when one starts)."""
        if self.bridge is bridge:
            return
        self.detach()
        view = self.view
        self.bridge = bridge
        bridge.listeners.append(self._on_batch)
        bridge.finished_listeners.append(self._on_finished)
        snapshot = bridge.display.snapshot()
        note = f're-run from {bridge.from_node}' if bridge.from_node else ''
        view.shown = ShownRun(bridge.run_id, bridge.display.nodes, snapshot.figures, bridge, note, view.titles())
        view.replace_states(snapshot.states)
        view.toolbar.show(snapshot.figures, note)
        view.panel.start_timeline(f'Run {bridge.run_id[:8]}' + (f', {note}' if note else ''), snapshot.timeline)
        self.show_running(bridge.running)
        view.refresh_detail()

    def detach(self) -> None:
        if self.bridge is not None:
            for listeners, listener in ((self.bridge.listeners, self._on_batch),
                                        (self.bridge.finished_listeners, self._on_finished)):
                if listener in listeners:
                    listeners.remove(listener)
            self.bridge = None

    def show_running(self, running: bool) -> None:
        self.run_button.set_visibility(not running)
        self.cancel_button.set_visibility(running)
        self.timer.active = running

    def _on_batch(self, batch: RunBatch) -> None:
        view = self.view
        if view.shown is None or view.gone:
            return
        view.set_states(batch.states)
        view.shown.figures = batch.figures
        if batch.finished:
            view.toolbar.show(batch.figures, view.shown.note)
        else:  # drawn at the page timer's next tick: the bar redraws at most twice a second
            view.toolbar.follow(batch.figures, view.shown.note)
        view.panel.push_timeline(batch.timeline, batch.omitted)
        if view.detail_node in batch.states:
            view.show_node(view.detail_node)

    def _on_finished(self, bridge: MissionBridge) -> None:
        view = self.view
        if self.bridge is not bridge or view.shown is None:
            return
        self.show_running(False)
        view.panel.show_costs(view.shown.records, view.shown.figures, view.shown.titles)
        if bridge.error:
            with view.toolbar.card:
                ui.notify(bridge.error, type='negative')
        view.refresh_detail()
        background_tasks.create(self.after_run(), name='refresh run history')
        if view.shown.figures.status in RESUMABLE:
            background_tasks.create(self.offer_resume(bridge.run_id), name='offer resume')
