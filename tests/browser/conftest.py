"""Fixtures for tests in a real Chromium: the system browser, the app, the canvas harness.

    def test_something(server, page):          # the real app, fresh page
        page.goto(server)
        ...
    def test_canvas(canvas_server, page): ...  # tests/browser/canvas_page.py (one canvas)

`server` and `canvas_server` are started once per test session (a few seconds each); every test
gets its own `page` in a fresh browser context. `running_app(command)` starts any other server
the same way, e.g. one with a database of its own.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
CHROMIUM_ARGS = [
    # The machine (and CI) may have no internet: without these Chromium keeps dialling out.
    '--disable-gpu', '--disable-background-networking', '--disable-component-update',
    '--disable-sync', '--no-first-run', '--disable-quic',
]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line('markers', 'browser: runs in a real Chromium (deselect with -m "not browser")')


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if item.path.is_relative_to(here):
            item.add_marker(pytest.mark.browser)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def wait_until_answering(url: str, process: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f'{process.args} exited with {process.returncode}:\n{log.read_text()[-3000:]}')
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f'{url} did not answer within {timeout} s:\n{log.read_text()[-3000:]}')


@contextlib.contextmanager
def running_app(command: list[str], port: int, workdir: Path) -> Iterator[str]:
    """Run a web app as a subprocess until the block ends; yield its base URL once it answers.

    :param command: the command line; it must listen on 127.0.0.1:`port`
    :param port: the port it listens on
    :param workdir: its working directory (NiceGUI keeps `.nicegui/` there); its output goes to app.log
    """
    log = workdir / 'app.log'
    url = f'http://127.0.0.1:{port}'
    with log.open('w') as output:
        # NiceGUI takes PYTEST_CURRENT_TEST to mean "simulated by a test" and would not listen.
        env = {key: value for key, value in os.environ.items() if not key.startswith('PYTEST_')}
        process = subprocess.Popen(command, cwd=workdir, stdout=output, stderr=subprocess.STDOUT,
                                   env={**env, 'PYTHONUNBUFFERED': '1'})
        try:
            wait_until_answering(url + '/', process, log)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture(scope='session')
def chromium_path() -> str:
    """The system Chromium (Debian's `chromium` package); scripts/test.sh installs it."""
    path = shutil.which('chromium') or ('/usr/bin/chromium' if os.path.exists('/usr/bin/chromium') else None)
    if path is None:
        pytest.skip('no system Chromium; install it (apt-get install chromium) or run scripts/test.sh')
    return path


@pytest.fixture(scope='session')
def browser(chromium_path: str):
    """A headless Chromium driven by Playwright's sync API (never a downloaded browser)."""
    from playwright.sync_api import sync_playwright

    args = list(CHROMIUM_ARGS)
    if hasattr(os, 'geteuid') and os.geteuid() == 0:
        args.append('--no-sandbox')
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, headless=True, args=args)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    """A fresh page (own context: no cookies or storage shared between tests), 1280×800."""
    context = browser.new_context(viewport={'width': 1280, 'height': 800})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture(scope='session')
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The real app (`swarm-studio serve`) with a fresh SQLite file; yields its base URL."""
    workdir = tmp_path_factory.mktemp('server')
    port = free_port()
    command = [str(VENV_BIN / 'swarm-studio'), 'serve', '--port', str(port),
               '--db', str(workdir / 'studio.sqlite'), '--no-browser']
    with running_app(command, port, workdir) as url:
        yield url


@pytest.fixture(scope='session')
def canvas_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """tests/browser/canvas_page.py: one page with a Canvas on the demo graph; yields its base URL."""
    workdir = tmp_path_factory.mktemp('canvas')
    port = free_port()
    command = [sys.executable, str(ROOT / 'tests' / 'browser' / 'canvas_page.py'), '--port', str(port)]
    with running_app(command, port, workdir) as url:
        yield url
