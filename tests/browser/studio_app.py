"""The real app on a database of its own, for browser tests whose checks need the whole database."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from storage.db import connect
from storage.graphs import GraphRepository
from studio.local_app import free_port, running_app, serve_command


@contextmanager
def own_studio(workdir: Path, env: dict[str, str] | None = None) -> Iterator[tuple[str, GraphRepository, Path]]:
    """`swarm-studio serve` on a fresh SQLite file in `workdir`: (base URL, its graphs, the file)."""
    database = workdir / 'studio.sqlite'
    graphs = GraphRepository(connect(str(database)))
    port = free_port()
    with running_app(serve_command(port, database), port, workdir, env=env) as url:
        yield url, graphs, database
