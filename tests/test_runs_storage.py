"""Run records: what a run leaves in the database, as it goes and after a kill."""
import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest

from nodes.catalog import Catalog, ModelEntry
from nodes.engine import MissionController, RetryPolicy
from nodes.plan import compile_graph
from nodes.events import CostUpdated
from nodes.graph import Graph
from nodes.validation import load_graph
from nodes.providers.simulated import SimulatedProvider
from storage.db import connect
from storage.graphs import GraphRepository
from storage.runs import RunNotFound, RunRecorder, RunRepository, RunRow
from storage.settings import CATALOG_KEY, get_setting, save_catalog, stored_catalog

ROOT = Path(__file__).parents[1]
EXAMPLE = ROOT / 'assets' / 'examples' / 'competitor-brief.json'


@pytest.fixture
def engine(tmp_path):
    return connect(str(tmp_path / 'runs.sqlite'))


@pytest.fixture
def runs(engine):
    return RunRepository(engine)


def example() -> Graph:
    return load_graph(EXAMPLE.read_text())


async def run_recorded(runs, graph, inputs=None, events=None, **recorder_options):
    subscribers = [RunRecorder(runs.engine, **recorder_options)] + ([events.append] if events is not None else [])
    mission = MissionController(compile_graph(graph, provider=SimulatedProvider(latency_ms=0, retry_after_s=0.001)),
                                retry_policy=RetryPolicy(base_delay_s=0.001), subscribers=subscribers)
    return await mission.run(inputs)


async def test_a_run_is_stored_with_its_nodes_attempts_and_events(runs, engine):
    graphs = GraphRepository(engine)
    graph_id = graphs.create(example())
    version_id = graphs.current_version(graph_id).id
    graph = example()
    graph.node('tidy').config['simulate'] = {'fail_first': 1, 'failure': 'invalid_json'}
    events = []
    summary = await run_recorded(runs, graph, {'company': 'Acme'}, events, graph_id=graph_id,
                                 graph_version_id=version_id)

    stored = runs.get_run(summary.run_id)
    run = stored.run
    assert (run.status, run.simulated, run.graph_id, run.graph_version_id) == ('succeeded', True, graph_id, version_id)
    assert run.graph_name == 'Competitor brief' and json.loads(run.inputs) == {'company': 'Acme'}
    assert run.cost_usd == float(summary.cost_usd) and run.flagship_cost_usd == float(summary.flagship_cost_usd)
    assert (run.input_tokens, run.output_tokens) == (summary.input_tokens, summary.output_tokens)
    assert (run.node_count, run.nodes_done, run.pid) == (4, 4, os.getpid())
    assert run.started_at is not None and run.finished_at is not None and run.duration_s > 0

    assert set(stored.nodes) == {'brief', 'plan', 'tidy', 'report'}
    tidy = stored.nodes['tidy']
    assert (tidy.status, tidy.tier, tidy.model, tidy.attempts) == ('succeeded', 3, 'gpt-4o-mini', 2)
    assert json.loads(tidy.output) == summary.nodes['tidy'].output
    assert tidy.started_t < tidy.finished_t

    attempts = stored.attempts_of('tidy')
    assert [attempt.number for attempt in attempts] == [1, 2]
    assert attempts[0].error_kind == 'invalid_output' and attempts[0].output is None
    assert json.loads(attempts[1].messages) == summary.nodes['tidy'].attempts[1].messages
    for row, attempt in zip(attempts, summary.nodes['tidy'].attempts):
        assert (row.reply, row.input_tokens, row.output_tokens) == (attempt.reply, attempt.input_tokens,
                                                                     attempt.output_tokens)
        assert row.cost_usd == float(attempt.cost_usd)

    stored_events = runs.events(summary.run_id)
    expected = [event for event in events if not isinstance(event, CostUpdated)][1:]  # run_started is the row
    assert [event['type'] for event in stored_events] == [event.type for event in expected]
    assert [event['seq'] for event in stored_events] == list(range(1, len(expected) + 1))
    retry = next(event for event in stored_events if event['type'] == 'node_retrying')
    assert retry['node_id'] == 'tidy' and retry['reason'] == 'invalid_output'
    assert runs.events(summary.run_id, after_seq=len(expected) - 1)[0]['type'] == 'run_finished'


async def test_failed_and_skipped_nodes_are_stored_with_their_reasons(runs):
    graph = example()
    graph.node('plan').config.update(max_retries=0, simulate={'fail_first': 9})
    summary = await run_recorded(runs, graph, {'company': 'Acme'})
    stored = runs.get_run(summary.run_id)
    assert stored.run.status == 'failed' and 'plan' in stored.run.error
    assert stored.nodes['plan'].status == 'failed' and stored.nodes['plan'].attempts == 1
    assert stored.nodes['plan'].error == summary.nodes['plan'].error
    assert {node_id: (row.status, row.error) for node_id, row in stored.nodes.items() if node_id in ('tidy', 'report')} \
        == {'tidy': ('skipped', 'upstream node "plan" failed'), 'report': ('skipped', 'upstream node "plan" failed')}
    assert stored.run.nodes_done == 1


async def test_runs_are_listed_per_graph_newest_first_and_go_with_their_graph(runs, engine):
    graphs = GraphRepository(engine)
    first_id, second_id = graphs.create(example()), graphs.create(example())
    older = await run_recorded(runs, example(), {'company': 'A'}, graph_id=first_id)
    newer = await run_recorded(runs, example(), {'company': 'B'}, graph_id=first_id)
    other = await run_recorded(runs, example(), {'company': 'C'}, graph_id=second_id)
    from_file = await run_recorded(runs, example(), {'company': 'D'}, source='brief.json')
    assert [run.id for run in runs.list_runs(first_id)] == [newer.run_id, older.run_id]
    assert {run.id for run in runs.list_runs()} == {older.run_id, newer.run_id, other.run_id, from_file.run_id}
    assert runs.get_run(from_file.run_id).run.source == 'brief.json'
    graphs.delete(first_id)
    assert [run.id for run in runs.list_runs(first_id)] == []
    with pytest.raises(RunNotFound):
        runs.get_run(older.run_id)
    assert runs.get_run(other.run_id).run.status == 'succeeded'


def test_only_runs_whose_process_is_gone_are_marked_interrupted(runs, engine):
    from storage.db import transaction
    finished = subprocess.run([sys.executable, '-c', 'import os; print(os.getpid())'], capture_output=True, text=True)
    dead_pid = int(finished.stdout)
    import socket
    with transaction(engine) as session:
        session.add(RunRow(id='dead', status='running', pid=dead_pid, host=socket.gethostname()))
        session.add(RunRow(id='alive', status='running', pid=os.getpid(), host=socket.gethostname()))
        session.add(RunRow(id='done', status='succeeded', pid=dead_pid, host=socket.gethostname()))
        session.add(RunRow(id='elsewhere', status='running', pid=dead_pid, host='another-machine'))
    assert runs.mark_interrupted() == ['dead']
    statuses = {run.id: run.status for run in runs.list_runs()}
    assert statuses == {'dead': 'interrupted', 'alive': 'running', 'done': 'succeeded', 'elsewhere': 'running'}
    assert runs.mark_interrupted() == []


KILLED_MISSION = '''
import asyncio, sys
from nodes.engine import MissionController
from nodes.plan import compile_graph
from nodes.graph import Graph
from nodes.providers.simulated import SimulatedProvider
from storage.db import connect
from storage.runs import RunRepository

graph = Graph.model_validate_json(sys.argv[2])
recorder = RunRepository(connect(sys.argv[1])).recorder(source='killed.json')

def report(event):  # after the recorder: says a node is done the moment the engine does
    if event.type == 'node_succeeded':
        print('done', event.node_id, flush=True)

asyncio.run(MissionController(compile_graph(graph, provider=SimulatedProvider()), subscribers=[recorder, report]).run())
'''


def test_a_killed_mission_keeps_every_finished_node_and_reads_as_interrupted(tmp_path):
    latencies = {'first': 100, 'second': 100, 'third': 8000, 'fourth': 100}
    nodes = [{'id': node_id, 'kind': 'agent', 'config': {'tier': 3, 'prompt': f'Format item {node_id}',
                                                        'simulate': {'latency_ms': latency}}}
             for node_id, latency in latencies.items()]
    edges = [{'source': a, 'target': b} for a, b in zip(latencies, list(latencies)[1:])]
    graph = Graph.model_validate({'name': 'to be killed', 'nodes': nodes, 'edges': edges})
    database = tmp_path / 'killed.sqlite'
    process = subprocess.Popen([sys.executable, '-c', KILLED_MISSION, str(database), graph.model_dump_json()],
                               stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert process.stdout.readline() == 'done first\n'
        assert process.stdout.readline() == 'done second\n'
        time.sleep(0.3)  # `third` runs for 8 s: the kill lands in the middle of the mission
        process.send_signal(signal.SIGKILL)
        rest = process.stdout.read()
    finally:
        process.kill()
        process.wait()
    done = {'first', 'second'} | {line.split()[1] for line in rest.splitlines()}

    runs = RunRepository(connect(str(database)))  # opening the database marks the run whose process died
    [run] = runs.list_runs()
    assert runs.mark_interrupted() == []  # done already, once
    stored = runs.get_run(run.id)
    assert stored.run.status == 'interrupted' and stored.run.source == 'killed.json'
    assert {node_id for node_id, row in stored.nodes.items() if row.status == 'succeeded'} == done
    for node_id in done:
        assert stored.nodes[node_id].output and len(stored.attempts_of(node_id)) == 1
    assert stored.nodes['third'].status == 'interrupted'
    assert 'fourth' not in stored.nodes
    assert stored.run.nodes_done == len(done)


def test_the_catalog_is_stored_and_the_environment_file_overrides_it(engine, tmp_path, monkeypatch):
    monkeypatch.delenv('SWARM_STUDIO_CATALOG', raising=False)
    assert stored_catalog(engine).primary(3).model == 'gpt-4o-mini'  # the defaults
    edited = Catalog({**stored_catalog(engine).tiers, 3: (ModelEntry('ollama/llama3.1'),
                                                          ModelEntry('openai/qwen', api_base='http://127.0.0.1:8000/v1'))})
    save_catalog(engine, edited)
    assert stored_catalog(engine).models(3) == edited.models(3)
    assert get_setting(engine, CATALOG_KEY)['tiers']['3'][1] == {'model': 'openai/qwen',
                                                                 'api_base': 'http://127.0.0.1:8000/v1'}
    override = tmp_path / 'catalog.json'
    override.write_text(json.dumps({'tiers': {'1': ['gpt-5']}}))
    monkeypatch.setenv('SWARM_STUDIO_CATALOG', str(override))
    catalog = stored_catalog(engine)
    assert catalog.primary(1).model == 'gpt-5' and catalog.primary(3).model == 'ollama/llama3.1'


async def test_an_empty_graph_run_is_stored_as_succeeded(runs):
    summary = await run_recorded(runs, Graph(name='empty'))
    assert runs.get_run(summary.run_id).run.status == 'succeeded'


async def test_the_recorder_writes_while_the_run_goes(runs, engine):
    graph = Graph.model_validate({'name': 'slow', 'nodes': [
        {'id': 'quick', 'kind': 'agent', 'config': {'tier': 3, 'prompt': 'Format a', 'simulate': {'latency_ms': 0}}},
        {'id': 'slow', 'kind': 'agent', 'config': {'tier': 3, 'prompt': 'Format b', 'simulate': {'latency_ms': 2000}}}],
        'edges': []})
    recorder = runs.recorder()
    mission = MissionController(compile_graph(graph, provider=SimulatedProvider()), subscribers=[recorder])
    task = asyncio.create_task(mission.run())
    for _ in range(100):
        await asyncio.sleep(0.02)
        if mission.outputs.get('quick'):
            break
    await asyncio.sleep(0.02)
    stored = runs.get_run(mission.run_id)
    assert stored.run.status == 'running' and set(stored.nodes) == {'quick'}
    mission.cancel()
    await task
    assert runs.get_run(mission.run_id).run.status == 'cancelled'


def stored_rows(runs, run_id):
    """What a run left in the database, less what differs between two runs of it (ids, times)."""
    detail = runs.get_run(run_id)
    nodes = {node_id: (row.status, row.tier, row.model, row.attempts, row.cost_usd, row.output, row.error, row.pinned,
                       row.cached) for node_id, row in detail.nodes.items()}
    attempts = [(row.node_id, row.number, row.tier, row.model, row.messages, row.reply, row.output, row.error,
                 row.error_kind, row.input_tokens, row.output_tokens, row.cost_usd, row.flagship_cost_usd)
                for row in detail.attempts]
    events = [{key: value for key, value in event.items() if key not in ('run_id', 't', 'delay_s', 'duration_s')}
              for event in runs.events(run_id)]
    run = detail.run
    totals = (run.status, run.cost_usd, run.flagship_cost_usd, run.savings_pct, run.input_tokens, run.output_tokens,
              run.nodes_done, run.node_count)
    return nodes, attempts, events, totals


async def test_the_writer_process_stores_exactly_what_the_recorder_writes_itself(tmp_path):
    stored = []
    for writer_process in (True, False):
        runs = RunRepository(connect(str(tmp_path / f'writer-{writer_process}.sqlite')))
        graph = example()
        graph.node('tidy').config['simulate'] = {'fail_first': 1, 'failure': 'invalid_json'}
        recorder = RunRecorder(runs.engine, source='brief.json', writer_process=writer_process)
        # A pinned output marshal cannot carry goes as JSON text, as the recorder would write it.
        mission = MissionController(compile_graph(graph, provider=SimulatedProvider(latency_ms=0)), subscribers=[recorder],
                                    pinned={'plan': {'steps': ['a'], 'budget': Decimal('1.50')}})
        summary = await mission.run({'company': 'Acme'})
        assert summary.status == 'succeeded'
        stored.append(stored_rows(runs, summary.run_id))
    through_writer, in_process = stored
    assert through_writer == in_process
    nodes, attempts, events, _ = through_writer
    assert json.loads(nodes['plan'][5]) == {'steps': ['a'], 'budget': '1.50'} and len(attempts) == 2


def record_writer_threads(engine) -> list[str]:
    """The names of the threads that write run rows into `engine`, one per statement."""
    import threading

    from sqlalchemy import event
    writers: list[str] = []

    @event.listens_for(engine, 'before_cursor_execute')
    def _seen(connection, cursor, statement, parameters, context, executemany) -> None:
        if statement.lstrip().upper().startswith(('INSERT', 'UPDATE')):
            writers.append(threading.current_thread().name)
    return writers


async def test_run_records_are_written_off_the_event_loop_and_stored_whole_at_the_end(runs, engine):
    import threading
    writers = record_writer_threads(engine)
    summary = await run_recorded(runs, example(), {'company': 'Acme'}, writer_process=False)
    assert writers and threading.current_thread().name not in writers
    assert set(writers) == {f'run recorder {summary.run_id[:8]}'}
    stored = runs.get_run(summary.run_id)  # as soon as the controller returned
    assert stored.run.status == 'succeeded' and len(stored.nodes) == 4 and stored.run.finished_at is not None
    assert not [thread for thread in threading.enumerate() if thread.name.startswith('run recorder')]


async def test_a_slow_database_makes_batches_grow_and_nothing_is_lost(runs, engine, monkeypatch):
    # Every write waits: the queue fills, the recorder coalesces, and still every row arrives.
    import storage.writer_thread
    from sqlalchemy import event
    monkeypatch.setattr(storage.writer_thread, 'CAPACITY', 1)
    transactions = []

    @event.listens_for(engine, 'commit')
    def _slow(connection) -> None:
        transactions.append(1)
        time.sleep(0.05)
    graph = Graph.model_validate({'name': 'wide', 'nodes': [
        {'id': f'n{number}', 'kind': 'agent', 'config': {'tier': 3, 'prompt': f'Format {number}'}}
        for number in range(60)], 'edges': []})
    events = []
    summary = await run_recorded(runs, graph, events=events, writer_process=False)
    stored = runs.get_run(summary.run_id)
    assert stored.run.status == 'succeeded' and len(stored.nodes) == 60 and len(stored.attempts) == 60
    assert len(runs.events(summary.run_id)) == len([e for e in events if e.type not in ('cost_updated', 'run_started')])
    assert len(transactions) < len(events) / 4  # batched, not one transaction an event


async def test_a_run_is_recorded_into_postgresql(postgres):
    runs = RunRepository(connect(postgres.create_database('recorded_runs')))
    graph = example()
    graph.node('tidy').config['simulate'] = {'fail_first': 1, 'failure': 'invalid_json'}
    summary = await run_recorded(runs, graph, {'company': 'Acme'})
    stored = runs.get_run(summary.run_id)
    assert stored.run.status == 'succeeded' and set(stored.nodes) == {'brief', 'plan', 'tidy', 'report'}
    assert [attempt.error_kind for attempt in stored.attempts_of('tidy')] == ['invalid_output', None]
    assert stored.nodes['tidy'].output is not None and stored.run.cost_usd > 0


def test_a_killed_cli_run_reads_as_interrupted_after_any_command_opens_the_database(tmp_path):
    from storage.db import open_engine
    database = tmp_path / 'killed.sqlite'
    graph = example()
    graph.node('tidy').config['simulate'] = {'latency_ms': 30000}
    path = tmp_path / 'slow.json'
    path.write_text(graph.dumps())
    command = [sys.executable, '-m', 'studio', 'run', str(path), '--simulate', '--input', 'company=Acme',
               '--db', str(database)]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    looking = RunRepository(open_engine(str(database)))  # looks without opening: changes nothing
    try:
        deadline = time.monotonic() + 60
        while not (database.exists() and _tidy_started(looking)):
            assert time.monotonic() < deadline and process.poll() is None, 'the run did not get to "tidy"'
            time.sleep(0.1)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    [run] = looking.list_runs()
    assert run.status == 'running'  # as the kill left it
    listed = subprocess.run([sys.executable, '-m', 'studio', 'list', '--db', str(database)], cwd=ROOT,
                            capture_output=True, text=True)
    assert listed.returncode == 0, listed.stderr
    stored = looking.get_run(run.id)
    assert stored.run.status == 'interrupted' and stored.nodes['tidy'].status == 'interrupted'
    assert stored.nodes['plan'].status == 'succeeded'


def _tidy_started(runs: RunRepository) -> bool:
    try:
        listed = runs.list_runs()
    except Exception:  # the tables are not made yet
        return False
    return bool(listed) and any(event['type'] == 'node_started' and event.get('node_id') == 'tidy'
                                for event in runs.events(listed[0].id))


async def test_a_run_with_an_unpriced_node_is_stored_as_incomplete_and_says_which_node(runs):
    catalog = Catalog.from_dict({'tiers': {'3': ['openai/house-model-7b']}})
    mission = MissionController(compile_graph(example(), catalog, SimulatedProvider(latency_ms=0)),
                                subscribers=[RunRecorder(runs.engine)])
    summary = await mission.run({'company': 'Acme'})
    [unpriced] = summary.unpriced_nodes
    row = runs.get_run(summary.run_id).run
    assert (row.unpriced_nodes, row.flagship_priced) == (1, True)
    assert runs.cost_gaps(summary.run_id) == ([unpriced], True)
    priced = await run_recorded(runs, example(), {'company': 'Acme'})
    row = runs.get_run(priced.run_id).run
    assert (row.unpriced_nodes, row.flagship_priced) == (0, True) and runs.cost_gaps(priced.run_id) == ([], True)


async def test_a_run_whose_record_cannot_be_stored_is_not_recorded_as_succeeded(tmp_path):
    # SQLite refuses a value longer than its length limit ("string or blob too big"); the limit is
    # lowered here so that an ordinary output meets it, as a huge one meets the default.
    import sqlite3

    from sqlalchemy import event
    engine = connect(str(tmp_path / 'small.sqlite'))
    event.listen(engine, 'connect', lambda connection, _: connection.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, 3000))
    engine.dispose()
    graph = Graph.model_validate({'name': 'long', 'nodes': [
        {'id': 'out', 'kind': 'output', 'config': {'template': '{{ "x" * 5000 }}'}}], 'edges': []})
    recorder = RunRecorder(engine, writer_process=False)  # the writer process would open its own connection
    summary = await MissionController(compile_graph(graph, provider=SimulatedProvider(latency_ms=0)),
                                      subscribers=[recorder]).run({})
    assert summary.status == 'succeeded'  # the run itself did succeed; its record could not be kept
    [run] = RunRepository(engine).list_runs()
    assert run.status == 'failed'
    assert 'part of the run could not be stored' in run.error and 'too big' in run.error
