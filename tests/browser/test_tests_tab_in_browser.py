"""The Tests tab in a real Chromium: a test made by `swarm-studio test` on the example dataset is
listed on its graph, its report opens side by side, and a row's run opens on the canvas."""
from __future__ import annotations

import subprocess
import sys

from playwright.sync_api import expect

from test_run import ROOT, app, node, open_graph, open_panel_tab, wait_for_status  # noqa: F401

from storage.test_runs import StoredTestRuns

DATASET = ROOT / 'assets' / 'datasets' / 'competitor-brief.csv'


def test_the_tests_tab_shows_the_report_and_opens_a_rows_run(page, app):
    url, graphs = app
    graph_id = open_graph(page, app)
    database = graphs.engine.url.database
    name = graphs.get(graph_id).name
    done = subprocess.run([sys.executable, '-m', 'studio', 'test', graph_id, str(DATASET), '--compare',
                           '--latency-ms', '0', '--concurrency', '8', '--db', database],
                          capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stderr
    group = next(group for group in StoredTestRuns(graphs.engine).list_groups(graph_id))
    assert group.first.graph_name == name

    open_panel_tab(page, 'Tests')
    card = page.locator(f'[data-test-run="{group.group_id}"]')
    card.wait_for()
    assert 'SIMULATED' in card.inner_text() and '50 rows' in card.inner_text()
    card.get_by_role('button', name='Open this test report').click()
    report = page.locator('.q-dialog').filter(has_text='Rows')
    report.wait_for()
    saving = group.report['side_by_side']['saving_pct']
    assert f'routing costs {saving:.1f}% less per row than flagship-only (measured)' in report.inner_text()
    assert report.get_by_role('columnheader', name='flagship-only').count() == 1
    assert report.locator('[data-test-row]').count() == 50
    row = report.locator('[data-test-row="7"]')
    row.scroll_into_view_if_needed()
    row.get_by_role('button', name="Open row 7's routing run").click()
    run_id = group.report['variants'][0]['results'][6]['run_id']
    page.locator('.q-drawer--right', has_text=f'Run {run_id[:8]}').wait_for()
    wait_for_status(page, 'succeeded')
    expect(page.locator('.q-dialog >> visible=true')).to_have_count(0)  # the report closed (it fades out)
    assert 'swarm-state-succeeded' in node(page, 'tidy').get_attribute('class')
