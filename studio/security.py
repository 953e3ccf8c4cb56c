"""Who may reach the web app: the Host and Origin checks, the token off localhost, the body size cap.

Any page the user visits can make their browser send requests to the studio on localhost:
cross-site form posts and uploads, WebSocket (Socket.IO) connections, and — through DNS
rebinding — same-origin requests under the attacker's host name. So `Guard`, an ASGI
middleware, looks at every HTTP request and every WebSocket handshake before NiceGUI does:

- the `Host` must be a name the studio answers to (localhost names on its port, the address it
  was bound to, names given with `--allow-host`); a rebinding attacker's name is refused;
- an `Origin`, when sent, must be the studio itself; a request that changes state (any method
  but GET/HEAD/OPTIONS) must prove where it comes from with an `Origin` or `Referer` of the
  studio's own, since a browser always sends one of them with such a request;
- with a token (always when bound beyond localhost), a request without it is refused; the
  token arrives once as `?token=…` and is then kept in an HttpOnly cookie;
- a request body larger than the cap is refused before it is read to the end.
"""
from __future__ import annotations

import hashlib
import hmac
import ipaddress
import logging
import re
import secrets
import socket
import urllib.parse
from dataclasses import dataclass, field

from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import cookie_parser
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger(__name__)

LOCAL_NAMES = frozenset({'localhost', '127.0.0.1', '::1'})
WILDCARD_HOSTS = frozenset({'0.0.0.0', '::', ''})
SAFE_METHODS = frozenset({'GET', 'HEAD', 'OPTIONS'})
DEFAULT_PORTS = {'http': 80, 'https': 443, 'ws': 80, 'wss': 443}
# Multipart framing around an uploaded file: the body cap is the file limit plus this much.
BODY_OVERHEAD_BYTES = 64 * 1024
TOKEN_PARAMETER = 'token'

_HOST_PATTERN = re.compile(r'(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+)(?::(\d{1,5}))?')
_ORIGIN_PATTERN = re.compile(r'(https?)://(.+)')


def split_host(value: str) -> tuple[str, int | None] | None:
    """`name[:port]` as (lower-case name without IPv6 brackets, port or None); None if malformed."""
    match = _HOST_PATTERN.fullmatch(value.strip())
    if match is None:
        return None
    name, port = match.group(1).lower(), match.group(2)
    if name.startswith('['):
        name = name[1:-1]
    if port is not None and not 0 < int(port) < 65536:
        return None
    return name, int(port) if port else None


def split_origin(value: str) -> tuple[str, str, int] | None:
    """`scheme://name[:port]` as (scheme, name, port with the scheme's default filled in); None if not one."""
    match = _ORIGIN_PATTERN.fullmatch(value.strip().lower())
    host = match and split_host(match.group(2))
    if not host:
        return None
    scheme = match.group(1)
    return scheme, host[0], host[1] or DEFAULT_PORTS[scheme]


def is_loopback(host: str) -> bool:
    """Whether binding to `host` keeps the app to this machine."""
    if host.lower() == 'localhost':
        return True
    try:
        return ipaddress.ip_address(host.strip('[]')).is_loopback
    except ValueError:
        return False


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
        return True
    except ValueError:
        return False


def _machine_names() -> frozenset[str]:
    names = {socket.gethostname().lower()}
    try:
        names.add(socket.getfqdn().lower())
    except OSError:  # no resolver: the plain host name will do
        pass
    return frozenset(names)


def new_token() -> str:
    return secrets.token_urlsafe(24)


@dataclass(frozen=True)
class AccessPolicy:
    """What the app served on `bind_host:port` accepts.

    :param port: the port it listens on
    :param bind_host: the interface it listens on (a wildcard such as 0.0.0.0 lets it answer to any IP address
        of this machine and to its host name)
    :param extra_hosts: further names it answers to (`name` on any port, or `name:port`), e.g. a reverse proxy's
    :param token: when set, every request must carry it (query, cookie or `Authorization: Bearer`)
    :param max_upload_bytes: the largest file an upload may carry (a request body may add multipart framing)
    """
    port: int
    bind_host: str = '127.0.0.1'
    extra_hosts: tuple[str, ...] = ()
    token: str | None = None
    max_upload_bytes: int = 5 * 1024 * 1024
    machine_names: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def for_serving(cls, host: str, port: int, extra_hosts: list[str] | tuple[str, ...] = (),
                    token: str | None = None, max_upload_bytes: int = 5 * 1024 * 1024) -> AccessPolicy:
        """The policy of `swarm-studio serve`: a token is made up when none is given and `host` is not loopback."""
        for entry in extra_hosts:
            if split_host(entry) is None:
                raise ValueError(f'--allow-host {entry!r} is not a host name or address with an optional :port')
        if not token and not is_loopback(host):
            token = new_token()
        wildcard = host.strip('[]') in WILDCARD_HOSTS
        return cls(port=port, bind_host=host, extra_hosts=tuple(extra_hosts), token=token or None,
                   max_upload_bytes=max_upload_bytes, machine_names=_machine_names() if wildcard else frozenset())

    @property
    def max_body_bytes(self) -> int:
        return self.max_upload_bytes + BODY_OVERHEAD_BYTES

    @property
    def cookie_name(self) -> str:
        # Cookies ignore ports: two studios on one machine must not take each other's cookie.
        return f'swarm_studio_token_{self.port}'

    def cookie_value(self) -> str:
        """What the cookie holds: a digest of the token, so a chosen password never sits in the browser."""
        assert self.token is not None
        return hmac.new(self.token.encode(), b'swarm-studio session', hashlib.sha256).hexdigest()

    def _named(self, name: str, port: int | None) -> bool:
        """The names the studio answers to wherever the request comes from: localhost, the bound host, --allow-host."""
        if port == self.port or (port is None and self.port == 80):
            bound = self.bind_host.strip('[]').lower()
            if name in LOCAL_NAMES or (bound not in WILDCARD_HOSTS and name == bound):
                return True
        for entry in self.extra_hosts:
            allowed_name, allowed_port = split_host(entry)  # type: ignore[misc]  # checked in for_serving
            if name == allowed_name and allowed_port in (None, port):
                return True
        return False

    def host_allowed(self, host: str | None) -> bool:
        """Whether a request with this `Host` header is for the studio (not for a rebinding attacker's name)."""
        parsed = split_host(host or '')
        if parsed is None:
            return False
        name, port = parsed
        if self._named(name, port):
            return True
        # Bound to every interface: reached by any address of this machine, or its name. An IP address is never
        # what a DNS rebinding attack sends; that always carries the attacker's own name.
        return self.bind_host.strip('[]') in WILDCARD_HOSTS and (_is_ip(name) or name in self.machine_names)

    def origin_allowed(self, origin: str, host: str | None) -> bool:
        """Whether a request from a page at `origin` may reach the studio at `host` (already checked)."""
        parsed = split_origin(origin)
        if parsed is None:  # "null" (sandboxed frames, file: pages) included
            return False
        scheme, name, port = parsed
        target = split_host(host or '')
        if target is not None and (name, port) == (target[0], target[1] or DEFAULT_PORTS[scheme]):
            return True  # the page is the studio itself
        return self._named(name, port)

    def authenticated(self, headers: Headers, query_token: str | None) -> bool:
        if self.token is None:
            return True
        expected = self.token.encode()
        if query_token is not None and hmac.compare_digest(query_token.encode(), expected):
            return True
        authorization = headers.get('authorization', '')
        scheme, _, credential = authorization.partition(' ')
        if scheme.lower() in ('bearer', 'token') and hmac.compare_digest(credential.strip().encode(), expected):
            return True
        cookie = cookie_parser(headers.get('cookie', '')).get(self.cookie_name)
        return cookie is not None and hmac.compare_digest(cookie.encode(), self.cookie_value().encode())

    def refusal(self, method: str, headers: Headers) -> str | None:
        """Why a request (or WebSocket handshake) must be refused for where it comes from; None if it may pass."""
        host = headers.get('host')
        if not self.host_allowed(host):
            return (f'this studio does not answer to the host {host!r}; if that is how you reach it, '
                    f'start it with --allow-host {host}')
        origin = headers.get('origin')
        if origin is not None:
            if not self.origin_allowed(origin, host):
                return f'the request came from another site ({origin})'
            return None
        if method in SAFE_METHODS:
            return None
        referer = headers.get('referer')
        if referer is None:
            return ('a change must come from the studio\'s own pages, and this request has neither an Origin '
                    'nor a Referer header')
        try:
            parts = urllib.parse.urlsplit(referer)
        except ValueError:  # e.g. a broken IPv6 address: not the studio's own page either
            return 'the request came from a page whose address cannot be read'
        if not self.origin_allowed(f'{parts.scheme}://{parts.netloc}', host):
            return f'the request came from another site ({parts.scheme}://{parts.netloc})'
        return None


class BodyTooLarge(Exception):
    pass


LOGIN_PAGE = '''<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Swarm Studio: token needed</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family: sans-serif; max-width: 34rem; margin: 4rem auto; line-height: 1.5">
<h1>Swarm Studio needs its token</h1>
<p>{message}</p>
<form method="get"><label>Token <input name="token" type="password" autocomplete="current-password" autofocus
 required></label> <button type="submit">Open</button></form>
</body></html>'''


class Guard:
    """ASGI middleware applying an `AccessPolicy` to every HTTP request and WebSocket handshake."""

    def __init__(self, app: ASGIApp, policy: AccessPolicy) -> None:
        self.app = app
        self.policy = policy
        self._logged: set[str] = set()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope['type'] not in ('http', 'websocket'):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        method = scope.get('method', 'GET')  # a WebSocket handshake is a GET
        refusal = self.policy.refusal(method, headers)
        if refusal is not None:
            self._log_once(refusal)
            await self._refuse(scope, receive, send, 403, f'Swarm Studio refused this request: {refusal}.')
            return
        query = urllib.parse.parse_qs(scope.get('query_string', b'').decode('latin-1'))
        query_token = query.get(TOKEN_PARAMETER, [None])[-1]
        if not self.policy.authenticated(headers, query_token):
            await self._ask_for_token(scope, receive, send, wrong=query_token is not None)
            return
        if query_token is not None and scope['type'] == 'http' and method in ('GET', 'HEAD'):
            await self._keep_token(scope, receive, send, query)
            return
        if scope['type'] == 'websocket':
            await self.app(scope, receive, send)
            return
        await self._capped(scope, receive, send, headers)

    async def _capped(self, scope: Scope, receive: Receive, send: Send, headers: Headers) -> None:
        limit = self.policy.max_body_bytes
        too_large = Response(f'Swarm Studio refused this request: it carries more than the '
                             f'{megabytes(self.policy.max_upload_bytes)} an upload may have.', status_code=413,
                             media_type='text/plain')
        length = headers.get('content-length')
        if length is not None and (not length.isdigit() or int(length) > limit):
            await too_large(scope, receive, send)
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get('body', b''))
            if received > limit:
                raise BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message['type'] == 'http.response.start'
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge:
            if started:
                raise
            await too_large(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, status: int, text: str) -> None:
        if scope['type'] == 'websocket':
            await _deny_websocket(scope, send, status, text)
            return
        # The text names what the request sent (its Origin, its Host): never let a browser read it as markup.
        await PlainTextResponse(text, status_code=status, headers={'X-Content-Type-Options': 'nosniff'})(
            scope, receive, send)

    async def _ask_for_token(self, scope: Scope, receive: Receive, send: Send, wrong: bool) -> None:
        if scope['type'] == 'websocket' or scope.get('method') not in ('GET', 'HEAD') \
                or scope['path'].startswith('/_nicegui'):
            await self._refuse(scope, receive, send, 401, 'Swarm Studio refused this request: it needs the token.')
            return
        message = ('That token is not the right one.' if wrong else
                   'This studio is reachable from other machines, so it asks for the token printed when it started '
                   '(or the one in SWARM_STUDIO_TOKEN).')
        await HTMLResponse(LOGIN_PAGE.format(message=message), status_code=401)(scope, receive, send)

    async def _keep_token(self, scope: Scope, receive: Receive, send: Send, query: dict[str, list[str]]) -> None:
        """Set the cookie and send the browser to the same address without the token (out of its history)."""
        rest = urllib.parse.urlencode([(key, value) for key, values in query.items() if key != TOKEN_PARAMETER
                                       for value in values])
        response = RedirectResponse(scope['path'] + (f'?{rest}' if rest else ''), status_code=303)
        response.set_cookie(self.policy.cookie_name, self.policy.cookie_value(), httponly=True, samesite='lax',
                            secure=scope.get('scheme') == 'https')
        await response(scope, receive, send)

    def _log_once(self, refusal: str) -> None:
        # A hostile page can send thousands of requests: one line per distinct reason is enough.
        if refusal not in self._logged and len(self._logged) < 100:
            self._logged.add(refusal)
            log.warning('refused a request: %s', refusal)


async def _deny_websocket(scope: Scope, send: Send, status: int, text: str) -> None:
    if 'websocket.http.response' in scope.get('extensions', {}):
        headers = MutableHeaders({'content-type': 'text/plain; charset=utf-8'})
        await send({'type': 'websocket.http.response.start', 'status': status, 'headers': headers.raw})
        await send({'type': 'websocket.http.response.body', 'body': text.encode()})
    else:  # closing before accepting makes the server answer the handshake with 403
        await send({'type': 'websocket.close', 'code': 1008})


def megabytes(size: int) -> str:
    """A size as the messages give it: `5 MB`, `0.5 MB`."""
    return f'{size / 1024 / 1024:.3g} MB'


def protect(app, sio, policy: AccessPolicy) -> None:
    """Put `policy` in front of a NiceGUI app (before `ui.run`), and into its Socket.IO server's own origin check.

    :param app: NiceGUI's `app` (a FastAPI app)
    :param sio: NiceGUI's Socket.IO server (`nicegui.core.sio`); NiceGUI creates it accepting every origin
    """
    app.add_middleware(Guard, policy=policy)
    # NOTE: engine.io also asks this of requests without an Origin, to decide on CORS headers (none then).
    sio.eio.cors_allowed_origins = lambda origin, environ: origin is not None and policy.origin_allowed(
        origin, environ.get('HTTP_HOST'))
