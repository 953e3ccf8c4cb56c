"""Compression only where it pays: none on loopback (it costs CPU and saves nothing), gzip beyond it.

Checked on the real app (`swarm-studio serve` as a subprocess): a static file asked for with
`Accept-Encoding: gzip` and the WebSocket handshake's offer of per-message deflate, once on
127.0.0.1 and once bound to every interface (with its token), where both must be compressed.
"""
from __future__ import annotations

import asyncio
import gzip
import http.client
import re

from studio.local_app import free_port, running_app, serve_command
from studio.transport import GZIP_LEVEL, RECONNECT_SECONDS, server_options

TOKEN = 'a token for the transport test'


def test_options_follow_where_the_server_listens():
    for host in ('127.0.0.1', 'localhost', '::1', '[::1]'):
        options = server_options(host)
        assert options['gzip_middleware_factory'] is None and options['ws_per_message_deflate'] is False, host
        assert options['reconnect_timeout'] == RECONNECT_SECONDS
    exposed = server_options('0.0.0.0')
    assert 'ws_per_message_deflate' not in exposed  # uvicorn's default: on
    middleware = exposed['gzip_middleware_factory'](lambda scope, receive, send: None)
    assert middleware.compresslevel == GZIP_LEVEL


def get(url: str, path: str, **header_values: str) -> tuple[http.client.HTTPResponse, bytes]:
    host, port = url.removeprefix('http://').split(':')
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        connection.request('GET', path, headers={key.replace('_', '-'): value for key, value in header_values.items()})
        response = connection.getresponse()
        return response, response.read()
    finally:
        connection.close()


def static_script(url: str, **header_values: str) -> str:
    """The address of the largest script the start page loads (NiceGUI's Vue or Quasar)."""
    _, page = get(url, '/', **header_values)
    scripts = re.findall(r'src="(/_nicegui/[^"]+\.js)"', page.decode())
    assert scripts, 'the start page loads no script'
    return max(scripts, key=lambda path: len(get(url, path, **header_values)[1]))


def deflate_offer_answer(url: str, **header_values: str) -> str | None:
    from websockets.asyncio.client import connect
    address = url.replace('http://', 'ws://') + '/_nicegui_ws/socket.io/?EIO=4&transport=websocket'

    async def handshake() -> str | None:
        # websockets offers permessage-deflate by default; the server's answer says whether it took it.
        async with connect(address, origin=url, additional_headers=header_values, open_timeout=20) as opened:
            return opened.response.headers.get('sec-websocket-extensions')
    return asyncio.run(handshake())


def test_on_loopback_nothing_is_compressed(tmp_path):
    port = free_port()
    with running_app(serve_command(port, tmp_path / 'studio.sqlite'), port, tmp_path) as url:
        path = static_script(url)
        response, body = get(url, path, accept_encoding='gzip')
        assert response.status == 200 and len(body) > 10_000
        assert response.getheader('content-encoding') is None
        assert deflate_offer_answer(url) is None


def test_beyond_loopback_files_and_messages_are_compressed(tmp_path):
    port = free_port()
    auth = {'authorization': f'Bearer {TOKEN}'}
    with running_app(serve_command(port, tmp_path / 'studio.sqlite', '--host', '0.0.0.0'), port, tmp_path,
                     env={'SWARM_STUDIO_TOKEN': TOKEN}) as url:
        path = static_script(url, **auth)
        plain, body = get(url, path, **auth)
        response, compressed = get(url, path, accept_encoding='gzip', **auth)
        assert response.status == 200 and response.getheader('content-encoding') == 'gzip'
        assert gzip.decompress(compressed) == body and len(compressed) < len(body) / 2
        assert 'permessage-deflate' in deflate_offer_answer(url, **auth)
