"""Running missions from the editor, in NiceGUI's user simulation: the Run form, live states and
figures, cancel, run details, history, re-run from a node, pins, export, and the settings page.

Runs use the simulated provider with no latency; the canvas's Python → browser calls are
recorded (the browser side is covered by tests/browser/test_run.py).
"""
from __future__ import annotations

import asyncio
import copy
import json
from decimal import Decimal
from pathlib import Path

import pytest
from nicegui.testing import User

from nodes.catalog import PROVIDER_KEYS
from storage.settings import stored_catalog
from studio.canvas import Canvas
from studio.run.editor_run import missions
from studio.run.node_states import money, output_preview
from studio.settings_page import UNPRICED_TEXT

ROOT = Path(__file__).resolve().parent.parent
BRIEF = json.loads((ROOT / 'assets/examples/competitor-brief.json').read_text())
ITEMS_SCHEMA = {'type': 'object', 'properties': {'items': {'type': 'array', 'items': {'type': 'string'}}},
                'required': ['items']}


def graph_text(**node_configs: dict) -> str:
    """The competitor brief, with some nodes' config keys replaced."""
    document = copy.deepcopy(BRIEF)
    for node in document['nodes']:
        node['config'].update(node_configs.get(node['id'], {}))
    return json.dumps(document)


FLAKY = graph_text(tidy={'output_schema': ITEMS_SCHEMA, 'simulate': {'fail_first': 3}})
"""`tidy` (tier 3, two retries) replies invalid JSON three times: it retries twice, escalates, succeeds at tier 2."""


async def open_editor(user: User, graphs, text: str = json.dumps(BRIEF)) -> tuple[str, list[dict]]:
    """Store a graph and open it; return its id and the `set_states` payloads the canvas sends from now on."""
    graph_id = graphs.import_text(text)
    await user.open(f'/graph/{graph_id}')
    await user.should_see('Saved · version 1')
    canvas = next(iter(user.find(Canvas).elements))
    sent_states: list[dict] = []
    sent = canvas.run_method

    def recording(name, *args, **kwargs):
        if name == 'set_states':
            sent_states.append(copy.deepcopy(args[0]))
        return sent(name, *args, **kwargs)
    canvas.run_method = recording
    return graph_id, sent_states


def element(user: User, marker: str):
    return next(iter(user.find(marker=marker).elements))


async def eventually(condition, timeout: float = 5.0):
    deadline = asyncio.get_running_loop().time() + timeout
    while not (value := condition()):
        assert asyncio.get_running_loop().time() < deadline, 'condition not met in time'
        await asyncio.sleep(0.02)
    return value


async def open_run_form(user: User) -> None:
    user.find(marker='run').click()
    await user.should_see(marker='run-form')


async def start_run(user: User, graph_id: str, latency_ms: int = 0, wait: bool = True, **inputs):
    """Fill the Run form, press Start; return the run's bridge (finished, unless `wait` is False)."""
    before = missions().last.get(graph_id)
    await open_run_form(user)
    for name, value in inputs.items():
        element(user, f'input-{name}').value = value
    element(user, 'run-latency').value = latency_ms
    user.find(marker='run-start').click()
    bridge = await eventually(lambda: (missions().last.get(graph_id) is not before) and missions().last.get(graph_id))
    if wait:
        await bridge.wait()
    return bridge


def final_states(sent_states: list[dict]) -> dict:
    shown: dict = {}
    for batch in sent_states:
        for node_id, display in batch.items():
            if display is None:
                shown.pop(node_id, None)
            else:
                shown[node_id] = {**shown.get(node_id, {}), **display}
    return shown


def text_of(user: User, marker: str) -> str:
    return element(user, marker).text


# -- running -----------------------------------------------------------------------------------

async def test_a_run_animates_every_node_and_its_figures_add_up(user: User, graphs):
    graph_id, sent_states = await open_editor(user, graphs)
    bridge = await start_run(user, graph_id, company='Acme')
    summary = bridge.summary
    assert summary.status == 'succeeded'
    shown = final_states(sent_states)
    assert {node_id: display['state'] for node_id, display in shown.items()} == \
        {'brief': 'succeeded', 'plan': 'succeeded', 'tidy': 'succeeded', 'report': 'succeeded'}
    assert shown['plan']['tier'] == 1 and shown['plan']['model'] == 'claude-opus-4-5'
    assert shown['tidy']['cost'] == float(summary.nodes['tidy'].cost_usd) > 0
    assert len(sent_states) < bridge.display.event_count  # batched per tick, not sent per event
    assert text_of(user, 'run-cost') == money(summary.cost_usd)
    assert text_of(user, 'run-flagship') == f'flagship-only {money(summary.flagship_cost_usd)}'
    assert text_of(user, 'run-savings') == f'saved {summary.savings_pct:.1f}%'
    assert text_of(user, 'run-progress') == '4/4 succeeded'
    assert text_of(user, 'run-mode') == 'SIMULATED' and text_of(user, 'run-status') == 'succeeded'
    assert summary.cost_usd == sum(result.cost_usd for result in summary.nodes.values())


async def test_the_form_remembers_the_last_values_of_the_graph(user: User, graphs):
    graph_id, _ = await open_editor(user, graphs)
    await start_run(user, graph_id, company='Globex')
    await open_run_form(user)
    assert element(user, 'input-company').value == 'Globex'
    assert element(user, 'run-latency').value == 0


async def test_a_missing_input_is_refused_in_the_form_in_one_line(user: User, graphs):
    graph_id, _ = await open_editor(user, graphs)
    await open_run_form(user)
    user.find(marker='run-start').click()
    await user.should_see('The inputs do not fit the graph: missing input "company" (a string).')
    assert missions().last.get(graph_id) is None


async def test_a_graph_with_problems_is_refused_before_the_form(user: User, graphs):
    graph_id, _ = await open_editor(user, graphs)
    user.sessions.get(graph_id).session.set_config('plan', 'prompt', 'Plan for {{ report }}.')
    user.find(marker='run').click()
    await user.should_see('problem to fix before it can run; the first:')
    await user.should_not_see(marker='run-form')


async def test_live_is_offered_only_when_every_tier_has_a_key_and_the_form_names_missing_keys(
        user: User, graphs, monkeypatch: pytest.MonkeyPatch):
    for name in PROVIDER_KEYS.values():
        monkeypatch.delenv(name, raising=False)
    await open_editor(user, graphs)
    await open_run_form(user)
    await user.should_see('Live is not offered. Live runs need a key for a model of every tier — tier 1: set '
                          'ANTHROPIC_API_KEY, OPENAI_API_KEY or GEMINI_API_KEY')
    assert list(element(user, 'run-mode-choice').options) == ['simulated']

    monkeypatch.setenv('OPENAI_API_KEY', 'sk-test-never-shown')
    user.find(marker='run').click()
    await user.should_see('Models without a key are left out: claude-opus-4-5 (ANTHROPIC_API_KEY)')
    assert list(element(user, 'run-mode-choice').options) == ['simulated', 'live']
    await user.should_not_see('sk-test-never-shown')


async def test_cancel_stops_the_run_and_running_nodes_show_cancelled(user: User, graphs):
    graph_id, sent_states = await open_editor(user, graphs)
    bridge = await start_run(user, graph_id, latency_ms=5000, wait=False, company='Acme')
    await eventually(lambda: bridge.display.nodes['plan'].status == 'running')
    await user.should_see(marker='cancel-run')
    user.find(marker='cancel-run').click()
    summary = await bridge.wait()
    assert summary.status == 'cancelled'
    states = {node_id: display['state'] for node_id, display in final_states(sent_states).items()}
    assert states == {'brief': 'succeeded', 'plan': 'cancelled', 'tidy': 'skipped', 'report': 'skipped'}
    await user.should_see(marker='run')
    assert text_of(user, 'run-status') == 'cancelled'


# -- run details -------------------------------------------------------------------------------

async def test_a_faulty_node_shows_its_retries_escalation_and_every_attempt(user: User, graphs):
    graph_id, sent_states = await open_editor(user, graphs, FLAKY)
    bridge = await start_run(user, graph_id, company='Acme')
    tidy_states = [batch['tidy']['state'] for batch in sent_states if batch.get('tidy')]
    assert tidy_states[-1] == 'succeeded'
    assert final_states(sent_states)['tidy']['label'] == 'succeeded · escalated to T2'
    assert [attempt.tier for attempt in bridge.summary.nodes['tidy'].attempts] == [3, 3, 3, 2]

    user.find(Canvas).trigger('node_click', {'id': 'tidy'})
    await user.should_see('succeeded · escalated to T2 · tier 2 · claude-sonnet-4-5 · 4 attempts')
    headers = sorted(label.text for label in user.find(marker='attempt-header').elements)
    assert [header.split(' · ')[:4] for header in headers] == [
        ['Attempt 1', 'tier 3', 'gpt-4o-mini', 'invalid output'],
        ['Attempt 2', 'tier 3', 'gpt-4o-mini', 'invalid output'],
        ['Attempt 3', 'tier 3', 'gpt-4o-mini', 'invalid output'], ['Attempt 4', 'tier 2', 'claude-sonnet-4-5', 'valid']]
    await user.should_see('Validation error, fed back to the model')
    errors = [label.text for label in user.find(marker='attempt-error').elements]
    assert len(errors) == 3 and all(error.startswith('the reply is not JSON') for error in errors)
    messages = [label.text for label in user.find(marker='attempt-message').elements]
    assert any(message.startswith('Your reply was not valid: the reply is not JSON') for message in messages)
    timeline = [text for text, _ in element(user, 'timeline').lines]
    assert any('tidy  escalated from tier 3 to tier 2' in line for line in timeline)
    assert sum('tidy  retrying (invalid output)' in line for line in timeline) == 2


# -- history, re-run, pins, export -------------------------------------------------------------

async def test_history_replays_a_run_with_the_version_it_ran_after_the_graph_changed(user: User, graphs):
    graph_id, sent_states = await open_editor(user, graphs)
    bridge = await start_run(user, graph_id, company='Acme')
    user.find(marker='run-close').click()
    await eventually(lambda: final_states(sent_states) == {})
    user.find(Canvas).trigger('node_click', {'id': 'plan'})
    user.find(marker='title').clear().type('Chief strategist')  # the inspector: a later edit

    user.find(marker='run-panel').click()
    user.find(marker='tab-history').click()
    await user.should_see(marker=f'history-{bridge.run_id}')
    with user.scope(marker=f'history-{bridge.run_id}'):
        user.find(marker='history-open').click()
    await user.should_see('ran version 1; changed since: plan (title) edited')
    shown = final_states(sent_states)
    assert {node_id: display['state'] for node_id, display in shown.items()} == dict.fromkeys(
        ['brief', 'plan', 'tidy', 'report'], 'succeeded')
    assert text_of(user, 'run-cost') == money(bridge.summary.cost_usd)
    user.find(Canvas).trigger('node_click', {'id': 'plan'})
    await user.should_see('Plan a competitive analysis of Acme.')  # the messages it ran with, from the store


async def test_rerun_from_a_node_reexecutes_it_and_its_downstream_and_serves_the_rest_from_the_cache(
        user: User, graphs):
    graph_id, sent_states = await open_editor(user, graphs)
    first = await start_run(user, graph_id, company='Acme')
    user.find(Canvas).trigger('node_click', {'id': 'tidy'})
    user.find(marker='rerun-from-node').click()
    second = await eventually(lambda: missions().last[graph_id] is not first and missions().last[graph_id])
    summary = await second.wait()
    assert summary.status == 'succeeded'
    assert {node_id: (result.cached, len(result.attempts)) for node_id, result in summary.nodes.items()} == {
        'brief': (False, 0), 'plan': (True, 0), 'tidy': (False, 1), 'report': (False, 0)}
    assert summary.nodes['plan'].output == first.summary.nodes['plan'].output
    assert final_states(sent_states)['plan'] == {'state': 'cached', 'label': 'cached', 'tier': None, 'model': None,
                                                 'cost': None, 'preview': output_preview(summary.nodes['plan'].output)}
    assert text_of(user, 'run-note') == 're-run from tidy'
    assert summary.cost_usd == summary.nodes['tidy'].cost_usd


async def test_an_edited_upstream_node_is_not_served_from_the_cache(user: User, graphs):
    graph_id, _ = await open_editor(user, graphs, graph_text(tidy={'prompt': 'Number these: {{ plan.steps }}'}))
    first = await start_run(user, graph_id, company='Acme')
    user.sessions.get(graph_id).session.set_config('plan', 'prompt', 'Plan a short analysis of {{ brief.company }}.')
    user.find(Canvas).trigger('node_click', {'id': 'report'})
    user.find(marker='rerun-from-node').click()
    second = await eventually(lambda: missions().last[graph_id] is not first and missions().last[graph_id])
    summary = await second.wait()
    assert {node_id: result.cached for node_id, result in summary.nodes.items()} == dict.fromkeys(
        ['brief', 'plan', 'tidy', 'report'], False)


async def test_a_pinned_node_is_marked_and_feeds_its_value_to_the_next_run(user: User, graphs):
    graph_id, sent_states = await open_editor(user, graphs)
    user.find(marker='run-panel').click()
    user.find(Canvas).trigger('node_click', {'id': 'plan'})
    user.find(marker='pin-value').click()
    element(user, 'pin-json').value = '{"steps": ["only <b>this</b> step"]}'
    user.find(marker='pin-save').click()
    await user.should_see('Pinned plan: the next runs use this output and call no model.')
    await eventually(lambda: final_states(sent_states) == {'plan': {'state': 'pinned', 'label': 'pinned'}})
    assert missions().pins(graph_id) == {'plan': {'steps': ['only <b>this</b> step']}}

    bridge = await start_run(user, graph_id, company='Acme')
    assert bridge.summary.nodes['plan'].pinned and bridge.summary.nodes['plan'].attempts == []
    assert 'only <b>this</b> step' in bridge.summary.nodes['tidy'].attempts[0].messages[-1]['content']
    assert final_states(sent_states)['plan']['state'] == 'pinned'
    user.find(Canvas).trigger('node_click', {'id': 'plan'})
    user.find(marker='unpin').click()
    assert missions().pins(graph_id) == {}
    graph_file = graphs.get(graph_id).dumps()
    assert 'only' not in graph_file  # pins live with the app's editing of the graph, not in its file


async def test_export_gives_the_cli_summary_plus_every_attempt(user: User, graphs):
    graph_id, _ = await open_editor(user, graphs, FLAKY)
    bridge = await start_run(user, graph_id, company='Acme')
    user.find(marker='run-export').click()
    exported = json.loads((await user.download.next()).text)
    summary = bridge.summary.to_dict()
    assert {key: exported[key] for key in summary} == summary
    assert [(attempt['node_id'], attempt['number'], attempt['tier']) for attempt in exported['attempts']] == [
        ('plan', 1, 1), ('tidy', 1, 3), ('tidy', 2, 3), ('tidy', 3, 3), ('tidy', 4, 2)]
    assert exported['attempts'][1]['error_kind'] == 'invalid_output' and exported['graph']['version'] == 1
    assert Decimal(str(exported['cost_usd'])) == Decimal(str(float(bridge.summary.cost_usd)))


async def test_a_page_opened_during_a_run_joins_it(user: User, graphs):
    graph_id, _ = await open_editor(user, graphs)
    bridge = await start_run(user, graph_id, latency_ms=400, wait=False, company='Acme')
    await eventually(lambda: bridge.display.nodes['plan'].status == 'running')
    await user.open(f'/graph/{graph_id}')  # a reload: the new page shows the run going on
    await user.should_see(marker='cancel-run')
    await bridge.wait()
    await user.should_see('4/4 succeeded')


# -- settings ----------------------------------------------------------------------------------

async def test_settings_show_prices_and_store_an_edited_catalog(user: User, graphs):
    await user.open('/settings')
    await user.should_see('Tier 1 · high reasoning')
    assert text_of(user, 'model-price-3-0') == '$0.15 in / $0.60 out per 1M tokens'  # gpt-4o-mini
    for model in ('ollama/llama3.1', 'openai/in-house-model'):
        element(user, 'new-model-3').value = model
        user.find(marker='add-model-3').click()
    await user.should_see(marker='model-name-3-4')
    assert text_of(user, 'model-price-3-3') == '$0.00 in / $0.00 out per 1M tokens'
    assert text_of(user, 'model-price-3-4') == UNPRICED_TEXT
    user.find(marker='remove-model-1-2').click()
    user.find(marker='save-catalog').click()
    await user.should_see('Catalog saved. Unpriced (cost unknown until you price them): openai/in-house-model.')
    catalog = stored_catalog(graphs.engine)
    assert [entry.model for entry in catalog.models(3)][-2:] == ['ollama/llama3.1', 'openai/in-house-model']
    assert [entry.model for entry in catalog.models(1)] == ['claude-opus-4-5', 'gpt-5']
    assert not catalog.models(3)[-1].price.known

    element(user, 'model-input-price-3-4').value = 0.2
    element(user, 'model-output-price-3-4').value = 0.8
    user.find(marker='save-catalog').click()
    await user.should_see('Catalog saved.')
    entry = stored_catalog(graphs.engine).models(3)[-1]
    assert entry.price.known and entry.price.cost(10**6, 10**6) == Decimal('1.0')
    await user.should_see('$0.20 in / $0.80 out per 1M tokens (own price)')


async def test_settings_say_which_keys_are_set_without_showing_them(user: User, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv('ANTHROPIC_API_KEY', 'sk-ant-secret-value')
    monkeypatch.delenv('OPENAI_API_KEY', raising=False)
    await user.open('/settings')
    rows = {row['provider']: row for row in element(user, 'keys-table').rows}
    assert rows['anthropic']['status'] == 'set' and rows['openai']['status'] == 'not set'
    assert 'claude-opus-4-5' in rows['anthropic']['models']
    await user.should_not_see('sk-ant-secret-value')


async def test_run_defaults_are_stored_and_start_the_run_form(user: User, graphs):
    await user.open('/settings')
    element(user, 'default-budget').value = 0.5
    element(user, 'default-concurrency').value = 4
    user.find(marker='save-defaults').click()
    await user.should_see('Run defaults saved.')
    assert missions().defaults().concurrency == 4
    graph_id, _ = await open_editor(user, graphs)
    await open_run_form(user)
    assert element(user, 'run-budget').value == 0.5
    bridge = await start_run(user, graph_id, company='Acme')
    assert bridge.controller.budget_usd == Decimal('0.5')


async def test_bad_defaults_are_refused_in_one_line(user: User):
    await user.open('/settings')
    element(user, 'default-budget').value = -1
    user.find(marker='save-defaults').click()
    await user.should_see('The defaults were not saved: the default budget must be more than $0, or empty for none.')


async def test_an_unpriced_node_shows_an_unknown_cost_and_the_totals_say_incomplete(user: User, graphs, tmp_path,
                                                                                    monkeypatch):
    path = tmp_path / 'catalog.json'
    path.write_text(json.dumps({'tiers': {'3': ['openai/house-model-7b']}}))
    monkeypatch.setenv('SWARM_STUDIO_CATALOG', str(path))
    graph_id, sent_states = await open_editor(user, graphs)
    bridge = await start_run(user, graph_id, company='Acme')
    summary = bridge.summary
    [unpriced] = summary.unpriced_nodes
    shown = final_states(sent_states)
    assert shown[unpriced]['cost'] is None and shown[unpriced]['label'].endswith('cost unknown')
    assert text_of(user, 'run-cost') == f'≥ {money(summary.cost_usd)}, 1 node unpriced'
    assert text_of(user, 'run-savings') == f'saved ≤ {summary.savings_pct:.1f}% (incomplete)'
    user.find(marker='tab-costs').click()
    rows = {row['id']: row for row in element(user, 'costs-table').rows}
    assert rows[unpriced]['cost'] == 'unknown' and rows[unpriced]['saving'] == ''
    priced = next(node_id for node_id, result in summary.nodes.items() if result.attempts and node_id != unpriced)
    assert rows[priced]['saving'] == f'{summary.nodes[priced].savings_pct:.1f}%'
    assert text_of(user, 'costs-total').startswith(f'Total ≥ $')

    # stored: the History list and the reopened run say the same
    user.find(marker='run-close').click()
    await eventually(lambda: final_states(sent_states) == {})
    user.find(marker='tab-history').click()
    await user.should_see(marker=f'history-{bridge.run_id}')
    with user.scope(marker=f'history-{bridge.run_id}'):
        assert text_of(user, 'history-figures').startswith(f'≥ {money(summary.cost_usd)}, 1 node unpriced · saved ≤')
        user.find(marker='history-open').click()
    await eventually(lambda: final_states(sent_states).get(unpriced, {}).get('label', '').endswith('cost unknown'))
    assert final_states(sent_states)[unpriced]['cost'] is None
    assert text_of(user, 'run-cost') == f'≥ {money(summary.cost_usd)}, 1 node unpriced'


async def test_a_run_with_a_budget_is_refused_in_the_form_when_a_model_is_unpriced(user: User, graphs, tmp_path,
                                                                                  monkeypatch):
    path = tmp_path / 'catalog.json'
    path.write_text(json.dumps({'tiers': {'2': ['openai/house-model-7b']}}))
    monkeypatch.setenv('SWARM_STUDIO_CATALOG', str(path))
    graph_id, _ = await open_editor(user, graphs)
    await open_run_form(user)
    element(user, 'input-company').value = 'Acme'
    element(user, 'run-budget').value = 1
    user.find(marker='run-start').click()
    await user.should_see('openai/house-model-7b, which has no price')
    assert missions().last.get(graph_id) is None
