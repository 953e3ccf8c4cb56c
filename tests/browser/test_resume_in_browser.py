"""Resume in a real Chromium: a run stopped over its budget, opened from History, carried on from
the run toolbar with a larger budget; the node that had succeeded is not called again."""
from __future__ import annotations

from test_run import RECORD_STATES_JS, app, node, open_graph, open_panel_tab, wait_for_status  # noqa: F401

from storage.runs import RunRepository

# The strategist (tier 1) costs $0.001180 on the simulated provider, the formatter far less:
# this budget pays for the first and stops the run before the second.
TIGHT_BUDGET = '0.0012'


def test_an_over_budget_run_is_resumed_from_the_run_toolbar(page, app):
    url, graphs = app
    graph_id = open_graph(page, app)
    page.get_by_role('button', name='Run', exact=True).click()
    page.get_by_label('company (string)').fill('Acme')
    page.get_by_label('Budget in USD (optional)').fill(TIGHT_BUDGET)
    page.get_by_label('Simulated latency per call', exact=False).fill('50')
    page.get_by_role('button', name='Start').click()
    wait_for_status(page, 'over budget')

    page.goto(f'{url}/graph/{graph_id}')
    node(page, 'report').wait_for()
    open_panel_tab(page, 'History')
    row = page.locator('.q-drawer--right [data-run-id]')
    row.wait_for()
    stopped_id = row.get_attribute('data-run-id')
    row.get_by_role('button', name='Open this run').click()
    wait_for_status(page, 'over budget')
    page.evaluate(RECORD_STATES_JS)

    page.get_by_role('button', name='Resume the run').click()
    budget = page.get_by_label('Budget (USD)')
    budget.wait_for()
    assert abs(float(budget.input_value()) - float(TIGHT_BUDGET)) < 1e-9  # the stopped run's, to raise
    assert page.locator('.q-menu', has_text='spent so far: $0.001180').count() == 1
    budget.fill('0.01')
    page.locator('.q-menu').get_by_role('button', name='Resume').click()
    wait_for_status(page, 'succeeded')
    assert 'swarm-state-succeeded' in node(page, 'tidy').get_attribute('class')
    assert 'running' not in [entry['state'] for entry in page.evaluate('window.__states').get('plan', [])]

    runs = RunRepository(graphs.engine)
    newest = runs.list_runs(graph_id)[0]
    assert newest.resumed_from == stopped_id and newest.status == 'succeeded'
    detail = runs.get_run(newest.id)
    assert [attempt.node_id for attempt in detail.attempts] == ['tidy']  # the strategist was not called again
    assert detail.nodes['plan'].pinned
