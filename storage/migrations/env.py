"""Alembic's environment: the studio's tables, on the connection `storage.migrate` hands over.

Run by `storage.migrate` (every open of a database) with `config.attributes['connection']`
set. For writing a migration with Alembic's own command line (see README.md here), it
connects to `-x db=URL` (or `$SWARM_STUDIO_DB`) itself.
"""
from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine
from sqlalchemy.pool import NullPool

from storage.migrate import metadata

config = context.config


def run(connection) -> None:
    # Batch mode: SQLite can only add columns, so other changes rebuild the table (Alembic's recipe).
    context.configure(connection=connection, target_metadata=metadata(), render_as_batch=True,
                      compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get('connection')
if connection is not None:
    run(connection)
else:
    from storage.db import database_url
    engine = create_engine(database_url(context.get_x_argument(as_dictionary=True).get('db')), poolclass=NullPool)
    with engine.begin() as connection:
        run(connection)
    engine.dispose()
