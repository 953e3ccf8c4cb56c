"""No page on another site can drive the studio: Host and Origin checks, cross-site changes, the token, upload size.

The policy is tested as a pure object first; then the real app (`swarm-studio serve`, a subprocess on
127.0.0.1) is sent what a hostile page or a DNS rebinding attack would make a browser send — over
plain HTTP, the Socket.IO (engine.io) polling handshake and a WebSocket handshake. Every refusal is
paired with the same request from the studio's own origin succeeding, so a wrong URL cannot pass for
a refusal. Nothing here sends traffic anywhere but 127.0.0.1.
"""
from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import re
import time
import uuid
from pathlib import Path

import pytest
from nicegui import ui
from nicegui.testing import User
from starlette.datastructures import Headers

from studio.app import access_policy
from studio.local_app import free_port, running_app, serve_command
from studio.security import AccessPolicy, split_host, split_origin

ROOT = Path(__file__).resolve().parent.parent
BRIEF = (ROOT / 'assets/examples/competitor-brief.json').read_bytes()
ATTACKER = 'http://attacker.example'
ENGINE_IO = '/_nicegui_ws/socket.io/?EIO=4&transport=polling'


def headers(**values: str) -> Headers:
    return Headers({key.replace('_', '-'): value for key, value in values.items()})


# --- the policy ---------------------------------------------------------------------------------------------------

def test_hosts_and_origins_are_parsed_strictly():
    assert split_host('LocalHost:8080') == ('localhost', 8080)
    assert split_host('[::1]:8080') == ('::1', 8080)
    assert split_host('example.com') == ('example.com', None)
    for bad in ('', 'evil.example@localhost:8080', 'localhost:8080/x', 'localhost:99999', 'a b'):
        assert split_host(bad) is None, bad
    assert split_origin('https://studio.example.com') == ('https', 'studio.example.com', 443)
    assert split_origin('http://127.0.0.1:8080') == ('http', '127.0.0.1', 8080)
    for bad in ('null', 'file://', 'ftp://localhost', 'http://localhost:8080/path'):
        assert split_origin(bad) is None, bad


def test_on_localhost_only_the_local_names_on_the_serving_port_are_answered():
    policy = AccessPolicy.for_serving('127.0.0.1', 8080)
    assert policy.token is None
    for host in ('127.0.0.1:8080', 'localhost:8080', '[::1]:8080'):
        assert policy.host_allowed(host), host
    for host in ('attacker.example:8080', 'attacker.example', 'localhost:9999', '192.168.1.5:8080', None, ''):
        assert not policy.host_allowed(host), host


def test_an_origin_must_be_the_studio_itself():
    policy = AccessPolicy.for_serving('127.0.0.1', 8080)
    assert policy.origin_allowed('http://127.0.0.1:8080', '127.0.0.1:8080')
    assert policy.origin_allowed('http://localhost:8080', '127.0.0.1:8080')  # the studio under its other name
    assert policy.origin_allowed('https://127.0.0.1:8080', '127.0.0.1:8080')  # TLS ends at a proxy: same host, port
    for origin in (ATTACKER, 'http://localhost:3000', 'null', 'http://127.0.0.1', 'http://127.0.0.1.attacker.example:8080'):
        assert not policy.origin_allowed(origin, '127.0.0.1:8080'), origin


def test_a_change_needs_an_origin_or_referer_of_the_studio():
    policy = AccessPolicy.for_serving('127.0.0.1', 8080)
    own = {'host': '127.0.0.1:8080'}
    assert policy.refusal('POST', headers(**own, origin='http://127.0.0.1:8080')) is None
    assert policy.refusal('POST', headers(**own, referer='http://127.0.0.1:8080/graph/1')) is None
    assert policy.refusal('GET', headers(**own)) is None  # a link or a typed address sends neither
    assert 'another site (http://attacker.example)' in policy.refusal('POST', headers(**own, origin=ATTACKER))
    assert 'another site' in policy.refusal('POST', headers(**own, referer=f'{ATTACKER}/page'))
    assert 'cannot be read' in policy.refusal('POST', headers(**own, referer='http://[::1/x'))
    assert 'neither an Origin nor a Referer' in policy.refusal('POST', headers(**own))
    assert 'another site (null)' in policy.refusal('POST', headers(**own, origin='null'))  # a sandboxed frame
    assert 'another site' in policy.refusal('GET', headers(**own, origin=ATTACKER))
    assert 'does not answer to the host' in policy.refusal('GET', headers(host='attacker.example:8080'))


def test_allow_host_adds_a_name_for_a_reverse_proxy():
    policy = AccessPolicy.for_serving('127.0.0.1', 8080, ['studio.example.com', 'box.lan:9000'])
    assert policy.host_allowed('studio.example.com') and policy.host_allowed('studio.example.com:443')
    assert policy.host_allowed('box.lan:9000') and not policy.host_allowed('box.lan:9001')
    assert policy.origin_allowed('https://studio.example.com', '127.0.0.1:8080')  # the proxy rewrote the Host
    with pytest.raises(ValueError, match="--allow-host 'evil@x' is not a host name"):
        AccessPolicy.for_serving('127.0.0.1', 8080, ['evil@x'])


def test_binding_beyond_localhost_makes_up_a_token_and_answers_to_addresses_not_names():
    policy = AccessPolicy.for_serving('0.0.0.0', 8080)
    assert policy.token and len(policy.token) >= 24
    assert AccessPolicy.for_serving('0.0.0.0', 8080).token != policy.token
    assert policy.host_allowed('192.168.1.5:8080') and policy.host_allowed('[fe80::1]:8080')
    assert not policy.host_allowed('attacker.example:8080')  # DNS rebinding always carries a name
    # A page served from another address is not the studio, even though its Host would be answered.
    assert not policy.origin_allowed('http://192.168.1.66:8080', '192.168.1.5:8080')
    assert policy.origin_allowed('http://192.168.1.5:8080', '192.168.1.5:8080')
    assert AccessPolicy.for_serving('::1', 8080).token is None
    assert AccessPolicy.for_serving('localhost', 8080, token='chosen').token == 'chosen'


def test_the_token_is_accepted_from_the_query_a_bearer_header_or_the_cookie_only():
    policy = AccessPolicy.for_serving('127.0.0.1', 8080, token='s3cret-pass')
    assert not policy.authenticated(headers(), None)
    assert not policy.authenticated(headers(), 's3cret-pasS')
    assert policy.authenticated(headers(), 's3cret-pass')
    assert policy.authenticated(headers(authorization='Bearer s3cret-pass'), None)
    assert not policy.authenticated(headers(authorization='Bearer nope'), None)
    cookie = f'{policy.cookie_name}={policy.cookie_value()}'
    assert 's3cret-pass' not in cookie  # the browser keeps a digest, never the password
    assert policy.authenticated(headers(cookie=f'other=1; {cookie}'), None)
    assert not policy.authenticated(headers(cookie=f'{policy.cookie_name}=s3cret-pass'), None)
    other_port = AccessPolicy.for_serving('127.0.0.1', 9090, token='s3cret-pass')
    assert other_port.cookie_name != policy.cookie_name


def serve_args(**values) -> argparse.Namespace:
    defaults = {'host': '127.0.0.1', 'port': 8080, 'allow_host': [], 'max_upload_mb': None}
    return argparse.Namespace(**{**defaults, **values})


def test_serve_prints_the_made_up_token_once_and_a_chosen_one_never(capsys, monkeypatch):
    monkeypatch.delenv('SWARM_STUDIO_TOKEN', raising=False)
    policy = access_policy(serve_args(host='0.0.0.0'))
    printed = capsys.readouterr().out
    assert printed.count(policy.token) == 1 and f':8080/?token={policy.token}' in printed
    assert access_policy(serve_args()).token is None and capsys.readouterr().out == ''
    monkeypatch.setenv('SWARM_STUDIO_TOKEN', 'my own password')
    assert access_policy(serve_args(host='0.0.0.0')).token == 'my own password'
    assert 'my own password' not in capsys.readouterr().out


def test_serve_refuses_a_bad_upload_limit_or_allowed_host_in_one_line():
    from studio.cli import CommandError
    for value in (0.0, -1.0, float('inf'), float('nan'), 5000.0):
        with pytest.raises(CommandError, match='--max-upload-mb must be a number of megabytes between 0 and 1024'):
            access_policy(serve_args(max_upload_mb=value))
    with pytest.raises(CommandError, match='is not a host name'):
        access_policy(serve_args(allow_host=['a/b']))
    assert access_policy(serve_args(max_upload_mb=0.5)).max_upload_bytes == 512 * 1024


# --- the start page's upload limit (NiceGUI's simulated user) -----------------------------------------------------

async def test_a_file_over_the_limit_is_refused_with_the_limit_named(user: User, graphs):
    await user.open('/')
    uploader = user.find(ui.upload).elements.pop()
    padded = BRIEF.rstrip()[:-1] + b',"x-padding": "' + b' ' * (5 * 1024 * 1024) + b'"}'
    await uploader.handle_uploads([ui.upload.SmallFileUpload('huge.json', 'application/json', padded)])
    await user.should_see('huge.json was not imported; nothing was changed.')
    await user.should_see('That file is larger than the 5 MB a graph file may have here')
    assert graphs.count() == 0


async def test_a_refusal_by_the_server_is_shown_not_swallowed(user: User, graphs):
    await user.open('/')
    user.find(ui.upload).trigger('failed', [413, '<html>413 Request Entity Too Large</html>'])
    await user.should_see('That file is larger than the server accepts: the studio takes 5 MB')
    user.find('Close').click()
    user.find(ui.upload).trigger('failed', [403, 'Swarm Studio refused this request: it needs the token.'])
    await user.should_see('The upload failed (403): Swarm Studio refused this request: it needs the token.')
    assert graphs.count() == 0


# --- the real app ------------------------------------------------------------------------------------------------

class Answer:
    def __init__(self, response: http.client.HTTPResponse) -> None:
        self.status = response.status
        self.headers = response.headers
        self.text = response.read().decode('utf-8', 'replace')


def request(url: str, path: str, method: str = 'GET', body: bytes | None = None, **header_values: str) -> Answer:
    """One raw request to 127.0.0.1, with exactly the headers given (and Host unless given)."""
    host, port = url.removeprefix('http://').split(':')
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        connection.putrequest(method, path, skip_host='host' in header_values, skip_accept_encoding=True)
        for name, value in header_values.items():
            connection.putheader(name.replace('_', '-'), value)
        if body is not None:
            connection.putheader('Content-Length', str(len(body)))
        connection.endheaders(body)
        return Answer(connection.getresponse())
    finally:
        connection.close()


@pytest.fixture(scope='module')
def studio(tmp_path_factory: pytest.TempPathFactory):
    """(base URL, graph repository) of the app on 127.0.0.1 without a token, uploads up to 0.5 MB."""
    from storage.db import connect
    from storage.graphs import GraphRepository

    workdir = tmp_path_factory.mktemp('security')
    database = workdir / 'studio.sqlite'
    port = free_port()
    with running_app(serve_command(port, database, '--max-upload-mb', '0.5'), port, workdir) as url:
        yield url, GraphRepository(connect(str(database)))


def test_a_foreign_host_is_refused_and_the_own_names_answered(studio):
    url, _ = studio
    port = url.rsplit(':', 1)[1]
    refused = request(url, '/', host=f'attacker.example:{port}')
    assert refused.status == 403 and 'does not answer to the host' in refused.text
    assert request(url, '/', host='attacker.example').status == 403
    for own in (f'127.0.0.1:{port}', f'localhost:{port}'):
        answered = request(url, '/', host=own)
        assert answered.status == 200 and 'Swarm Studio' in answered.text


def test_a_foreign_origin_is_refused_on_pages_and_on_the_socketio_handshake(studio):
    url, _ = studio
    for path in ('/', '/settings', ENGINE_IO):
        refused = request(url, path, origin=ATTACKER)
        assert refused.status == 403 and 'another site (http://attacker.example)' in refused.text, path
        assert 'access-control-allow-origin' not in refused.headers
    handshake = request(url, ENGINE_IO, origin=url)
    assert handshake.status == 200 and json.loads(handshake.text[1:])['sid']  # engine.io's "open" packet
    assert handshake.headers['access-control-allow-origin'] == url
    without_origin = request(url, ENGINE_IO)  # not a browser: nothing to forge
    assert without_origin.status == 200 and 'access-control-allow-origin' not in without_origin.headers


def test_a_foreign_origin_is_refused_on_the_websocket_handshake(studio):
    from websockets.asyncio.client import connect
    from websockets.exceptions import InvalidStatus

    url, _ = studio
    address = url.replace('http://', 'ws://') + '/_nicegui_ws/socket.io/?EIO=4&transport=websocket'

    async def handshake(origin: str) -> str:
        async with connect(address, origin=origin, open_timeout=20) as websocket:
            return await websocket.recv()

    with pytest.raises(InvalidStatus) as refused:
        asyncio.run(handshake(ATTACKER))
    assert refused.value.response.status_code == 403
    assert asyncio.run(handshake(url)).startswith('0{"sid"')


def upload_url(url: str) -> str:
    """The start page's upload route, as the page hands it to its own uploader."""
    page = request(url, '/')
    found = re.search(r'/_nicegui/client/[\w-]+/upload/\d+', page.text)
    assert found, 'the start page has no uploader'
    return found.group(0)


def multipart(name: str, data: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    body = (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
            'Content-Type: application/json\r\n\r\n').encode() + data + f'\r\n--{boundary}--\r\n'.encode()
    return body, f'multipart/form-data; boundary={boundary}'


def test_a_cross_site_upload_is_refused_and_imports_nothing(studio):
    url, graphs = studio
    before = graphs.count()
    body, content_type = multipart('brief.json', BRIEF)
    route = upload_url(url)
    for cross_site in ({'origin': ATTACKER}, {'origin': 'null'}, {'referer': f'{ATTACKER}/form.html'}, {}):
        refused = request(url, route, 'POST', body, content_type=content_type, **cross_site)
        assert refused.status == 403, cross_site
    assert graphs.count() == before
    # The same request from the studio's own page is the import the page makes.
    accepted = request(url, route, 'POST', body, content_type=content_type, origin=url, referer=url + '/')
    assert accepted.status == 200, accepted.text
    deadline = time.monotonic() + 10
    while graphs.count() == before and time.monotonic() < deadline:  # the page's handler runs after the answer
        time.sleep(0.1)
    assert graphs.count() == before + 1


def test_a_body_over_the_limit_is_refused_before_it_is_read(studio):
    url, graphs = studio
    before = graphs.count()
    padded = BRIEF.rstrip()[:-1] + b',"x-padding": "' + b' ' * (600 * 1024) + b'"}'
    body, content_type = multipart('big.json', padded)
    refused = request(url, upload_url(url), 'POST', body, content_type=content_type, origin=url)
    assert refused.status == 413 and 'more than the 0.5 MB an upload may have' in refused.text
    assert graphs.count() == before


def test_a_body_over_the_limit_without_a_length_is_cut_off_too(studio):
    url, graphs = studio
    before = graphs.count()
    padded = BRIEF.rstrip()[:-1] + b',"x-padding": "' + b' ' * (600 * 1024) + b'"}'
    body, content_type = multipart('big.json', padded)
    host, port = url.removeprefix('http://').split(':')
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    chunks = (body[index:index + 65536] for index in range(0, len(body), 65536))
    connection.request('POST', upload_url(url), body=chunks, encode_chunked=True,
                       headers={'Content-Type': content_type, 'Origin': url, 'Transfer-Encoding': 'chunked'})
    response = connection.getresponse()
    assert response.status == 413 and b'0.5 MB' in response.read()
    connection.close()
    assert graphs.count() == before


@pytest.fixture(scope='module')
def studio_with_token(tmp_path_factory: pytest.TempPathFactory):
    """The app on 127.0.0.1 with a token required (as when bound beyond localhost); yields (URL, token)."""
    workdir = tmp_path_factory.mktemp('security-token')
    port = free_port()
    token = 'correct horse battery staple'
    with running_app(serve_command(port, workdir / 'studio.sqlite'), port, workdir,
                     env={'SWARM_STUDIO_TOKEN': token}) as url:
        yield url, token


def test_with_a_token_pages_and_socketio_refuse_anyone_without_it(studio_with_token):
    from websockets.asyncio.client import connect
    from websockets.exceptions import InvalidStatus

    url, token = studio_with_token
    page = request(url, '/', host=url.removeprefix('http://'))
    assert page.status == 401 and 'needs its token' in page.text and token not in page.text
    assert request(url, ENGINE_IO, origin=url).status == 401
    assert request(url, '/?token=wrong').status == 401

    async def websocket(**extra: str) -> str:
        address = url.replace('http://', 'ws://') + '/_nicegui_ws/socket.io/?EIO=4&transport=websocket'
        async with connect(address, origin=url, additional_headers=extra, open_timeout=20) as opened:
            return await opened.recv()

    with pytest.raises(InvalidStatus) as refused:
        asyncio.run(websocket())
    assert refused.value.response.status_code == 401
    assert asyncio.run(websocket(Authorization=f'Bearer {token}')).startswith('0{"sid"')


def test_the_token_in_the_address_sets_a_cookie_and_leaves_the_address(studio_with_token):
    url, token = studio_with_token
    arrival = request(url, '/graph/abc?token=' + token.replace(' ', '+') + '&view=1')
    assert arrival.status == 303 and arrival.headers['location'] == '/graph/abc?view=1'
    cookie = arrival.headers['set-cookie']
    assert 'HttpOnly' in cookie and 'samesite=lax' in cookie.lower() and token not in cookie
    name_value = cookie.split(';')[0]
    assert request(url, '/', cookie=name_value).status == 200
    assert request(url, ENGINE_IO, origin=url, cookie=name_value).status == 200
    assert request(url, '/', authorization=f'Bearer {token}').status == 200
