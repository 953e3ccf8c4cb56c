"""The Run dialog: the graph's input fields, an optional budget, and simulated or live.

The fields come from the graph's input nodes (each field's type picks its editor); the form
opens with the values of the graph's last run (or the fields' defaults). Live is offered only
when the catalog's models have their keys (provider_choice.live_option), and the form says
which keys are missing. An empty field is left out, so its default applies (or the run is
refused as missing it). Whatever refuses the run is shown in the form, in one line.
"""
from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from nicegui import ui

from ..number_input import DecimalNumber
from .missions import RunRequest
from .provider_choice import LIVE, SIMULATED, LiveOption

MISSING: Any = object()
"""A field left empty: not passed, so its default applies."""


class FormError(ValueError):
    """A value the form cannot take; the message names the field."""


def field_value(field: Any, raw: Any) -> Any:
    """An input field's value from its editor's raw value (MISSING when empty); `FormError` if it does not fit.

    :param field: the `InputField` (name, type)
    :param raw: what the editor holds (text, number or bool)
    """
    name, kind = field.name, field.type
    if kind == 'boolean':
        return bool(raw)
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return MISSING
    if kind == 'string':
        return str(raw)
    if kind in ('number', 'integer'):
        number = float(raw)
        if kind == 'integer' and not number.is_integer():
            raise FormError(f'{name} must be a whole number, not {raw}')
        return int(number) if number.is_integer() else number
    try:
        value = json.loads(raw)
    except ValueError as error:
        raise FormError(f'{name} is not valid JSON ({error.msg} at line {error.lineno}, column {error.colno})') \
            from None
    expected = dict if kind == 'object' else list
    if not isinstance(value, expected):
        raise FormError(f'{name} must be a JSON {"object" if kind == "object" else "array"}, '
                        f'like {"{}" if kind == "object" else "[]"}')
    return value


def _shown(field: Any, value: Any) -> Any:
    """A value as its editor holds it."""
    if field.type in ('object', 'array'):
        return '' if value is None else json.dumps(value, ensure_ascii=False)
    if field.type == 'string':
        return '' if value is None else str(value)
    return value


class RunForm:
    """The Run dialog. `open()` it; `on_start(request)` starts the run and returns None, or why it did not.

    :param fields: input field name -> `InputField`, over the graph's input nodes
    :param remembered: the last run's values (inputs, budget, mode, latency)
    :param live: whether live runs are offered, and why not
    :param on_start: starts the run; returns None, or the sentence saying why it could not
    :param on_estimate: what a run of the request would cost (nodes.estimate.MissionEstimate),
        or why it cannot be estimated (a sentence)
    """

    def __init__(self, fields: dict[str, Any], remembered: RunRequest, live: LiveOption,
                 on_start: Callable[[RunRequest], Awaitable[str | None]],
                 on_estimate: Callable[[RunRequest], Awaitable[Any]] | None = None) -> None:
        self.fields = fields
        self.on_start = on_start
        self.on_estimate = on_estimate
        self.estimate: Any = None
        self.editors: dict[str, Any] = {}
        with ui.dialog() as self.dialog, ui.card().classes('w-[34rem] gap-2').mark('run-form'):
            ui.label('Run the mission').classes('text-lg')
            if fields:
                ui.label('Inputs').classes('text-xs uppercase text-grey-7')
            else:
                ui.label('The graph has no input fields.').classes('text-sm text-grey-7')
            for name, field in fields.items():
                self.editors[name] = self._editor(field, remembered.inputs.get(name, field.default))
            ui.label('Options').classes('text-xs uppercase text-grey-7 pt-2')
            self.budget = DecimalNumber('Budget in USD (optional)', value=remembered.budget_usd, min=0) \
                .classes('w-full').mark('run-budget')
            modes = {SIMULATED: 'Simulated'} | ({LIVE: 'Live'} if live.offered else {})
            mode = remembered.mode if remembered.mode in modes else SIMULATED
            self.mode = ui.radio(modes, value=mode).props('inline').mark('run-mode-choice')
            ui.label(live.message if live.offered else f'Live is not offered. {live.message}') \
                .classes('text-xs text-grey-7').mark('live-note')
            self.latency = ui.number('Simulated latency per call, ms (empty: 1200 / 700 / 300 by tier)',
                                     value=remembered.latency_ms, min=0).classes('w-full').mark('run-latency')
            self.latency.bind_visibility_from(self.mode, 'value', value=SIMULATED)
            with ui.column().classes('w-full gap-0') as self.estimate_box:
                self.estimate_line = ui.label('').classes('text-sm').mark('run-estimate')
                self.estimate_nodes = ui.label('').classes('text-xs text-grey-7 whitespace-pre-line') \
                    .mark('run-estimate-nodes')
            self.estimate_box.set_visibility(on_estimate is not None)
            self.budget_warning = ui.label('').classes('text-warning text-sm').mark('run-budget-warning')
            self.budget_warning.set_visibility(False)
            self.budget.on_value_change(self._check_budget)
            self.mode.on_value_change(self.refresh_estimate)
            for editor in self.editors.values():
                editor.on('blur', self.refresh_estimate)
            self.error = ui.label('').classes('text-negative text-sm').mark('run-form-error')
            self.error.set_visibility(False)
            with ui.row().classes('w-full justify-end'):
                ui.button('Cancel', on_click=self.dialog.close).props('flat')
                self.start_button = ui.button('Start', icon='play_arrow', on_click=self.submit).mark('run-start')

    def _editor(self, field: Any, value: Any) -> Any:
        label = f'{field.name} ({field.type})'
        if field.type == 'boolean':
            editor = ui.switch(label, value=bool(value))
        elif field.type in ('number', 'integer'):
            editor = ui.number(label, value=value).classes('w-full')
        elif field.type in ('object', 'array'):
            editor = ui.textarea(label, value=_shown(field, value)).props('autogrow').classes('w-full font-mono')
        else:
            editor = ui.input(label, value=_shown(field, value)).classes('w-full')
        editor.mark(f'input-{field.name}')
        if field.description:
            ui.label(field.description).classes('text-xs text-grey-7 -mt-2')
        return editor

    def open(self) -> None:
        self.dialog.open()
        if self.on_estimate is not None:
            from nicegui import background_tasks
            background_tasks.create(self.refresh_estimate(), name='estimate the run')

    async def refresh_estimate(self) -> None:
        """Estimate the run as the form stands (before anything is called), and check the budget against it."""
        if self.on_estimate is None:
            return
        try:
            request = self.request()
        except FormError:
            return  # the field in error is reported when Start is pressed
        result = await self.on_estimate(request)
        if isinstance(result, str):
            self.estimate = None
            self.estimate_line.set_text(f'No estimate: {result}')
            self.estimate_nodes.set_text('')
        else:
            self.estimate = result
            self.estimate_line.set_text(estimate_line(result))
            self.estimate_nodes.set_text('\n'.join(
                f'{node_id}: tier {node.tier} {node.model}, ~{node.input_tokens} in / {node.output_tokens} out, '
                f'{_usd(node.expected_usd)}' for node_id, node in result.nodes.items()))
        self._check_budget()

    def _check_budget(self) -> None:
        """Flag a budget below the low estimate: the run would stop before it finishes."""
        budget, estimate = self.budget.value, self.estimate
        low = estimate.low_usd if estimate is not None else None
        below = budget is not None and low is not None and budget > 0 and budget < float(low)
        self.budget_warning.set_text(f'The budget ${float(budget):.6f} is below the lowest estimate {_usd(low)}: '
                                     'the run will stop before it finishes.' if below else '')
        self.budget_warning.set_visibility(below)

    def request(self) -> RunRequest:
        """The form's values as a request; `FormError` naming the first value that does not fit."""
        inputs = {}
        for name, editor in self.editors.items():
            value = field_value(self.fields[name], editor.value)
            if value is not MISSING:
                inputs[name] = value
        budget = self.budget.value
        if budget is not None and budget <= 0:
            raise FormError('the budget must be more than $0, or empty for none')
        latency = self.latency.value if self.mode.value == SIMULATED else None
        if latency is not None and latency < 0:
            raise FormError('the simulated latency cannot be negative')
        return RunRequest(inputs, None if budget is None else float(budget), self.mode.value,
                          None if latency is None else int(latency))

    def show_error(self, message: str | None) -> None:
        self.error.set_text(message or '')
        self.error.set_visibility(bool(message))

    async def submit(self) -> None:
        try:
            request = self.request()
        except FormError as error:
            self.show_error(_sentence(str(error)))
            return
        self.start_button.disable()
        try:
            refusal = await self.on_start(request)
        finally:
            self.start_button.enable()
        if refusal:
            self.show_error(_sentence(refusal))
        else:
            self.show_error(None)
            self.dialog.close()


def estimate_line(estimate: Any) -> str:
    """The estimate in one line: expected, its range, the flagship-only cost and the expected saving."""
    unpriced = len(estimate.unpriced_nodes)
    return (f'Estimate: {_usd(estimate.expected_usd)} (low {_usd(estimate.low_usd)}, high {_usd(estimate.high_usd)} '
            f'with every retry and escalation) · flagship-only {_usd(estimate.flagship_usd)} · expected saving '
            f'{estimate.savings_pct:.1f}%' + (f' · {unpriced} node{"s" * (unpriced != 1)} unpriced' if unpriced else ''))


def _usd(value: Any) -> str:
    return 'unknown' if value is None else f'${float(value):.6f}'


def _sentence(text: str) -> str:
    text = text.strip()
    return (text[:1].upper() + text[1:]).rstrip('.') + '.'
