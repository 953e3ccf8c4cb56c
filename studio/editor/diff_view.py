"""The dialog of a diff between two versions: what was added, removed and changed, each changed
field's value before and after side by side. Values are text, never HTML."""
from __future__ import annotations

import json
from typing import Any

from nicegui import ui

from nodes.graph_diff import GraphDiff

MISSING_TEXT = '—'


def value_text(value: Any) -> str:
    if value is None:
        return MISSING_TEXT
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, indent=1)


def _side_by_side(rows: list[tuple[str, Any, Any]]) -> None:
    with ui.element('div').classes('w-full grid gap-x-3 gap-y-1 text-sm') \
            .style('grid-template-columns: 10rem minmax(0, 1fr) minmax(0, 1fr)'):
        for heading in ('field', 'before', 'after'):
            ui.label(heading).classes('text-xs uppercase text-grey-7')
        for path, before, after in rows:
            ui.label(path).classes('font-mono text-xs')
            ui.label(value_text(before)).classes('whitespace-pre-wrap break-words swarm-diff-before rounded p-1')
            ui.label(value_text(after)).classes('whitespace-pre-wrap break-words swarm-diff-after rounded p-1')


def show_diff(diff: GraphDiff, before_label: str, after_label: str) -> None:
    """Open the dialog of `diff` between two versions named by their labels (`v3`, `v7 (current)`)."""
    with ui.dialog() as dialog, ui.card().classes('w-[60rem] max-w-full').mark('version-diff'):
        ui.label(f'{before_label} → {after_label}').classes('text-lg')
        ui.label(diff.summary()).classes('text-sm text-grey-7 swarm-diff-summary')
        with ui.scroll_area().classes('w-full').style('height: 60vh'):
            for title, items, css in (('Nodes added', diff.added_nodes, 'text-positive'),
                                      ('Nodes removed', diff.removed_nodes, 'text-negative'),
                                      ('Edges added', diff.added_edges, 'text-positive'),
                                      ('Edges removed', diff.removed_edges, 'text-negative')):
                if items:
                    ui.label(title).classes('font-medium mt-2')
                    ui.label(', '.join(items)).classes(f'text-sm {css}')
            for node_id, changes in diff.changed_nodes.items():
                ui.label(f'Node {node_id} changed').classes('font-medium mt-2').props(f'data-node={node_id}')
                _side_by_side([(change.path, change.before, change.after) for change in changes])
            if diff.graph_changes:
                ui.label('The graph').classes('font-medium mt-2')
                _side_by_side([(change.path, change.before, change.after) for change in diff.graph_changes])
        with ui.row().classes('w-full justify-end'):
            ui.button('Close', on_click=dialog.close)
    dialog.open()
