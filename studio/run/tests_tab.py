"""The run panel's Tests tab: a graph's datasets and past test runs (`swarm-studio test`), a test's
report side by side in a dialog, and each row's run openable on the canvas like any run.

It reads what the CLI stored (storage/test_runs.py); the figures are the terminal table's
(`nodes.testing.report.figures_table`). Inputs, outputs and reasons are shown as text, never HTML.
"""
from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from nicegui import run, ui

from nodes.testing.report import comparison_text, figures_table
from storage.db import StorageError
from storage.test_runs import StoredTestNotFound, StoredTestRuns

from .history import started_text

log = logging.getLogger(__name__)
INPUTS_SHOWN = 60  # characters of a row's inputs in the rows table


class TestsTab:
    """The Tests tab of one editor page.

    :param container: the tab panel's column
    :param tests: the stored test runs
    :param graph_id: the page's graph
    :param open_run: called with a run id to show it on the canvas (the History's `open_run`)
    """
    __test__ = False  # a panel, not a pytest class

    def __init__(self, container: ui.element, tests: StoredTestRuns, graph_id: str,
                 open_run: Callable[[str], Awaitable[None]]) -> None:
        self.container = container
        self.tests = tests
        self.graph_id = graph_id
        self.open_run = open_run
        self.dialog: ui.dialog | None = None

    async def refresh(self) -> None:
        try:
            groups = await run.io_bound(self.tests.list_groups, self.graph_id)
            datasets = await run.io_bound(self.tests.datasets, self.graph_id)
        except StorageError as error:
            log.warning('could not list the tests of %s: %s', self.graph_id, error)
            return
        self.container.clear()
        with self.container:
            if not groups:
                ui.label('No tests of this graph yet. Test it on a dataset from the command line:') \
                    .classes('text-sm text-grey-7')
                ui.label('swarm-studio test "GRAPH NAME" cases.csv --compare').classes('text-xs font-mono')
                return
            ui.label('Datasets').classes('text-xs uppercase text-grey-7')
            for dataset in datasets:
                ui.label(f'{dataset["dataset"]} · {dataset["rows"]} rows · {dataset["tests"]} '
                         f'test{"s" * (dataset["tests"] != 1)} · last pass rate {dataset["last_pass_rate"]:.1%}') \
                    .classes('text-xs break-all').mark('tests-dataset')
            ui.label('Test runs').classes('text-xs uppercase text-grey-7 pt-2')
            for group in groups:
                self._group_card(group)

    def _group_card(self, group: Any) -> None:
        first = group.first
        with ui.card().classes('w-full p-2 gap-1').props(f'data-test-run={group.group_id}').mark('test-run'):
            with ui.row().classes('w-full items-center gap-2 no-wrap'):
                ui.badge('SIMULATED' if any(v.simulated for v in group.variants) else 'LIVE',
                         color='orange' if first.simulated else 'teal').props('outline')
                ui.label(started_text(first)).classes('text-xs text-grey-8')
                ui.space()
                ui.button(icon='table_view', on_click=lambda: self.show_report(group.group_id)) \
                    .props('flat dense round aria-label="Open this test report"').mark('test-run-open') \
                    .tooltip('Open the report: the variants side by side, row by row')
            ui.label(f'{first.dataset} · {first.rows} rows').classes('text-xs break-all')
            for variant in group.variants:
                ui.label(f'{variant.variant}: {variant.pass_rate:.1%} passed · ${variant.cost_per_row_usd:.6f} a row '
                         f'· ${variant.cost_usd:.6f} in all').classes('text-xs').mark('test-run-variant')

    async def show_report(self, group_id: str) -> None:
        """The test's report in a dialog: figures side by side, then every row with each variant's verdict."""
        try:
            group = await run.io_bound(self.tests.get_group, group_id)
        except (StoredTestNotFound, StorageError) as error:
            ui.notify(str(error), type='negative')
            return
        report = group.report
        if self.dialog is not None and not self.dialog.is_deleted:
            self.dialog.delete()  # one report at a time: the last one's elements go
        with self.container, ui.dialog() as self.dialog, \
                ui.card().classes('w-[960px] max-w-[95vw] gap-2').mark('test-report'):
            with ui.row().classes('w-full items-center'):
                ui.label(f'{report["graph"]} on {report["dataset"]}').classes('text-lg font-semibold')
                ui.space()
                ui.button(icon='close', on_click=self.dialog.close).props('flat round dense aria-label=Close')
            ui.label(report['note']).classes('text-sm ' + ('text-orange-9' if report['simulated'] else 'text-grey-8')) \
                .mark('test-report-note')
            table = figures_table(report)
            labels = table[0][1]
            ui.table(columns=[{'name': 'figure', 'label': '', 'field': 'figure', 'align': 'left'}] +
                     [{'name': f'v{index}', 'label': label, 'field': f'v{index}', 'align': 'left'}
                      for index, label in enumerate(labels)],
                     rows=[{'id': name, 'figure': name, **{f'v{index}': cell for index, cell in enumerate(cells)}}
                           for name, cells in table[1:]], row_key='id', pagination={'rowsPerPage': 0}) \
                .props('dense flat hide-pagination').classes('w-full text-sm').mark('test-figures')
            if report.get('side_by_side'):
                ui.label(comparison_text(report)).classes('text-sm font-medium').mark('test-comparison')
            ui.label('Rows').classes('text-xs uppercase text-grey-7 pt-2')
            with ui.column().classes('w-full gap-0 max-h-[50vh] overflow-auto'):
                results = [variant['results'] for variant in report['variants']]
                for row_results in zip(*results):
                    self._row(row_results, labels)
        self.dialog.open()

    def _row(self, results: tuple[dict[str, Any], ...], labels: list[str]) -> None:
        first = results[0]
        differs = len({result['passed'] for result in results}) > 1
        inputs = json.dumps(first['inputs'], ensure_ascii=False)
        with ui.row().classes('w-full items-start gap-3 no-wrap border-b py-1' + (' bg-amber-1' if differs else '')) \
                .props(f'data-test-row={first["row"]}').mark('test-row'):
            ui.label(f'{first["row"]}').classes('text-xs w-8 text-right text-grey-7')
            ui.label(inputs if len(inputs) <= INPUTS_SHOWN else inputs[:INPUTS_SHOWN - 1] + '…') \
                .classes('text-xs font-mono w-48 break-all').tooltip(inputs)
            for index, (label, result) in enumerate(zip(labels, results)):
                with ui.column().classes('gap-0 grow basis-0'):
                    with ui.row().classes('items-center gap-1 no-wrap'):
                        ui.badge('pass' if result['passed'] else result['status'].replace('_', ' ')
                                 if result['status'] != 'succeeded' else 'fail',
                                 color='positive' if result['passed'] else 'negative').mark('test-row-verdict')
                        ui.label(f'${result["cost_usd"]:.6f}').classes('text-xs')
                        if result['run_id']:
                            ui.button(icon='visibility', on_click=lambda run_id=result['run_id']: self._open(run_id)) \
                                .props(f'flat dense round size=sm aria-label="Open row {first["row"]}\'s {label} run"') \
                                .mark(f'test-row-open test-row-open-{first["row"]}-{index}').tooltip(f'Open this row\'s {label} run on the canvas')
                    for reason in result['reasons'][:3]:
                        ui.label(reason).classes('text-xs text-negative break-words')

    async def _open(self, run_id: str) -> None:
        if self.dialog is not None:
            self.dialog.close()
        await self.open_run(run_id)
