#!/usr/bin/env python3
"""Save a picture of a finished run with its cost panel, for the README.

    .venv/bin/python scripts/screenshot_run.py     # writes assets/screenshot-run.png

It starts the app on a fresh database of its own, stores the research swarm example with one
flaky node (`queries` replies invalid JSON twice, so it retries and escalates a tier), runs it
on the simulated provider from the Run form, opens the run panel's Costs tab and saves the
page at 1440×900 with the system Chromium.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def wait_until_answering(url: str, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f'screenshot: the app exited with {process.returncode}')
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f'screenshot: {url} did not answer within {timeout} s')


def flaky_research_swarm() -> str:
    document = json.loads((ROOT / 'assets/examples/research-swarm.json').read_text())
    for node in document['nodes']:
        if node['id'] == 'queries':
            node['config']['simulate'] = {'fail_first': 2}
    return json.dumps(document)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--output', type=Path, default=ROOT / 'assets' / 'screenshot-run.png')
    parser.add_argument('--latency-ms', type=int, default=250, help='simulated latency of every call')
    args = parser.parse_args()
    chromium = shutil.which('chromium') or '/usr/bin/chromium'
    if not os.path.exists(chromium):
        print('screenshot: no system Chromium; install it (apt-get install chromium)', file=sys.stderr)
        return 1
    from playwright.sync_api import sync_playwright

    from storage.db import connect
    from storage.graphs import GraphRepository

    with tempfile.TemporaryDirectory() as workdir:
        database = Path(workdir) / 'studio.sqlite'
        graph_id = GraphRepository(connect(str(database))).import_text(flaky_research_swarm())
        port = free_port()
        env = {key: value for key, value in os.environ.items() if not key.startswith('PYTEST_')}
        with open(Path(workdir) / 'app.log', 'w') as log:
            app = subprocess.Popen([str(Path(sys.executable).parent / 'swarm-studio'), 'serve', '--port', str(port),
                                    '--db', str(database), '--no-browser'], cwd=workdir, stdout=log,
                                   stderr=subprocess.STDOUT, env=env)
        try:
            url = f'http://127.0.0.1:{port}'
            wait_until_answering(url + '/', app)
            launch_args = ['--disable-gpu', '--no-first-run', '--disable-background-networking']
            if hasattr(os, 'geteuid') and os.geteuid() == 0:
                launch_args.append('--no-sandbox')
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=chromium, headless=True, args=launch_args)
                page = browser.new_page(viewport={'width': 1920, 'height': 1000}, device_scale_factor=1)
                page.set_default_timeout(30_000)
                page.goto(f'{url}/graph/{graph_id}')
                page.locator('.vue-flow__node[data-id="report"]').wait_for()
                page.get_by_role('button', name='Run', exact=True).click()
                page.get_by_label(re.compile('Simulated latency per call')).fill(str(args.latency_ms))
                page.get_by_role('button', name='Start').click()
                page.locator('.swarm-run-status', has_text=re.compile('^succeeded$')).wait_for()
                page.get_by_role('button', name='Run panel').click()
                page.locator('.q-drawer--right .q-tab', has_text='Costs').click()
                page.locator('.swarm-costs-total', has_text='Total').wait_for()
                page.mouse.move(0, 0)  # no hover highlight or tooltip in the picture
                page.wait_for_timeout(800)
                args.output.parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(args.output))
                browser.close()
        finally:
            app.terminate()
            app.wait(timeout=10)
    print(args.output)
    return 0


if __name__ == '__main__':
    sys.exit(main())
