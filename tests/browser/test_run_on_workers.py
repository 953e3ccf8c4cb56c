"""The editor and runs on workers, in a real Chromium: the app and a `swarm-studio worker` on one
redis-server and one database (tests/servers.py). The page follows a run a worker runs — opened
mid-run it shows the state so far at once, then states animate and costs accumulate — and the
editor's Run and Cancel go through the queue to the worker; a run queued from the command line
while the page is open animates on it without a reload."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from servers import StudioWorker
from studio.local_app import free_port, running_app, serve_command

ROOT = Path(__file__).resolve().parents[2]
BRIEF = (ROOT / 'assets/examples/competitor-brief.json').read_text()
from test_run import RECORD_STATES_JS, node, sequence, start_run, states_seen, wait_for_status  # noqa: E402


@pytest.fixture(scope='module')
def scaled(tmp_path_factory, redis_server):
    """(base URL, graph repository, run repository, worker, Redis URL): the app and one worker."""
    from storage.db import connect
    from storage.graphs import GraphRepository
    from storage.runs import RunRepository

    workdir = tmp_path_factory.mktemp('scaled-app')
    database = workdir / 'studio.sqlite'
    engine = connect(str(database))
    redis_url = redis_server.url(14)
    worker = StudioWorker(redis_url, str(database), workdir / 'worker.log', concurrency=2).wait_ready()
    port = free_port()
    try:
        with running_app(serve_command(port, database), port, workdir,
                         env={'SWARM_STUDIO_REDIS_URL': redis_url}) as url:
            yield url, GraphRepository(engine), RunRepository(engine), worker, redis_url
    finally:
        worker.stop()


def wait_for(condition, timeout=60):
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        assert time.monotonic() < deadline, 'timed out'
        time.sleep(0.1)
    return value


def test_a_page_opened_while_a_worker_runs_the_mission_shows_it_then_follows_it(page, scaled):
    from nodes.validation import load_graph
    from storage.scale.mission_task import mission_request
    from storage.scale.queue import enqueue_mission
    from storage.scale.queued_runs import enqueue_run

    url, graphs, runs, worker, redis_url = scaled
    graph_id = graphs.import_text(BRIEF)
    version_id = graphs.current_version(graph_id).id
    graph = load_graph(BRIEF)
    inputs = {'company': 'Acme'}
    run_id = enqueue_run(graphs.engine, graph_name=graph.name, node_count=4, simulated=True, inputs=inputs,
                         graph_id=graph_id, graph_version_id=version_id)
    enqueue_mission(redis_url, mission_request(run_id, graph, inputs, simulated=True, latency_ms=4000,
                                               graph_id=graph_id, graph_version_id=version_id))
    # The first agent is done on the worker before the page exists.
    wait_for(lambda: 'plan' in runs.get_run(run_id).nodes)
    opened = time.monotonic()
    page.goto(f'{url}/graph/{graph_id}')
    node(page, 'plan').and_(page.locator('.swarm-state-succeeded')).wait_for()
    shown_after_s = time.monotonic() - opened
    page.evaluate(RECORD_STATES_JS)
    # At once: what the worker did so far (plan's cost), and the node it is on now.
    assert 'swarm-state-running' in node(page, 'tidy').get_attribute('class')
    cost_then = float(page.locator('.swarm-run-cost').inner_text().removeprefix('$'))
    assert cost_then > 0
    wait_for_status(page, 'succeeded', timeout=30_000)
    seen = states_seen(page)  # what changed on the page after it opened: the run went on live
    assert sequence(seen, 'tidy') == ['succeeded'] and sequence(seen, 'report') == ['succeeded']
    assert float(page.locator('.swarm-run-cost').inner_text().removeprefix('$')) > cost_then  # costs accumulated
    stored = runs.get_run(run_id).run
    assert (stored.status, stored.worker) == ('succeeded', worker.name)
    assert page.locator('.swarm-run-cost').inner_text() == f'${stored.cost_usd:.6f}'
    assert page.locator('.swarm-run-progress').inner_text() == '4/4 succeeded'
    assert shown_after_s < 10


def open_copy_named(page, url: str, graphs, name: str) -> tuple[str, dict]:
    """Store the brief under `name`, open it, and record the states its cards show from now on."""
    document = {**json.loads(BRIEF), 'name': name}
    graph_id = graphs.import_text(json.dumps(document))
    page.goto(f'{url}/graph/{graph_id}')
    node(page, 'report').wait_for()
    page.evaluate(RECORD_STATES_JS)
    return graph_id, document


def test_run_and_cancel_in_the_editor_go_to_the_worker(page, scaled):
    url, graphs, runs, worker, _ = scaled
    graph_id, _ = open_copy_named(page, url, graphs, 'Cancelled on a worker')
    start_run(page, latency_ms=4000)
    node(page, 'plan').and_(page.locator('.swarm-state-running')).wait_for(timeout=20_000)
    [row] = runs.list_runs(graph_id)
    assert (row.status, row.worker) == ('running', worker.name)
    page.get_by_role('button', name='Cancel the run').click()
    wait_for_status(page, 'cancelled', timeout=20_000)
    node(page, 'plan').and_(page.locator('.swarm-state-cancelled')).wait_for()
    node(page, 'report').and_(page.locator('.swarm-state-skipped')).wait_for()
    assert wait_for(lambda: runs.get_run(row.id).run.status != 'running') and \
        runs.get_run(row.id).run.status == 'cancelled'


def test_a_run_queued_from_the_command_line_animates_on_a_page_already_open(page, scaled):
    url, graphs, runs, worker, redis_url = scaled
    graph_id, document = open_copy_named(page, url, graphs, 'Queued from the command line')
    queued = subprocess.run(
        [sys.executable, '-m', 'studio', 'run', document['name'], '--queue', '--db', graphs.engine.url.database,
         '--simulate', '--latency-ms', '1500', '--input', 'company=Acme'],
        env={**os.environ, 'SWARM_STUDIO_REDIS_URL': redis_url}, capture_output=True, text=True, timeout=120)
    assert queued.returncode == 0, queued.stderr
    wait_for_status(page, 'succeeded', timeout=30_000)  # the page was never reloaded
    seen = states_seen(page)
    # Followed live: both agents were seen running (1.5 s each), then succeeded.
    for node_id in ('plan', 'tidy'):
        assert sequence(seen, node_id)[-2:] == ['running', 'succeeded'], (node_id, sequence(seen, node_id))
    assert sequence(seen, 'report') == ['succeeded']
    [row] = runs.list_runs(graph_id)
    assert (row.status, row.worker) == ('succeeded', worker.name)
    assert page.locator('.swarm-run-cost').inner_text() == f'${row.cost_usd:.6f}'
    assert page.locator('.swarm-run-progress').inner_text() == '4/4 succeeded'
