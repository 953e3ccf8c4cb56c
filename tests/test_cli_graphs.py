"""The graph commands as a user runs them: exit codes, one-line errors, no tracebacks."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
EXAMPLE = ROOT / 'assets' / 'examples' / 'competitor-brief.json'
INVALID = Path(__file__).parent / 'graphs' / 'invalid'


def swarm(*args: str, db: Path | None = None, stdin: str | None = None) -> subprocess.CompletedProcess:
    command = [sys.executable, '-m', 'studio', *args] + (['--db', str(db)] if db else [])
    return subprocess.run(command, input=stdin, capture_output=True, text=True, cwd=ROOT, timeout=60)


@pytest.fixture
def db(tmp_path):
    return tmp_path / 'cli.sqlite'


def test_validate_accepts_a_valid_file():
    result = swarm('validate', str(EXAMPLE))
    assert (result.returncode, result.stdout, result.stderr) == (0, '', '')


def test_validate_prints_one_line_per_problem_and_exits_1():
    result = swarm('validate', str(INVALID / 'cycle.json'))
    assert result.returncode == 1
    assert result.stderr.splitlines() == [f'{INVALID / "cycle.json"}: edge tidy -> plan closes a cycle: tidy -> plan -> tidy']


@pytest.mark.parametrize('name', ['malformed_json', 'newer_version', 'not_an_object', 'nodes_not_array'])
def test_bad_files_never_show_a_traceback(name):
    result = swarm('validate', str(INVALID / f'{name}.json'))
    assert result.returncode == 1 and 'Traceback' not in result.stderr and result.stderr.strip()


def test_validate_reads_standard_input_and_reports_missing_files():
    assert swarm('validate', '-', stdin=EXAMPLE.read_text()).returncode == 0
    result = swarm('validate', 'no/such/file.json')
    assert (result.returncode, result.stderr) == (1, 'swarm-studio validate: no such file: no/such/file.json\n')


def test_usage_errors_exit_2():
    assert swarm('validate').returncode == 2
    assert swarm('frobnicate').returncode == 2


def test_validate_imports_neither_litellm_nor_the_database_layer():
    probe = ('import sys; from studio.cli import main; code = main(["validate", sys.argv[1]]); '
             'heavy = [m for m in sys.modules if m.split(".")[0] in ("litellm", "sqlalchemy", "sqlmodel", "storage", '
             '"nicegui", "openai")]; print(heavy); sys.exit(code)')
    result = subprocess.run([sys.executable, '-c', probe, str(EXAMPLE)], capture_output=True, text=True, cwd=ROOT)
    assert (result.returncode, result.stdout.strip()) == (0, '[]')


def test_import_list_export_round_trip(db, tmp_path):
    imported = swarm('import', str(EXAMPLE), db=db)
    assert imported.returncode == 0, imported.stderr
    graph_id = imported.stdout.splitlines()[-1]
    listed = json.loads(swarm('list', '--json', db=db).stdout)
    assert [(g['id'], g['name'], g['nodes']) for g in listed] == [(graph_id, 'Competitor brief', 4)]
    assert graph_id in swarm('list', db=db).stdout
    out = tmp_path / 'out.json'
    assert swarm('export', 'Competitor brief', '-o', str(out), db=db).returncode == 0
    assert json.loads(out.read_text()) == json.loads(EXAMPLE.read_text())
    assert swarm('export', graph_id, db=db).stdout == out.read_text()


def test_import_refuses_an_invalid_file_and_stores_nothing(db):
    swarm('import', str(EXAMPLE), db=db)
    result = swarm('import', str(INVALID / 'dangling_edge.json'), db=db)
    assert result.returncode == 1 and result.stdout == ''
    assert 'edge plan -> ghost: no node "ghost"' in result.stderr and 'nothing was stored' in result.stderr
    assert len(json.loads(swarm('list', '--json', db=db).stdout)) == 1


def test_export_of_an_unknown_graph_is_one_line(db):
    result = swarm('export', 'nothing-here', db=db)
    assert result.returncode == 1
    assert result.stderr == 'swarm-studio export: no stored graph has the id or name "nothing-here" (see: swarm-studio list)\n'


def test_an_unwritable_database_is_one_line(tmp_path):
    blocker = tmp_path / 'file'
    blocker.write_text('not a folder')
    result = swarm('list', db=blocker / 'sub' / 'x.sqlite')
    assert result.returncode == 1 and 'Traceback' not in result.stderr and len(result.stderr.splitlines()) == 1


def test_a_reader_that_goes_away_is_not_an_error_message(db):
    graph_id = swarm('import', str(EXAMPLE), db=db).stdout.strip()
    # `true` exits without reading, long before Python has started: the write meets a closed pipe.
    command = f'{sys.executable} -m studio export {graph_id} --db {db} | true'
    result = subprocess.run(['bash', '-c', command], capture_output=True, text=True, cwd=ROOT)
    assert result.stderr == ''


def test_validate_refuses_a_fifo_and_a_device_at_once(tmp_path):
    fifo = tmp_path / 'graph.json'
    os.mkfifo(fifo)
    for path in (str(fifo), '/dev/zero'):
        result = swarm('validate', path)
        assert result.returncode == 1
        assert result.stderr.strip() == f'swarm-studio validate: {path} is not a regular file (a pipe or a device?); ' \
                                         'give the path of a graph file'


def test_validate_refuses_a_file_over_5_mb_without_reading_it_all(tmp_path):
    big = tmp_path / 'big.json'
    big.write_bytes(b' ' * (5 * 1024 * 1024 + 1))
    for args in (('validate', str(big)), ('validate', '-')):
        result = swarm(*args, stdin=None if args[1] != '-' else ' ' * (5 * 1024 * 1024 + 1))
        assert result.returncode == 1
        assert 'is larger than 5 MB' in result.stderr and len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize('text, message', [
    ('[' * 10_000 + ']' * 10_000, 'nests objects and arrays more than 64 levels deep'),
    ('{"format": "swarm-studio.graph", "version": 1, "name": "x", "nodes": [], "edges": [], "n": '
     + '9' * 4301 + '}', 'an integer of 4301 digits'),
    ('{"format": "swarm-studio.graph", "version": 1, "name": "\\ud800", "nodes": [], "edges": []}',
     'holds a lone surrogate'),
    ('{"format": "swarm-studio.graph", "version": 1, "name": "x", "nodes": [{"id": "a", "kind": "input", '
     '"position": {"x": 1e400, "y": 0}}], "edges": []}', 'the number 1e400 is too large to be stored'),
    ('{"format": "swarm-studio.graph", "version": 1, "name": "x", "name": "y", "nodes": [], "edges": []}',
     'the key "name" appears twice in one object'),
    ('{"format": "swarm-studio.graph", "version": 1, "name": "x", "nodes": [{"id": "a", "kind": "agent", '
     '"config": {"prompt": "p", "max_retries": "2"}}], "edges": []}', 'config "max_retries" is invalid'),
    ('{"format": "swarm-studio.graph", "version": 1, "name": "x", "nodes": [{"id": "a", "kind": "agent", '
     '"config": {"prompt": "p", "temperature": true}}], "edges": []}', 'config "temperature" is invalid'),
    ('{"format": "swarm-studio.graph", "version": 1, "name": "x", "nodes": [{"id": "a", "kind": "agent", '
     '"config": {"prompt": "p", "output_schema": {"$ref": "#/$defs/ghost"}}}], "edges": []}',
     "a $ref cannot be resolved: Pointer '/$defs/ghost' does not exist"),
])
def test_validate_and_import_give_the_same_one_line_verdict(db, tmp_path, text, message):
    path = tmp_path / 'hostile.json'
    path.write_text(text, encoding='utf-8')
    validated, imported = swarm('validate', str(path)), swarm('import', str(path), db=db)
    assert validated.returncode == imported.returncode == 1
    assert message in validated.stderr and 'internal error' not in validated.stderr + imported.stderr
    assert validated.stderr.splitlines() == imported.stderr.splitlines()[:-1]
    assert imported.stderr.splitlines()[-1].endswith('nothing was stored')
    assert swarm('list', '--json', db=db).stdout.strip() == '[]'


def test_a_recursive_schema_is_accepted_by_validate_import_and_run_alike(db, tmp_path):
    # A tree is a recursive schema: JSON Schema allows it, and every step handles it (the
    # simulated provider samples it to a bounded depth), so no step refuses what another took.
    tree = {'$defs': {'t': {'type': 'object', 'properties': {'children': {'type': 'array', 'items': {'$ref': '#/$defs/t'}}},
                            'required': ['children']}}, '$ref': '#/$defs/t'}
    path = tmp_path / 'tree.json'
    path.write_text(json.dumps({'format': 'swarm-studio.graph', 'version': 1, 'name': 'tree', 'nodes': [
        {'id': 'a', 'kind': 'agent', 'config': {'tier': 3, 'prompt': 'Draw a tree', 'output_schema': tree}}],
        'edges': []}))
    assert swarm('validate', str(path)).returncode == 0
    assert swarm('import', str(path), db=db).returncode == 0
    ran = swarm('run', str(path), '--simulate', '--latency-ms', '0', '--json', db=db)
    assert ran.returncode == 0, ran.stderr
    assert 'children' in json.loads(ran.stdout)['nodes']['a']['output']


def test_an_unknown_key_holding_null_survives_the_round_trip(db, tmp_path):
    document = json.loads(EXAMPLE.read_text())
    document['reviewed_by'] = None
    document['nodes'][0]['note'] = None
    document['edges'][0]['label'] = None
    path = tmp_path / 'nulls.json'
    path.write_text(json.dumps(document))
    graph_id = swarm('import', str(path), db=db).stdout.strip()
    exported = json.loads(swarm('export', graph_id, db=db).stdout)
    assert exported['reviewed_by'] is None and 'reviewed_by' in exported
    assert 'note' in exported['nodes'][0] and 'label' in exported['edges'][0]


@pytest.mark.parametrize('url, message', [
    ('foo://bar', "cannot open the database at 'foo://bar'"),
    # A driver Swarm Studio does not install: the URL's password must not be shown.
    ('postgresql+pg8000://user:secret@localhost/db', "No module named 'pg8000'"),
])
def test_an_unusable_database_url_is_one_line_naming_it(url, message):
    result = subprocess.run([sys.executable, '-m', 'studio', 'list'], capture_output=True, text=True, cwd=ROOT,
                            timeout=60, env={**os.environ, 'SWARM_STUDIO_DB': url})
    assert result.returncode == 1
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert 'secret' not in result.stderr and 'internal error' not in result.stderr
