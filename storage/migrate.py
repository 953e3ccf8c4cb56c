"""Schema versions: the Alembic migrations in storage/migrations, applied when a database opens.

`upgrade` brings a database to the newest schema this code knows: an empty one is created by
running every migration, one written before migrations existed (the tables, no
`alembic_version`) is stamped at the baseline first, so nothing is recreated. Several
processes may open one new database at once: the upgrade holds an exclusive lock while it
looks and changes (SQLite: an exclusive transaction; PostgreSQL: an advisory lock, and the
DDL is transactional), so one of them creates the tables and the others find them made.
"""
from __future__ import annotations

import importlib
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import MetaData, create_engine, event, inspect, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import NullPool

BASELINE = '0001'  # the schema of release 0.1.0, made with create_all before migrations existed
TABLE_MODULES = ('storage.graphs', 'storage.runs', 'storage.settings', 'storage.test_runs')
# Any fixed number: PostgreSQL's advisory locks are named by one.
ADVISORY_LOCK = 0x53775374


class SchemaError(Exception):
    """The database's schema cannot be brought up to date; the message says why in one line."""


def metadata() -> MetaData:
    """Every table of the studio (the target of the migrations)."""
    from sqlmodel import SQLModel
    for module in TABLE_MODULES:
        importlib.import_module(module)
    return SQLModel.metadata


def _config(connection: Connection | None = None):
    from alembic.config import Config
    config = Config()
    config.set_main_option('script_location', 'storage:migrations')
    config.attributes['connection'] = connection
    return config


# The newest migration in storage/migrations/versions: written here so that opening a database
# that is up to date (nearly every open) reads one row with SQLAlchemy and never imports Alembic,
# a quarter of a second of every command's start. tests/test_migrations.py checks it is
# Alembic's head: a new migration must change it.
HEAD = '0005_run_worker'


def head() -> str:
    """The newest schema revision this code knows."""
    return HEAD


def alembic_head() -> str:
    """The head as Alembic finds it in storage/migrations (what `HEAD` must be)."""
    from alembic.script import ScriptDirectory
    return ScriptDirectory.from_config(_config()).get_current_head()


def _revision(connection: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext
    return MigrationContext.configure(connection).get_current_revision()


def current(engine: Engine) -> str | None:
    """The database's schema revision (None before the first migration or stamp)."""
    with engine.connect() as connection:
        if not inspect(connection).has_table('alembic_version'):
            return None
        return connection.execute(text('SELECT version_num FROM alembic_version')).scalar()


def upgrade(engine: Engine) -> bool:
    """Bring the database to `head()`; True if anything changed. `SchemaError` if it cannot."""
    target = HEAD
    if current(engine) == target:
        return False  # the usual open: no lock taken
    from alembic import command
    from alembic.script import ScriptDirectory
    with _exclusive(engine) as connection:
        revision = _revision(connection)
        if revision == target:
            return False  # another process upgraded it while this one waited
        known = ScriptDirectory.from_config(_config())
        if revision is not None and revision not in {script.revision for script in known.walk_revisions()}:
            raise SchemaError(f'the database has schema {revision}, newer than this Swarm Studio knows '
                              f'(newest: {target}); upgrade swarm-studio to open it')
        config = _config(connection)
        if revision is None and inspect(connection).has_table('graphs'):
            command.stamp(config, BASELINE)  # made by create_all before migrations: keep it as it is
        command.upgrade(config, 'head')
    return True


@contextmanager
def _exclusive(engine: Engine) -> Iterator[Connection]:
    """One connection in a transaction that no other process's upgrade can run beside."""
    url = engine.url
    if url.get_backend_name() == 'sqlite' and url.database and url.database != ':memory:':
        # A connection of its own: the driver's transaction handling off, so BEGIN EXCLUSIVE
        # covers the DDL too; and foreign keys off while tables change, or a table rebuilt by a
        # batch migration would cascade the deletion of its rows into the tables referencing it.
        locker = create_engine(url, poolclass=NullPool, connect_args={'timeout': 60, 'isolation_level': None})

        @event.listens_for(locker, 'connect')
        def _configure(connection, _record) -> None:
            connection.execute('PRAGMA journal_mode=WAL')
            connection.execute('PRAGMA foreign_keys=OFF')

        @event.listens_for(locker, 'begin')
        def _begin(connection) -> None:
            connection.exec_driver_sql('BEGIN EXCLUSIVE')

        try:
            with locker.begin() as connection:
                yield connection
        finally:
            locker.dispose()
        return
    with engine.begin() as connection:
        if url.get_backend_name() == 'postgresql':
            connection.execute(text('SELECT pg_advisory_xact_lock(:key)'), {'key': ADVISORY_LOCK})
        yield connection
