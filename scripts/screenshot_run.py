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
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from studio.local_app import chromium_args, chromium_path, free_port, running_app, serve_command  # noqa: E402


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
    chromium = chromium_path()
    if chromium is None:
        print('screenshot: no system Chromium; install it (apt-get install chromium)', file=sys.stderr)
        return 1
    from playwright.sync_api import sync_playwright

    from storage.db import connect
    from storage.graphs import GraphRepository

    with tempfile.TemporaryDirectory() as workdir:
        database = Path(workdir) / 'studio.sqlite'
        graph_id = GraphRepository(connect(str(database))).import_text(flaky_research_swarm())
        port = free_port()
        with running_app(serve_command(port, database), port, Path(workdir)) as url:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=chromium, headless=True, args=chromium_args())
                page = browser.new_page(viewport={'width': 1920, 'height': 1000}, device_scale_factor=1)
                page.set_default_timeout(30_000)
                page.goto(f'{url}/graph/{graph_id}')
                page.locator('.vue-flow__node[data-id="question"]').wait_for()
                page.get_by_role('button', name='Fold the palette').click()  # the canvas gets the width
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
    print(args.output)
    return 0


if __name__ == '__main__':
    sys.exit(main())
