"""`swarm-studio run` and `swarm-studio route` as a user types them."""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fake_openai import FakeOpenAI

from nodes.validation import load_graph
from storage.db import connect
from storage.graphs import GraphRepository
from storage.runs import RunRepository
from studio.cli import main

ROOT = Path(__file__).parents[1]
EXAMPLE = ROOT / 'assets' / 'examples' / 'competitor-brief.json'
pytestmark = pytest.mark.usefixtures('no_provider_keys')


def write_graph(tmp_path, document: dict) -> str:
    path = tmp_path / 'graph.json'
    path.write_text(json.dumps(document))
    return str(path)


def typed_inputs_graph() -> dict:
    fields = [{'name': 'company', 'type': 'string'}, {'name': 'count', 'type': 'integer', 'default': 3},
              {'name': 'weight', 'type': 'number', 'default': 1.5}, {'name': 'deep', 'type': 'boolean',
                                                                        'default': False},
              {'name': 'tags', 'type': 'array', 'default': []}]
    return {'format': 'swarm-studio.graph', 'version': 1, 'name': 'Typed', 'nodes': [
        {'id': 'brief', 'kind': 'input', 'config': {'fields': fields}},
        {'id': 'out', 'kind': 'output', 'config': {}}], 'edges': [{'source': 'brief', 'target': 'out'}]}


def test_without_keys_run_is_simulated_says_so_and_prints_the_summary(db, capsys):
    code = main(['run', str(EXAMPLE), '--input', 'company=Acme', '--latency-ms', '0', '--json', '--db', db])
    out, err = capsys.readouterr()
    assert code == 0
    assert 'no provider key found: running on the simulated provider' in err
    summary = json.loads(out)
    assert summary['status'] == 'succeeded' and summary['simulated'] is True
    assert set(summary) == {'run_id', 'status', 'simulated', 'cost_usd', 'cost_complete', 'unpriced_nodes',
                            'flagship_cost_usd', 'savings_pct', 'flagship_definition', 'tokens', 'nodes', 'outputs'}
    assert summary['cost_complete'] is True and 'warning' not in err
    assert err.strip().splitlines()[-1].startswith('succeeded: 4/4 nodes succeeded')
    assert 'simulated' in err.strip().splitlines()[-1]
    stored = RunRepository(connect(db)).get_run(summary['run_id'])
    assert stored.run.status == 'succeeded' and stored.run.source == str(EXAMPLE.resolve())
    assert stored.run.cost_usd == summary['cost_usd']


def test_a_failed_run_exits_1_and_names_the_failed_node(db, tmp_path, capsys):
    document = json.loads(EXAMPLE.read_text())
    document['nodes'][1]['config'].update(max_retries=0, simulate={'fail_first': 5})
    code = main(['run', write_graph(tmp_path, document), '--input', 'company=Acme', '--latency-ms', '0', '--db', db])
    err = capsys.readouterr().err
    assert code == 1
    assert err.strip().splitlines()[-2].startswith('failed: 1/4 nodes succeeded')
    assert err.strip().splitlines()[-1].startswith('  plan failed: no valid reply after 1 attempt, up to tier 1')


def test_inputs_are_coerced_to_their_field_types(db, tmp_path, capsys):
    path = write_graph(tmp_path, typed_inputs_graph())
    code = main(['run', path, '--inputs', '{"company": "Acme", "count": 1}', '--input', 'count=7',
                 '--input', 'weight=2', '--input', 'deep=yes', '--input', 'tags=["a", "b"]', '--json', '--db', db])
    assert code == 0
    output = json.loads(capsys.readouterr().out)['outputs']['out']['brief']
    assert output == {'company': 'Acme', 'count': 7, 'weight': 2, 'deep': True, 'tags': ['a', 'b']}


@pytest.mark.parametrize('arguments, message', [
    ([], 'missing input "company" (a string) — pass it with --input NAME=VALUE or --inputs JSON'),
    (['--input', 'company=A', '--input', 'count=many'], '--input count: "many" is not an integer'),
    (['--input', 'company=A', '--input', 'deep=perhaps'], '--input deep: "perhaps" is not true or false'),
    (['--input', 'company=A', '--input', 'colour=red'], 'unknown input "colour" (this graph\'s inputs: company, count'),
    (['--inputs', '[1, 2]'], '--inputs must be a JSON object'),
    (['--input', 'company'], '--input takes KEY=VALUE, not "company"'),
])
def test_bad_inputs_are_one_clear_line(db, tmp_path, capsys, arguments, message):
    code = main(['run', write_graph(tmp_path, typed_inputs_graph()), '--db', db, *arguments])
    err = capsys.readouterr().err
    assert code == 1 and message in err
    assert len(err.strip().splitlines()) == 1 and 'Traceback' not in err


def test_an_invalid_graph_file_is_refused_with_one_line_per_problem(db, tmp_path, capsys):
    document = json.loads(EXAMPLE.read_text())
    document['nodes'][2]['config']['prompt'] = 'Format {{ ghost }}'
    document['edges'].append({'source': 'report', 'target': 'plan'})
    path = write_graph(tmp_path, document)
    code = main(['run', path, '--input', 'company=Acme', '--db', db])
    lines = capsys.readouterr().err.strip().splitlines()
    assert code == 1
    assert f'{path}: node "tidy": prompt refers to "ghost", but there is no node "ghost"' in lines
    assert any('"report" is an output node, which has no outputs' in line for line in lines)
    assert RunRepository(connect(db)).list_runs() == []


def test_a_file_that_is_not_a_graph_is_refused(db, tmp_path, capsys):
    path = write_graph(tmp_path, {'format': 'something-else'})
    assert main(['run', path, '--db', db]) == 1
    err = capsys.readouterr().err
    assert 'not a Swarm Studio graph file' in err and 'is not a valid graph file; nothing was run' in err


def test_a_stored_graph_runs_by_name_and_its_run_is_recorded_against_it(db, capsys):
    graphs = GraphRepository(connect(db))
    graph_id = graphs.create(load_graph(EXAMPLE.read_text()))
    code = main(['run', 'Competitor brief', '--input', 'company=Acme', '--latency-ms', '0', '--json', '--db', db])
    assert code == 0
    run_id = json.loads(capsys.readouterr().out)['run_id']
    [run] = RunRepository(connect(db)).list_runs(graph_id)
    assert run.id == run_id and run.graph_version_id == graphs.current_version(graph_id).id
    assert main(['run', 'No such swarm', '--db', db]) == 1
    assert 'no stored graph has the id or name "No such swarm"' in capsys.readouterr().err


def test_a_budget_stops_the_run_over_budget(db, capsys):
    code = main(['run', str(EXAMPLE), '--input', 'company=Acme', '--latency-ms', '0', '--budget', '0.0001',
                 '--json', '--db', db])
    summary = json.loads(capsys.readouterr().out)
    assert code == 1 and summary['status'] == 'over_budget' and summary['cost_usd'] <= 0.0001
    assert summary['nodes']['plan']['status'] == 'skipped' and 'over budget' in summary['nodes']['plan']['error']


@pytest.mark.parametrize('flag, value', [('--latency-ms', '-5'), ('--budget', '-1')])
def test_negative_latency_or_budget_is_refused(db, capsys, flag, value):
    assert main(['run', str(EXAMPLE), '--input', 'company=Acme', flag, value, '--db', db]) == 1
    assert f'{flag} must be' in capsys.readouterr().err


def test_latency_ms_sets_the_simulated_latency(db, capsys):
    main(['run', str(EXAMPLE), '--input', 'company=Acme', '--latency-ms', '300', '--simulate', '--db', db])
    err = capsys.readouterr().err
    assert 'running on the simulated provider (--simulate)' in err
    seconds = float(err.strip().splitlines()[-1].split(' tokens, ')[1].split(' s,')[0])
    assert seconds >= 0.6  # two agents in a row, 300 ms each


def test_with_a_usable_catalog_the_run_is_live(db, tmp_path, capsys, monkeypatch):
    server = FakeOpenAI()
    try:
        server.script = [('ok', '{"steps": ["research", "compare"]}'), ('ok', '1. research\n2. compare')]
        entry = {'model': 'openai/local-model', 'api_base': server.api_base}
        catalog = tmp_path / 'catalog.json'
        catalog.write_text(json.dumps({'tiers': {'1': [entry], '2': [entry], '3': [entry]}}))
        monkeypatch.setenv('SWARM_STUDIO_CATALOG', str(catalog))
        code = main(['run', str(EXAMPLE), '--input', 'company=Acme', '--json', '--db', db])
    finally:
        server.close()
    out, err = capsys.readouterr()
    summary = json.loads(out)
    assert code == 0 and summary['simulated'] is False and 'simulated' not in err
    assert summary['outputs']['report'] == {'tidy': '1. research\n2. compare'}
    assert 'Acme' in server.requests[0]['body']['messages'][-1]['content']


def test_keys_for_only_some_tiers_fall_back_to_simulated_and_say_which(db, tmp_path, capsys, monkeypatch):
    catalog = tmp_path / 'catalog.json'
    catalog.write_text(json.dumps({'tiers': {'1': ['claude-opus-4-5'], '2': ['gpt-5-mini'], '3': ['gpt-4o-mini']}}))
    monkeypatch.setenv('SWARM_STUDIO_CATALOG', str(catalog))
    monkeypatch.setenv('OPENAI_API_KEY', 'sk-test')
    main(['run', str(EXAMPLE), '--input', 'company=Acme', '--latency-ms', '0', '--db', db])
    err = capsys.readouterr().err
    assert 'no key for any tier-1 model (set ANTHROPIC_API_KEY): running on the simulated provider' in err


def test_ctrl_c_cancels_the_run_cleanly(db):
    process = subprocess.Popen([sys.executable, '-m', 'studio', 'run', str(EXAMPLE), '--input', 'company=Acme',
                                '--latency-ms', '20000', '--db', db], stderr=subprocess.PIPE, text=True, cwd=ROOT,
                               env={**os.environ, 'PYTHONUNBUFFERED': '1'})
    try:
        assert 'simulated provider' in process.stderr.readline()
        runs = RunRepository(connect(db))
        for _ in range(200):  # until the first agent is running
            if runs.list_runs() and runs.events(runs.list_runs()[0].id):
                break
            time.sleep(0.05)
        process.send_signal(signal.SIGINT)
        err = process.stderr.read()
        assert process.wait(timeout=20) == 1
    finally:
        process.kill()
    assert err.strip().splitlines()[-1].startswith('cancelled: 1/4 nodes succeeded')
    [run] = RunRepository(connect(db)).list_runs()
    assert run.status == 'cancelled'


def test_route_prints_the_tier_and_why(capsys):
    from nodes.router import route_task
    task = 'Design the architecture of a multi-region payment platform'
    assert main(['route', task]) == 0
    decision = route_task(task)
    assert capsys.readouterr().out == f'{decision.reason}\n'
    assert decision.reason.startswith(f'tier {decision.tier}')


def test_route_reads_one_task_a_line_and_prints_json(capsys, monkeypatch):
    import io

    from nodes.router import route_task
    tasks = ['Format these names as a bulleted list', '', 'Extract every date from the contract']
    monkeypatch.setattr('sys.stdin', io.StringIO('\n'.join(tasks) + '\n'))
    assert main(['route', '--json', '-']) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert lines == [{'tier': route_task(task).tier, 'confidence': round(route_task(task).confidence, 2),
                      'reason': route_task(task).reason} for task in tasks if task]
    assert all(0 <= line['confidence'] <= 1 for line in lines)


def unpriced_catalog(tmp_path, monkeypatch) -> str:
    """Tier 3 on a model nothing prices (the example's `tidy` node is tier 3)."""
    path = tmp_path / 'catalog.json'
    path.write_text(json.dumps({'tiers': {'3': ['openai/house-model-7b']}}))
    monkeypatch.setenv('SWARM_STUDIO_CATALOG', str(path))
    return 'openai/house-model-7b'


def test_a_node_on_an_unpriced_model_has_an_unknown_cost_and_the_run_says_incomplete(db, tmp_path, capsys,
                                                                                    monkeypatch):
    model = unpriced_catalog(tmp_path, monkeypatch)
    code = main(['run', str(EXAMPLE), '--input', 'company=Acme', '--latency-ms', '0', '--json', '--db', db])
    out, err = capsys.readouterr()
    assert code == 0
    summary = json.loads(out)
    unpriced = [node_id for node_id, node in summary['nodes'].items() if node['model'] == model]
    assert unpriced and summary['unpriced_nodes'] == unpriced and summary['cost_complete'] is False
    assert all(summary['nodes'][node_id]['cost_usd'] is None for node_id in unpriced)
    assert summary['savings_pct'] is None and summary['cost_usd'] > 0  # the priced part, a lower bound
    warnings = [line for line in err.splitlines() if 'warning' in line]
    assert len(warnings) == 1 and model in warnings[0] and 'input_cost_per_token' in warnings[0]
    assert f'≥ ${summary["cost_usd"]:.6f}, {len(unpriced)} node{"s" * (len(unpriced) != 1)} unpriced' in err


def test_a_budget_run_that_may_call_an_unpriced_model_is_refused_before_any_call(db, tmp_path, capsys, monkeypatch):
    model = unpriced_catalog(tmp_path, monkeypatch)
    code = main(['run', str(EXAMPLE), '--input', 'company=Acme', '--latency-ms', '0', '--budget', '1', '--json',
                 '--db', db])
    out, err = capsys.readouterr()
    assert code == 1 and out == ''
    [line] = err.strip().splitlines()
    assert model in line and 'input_cost_per_token' in line and 'nothing was run' in line
    assert RunRepository(connect(db)).list_runs() == []


@pytest.mark.parametrize('arguments, message', [
    (['--latency-ms', str(10 ** 15)], '--latency-ms must be from 0 to 600000'),
    (['--budget', 'inf'], '--budget must be an amount of USD, 0 or more, not inf'),
    (['--budget', 'nan'], '--budget must be an amount of USD, 0 or more, not nan'),
    (['--input', 'company=A', '--input', 'weight=nan'], '--input weight: "nan" is not a number'),
    (['--input', 'company=A', '--input', 'weight=inf'], '--input weight: "inf" is not a number'),
    (['--inputs', '{"company": ' + '[' * 10_000 + ']' * 10_000 + '}'], '--inputs: the value nests objects'),
    (['--inputs', '{"company": "A", "weight": NaN}'], '--inputs: the value is not valid JSON: NaN is not a JSON'),
    (['--inputs', '{"company": "A", "company": "B"}'], '--inputs: the key "company" appears twice'),
])
def test_unbounded_or_non_finite_arguments_are_refused_in_one_line(db, tmp_path, capsys, arguments, message):
    code = main(['run', write_graph(tmp_path, typed_inputs_graph()), '--db', db, '--simulate', *arguments])
    err = capsys.readouterr().err
    assert code == 1 and message in err
    assert len(err.strip().splitlines()) == 1 and 'internal error' not in err


def test_a_file_with_a_lone_surrogate_is_refused_before_running(db, tmp_path, capsys):
    path = tmp_path / 'odd.json'
    path.write_text(EXAMPLE.read_text().replace('"Competitor brief"', '"\\ud800"'))
    assert main(['run', str(path), '--db', db, '--input', 'company=A']) == 1
    err = capsys.readouterr().err
    assert 'holds a lone surrogate' in err and 'nothing was run' in err
    assert RunRepository(connect(db)).list_runs() == []


def test_sigterm_stops_a_bombed_run_at_once_and_the_run_is_recorded(db, tmp_path):
    document = typed_inputs_graph()
    document['nodes'].insert(1, {'id': 'bomb', 'kind': 'agent', 'config': {
        'tier': 3, 'prompt': '{% for i in range(99999) %}{% for j in range(99999) %}{% endfor %}{% endfor %}'}})
    document['edges'] = [{'source': 'brief', 'target': 'bomb'}, {'source': 'bomb', 'target': 'out'}]
    process = subprocess.Popen([sys.executable, '-m', 'studio', 'run', write_graph(tmp_path, document),
                                '--input', 'company=A', '--db', db], stderr=subprocess.PIPE, text=True, cwd=ROOT,
                               env={**os.environ, 'PYTHONUNBUFFERED': '1'})
    try:
        assert 'simulated provider' in process.stderr.readline()
        runs = RunRepository(connect(db))
        for _ in range(200):  # until the run is recorded as started
            if runs.list_runs():
                break
            time.sleep(0.05)
        time.sleep(0.5)
        process.send_signal(signal.SIGTERM)
        signalled = time.monotonic()
        process.wait(timeout=20)
        stopped_after = time.monotonic() - signalled
    finally:
        process.kill()
    assert process.returncode == 1
    assert stopped_after < 1.5  # the render deadline is 2 s: the run did not wait for it
    [run] = RunRepository(connect(db)).list_runs()
    assert run.status == 'cancelled'


def test_a_run_whose_record_cannot_be_stored_says_so_and_exits_1(db, tmp_path, capsys):
    # SQLite refuses a value over its length limit; the limit is lowered on the engine `run` will use
    # (connect caches it per database), so that the output node's text meets it.
    import sqlite3

    from sqlalchemy import event
    engine = connect(db)
    event.listen(engine, 'connect', lambda connection, _: connection.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, 3000))
    engine.dispose()
    graph = write_graph(tmp_path, {'format': 'swarm-studio.graph', 'version': 1, 'name': 'Long', 'nodes': [
        {'id': 'out', 'kind': 'output', 'config': {'template': '{{ "x" * 5000 }}'}}], 'edges': []})
    assert main(['run', graph, '--db', db]) == 1
    err = capsys.readouterr().err
    assert 'part of the run could not be stored' in err and 'the stored run says failed' in err
    [run] = RunRepository(engine).list_runs()
    assert run.status == 'failed'
