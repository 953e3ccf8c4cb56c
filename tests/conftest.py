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


@pytest.fixture(scope='session')
def postgres():
    """A throwaway PostgreSQL server for the session (tests/servers.py); each test makes its own
    database with `postgres.create_database(name)`. Skipped only where PostgreSQL cannot be
    installed (not root, not CI, and not there); there scripts/test.sh installs it."""
    from servers import PostgresServer, Unavailable, must_run_here
    try:
        server = PostgresServer()
    except Unavailable as error:
        if must_run_here():
            raise  # CI, or root: scripts/test.sh should have installed it
        pytest.skip(f'{error}; not root, so it cannot be installed here')
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope='session')
def redis_server():
    """A throwaway redis-server for the session (tests/servers.py). Skipped only where Redis cannot be
    installed (not root, not CI, and not there); there scripts/test.sh installs it."""
    from servers import RedisServer, Unavailable, must_run_here
    try:
        server = RedisServer()
    except Unavailable as error:
        if must_run_here():
            raise  # CI, or root: scripts/test.sh should have installed it
        pytest.skip(f'{error}; not root, so it cannot be installed here')
    server.start()
    try:
        yield server
    finally:
        server.stop()
