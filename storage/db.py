"""The database: where it lives, how to connect, and one transaction helper.

SQLite (WAL mode) in the user's data directory by default; `--db` or `SWARM_STUDIO_DB`
take any SQLAlchemy URL (PostgreSQL included) or a plain file path.
"""
from __future__ import annotations

import importlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import StaticPool
from sqlmodel import Session, SQLModel, create_engine

# Modules whose SQLModel tables `connect` creates.
TABLE_MODULES = ('storage.graphs', 'storage.runs', 'storage.settings')

_engines: dict[str, Engine] = {}


class StorageError(Exception):
    """A database failure to report as one line; nothing was changed."""


def default_database_path() -> Path:
    from platformdirs import user_data_path
    return user_data_path('swarm-studio', appauthor=False) / 'swarm-studio.sqlite'


def database_url(explicit: str | None = None) -> str:
    """The URL to use: `explicit`, else `$SWARM_STUDIO_DB`, else the default SQLite file.

    A value without `://` is a file path and becomes a SQLite URL.
    """
    value = explicit or os.environ.get('SWARM_STUDIO_DB') or str(default_database_path())
    if value == ':memory:':
        return 'sqlite://'
    if '://' in value:
        return value
    return f'sqlite:///{Path(value).expanduser().resolve()}'


def connect(url: str | None = None) -> Engine:
    """An engine for the database at `url` (see `database_url`), tables created; cached per URL."""
    url = database_url(url)
    if url in _engines:
        return _engines[url]
    for module in TABLE_MODULES:
        importlib.import_module(module)
    if url.startswith('sqlite'):
        engine = _sqlite_engine(url)
    else:
        try:
            engine = create_engine(url, pool_pre_ping=True)
        except Exception as error:  # an unknown scheme (foo://) or a dialect whose driver is not installed
            # The scheme only: the rest of a URL may hold a password.
            raise StorageError(f'cannot use a "{url.partition(":")[0]}://" database URL: {_reason(error)}') from None
    try:
        SQLModel.metadata.create_all(engine)
    except Exception as error:
        engine.dispose()
        raise StorageError(f'cannot open the database at {engine.url!r}: {_reason(error)}') from None
    _engines[url] = engine
    return engine


def _sqlite_engine(url: str) -> Engine:
    in_memory = url in ('sqlite://', 'sqlite:///:memory:')
    if in_memory:
        engine = create_engine(url, connect_args={'check_same_thread': False}, poolclass=StaticPool)
    else:
        path = Path(url.removeprefix('sqlite:///'))
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise StorageError(f'cannot create the database folder {path.parent}: {error.strerror}') from None
        engine = create_engine(url, connect_args={'check_same_thread': False, 'timeout': 30})

    @event.listens_for(engine, 'connect')
    def _configure(connection, _record) -> None:
        cursor = connection.cursor()
        if not in_memory:
            # WAL lets the web app read while a run writes; NORMAL is durable across a process kill.
            cursor.execute('PRAGMA journal_mode=WAL')
            cursor.execute('PRAGMA synchronous=NORMAL')
        cursor.execute('PRAGMA foreign_keys=ON')
        cursor.close()

    return engine


@contextmanager
def transaction(engine: Engine) -> Iterator[Session]:
    """A session whose work is committed together at the end, or not at all.

    Any exception rolls everything back; a database error surfaces as `StorageError`.
    """
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except Exception as error:
            session.rollback()
            if _is_database_error(error):
                raise StorageError(f'the database refused the change: {_reason(error)}') from error
            raise


@contextmanager
def core_transaction(engine: Engine) -> Iterator[Connection]:
    """A Core connection whose work is committed together at the end, or not at all; cheaper than
    a session where rows are written in bulk. A database error surfaces as `StorageError`."""
    try:
        with engine.begin() as connection:
            yield connection
    except Exception as error:
        if _is_database_error(error):
            raise StorageError(f'the database refused the change: {_reason(error)}') from error
        raise


def _is_database_error(error: Exception) -> bool:
    from sqlalchemy.exc import SQLAlchemyError
    return isinstance(error, SQLAlchemyError)


def _reason(error: Exception) -> str:
    original = getattr(error, 'orig', None)
    return str(original or error).splitlines()[0]
