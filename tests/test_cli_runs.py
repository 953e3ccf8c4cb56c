"""`swarm-studio runs` and `swarm-studio show` as a user types them."""
import json
from pathlib import Path

import pytest
from sqlmodel import Session

from storage.db import connect
from storage.runs import RunRepository, RunRow
from studio.cli import main

ROOT = Path(__file__).parents[1]
EXAMPLE = ROOT / 'assets' / 'examples' / 'competitor-brief.json'
RESEARCH = ROOT / 'assets' / 'examples' / 'research-swarm.json'
pytestmark = pytest.mark.usefixtures('no_provider_keys')


def run_json(capsys, *argv: str) -> tuple[int, dict]:
    code = main(['run', *argv, '--latency-ms', '0', '--json'])
    out, _ = capsys.readouterr()
    return code, json.loads(out)


def test_runs_lists_newest_first_with_its_figures(db, capsys):
    _, first = run_json(capsys, str(EXAMPLE), '--input', 'company=Acme', '--db', db)
    main(['import', str(RESEARCH), '--db', db])
    capsys.readouterr()
    _, second = run_json(capsys, 'Research swarm', '--input', 'question=Why?', '--db', db)
    assert main(['runs', '--json', '--db', db]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [item['id'] for item in listed] == [second['run_id'], first['run_id']]
    newest = listed[0]
    assert newest['graph'] == 'Research swarm' and newest['status'] == second['status']
    assert newest['cost_usd'] == pytest.approx(second['cost_usd'])
    assert newest['savings_pct'] == pytest.approx(second['savings_pct'])
    assert newest['simulated'] is True and newest['duration_s'] > 0 and newest['started_at']
    assert listed[1]['graph'] == 'Competitor brief'

    assert main(['runs', '--db', db]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:3] == ['ID', 'STATUS', 'COST']
    assert lines[1].startswith(second['run_id'][:8]) and 'Research swarm' in lines[1] and 'simulated' in lines[1]
    assert f'${second["cost_usd"]:.6f}' in lines[1]
    assert lines[2].startswith(first['run_id'][:8])


def test_runs_of_one_graph_by_name_or_by_file(db, capsys):
    _, by_file = run_json(capsys, str(EXAMPLE), '--input', 'company=Acme', '--db', db)
    main(['import', str(RESEARCH), '--db', db])
    capsys.readouterr()
    _, stored = run_json(capsys, 'Research swarm', '--input', 'question=Why?', '--db', db)
    main(['runs', 'Research swarm', '--json', '--db', db])
    assert [item['id'] for item in json.loads(capsys.readouterr().out)] == [stored['run_id']]
    main(['runs', str(EXAMPLE), '--json', '--db', db])
    assert [item['id'] for item in json.loads(capsys.readouterr().out)] == [by_file['run_id']]
    assert main(['runs', 'No such graph', '--db', db]) == 1
    assert 'no such graph' in capsys.readouterr().err.lower()


def test_runs_without_any_says_so(db, capsys):
    assert main(['runs', '--db', db]) == 0
    assert capsys.readouterr().out.strip() == 'no runs yet'
    assert main(['runs', '--limit', '0', '--db', db]) == 1
    assert '--limit must be 1 or more' in capsys.readouterr().err


def test_show_prints_the_summary_run_printed(db, capsys):
    _, printed = run_json(capsys, str(EXAMPLE), '--input', 'company=Acme', '--db', db)
    assert main(['show', printed['run_id'][:6], '--json', '--db', db]) == 0
    shown = json.loads(capsys.readouterr().out)
    for key in printed:
        if key in ('cost_usd', 'flagship_cost_usd', 'savings_pct'):
            assert shown[key] == pytest.approx(printed[key]), key
        elif key == 'nodes':
            assert shown['nodes'].keys() == printed['nodes'].keys()
            for node_id, node in printed['nodes'].items():
                for field, value in node.items():
                    assert shown['nodes'][node_id][field] == (pytest.approx(value) if isinstance(value, float)
                                                              else value), (node_id, field)
        else:
            assert shown[key] == printed[key], key
    assert shown['inputs'] == {'company': 'Acme'} and 'attempts' not in shown

    assert main(['show', printed['run_id'], '--db', db]) == 0
    text = capsys.readouterr().out
    assert text.startswith(f'run {printed["run_id"]} of Competitor brief')
    assert f'succeeded: {len(printed["nodes"])}/{len(printed["nodes"])} nodes succeeded' in text
    assert all(f'  {node_id}: succeeded' in text for node_id in printed['nodes'])


def test_show_refuses_an_unknown_or_ambiguous_prefix(db, capsys):
    _, one = run_json(capsys, str(EXAMPLE), '--input', 'company=Acme', '--db', db)
    assert main(['show', 'zzzz', '--db', db]) == 1
    assert capsys.readouterr().err.strip() == 'swarm-studio show: no stored run has an id starting "zzzz"'
    assert main(['show', '', '--db', db]) == 1
    assert 'no run id given' in capsys.readouterr().err
    database = connect(db)
    with Session(database) as session:
        session.add(RunRow(id='abc-1', graph_name='x'))
        session.add(RunRow(id='abc-2', graph_name='x'))
        session.add(RunRow(id='a_c-3', graph_name='x'))
        session.commit()
    runs = RunRepository(database)
    with pytest.raises(LookupError, match=r'"abc" starts the ids of several runs \(abc-1, abc-2\)'):
        runs.find('abc')
    assert runs.find('abc-2') == 'abc-2' and runs.find('a_') == 'a_c-3'  # `_` is no wildcard
    with pytest.raises(LookupError, match='no stored run'):
        runs.find('%')
    assert runs.find(one['run_id'][:8]) == one['run_id']
