"""A graph's past runs on its editor page: the History list, opening a stored run, exporting one.

Opening a run replays its final node states on the canvas, its figures, timeline and costs,
and says what changed in the graph since it ran (`nodes.graph_diff.changes_since`). While the
History tab is showing, the list is read again every `POLL_S`, so runs another process starts
on the same database (`swarm-studio run NAME`, another app) appear, and end, without a reload;
it is redrawn only when a run came, went or changed.
"""
from __future__ import annotations

import json
import logging
from collections import Counter
from typing import Any

from nicegui import run, ui

from nodes.graph_diff import changes_since
from storage.db import StorageError
from storage.graphs import GraphNotFound
from storage.runs import RunNotFound, cost_gaps

from ..desktop import native_files
from .export import export_file_name, run_export
from .history import HistoryList
from .node_states import (TIMELINE_KEPT, TimelineEntry, run_started_text, stored_displays, stored_figures, stored_record,
                          stored_timeline)
from .resume import RESUMABLE
from .run_control import RunControl
from .run_view import RunView, ShownRun

log = logging.getLogger(__name__)

POLL_S = 3.0


class RunHistory:
    """History, replay and export of one page's graph runs.

    :param view: the page's run display
    :param control: the page's run control (a live run is let go before a stored one is shown)
    """

    def __init__(self, view: RunView, control: RunControl) -> None:
        self.view = view
        self.control = control
        self.list = HistoryList(view.panel.history_box, self.open_run, self.export_run)
        self._listed: Any = None  # what the list shows, to redraw it only when that changed
        ui.timer(POLL_S, self._poll)

    @property
    def missions(self) -> Any:
        return self.view.missions

    async def refresh(self) -> None:
        view = self.view
        try:
            runs = await run.io_bound(self.missions.runs.list_runs, view.graph_id)
            versions = await run.io_bound(self.missions.graphs.versions, view.graph_id)
        except (StorageError, GraphNotFound) as error:
            log.warning('could not list the runs of %s: %s', view.graph_id, error)
            return
        numbers = {version.id: version.number for version in versions}
        shown = view.shown.run_id if view.shown else None
        listed = ([(row.id, row.status, row.cost_usd, row.nodes_done) for row in runs], numbers, shown)
        if not view.gone and listed != self._listed:
            self._listed = listed
            self.list.show(runs, numbers, shown)

    async def _poll(self) -> None:
        panel = self.view.panel
        if not self.view.gone and self.view.drawer.value and panel.panels.value in ('History', panel.history_tab):
            await self.refresh()

    async def open_last(self) -> None:
        """A graph opened again shows how its last run ended, as History would (the toolbar's × hides it)."""
        view = self.view
        try:
            runs = await run.io_bound(self.missions.runs.list_runs, view.graph_id, 1)
        except StorageError as error:
            log.warning('could not read the last run of %s: %s', view.graph_id, error)
            return
        if runs and runs[0].status not in ('queued', 'running') and view.shown is None and not view.gone:
            await self.open_run(runs[0].id)

    async def open_run(self, run_id: str) -> None:
        """Replay a stored run's final states on the canvas, with its details from what was stored."""
        view = self.view
        if self.missions.running(view.graph_id) is not None:
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
        unpriced, flagship_priced = cost_gaps(events)
        records = {node_id: stored_record(row, attempts.get(node_id, []), node_id in unpriced, flagship_priced)
                   for node_id, row in detail.nodes.items()}
        note = ''
        if version is not None:
            changes = changes_since(ran, view.page.session.graph())
            note = f'ran version {version.number}' + (
                f'; changed since: {", ".join(changes[:3])}{" …" if len(changes) > 3 else ""}' if changes
                else '; the graph is unchanged since')
        figures = stored_figures(detail.run, len(detail.nodes),
                                 Counter(row.status for row in detail.nodes.values()))
        titles = {node.id: node.title for node in ran.nodes} if ran is not None else view.titles()
        self.control.detach()
        view.shown = ShownRun(run_id, records, figures, None, note, titles)
        view.replace_states(stored_displays(detail.nodes, detail.attempts, unpriced))
        self.control.show_running(False)
        view.toolbar.show(figures, note)
        if detail.run.status in RESUMABLE:
            await self.control.offer_resume(run_id)
        stored = detail.run  # its start is the run's row, not an event
        started = TimelineEntry(0.0, None, run_started_text(stored.node_count, stored.simulated, stored.budget_usd))
        view.panel.start_timeline(f'Run {run_id[:8]}' + (f', {note}' if note else ''),
                                  [started, *stored_timeline(events)][-TIMELINE_KEPT:])
        view.panel.show_costs(records, figures, titles)
        view.refresh_detail()
        await self.refresh()

    def close_run(self) -> None:
        """Take the shown run off the canvas (the pins show again)."""
        view = self.view
        if view.shown is not None and view.shown.running:
            return
        self.control.detach()
        view.shown = None
        view.toolbar.hide()
        view.replace_states(view.pin_marks())
        view.refresh_detail()

    async def export_shown(self) -> None:
        shown = self.view.shown
        if shown is not None and not shown.running:
            await self.export_run(shown.run_id)

    async def export_run(self, run_id: str) -> None:
        """Save a stored run as JSON (a download in a tab, the save dialog in the desktop window): the
        CLI's run summary plus every attempt."""
        try:
            detail = await run.io_bound(self.missions.runs.get_run, run_id)
            gaps = await run.io_bound(self.missions.runs.cost_gaps, run_id)
            version_id = detail.run.graph_version_id
            version, graph = (await run.io_bound(self.missions.graphs.get_version_by_id, version_id)
                              if version_id is not None else (None, self.view.page.session.graph()))
        except (RunNotFound, GraphNotFound, StorageError) as error:
            ui.notify(str(error), type='negative')
            return
        outputs = {node.id for node in graph.nodes if node.kind == 'output'}
        document = run_export(detail, outputs, version.number if version is not None else None, *gaps)
        await native_files.save(json.dumps(document, indent=2, ensure_ascii=False).encode(),
                                export_file_name(detail.run.graph_name, run_id), 'application/json')
