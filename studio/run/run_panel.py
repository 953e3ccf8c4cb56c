"""The run panel: the shown run's event timeline, its costs by node, and a node's run details.

A node's run details list every attempt: its tier and model, the messages sent (rendered from
the templates), the raw reply, the parsed output, the validation error fed back to the model
(or the provider's error), tokens, cost and latency. Everything a user or a model wrote is
shown as text, never as HTML (labels and table cells, never `ui.html` or markdown).
"""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from nicegui import ui

from nodes.costs import FLAGSHIP_DEFINITION

from .node_states import TIMELINE_KEPT, NodeRecord, RunFigures, TimelineEntry, exact_money, node_cost_text, node_label
from .timeline_log import TimelineLog

LEVEL_CLASSES = {'info': 'text-grey-9', 'good': 'text-positive', 'warning': 'text-orange-9', 'bad': 'text-negative'}
WRAP = 'whitespace-pre-wrap break-words'
ALL_ROWS_UP_TO = 200
"""Up to this many nodes, the costs table shows every row on one page."""


def pretty(value: Any) -> str:
    """A value as indented JSON text (strings as they are)."""
    if isinstance(value, str):
        return value
    return json.dumps(value, indent=2, ensure_ascii=False, default=str)


def attempt_fields(attempt: Any) -> dict[str, Any]:
    """One attempt's fields, from a live `Attempt` or a stored `AttemptRow` (which holds JSON text)."""
    stored = isinstance(attempt.messages, str)
    return {'number': attempt.number, 'tier': attempt.tier, 'model': attempt.model,
            'messages': json.loads(attempt.messages) if stored else attempt.messages, 'reply': attempt.reply,
            'output': (None if attempt.output is None else json.loads(attempt.output)) if stored else attempt.output,
            'error': attempt.error, 'error_kind': attempt.error_kind, 'input_tokens': attempt.input_tokens,
            'output_tokens': attempt.output_tokens, 'latency_s': attempt.latency_s,
            'cost_usd': attempt.cost_usd if getattr(attempt, 'priced', True) else None}


def timeline_line(entry: TimelineEntry) -> str:
    return f'{entry.t:7.2f} s  {entry.node_id or "run"}  {entry.text}'


@dataclass
class NodeActions:
    """What the node details' buttons do (the editor's run glue provides them)."""
    rerun_from: Callable[[str], Any]
    pin_output: Callable[[str, Any], Any]
    edit_pin: Callable[[str], Any]
    unpin: Callable[[str], Any]


class RunPanel:
    """Tabs: Timeline, Costs, Node (run details), History (filled by history.py), Tests (tests_tab.py).
    Build inside a drawer."""

    def __init__(self, actions: NodeActions) -> None:
        self.actions = actions
        self._costs: tuple[dict[str, NodeRecord], Any, dict[str, str]] | None = None
        self._costs_shown = False
        self._open = True  # whether the drawer holding the panel is open (`set_open`)
        with ui.tabs().props('dense align=left').classes('w-full') as self.tabs:
            self.timeline_tab = ui.tab('Timeline').mark('tab-timeline')
            self.costs_tab = ui.tab('Costs').mark('tab-costs')
            self.node_tab = ui.tab('Node').mark('tab-node')
            self.history_tab = ui.tab('History').mark('tab-history')
            self.tests_tab = ui.tab('Tests').mark('tab-tests')
        with ui.tab_panels(self.tabs, value=self.timeline_tab, on_change=self._tab_changed, animated=False) \
                .classes('w-full grow').props('keep-alive') as self.panels:
            with ui.tab_panel(self.timeline_tab).classes('p-2'):
                self.timeline_title = ui.label('No run yet: press Run.').classes('text-sm text-grey-7')
                self.timeline = TimelineLog(max_lines=TIMELINE_KEPT).classes('w-full h-[calc(100vh-190px)] text-xs') \
                    .mark('timeline')
            with ui.tab_panel(self.costs_tab).classes('p-2'):
                self.costs_total = ui.label('').classes('text-sm font-semibold swarm-costs-total').mark('costs-total')
                ui.label('Saving: against the ' + FLAGSHIP_DEFINITION).classes('text-xs text-grey-7') \
                    .mark('costs-definition')
                self.costs_table = ui.table(columns=[
                    {'name': 'node', 'label': 'Node', 'field': 'node', 'align': 'left', 'sortable': True},
                    {'name': 'tier', 'label': 'Tier × calls', 'field': 'tier'},
                    {'name': 'cost', 'label': 'Cost', 'field': 'cost', 'align': 'right'},
                    {'name': 'flagship', 'label': 'Flagship', 'field': 'flagship', 'align': 'right'},
                    {'name': 'saving', 'label': 'Saving', 'field': 'saving', 'align': 'right'},
                ], rows=[], row_key='id', pagination={'rowsPerPage': 0}) \
                    .props('dense flat wrap-cells hide-pagination').classes('w-full text-xs swarm-costs-table') \
                    .mark('costs-table')
            with ui.tab_panel(self.node_tab).classes('p-2'):
                self.node_box = ui.column().classes('w-full gap-2').mark('node-details')
                with self.node_box:
                    ui.label('Click a node to see what it did in the run.').classes('text-sm text-grey-7')
            with ui.tab_panel(self.history_tab).classes('p-2'):
                self.history_box = ui.column().classes('w-full gap-1').mark('history')
            with ui.tab_panel(self.tests_tab).classes('p-2'):
                self.tests_box = ui.column().classes('w-full gap-1').mark('tests')  # filled by tests_tab.py

    # -- timeline -------------------------------------------------------------------------------

    def start_timeline(self, title: str, entries: list[TimelineEntry]) -> None:
        self.timeline_title.set_text(title)
        self.timeline.clear()
        self.push_timeline(entries)

    def push_timeline(self, entries: list[TimelineEntry], omitted: int = 0) -> None:
        lines = [(f'… {omitted} more events (all are stored with the run)', f'{WRAP} text-grey-6')] if omitted else []
        lines += [(timeline_line(entry), f'{WRAP} {LEVEL_CLASSES.get(entry.level, "")}') for entry in entries]
        self.timeline.push(lines)

    # -- costs ----------------------------------------------------------------------------------

    def show_costs(self, records: dict[str, NodeRecord], figures: RunFigures, titles: dict[str, str]) -> None:
        """Set the costs by node and the run's totals (drawn now if the Costs tab is open, else when it opens)."""
        self._costs = (records, figures, titles)
        self._costs_shown = False
        if self.panels.value == 'Costs' or self.panels.value == self.costs_tab:
            self._draw_costs()

    def _tab_changed(self) -> None:
        if self.panels.value in ('Costs', self.costs_tab) and not self._costs_shown:
            self._draw_costs()
        self._timeline_seen()

    def set_open(self, is_open: bool) -> None:
        """Say whether the drawer holding the panel is open (the timeline is sent only while it can be seen)."""
        self._open = is_open
        self._timeline_seen()

    def _timeline_seen(self) -> None:
        self.timeline.set_shown(self._open and self.panels.value in ('Timeline', self.timeline_tab))

    def _draw_costs(self) -> None:
        if self._costs is None:
            return
        records, figures, titles = self._costs
        # The state of each node is on its card and in its Node tab; here a node that did not succeed says so.
        rows = [{'id': node_id, 'status': node_label(record),
                 'node': (titles.get(node_id) or node_id) + ('' if record.status == 'succeeded' else f' ({record.status})'),
                 'tier': f'T{record.tier} × {len(record.attempts)}' if record.tier else '', 'attempts': len(record.attempts),
                 'cost': node_cost_text(record), '_cost': record.cost_usd,
                 'flagship': '' if record.flagship_cost_usd is None else exact_money(record.flagship_cost_usd),
                 'saving': '' if record.savings_pct is None else f'{record.savings_pct:.1f}%'}
                for node_id, record in records.items() if record.status != 'pending']
        rows.sort(key=lambda row: row.pop('_cost'), reverse=True)
        self.costs_table.rows = rows
        paged = len(rows) > ALL_ROWS_UP_TO
        self.costs_table.pagination = {'rowsPerPage': 50 if paged else 0}
        if paged:
            self.costs_table.props(remove='hide-pagination')
        else:
            self.costs_table.props('hide-pagination')
        self.costs_table.update()
        self.costs_total.set_text(f'Total {figures.cost_text(exact_money)}: the sum of the {len(rows)} node costs; '
                                  f'{figures.flagship_text(exact_money)}, {figures.savings_text()}')
        self._costs_shown = True

    # -- node details ---------------------------------------------------------------------------

    def show_node(self, node_id: str, title: str, record: NodeRecord | None, *, pinned: Any = None,
                  is_pinned: bool = False, can_rerun: bool = False, run_note: str = '') -> None:
        """Show a node's run details (record None: the shown run has none for it, or no run is shown)."""
        self.node_box.clear()
        with self.node_box:
            with ui.row().classes('w-full items-baseline gap-2'):
                ui.label(title or node_id).classes('text-base font-semibold').mark('node-details-title')
                ui.label(f'({node_id})').classes('text-xs text-grey-7')
            if run_note:
                ui.label(run_note).classes('text-xs text-grey-7')
            self._node_actions(node_id, record, pinned, is_pinned, can_rerun)
            if record is None or record.status == 'pending':
                ui.label('The shown run has not run this node.' if record is not None else
                         'No run is shown: press Run, or open one from History.').classes('text-sm text-grey-7')
                return
            facts = [node_label(record)]
            if record.tier is not None:
                facts.append(f'tier {record.tier}')
            if record.model:
                facts.append(record.model)
            facts.append(f'{len(record.attempts)} attempt{"s" * (len(record.attempts) != 1)}')
            facts.append(node_cost_text(record))
            ui.label(' · '.join(facts)).classes('text-sm swarm-node-details-summary').mark('node-details-summary')
            if record.error:
                ui.label(record.error).classes('text-sm text-negative whitespace-pre-wrap').mark('node-details-error')
            if record.status == 'succeeded':
                _block('Output', pretty(record.output), 'node-output')
            for attempt in record.attempts:
                self._attempt(attempt_fields(attempt))

    def _node_actions(self, node_id: str, record: NodeRecord | None, pinned: Any, is_pinned: bool,
                      can_rerun: bool) -> None:
        with ui.row().classes('gap-1'):
            if can_rerun:
                with ui.button('Re-run from here', icon='replay', on_click=lambda: self.actions.rerun_from(node_id)) \
                        .props('dense outline').mark('rerun-from-node'):
                    # nested, not `.tooltip()`: a hidden tab is kept off the page, where a target id is not found
                    ui.tooltip('Run this node and everything downstream again; unchanged nodes come from the cache')
            if record is not None and record.status == 'succeeded' and not record.pinned:
                ui.button('Pin this output', icon='push_pin',
                          on_click=lambda: self.actions.pin_output(node_id, record.output)) \
                    .props('dense outline').mark('pin-output')
            ui.button('Pin a value…', icon='edit', on_click=lambda: self.actions.edit_pin(node_id)) \
                .props('dense flat').mark('pin-value')
            if is_pinned:
                ui.button('Unpin', icon='push_pin', on_click=lambda: self.actions.unpin(node_id)) \
                    .props('dense flat color=negative').mark('unpin')
        if is_pinned:
            ui.label('Pinned: runs use this output and call no model.').classes('text-xs text-orange-9')
            _block('Pinned output', pretty(pinned), 'pinned-output')

    def _attempt(self, attempt: dict[str, Any]) -> None:
        failed = attempt['error'] is not None
        outcome = attempt['error_kind'].replace('_', ' ') if failed and attempt['error_kind'] else \
            ('failed' if failed else 'valid')
        header = (f'Attempt {attempt["number"]} · tier {attempt["tier"]} · {attempt["model"]} · {outcome} · '
                  f'{attempt["input_tokens"]} + {attempt["output_tokens"]} tokens · '
                  f'{"cost unknown" if attempt["cost_usd"] is None else exact_money(attempt["cost_usd"])} · '
                  f'{attempt["latency_s"]:.2f} s')
        with ui.card().classes('w-full gap-1 p-2' + (' bg-orange-1' if failed else '')) \
                .mark(f'attempt-{attempt["number"]}'):
            ui.label(header).classes('text-sm font-medium').classes('swarm-attempt-header').mark('attempt-header')
            with ui.column().classes('w-full gap-1'):
                ui.label('Messages').classes('text-xs uppercase text-grey-7')
                for message in attempt['messages']:
                    _block(message.get('role', ''), message.get('content', ''), 'attempt-message')
            if attempt['reply'] is not None:
                _block('Raw reply', attempt['reply'], 'attempt-reply')
            if attempt['output'] is not None:
                _block('Parsed output', pretty(attempt['output']), 'attempt-output')
            if failed:
                what = 'Validation error, fed back to the model' if attempt['error_kind'] == 'invalid_output' \
                    else 'Provider error'
                _block(what, attempt['error'], 'attempt-error', 'text-negative')


def _block(title: str, text: str, marker: str, extra: str = '') -> None:
    ui.label(title).classes('text-xs uppercase text-grey-7')
    ui.label(text).classes(f'w-full text-xs font-mono whitespace-pre-wrap break-words swarm-surface-code rounded p-1 '
                           f'max-h-64 overflow-auto swarm-{marker} {extra}').mark(marker)
