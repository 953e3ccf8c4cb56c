"""Shared fixtures: the real app's pages in NiceGUI's user simulation, over a fresh database.

NiceGUI's `user` fixture loads a main file; this app has none (its pages are registered by
`studio.app.build_app` for a given repository), so `user` is overridden here with the
documented `user_simulation` context, inside which the pages are registered.
"""
from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

pytest_plugins = ['nicegui.testing.user_plugin']


@pytest.fixture
def graphs(tmp_path):
    """A graph repository on a fresh SQLite file."""
    from storage.db import connect
    from storage.graphs import GraphRepository
    return GraphRepository(connect(str(tmp_path / 'studio.sqlite')))


@pytest.fixture
async def user(graphs, caplog: pytest.LogCaptureFixture) -> AsyncIterator:
    """A simulated browser user of the app (pages `/` and `/graph/<id>`) backed by `graphs`."""
    from nicegui.testing import user_simulation

    from studio.app import build_app

    async with user_simulation() as simulated:
        simulated.sessions = build_app(graphs)
        yield simulated
    errors = [record for record in caplog.get_records('call') if record.levelname == 'ERROR']
    if errors:
        pytest.fail(f'the app logged errors: {[record.getMessage() for record in errors]}', pytrace=False)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the browser tests last.

    Playwright's sync API keeps its event loop running in the main thread for as long as the
    session-scoped browser lives; any asyncio test after it (NiceGUI's user simulation,
    `asyncio.run` in the CLI) would then fail with "cannot be called from a running event loop".
    """
    items.sort(key=lambda item: 'browser' in item.path.parts)  # a stable sort keeps the order otherwise


def started(server_class: str, reason: str):
    """A server of tests/servers.py started for the session. Skipped only where it cannot be installed
    (not root, not CI, and not there); there scripts/test.sh installs it."""
    import servers
    try:
        server = getattr(servers, server_class)()
    except servers.Unavailable as error:
        if servers.must_run_here():
            raise  # CI, or root: scripts/test.sh should have installed it
        pytest.skip(f'{error}; {reason}')
    server.start()
    return server


@pytest.fixture(scope='session')
def postgres():
    """A throwaway PostgreSQL server for the session; each test makes its own database with
    `postgres.create_database(name)`."""
    server = started('PostgresServer', 'not root, so it cannot be installed here')
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope='session')
def redis_server():
    """A throwaway redis-server for the session."""
    server = started('RedisServer', 'not root, so it cannot be installed here')
    try:
        yield server
    finally:
        server.stop()


PROVIDER_KEYS = ('OPENAI_API_KEY', 'ANTHROPIC_API_KEY', 'GEMINI_API_KEY', 'SWARM_STUDIO_CATALOG')


@pytest.fixture
def no_provider_keys(monkeypatch):
    """No provider key (nor a catalog) in the environment: a run takes the simulated provider."""
    for name in PROVIDER_KEYS:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def db(tmp_path) -> str:
    """The path of a fresh SQLite file, for a command's --db."""
    return str(tmp_path / 'cli.sqlite')
