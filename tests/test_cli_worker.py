"""The scale-out commands' refusals: each a clear line, nothing queued or changed."""
import json
import sys
from pathlib import Path

import pytest

from studio.cli import main

ROOT = Path(__file__).parents[1]
RESEARCH = ROOT / 'assets' / 'examples' / 'research-swarm.json'


@pytest.fixture
def database(tmp_path, monkeypatch):
    path = str(tmp_path / 'studio.sqlite')
    monkeypatch.setenv('SWARM_STUDIO_DB', path)
    monkeypatch.delenv('SWARM_STUDIO_REDIS_URL', raising=False)
    return path


def runs_listed(capsys):
    capsys.readouterr()
    assert main(['runs', '--json']) == 0
    return json.loads(capsys.readouterr().out)


def test_queue_without_redis_says_what_to_set(database, capsys):
    assert main(['run', str(RESEARCH), '--queue', '--simulate']) == 1
    assert 'swarm-studio run: --queue needs Redis, the workers\' queue: set SWARM_STUDIO_REDIS_URL=redis://' in \
        capsys.readouterr().err
    assert runs_listed(capsys) == []


def test_wait_needs_queue(database, capsys):
    assert main(['run', str(RESEARCH), '--wait', '--simulate']) == 1
    assert '--wait follows a queued run: use it with --queue' in capsys.readouterr().err


def test_a_worker_needs_redis_and_a_sane_concurrency(database, capsys):
    assert main(['worker']) == 1
    assert 'a worker needs Redis' in capsys.readouterr().err
    assert main(['worker', '--concurrency', '0', '--redis', 'redis://127.0.0.1:1/0']) == 1
    assert '--concurrency must be 1 or more, not 0' in capsys.readouterr().err


def test_an_unreachable_redis_is_one_line_and_nothing_is_queued(database, capsys, monkeypatch):
    monkeypatch.setenv('SWARM_STUDIO_REDIS_URL', 'redis://user:secret@127.0.0.1:1/0')
    assert main(['run', str(RESEARCH), '--queue', '--simulate', '--input', 'question=q', '--input', 'audience=a']) == 1
    err = capsys.readouterr().err
    assert 'cannot reach Redis at redis://…@127.0.0.1:1/0: is redis-server running there?' in err
    assert 'secret' not in err
    assert runs_listed(capsys) == []


def test_a_bad_input_is_refused_before_anything_is_queued(database, capsys, redis_server, monkeypatch):
    monkeypatch.setenv('SWARM_STUDIO_REDIS_URL', redis_server.url(3))
    assert main(['run', str(RESEARCH), '--queue', '--simulate', '--input', 'nonsense=1']) == 1
    assert 'unknown input "nonsense"' in capsys.readouterr().err
    assert runs_listed(capsys) == []


def test_cancel_refuses_a_finished_run_and_a_local_one(database, capsys, redis_server, monkeypatch):
    monkeypatch.setenv('SWARM_STUDIO_REDIS_URL', redis_server.url(3))
    assert main(['run', str(RESEARCH), '--simulate', '--latency-ms', '0', '--input', 'question=q',
                 '--input', 'audience=a']) == 0
    [run] = runs_listed(capsys)
    assert main(['cancel', run['id'][:8]]) == 1
    assert f'run {run["id"]} is succeeded: there is nothing to cancel' in capsys.readouterr().err
    assert main(['cancel', 'nope']) == 1
    assert 'no stored run has an id starting "nope"' in capsys.readouterr().err


def test_queue_without_wait_prints_the_queued_run(database, capsys, redis_server, monkeypatch):
    monkeypatch.setenv('SWARM_STUDIO_REDIS_URL', redis_server.url(3))
    assert main(['run', str(RESEARCH), '--queue', '--json', '--simulate', '--input', 'question=q',
                 '--input', 'audience=a']) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed['status'] == 'queued'
    assert [(run['id'], run['status']) for run in runs_listed(capsys)] == [(printed['run_id'], 'queued')]
    assert main(['cancel', printed['run_id']]) == 0  # (no worker in this test: it never starts)
    assert [run['status'] for run in runs_listed(capsys)] == ['cancelled']
