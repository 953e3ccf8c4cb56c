"""The database: where it lives, how to connect, and one transaction helper.

SQLite (WAL mode) in the user's data directory by default; `--db` or `SWARM_STUDIO_DB`
take any SQLAlchemy URL (PostgreSQL included) or a plain file path.
"""
from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import StaticPool
from sqlmodel import Session, create_engine

from .migrate import TABLE_MODULES, SchemaError, metadata, upgrade  # noqa: F401 (TABLE_MODULES: for scripts)

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
        scheme, rest = value.split('://', 1)
        if scheme in ('postgresql', 'postgres'):
            return f'postgresql+psycopg://{rest}'  # the driver installed with the studio
        return value
    return f'sqlite:///{Path(value).expanduser().resolve()}'


def sqlite_path(explicit: str | None = None) -> Path | None:
    """The file of the SQLite database `database_url(explicit)` names; None for another kind or in memory."""
    url = database_url(explicit)
    if not url.startswith('sqlite:///') or url == 'sqlite:///:memory:':
        return None
    return Path(url.removeprefix('sqlite:///'))


_when_opened: list[Callable[[Engine], None]] = []


def when_opened(action: Callable[[Engine], None]) -> Callable[[Engine], None]:
    """Have `connect` do `action(engine)` each time it opens a database, once its schema is up to
    date. A table module registers here, so this module never imports it back."""
    _when_opened.append(action)
    return action


def connect(url: str | None = None) -> Engine:
    """An engine for the database at `url` (see `database_url`); cached per URL.

    Opening loads every table module, brings the schema up to date (storage.migrate), then does
    what those modules asked to be done at every open (`when_opened`): storage.runs marks
    the runs whose process died as `interrupted`, so every command and the app see them so from
    their start.
    """
    url = database_url(url)
    if url in _engines:
        return _engines[url]
    engine = open_engine(url)
    metadata()  # loads every table module: each registers what an open must do
    try:
        upgrade(engine)
        for opened in _when_opened:
            opened(engine)
    except SchemaError as error:
        engine.dispose()
        raise StorageError(f'cannot open the database at {engine.url!r}: {error}') from None
    except Exception as error:
        engine.dispose()
        if not _is_database_error(error):
            raise
        raise StorageError(f'cannot open the database at {engine.url!r}: {_reason(error)}') from None
    _engines[url] = engine
    return engine


def open_engine(url: str | None = None) -> Engine:
    """An engine for the database at `url`, as it is: no schema change, not cached (`connect` is
    the usual way in; this is for looking at a database's schema without changing it)."""
    url = database_url(url)
    if url.startswith('sqlite'):
        return _sqlite_engine(url)
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError
    try:
        return create_engine(url, pool_pre_ping=True)
    except (ArgumentError, NoSuchModuleError, ImportError) as error:
        shown = re.sub(r'//[^@/]*@', '//…@', url)  # no user name or password in a message
        raise StorageError(f'cannot open the database at {shown!r}: {error} '
                           '(use a file path, or a SQLAlchemy URL such as postgresql://user@host/name)') from None


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
