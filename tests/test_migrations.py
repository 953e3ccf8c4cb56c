"""Schema migrations: a database written by release 0.1.0 opens with everything in it, on
SQLite and on PostgreSQL; a new one is made by the migrations and matches the tables; several
processes may open one new database at once; `swarm-studio db current/upgrade`."""
from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, select, text

from storage import migrate
from storage.db import StorageError, connect, open_engine
from storage.graphs import GraphRepository
from storage.runs import RunRepository
from storage.settings import get_setting, stored_catalog

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / 'fixtures'
RELEASE_0_1_0 = FIXTURES / 'release-0.1.0.sqlite'
TABLES = ('graphs', 'graph_versions', 'runs', 'node_runs', 'attempts', 'run_events', 'settings')


def release_rows(path: Path = RELEASE_0_1_0) -> dict[str, list[dict]]:
    """Every row of the 0.1.0 fixture as SQLite holds it, by table, in primary-key order."""
    connection = sqlite3.connect(f'file:{path}?mode=ro', uri=True)
    connection.row_factory = sqlite3.Row
    try:
        return {table: [dict(row) for row in connection.execute(f'SELECT * FROM {table} ORDER BY 1')]
                for table in TABLES}
    finally:
        connection.close()


def rows_through(engine) -> dict[str, list[dict]]:
    """Every row, by table, read through SQLAlchemy's tables (as the app reads them)."""
    metadata = migrate.metadata()
    with engine.connect() as connection:
        return {name: [dict(row) for row in connection.execute(
            select(metadata.tables[name]).order_by(*metadata.tables[name].primary_key.columns)).mappings()]
            for name in TABLES}


def same_content(expected: dict[str, list[dict]], engine) -> None:
    """Each table of `engine` holds the fixture's rows, column for column (one column type per
    database: datetimes compared as instants, booleans as truth values)."""
    actual = rows_through(engine)
    for table in TABLES:
        assert len(actual[table]) == len(expected[table]), table
        for old, new in zip(expected[table], actual[table]):
            for column, value in old.items():
                got = new[column]
                if hasattr(got, 'isoformat'):
                    from datetime import datetime, timezone
                    want = datetime.fromisoformat(value)
                    want = want if want.tzinfo else want.replace(tzinfo=timezone.utc)
                    got = got if got.tzinfo else got.replace(tzinfo=timezone.utc)
                    assert got == want, (table, column)
                elif isinstance(got, bool):
                    assert got == bool(value), (table, column)
                else:
                    assert got == value, (table, column, old)


def uses_the_fixture_through_the_repositories(engine, expected: dict[str, list[dict]]) -> None:
    graphs, runs = GraphRepository(engine), RunRepository(engine)
    assert {summary.name for summary in graphs.list()} == {row['name'] for row in expected['graphs']}
    for row in expected['graph_versions']:
        graph = graphs.get_version(row['graph_id'], row['number'])
        assert graph.dumps() == row['document']
    stored = runs.list_runs()
    assert sorted(run.status for run in stored) == sorted(row['status'] for row in expected['runs'])
    assert {'succeeded', 'failed', 'over_budget'} <= {run.status for run in stored}
    for run in stored:
        detail = runs.get_run(run.id)
        assert len(detail.attempts) == sum(1 for row in expected['attempts'] if row['run_id'] == run.id)
        assert len(runs.events(run.id)) == sum(1 for row in expected['run_events'] if row['run_id'] == run.id)
    settings = {row['key']: json.loads(row['value']) for row in expected['settings']}
    pins = next(key for key in settings if key.startswith('pins:'))
    assert get_setting(engine, pins) == settings[pins] == {'plan': {'steps': ['pinned step one', 'two']}}
    assert [entry.model for entry in stored_catalog(engine).models(3)] == ['gpt-4o-mini', 'claude-haiku-4-5']
    # And it is writable: a new save takes the next version, a new run its own rows.
    graph_id = expected['graphs'][0]['id']
    before = graphs.current_version(graph_id).number
    graph = graphs.get(graph_id)
    assert graphs.save(graph_id, graph.model_copy(update={'name': 'after the upgrade'}), base=before).number \
        == before + 1


def test_the_fixture_is_a_database_from_before_migrations():
    connection = sqlite3.connect(f'file:{RELEASE_0_1_0}?mode=ro', uri=True)
    names = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    connection.close()
    assert set(TABLES) <= names and 'alembic_version' not in names
    counts = {table: len(rows) for table, rows in release_rows().items()}
    assert all(counts.values()) and counts['graph_versions'] > counts['graphs'], counts


def test_a_release_0_1_0_sqlite_database_upgrades_with_nothing_lost(tmp_path):
    copy = tmp_path / 'old.sqlite'
    shutil.copy(RELEASE_0_1_0, copy)
    expected = release_rows(copy)
    engine = connect(str(copy))
    assert migrate.current(engine) == migrate.head()
    same_content(expected, engine)
    uses_the_fixture_through_the_repositories(engine, expected)


def test_a_release_0_1_0_postgresql_database_upgrades_with_nothing_lost(postgres):
    url = postgres.create_database('release_0_1_0')
    loader = create_engine(url)
    with loader.begin() as connection:
        connection.exec_driver_sql((FIXTURES / 'release-0.1.0.postgres.sql').read_text(encoding='utf-8'))
    loader.dispose()
    expected = release_rows()
    engine = connect(url)
    assert migrate.current(engine) == migrate.head()
    same_content(expected, engine)
    uses_the_fixture_through_the_repositories(engine, expected)


def schema_differences(engine) -> list:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext
    with engine.connect() as connection:
        return compare_metadata(MigrationContext.configure(connection, opts={'compare_type': True}),
                                migrate.metadata())


def test_the_migrations_make_exactly_the_tables_the_code_declares(tmp_path, postgres):
    # A model changed without a migration fails here.
    for url in (str(tmp_path / 'new.sqlite'), postgres.create_database('fresh')):
        engine = connect(url)
        assert migrate.current(engine) == migrate.head()
        assert schema_differences(engine) == []


def test_a_stamped_release_database_matches_the_tables_too(tmp_path):
    copy = tmp_path / 'old.sqlite'
    shutil.copy(RELEASE_0_1_0, copy)
    assert schema_differences(connect(str(copy))) == []


def test_a_database_newer_than_the_code_is_refused_in_one_line(tmp_path):
    path = tmp_path / 'future.sqlite'
    connect(str(path))
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '9999'")
    with pytest.raises(StorageError, match='schema 9999, newer than this Swarm Studio knows'):
        connect(f'sqlite:///file:{path}?mode=rw&uri=true')  # another URL for the file: not the cached engine


OPEN_AT_ONCE = '''
import sys, time
from storage.db import connect
from storage.graphs import GraphRepository
from nodes.graph import Graph
while time.time() < float(sys.argv[2]):
    time.sleep(0.001)
graphs = GraphRepository(connect(sys.argv[1]))
graphs.create(Graph.model_validate({"name": "from " + sys.argv[3], "nodes": [], "edges": []}))
print(graphs.count())
'''


def open_at_once(url: str, processes: int = 6) -> list[subprocess.CompletedProcess]:
    import time
    start = time.time() + 3  # every process imported and waiting by then
    running = [subprocess.Popen([sys.executable, '-c', OPEN_AT_ONCE, url, str(start), str(number)], cwd=ROOT,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for number in range(processes)]
    return [subprocess.CompletedProcess(process.args, process.wait(timeout=120), *process.communicate())
            for process in running]


def test_processes_opening_one_new_sqlite_database_at_once_all_succeed(tmp_path):
    path = tmp_path / 'new.sqlite'
    results = open_at_once(str(path))
    assert [result.stderr for result in results if result.returncode] == []
    engine = open_engine(str(path))
    with engine.connect() as connection:
        assert connection.execute(text('SELECT count(*) FROM alembic_version')).scalar() == 1
        assert connection.execute(text('SELECT count(*) FROM graphs')).scalar() == 6
    engine.dispose()


def test_processes_opening_one_new_postgresql_database_at_once_all_succeed(postgres):
    url = postgres.create_database('opened_at_once')
    results = open_at_once(url)
    assert [result.stderr for result in results if result.returncode] == []
    engine = open_engine(url)
    with engine.connect() as connection:
        assert connection.execute(text('SELECT count(*) FROM alembic_version')).scalar() == 1
        assert connection.execute(text('SELECT count(*) FROM graphs')).scalar() == 6
    engine.dispose()


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, '-m', 'studio', *args], cwd=ROOT, capture_output=True, text=True)


def test_db_current_and_upgrade_on_a_release_database(tmp_path):
    copy = tmp_path / 'old.sqlite'
    shutil.copy(RELEASE_0_1_0, copy)
    head = migrate.head()
    before = cli('db', 'current', '--db', str(copy))
    assert (before.returncode, before.stdout) == (0, f'none (a database from before migrations); newest: {head}\n')
    upgraded = cli('db', 'upgrade', '--db', str(copy))
    assert (upgraded.returncode, upgraded.stdout) == (0, f'upgraded from none to {head}\n')
    assert cli('db', 'current', '--db', str(copy)).stdout == f'{head} (newest)\n'
    assert cli('db', 'upgrade', '--db', str(copy)).stdout == f'already at {head} (newest)\n'
    assert inspect(open_engine(str(copy))).has_table('alembic_version')
    assert len(release_rows(copy)['run_events']) == len(release_rows()['run_events'])


def test_db_commands_report_a_bad_database_in_one_line(tmp_path):
    result = cli('db', 'current', '--db', 'foo://bar')
    assert result.returncode == 1 and result.stderr.startswith('swarm-studio db: cannot open the database')
    assert len(result.stderr.splitlines()) == 1


def test_db_current_on_a_missing_file_says_so_and_creates_nothing(tmp_path):
    missing = tmp_path / 'not' / 'there.sqlite'
    result = cli('db', 'current', '--db', str(missing))
    assert result.returncode == 1 and result.stderr == (
        f'swarm-studio db: there is no database at {missing} yet (the app, any command that stores, '
        'or swarm-studio db upgrade creates it)\n')
    assert not missing.parent.exists()
    upgraded = cli('db', 'upgrade', '--db', str(missing))  # upgrade does create it, as it says
    assert upgraded.returncode == 0 and missing.exists()


def test_the_head_written_in_code_is_alembics():
    # An up-to-date database is recognised without importing Alembic, by this constant: a new
    # migration must update it, or every open would run the upgrade path.
    assert migrate.HEAD == migrate.alembic_head()
