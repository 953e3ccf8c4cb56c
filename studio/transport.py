"""How the server talks to browsers: compression and reconnection, chosen by where it listens.

Compression buys bandwidth with CPU. On the loopback interface bandwidth costs nothing, while
compressing is the largest single cost of a page load: Starlette's gzip compresses every static
file (Vue, Quasar, the canvas bundle: about 1.5 MB) anew at level 9 for each browser that opens a
page, and per-message deflate compresses every Socket.IO message. benchmarks/bench_load.py
measured gzip alone at over a quarter of the server's busy time with 20 pages open. So the
studio compresses only when it serves other machines, and then at a level that costs a fraction
of level 9 for nearly the same size.

A page whose connection drops for longer than `RECONNECT_SECONDS` is reloaded when it comes
back (NiceGUI forgets its client), and reloading a large graph is the heaviest thing a page does:
a server busy for a few seconds would have every page reload at once and be busier still. The
wait is long enough to ride out such a spell; a closed tab's client is kept that long at most.
"""
from __future__ import annotations

from typing import Any

from .security import is_loopback

RECONNECT_SECONDS = 30
GZIP_LEVEL = 5  # zlib: close to level 9's size at a fraction of its time


def server_options(host: str) -> dict[str, Any]:
    """Keyword arguments for NiceGUI's `ui.run` for a server listening on `host`."""
    if is_loopback(host):
        return {'reconnect_timeout': RECONNECT_SECONDS, 'gzip_middleware_factory': None,
                'ws_per_message_deflate': False}
    from starlette.middleware.gzip import GZipMiddleware

    def gzip(app):
        return GZipMiddleware(app, compresslevel=GZIP_LEVEL)
    return {'reconnect_timeout': RECONNECT_SECONDS, 'gzip_middleware_factory': gzip}
