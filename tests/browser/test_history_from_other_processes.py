"""Without Redis, a run another process makes on the same database (`swarm-studio run NAME`) is listed
in History on a page already open — while it goes, and then as ended — without a reload."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest


ROOT = Path(__file__).resolve().parents[2]
from locators import node  # noqa: E402
from studio_app import own_studio  # noqa: E402
from test_run import open_panel_tab  # noqa: E402


@pytest.fixture(scope='module')
def app(tmp_path_factory: pytest.TempPathFactory):
    """(base URL, graph repository, database path) of an app on a database of its own, no Redis."""
    with own_studio(tmp_path_factory.mktemp('history-app'), env={'SWARM_STUDIO_REDIS_URL': ''}) as app:
        yield app


def test_a_run_from_the_command_line_is_listed_in_the_open_history(page, app):
    url, graphs, database = app
    document = json.loads((ROOT / 'assets/examples/competitor-brief.json').read_text())
    document['name'] = 'Run from a terminal'
    graph_id = graphs.import_text(json.dumps(document))
    page.goto(f'{url}/graph/{graph_id}')
    node(page, 'report').wait_for()
    open_panel_tab(page, 'History')
    rows = page.locator('.q-drawer--right [data-run-id]')
    assert rows.count() == 0
    environment = {key: value for key, value in os.environ.items() if key != 'SWARM_STUDIO_REDIS_URL'}
    terminal = subprocess.Popen([sys.executable, '-m', 'studio', 'run', document['name'], '--db', str(database),
                                 '--simulate', '--latency-ms', '4000', '--input', 'company=Acme'],
                                env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        row = rows.first
        row.wait_for(timeout=30_000)  # listed while it runs (8 s of calls), the page never reloaded
        status = row.locator('.swarm-history-status')
        assert status.inner_text() == 'running'
        _, err = terminal.communicate(timeout=90)
        assert terminal.returncode == 0, err
        page.locator('.q-drawer--right .swarm-history-status', has_text='succeeded').wait_for(timeout=15_000)
        assert rows.count() == 1
    finally:
        if terminal.poll() is None:
            terminal.kill()
