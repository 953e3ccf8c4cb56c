"""Missions on Celery workers, with real servers: a redis-server, `swarm-studio worker` processes,
SQLite files and a PostgreSQL cluster (tests/servers.py). What a user would check: every run's
record, a worker killed mid-mission, a cancel from another process, Redis restarting mid-run."""
import asyncio
import itertools
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from nodes.validation import load_graph
from servers import StudioWorker
from storage.db import connect
from storage.runs import RunRepository
from storage.scale.mission_task import mission_request
from storage.scale.queue import enqueue_mission
from storage.scale.queued_runs import enqueue_run

ROOT = Path(__file__).parents[1]
RESEARCH = ROOT / 'assets' / 'examples' / 'research-swarm.json'
INPUTS = {'question': 'Why do bridges sing?', 'audience': 'engineers'}
_databases = itertools.count(4)  # a Redis database per test: its own queue and keys


@pytest.fixture
def redis_url(redis_server):
    number = next(_databases)
    assert number < 16, 'redis-server has 16 databases'
    return redis_server.url(number)


@pytest.fixture
def workers(tmp_path):
    started = []

    def start(redis_url, database, count=1, concurrency=2, lease_s=3.0):
        new = [StudioWorker(redis_url, database, tmp_path / f'worker-{len(started) + index}.log', concurrency, lease_s)
               for index in range(count)]
        started.extend(new)
        return [worker.wait_ready() for worker in new]

    yield start
    for worker in started:
        worker.stop()


def cli(*args, redis_url, database, **options):
    env = {**os.environ, 'SWARM_STUDIO_REDIS_URL': redis_url, 'SWARM_STUDIO_DB': database}
    return subprocess.run([sys.executable, '-m', 'studio', *args], env=env, capture_output=True, text=True,
                          timeout=180, **options)


def research_args(latency_ms):
    return ['run', str(RESEARCH), '--simulate', '--latency-ms', str(latency_ms),
            *[item for name, value in INPUTS.items() for item in ('--input', f'{name}={value}')]]


def enqueue(engine, redis_url, latency_ms, count=1):
    graph = load_graph(RESEARCH.read_text())
    ids = []
    for _ in range(count):
        run_id = enqueue_run(engine, graph_name=graph.name, node_count=len(graph.nodes), simulated=True,
                             inputs=INPUTS, source=str(RESEARCH))
        enqueue_mission(redis_url, mission_request(run_id, graph, INPUTS, simulated=True, latency_ms=latency_ms,
                                                   source=str(RESEARCH)))
        ids.append(run_id)
    return ids


def wait_for(condition, timeout=90, every=0.2):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        assert time.monotonic() < deadline, 'timed out'
        time.sleep(every)


def status(runs, run_id):
    return runs.get_run(run_id).run.status


def test_twenty_missions_through_two_workers_are_each_recorded_whole(tmp_path, redis_url, workers):
    database = str(tmp_path / 'studio.sqlite')
    engine = connect(database)
    runs = RunRepository(engine)
    first, second = workers(redis_url, database, count=2, concurrency=2)
    ids = enqueue(engine, redis_url, latency_ms=100, count=19)
    waited = cli(*research_args(100), '--queue', '--wait', '--json', redis_url=redis_url, database=database)
    local = cli(*research_args(0), '--json', redis_url=redis_url, database=database)
    assert waited.returncode == 0, waited.stderr
    queued_summary, local_summary = json.loads(waited.stdout), json.loads(local.stdout)
    assert queued_summary.pop('run_id') != local_summary.pop('run_id')
    assert queued_summary == local_summary  # the same summary as an in-process run
    assert 'succeeded: 8/8 nodes succeeded' in waited.stderr
    ids.append(json.loads(waited.stdout)['run_id'])

    wait_for(lambda: all(status(runs, run_id) not in ('queued', 'running') for run_id in ids), timeout=180)
    reference = runs.get_run(ids[-1])
    ran_on = set()
    for run_id in ids:
        detail = runs.get_run(run_id)
        assert detail.run.status == 'succeeded', (run_id, detail.run.error)
        assert {node.status for node in detail.nodes.values()} == {'succeeded'} and len(detail.nodes) == 8
        assert len(detail.attempts) == len(reference.attempts)
        assert detail.run.cost_usd == pytest.approx(queued_summary['cost_usd'])
        assert detail.run.nodes_done == 8 and detail.run.finished_at is not None
        assert len(runs.events(run_id)) == len(runs.events(ids[-1]))
        ran_on.add(detail.run.worker)
    assert ran_on == {first.name, second.name}  # both workers took missions


def test_a_worker_killed_mid_mission_leaves_the_run_interrupted_with_its_finished_nodes(tmp_path, redis_url,
                                                                                      workers):
    database = str(tmp_path / 'studio.sqlite')
    engine = connect(database)
    runs = RunRepository(engine)
    started = workers(redis_url, database, count=2, concurrency=1, lease_s=2.0)
    [run_id] = enqueue(engine, redis_url, latency_ms=1500)
    wait_for(lambda: len([n for n in runs.get_run(run_id).nodes.values() if n.status == 'succeeded']) >= 2)
    before = runs.get_run(run_id)
    victim = next(worker for worker in started if worker.name == before.run.worker)
    os.kill(victim.process.pid, signal.SIGKILL)
    victim.process.wait()
    wait_for(lambda: status(runs, run_id) == 'interrupted', timeout=30)  # the other worker's lease sweep
    after = runs.get_run(run_id)
    kept = {node_id for node_id, node in before.nodes.items() if node.status == 'succeeded'}
    assert kept <= {node_id for node_id, node in after.nodes.items() if node.status == 'succeeded'}
    assert {attempt.id for attempt in before.attempts} <= {attempt.id for attempt in after.attempts}
    assert after.run.worker == victim.name  # no other worker took it up
    assert 'interrupted' in {node.status for node in after.nodes.values()}  # the node it was running
    time.sleep(1)
    assert runs.get_run(run_id).run.status == 'interrupted'


def test_cancel_from_another_process_reaches_a_queued_then_running_mission(tmp_path, redis_url, workers):
    database = str(tmp_path / 'studio.sqlite')
    engine = connect(database)
    runs = RunRepository(engine)
    env = {**os.environ, 'SWARM_STUDIO_REDIS_URL': redis_url, 'SWARM_STUDIO_DB': database}
    follower = subprocess.Popen([sys.executable, '-m', 'studio', *research_args(3000), '--queue', '--wait', '--json'],
                                env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    run_id = wait_for(lambda: next((row.id for row in runs.list_runs()), None))
    listed = cli('runs', '--json', redis_url=redis_url, database=database)
    assert [(row['id'], row['status']) for row in json.loads(listed.stdout)] == [(run_id, 'queued')]

    workers(redis_url, database)
    wait_for(lambda: any(node.status == 'succeeded' for node in runs.get_run(run_id).nodes.values()))
    listed = cli('runs', '--json', redis_url=redis_url, database=database)
    assert json.loads(listed.stdout)[0]['status'] == 'running'
    cancelled = cli('cancel', run_id[:10], redis_url=redis_url, database=database)
    assert cancelled.returncode == 0, cancelled.stderr
    assert f'cancelled: run {run_id}' in cancelled.stderr
    out, err = follower.communicate(timeout=60)
    assert follower.returncode == 1, err
    summary = json.loads(out)
    assert summary['status'] == 'cancelled' and summary['run_id'] == run_id
    statuses = {node['status'] for node in summary['nodes'].values()}
    assert 'succeeded' in statuses and statuses & {'cancelled', 'skipped'}
    detail = runs.get_run(run_id)
    assert detail.run.status == 'cancelled'
    assert {node_id: node.status for node_id, node in detail.nodes.items()} == \
        {node_id: node['status'] for node_id, node in summary['nodes'].items()}


def test_a_run_cancelled_while_queued_never_starts(tmp_path, redis_url):
    database = str(tmp_path / 'studio.sqlite')
    engine = connect(database)
    [run_id] = enqueue(engine, redis_url, latency_ms=0)
    cancelled = cli('cancel', run_id, redis_url=redis_url, database=database)
    assert cancelled.returncode == 0 and 'had not started' in cancelled.stderr
    again = cli('cancel', run_id, redis_url=redis_url, database=database)
    assert again.returncode == 1 and f'run {run_id} is cancelled: there is nothing to cancel' in again.stderr
    detail = RunRepository(engine).get_run(run_id)
    assert detail.run.status == 'cancelled' and detail.nodes == {}


def test_a_redis_restart_mid_run_loses_no_durable_record(tmp_path, redis_server, redis_url, workers):
    database = str(tmp_path / 'studio.sqlite')
    engine = connect(database)
    runs = RunRepository(engine)
    workers(redis_url, database, lease_s=5.0)
    [run_id] = enqueue(engine, redis_url, latency_ms=800)
    wait_for(lambda: any(node.status == 'succeeded' for node in runs.get_run(run_id).nodes.values()))
    redis_server.restart()  # empty again: nothing is saved to disk
    wait_for(lambda: status(runs, run_id) not in ('queued', 'running'), timeout=60)
    detail = runs.get_run(run_id)
    assert detail.run.status == 'succeeded', detail.run.error
    assert {node.status for node in detail.nodes.values()} == {'succeeded'} and len(detail.nodes) == 8
    attempt_events = [event for event in runs.events(run_id) if event['type'] == 'attempt_finished']
    agents = [node for node in load_graph(RESEARCH.read_text()).nodes if node.kind == 'agent']
    assert len(detail.attempts) == len(attempt_events) == len(agents)  # one accepted reply each, none lost
    assert detail.run.cost_usd == pytest.approx(sum(attempt.cost_usd for attempt in detail.attempts))
    # The worker is still at work after Redis came back.
    [later] = enqueue(engine, redis_url, latency_ms=0)
    wait_for(lambda: status(runs, later) == 'succeeded', timeout=60)


async def test_a_rerun_from_a_node_in_the_editor_goes_to_the_workers_and_reuses_past_outputs(tmp_path, redis_url,
                                                                                              workers):
    from nodes.plan import compile_graph
    from storage.graphs import GraphRepository
    from storage.scale.state_store import RedisStateStore
    from studio.run.missions import Missions, RunRequest

    database = str(tmp_path / 'studio.sqlite')
    engine = connect(database)
    graphs, runs = GraphRepository(engine), RunRepository(engine)
    graph_id = graphs.import_text(RESEARCH.read_text())
    version_id = graphs.current_version(graph_id).id
    _, graph = graphs.get_version_by_id(version_id)
    [worker] = workers(redis_url, database)
    missions = Missions(graphs, runs, tick_s=0.01, store=RedisStateStore(redis_url))  # the editor's, with Redis
    request = RunRequest(INPUTS, latency_ms=0)
    first = await missions.start(graph_id, version_id, graph, request)
    assert (await asyncio.wait_for(first.wait(), 90)).status == 'succeeded'
    again = await missions.rerun_from(graph_id, version_id, graph, runs.get_run(first.run_id), graph, 'skeptic', request)
    summary = await asyncio.wait_for(again.wait(), 90)
    assert summary.status == 'succeeded' and again.from_node == 'skeptic'
    detail = runs.get_run(again.run_id)
    assert (detail.run.status, detail.run.worker) == ('succeeded', worker.name)  # on the worker, not here
    rerun = compile_graph(graph).downstream_of('skeptic')
    assert rerun == {'skeptic', 'synthesis', 'polish', 'report'}
    cached = {node_id for node_id, node in detail.nodes.items() if node.cached}
    assert cached == {'scope', 'queries', 'evidence'}  # served from the first run: no call made
    assert {attempt.node_id for attempt in detail.attempts} == {'skeptic', 'synthesis', 'polish'}
    assert {node.status for node in detail.nodes.values()} == {'succeeded'} and len(detail.nodes) == 8


def test_workers_on_postgresql(postgres, redis_url, workers):
    database = postgres.create_database('scale_workers')
    workers(redis_url, database, concurrency=2)
    waited = cli(*research_args(50), '--queue', '--wait', '--json', redis_url=redis_url, database=database)
    assert waited.returncode == 0, waited.stderr
    summary = json.loads(waited.stdout)
    engine = connect(database)
    ids = enqueue(engine, redis_url, latency_ms=50, count=3) + [summary['run_id']]
    runs = RunRepository(engine)
    wait_for(lambda: all(status(runs, run_id) == 'succeeded' for run_id in ids), timeout=120)
    for run_id in ids:
        detail = runs.get_run(run_id)
        assert len(detail.nodes) == 8 and detail.run.cost_usd == pytest.approx(summary['cost_usd'])
    listed = json.loads(cli('runs', '--json', redis_url=redis_url, database=database).stdout)
    assert {row['id'] for row in listed} == set(ids)


def test_a_worker_starts_without_the_web_app():
    probe = ('import sys; import studio.cli, studio.cli_worker, storage.scale.mission_task, storage.scale.queue, '
             'nodes.plan, nodes.engine, celery.apps.worker; '
             'from storage.scale.queue import celery_app; celery_app("redis://127.0.0.1:1/0"); '
             'print(sorted(name for name in sys.modules if name.split(".")[0] in ("nicegui", "studio")))')
    result = subprocess.run([sys.executable, '-c', probe], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    loaded = eval(result.stdout)
    assert not [name for name in loaded if name.startswith('nicegui')]
    assert not [name for name in loaded if name.startswith('studio.run') or name == 'studio.app']
