"""Learning from escalations on the command line: `run` of a stored graph starts a node where its
last runs escalated to, and `estimate` shows that tier and why."""
from __future__ import annotations

import json

import pytest

from storage.db import connect
from storage.runs import RunRepository
from storage.settings import set_learning
from studio.cli import main
from test_run_ui import ITEMS_SCHEMA, graph_text

pytestmark = pytest.mark.usefixtures('no_provider_keys')
# `tidy` on tier auto (the router says 3) escalates to tier 2 in every run (see test_routing_ui.py).
ESCALATING = graph_text(tidy={'tier': 'auto', 'output_schema': ITEMS_SCHEMA, 'simulate': {'fail_first': 3}})


@pytest.fixture
def db(tmp_path, capsys):
    path = tmp_path / 'brief.json'
    path.write_text(ESCALATING)
    database = str(tmp_path / 'runs.sqlite')
    assert main(['import', str(path), '--db', database]) == 0
    capsys.readouterr()
    return database


def run_by_name(db: str, capsys) -> str:
    main(['run', 'Competitor brief', '--input', 'company=Acme', '--latency-ms', '0', '--json', '--db', db])
    return json.loads(capsys.readouterr().out)['run_id']


def estimated_tidy(db: str, capsys) -> dict:
    assert main(['estimate', 'Competitor brief', '--input', 'company=Acme', '--json', '--db', db]) == 0
    return json.loads(capsys.readouterr().out)['nodes']['tidy']


def first_tier(db: str, run_id: str) -> int:
    return RunRepository(connect(db)).get_run(run_id).attempts_of('tidy')[0].tier


def test_run_and_estimate_use_the_learned_tier(db, capsys):
    assert estimated_tidy(db, capsys)['tier'] == 3
    for _ in range(2):
        assert first_tier(db, run_by_name(db, capsys)) == 3
    estimate = estimated_tidy(db, capsys)
    assert estimate['tier'] == 2
    assert estimate['reason'].startswith('tier 2: escalated to tier 2 in 2 of the last 2 runs; the router said tier 3')
    assert first_tier(db, run_by_name(db, capsys)) == 2

    assert main(['estimate', 'Competitor brief', '--input', 'company=Acme', '--db', db]) == 0
    assert 'escalated to tier 2 in' in capsys.readouterr().out


def test_with_learning_off_run_and_estimate_keep_the_router_s_tier(db, capsys):
    for _ in range(2):
        run_by_name(db, capsys)
    set_learning(connect(db), False)
    assert estimated_tidy(db, capsys)['tier'] == 3
    assert first_tier(db, run_by_name(db, capsys)) == 3
