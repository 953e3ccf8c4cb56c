"""The editor's Tests tab, in NiceGUI's user simulation: a graph's datasets and test runs (made
by `swarm-studio test`), a report side by side, and a row's run opened on the canvas."""
from __future__ import annotations

import asyncio
import json
from pathlib import Path

from nicegui.testing import User

from storage.test_runs import StoredTestRuns
from studio.cli import main

ROOT = Path(__file__).resolve().parent.parent
BRIEF = ROOT / 'assets' / 'examples' / 'competitor-brief.json'


async def test_the_tests_tab_lists_tests_shows_the_report_and_opens_a_rows_run(user: User, graphs, tmp_path):
    graph_id = graphs.import_text(BRIEF.read_text())
    await user.open(f'/graph/{graph_id}')
    await user.should_see('Saved · version 1')
    user.find(marker='run-panel').click()
    user.find(marker='tab-tests').click()
    await user.should_see('No tests of this graph yet.')

    dataset = tmp_path / 'cases.csv'
    dataset.write_text('company,expected.tidy\nAcme,x\nBeta,y\n')
    database = str(tmp_path / 'studio.sqlite')  # the `graphs` fixture's database
    code = await asyncio.to_thread(main, ['test', 'Competitor brief', str(dataset), '--compare', '--latency-ms', '0',
                                          '--checks', str(write_checks(tmp_path)), '--db', database])
    assert code == 0
    [group] = StoredTestRuns(graphs.engine).list_groups(graph_id)

    user.find(marker='tab-history').click()
    user.find(marker='tab-tests').click()
    await user.should_see(marker='test-run')
    await user.should_see(f'{dataset} · 2 rows · 1 test · last pass rate 0.0%')
    await user.should_see('routing: 0.0% passed')
    await user.should_see('flagship-only: 0.0% passed')
    user.find(marker='test-run-open').click()
    await user.should_see(marker='test-report')
    await user.should_see(group.report['note'])
    routing = group.report['side_by_side']['saving_pct']
    await user.should_see(f'routing costs {routing:.1f}% less per row than flagship-only (measured)')
    await user.should_see('equals tidy: ')
    opened = group.report['variants'][1]['results'][0]['run_id']
    assert len(user.find(marker='test-row-open').elements) == 4  # each row of both variants has its run
    user.find(marker='test-row-open-1-1').click()  # row 1's flagship-only run
    await user.should_see(f'Run {opened[:8]}, ran version 1; the graph is unchanged since')


def write_checks(tmp_path: Path) -> Path:
    path = tmp_path / 'checks.json'
    path.write_text(json.dumps({'checks': [{'target': 'plan.steps', 'type': 'schema', 'schema': {'type': 'array'}}]}))
    return path

