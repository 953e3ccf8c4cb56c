"""The web app: `swarm-studio serve`."""
from __future__ import annotations

import argparse

from .errors import CommandError


def serve_command(args: argparse.Namespace) -> int:
    from nicegui import ui

    from storage.db import StorageError, connect, database_url
    from storage.graphs import GraphRepository

    try:
        graphs = GraphRepository(connect(args.db))
    except StorageError as error:
        raise CommandError(str(error)) from None

    @ui.page('/')
    def index() -> None:
        ui.label('Swarm Studio').classes('text-h4')
        ui.label(f'{graphs.count()} stored graphs in {database_url(args.db)}')

    ui.run(host=args.host, port=args.port, title='Swarm Studio', show=not args.no_browser, reload=False)
    return 0
