"""What an editor page shows of runs: the shown run, the node states on the canvas, the run panel.

Run control (run_control.py), history (run_history.py) and pins (pins.py) change what is shown
only through a `RunView`, so the canvas, the toolbar and the panel always agree. The canvas
shows one run at a time: the live one, or one opened from History; with no run shown, pinned
nodes are marked `pinned`. Node states go to the canvas as `set_states` deltas.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .controller_bridge import MissionBridge
from .missions import Missions
from .node_states import NodeRecord, RunFigures
from .run_panel import RunPanel
from .toolbar import RunToolbar


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


class RunView:
    """The run display of one editor page: what is shown, and the elements that show it.

    :param page: the editor page (its `session`, `open_graph`, `canvas` and `client` are used)
    :param missions: the app's missions
    """

    def __init__(self, page: Any, missions: Missions) -> None:
        self.page = page
        self.missions = missions
        self.graph_id: str = page.open_graph.graph_id
        self.shown: ShownRun | None = None
        self.states: dict[str, dict[str, Any]] = {}  # what the canvas shows now, by node id
        self.detail_node: str | None = None
        self.pinned: dict[str, Any] = missions.pins(self.graph_id)
        # Set by EditorRun once the elements exist.
        self.toolbar: RunToolbar
        self.panel: RunPanel
        self.drawer: Any = None
        self.show_running: Any = None

    @property
    def gone(self) -> bool:
        return self.page.canvas.is_deleted

    def set_states(self, states: dict[str, dict[str, Any] | None]) -> None:
        if not states:
            return
        self.page.canvas.set_states(states)
        for node_id, display in states.items():
            if display is None:
                self.states.pop(node_id, None)
            else:
                self.states[node_id] = display

    def replace_states(self, states: dict[str, dict[str, Any] | None]) -> None:
        """Show exactly these states (clearing the others)."""
        changes: dict[str, dict[str, Any] | None] = {node_id: None for node_id in self.states if node_id not in states}
        changes.update(states)
        self.set_states(changes)

    def pin_marks(self) -> dict[str, dict[str, Any]]:
        session = self.page.session
        return {node_id: {'state': 'pinned', 'label': 'pinned'} for node_id in self.pinned if node_id in session}

    def titles(self) -> dict[str, str]:
        session = self.page.session
        return {node_id: session.node(node_id).title for node_id in session.node_ids()}

    def show_node(self, node_id: str) -> None:
        """Show a node's run details (and its pin) in the panel's Node tab."""
        shown = self.shown
        session = self.page.session
        title = session.node(node_id).title if node_id in session else (shown.titles.get(node_id, '') if shown else '')
        record = shown.records.get(node_id) if shown is not None else None
        can_rerun = shown is not None and not shown.running and node_id in session
        note = f'In run {shown.run_id[:8]}' + (f' ({shown.note})' if shown.note else '') if shown else ''
        self.panel.show_node(node_id, title, record, pinned=self.pinned.get(node_id),
                             is_pinned=node_id in self.pinned, can_rerun=can_rerun, run_note=note)

    def refresh_detail(self) -> None:
        if self.detail_node is not None:
            self.show_node(self.detail_node)
