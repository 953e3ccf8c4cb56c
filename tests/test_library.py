"""The start page: stored graphs, new, rename, duplicate, delete, import and the examples."""
from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

from nicegui import ElementFilter, ui
from nicegui.testing import User

from nodes.graph import Graph
from nodes.validation import check_text, load_graph
from studio.library import EXAMPLES, examples, unused_name

ROOT = Path(__file__).resolve().parent.parent
BRIEF = (ROOT / 'assets/examples/competitor-brief.json').read_text()


def list_of(user: User) -> ui.table:
    with user.client:
        [table] = ElementFilter(kind=ui.table, marker='graph-list')
    return table


def listed(user: User) -> list[dict]:
    """The rows of the library's list of graphs, as shown (the browser draws them: tests/browser)."""
    table = list_of(user)
    return table.rows if table.visible else []


async def eventually(condition, seconds: float = 5) -> None:
    for _ in range(int(seconds * 20)):
        if condition():
            return
        await asyncio.sleep(0.05)
    assert condition()


async def test_an_empty_library_says_how_to_start(user: User):
    await user.open('/')
    await user.should_see('No graphs yet')
    await user.should_see('New graph')


async def test_stored_graphs_are_listed_with_nodes_and_last_save(user: User, graphs):
    graph_id = graphs.import_text(BRIEF)
    await user.open('/')
    saved = graphs.list()[0].updated_at
    [row] = listed(user)
    assert row == {'id': graph_id, 'name': 'Competitor brief', 'nodes': 4, 'saved': saved.isoformat(),
                   'saved_text': f'{saved:%Y-%m-%d %H:%M} UTC'}
    assert "'/graph/' + props.row.id" in list_of(user).slots['body-cell-name'].template  # each name links to its editor
    await user.should_not_see(marker='graph-filter')  # a short list needs no filter


async def test_a_name_with_markup_is_shown_as_text(user: User, graphs):
    graphs.create(Graph(name='<b>bold</b><script>x()</script>'))
    await user.open('/')
    assert [row['name'] for row in listed(user)] == ['<b>bold</b><script>x()</script>']
    assert '{{ props.row.name }}' in list_of(user).slots['body-cell-name'].template  # Vue shows it as text


async def test_new_graph_asks_a_name_and_opens_the_editor(user: User, graphs):
    await user.open('/')
    user.find('New graph').click()
    user.find('Name').clear().type('Market scan')
    user.find('Create').click()
    # Creating stores the graph, then opens the editor: on a loaded machine more than the default three looks.
    await user.should_see('Saved · version 1', retries=30)
    [summary] = graphs.list()
    assert summary.name == 'Market scan' and summary.node_count == 0


async def test_rename_saves_a_new_version_under_the_new_name(user: User, graphs):
    graph_id = graphs.import_text(BRIEF)
    await user.open('/')
    user.find(marker='graph-list').trigger('rename', graph_id)
    user.find('Name').clear().type('Rivals')
    user.find(marker='confirm-rename').click()
    await eventually(lambda: [row['name'] for row in listed(user)] == ['Rivals'])
    assert graphs.get(graph_id).name == 'Rivals'
    assert graphs.versions(graph_id)[0].note == 'renamed'


async def test_duplicate_adds_a_copy(user: User, graphs):
    graph_id = graphs.import_text(BRIEF)
    await user.open('/')
    user.find(marker='graph-list').trigger('duplicate', graph_id)
    await eventually(lambda: 'Competitor brief (copy)' in [row['name'] for row in listed(user)])
    assert sorted(summary.name for summary in graphs.list()) == ['Competitor brief', 'Competitor brief (copy)']


async def test_delete_asks_first_and_cancel_keeps_the_graph(user: User, graphs):
    graph_id = graphs.import_text(BRIEF)
    await user.open('/')
    user.find(marker='graph-list').trigger('delete', graph_id)
    await user.should_see('Delete “Competitor brief” and all its versions? This cannot be undone.')
    user.find('Cancel').click()
    assert graphs.count() == 1
    user.find(marker='graph-list').trigger('delete', graph_id)
    user.find(marker='confirm-delete').click()
    await user.should_see('No graphs yet')
    assert graphs.count() == 0


async def upload(user: User, name: str, data: bytes) -> None:
    uploader = user.find(ui.upload).elements.pop()
    await uploader.handle_uploads([ui.upload.SmallFileUpload(name, 'application/json', data)])


async def test_import_stores_a_valid_file(user: User, graphs):
    await user.open('/')
    await upload(user, 'brief.json', BRIEF.encode())
    await eventually(lambda: [row['name'] for row in listed(user)] == ['Competitor brief'])
    assert graphs.get(graphs.list()[0].id).dumps() == load_graph(BRIEF).dumps()


async def test_a_bad_file_shows_the_validator_messages_and_changes_nothing(user: User, graphs):
    graphs.import_text(BRIEF)
    bad = BRIEF.replace('"target": "plan"', '"target": "ghost"').replace('"id": "tidy"', '"id": "Tidy Up"')
    expected = [problem.message for problem in check_text(bad)]
    assert len(expected) >= 2
    await user.open('/')
    await upload(user, 'broken.json', bad.encode())
    await user.should_see('broken.json was not imported; nothing was changed.')
    for message in expected:
        await user.should_see(message)
    assert graphs.count() == 1


async def test_a_file_that_is_not_json_is_refused_in_one_line(user: User, graphs):
    await user.open('/')
    await upload(user, 'notes.txt', b'not json at all')
    await user.should_see('the file is not valid JSON: Expecting value at line 1, column 1')
    assert graphs.count() == 0


def test_every_shipped_example_is_valid_and_offered():
    files = sorted(EXAMPLES.glob('*.json'))
    assert len(files) >= 3
    for path in files:
        result = subprocess.run([sys.executable, '-m', 'studio', 'validate', str(path)], cwd=ROOT,
                                capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
    assert len(examples()) == len(files)


def test_an_example_file_is_read_again_once_it_changes_and_left_out_while_invalid(tmp_path):
    folder = tmp_path / 'examples'
    folder.mkdir()
    path = folder / 'brief.json'
    document = json.loads(BRIEF)
    path.write_text(json.dumps(document))
    assert [example.name for example in examples(folder)] == ['Competitor brief']
    document['name'] = 'Rival brief, longer'  # another size too: a change within one mtime tick still shows
    path.write_text(json.dumps(document))
    assert [example.name for example in examples(folder)] == ['Rival brief, longer']
    path.write_text('{"format": "swarm-studio/graph", "version": 2')
    assert examples(folder) == []


def test_the_examples_use_every_tier():
    tiers = {node.config.get('tier') for example in examples() for node in load_graph(example.path.read_bytes()).nodes
             if node.kind == 'agent'}
    assert {1, 2, 3} <= tiers


async def test_an_example_opens_as_a_copy(user: User, graphs):
    await user.open('/')
    with user.scope(marker='example-competitor-brief'):
        user.find('Open a copy').click()
    await user.should_see('Saved · version 1', retries=50)  # copying and opening the editor: up to 5 s on a busy machine
    [summary] = graphs.list()
    assert graphs.get(summary.id).dumps() == load_graph(BRIEF).dumps()
    assert graphs.versions(summary.id)[0].note == 'copied from example competitor-brief.json'


async def test_a_second_copy_of_an_example_gets_a_name_of_its_own(user: User, graphs):
    for _ in range(2):
        await user.open('/')
        with user.scope(marker='example-competitor-brief'):
            user.find('Open a copy').click()
        await user.should_see('Saved · version 1', retries=50)
    assert sorted(summary.name for summary in graphs.list()) == ['Competitor brief', 'Competitor brief (2)']


def test_an_unused_name_counts_up_past_the_taken_ones():
    assert unused_name('Swarm', set()) == 'Swarm'
    assert unused_name('Swarm', {'Swarm', 'Swarm (2)', 'Other'}) == 'Swarm (3)'


async def test_the_filter_shows_for_a_long_list_and_is_cleared_when_the_list_gets_short(user: User, graphs):
    ids = [graphs.create(Graph(name=f'Scan {number}')) for number in range(9)]
    await user.open('/')
    await user.should_see(marker='graph-filter')
    with user.client:
        [search] = ElementFilter(kind=ui.input, marker='graph-filter')
    search.value = 'Scan 8'
    user.find(marker='graph-list').trigger('delete', ids[0])
    user.find(marker='confirm-delete').click()
    await eventually(lambda: len(listed(user)) == 8)
    await user.should_not_see(marker='graph-filter')
    assert search.value == ''  # hidden, it would still hide every row but one
