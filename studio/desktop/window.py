"""`swarm-studio desktop`: the studio's pages in a native window (NiceGUI's native mode, pywebview).

The server listens on 127.0.0.1 only, on a port free at start, and holds the database's desktop lock (see
`instance_lock`) so that a second window cannot become a second writer. Closing the window stops the server:
NiceGUI's native mode ends the process when the window's process ends, after the app's shutdown handlers.
"""
from __future__ import annotations

import argparse
import importlib.util
import multiprocessing
import os
import socket
import sys
import threading
from pathlib import Path

from ..errors import CommandError
from ..theme import DARK, TAILWIND

TITLE = 'Swarm Studio'
HOST = '127.0.0.1'  # the window is the only client: never reachable from another machine
WINDOW_SIZE = (1280, 820)  # fits a 1366x768 laptop screen less its panels, and shows the editor's three columns
ICON = Path(__file__).resolve().parent.parent.parent / 'assets' / 'desktop' / 'swarm-studio.svg'
# Qt WebEngine sometimes hangs tearing down after its last window closed ("Release of profile requested but
# WebEnginePage still not deleted"), and NiceGUI waits for the window's process before it stops the server.
WINDOW_EXIT_GRACE = 10  # seconds a closed window's process gets to end by itself
EXTRA_HINT = "install the desktop extra: pip install 'swarm-studio[desktop]'"


def free_port() -> int:
    """A localhost port nobody listens on now."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def missing_web_engine() -> str | None:
    """Why no window can be opened here, or None when pywebview and a web engine for it are installed."""
    if importlib.util.find_spec('webview') is None:
        return f'the desktop window needs pywebview: {EXTRA_HINT}'
    if sys.platform == 'linux' and not (_has_module('PyQt6.QtWebEngineWidgets') or _has_module('gi')):
        return f'the desktop window needs a web engine (Qt WebEngine or WebKitGTK): {EXTRA_HINT}'
    return None


def missing_display() -> str | None:
    """Why a window cannot be shown on this Linux session (no X11 or Wayland display), or None."""
    if sys.platform == 'linux' and not (os.environ.get('DISPLAY') or os.environ.get('WAYLAND_DISPLAY')):
        return 'no graphical display here (DISPLAY and WAYLAND_DISPLAY are unset): use `swarm-studio serve` and a browser'
    return None


def _has_module(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:  # its parent package is missing
        return False


def allow_web_engine_as_root() -> None:
    """Let Qt WebEngine start when the user is root (containers, CI).

    Chromium, inside Qt WebEngine, refuses to run its sandbox as root and exits; its sandbox guards against
    hostile web pages, and this window shows only our own pages from 127.0.0.1. Never done for other users.
    """
    if hasattr(os, 'geteuid') and os.geteuid() == 0:
        os.environ.setdefault('QTWEBENGINE_DISABLE_SANDBOX', '1')


def desktop_command(args: argparse.Namespace) -> int:
    if args.install_launcher:
        from .launcher import install_launcher
        for path in install_launcher():
            print(path)
        return 0
    if reason := missing_web_engine() or missing_display():
        raise CommandError(reason)

    from platformdirs import user_data_path

    from storage.db import StorageError, connect, database_url
    from storage.graphs import GraphRepository

    from .instance_lock import AlreadyOpen, InstanceLock, lock_path

    port = free_port()
    url = database_url(args.db)
    path = lock_path(url, user_data_path('swarm-studio', appauthor=False))
    lock = InstanceLock(path) if path is not None else None
    if lock is not None:
        try:
            lock.acquire(port)
        except AlreadyOpen as error:
            raise CommandError(str(error)) from None
        except OSError as error:
            raise CommandError(f'cannot lock the database at {path}: {error.strerror}') from None
    try:
        graphs = GraphRepository(connect(args.db))
    except StorageError as error:
        if lock is not None:
            lock.release()
        raise CommandError(str(error)) from None
    open_window(graphs, port, lock)
    return 0


def end_window_process() -> None:
    """End the window's process (and any other child of ours) that outlived its closed window."""
    for child in multiprocessing.active_children():
        child.terminate()
        child.join(5)
        if child.is_alive():
            child.kill()


def end_window_process_soon() -> None:
    timer = threading.Timer(WINDOW_EXIT_GRACE, end_window_process)
    timer.daemon = True  # a normal end of the app does not wait for it
    timer.start()


def open_window(graphs, port: int, lock) -> None:
    """Serve the app on 127.0.0.1:`port` and show it in a native window until the window is closed."""
    from nicegui import app, ui

    from ..app import build_app
    from ..transport import server_options

    allow_web_engine_as_root()
    build_app(graphs)
    if lock is not None:
        # NiceGUI ends a native app with os._exit after its shutdown handlers: code after ui.run never runs.
        app.on_shutdown(lock.release)
    app.native.on('closed', end_window_process_soon)
    app.native.start_args['icon'] = str(ICON)
    if sys.platform == 'linux' and not _has_module('gi'):
        app.native.start_args['gui'] = 'qt'  # else pywebview tries GTK first and logs a traceback for its absence
    ui.run(native=True, window_size=WINDOW_SIZE, host=HOST, port=port, title=TITLE, favicon=ICON,
           reload=False, show_welcome_message=False, dark=DARK, tailwind=TAILWIND,
           # One client, which goes away only when its window closes: the app must then end promptly,
           # not keep a closed client for the long wait that rides out a busy server's many pages.
           **{**server_options(HOST), 'reconnect_timeout': 5})
