"""Pinned outputs on an editor page: pin a run's output or a typed JSON value, unpin.

A pinned node's value is used by later runs as its output, without calling a model. Pins are
kept by the app (storage.settings via `Missions`), not in the graph file.
"""
from __future__ import annotations

import json
from typing import Any

from nicegui import ui

from storage.db import StorageError

from .run_view import RunView


class Pins:
    """Pin and unpin the nodes of one page's graph.

    :param view: the page's run display (its `pinned` map is the one kept here)
    """

    def __init__(self, view: RunView) -> None:
        self.view = view

    def pin_output(self, node_id: str, value: Any) -> None:
        self._pin(node_id, value)

    def edit_pin(self, node_id: str) -> None:
        """A dialog to pin a value typed as JSON."""
        view = self.view
        current = view.pinned.get(node_id)
        if node_id not in view.pinned and view.shown is not None:
            record = view.shown.records.get(node_id)
            current = record.output if record is not None and record.status == 'succeeded' else None
        with view.page.client.content, ui.dialog() as dialog, ui.card().classes('w-[32rem]').mark('pin-dialog'):
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

    def unpin(self, node_id: str) -> None:
        view = self.view
        view.missions.unpin(view.graph_id, node_id)
        view.pinned.pop(node_id, None)
        ui.notify(f'Unpinned {node_id}.')
        self._changed(node_id)

    def _pin(self, node_id: str, value: Any) -> None:
        view = self.view
        try:
            view.missions.pin(view.graph_id, node_id, value)
        except (TypeError, StorageError) as error:
            ui.notify(f'Could not pin {node_id}: {error}', type='negative')
            return
        view.pinned[node_id] = value
        ui.notify(f'Pinned {node_id}: the next runs use this output and call no model.', type='positive')
        self._changed(node_id)

    def _changed(self, node_id: str) -> None:
        view = self.view
        if view.shown is None:
            view.replace_states(view.pin_marks())
        if view.detail_node == node_id:
            view.show_node(node_id)
