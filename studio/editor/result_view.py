"""The result of a run: what its output nodes produced, in one dialog (the figures bar's Result).

Text is shown as text (never HTML) with its line breaks; anything else as indented JSON.
"""
from __future__ import annotations

import json
from typing import Any

from nicegui import ui


def output_text(output: Any) -> str:
    """An output as the result view shows it."""
    return output if isinstance(output, str) else json.dumps(output, indent=2, ensure_ascii=False)


def result_rows(records: dict[str, Any], kinds: dict[str, str], titles: dict[str, str]) -> list[tuple[str, str, str]]:
    """(node id, title, text or why there is none) of each output node, in the graph's order.

    :param records: the shown run's node records (`studio.run.node_states.NodeRecord`), by node id
    :param kinds: every node's kind, by node id, in the graph's order
    :param titles: node titles, by node id
    """
    rows = []
    for node_id, kind in kinds.items():
        if kind != 'output':
            continue
        record = records.get(node_id)
        if record is None:
            text = 'not in this run'
        elif record.status != 'succeeded' or record.output is None:
            text = f'no output: {record.status}' + (f' ({record.error})' if record.error else '')
        else:
            text = output_text(record.output)
        rows.append((node_id, titles.get(node_id, node_id), text))
    return rows


def show_result(rows: list[tuple[str, str, str]], run_id: str) -> None:
    """Open the dialog of a run's result."""
    with ui.dialog() as dialog, ui.card().classes('w-[48rem] max-w-full').mark('run-result'):
        ui.label(f'Result of run {run_id[:8]}').classes('text-lg')
        if not rows:
            ui.label('This graph has no Output node: each node\'s output is in the run panel\'s Node tab.') \
                .classes('text-sm text-grey-7')
        with ui.scroll_area().classes('w-full').style('max-height: 65vh'):
            for node_id, title, text in rows:
                with ui.column().classes('w-full gap-1 pb-3').props(f'data-output-node={node_id}'):
                    ui.label(f'{title} ({node_id})').classes('font-medium')
                    ui.label(text).classes('w-full text-sm whitespace-pre-wrap break-words swarm-surface-code '
                                           'rounded p-2 swarm-result-text')
        with ui.row().classes('w-full justify-end'):
            ui.button('Close', on_click=dialog.close)
    dialog.open()
