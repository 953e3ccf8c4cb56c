"""Stored graphs on a real database file: versions, transactions, nothing half-written."""
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from sqlalchemy import event, text

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
    # A PostgreSQL URL without a driver gets the one installed with the studio.
    assert database_url('postgresql://u@localhost/studio') == 'postgresql+psycopg://u@localhost/studio'
    assert database_url('postgresql+psycopg://u@localhost/s') == 'postgresql+psycopg://u@localhost/s'
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


def test_a_save_from_an_older_version_is_refused_and_changes_nothing(graphs):
    from storage.graphs import StaleSave
    graph_id = graphs.import_text(EXAMPLE.read_text())
    theirs = graphs.get(graph_id)
    theirs.node('plan').config['prompt'] = 'Their prompt about {{ brief.company }}'
    assert graphs.save(graph_id, theirs, base=1).number == 2
    mine = graphs.get_version(graph_id, 1)
    mine.node('plan').config['prompt'] = 'My prompt about {{ brief.company }}'
    with pytest.raises(StaleSave, match=r'changed by another process at \d\d:\d\d \(version 2; these edits '
                                        r'started from version 1\)') as refused:
        graphs.save(graph_id, mine, base=1)
    assert refused.value.current.number == 2
    assert graphs.current_version(graph_id).number == 2
    assert graphs.get(graph_id).node('plan').config['prompt'] == 'Their prompt about {{ brief.company }}'
    # The same document as the current one is no conflict; from the current version it saves.
    assert graphs.save(graph_id, theirs, base=1).number == 2
    assert graphs.save(graph_id, mine, base=2).number == 3


STALE_SAVER = '''
import sys
from storage.db import connect
from storage.graphs import GraphRepository, StaleSave
graphs = GraphRepository(connect(sys.argv[1]))
graph = graphs.get(sys.argv[2])
graph.node('plan').config['prompt'] = 'From process ' + sys.argv[3] + ' {{ brief.company }}'
print('ready', flush=True)
sys.stdin.readline()  # every process has read version 1 by now
try:
    print(graphs.save(sys.argv[2], graph, base=1).number)
except StaleSave:
    print('refused')
'''


def test_of_processes_saving_from_one_version_at_once_one_wins_and_the_others_are_refused(graphs, db_path):
    graph_id = graphs.import_text(EXAMPLE.read_text())
    processes = [subprocess.Popen([sys.executable, '-c', STALE_SAVER, str(db_path), graph_id, str(number)],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                  cwd=Path(__file__).parents[1]) for number in range(4)]
    for process in processes:
        assert process.stdout.readline() == 'ready\n'
    outputs = [process.communicate('\n', timeout=120) for process in processes]
    results = sorted(out.strip() for out, _ in outputs)
    assert results == ['2', 'refused', 'refused', 'refused'], outputs
    assert graphs.current_version(graph_id).number == 2 and len(graphs.versions(graph_id)) == 2


def test_an_unusable_database_url_is_one_line_without_the_password():
    for url, reason in (('foo://bar', "Can't load plugin"), ('mysql://me:secret@db/studio', 'MySQLdb')):
        with pytest.raises(StorageError, match=reason) as refused:
            connect(url)
        assert 'secret' not in str(refused.value) and '\n' not in str(refused.value)


async def test_deleting_a_graph_deletes_its_runs_pins_and_remembered_form_and_nothing_else(graphs):
    from nodes.engine import MissionController
    from nodes.plan import compile_graph
    from nodes.providers.simulated import SimulatedProvider
    from storage.runs import RunRepository
    from storage.settings import get_setting, set_setting
    graph = load_graph(EXAMPLE.read_text())
    doomed, kept = graphs.create(graph), graphs.create(graph)
    runs = RunRepository(graphs.engine)
    for graph_id in (doomed, kept):
        recorder = runs.recorder(graph_id=graph_id, graph_version_id=graphs.current_version(graph_id).id)
        await MissionController(compile_graph(graph, provider=SimulatedProvider(latency_ms=0)),
                                subscribers=[recorder]).run({'company': 'Acme'})
        set_setting(graphs.engine, f'pins:{graph_id}', {'plan': {'steps': ['a']}})
        set_setting(graphs.engine, f'run_form:{graph_id}', {'inputs': {'company': 'Acme'}})
    graphs.delete(doomed)
    assert runs.list_runs(doomed) == [] and len(runs.list_runs(kept)) == 1
    assert get_setting(graphs.engine, f'pins:{doomed}') is None and get_setting(graphs.engine, f'run_form:{doomed}') is None
    assert get_setting(graphs.engine, f'pins:{kept}') == {'plan': {'steps': ['a']}}
    assert get_setting(graphs.engine, f'run_form:{kept}') == {'inputs': {'company': 'Acme'}}


def test_a_version_can_be_given_a_name_without_a_new_version(graphs):
    graph_id = graphs.import_text(EXAMPLE.read_text())
    named = graphs.name_version(graph_id, 1, 'before the tier change')
    assert named.number == 1 and named.note == 'before the tier change'
    assert [(version.number, version.note) for version in graphs.versions(graph_id)] == [(1, 'before the tier change')]
    with pytest.raises(GraphNotFound, match='has no version 7'):
        graphs.name_version(graph_id, 7, 'x')


def test_listing_graphs_and_versions_leaves_their_documents_unread(graphs):
    """A library page lists every graph: a large graph's document is megabytes, and only its counts are shown."""
    graph_id = graphs.import_text(EXAMPLE.read_text())
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(graphs.engine, 'before_cursor_execute', record)
    try:
        [summary] = graphs.list()
        [version] = graphs.versions(graph_id)
    finally:
        event.remove(graphs.engine, 'before_cursor_execute', record)
    assert (summary.node_count, version.node_count) == (4, 4)
    selects = [statement for statement in statements if statement.lstrip().upper().startswith('SELECT')]
    assert selects and not any('document' in statement for statement in selects), selects
