"""`swarm-studio test GRAPH DATASET` as a user types it: simulated by default, live against the
local fake OpenAI server with scripted answers, exit codes for CI gates, stored test runs."""
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
from storage.test_runs import StoredTestRuns
from studio.cli import main

ROOT = Path(__file__).parents[1]
EXAMPLE = ROOT / 'assets' / 'examples' / 'competitor-brief.json'
DATASET = ROOT / 'assets' / 'datasets' / 'competitor-brief.csv'
pytestmark = pytest.mark.usefixtures('no_provider_keys')


def write(path: Path, text: str) -> str:
    path.write_text(text)
    return str(path)


def test_the_example_dataset_runs_side_by_side_and_is_stored(db, tmp_path, capsys):
    report_file = tmp_path / 'report.json'
    code = main(['test', str(EXAMPLE), str(DATASET), '--compare', '--latency-ms', '0', '--concurrency', '8',
                 '--report', str(report_file), '--db', db])
    out, err = capsys.readouterr()
    assert code == 0
    assert 'running on the simulated provider' in err and 'the report is SIMULATED' in err
    report = json.loads(report_file.read_text())
    assert report['simulated'] is True and report['note'].startswith('SIMULATED')
    assert report['rows'] == 50 and [variant['label'] for variant in report['variants']] == ['routing', 'flagship-only']
    routing, flagship = report['variants']
    assert routing['rows_run'] == flagship['rows_run'] == 50
    compared = report['side_by_side']
    assert compared['saving_pct'] > 30  # tier-1 everywhere costs more than the routed tiers
    assert compared['cost_per_row_usd'] == [routing['cost_per_row_usd'], flagship['cost_per_row_usd']]
    # The simulated judge scores 0.5 against a pass score of 0.7: the content check fails, and says so.
    assert routing['passed'] == 0 and all('judge: a usable analysis plan: scored 0.50' in row['reasons'][0]
                                          for row in routing['results'])
    lines = out.splitlines()
    assert lines[0] == ('Competitor brief on ' + str(DATASET) + ': 50 rows, 4 checks, SIMULATED '
                        '(made-up replies: content checks mostly fail)')
    assert lines[1].split() == ['routing', 'flagship-only'] and lines[2].startswith('pass rate')
    assert f'routing costs {compared["saving_pct"]:.1f}% less per row than flagship-only (measured)' in out
    assert 'names the company               50/50 passed' in out
    stored = StoredTestRuns(connect(db))
    group = stored.get_group(report['test_run'])
    assert [variant.variant for variant in group.variants] == ['routing', 'flagship-only']
    assert group.report['side_by_side'] == compared
    runs = RunRepository(connect(db))
    for variant in group.variants:
        rows = stored.rows(variant.id)
        assert [row.row for row in rows] == list(range(1, 51))
        assert all(runs.get_run(row.run_id).run.status == 'succeeded' for row in rows[:3])
    assert len(runs.list_runs(limit=1000)) == 100


def brief_checks(tmp_path, *checks) -> str:
    return write(tmp_path / 'checks.json', json.dumps({'checks': list(checks)}))


@pytest.mark.parametrize('gates, exit_code, says', [
    (['--min-pass', '0.9'], 3, 'pass rate 50.0% is below --min-pass 90.0%'),
    (['--max-cost-per-row', '0.000001'], 4, 'is above --max-cost-per-row $1e-06'),
    (['--min-pass', '0.9', '--max-cost-per-row', '0.000001'], 5, 'is below --min-pass'),
    (['--min-pass', '0.5', '--max-cost-per-row', '1'], 0, None),
])
def test_exit_codes_follow_the_gates(db, tmp_path, capsys, gates, exit_code, says):
    dataset = write(tmp_path / 'cases.csv', 'company,expected.tidy\nAcme,acme\nBeta,zebra\n')
    checks = brief_checks(tmp_path, {'target': 'tidy', 'type': 'contains', 'ignore_case': True})
    code = main(['test', str(EXAMPLE), dataset, '--checks', checks, '--latency-ms', '0', '--db', db, *gates])
    err = capsys.readouterr().err
    assert code == exit_code
    if says:
        assert says in err
    else:
        assert 'swarm-studio test: pass rate' not in err and 'per row $' not in err


def test_checks_beside_the_dataset_are_found_and_json_prints_the_report(db, tmp_path, capsys):
    dataset = write(tmp_path / 'cases.jsonl', '{"company": "Acme", "expected": {"plan.steps.0": "x"}}\n')
    write(tmp_path / 'cases.checks.json', json.dumps({'checks': [{'target': 'tidy', 'type': 'regex',
                                                                  'value': '(?m)^1\\.'}]}))
    assert main(['test', str(EXAMPLE), dataset, '--latency-ms', '0', '--json', '--db', db]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report['checks'] == ['regex tidy', 'equals plan.steps.0']
    assert report['checks_file'] == str(tmp_path / 'cases.checks.json')
    row = report['variants'][0]['results'][0]
    assert [check['passed'] for check in row['checks']] == [True, False]
    assert row['reasons'][0].startswith('equals plan.steps.0: ') and 'is not "x"' in row['reasons'][0]


@pytest.mark.parametrize('arguments, message', [
    (['cases.csv', '--compare', '--flagship-only'], '--compare already runs --flagship-only'),
    (['cases.csv', '--min-pass', '95'], '--min-pass is a fraction of the rows'),
    (['cases.csv', '--concurrency', '0'], '--concurrency must be from 1 to 64'),
    (['cases.csv', '--budget', '-1'], '--budget must be an amount of USD'),
    (['missing.csv'], 'no such file; nothing was run'),
    (['bad.csv'], 'bad.csv: "firm" is not an input of this graph'),
    (['cases.csv', '--checks', 'ghost.json'], 'no node "ghost" in the graph; nothing was run'),
    (['cases.csv', '--checks', 'broken.json'], 'check 1: a schema check needs "schema" (a JSON Schema); nothing was run'),
])
def test_bad_input_is_refused_in_one_line_before_anything_runs(db, tmp_path, capsys, monkeypatch, arguments,
                                                               message):
    monkeypatch.chdir(tmp_path)
    write(tmp_path / 'cases.csv', 'company\nAcme\n')
    write(tmp_path / 'bad.csv', 'firm\nAcme\n')
    write(tmp_path / 'ghost.json', json.dumps({'checks': [{'target': 'ghost', 'type': 'equals', 'value': 1}]}))
    write(tmp_path / 'broken.json', json.dumps({'checks': [{'target': 'tidy', 'type': 'schema'}]}))
    assert main(['test', str(EXAMPLE), *arguments, '--latency-ms', '0', '--db', db]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert any(message in line for line in err) and all(line.startswith('swarm-studio test: ') for line in err)
    assert RunRepository(connect(db)).list_runs() == []


def test_a_stored_graph_is_tested_by_name_and_its_runs_and_test_belong_to_it(db, tmp_path, capsys):
    graphs = GraphRepository(connect(db))
    graph_id = graphs.create(load_graph(EXAMPLE.read_text()))
    dataset = write(tmp_path / 'cases.csv', 'company\nAcme\nBeta\n')
    assert main(['test', 'Competitor brief', dataset, '--latency-ms', '0', '--flagship-only', '--db', db]) == 0
    stored = StoredTestRuns(connect(db))
    [group] = stored.list_groups(graph_id)
    assert group.first.variant == 'flagship-only' and group.first.graph_id == graph_id
    assert {run.graph_id for run in RunRepository(connect(db)).list_runs()} == {graph_id}
    assert stored.datasets(graph_id) == [{'dataset': dataset, 'rows': 2, 'tests': 1, 'last_pass_rate': 1.0,
                                          'last_tested': group.first.started_at}]


def test_a_budget_stops_the_test_and_the_report_says_so(db, tmp_path, capsys):
    dataset = write(tmp_path / 'cases.csv', 'company\n' + ''.join(f'C{n}\n' for n in range(12)))
    assert main(['test', str(EXAMPLE), dataset, '--latency-ms', '0', '--budget', '0.004', '--json',
                 '--db', db]) == 0
    variant = json.loads(capsys.readouterr().out)['variants'][0]
    assert variant['budget_ran_out'] is True and variant['cost_usd'] <= 0.004
    assert 0 < variant['rows_run'] < 12 and variant['pass_rate'] < 1


def live_catalog(tmp_path, server, name, input_price, output_price) -> str:
    entry = {'model': 'openai/local-model', 'api_base': server.api_base,
             'input_cost_per_token': input_price, 'output_cost_per_token': output_price}
    return write(tmp_path / f'{name}.json', json.dumps({'tiers': {'1': [entry], '2': [entry], '3': [entry]}}))


def test_live_checks_pass_and_fail_as_the_scripted_answers_say(db, tmp_path, capsys, monkeypatch):
    dataset = write(tmp_path / 'cases.csv', 'company,expected.tidy\nAcme,Acme\nBeta,Beta\n')
    checks = brief_checks(tmp_path, {'target': 'tidy', 'type': 'contains'},
                          {'target': 'tidy', 'type': 'judge', 'rubric': 'A numbered plan.', 'tier': 3})
    server = FakeOpenAI()
    try:
        monkeypatch.setenv('SWARM_STUDIO_CATALOG', live_catalog(tmp_path, server, 'live', 1e-6, 2e-6))
        server.script = [  # rows run one at a time: plan, tidy, then the judge, per row
            ('ok', '{"steps": ["research Acme", "compare"]}'), ('ok', '1. research Acme\n2. compare'),
            ('ok', '{"score": 0.9, "reason": "a concrete plan"}'),
            ('ok', '{"steps": ["research", "compare"]}'), ('ok', '1. research\n2. compare'),
            ('ok', '{"score": 0.3, "reason": "generic"}')]
        code = main(['test', str(EXAMPLE), dataset, '--checks', checks, '--concurrency', '1', '--json',
                     '--min-pass', '0.5', '--db', db])
    finally:
        server.close()
    out, err = capsys.readouterr()
    report = json.loads(out)
    assert code == 0 and report['simulated'] is False and 'simulated' not in err
    first, second = report['variants'][0]['results']
    assert first['passed'] is True and [check['passed'] for check in first['checks']] == [True, True]
    assert first['checks'][1]['score'] == 0.9
    assert second['passed'] is False and second['reasons'] == [
        'contains tidy: "1. research\\n2. compare" does not contain "Beta"',
        'judge tidy: scored 0.30 (< 0.7): generic']
    # Every call is priced at 42 input and 7 output tokens: two agents and the judge per row.
    assert first['cost_usd'] == pytest.approx(3 * (42e-6 + 14e-6))
    assert first['judge_cost_usd'] == pytest.approx(42e-6 + 14e-6)
    assert len(server.requests) == 6 and 'Acme' in server.requests[0]['body']['messages'][-1]['content']
    assert 'A numbered plan.' in server.requests[2]['body']['messages'][-1]['content']


def test_two_live_catalogs_side_by_side(db, tmp_path, capsys):
    dataset = write(tmp_path / 'cases.csv', 'company,expected.tidy\nAcme,Acme\n')
    server = FakeOpenAI()
    try:
        cheap = live_catalog(tmp_path, server, 'cheap', 1e-7, 1e-7)
        dear = live_catalog(tmp_path, server, 'dear', 1e-5, 1e-5)
        server.script = [('ok', '{"steps": ["a"]}'), ('ok', 'Acme'),
                         ('ok', '{"steps": ["a"]}'), ('ok', 'about nothing')]
        code = main(['test', str(EXAMPLE), dataset, '--catalog', cheap, '--catalog', dear, '--db', db])
    finally:
        server.close()
    out = capsys.readouterr().out
    assert code == 0
    lines = out.splitlines()
    assert lines[0].endswith(': 1 rows, 1 checks, live')
    assert lines[1].split() == ['cheap:', 'routing', 'dear:', 'routing']
    assert lines[2].split()[2:] == ['100.0%', '(1/1)', '0.0%', '(0/1)']
    assert 'cheap: routing costs 99.0% less per row than dear: routing (measured)' in out
    assert 'rows that differ: 1: 1' in out


def test_ctrl_c_cancels_the_test_and_stores_what_it_found(db, tmp_path):
    dataset = write(tmp_path / 'cases.csv', 'company\nAcme\nBeta\nGamma\n')
    process = subprocess.Popen([sys.executable, '-m', 'studio', 'test', str(EXAMPLE), dataset, '--latency-ms', '20000',
                                '--concurrency', '1', '--json', '--db', db], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, cwd=ROOT, env={**os.environ, 'PYTHONUNBUFFERED': '1'})
    try:
        runs = RunRepository(connect(db))
        for _ in range(400):  # until the first row's first agent is running
            if runs.list_runs() and runs.events(runs.list_runs()[0].id):
                break
            time.sleep(0.05)
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 1 and err.strip().splitlines()[-1] == (
        'swarm-studio test: cancelled: the rows not run count as failed')
    variant = json.loads(out)['variants'][0]
    assert variant['cancelled'] is True
    assert [row['status'] for row in variant['results']] == ['cancelled', 'not_run', 'not_run']
    assert StoredTestRuns(connect(db)).list_groups()[0].first.passed == 0
