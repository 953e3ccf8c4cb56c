"""Fixtures for tests in a real Chromium: the system browser, the app, the canvas harness.

    def test_something(server, page):          # the real app, fresh page
        page.goto(server)
        ...
    def test_canvas(canvas_server, page): ...  # tests/browser/canvas_page.py (one canvas)

`server` and `canvas_server` are started once per test session (a few seconds each); every test
gets its own `page` in a fresh browser context. `studio.local_app.running_app` starts any
other server the same way, e.g. one with a database of its own.
"""
from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from studio import local_app
from studio.local_app import free_port, running_app

ROOT = Path(__file__).resolve().parents[2]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line('markers', 'browser: runs in a real Chromium (deselect with -m "not browser")')


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if item.path.is_relative_to(here):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope='session')
def chromium_path() -> str:
    """The system Chromium (Debian's `chromium` package); scripts/test.sh installs it."""
    path = local_app.chromium_path()
    if path is None:
        from servers import must_run_here
        if must_run_here():  # CI, or root: scripts/test.sh installs it, so a missing browser is a failure
            pytest.fail('no system Chromium, though scripts/test.sh installs it (apt-get install chromium)')
        pytest.skip('no system Chromium; install it (apt-get install chromium) or run scripts/test.sh')
    return path


@pytest.fixture(scope='session')
def browser(chromium_path: str):
    """A headless Chromium driven by Playwright's sync API (never a downloaded browser)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, headless=True,
                                             args=local_app.chromium_args())
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
    with running_app(local_app.serve_command(port, workdir / 'studio.sqlite'), port, workdir) as url:
        yield url


@pytest.fixture(scope='session')
def canvas_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """tests/browser/canvas_page.py: one page with a Canvas on the demo graph; yields its base URL."""
    workdir = tmp_path_factory.mktemp('canvas')
    port = free_port()
    command = [sys.executable, str(ROOT / 'tests' / 'browser' / 'canvas_page.py'), '--port', str(port)]
    with running_app(command, port, workdir) as url:
        yield url


@pytest.fixture
def editor(server, page):
    """A fresh copy of the competitor-brief example (brief → plan → tidy → report), open in the editor."""
    page.goto(server)
    page.locator('.q-card', has_text='Competitor brief').get_by_role('button', name='Open a copy').click()
    page.wait_for_url(re.compile(r'/graph/\w+$'))
    page.locator('.vue-flow__node[data-id="report"]').wait_for()
    page.wait_for_function('document.querySelectorAll(".vue-flow__edge").length === 3')
    return page
