"""Stored graphs on a real database file: versions, transactions, nothing half-written."""
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from sqlalchemy import text

from nodes.graph import Graph
from nodes.validation import load_graph
from nodes.validation import GraphFileError
from storage.db import StorageError, connect, database_url
from storage.graphs import GraphNotFound, GraphRepository

EXAMPLE = Path(__file__).parents[1] / 'assets' / 'examples' / 'competitor-brief.json'


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / 'studio.sqlite'


@pytest.fixture
def graphs(db_path):
    return GraphRepository(connect(str(db_path)))


def snapshot(graphs: GraphRepository):
    return [(s.id, s.name, s.version) for s in graphs.list()], \
        {s.id: [v.number for v in graphs.versions(s.id)] for s in graphs.list()}


def test_the_database_is_sqlite_in_wal_mode(graphs):
    with graphs.engine.connect() as connection:
        assert connection.execute(text('PRAGMA journal_mode')).scalar() == 'wal'


def test_database_url_takes_a_path_an_url_or_the_environment(monkeypatch, tmp_path):
    assert database_url(str(tmp_path / 'a.db')) == f'sqlite:///{tmp_path / "a.db"}'
    assert database_url('postgresql://u@localhost/studio') == 'postgresql://u@localhost/studio'
    monkeypatch.setenv('SWARM_STUDIO_DB', str(tmp_path / 'env.db'))
    assert database_url() == f'sqlite:///{tmp_path / "env.db"}'


def test_every_save_appends_a_version_and_restore_is_a_new_save(graphs):
    graph = load_graph(EXAMPLE.read_text())
    graph_id = graphs.create(graph)
    renamed = graph.model_copy(update={'name': 'Brief v2'})
    assert graphs.save(graph_id, renamed).number == 2
    assert graphs.save(graph_id, renamed).number == 2  # nothing changed: no new version
    assert graphs.restore(graph_id, 1).number == 3
    assert graphs.get(graph_id).name == 'Competitor brief'
    assert [(v.number, v.note) for v in graphs.versions(graph_id)] == [(3, 'restored version 1'), (2, ''),
                                                                      (1, 'created')]
    assert graphs.get_version(graph_id, 2).name == 'Brief v2'


def test_rename_duplicate_delete_and_find(graphs):
    graph_id = graphs.import_text(EXAMPLE.read_bytes())
    graphs.rename(graph_id, 'Rivals')
    copy_id = graphs.duplicate(graph_id)
    assert graphs.find('Rivals') == graph_id and graphs.find(copy_id) == copy_id
    assert graphs.get(copy_id).name == 'Rivals (copy)'
    graphs.delete(graph_id)
    with pytest.raises(GraphNotFound, match='no stored graph has the id or name "Rivals"'):
        graphs.find('Rivals')
    with pytest.raises(GraphNotFound):
        graphs.versions(graph_id)
    with graphs.engine.connect() as connection:  # the versions went with it
        assert connection.execute(text('SELECT count(*) FROM graph_versions WHERE graph_id = :g'),
                                  {'g': graph_id}).scalar() == 0


def test_an_ambiguous_name_asks_for_an_id(graphs):
    first = graphs.import_text(EXAMPLE.read_bytes())
    second = graphs.import_text(EXAMPLE.read_bytes())
    with pytest.raises(GraphNotFound, match=f'2 graphs are named "Competitor brief"; use an id instead: .*{second}'):
        graphs.find('Competitor brief')
    assert graphs.find(first) == first


def test_a_refused_import_changes_nothing(graphs, db_path):
    graphs.import_text(EXAMPLE.read_bytes())
    before = snapshot(graphs)
    bad = EXAMPLE.read_text().replace('"source": "tidy", "target": "report"', '"source": "tidy", "target": "plan"')
    with pytest.raises(GraphFileError, match='closes a cycle'):
        graphs.import_text(bad)
    assert snapshot(graphs) == before


def test_a_failed_save_changes_nothing(graphs):
    graph = load_graph(EXAMPLE.read_text())
    graph_id = graphs.create(graph)
    with graphs.engine.begin() as connection:  # the database itself refuses the second write of the save
        connection.execute(text("CREATE TRIGGER full_disk BEFORE INSERT ON graph_versions WHEN NEW.name = 'boom' "
                                "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"))
    before = snapshot(graphs)
    with pytest.raises(StorageError, match='disk is full'):
        graphs.save(graph_id, graph.model_copy(update={'name': 'boom'}))
    assert snapshot(graphs) == before
    assert graphs.get(graph_id).name == 'Competitor brief'


def test_a_process_killed_mid_write_leaves_the_database_as_it_was(graphs, db_path):
    graph_id = graphs.import_text(EXAMPLE.read_bytes())
    before = snapshot(graphs)
    script = textwrap.dedent(f'''
        import os
        from sqlmodel import Session
        from storage.db import connect
        from storage.graphs import GraphRow
        session = Session(connect({str(db_path)!r}))
        row = session.get(GraphRow, {graph_id!r})
        row.name = 'half written'
        session.add(row)
        session.flush()  # written inside the transaction, never committed
        os._exit(9)
    ''')
    assert subprocess.run([sys.executable, '-c', script]).returncode == 9
    assert snapshot(graphs) == before


def test_an_api_key_in_the_environment_never_reaches_the_database_or_an_export(monkeypatch, graphs, db_path):
    secret = 'sk-test-DO-NOT-STORE-4f9a1c'
    monkeypatch.setenv('OPENAI_API_KEY', secret)
    monkeypatch.setenv('ANTHROPIC_API_KEY', secret)
    graph_id = graphs.import_text(EXAMPLE.read_bytes())
    graphs.save(graph_id, graphs.get(graph_id).model_copy(update={'name': 'saved'}))
    assert secret not in graphs.get(graph_id).dumps()
    graphs.engine.dispose()
    for path in db_path.parent.iterdir():
        assert secret.encode() not in path.read_bytes(), path.name
