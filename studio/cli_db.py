"""The `db` commands: `db current` shows a database's schema revision, `db upgrade` brings it
to the newest (every other command and the app do that by themselves when they open it)."""
from __future__ import annotations

import argparse

from .errors import CommandError


def current_command(args: argparse.Namespace) -> int:
    from storage import migrate
    from storage.db import sqlite_path
    path = sqlite_path(args.db)
    if path is not None and not path.exists():  # looking must not create it
        raise CommandError(f'there is no database at {path} yet (the app, any command that stores, '
                           'or swarm-studio db upgrade creates it)')

    def look(engine):
        from sqlalchemy import inspect
        return migrate.current(engine), inspect(engine).has_table('graphs')

    (revision, has_tables), head = _look(args, look)
    if revision is None:
        print(f'none ({"a database from before migrations" if has_tables else "an empty database"}); newest: {head}')
    elif revision == head:
        print(f'{revision} (newest)')
    else:
        print(f'{revision}; newest: {head} (swarm-studio db upgrade applies it)')
    return 0


def upgrade_command(args: argparse.Namespace) -> int:
    from storage import migrate

    def upgrade(engine):
        before = migrate.current(engine)
        migrate.upgrade(engine)
        return before

    before, head = _look(args, upgrade)
    print(f'already at {head} (newest)' if before == head else f'upgraded from {before or "none"} to {head}')
    return 0


def _look(args: argparse.Namespace, action):
    from storage import migrate
    from storage.db import StorageError, open_engine
    from sqlalchemy.exc import SQLAlchemyError
    try:
        engine = open_engine(args.db)
    except StorageError as error:
        raise CommandError(str(error)) from None
    except (ImportError, ValueError, SQLAlchemyError) as error:  # an unknown scheme, a missing driver
        raise CommandError(f'cannot open the database at {args.db or "the default location"}: {error}') from None
    try:
        return action(engine), migrate.head()
    except migrate.SchemaError as error:
        raise CommandError(str(error)) from None
    except SQLAlchemyError as error:
        raise CommandError(f'cannot read the database at {engine.url!r}: '
                           f'{str(getattr(error, "orig", None) or error).splitlines()[0]}') from None
    finally:
        engine.dispose()
