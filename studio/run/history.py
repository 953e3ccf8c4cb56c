"""Run history: a graph's stored runs, and what changed in the graph since one of them ran.

Each run is listed with its status, when it started, its cost and savings, its duration,
whether it was simulated, and the graph version it ran. Opening one replays its final node
states on the canvas (the editor's run glue does that); its details come from what was
stored while it ran, so a later edit of the graph does not rewrite it.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import timezone
from typing import Any

from nicegui import ui

from nodes.costs import savings_text, total_text

from .node_states import money
from .toolbar import STATUS_COLOUR, STATUS_TEXT, duration_text


def started_text(run: Any) -> str:
    if run.started_at is None:
        return ''
    moment = run.started_at if run.started_at.tzinfo else run.started_at.replace(tzinfo=timezone.utc)
    return moment.astimezone().strftime('%Y-%m-%d %H:%M:%S')


class HistoryList:
    """The History tab's list of runs.

    :param container: where to draw it
    :param on_open: called with a run id to replay it on the canvas
    :param on_export: called with a run id to download it as JSON
    """

    def __init__(self, container: ui.element, on_open: Callable[[str], Any], on_export: Callable[[str], Any]) -> None:
        self.container = container
        self.on_open = on_open
        self.on_export = on_export

    def show(self, runs: list[Any], version_numbers: dict[int, int], shown_run_id: str | None) -> None:
        """List runs (newest first); `version_numbers` maps a version row id to its number."""
        self.container.clear()
        with self.container:
            if not runs:
                ui.label('No runs of this graph yet.').classes('text-sm text-grey-7')
                return
            for run in runs:
                self._row(run, version_numbers.get(run.graph_version_id), run.id == shown_run_id)

    def _row(self, run: Any, version: int | None, shown: bool) -> None:
        with ui.card().classes('w-full p-2 gap-1' + (' swarm-surface-shown' if shown else '')) \
                .props(f'data-run-id={run.id}').mark(f'history-{run.id}'):
            with ui.row().classes('w-full items-center gap-2 no-wrap'):
                ui.badge(STATUS_TEXT.get(run.status, run.status), color=STATUS_COLOUR.get(run.status, 'grey')) \
                    .classes('swarm-history-status').mark('history-status')
                ui.badge('SIMULATED' if run.simulated else 'LIVE', color='orange' if run.simulated else 'teal') \
                    .props('outline')
                ui.label(started_text(run)).classes('text-xs text-grey-8')
                # NOTE: tooltips nested in their element (not `.tooltip()`, which names its target by id): the
                # panel keeps hidden tabs alive off the page, where a target looked up by id is not found.
                with ui.label(f'v{version}' if version is not None else '').classes('text-xs text-grey-8'):
                    ui.tooltip('the graph version this run ran')
                ui.space()
                with ui.button(icon='visibility', on_click=lambda: self.on_open(run.id)) \
                        .props('flat dense round aria-label="Open this run"').mark('history-open'):
                    ui.tooltip('Open this run')
                with ui.button(icon='download', on_click=lambda: self.on_export(run.id)) \
                        .props('flat dense round aria-label="Export this run as JSON"').mark('history-export'):
                    ui.tooltip('Export as JSON')
            duration = duration_text(run.duration_s) if run.duration_s is not None else '—'
            flagship = money(run.flagship_cost_usd) if run.flagship_priced else 'unknown'
            ui.label(f'{total_text(money(run.cost_usd), run.unpriced_nodes)} · '
                     f'{savings_text(run.savings_pct, run.unpriced_nodes, run.flagship_priced)} vs flagship '
                     f'{flagship} · {duration} · {run.nodes_done}/{run.node_count} succeeded') \
                .classes('text-xs').mark('history-figures')
