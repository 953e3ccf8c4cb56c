"""The editor page's run controls: Run and Cancel, the figures bar, the run panel, history, pins.

`EditorRun(page)` is built at the end of `EditorPage.__init__` (studio/editor/page.py); it
uses the page's `open_graph`, `session`, `canvas`, `client` and `run_slot` (a row in the
header) and nothing else of it. Every page of a graph watches the app's `Missions`: a run
started in one tab animates in all of them, and a page opened during a run joins it.

The canvas shows one run at a time: the live one, or one opened from History. Its node
states go to the canvas as `set_states` deltas, a batch per tick (controller_bridge.py);
with no run shown, pinned nodes are marked `pinned`.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any

from nicegui import background_tasks, run, ui

from nodes.kinds.input import input_fields
from storage.db import StorageError
from storage.graphs import GraphNotFound, GraphRepository
from storage.runs import RunNotFound, RunRepository

from ..desktop import native_files
from .controller_bridge import MissionBridge
from .export import export_file_name, run_export
from .history import HistoryList, changes_since
from .missions import Missions, RunRefused
from .node_states import (TIMELINE_KEPT, NodeRecord, RunBatch, RunFigures, stored_displays, stored_figures,
                          stored_record, stored_timeline)
from .run_form import RunForm
from .run_panel import NodeActions, RunPanel
from .toolbar import RunToolbar

log = logging.getLogger(__name__)
_missions: Missions | None = None


def register(graphs: GraphRepository) -> Missions:
    """Set up running for the app's repository (studio.app.build_app calls this); return the missions.

    Runs left `running` by a process that is gone are marked `interrupted` first.
    """
    global _missions
    runs = RunRepository(graphs.engine)
    runs.mark_interrupted()
    _missions = Missions(graphs, runs)
    return _missions


def missions() -> Missions:
    if _missions is None:
        raise RuntimeError('running is not set up: call studio.run.editor_run.register(graphs) first '
                           '(studio.app.build_app does)')
    return _missions


@dataclass
class ShownRun:
    """The run the canvas shows: live (with its bridge) or stored."""
    run_id: str
    records: dict[str, NodeRecord]
    figures: RunFigures
    bridge: MissionBridge | None = None
    note: str = ''
    titles: dict[str, str] = field(default_factory=dict)

    @property
    def running(self) -> bool:
        return self.bridge is not None and self.bridge.running


class EditorRun:
    """Run controls of one editor page (see the module docstring)."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.missions = missions()
        self.graph_id: str = page.open_graph.graph_id
        self.shown: ShownRun | None = None
        self.bridge: MissionBridge | None = None
        self.states: dict[str, dict[str, Any]] = {}  # what the canvas shows now, by node id
        self.detail_node: str | None = None
        self.pinned: dict[str, Any] = self.missions.pins(self.graph_id)
        self.form: RunForm | None = None
        self._session = page.open_graph.session

        with page.run_slot:
            self.run_button = ui.button('Run', icon='play_arrow', on_click=self.ask_run) \
                .props('unelevated dense color=positive aria-label=Run').classes('px-2').mark('run') \
                .tooltip('Run the mission')
            self.cancel_button = ui.button('Cancel', icon='stop', on_click=self.cancel) \
                .props('unelevated dense color=negative aria-label="Cancel the run"').classes('px-2') \
                .mark('cancel-run')
            self.cancel_button.set_visibility(False)
            ui.button(icon='receipt_long', on_click=self.toggle_panel) \
                .props('flat round color=white aria-label="Run panel"').mark('run-panel') \
                .tooltip('Run panel: timeline, costs, node run details, history')
            ui.button(icon='settings', on_click=lambda: ui.navigate.to('/settings')) \
                .props('flat round color=white aria-label=Settings').mark('settings').tooltip('Settings')
        self.toolbar = RunToolbar(on_export=self.export_shown, on_close=self.close_run)
        # NOTE: as wide as the inspector (w-96 in studio/editor/page.py), so the drawer covers the
        # inspector and never the canvas: fit view then shows the whole graph.
        with ui.right_drawer(value=False).props('overlay width=384 bordered').classes('bg-white p-0') \
                .mark('run-drawer') as self.drawer:
            self.panel = RunPanel(NodeActions(self.rerun_from, self.pin_output, self.edit_pin, self.unpin))
        self.history = HistoryList(self.panel.history_box, self.open_run, self.export_run)
        self.panel.panels.on_value_change(self._tab_changed)
        self.timer = ui.timer(0.5, self.toolbar.tick, active=False)

        page.canvas.on('node_click', self.node_clicked)
        self._unwatch = self.missions.watch(self.graph_id, self.attach)
        page.open_graph.status_listeners.append(self._status_changed)
        page.client.on_delete(self._page_gone)
        bridge = self.missions.last.get(self.graph_id)
        if bridge is not None and bridge.running:
            self.attach(bridge)
        else:
            self._set_states(self._pin_marks())

    # -- starting and stopping ------------------------------------------------------------------

    async def ask_run(self) -> None:
        """Open the Run form (fields from the graph's input nodes)."""
        if self.missions.running(self.graph_id) is not None:
            ui.notify('A run of this graph is going; cancel it or wait for it to finish.', type='warning')
            return
        # The session keeps its problems up to date as the user edits (held equal to a full
        # validate_graph by its tests), so the graph is not validated again just to open the form.
        problems = self.page.session.problems
        if problems.count:
            first = problems.problems(min(problems.nodes_with_problems()))[0]
            ui.notify(f'The graph has {problems.count} problem{"s" * (problems.count != 1)} to fix before it can '
                      f'run; the first: {first.message}', type='warning', multi_line=True)
            return
        try:
            fields = input_fields(self.page.session.graph().nodes)
            live = self.missions.live_option()
        except RunRefused as refusal:
            ui.notify(str(refusal), type='negative')
            return
        if self.form is not None:
            self.form.dialog.delete()
        with self.page.client.content:  # not the header's slot: the dialog belongs to the page
            self.form = RunForm(fields, self.missions.remembered(self.graph_id), live, self.start_run)
        self.form.open()

    async def start_run(self, request: Any) -> str | None:
        """Save the graph, run the version saved; None, or why the run could not start."""
        saved = await self._saved_graph()
        if isinstance(saved, str):
            return saved
        version, graph = saved
        try:
            self.missions.start(self.graph_id, version.id, graph, request)
        except RunRefused as refusal:
            return str(refusal)
        self.missions.remember(self.graph_id, request)
        return None

    async def _saved_graph(self) -> tuple[Any, Any] | str:
        """(version, graph) of the graph as saved now, or why it could not be saved."""
        version = await self.page.open_graph.save('autosave')
        if version is None:
            return self.page.open_graph.error or 'the graph could not be saved, so the run could not record its version'
        try:
            return await run.io_bound(self.missions.graphs.get_version_by_id, version.id)
        except (GraphNotFound, StorageError) as error:
            return str(error)

    def cancel(self) -> None:
        bridge = self.missions.running(self.graph_id)
        if bridge is not None:
            bridge.cancel()

    async def rerun_from(self, node_id: str) -> None:
        """Re-execute a node and its downstream nodes, reusing the shown run's other outputs."""
        shown = self.shown
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
        saved = await self._saved_graph()
        if isinstance(saved, str):
            ui.notify(saved, type='negative')
            return
        version, graph = saved
        try:
            self.missions.rerun_from(self.graph_id, version.id, graph, past, ran, node_id,
                                     self.missions.remembered(self.graph_id))
        except RunRefused as refusal:
            ui.notify(str(refusal), type='negative', multi_line=True)

    # -- following a live run -------------------------------------------------------------------

    def attach(self, bridge: MissionBridge) -> None:
        """Show a live run (a watcher of the graph's missions: called when one starts)."""
        if self.bridge is bridge:
            return
        self._detach()
        self.bridge = bridge
        bridge.listeners.append(self._on_batch)
        bridge.finished_listeners.append(self._on_finished)
        snapshot = bridge.display.snapshot()
        note = f're-run from {bridge.from_node}' if bridge.from_node else ''
        self.shown = ShownRun(bridge.run_id, bridge.display.nodes, snapshot.figures, bridge, note, self._titles())
        self._replace_states(snapshot.states)
        self.toolbar.show(snapshot.figures, note)
        self.panel.start_timeline(f'Run {bridge.run_id[:8]}' + (f', {note}' if note else ''), snapshot.timeline)
        self._show_running(bridge.running)
        if self.detail_node is not None:
            self._show_node(self.detail_node)

    def _on_batch(self, batch: RunBatch) -> None:
        if self.shown is None or self.page.canvas.is_deleted:
            return
        self._set_states(batch.states)
        self.shown.figures = batch.figures
        self.toolbar.show(batch.figures, self.shown.note)
        self.panel.push_timeline(batch.timeline, batch.omitted)
        if self.detail_node in batch.states:
            self._show_node(self.detail_node)

    def _on_finished(self, bridge: MissionBridge) -> None:
        if self.bridge is not bridge or self.shown is None:
            return
        self._show_running(False)
        self.panel.show_costs(self.shown.records, self.shown.figures.cost_usd, self.shown.titles)
        if bridge.error:
            with self.toolbar.card:
                ui.notify(bridge.error, type='negative')
        if self.detail_node is not None:
            self._show_node(self.detail_node)
        background_tasks.create(self.refresh_history(), name='refresh run history')

    def _detach(self) -> None:
        if self.bridge is not None:
            for listeners, listener in ((self.bridge.listeners, self._on_batch),
                                        (self.bridge.finished_listeners, self._on_finished)):
                if listener in listeners:
                    listeners.remove(listener)
            self.bridge = None

    def _show_running(self, running: bool) -> None:
        self.run_button.set_visibility(not running)
        self.cancel_button.set_visibility(running)
        self.timer.active = running

    # -- the canvas -----------------------------------------------------------------------------

    def _set_states(self, states: dict[str, dict[str, Any] | None]) -> None:
        if not states:
            return
        self.page.canvas.set_states(states)
        for node_id, display in states.items():
            if display is None:
                self.states.pop(node_id, None)
            else:
                self.states[node_id] = display

    def _replace_states(self, states: dict[str, dict[str, Any] | None]) -> None:
        """Show exactly these states (clearing the others)."""
        changes: dict[str, dict[str, Any] | None] = {node_id: None for node_id in self.states if node_id not in states}
        changes.update(states)
        self._set_states(changes)

    def _pin_marks(self) -> dict[str, dict[str, Any]]:
        session = self.page.session
        return {node_id: {'state': 'pinned', 'label': 'pinned'} for node_id in self.pinned if node_id in session}

    def _status_changed(self) -> None:
        if self.page.open_graph.session is not self._session:  # a restored version: the canvas was reloaded
            self._session = self.page.open_graph.session
            if self.states:
                self.page.canvas.set_states(dict(self.states))

    def _titles(self) -> dict[str, str]:
        session = self.page.session
        return {node_id: session.node(node_id).title for node_id in session.node_ids()}

    # -- the run panel --------------------------------------------------------------------------

    def toggle_panel(self) -> None:
        self.drawer.set_value(not self.drawer.value)

    def node_clicked(self, event: Any) -> None:
        node_id = event.args.get('id') if isinstance(event.args, dict) else None
        if not node_id or (self.shown is None and not self.drawer.value):
            return  # editing: the inspector shows the node
        self.detail_node = node_id
        self._show_node(node_id)
        self.panel.tabs.set_value(self.panel.node_tab)
        self.drawer.set_value(True)

    def _show_node(self, node_id: str) -> None:
        shown = self.shown
        session = self.page.session
        title = session.node(node_id).title if node_id in session else (shown.titles.get(node_id, '') if shown else '')
        record = shown.records.get(node_id) if shown is not None else None
        can_rerun = shown is not None and not shown.running and node_id in session
        note = f'In run {shown.run_id[:8]}' + (f' ({shown.note})' if shown.note else '') if shown else ''
        self.panel.show_node(node_id, title, record, pinned=self.pinned.get(node_id),
                             is_pinned=node_id in self.pinned, can_rerun=can_rerun, run_note=note)

    async def _tab_changed(self) -> None:
        if self.panel.panels.value in ('History', self.panel.history_tab):
            await self.refresh_history()

    async def refresh_history(self) -> None:
        try:
            runs = await run.io_bound(self.missions.runs.list_runs, self.graph_id)
            versions = await run.io_bound(self.missions.graphs.versions, self.graph_id)
        except (StorageError, GraphNotFound) as error:
            log.warning('could not list the runs of %s: %s', self.graph_id, error)
            return
        if not self.page.canvas.is_deleted:
            self.history.show(runs, {version.id: version.number for version in versions},
                              self.shown.run_id if self.shown else None)

    # -- history --------------------------------------------------------------------------------

    async def open_run(self, run_id: str) -> None:
        """Replay a stored run's final states on the canvas, with its details from what was stored."""
        if self.missions.running(self.graph_id) is not None:
            ui.notify('A run is going; open past runs once it has finished.', type='warning')
            return
        try:
            detail = await run.io_bound(self.missions.runs.get_run, run_id)
            events = await run.io_bound(self.missions.runs.events, run_id)
            version_id = detail.run.graph_version_id
            version, ran = (await run.io_bound(self.missions.graphs.get_version_by_id, version_id)
                            if version_id is not None else (None, None))
        except (RunNotFound, GraphNotFound, StorageError) as error:
            ui.notify(str(error), type='negative')
            return
        attempts: dict[str, list[Any]] = {}
        for attempt in detail.attempts:
            attempts.setdefault(attempt.node_id, []).append(attempt)
        records = {node_id: stored_record(row, attempts.get(node_id, [])) for node_id, row in detail.nodes.items()}
        note = ''
        if version is not None:
            changes = changes_since(ran, self.page.session.graph())
            note = f'ran version {version.number}' + (
                f'; changed since: {", ".join(changes[:3])}{" …" if len(changes) > 3 else ""}' if changes
                else '; the graph is unchanged since')
        figures = stored_figures(detail.run, len(detail.nodes))
        titles = {node.id: node.title for node in ran.nodes} if ran is not None else self._titles()
        self._detach()
        self.shown = ShownRun(run_id, records, figures, None, note, titles)
        self._replace_states(stored_displays(detail.nodes, detail.attempts))
        self._show_running(False)
        self.toolbar.show(figures, note)
        self.panel.start_timeline(f'Run {run_id[:8]}' + (f', {note}' if note else ''),
                                  stored_timeline(events)[-TIMELINE_KEPT:])
        self.panel.show_costs(records, figures.cost_usd, titles)
        if self.detail_node is not None:
            self._show_node(self.detail_node)
        await self.refresh_history()

    def close_run(self) -> None:
        """Take the shown run off the canvas (the pins show again)."""
        if self.shown is not None and self.shown.running:
            return
        self._detach()
        self.shown = None
        self.toolbar.hide()
        self._replace_states(self._pin_marks())
        if self.detail_node is not None:
            self._show_node(self.detail_node)

    async def export_shown(self) -> None:
        if self.shown is not None and not self.shown.running:
            await self.export_run(self.shown.run_id)

    async def export_run(self, run_id: str) -> None:
        """Download a stored run as JSON: the CLI's run summary plus every attempt."""
        try:
            detail = await run.io_bound(self.missions.runs.get_run, run_id)
            version_id = detail.run.graph_version_id
            version, graph = (await run.io_bound(self.missions.graphs.get_version_by_id, version_id)
                              if version_id is not None else (None, self.page.session.graph()))
        except (RunNotFound, GraphNotFound, StorageError) as error:
            ui.notify(str(error), type='negative')
            return
        outputs = {node.id for node in graph.nodes if node.kind == 'output'}
        document = run_export(detail, outputs, version.number if version is not None else None)
        await native_files.save(json.dumps(document, indent=2, ensure_ascii=False).encode(),
                                export_file_name(detail.run.graph_name, run_id), 'application/json')

    # -- pins -----------------------------------------------------------------------------------

    def pin_output(self, node_id: str, value: Any) -> None:
        self._pin(node_id, value)

    def edit_pin(self, node_id: str) -> None:
        """A dialog to pin a value typed as JSON."""
        current = self.pinned.get(node_id)
        if node_id not in self.pinned and self.shown is not None:
            record = self.shown.records.get(node_id)
            current = record.output if record is not None and record.status == 'succeeded' else None
        with self.page.client.content, ui.dialog() as dialog, ui.card().classes('w-[32rem]').mark('pin-dialog'):
            ui.label(f'Pin the output of {node_id}').classes('text-lg')
            ui.label('Runs use this value as the node\'s output and call no model. JSON, or text in quotes.') \
                .classes('text-xs text-grey-7')
            editor = ui.textarea(value='' if current is None else json.dumps(current, indent=2, ensure_ascii=False)) \
                .props('autogrow').classes('w-full font-mono').mark('pin-json')
            error = ui.label('').classes('text-negative text-sm')

            def save() -> None:
                try:
                    value = json.loads(editor.value or '')
                except ValueError as problem:
                    error.set_text(f'That is not JSON ({getattr(problem, "msg", problem)}); '
                                   'write text in double quotes.')
                    return
                dialog.close()
                self._pin(node_id, value)
            with ui.row().classes('w-full justify-end'):
                ui.button('Cancel', on_click=dialog.close).props('flat')
                ui.button('Pin', icon='push_pin', on_click=save).mark('pin-save')
        dialog.on_value_change(lambda event: event.value or dialog.delete())
        dialog.open()

    def _pin(self, node_id: str, value: Any) -> None:
        try:
            self.missions.pin(self.graph_id, node_id, value)
        except (TypeError, StorageError) as error:
            ui.notify(f'Could not pin {node_id}: {error}', type='negative')
            return
        self.pinned[node_id] = value
        ui.notify(f'Pinned {node_id}: the next runs use this output and call no model.', type='positive')
        self._after_pins_changed(node_id)

    def unpin(self, node_id: str) -> None:
        self.missions.unpin(self.graph_id, node_id)
        self.pinned.pop(node_id, None)
        ui.notify(f'Unpinned {node_id}.')
        self._after_pins_changed(node_id)

    def _after_pins_changed(self, node_id: str) -> None:
        if self.shown is None:
            self._replace_states(self._pin_marks())
        if self.detail_node == node_id:
            self._show_node(node_id)

    # -- going away -----------------------------------------------------------------------------

    def _page_gone(self) -> None:
        self._detach()
        self._unwatch()
        listeners = self.page.open_graph.status_listeners
        if self._status_changed in listeners:
            listeners.remove(self._status_changed)
