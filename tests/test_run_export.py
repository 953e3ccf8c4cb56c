"""A stored run exported as JSON: the summary `swarm-studio run --json` prints, plus every attempt."""
from __future__ import annotations

from pathlib import Path

from nodes.catalog import Catalog
from nodes.engine import MissionController
from nodes.plan import compile_graph
from nodes.providers.simulated import SimulatedProvider
from storage.db import connect
from storage.graphs import GraphRepository
from storage.runs import RunRepository
from studio.run.export import export_file_name, run_export

ROOT = Path(__file__).resolve().parent.parent
TEXT = (ROOT / 'assets/examples/competitor-brief.json').read_text()


async def test_the_export_is_the_cli_summary_plus_attempts(tmp_path):
    engine = connect(str(tmp_path / 'runs.sqlite'))
    graphs, runs = GraphRepository(engine), RunRepository(engine)
    graph_id = graphs.import_text(TEXT)
    version = graphs.current_version(graph_id)
    graph = graphs.get(graph_id)
    recorder = runs.recorder(graph_id=graph_id, graph_version_id=version.id)
    summary = await MissionController(compile_graph(graph, provider=SimulatedProvider(latency_ms=0)),
                                      subscribers=[recorder]).run({'company': 'Acme'})

    exported = run_export(runs.get_run(summary.run_id), {'report'}, version.number)
    expected = summary.to_dict()
    assert {key: exported[key] for key in expected} == expected
    assert exported['graph'] == {'id': graph_id, 'name': 'Competitor brief', 'version': 1}
    assert exported['inputs'] == {'company': 'Acme'}
    attempts = [result.attempts[0] for result in summary.nodes.values() if result.attempts]
    assert [(attempt['node_id'], attempt['messages'], attempt['reply'], attempt['cost_usd'])
            for attempt in exported['attempts']] == \
        [(attempt.node_id, attempt.messages, attempt.reply, float(attempt.cost_usd)) for attempt in attempts]


async def test_an_export_of_a_run_with_an_unpriced_node_says_its_cost_is_unknown(tmp_path):
    engine = connect(str(tmp_path / 'runs.sqlite'))
    graphs, runs = GraphRepository(engine), RunRepository(engine)
    graph_id = graphs.import_text(TEXT)
    version = graphs.current_version(graph_id)
    catalog = Catalog.from_dict({'tiers': {'3': ['openai/house-model-7b']}})
    summary = await MissionController(compile_graph(graphs.get(graph_id), catalog, SimulatedProvider(latency_ms=0)),
                                      subscribers=[runs.recorder(graph_id=graph_id, graph_version_id=version.id)]
                                      ).run({'company': 'Acme'})
    assert summary.unpriced_nodes
    exported = run_export(runs.get_run(summary.run_id), {'report'}, version.number, *runs.cost_gaps(summary.run_id))
    expected = summary.to_dict()
    assert {key: exported[key] for key in expected} == expected
    assert exported['cost_complete'] is False and exported['savings_pct'] is None
    unpriced = expected['unpriced_nodes'][0]
    assert exported['nodes'][unpriced]['cost_usd'] is None
    assert [attempt['cost_usd'] for attempt in exported['attempts'] if attempt['node_id'] == unpriced] == [None]


def test_the_file_is_named_after_the_graph_and_the_run():
    assert export_file_name('Competitor brief', '39e5271cabcdef') == 'competitor-brief-run-39e5271c.json'
    assert export_file_name('!!!', 'abc') == 'graph-run-abc.json'
