"""The inspector: a node's title and config, edited with the widgets its kind's `FieldSpec`s name.

Nothing here knows a kind: each editor (`select`, `text`, `textarea`, `template`, `json`,
`integer`, `number`, `fields`) edits one config key through the session, so every change is
an undoable step (typing in one field is one step) and the node's problems, shown under the
field they are about, update as the user types.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, get_args

from nicegui import ui

from nodes.kinds import KINDS, FieldSpec
from nodes.kinds.input import FieldType
from nodes.validation import Problem

from ..theme import ColorScheme
from .problems import display_message
from .state import MISSING, EditorSession

FIELD_TYPES = list(get_args(FieldType))
"""The value types an input field can declare (the `fields` editor's choices)."""


def parse_json_text(text: str) -> Any:
    """The value a JSON editor holds: `MISSING` when empty; `ValueError` with line and column when not JSON."""
    if not text.strip():
        return MISSING

    def refuse(name: str) -> None:
        raise ValueError(f'{name} is not a JSON number')
    try:
        return json.loads(text, parse_constant=refuse)
    except json.JSONDecodeError as error:
        raise ValueError(f'not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}') from None


def json_text(value: Any) -> str:
    return '' if value is MISSING or value is None else json.dumps(value, indent=2, ensure_ascii=False)


def number_value(value: float | None, integer: bool) -> Any:
    """What a number box holds as a config value: `MISSING` when empty; whole numbers as ints."""
    if value is None:
        return MISSING
    if integer or float(value).is_integer():
        return int(value)
    return value


class Inspector:
    """The right-hand panel of the editor page.

    :param session: returns the current session (a restored version replaces it)
    :param scheme: the page's light or dark, which the code editors follow
    """

    def __init__(self, session: Callable[[], EditorSession], scheme: ColorScheme) -> None:
        self._session = session
        self._scheme = scheme
        self.node_id: str | None = None
        self.editing = False
        """True while the inspector itself is changing the graph (its own edits need no re-render)."""
        self.container = ui.column().classes('w-full gap-2 p-3').mark('inspector')
        self._problem_labels: dict[str | None, ui.label] = {}
        self.show(None)

    @property
    def session(self) -> EditorSession:
        return self._session()

    def show(self, node_id: str | None, selected: int = 0) -> None:
        """Inspect one node (None: show what is selected instead)."""
        self.node_id = node_id if node_id in self.session else None
        self.container.clear()
        self._problem_labels.clear()
        with self.container:
            if self.node_id is None:
                message = f'{selected} items selected.' if selected > 1 else \
                    'Select a node to edit it, or add one from the palette.'
                ui.label(message).classes('text-grey-7')
                return
            self._render(self.session.node(self.node_id))
        self.show_problems()

    def refresh(self) -> None:
        self.show(self.node_id)

    def show_problems(self) -> None:
        """Put each of the node's problems under its field (the rest at the top)."""
        if self.node_id is None or self.node_id not in self.session:
            return
        grouped: dict[str | None, list[Problem]] = {}
        for problem in self.session.node_problems(self.node_id):
            key = problem.field if problem.field in self._problem_labels else None
            grouped.setdefault(key, []).append(problem)
        for key, label in self._problem_labels.items():
            messages = [display_message(problem) for problem in grouped.get(key, [])]
            label.set_text('\n'.join(messages))
            label.set_visibility(bool(messages))

    def _render(self, node) -> None:
        kind = KINDS.get(node.kind)
        with ui.row().classes('items-center gap-2 no-wrap'):
            ui.icon(kind.icon if kind else 'help_outline').classes('text-2xl text-slate-600')
            with ui.column().classes('gap-0'):
                ui.label(kind.label if kind else f'unknown kind "{node.kind}"').classes('text-lg font-medium')
                if kind:
                    ui.label(kind.description).classes('text-xs text-grey-7')
        ui.label(f'id: {node.id} · templates read its output as {{{{ {node.id} }}}}') \
            .classes('text-xs text-grey-8 font-mono').mark('node-id')
        self._problem_label(None)
        ui.input('Title', value=node.title, on_change=lambda e: self._edit(lambda: self.session.set_title(
            self.node_id, e.value or ''))).classes('w-full').on('blur', self.session.seal).mark('title')
        for spec in kind.fields if kind else ():
            self._field(spec, node.config.get(spec.key, MISSING))

    def _field(self, spec: FieldSpec, value: Any) -> None:
        with ui.column().classes('w-full gap-0').mark(f'field-{spec.key}'):
            editor = getattr(self, f'_{spec.editor}_editor')
            editor(spec, value)
            if spec.help:
                ui.label(spec.help).classes('text-xs text-grey-7')
            self._problem_label(spec.key)

    def _problem_label(self, key: str | None) -> None:
        label = ui.label().classes('text-sm text-negative whitespace-pre-line')
        label.mark('problems' if key is None else f'problems-{key}')
        self._problem_labels[key] = label

    def _set(self, key: str, value: Any) -> None:
        self._edit(lambda: self.session.set_config(self.node_id, key, value))

    def _edit(self, change: Callable[[], Any]) -> None:
        if self.node_id is None or self.node_id not in self.session:
            return
        self.editing = True
        try:
            change()
        finally:
            self.editing = False
        self.show_problems()

    # One method per FieldSpec editor, named after it.
    def _select_editor(self, spec: FieldSpec, value: Any) -> None:
        options = {option: label for option, label in spec.options}
        if value is not MISSING and not isinstance(value, (str, int, float, bool, type(None))):
            value = json.dumps(value)  # a list or object from a hand-edited file: shown, and flagged below
        if value is not MISSING and value not in options:
            options[value] = f'{value} (not a valid choice)'
        ui.select(options, label=spec.label, value=None if value is MISSING else value,
                  on_change=lambda e: self._set(spec.key, MISSING if e.value is None else e.value)) \
            .classes('w-full').mark(spec.key)

    def _text_editor(self, spec: FieldSpec, value: Any) -> None:
        ui.input(spec.label, value='' if value in (MISSING, None) else str(value),
                 on_change=lambda e: self._set(spec.key, e.value or MISSING)) \
            .classes('w-full').on('blur', self.session.seal).mark(spec.key)

    def _textarea_editor(self, spec: FieldSpec, value: Any) -> None:
        ui.textarea(spec.label, value='' if value in (MISSING, None) else str(value),
                    on_change=lambda e: self._set(spec.key, e.value or MISSING)) \
            .classes('w-full').on('blur', self.session.seal).mark(spec.key)

    def _template_editor(self, spec: FieldSpec, value: Any) -> None:
        ui.label(spec.label).classes('text-sm text-grey-8')
        self._scheme.follow(ui.codemirror(
            '' if value in (MISSING, None) else str(value), language='Jinja2', line_wrapping=True,
            on_change=lambda e: self._set(spec.key, e.value or MISSING), on_focus_change=self._seal_on_blur)) \
            .classes('w-full border rounded').style('height: auto; min-height: 2.5rem; max-height: 18rem; overflow: auto').mark(spec.key)

    def _json_editor(self, spec: FieldSpec, value: Any) -> None:
        ui.label(spec.label).classes('text-sm text-grey-8')
        draft = self.session.draft(self.node_id, spec.key)
        self._scheme.follow(ui.codemirror(
            json_text(value) if draft is None else draft, language='JSON',
            on_change=lambda e: self._json_changed(spec.key, e.value), on_focus_change=self._seal_on_blur)) \
            .classes('w-full border rounded').style('height: auto; min-height: 2.5rem; max-height: 18rem; overflow: auto').mark(spec.key)

    def _json_changed(self, key: str, text: str) -> None:
        try:
            value = parse_json_text(text)
        except ValueError:
            # Kept as the field's draft (saved with the graph, counted as a problem under the
            # field); the config keeps the last value that parsed.
            self._edit(lambda: self.session.set_draft(self.node_id, key, text))
            return
        self._set(key, value)

    def _integer_editor(self, spec: FieldSpec, value: Any) -> None:
        ui.number(spec.label, value=value if isinstance(value, (int, float)) else None, precision=0, format='%d',
                  on_change=lambda e: self._set(spec.key, number_value(e.value, integer=True))) \
            .classes('w-full').on('blur', self.session.seal).mark(spec.key)

    def _number_editor(self, spec: FieldSpec, value: Any) -> None:
        ui.number(spec.label, value=value if isinstance(value, (int, float)) else None,
                  on_change=lambda e: self._set(spec.key, number_value(e.value, integer=False))) \
            .classes('w-full').on('blur', self.session.seal).mark(spec.key)

    def _fields_editor(self, spec: FieldSpec, value: Any) -> None:
        rows = [dict(row) for row in value] if isinstance(value, list) else []
        ui.label(spec.label).classes('text-sm text-grey-8')
        with ui.column().classes('w-full gap-1').mark(spec.key):
            for index, row in enumerate(rows):
                self._field_row(spec.key, rows, index, row)
            ui.button('Add field', icon='add', on_click=lambda: self._add_field_row(spec.key, rows)) \
                .props('flat dense').mark(f'add-{spec.key}')

    def _field_row(self, key: str, rows: list[dict], index: int, row: dict) -> None:
        def update(name: str, new: Any) -> None:
            if new is MISSING:
                rows[index].pop(name, None)
            else:
                rows[index][name] = new
            self._set(key, [dict(item) for item in rows])

        def default_changed(text: str) -> None:
            if rows[index].get('type', 'string') == 'string':
                update('default', text if text else MISSING)
                return
            try:
                update('default', parse_json_text(text))
            except ValueError:
                pass  # the validator names the field once the text is a value

        # Two lines a field, so that five controls fit the inspector's width without a sideways scroll.
        with ui.column().classes('w-full gap-0 min-w-0 swarm-field-row').mark(f'{key}-{index}'):
            with ui.row().classes('w-full items-center gap-1 no-wrap'):
                ui.input('Name', value=str(row.get('name', '')), on_change=lambda e: update('name', e.value)) \
                    .classes('grow min-w-0').props('dense').on('blur', self.session.seal).mark('field-name')
                kind = row.get('type', 'string')
                ui.select(FIELD_TYPES if kind in FIELD_TYPES else [*FIELD_TYPES, kind], value=kind, label='Type',
                          on_change=lambda e: update('type', e.value)).classes('w-24').props('dense') \
                    .mark('field-type')
                ui.button(icon='close', on_click=lambda: self._remove_field_row(key, rows, index)) \
                    .props('flat dense round').tooltip('Remove this field').mark('remove-field')
            with ui.row().classes('w-full items-center gap-1 no-wrap'):
                ui.input('Description', value=str(row.get('description', '')),
                         on_change=lambda e: update('description', e.value or MISSING)) \
                    .classes('grow min-w-0').props('dense').on('blur', self.session.seal).mark('field-description')
                default = row.get('default')
                ui.input('Default', value='' if default is None else default if isinstance(default, str)
                         else json.dumps(default), on_change=lambda e: default_changed(e.value)) \
                    .classes('w-24').props('dense').on('blur', self.session.seal).mark('field-default')

    def _add_field_row(self, key: str, rows: list[dict]) -> None:
        taken = {row.get('name') for row in rows}
        number = len(rows) + 1
        while f'field_{number}' in taken:
            number += 1
        self.session.seal()
        self._set(key, [*rows, {'name': f'field_{number}', 'type': 'string'}])
        self.refresh()

    def _remove_field_row(self, key: str, rows: list[dict], index: int) -> None:
        self.session.seal()
        self._set(key, [row for position, row in enumerate(rows) if position != index])
        self.refresh()

    def _seal_on_blur(self, event) -> None:
        if not getattr(event, 'focused', True):
            self.session.seal()
