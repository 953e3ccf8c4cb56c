"""`swarm-studio desktop` in a real window on a virtual screen (Xvfb), driven as a person would.

The window is found by its title with xdotool, photographed with ImageMagick's `import`, and closed with the
message a window manager's close button sends (WM_DELETE_WINDOW). Clicks are real pointer clicks (xdotool) at
places read from the page the window shows, through the DevTools socket Qt WebEngine offers when
QTWEBENGINE_REMOTE_DEBUGGING is set; the file dialogs they open are the real Qt ones, typed into with xdotool.
"""
from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from servers import must_run_here

from studio.desktop.instance_lock import Owner, read_owner
from studio.desktop.window import TITLE, WINDOW_SIZE, missing_web_engine
from studio.local_app import free_port

EXAMPLE = Path(__file__).resolve().parent.parent / 'assets' / 'examples' / 'competitor-brief.json'
HEADER_COLOUR = (0x1E, 0x29, 0x3B)  # the library page's header bar, Tailwind's slate-800 (renders within a few steps)
X_TOOLS = ('Xvfb', 'xdotool', 'import', 'convert')

# In CI and as root scripts/test.sh installs these, so there the tests run, and fail if one is missing.
needs_x_tools = pytest.mark.skipif(any(shutil.which(tool) is None for tool in X_TOOLS) and not must_run_here(),
                                   reason='needs Xvfb, xdotool and ImageMagick (scripts/test.sh installs them as root)')
needs_desktop_extra = pytest.mark.skipif(missing_web_engine() is not None and not must_run_here(),
                                         reason='needs the desktop extra (scripts/test.sh installs it): '
                                                'pip install .[desktop]')


@needs_desktop_extra
@pytest.mark.skipif(sys.platform != 'linux', reason='only Linux sessions may lack a display server')
def test_without_a_display_it_says_so_and_touches_no_database(tmp_path: Path) -> None:
    env = {key: value for key, value in os.environ.items() if key not in ('DISPLAY', 'WAYLAND_DISPLAY')}
    done = subprocess.run([str(Path(sys.executable).parent / 'swarm-studio'), 'desktop', '--db',
                           str(tmp_path / 'studio.sqlite')], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert done.stderr == ('swarm-studio desktop: no graphical display here (DISPLAY and WAYLAND_DISPLAY are unset): '
                           'use `swarm-studio serve` and a browser\n')
    assert list(tmp_path.iterdir()) == []


@pytest.fixture
def display() -> Iterator[str]:
    """A virtual screen on a display number the X server picks itself, so parallel runs do not collide."""
    read_end, write_end = os.pipe()
    server = subprocess.Popen(['Xvfb', '-displayfd', str(write_end), '-screen', '0', '1400x900x24', '-nolisten', 'tcp'],
                              pass_fds=(write_end,), stderr=subprocess.DEVNULL)
    os.close(write_end)
    with os.fdopen(read_end) as numbers:
        number = numbers.readline().strip()
    try:
        assert number, 'Xvfb did not start'
        yield f':{number}'
    finally:
        server.terminate()
        server.wait(timeout=10)


class PageInWindow:
    """The page shown in the window, read over Qt WebEngine's DevTools socket (Chrome DevTools protocol)."""

    def __init__(self, socket) -> None:
        self.socket = socket
        self.calls = 0

    def evaluate(self, expression: str):
        self.calls += 1
        self.socket.send(json.dumps({'id': self.calls, 'method': 'Runtime.evaluate',
                                     'params': {'expression': expression, 'returnByValue': True}}))
        while (reply := json.loads(self.socket.recv(timeout=30))).get('id') != self.calls:
            pass
        return reply['result']['result'].get('value')

    def centre(self, element: str) -> tuple[int, int] | None:
        """The centre of the visible element the JavaScript expression `element` finds, in window pixels."""
        return self.evaluate(f'''(() => {{
            const element = {element};
            if (!element) return null;
            const box = element.getBoundingClientRect();
            if (box.width === 0 || box.height === 0) return null;
            return [Math.round(box.x + box.width / 2), Math.round(box.y + box.height / 2)];
        }})()''')



@contextlib.contextmanager
def page_in_window(devtools_port: int, url: str) -> Iterator[PageInWindow]:
    """The document the window shows now (a navigation makes a new one: read it afresh)."""
    from websockets.sync.client import connect
    with urllib.request.urlopen(f'http://127.0.0.1:{devtools_port}/json/list', timeout=10) as response:
        targets = json.load(response)
    page = next(target for target in targets if target['type'] == 'page' and target['url'].startswith(url))
    with connect(page['webSocketDebuggerUrl'], max_size=None) as socket:
        yield PageInWindow(socket)


def button_reading(text: str) -> str:
    return f"[...document.querySelectorAll('button')].find(button => button.textContent.trim().endsWith({text!r}))"


def link_reading(text: str) -> str:
    return f"[...document.querySelectorAll('a')].find(link => link.textContent.trim() === {text!r})"


@dataclass
class Desktop:
    """A running `swarm-studio desktop` and the means to reach it."""
    process: subprocess.Popen
    display: str
    database: Path
    log: Path
    devtools_port: int

    def x(self, *args: str, timeout: float = 60) -> str:
        result = subprocess.run(['xdotool', *args], env={**os.environ, 'DISPLAY': self.display}, text=True,
                                capture_output=True, timeout=timeout, check=True)
        return result.stdout.strip()

    def find_window(self, title: str) -> str:
        return self.x('search', '--sync', '--onlyvisible', '--name', f'^{title}$').splitlines()[0]

    def type_into_dialog(self, title: str, text: str) -> None:
        """Type `text` into the file name field of the file dialog titled `title` and confirm it.

        A dialog still open afterwards did not take the keys (it was not ready for them yet): type them again.
        """
        dialog = self.find_window(title)
        for _ in range(3):
            self.x('windowfocus', '--sync', dialog)
            self.x('key', '--clearmodifiers', 'ctrl+a')
            self.x('type', '--delay', '20', text)
            self.x('key', 'Return')
            try:
                wait_for(lambda: not self.window_exists(dialog), f'the {title} dialog closing', timeout=10)
                return
            except AssertionError:
                continue
        raise AssertionError(f'the {title} dialog did not take {text!r}')

    def window_exists(self, window: str) -> bool:
        found = subprocess.run(['xdotool', 'search', '--onlyvisible', '--name', '.'], capture_output=True, text=True,
                               env={**os.environ, 'DISPLAY': self.display}, timeout=30)
        return window in found.stdout.split()

    def click(self, window: str, page: PageInWindow, element: str) -> None:
        """Click with the pointer on what `element` (a JavaScript expression) finds in the window's page."""
        x, y = wait_for(lambda: page.centre(element), f'{element} on the page', timeout=30)
        self.x('mousemove', '--window', window, '--sync', str(x), str(y))
        self.x('click', '1')

    def screenshot(self, window: str, path: Path) -> Path:
        subprocess.run(['import', '-display', self.display, '-window', window, str(path)], check=True, timeout=60)
        return path

    def close(self, window: str) -> None:
        """Ask the window to close, as a window manager's close button does."""
        from Xlib import X, display, protocol
        screen = display.Display(self.display)
        target = screen.create_resource_object('window', int(window))
        protocols, delete = screen.intern_atom('WM_PROTOCOLS'), screen.intern_atom('WM_DELETE_WINDOW')
        assert delete in (target.get_wm_protocols() or []), 'the window does not accept a close request'
        target.send_event(protocol.event.ClientMessage(window=target, client_type=protocols,
                                                       data=(32, [delete, X.CurrentTime, 0, 0, 0])))
        screen.close()


def start_desktop(display: str, database: Path, workdir: Path, devtools_port: int | None = None) -> subprocess.Popen:
    # NiceGUI takes PYTEST_CURRENT_TEST to mean "simulated by a test" and would not listen.
    env = {key: value for key, value in os.environ.items() if not key.startswith('PYTEST_')}
    env.update(DISPLAY=display, PYTHONUNBUFFERED='1')
    if devtools_port is not None:
        env['QTWEBENGINE_REMOTE_DEBUGGING'] = f'127.0.0.1:{devtools_port}'
    command = [str(Path(sys.executable).parent / 'swarm-studio'), 'desktop', '--db', str(database)]
    log = (workdir / 'desktop.log').open('a')
    # Its own session: every process it starts (the window, Qt WebEngine's helpers) can be found afterwards.
    return subprocess.Popen(command, cwd=workdir, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def wait_for(condition, what: str, timeout: float = 60, process: subprocess.Popen | None = None, log: Path | None = None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if (found := condition()):
            return found
        if process is not None and process.poll() is not None:
            break
        time.sleep(0.25)
    tail = log.read_text()[-3000:] if log is not None and log.exists() else ''
    raise AssertionError(f'{what() if callable(what) else what} did not happen within {timeout} s\n{tail}')


def processes_in_session(session: int) -> list[str]:
    found = []
    for stat in Path('/proc').glob('[0-9]*/stat'):
        try:
            text = stat.read_text()
        except OSError:  # it ended while we looked
            continue
        fields = text.rsplit(')', 1)[1].split()
        if int(fields[3]) == session and fields[0] != 'Z':
            found.append(text.split(')')[0] + ')')
    return found


def listening_addresses(port: int) -> set[str]:
    """The local addresses of the TCP sockets listening on `port` (from /proc/net/tcp and tcp6)."""
    found = set()
    for table in ('/proc/net/tcp', '/proc/net/tcp6'):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(':')
            if state == '0A' and int(hex_port, 16) == port:
                found.add(address)
    return found


def pixels(image: Path) -> tuple[int, int, bytes]:
    size = subprocess.run(['convert', str(image), '-format', '%w %h', 'info:'], capture_output=True, text=True,
                          check=True).stdout.split()
    raw = subprocess.run(['convert', str(image), '-depth', '8', 'rgb:-'], capture_output=True, check=True).stdout
    return int(size[0]), int(size[1]), raw


def share_of(colour: tuple[int, int, int], raw: bytes, width: int, rows: range, tolerance: int = 6) -> float:
    """The share of pixels sampled on `rows` that are within `tolerance` of `colour` in every channel."""
    def near(offset: int) -> bool:
        return all(abs(raw[offset + channel] - colour[channel]) <= tolerance for channel in range(3))
    hits = sum(near((row * width + column) * 3) for row in rows for column in range(0, width, 4))
    return hits / (len(rows) * len(range(0, width, 4)))


def shows_library(image: Path) -> bool:
    """Whether a screenshot shows the library page: its dark header bar above a light page with text on it."""
    width, height, raw = pixels(image)
    if share_of(HEADER_COLOUR, raw, width, range(5, 50, 5)) < 0.8:
        return False
    body = raw[60 * width * 3:]
    colours = {body[i:i + 3] for i in range(0, len(body), 3 * 7)}
    return share_of((255, 255, 255), raw, width, range(100, height, 25)) > 0.5 and len(colours) > 20


@needs_x_tools
@needs_desktop_extra
def test_the_desktop_window_shows_the_library_imports_exports_and_leaves_nothing_behind(display: str,
                                                                                       tmp_path: Path) -> None:
    from storage.db import connect
    from storage.graphs import GraphRepository

    database = tmp_path / 'studio.sqlite'
    devtools_port = free_port()
    process = start_desktop(display, database, tmp_path, devtools_port)
    desktop = Desktop(process, display, database, tmp_path / 'desktop.log', devtools_port)
    try:
        owner: Owner = wait_for(lambda: read_owner(Path(f'{database}.lock')), 'the lock file', process=process,
                                log=desktop.log)
        assert owner.pid == process.pid
        window = desktop.find_window(TITLE)
        assert desktop.x('getwindowname', window) == 'Swarm Studio'
        assert f'Geometry: {WINDOW_SIZE[0]}x{WINDOW_SIZE[1]}' in desktop.x('getwindowgeometry', window)

        # It serves the library on 127.0.0.1 only, on the port its lock names.
        with urllib.request.urlopen(owner.url + '/', timeout=10) as response:
            assert response.status == 200 and 'Your graphs' in response.read().decode()
        assert listening_addresses(owner.port) == {'0100007F'}

        shot = tmp_path / 'library.png'
        wait_for(lambda: shows_library(desktop.screenshot(window, shot)), 'a screenshot of the library page',
                 process=process, log=desktop.log)

        # A second start on the same database names the open one and opens nothing.
        second = subprocess.run([str(Path(sys.executable).parent / 'swarm-studio'), 'desktop', '--db', str(database)],
                                env={**os.environ, 'DISPLAY': display}, capture_output=True, text=True, timeout=60)
        assert second.returncode == 1
        assert second.stderr.strip() == (f'swarm-studio desktop: Swarm Studio is already open on this database '
                                         f'(pid {process.pid}, {owner.url}); switch to its window, or start with '
                                         'another --db')

        with page_in_window(devtools_port, owner.url) as page:
            # Import through the system's open dialog.
            desktop.click(window, page, button_reading('Import a file'))
            desktop.type_into_dialog('Open file', str(EXAMPLE))
            wait_for(lambda: page.centre(link_reading('Competitor brief')), 'the imported graph in the list',
                     process=process, log=desktop.log)
            if os.environ.get('SWARM_STUDIO_DESKTOP_SCREENSHOT'):  # the README's picture, on request
                time.sleep(1)  # let the "Imported" notice fade in
                shutil.copy(desktop.screenshot(window, tmp_path / 'imported.png'),
                            os.environ['SWARM_STUDIO_DESKTOP_SCREENSHOT'])
            desktop.click(window, page, link_reading('Competitor brief'))
            wait_for(lambda: page.evaluate('location.pathname').startswith('/graph/'), 'the editor',
                     process=process, log=desktop.log)
        with page_in_window(devtools_port, owner.url) as page:
            # Export through the system's save dialog, from the editor.
            desktop.click(window, page, 'document.querySelector(\'button[aria-label="Export the graph file"]\')')
            exported = tmp_path / 'exported.json'
            desktop.type_into_dialog('Save file', str(exported))
            wait_for(exported.exists, 'the exported file', process=process, log=desktop.log)
        original, written = json.loads(EXAMPLE.read_text()), json.loads(exported.read_text())
        assert written['name'] == original['name']
        assert [node['id'] for node in written['nodes']] == [node['id'] for node in original['nodes']]

        desktop.close(window)
        wait_for(lambda: process.poll() is not None,
                 lambda: f'the app ending after its window closed (still running: {processes_in_session(process.pid)})',
                 timeout=90, log=desktop.log)
        assert process.returncode == 0
        wait_for(lambda: not processes_in_session(process.pid), 'the end of every process it started', timeout=15)
    finally:
        if process.poll() is None:
            process.kill()
        for line in processes_in_session(process.pid):
            pid = int(line.split()[0])
            try:
                os.kill(pid, 9)
            except ProcessLookupError:
                pass
        process.wait(timeout=10)

    assert not Path(f'{database}.lock').exists()
    stored = GraphRepository(connect(str(database))).list()
    assert [(graph.name, graph.node_count) for graph in stored] == [('Competitor brief', len(original['nodes']))]
