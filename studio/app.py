"""The web app: `swarm-studio serve`. The pages live in library.py (`/`) and editor/page.py (`/graph/<id>`);
who may reach them is security.py's."""
from __future__ import annotations

import argparse
import math
import os
import socket

from .cli import CommandError

TOKEN_VARIABLE = 'SWARM_STUDIO_TOKEN'


def build_app(graphs, max_import_bytes: int | None = None) -> object:
    """Register the app's pages for one graph repository; return the open-graphs registry.

    `serve` calls this before `ui.run`; tests call it inside a NiceGUI user simulation.

    :param max_import_bytes: the largest graph file the start page imports (default: library.MAX_IMPORT_BYTES)
    """
    from nicegui import app, ui

    from .editor import page
    from .editor.sessions import OpenGraphs
    from . import library, settings_page
    from .run import editor_run
    from .theme import THEME_HEAD, link_stylesheet

    link_stylesheet()
    ui.add_head_html(THEME_HEAD, shared=True)
    sessions = OpenGraphs(graphs)
    library.register(graphs, sessions, max_import_bytes or library.MAX_IMPORT_BYTES)
    page.register(graphs, sessions)
    settings_page.register(editor_run.register(graphs))  # runs from the editor, and /settings
    app.on_shutdown(sessions.save_all)  # a server stopped mid-edit still keeps the last edits
    return sessions


def access_policy(args: argparse.Namespace):
    """Who may reach the app `args` describe; says once how to open it when it made up a token."""
    from . import library
    from .security import AccessPolicy

    megabytes = args.max_upload_mb
    if megabytes is not None and not (math.isfinite(megabytes) and 0 < megabytes <= 1024):
        raise CommandError(f'--max-upload-mb must be a number of megabytes between 0 and 1024, not {megabytes:g}')
    max_upload = int(megabytes * 1024 * 1024) if megabytes is not None else library.MAX_IMPORT_BYTES
    configured = os.environ.get(TOKEN_VARIABLE) or None
    try:
        policy = AccessPolicy.for_serving(args.host, args.port, args.allow_host, token=configured,
                                          max_upload_bytes=max_upload)
    except ValueError as error:
        raise CommandError(str(error)) from None
    if policy.token and not configured:
        # The one place the token is shown: the user needs this line to get in. It is never logged.
        wildcard = args.host.strip('[]') in ('0.0.0.0', '::', '')
        shown = socket.gethostname() if wildcard else args.host.strip('[]')
        shown = f'[{shown}]' if ':' in shown else shown
        print(f'Swarm Studio listens on {args.host}:{args.port}, beyond this machine, so it asks for a token: open '
              f'http://{shown}:{args.port}/?token={policy.token} (or set {TOKEN_VARIABLE} to choose one)', flush=True)
    elif policy.token:
        print(f'Swarm Studio asks for the token in {TOKEN_VARIABLE}.', flush=True)
    return policy


def serve_command(args: argparse.Namespace) -> int:
    from nicegui import core, ui

    from storage.db import StorageError, connect
    from storage.graphs import GraphRepository

    from . import gc_policy
    from .security import protect
    from .theme import DARK, TAILWIND
    from .transport import server_options

    policy = access_policy(args)
    try:
        graphs = GraphRepository(connect(args.db))
    except StorageError as error:
        raise CommandError(str(error)) from None
    build_app(graphs, policy.max_upload_bytes)
    protect(core.app, core.sio, policy)
    gc_policy.install(core.app)
    ui.run(host=args.host, port=args.port, title='Swarm Studio', show=not args.no_browser, reload=False,
           **server_options(args.host), dark=DARK, tailwind=TAILWIND)
    return 0
