"""What a real Chromium sends: a hostile page on another origin, a DNS-rebinding name, the token page, a too-big file.

The hostile page is served from another port of 127.0.0.1 (another origin, as any site on the web
would be); the rebinding name is mapped to 127.0.0.1 inside Chromium only (`--host-resolver-rules`),
so nothing leaves this machine.
"""
from __future__ import annotations

import http.server
import json
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from studio import local_app
from studio.local_app import free_port, running_app, serve_command

ROOT = Path(__file__).resolve().parents[2]
BRIEF = (ROOT / 'assets/examples/competitor-brief.json').read_text()
TOKEN = 'correct horse battery staple'


@pytest.fixture(scope='module')
def studio(tmp_path_factory: pytest.TempPathFactory):
    """(base URL, graph repository) of the app on a database of its own, uploads up to 0.01 MB."""
    from storage.db import connect
    from storage.graphs import GraphRepository

    workdir = tmp_path_factory.mktemp('browser-security')
    database = workdir / 'studio.sqlite'
    port = free_port()
    with running_app(serve_command(port, database, '--max-upload-mb', '0.01'), port, workdir) as url:
        yield url, GraphRepository(connect(str(database)))


@pytest.fixture
def hostile_site() -> Iterator[tuple[str, dict]]:
    """A web server on another origin; put the page to serve under 'html' in the dict it yields."""
    served: dict[str, str] = {'html': ''}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (the standard library's name)
            body = served['html'].encode()
            self.send_response(200)
            self.send_header('Content-Type', 'text/html')
            self.send_header('Content-Length', str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f'http://127.0.0.1:{server.server_address[1]}', served
    server.shutdown()
    server.server_close()


def upload_route(page, url: str) -> str:
    """The start page's upload route: the worst case, an attacker who knows it."""
    page.goto(url)
    page.get_by_text('Your graphs').wait_for()
    found = re.search(r'/_nicegui/client/[\w-]+/upload/\d+', page.content())
    assert found, 'the start page has no uploader'
    return url + found.group(0)


def test_a_page_on_another_site_can_neither_upload_nor_connect(studio, hostile_site, page):
    url, graphs = studio
    route = upload_route(page, url)
    origin, served = hostile_site
    # What a hostile page can do without the user's help: a fetch, a WebSocket, then a form posted at once.
    served['html'] = f'''<!doctype html><body>
<form id="f" method="post" enctype="multipart/form-data" action="{route}">
  <textarea name="file">{BRIEF.replace('<', '&lt;')}</textarea></form>
<script>
  window.results = {{}};
  const data = new FormData();
  data.append('file', new Blob([{json.dumps(BRIEF)}], {{type: 'application/json'}}), 'brief.json');
  fetch({json.dumps(route)}, {{method: 'POST', body: data, mode: 'no-cors', credentials: 'include'}})
    .then(() => window.results.fetch = 'sent', () => window.results.fetch = 'failed');
  const socket = new WebSocket({json.dumps(url.replace('http', 'ws') + '/_nicegui_ws/socket.io/?EIO=4&transport=websocket')});
  socket.onopen = () => window.results.socket = 'open';
  socket.onerror = () => window.results.socket = 'refused';
</script></body>'''
    attacker = page.context.new_page()
    attacker.goto(origin)
    attacker.wait_for_function('window.results.fetch && window.results.socket')
    assert attacker.evaluate('window.results.socket') == 'refused'
    with attacker.expect_navigation():
        attacker.evaluate('document.getElementById("f").submit()')
    assert 'Swarm Studio refused this request: the request came from another site' in attacker.content()
    assert origin in attacker.content()
    assert graphs.count() == 0
    attacker.close()
    # The studio's own page still imports through the same route.
    with page.expect_file_chooser() as chooser:
        page.get_by_role('button', name='Import a file').click()
    chooser.value.set_files(files=[{'name': 'brief.json', 'mimeType': 'application/json', 'buffer': BRIEF.encode()}])
    page.locator('.q-notification', has_text='Imported brief.json.').wait_for()
    assert graphs.count() == 1


def test_a_rebinding_name_that_points_at_the_studio_is_refused(studio, browser):
    url, _ = studio
    port = url.rsplit(':', 1)[1]
    rebinding = browser.browser_type.launch(executable_path=local_app.chromium_path(), headless=True,
                                            args=[*local_app.chromium_args(),
                                                  '--host-resolver-rules=MAP attacker.example 127.0.0.1'])
    try:
        page = rebinding.new_page()
        response = page.goto(f'http://attacker.example:{port}/')
        assert response.status == 403
        assert 'does not answer to the host' in page.content()
        assert page.goto(f'{url}/').status == 200  # the same browser, by the studio's own name
    finally:
        rebinding.close()


def test_a_file_over_the_limit_is_named_too_big_on_the_page(studio, page):
    url, graphs = studio
    before = graphs.count()
    page.goto(url)
    with page.expect_file_chooser() as chooser:
        page.get_by_role('button', name='Import a file').click()
    padded = BRIEF.rstrip()[:-1] + ', "x-padding": "' + ' ' * 20_000 + '"}'
    chooser.value.set_files(files=[{'name': 'big.json', 'mimeType': 'application/json', 'buffer': padded.encode()}])
    page.locator('.q-notification', has_text='That file is larger than the 0.01 MB a graph file may have here').wait_for()
    assert graphs.count() == before


@pytest.fixture(scope='module')
def studio_with_token(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    workdir = tmp_path_factory.mktemp('browser-token')
    port = free_port()
    with running_app(serve_command(port, workdir / 'studio.sqlite'), port, workdir,
                     env={'SWARM_STUDIO_TOKEN': TOKEN}) as url:
        yield url


def test_the_token_page_lets_the_user_in_and_the_app_then_works(studio_with_token, page):
    response = page.goto(studio_with_token)
    assert response.status == 401
    page.get_by_label('Token').fill('not it')
    page.get_by_role('button', name='Open').click()
    page.get_by_text('That token is not the right one.').wait_for()
    page.get_by_label('Token').fill(TOKEN)
    page.get_by_role('button', name='Open').click()
    page.get_by_text('Your graphs').wait_for()
    assert 'token' not in page.url
    # Events need the Socket.IO connection, which carries the cookie: a new graph opens in the editor.
    page.get_by_role('button', name='New graph').click()
    page.get_by_role('button', name='Create').click()
    page.wait_for_url(re.compile(r'/graph/\w+$'))
    page.get_by_text('Saved · version 1').wait_for()
