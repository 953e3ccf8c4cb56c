"""Running missions in a real Chromium against the real app, on the simulated provider.

One app for the module, on a database of its own (graphs are stored into it directly); each
test opens its own graph. A MutationObserver in the page records every run state each node
card shows, with its time, so the order of states is checked as the browser showed them.
Simulated calls take 300 ms (longer than a tick, so every state shows for a while).
"""
from __future__ import annotations

import copy
import json
import re
from decimal import Decimal
from pathlib import Path

import pytest


from locators import node
from studio_app import own_studio

ROOT = Path(__file__).resolve().parents[2]
BRIEF = json.loads((ROOT / 'assets/examples/competitor-brief.json').read_text())
MARKUP = '<img src=x onerror="window.__xss = 1">'
RECORD_STATES_JS = '''() => {
  window.__states = {};
  const record = (node) => {
    const found = [...node.classList].find((name) => name.startsWith('swarm-state-'));
    const list = (window.__states[node.dataset.id] ||= []);
    const state = found ? found.slice('swarm-state-'.length) : null;
    if (state && (list.length === 0 || list[list.length - 1].state !== state)) list.push({state, t: performance.now()});
  };
  new MutationObserver((mutations) => {
    for (const mutation of mutations) {
      if (mutation.target.classList && mutation.target.classList.contains('vue-flow__node')) record(mutation.target);
    }
  }).observe(document.querySelector('.vue-flow'), {attributes: true, attributeFilter: ['class'], subtree: true});
}'''


def graph_text(**node_configs: dict) -> str:
    document = copy.deepcopy(BRIEF)
    for item in document['nodes']:
        item['config'].update(node_configs.get(item['id'], {}))
    return json.dumps(document)


@pytest.fixture(scope='module')
def app(tmp_path_factory: pytest.TempPathFactory):
    """(base URL, graph repository) of an app on a database of its own."""
    with own_studio(tmp_path_factory.mktemp('run-app')) as (url, graphs, _):
        yield url, graphs


def open_graph(page, app, text: str = json.dumps(BRIEF)) -> str:
    url, graphs = app
    graph_id = graphs.import_text(text)
    page.goto(f'{url}/graph/{graph_id}')
    node(page, 'report').wait_for()
    page.evaluate(RECORD_STATES_JS)
    return graph_id


def start_run(page, company: str = 'Acme', latency_ms: int = 300) -> None:
    page.get_by_role('button', name='Run', exact=True).click()
    page.get_by_label('company (string)').fill(company)
    page.get_by_label(re.compile('Simulated latency per call')).fill(str(latency_ms))
    page.get_by_role('button', name='Start').click()


def wait_for_status(page, status: str, timeout: float = 20_000) -> None:
    page.locator('.swarm-run-status', has_text=re.compile(f'^{status}$')).wait_for(timeout=timeout)


def states_seen(page) -> dict[str, list[dict]]:
    return page.evaluate('window.__states')


def sequence(seen: dict, node_id: str) -> list[str]:
    return [entry['state'] for entry in seen.get(node_id, [])]


def first_time(seen: dict, node_id: str, state: str) -> float:
    return next(entry['t'] for entry in seen[node_id] if entry['state'] == state)


def open_panel_tab(page, tab: str) -> None:
    if not page.locator('.q-drawer--right .q-tab', has_text=tab).is_visible():
        page.get_by_role('button', name='Run panel').click()
    page.locator('.q-drawer--right .q-tab', has_text=tab).click()


def test_a_run_animates_states_in_order_and_its_total_is_the_sum_of_node_costs(page, app):
    open_graph(page, app)
    start_run(page)
    wait_for_status(page, 'succeeded')
    for node_id in ('brief', 'plan', 'tidy', 'report'):
        node(page, node_id).and_(page.locator('.swarm-state-succeeded')).wait_for()  # the canvas draws once a frame
    seen = states_seen(page)
    for node_id in ('plan', 'tidy'):  # each state once, in the engine's order (a tick may skip `queued`)
        assert sequence(seen, node_id) in (['queued', 'running', 'succeeded'], ['running', 'succeeded'])
    assert sequence(seen, 'report')[-1] == 'succeeded'
    assert first_time(seen, 'plan', 'succeeded') <= first_time(seen, 'tidy', 'running')
    assert first_time(seen, 'tidy', 'succeeded') <= first_time(seen, 'report', 'succeeded')
    assert page.locator('.swarm-run-progress').inner_text() == '4/4 succeeded'
    assert page.locator('.swarm-run-mode').inner_text() == 'SIMULATED'

    open_panel_tab(page, 'Costs')
    total_text = page.locator('.swarm-costs-total').inner_text()
    total = Decimal(re.match(r'Total \$([0-9.]+): the sum of the 4 node costs', total_text)[1])
    costs = [Decimal(cell.removeprefix('$'))
             for cell in page.locator('.swarm-costs-table tbody tr td:nth-child(3)').all_inner_texts()]
    assert len(costs) == 4 and sum(costs) == total > 0
    assert page.locator('.swarm-run-cost').inner_text() == f'${total:.6f}'


def test_a_faulty_node_shows_its_retries_and_escalation_on_the_canvas_and_in_its_details(page, app):
    schema = {'type': 'object', 'properties': {'items': {'type': 'array', 'items': {'type': 'string'}}},
              'required': ['items']}
    open_graph(page, app, graph_text(tidy={'output_schema': schema, 'simulate': {'fail_first': 3}}))
    start_run(page, company=MARKUP)
    wait_for_status(page, 'succeeded')
    seen = sequence(states_seen(page), 'tidy')
    assert seen[0] in ('queued', 'running') and seen[-1] == 'succeeded'
    assert 'retrying' in seen and 'escalated' in seen and seen.index('retrying') < seen.index('escalated')
    assert 'escalated to T2' in node(page, 'tidy').locator('.swarm-node__state').inner_text()

    node(page, 'tidy').click()
    summary = page.locator('.swarm-node-details-summary')
    summary.wait_for()
    assert summary.inner_text().startswith('succeeded · escalated to T2 · tier 2 · claude-sonnet-4-5 · 4 attempts')
    headers = page.locator('.swarm-attempt-header').all_inner_texts()
    assert [header.split(' · ')[1:4] for header in headers] == [
        ['tier 3', 'gpt-4o-mini', 'invalid output']] * 3 + [['tier 2', 'claude-sonnet-4-5', 'valid']]
    errors = page.locator('.swarm-attempt-error').all_inner_texts()
    assert len(errors) == 3 and all(error.startswith('the reply is not JSON') for error in errors)
    assert page.get_by_text('Validation error, fed back to the model').count() == 3

    node(page, 'plan').click()  # what the user typed reached the model, and is shown as text
    page.locator('.swarm-attempt-message', has_text=f'Plan a competitive analysis of {MARKUP}.').wait_for()
    assert page.evaluate('window.__xss') is None


def test_cancel_stops_the_run_and_the_running_node_shows_cancelled(page, app):
    open_graph(page, app)
    start_run(page, latency_ms=5000)
    node(page, 'plan').and_(page.locator('.swarm-state-running')).wait_for()
    page.get_by_role('button', name='Cancel the run').click()
    wait_for_status(page, 'cancelled')
    node(page, 'plan').and_(page.locator('.swarm-state-cancelled')).wait_for()
    for node_id in ('tidy', 'report'):
        node(page, node_id).and_(page.locator('.swarm-state-skipped')).wait_for()
    page.get_by_role('button', name='Run', exact=True).wait_for()


def test_history_survives_a_reload_and_a_rerun_from_a_node_reexecutes_only_its_downstream(page, app):
    url, _ = app
    graph_id = open_graph(page, app)
    start_run(page, latency_ms=100)
    wait_for_status(page, 'succeeded')
    cost = page.locator('.swarm-run-cost').inner_text()

    page.goto(f'{url}/graph/{graph_id}')
    node(page, 'report').wait_for()
    wait_for_status(page, 'succeeded')  # the graph opened again shows how its last run ended
    assert page.locator('.swarm-run-cost').inner_text() == cost
    page.get_by_role('button', name='Close the run display').click()
    page.locator('.swarm-run-status').wait_for(state='hidden')
    assert page.locator('.swarm-state-succeeded').count() == 0
    open_panel_tab(page, 'History')
    row = page.locator('.q-drawer--right [data-run-id]')
    row.wait_for()
    assert row.count() == 1 and row.locator('.swarm-history-status').inner_text() == 'succeeded'
    row.get_by_role('button', name='Open this run').click()
    wait_for_status(page, 'succeeded')
    assert page.locator('.swarm-run-cost').inner_text() == cost
    assert page.locator('.swarm-run-note').inner_text() == 'ran version 1; the graph is unchanged since'
    for node_id in ('brief', 'plan', 'tidy', 'report'):
        node(page, node_id).and_(page.locator('.swarm-state-succeeded')).wait_for()  # the canvas draws once a frame

    page.evaluate(RECORD_STATES_JS)
    node(page, 'tidy').click()
    rerun_at = page.evaluate('performance.now()')
    page.get_by_role('button', name='Re-run from here').click()
    page.locator('.swarm-run-note', has_text='re-run from tidy').wait_for()
    wait_for_status(page, 'succeeded')
    seen = {node_id: [entry for entry in entries if entry['t'] > rerun_at]
            for node_id, entries in states_seen(page).items()}
    assert sequence(seen, 'plan') == ['cached']
    assert sequence(seen, 'tidy') in (['queued', 'running', 'succeeded'], ['running', 'succeeded'])
    assert sequence(seen, 'report') == ['succeeded'] or sequence(seen, 'report')[-2:] == ['running', 'succeeded']
    node(page, 'plan').and_(page.locator('.swarm-state-cached')).wait_for()
    open_panel_tab(page, 'History')
    page.locator('.q-drawer--right [data-run-id]').nth(1).wait_for()
    assert page.locator('.q-drawer--right [data-run-id]').count() == 2
