"""`swarm-studio resume`: a stopped run carried on, its succeeded nodes never called or paid again."""
import json
from pathlib import Path

import pytest
from sqlmodel import Session

from nodes.validation import load_graph
from storage.db import connect
from storage.graphs import GraphRepository
from storage.runs import RunRepository, RunRow
from studio.cli import main
from studio.run.resume import prepare

ROOT = Path(__file__).parents[1]
EXAMPLE = ROOT / 'assets' / 'examples' / 'competitor-brief.json'
pytestmark = pytest.mark.usefixtures('no_provider_keys')
# The strategist (tier 1) costs $0.001180 and the formatter (tier 3) about $0.00006 on the
# simulated provider: this budget pays for the first and refuses the second.
TIGHT_BUDGET = '0.0012'


@pytest.fixture
def db(tmp_path, capsys):
    path = str(tmp_path / 'resume.sqlite')
    assert main(['import', str(EXAMPLE), '--db', path]) == 0
    capsys.readouterr()
    return path


def over_budget_run(db, capsys) -> dict:
    code = main(['run', 'Competitor brief', '--input', 'company=Acme', '--latency-ms', '0', '--budget',
                 TIGHT_BUDGET, '--json', '--db', db])
    summary = json.loads(capsys.readouterr().out)
    assert code == 1 and summary['status'] == 'over_budget'
    assert summary['nodes']['plan']['status'] == 'succeeded' and summary['nodes']['tidy']['status'] != 'succeeded'
    return summary


def test_resume_with_a_larger_budget_finishes_without_calling_what_succeeded(db, capsys):
    stopped = over_budget_run(db, capsys)
    code = main(['resume', stopped['run_id'][:8], '--budget', '0.01', '--latency-ms', '0', '--json', '--db', db])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    resumed = json.loads(captured.out)
    assert resumed['status'] == 'succeeded' and resumed['run_id'] != stopped['run_id']
    assert 'run ' + stopped['run_id'][:8] + ': 1 succeeded node carried over, 1 agent node left to run' in captured.err

    runs = RunRepository(connect(db))
    detail = runs.get_run(resumed['run_id'])
    assert detail.run.resumed_from == stopped['run_id']
    assert detail.attempts_of('plan') == []  # never called again
    assert detail.nodes['plan'].pinned and detail.nodes['plan'].cost_usd == 0
    assert [attempt.node_id for attempt in detail.attempts] == ['tidy']
    assert resumed['nodes']['plan']['output'] == stopped['nodes']['plan']['output']
    assert resumed['outputs']['report'] == {'tidy': resumed['nodes']['tidy']['output']}

    totals = resumed['resumed']
    assert totals['from'] == stopped['run_id'] and totals['parts'] == [stopped['run_id'], resumed['run_id']]
    assert totals['this_part_cost_usd'] == pytest.approx(resumed['cost_usd'])
    assert totals['earlier_cost_usd'] == pytest.approx(stopped['cost_usd'])
    assert totals['total_cost_usd'] == pytest.approx(stopped['cost_usd'] + resumed['cost_usd'])
    # Each node paid once: the whole mission costs what one uninterrupted run costs.
    main(['run', str(EXAMPLE), '--input', 'company=Acme', '--latency-ms', '0', '--json', '--db', db])
    whole = json.loads(capsys.readouterr().out)
    assert totals['total_cost_usd'] == pytest.approx(whole['cost_usd'])
    assert totals['total_flagship_cost_usd'] == pytest.approx(whole['flagship_cost_usd'])

    assert main(['show', resumed['run_id'], '--json', '--db', db]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown['resumed']['parts'] == totals['parts']
    assert shown['resumed']['total_cost_usd'] == pytest.approx(totals['total_cost_usd'])
    assert main(['show', resumed['run_id'], '--db', db]) == 0
    assert f'resumes run {stopped["run_id"]}: this part ${resumed["cost_usd"]:.6f}' in capsys.readouterr().out


def test_the_budget_is_the_whole_missions(db, capsys):
    stopped = over_budget_run(db, capsys)
    # Without --budget the stopped run's budget stands: what is left of it pays for no call.
    assert main(['resume', stopped['run_id'], '--latency-ms', '0', '--json', '--db', db]) == 1
    again = json.loads(capsys.readouterr().out)
    assert again['status'] == 'over_budget' and again['cost_usd'] == 0
    assert main(['resume', stopped['run_id'], '--budget', '0.001', '--db', db]) == 1
    assert 'the mission has cost $0.001180 so far, which its budget of $0.001000 leaves nothing of' \
        in capsys.readouterr().err
    assert main(['resume', stopped['run_id'], '--budget', 'nan', '--db', db]) == 1
    assert '--budget must be an amount of USD' in capsys.readouterr().err


def test_a_run_that_succeeded_is_not_resumed(db, capsys):
    main(['run', 'Competitor brief', '--input', 'company=Acme', '--latency-ms', '0', '--json', '--db', db])
    run_id = json.loads(capsys.readouterr().out)['run_id']
    assert main(['resume', run_id, '--db', db]) == 1
    assert capsys.readouterr().err.strip() == (
        f'swarm-studio resume: run {run_id[:8]} succeeded; only a run that ended over budget, failed, '
        'cancelled or interrupted can be resumed')


def test_a_graph_changed_since_is_refused_naming_the_changed_nodes(db, capsys):
    stopped = over_budget_run(db, capsys)
    graphs = GraphRepository(connect(db))
    graph_id = graphs.find('Competitor brief')
    document = json.loads(EXAMPLE.read_text())
    document['nodes'][2]['config']['prompt'] = 'Format as bullets: {{ plan.steps }}'
    graphs.save(graph_id, load_graph(json.dumps(document)))
    assert main(['resume', stopped['run_id'], '--budget', '1', '--db', db]) == 1
    err = capsys.readouterr().err
    assert f'graph "Competitor brief" changed since run {stopped["run_id"][:8]}: tidy (config) edited' in err
    assert len(RunRepository(connect(db)).list_runs()) == 1  # nothing was run


def test_a_moved_node_is_no_change(db, capsys):
    stopped = over_budget_run(db, capsys)
    graphs = GraphRepository(connect(db))
    graph_id = graphs.find('Competitor brief')
    document = json.loads(EXAMPLE.read_text())
    document['nodes'][2]['position'] = {'x': 999, 'y': 99}
    graphs.save(graph_id, load_graph(json.dumps(document)))
    assert main(['resume', stopped['run_id'], '--budget', '1', '--latency-ms', '0', '--db', db]) == 0


def test_a_run_of_a_file_cannot_be_resumed(db, capsys):
    main(['run', str(EXAMPLE), '--input', 'company=Acme', '--latency-ms', '0', '--budget', TIGHT_BUDGET,
          '--json', '--db', db])
    run_id = json.loads(capsys.readouterr().out)['run_id']
    assert main(['resume', run_id, '--budget', '1', '--db', db]) == 1
    assert f'run {run_id[:8]} ran the file {EXAMPLE}, so whether its graph changed since cannot be told' \
        in capsys.readouterr().err


def test_a_resumed_run_can_itself_be_resumed(db, capsys):
    stopped = over_budget_run(db, capsys)
    main(['resume', stopped['run_id'], '--latency-ms', '0', '--json', '--db', db])
    second = json.loads(capsys.readouterr().out)
    assert second['status'] == 'over_budget'
    database = connect(db)
    # Each part is given what was left: the mission's budget is still the first run's.
    assert prepare(RunRepository(database), GraphRepository(database), second['run_id']).budget_usd == \
        pytest.approx(float(TIGHT_BUDGET))
    assert main(['resume', second['run_id'], '--budget', '1', '--latency-ms', '0', '--json', '--db', db]) == 0
    third = json.loads(capsys.readouterr().out)
    assert third['resumed']['parts'] == [stopped['run_id'], second['run_id'], third['run_id']]
    assert third['resumed']['total_cost_usd'] == pytest.approx(stopped['cost_usd'] + third['cost_usd'])
    assert third['nodes']['plan']['attempts'] == 0


def test_a_live_run_is_not_carried_on_simulated(db, capsys):
    stopped = over_budget_run(db, capsys)
    database = connect(db)
    with Session(database) as session:  # as if it had run live, with keys this shell lacks
        row = session.get(RunRow, stopped['run_id'])
        row.simulated = False
        session.add(row)
        session.commit()
    assert main(['resume', stopped['run_id'], '--budget', '1', '--db', db]) == 1
    err = capsys.readouterr().err
    assert f'run {stopped["run_id"][:8]} ran live, and cannot go on simulated: no provider key found (set ' in err
    assert err.rstrip().endswith('; nothing was run')
    assert len(RunRepository(database).list_runs()) == 1


def test_resume_from_the_command_line_never_loads_the_web_app(db, capsys):
    # The CLI starts fast and works without a display: resuming needs storage and the engine only.
    import subprocess
    import sys
    stopped = over_budget_run(db, capsys)
    program = ('import sys; from studio.cli import main; code = main(sys.argv[1:]); '
               'print("nicegui loaded" if "nicegui" in sys.modules else "nicegui not loaded", file=sys.stderr); '
               'sys.exit(code)')
    result = subprocess.run([sys.executable, '-c', program, 'resume', stopped['run_id'], '--budget', '0.01',
                             '--latency-ms', '0', '--db', db], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip().endswith('nicegui not loaded')
