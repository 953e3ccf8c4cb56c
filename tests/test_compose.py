"""compose.yaml (README "Scale out"), checked without Docker: its services run real commands of the
CLI, with the arguments the CLI accepts, and set only variables the code reads, the same way in
every process of the studio."""
from pathlib import Path

import pytest
import yaml

from nodes.catalog import PROVIDER_KEYS
from storage.db import database_url
from storage.scale.state_store import REDIS_URL_VARIABLE
from studio.app import TOKEN_VARIABLE
from studio.cli import build_parser

ROOT = Path(__file__).parents[1]
COMPOSE = yaml.safe_load((ROOT / 'compose.yaml').read_text())
SERVICES = COMPOSE['services']
STUDIO = ('app', 'worker')


def parsed(service: str):
    command = SERVICES[service]['command']
    assert isinstance(command, list) and command[0] == 'swarm-studio', command
    try:
        return build_parser().parse_args(command[1:])
    except SystemExit:
        pytest.fail(f'{service}: the CLI refuses {command}')


def test_the_four_processes_are_there():
    assert set(SERVICES) == {'app', 'worker', 'redis', 'postgres'}


def test_the_app_and_the_workers_run_real_commands():
    app, worker = parsed('app'), parsed('worker')
    assert (app.command, app.handler) == ('serve', 'studio.app:serve_command')
    assert app.host == '0.0.0.0' and app.no_browser
    assert f'127.0.0.1:{app.port}:{app.port}' in SERVICES['app']['ports']
    assert (worker.command, worker.handler) == ('worker', 'studio.cli_worker:worker_command')
    assert worker.concurrency >= 1 and worker.redis is None and worker.db is None  # both from the environment


def test_every_variable_is_one_the_code_reads_and_every_process_shares_the_two_settings():
    known = {'SWARM_STUDIO_DB', REDIS_URL_VARIABLE, TOKEN_VARIABLE, *PROVIDER_KEYS.values()}
    shared = {service: SERVICES[service]['environment'] for service in STUDIO}
    for service, environment in shared.items():
        assert set(environment) <= known, (service, set(environment) - known)
        assert {'SWARM_STUDIO_DB', REDIS_URL_VARIABLE} <= set(environment)
    assert shared['app']['SWARM_STUDIO_DB'] == shared['worker']['SWARM_STUDIO_DB']
    assert shared['app'][REDIS_URL_VARIABLE] == shared['worker'][REDIS_URL_VARIABLE]
    assert {'ANTHROPIC_API_KEY', 'OPENAI_API_KEY', 'GEMINI_API_KEY'} <= set(shared['worker'])  # where missions run


def test_the_urls_name_the_compose_services(monkeypatch):
    environment = SERVICES['worker']['environment']
    monkeypatch.setenv('SWARM_STUDIO_DB', environment['SWARM_STUDIO_DB'].replace('${POSTGRES_PASSWORD:-swarm}', 'pw'))
    assert database_url() == 'postgresql+psycopg://swarm:pw@postgres:5432/swarm'
    postgres = SERVICES['postgres']['environment']
    assert (postgres['POSTGRES_USER'], postgres['POSTGRES_DB']) == ('swarm', 'swarm')
    assert environment[REDIS_URL_VARIABLE].startswith('redis://redis:6379/')
