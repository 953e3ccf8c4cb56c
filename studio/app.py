"""The web app: `swarm-studio serve`. The pages live in library.py (`/`) and editor/page.py (`/graph/<id>`)."""
from __future__ import annotations

import argparse

from .cli import CommandError


def build_app(graphs) -> object:
    """Register the app's pages for one graph repository; return the open-graphs registry.

    `serve` calls this before `ui.run`; tests call it inside a NiceGUI user simulation.
    """
    from nicegui import app

    from .editor import page
    from .editor.sessions import OpenGraphs
    from . import library, settings_page
    from .run import editor_run

    sessions = OpenGraphs(graphs)
    library.register(graphs, sessions)
    page.register(graphs, sessions)
    settings_page.register(editor_run.register(graphs))  # runs from the editor, and /settings
    app.on_shutdown(sessions.save_all)  # a server stopped mid-edit still keeps the last edits
    return sessions


def serve_command(args: argparse.Namespace) -> int:
    from nicegui import ui

    from storage.db import StorageError, connect
    from storage.graphs import GraphRepository

    try:
        graphs = GraphRepository(connect(args.db))
    except StorageError as error:
        raise CommandError(str(error)) from None
    build_app(graphs)
    ui.run(host=args.host, port=args.port, title='Swarm Studio', show=not args.no_browser, reload=False,
           reconnect_timeout=5)
    return 0
