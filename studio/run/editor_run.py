"""The editor page's run parts, put together: the header's Run and Cancel, the figures bar, the
run panel, and the modules behind them (run_control.py, run_history.py, pins.py, run_view.py).

`EditorRun(page)` is built at the end of `EditorPage.__init__` (studio/editor/page.py); it
uses the page's `open_graph`, `session`, `canvas`, `client`, `run_slot` (a row in the header) and
`inspector_panel` (hidden while the run drawer is open) and nothing else of it.
"""
from __future__ import annotations

from typing import Any

from nicegui import background_tasks, ui

from storage.graphs import GraphRepository
from storage.runs import RunRepository
from storage.test_runs import StoredTestRuns

from ..editor.result_view import result_rows, show_result
from .missions import Missions
from .pins import Pins
from .run_control import RunControl
from .run_history import RunHistory
from .run_panel import NodeActions, RunPanel
from .run_view import RunView
from .tests_tab import TestsTab
from .toolbar import RunToolbar

_missions: Missions | None = None
DRAWER_WIDTH = 384
"""The run drawer's width in px, for its tables."""


def register(graphs: GraphRepository) -> Missions:
    """Set up running for the app's repository (studio.app.build_app calls this); return the missions.

    (Runs left `running` by a process that is gone were marked `interrupted` when the database
    was opened: storage.db.connect.)
    """
    global _missions
    _missions = Missions(graphs, RunRepository(graphs.engine))
    return _missions


def missions() -> Missions:
    if _missions is None:
        raise RuntimeError('running is not set up: call studio.run.editor_run.register(graphs) first '
                           '(studio.app.build_app does)')
    return _missions


class EditorRun:
    """The run parts of one editor page (see the module docstring)."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.view = view = RunView(page, missions())
        self.control = control = RunControl(view, self._after_run)
        self.pins = pins = Pins(view)
        self._session = page.open_graph.session

        with page.run_slot:
            control.run_button = ui.button('Run', icon='play_arrow', on_click=control.ask_run) \
                .props('unelevated dense color=positive aria-label=Run').classes('px-2').mark('run') \
                .tooltip('Run the mission')
            control.cancel_button = ui.button('Cancel', icon='stop', on_click=control.cancel) \
                .props('unelevated dense color=negative aria-label="Cancel the run"').classes('px-2') \
                .mark('cancel-run')
            control.cancel_button.set_visibility(False)
            ui.button(icon='receipt_long', on_click=self.toggle_panel) \
                .props('flat round color=white aria-label="Run panel"').mark('run-panel') \
                .tooltip('Run panel: timeline, costs, node run details, history, tests')
            ui.button(icon='settings', on_click=lambda: ui.navigate.to('/settings')) \
                .props('flat round color=white aria-label=Settings').mark('settings').tooltip('Settings')
        # Made before the drawer, as the page lays them out; History is made once the panel exists.
        view.toolbar = RunToolbar(on_export=self._export_shown, on_close=self._close_run,
                                  on_resume=control.resume_shown, on_result=self.show_result)
        # Docked, as n8n's and ComfyUI's panels are: the open drawer takes the inspector's place and
        # the canvas the rest of the width, so nothing of the canvas (cards, minimap) is behind it.
        with ui.right_drawer(value=False).props(f'width={DRAWER_WIDTH} bordered').classes('swarm-surface p-0') \
                .mark('run-drawer') as view.drawer:
            view.panel = RunPanel(NodeActions(control.rerun_from, pins.pin_output, pins.edit_pin, pins.unpin))
        view.panel.set_open(view.drawer.value)
        self._inspector_shown = True
        view.drawer.on_value_change(self._drawer_toggled)
        self.history = RunHistory(view, control)
        self.tests = TestsTab(view.panel.tests_box, StoredTestRuns(view.missions.engine), view.graph_id,
                              self._open_test_row)
        view.panel.panels.on_value_change(self._tab_changed)
        control.timer = ui.timer(0.5, view.toolbar.tick, active=False)

        page.canvas.on('node_click', self.node_clicked)
        self._unwatch = view.missions.watch(view.graph_id, control.attach)
        page.open_graph.status_listeners.append(self._status_changed)
        page.client.on_delete(self._page_gone)
        bridge = view.missions.follow_remote(view.graph_id) or view.missions.last.get(view.graph_id)
        if bridge is not None and bridge.running:
            control.attach(bridge)
        else:
            view.set_states(view.pin_marks())
            background_tasks.create(self.history.open_last(), name='show the last run')

    def toggle_panel(self) -> None:
        drawer = self.view.drawer
        drawer.set_value(not drawer.value)

    def _drawer_toggled(self, event: Any) -> None:
        self.view.panel.set_open(event.value)
        # The inspector makes room for the drawer while it is open, and comes back as the user had it.
        inspector = self.page.inspector_panel
        if event.value:
            self._inspector_shown = inspector.visible
            inspector.set_visibility(False)
        else:
            inspector.set_visibility(self._inspector_shown)

    def show_result(self) -> None:
        """The shown run's result: what its Output nodes produced (studio/editor/result_view.py)."""
        shown = self.view.shown
        if shown is None:
            return
        session = self.page.session
        kinds = {node_id: session.node(node_id).kind for node_id in session.node_ids()}
        show_result(result_rows(shown.records, kinds, {**shown.titles, **self.view.titles()}), shown.run_id)

    def node_clicked(self, event: Any) -> None:
        view = self.view
        node_id = event.args.get('id') if isinstance(event.args, dict) else None
        if not node_id or (view.shown is None and not view.drawer.value):
            return  # editing: the inspector shows the node
        view.detail_node = node_id
        view.show_node(node_id)
        view.panel.tabs.set_value(view.panel.node_tab)
        view.drawer.set_value(True)

    async def _tab_changed(self) -> None:
        panel = self.view.panel
        if panel.panels.value in ('History', panel.history_tab):
            await self.history.refresh()
        elif panel.panels.value in ('Tests', panel.tests_tab):
            await self.tests.refresh()

    async def _open_test_row(self, run_id: str) -> None:
        await self.history.open_run(run_id)
        panel = self.view.panel
        panel.tabs.set_value(panel.timeline_tab)  # the run's timeline, titled with its id

    async def _export_shown(self) -> None:
        await self.history.export_shown()

    def _close_run(self) -> None:
        self.history.close_run()

    async def _after_run(self) -> None:
        await self.history.refresh()

    def _status_changed(self) -> None:
        if self.page.open_graph.session is not self._session:  # a restored version: the canvas was reloaded
            self._session = self.page.open_graph.session
            if self.view.states:
                self.page.canvas.set_states(dict(self.view.states))

    def _page_gone(self) -> None:
        self.control.detach()
        self._unwatch()
        listeners = self.page.open_graph.status_listeners
        if self._status_changed in listeners:
            listeners.remove(self._status_changed)
