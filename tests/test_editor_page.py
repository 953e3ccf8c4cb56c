"""The editor page's logic in NiceGUI's user simulation: canvas events in, session edits and deltas out.

The canvas element itself runs only in a browser (tests/browser/); here its events are
triggered as the browser would send them, and its Python → browser calls are recorded.
"""
from __future__ import annotations

import asyncio
import json
from pathlib import Path

from nicegui import ui
from nicegui.testing import User

from nodes.validation import load_graph
from studio.canvas import Canvas
from studio.editor.layout import COLUMN_WIDTH
from studio.editor.page import export_file_name

ROOT = Path(__file__).resolve().parent.parent
BRIEF = (ROOT / 'assets/examples/competitor-brief.json').read_text()


async def open_editor(user: User, graphs, text: str = BRIEF) -> tuple[str, list[tuple[str, tuple]]]:
    """Store a graph, open its page; return its id and a log of the canvas's Python → browser calls."""
    graph_id = graphs.import_text(text)
    await user.open(f'/graph/{graph_id}')
    await user.should_see('Saved · version 1')
    canvas = canvas_of(user)
    calls: list[tuple[str, tuple]] = []
    sent = canvas.run_method

    def recording(name, *args, **kwargs):
        calls.append((name, args))
        return sent(name, *args, **kwargs)
    canvas.run_method = recording
    return graph_id, calls


def canvas_of(user: User) -> Canvas:
    return next(iter(user.find(Canvas).elements))


def session_of(user: User, graph_id: str):
    return user.sessions.get(graph_id).session


def canvas_event(user: User, name: str, args) -> None:
    user.find(Canvas).trigger(name, args)


async def eventually(condition, timeout: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, 'condition not met in time'
        await asyncio.sleep(0.05)


async def test_the_page_shows_the_graph_the_palette_and_an_empty_inspector(user: User, graphs):
    graph_id, _ = await open_editor(user, graphs)
    await user.should_see('Competitor brief')
    for label in ('Input', 'Agent', 'Output'):
        await user.should_see(label)
    await user.should_see('Select a node to edit it, or add one from the palette.')


async def test_an_unknown_graph_id_says_so(user: User):
    await user.open('/graph/nosuchid')
    await user.should_see('There is no stored graph with the id "nosuchid".')


async def test_a_palette_click_adds_a_node_selects_it_and_sends_a_delta(user: User, graphs):
    graph_id, calls = await open_editor(user, graphs)
    user.find(marker='palette-agent').click()
    session = session_of(user, graph_id)
    assert 'agent' in session and session.node('agent').config == {'tier': 'auto', 'prompt': 'Describe the task for this agent.'}
    assert [name for name, _ in calls] == ['apply', 'select', 'reveal']  # brought into view: it may land off-screen
    assert calls[0][1][0][0]['op'] == 'add_node' and calls[1][1] == (['agent'],) and calls[2][1] == (['agent'],)
    await user.should_see('id: agent · templates read its output as {{ agent }}')


async def test_a_drop_adds_the_dropped_kind_where_it_was_dropped(user: User, graphs):
    graph_id, _ = await open_editor(user, graphs)
    canvas_event(user, 'drop', {'kind': 'output', 'x': 400, 'y': 250})
    canvas_event(user, 'drop', {'kind': 'no-such-kind', 'x': 0, 'y': 0})
    node = session_of(user, graph_id).node('output')
    assert (node.kind, node.position.x, node.position.y) == ('output', 400, 250)
    assert len(session_of(user, graph_id).node_ids()) == 5


async def test_connect_accepts_an_edge_by_sending_it_back(user: User, graphs):
    graph_id, calls = await open_editor(user, graphs)
    canvas_event(user, 'connect', {'source': 'brief', 'target': 'tidy'})
    assert session_of(user, graph_id).has_edge('brief', 'tidy')
    assert calls == [('apply', ([{'op': 'add_edge', 'edge': {'id': 'brief->tidy', 'source': 'brief',
                                                              'target': 'tidy'}}],))]


async def test_a_cycle_is_refused_named_and_flashed_and_never_stays(user: User, graphs):
    graph_id, calls = await open_editor(user, graphs)
    canvas_event(user, 'connect', {'source': 'tidy', 'target': 'plan'})
    await user.should_see('would close a cycle: plan → tidy → plan')
    assert calls == [('flash_path', (['plan', 'tidy', 'plan'],))]
    assert not session_of(user, graph_id).has_edge('tidy', 'plan')


async def test_a_self_loop_and_a_duplicate_are_refused(user: User, graphs):
    graph_id, calls = await open_editor(user, graphs)
    canvas_event(user, 'connect', {'source': 'plan', 'target': 'plan'})
    await user.should_see('would close a cycle: plan → plan')
    canvas_event(user, 'connect', {'source': 'brief', 'target': 'plan'})
    await user.should_see('brief → plan is already connected')
    assert [name for name, _ in calls] == ['flash_path']
    assert len(session_of(user, graph_id).edges()) == 3


async def test_delete_then_undo_and_redo_from_the_keyboard(user: User, graphs):
    graph_id, calls = await open_editor(user, graphs)
    session = session_of(user, graph_id)
    canvas_event(user, 'delete', {'nodes': ['tidy'], 'edges': ['brief->plan']})
    assert 'tidy' not in session and session.edges() == []
    canvas_event(user, 'key', {'action': 'undo'})
    await eventually(lambda: 'tidy' in session)
    assert session.graph().dumps() == load_graph(BRIEF).dumps()
    canvas_event(user, 'key', {'action': 'redo'})
    await eventually(lambda: 'tidy' not in session)
    assert all(name == 'apply' for name, _ in calls), 'edits send deltas, never the whole graph again'


async def test_the_toolbar_undo_redo_and_delete(user: User, graphs):
    graph_id, _ = await open_editor(user, graphs)
    session = session_of(user, graph_id)
    canvas_event(user, 'selection', {'nodes': ['report'], 'edges': []})
    user.find(marker='delete').click()
    assert 'report' not in session
    user.find(marker='undo').click()
    assert 'report' in session
    user.find(marker='redo').click()
    assert 'report' not in session


async def test_moves_are_one_step_and_rounded(user: User, graphs):
    graph_id, _ = await open_editor(user, graphs)
    session = session_of(user, graph_id)
    canvas_event(user, 'move', [{'id': 'plan', 'x': 300.4, 'y': 80.6}, {'id': 'tidy', 'x': 560, 'y': 80}])
    assert (session.node('plan').position.x, session.node('plan').position.y) == (300, 81)
    user.find(marker='undo').click()
    assert (session.node('tidy').position.x, session.node('tidy').position.y) == (520, 0)



async def test_a_resize_on_the_canvas_is_one_edit_and_one_the_session_refuses_redraws_what_is_stored(user: User, graphs):
    graph_id, calls = await open_editor(user, graphs)
    session = session_of(user, graph_id)
    session.add_annotation('note', 0, 0)
    calls.clear()
    canvas_event(user, 'resize', {'annotation': 'note', 'x': -40, 'y': 10, 'width': 260.4, 'height': 110})
    note = session.annotations()[0]
    assert (note['position'], note['size']) == ({'x': -40, 'y': 10}, {'width': 260, 'height': 110})
    assert [op['op'] for name, args in calls for op in args[0]] == ['set_annotations']
    for malformed in ({'annotation': 'note', 'x': 0, 'y': 0, 'width': 'wide', 'height': 90}, {'x': 0}, ['note'],
                      {'annotation': 'note', 'x': 0, 'y': 0, 'width': float('nan'), 'height': 90}):
        canvas_event(user, 'resize', malformed)  # ignored: nothing a user did makes these
    assert session.annotations()[0] == note
    calls.clear()
    canvas_event(user, 'resize', {'annotation': 'gone', 'x': 0, 'y': 0, 'width': 300, 'height': 300})
    assert calls == [('apply', ([{'op': 'set_annotations', 'annotations': session.view()[2]}],))]
    user.find(marker='undo').click()
    assert session.annotations()[0]['size'] == {'width': 220, 'height': 120}


async def test_selecting_a_node_opens_its_kind_fields_in_the_inspector(user: User, graphs):
    await open_editor(user, graphs)
    canvas_event(user, 'selection', {'nodes': ['plan'], 'edges': []})
    for label in ('Title', 'Tier', 'Model override', 'System prompt', 'Prompt', 'Output schema', 'Max retries',
                  'Temperature', 'Simulation faults'):
        await user.should_see(label)
    canvas_event(user, 'selection', {'nodes': ['brief'], 'edges': []})
    await user.should_see('Input fields')
    await user.should_not_see('Prompt')
    canvas_event(user, 'selection', {'nodes': ['brief', 'plan'], 'edges': ['brief->plan']})
    await user.should_see('3 items selected.')


async def test_typing_a_title_is_one_undo_step_and_reaches_the_canvas(user: User, graphs):
    graph_id, calls = await open_editor(user, graphs)
    canvas_event(user, 'selection', {'nodes': ['plan'], 'edges': []})
    user.find(marker='title').clear().type('Chief strategist')
    session = session_of(user, graph_id)
    assert session.node('plan').title == 'Chief strategist'
    assert calls[-1] == ('apply', ([{'op': 'update_node', 'id': 'plan', 'changes': {'title': 'Chief strategist'}}],))
    user.find(marker='undo').click()
    assert session.node('plan').title == 'Strategist'


async def test_a_prompt_problem_shows_under_the_field_and_on_the_node_as_the_user_types(user: User, graphs):
    graph_id, calls = await open_editor(user, graphs)
    canvas_event(user, 'selection', {'nodes': ['plan'], 'edges': []})
    prompt = next(iter(user.find(marker='prompt').elements))
    with user:
        prompt.value = 'Plan using {{ report }}'
    message = 'prompt refers to "report", which is not upstream of "plan"; draw a path report -> … -> plan or remove the reference'
    await user.should_see(message)
    assert calls[-1][1][0][0]['changes']['problems'] == [message]
    await user.should_see('1 problem')
    with user:
        prompt.value = 'Plan using {{ brief.company }}'
    await user.should_not_see(message)
    assert calls[-1][1][0][0]['changes']['problems'] == []


async def test_json_that_does_not_parse_is_kept_as_a_draft_counted_saved_and_back_after_a_reload(user: User, graphs):
    graph_id, _ = await open_editor(user, graphs)
    canvas_event(user, 'selection', {'nodes': ['tidy'], 'edges': []})
    schema = next(iter(user.find(marker='output_schema').elements))
    with user:
        schema.value = '{"type": "object",'
    await user.should_see('not valid JSON: Expecting property name enclosed in double quotes at line 1, column 19')
    await user.should_see('1 problem')
    session = session_of(user, graph_id)
    assert 'output_schema' not in session.node('tidy').config
    await user.should_see('Saved · version 2', retries=60)  # the typed text is what was saved
    assert graphs.get(graph_id).node('tidy').drafts == {'output_schema': '{"type": "object",'}

    await user.open(f'/graph/{graph_id}')  # a reload
    await user.should_see('1 problem')
    canvas_event(user, 'selection', {'nodes': ['tidy'], 'edges': []})
    schema = next(iter(user.find(marker='output_schema').elements))
    assert schema.value == '{"type": "object",'
    await user.should_see('not valid JSON')
    with user:
        schema.value = '{"type": "object", "required": ["items"]}'
    await user.should_not_see('not valid JSON')
    session = session_of(user, graph_id)
    assert session.node('tidy').config['output_schema'] == {'type': 'object', 'required': ['items']}
    assert session.draft('tidy', 'output_schema') is None and session.problems.count == 0
    with user:
        schema.value = '{"type": "nope"}'
    await user.should_see("output_schema is not a valid JSON Schema")


async def test_the_tier_select_and_numbers_edit_the_config(user: User, graphs):
    graph_id, calls = await open_editor(user, graphs)
    canvas_event(user, 'selection', {'nodes': ['tidy'], 'edges': []})
    user.find(marker='tier').click()
    user.find('2 · analytical / coding').click()
    session = session_of(user, graph_id)
    assert session.node('tidy').config['tier'] == 2
    assert calls[-1][1][0][0]['changes']['tier'] == 2
    with user:
        next(iter(user.find(marker='max_retries').elements)).value = 4
        next(iter(user.find(marker='temperature').elements)).value = 0.3
    assert session.node('tidy').config['max_retries'] == 4 and session.node('tidy').config['temperature'] == 0.3


async def test_the_fields_table_edits_the_input_fields(user: User, graphs):
    graph_id, _ = await open_editor(user, graphs)
    canvas_event(user, 'selection', {'nodes': ['brief'], 'edges': []})
    user.find(marker='add-fields').click()
    session = session_of(user, graph_id)
    assert session.node('brief').config['fields'][-1] == {'name': 'field_2', 'type': 'string'}
    with user.scope(marker='fields-1'):
        name = next(iter(user.find(marker='field-name').elements))
    with user:
        name.value = 'region'
    assert session.node('brief').config['fields'][-1]['name'] == 'region'
    with user:
        name.value = 'not a name'
    await user.should_see('is invalid')
    user.find(marker='undo').click()
    user.find(marker='undo').click()
    assert [field['name'] for field in session.node('brief').config['fields']] == ['company']


async def test_undo_of_an_inspector_edit_shows_the_old_value_again(user: User, graphs):
    graph_id, _ = await open_editor(user, graphs)
    canvas_event(user, 'selection', {'nodes': ['plan'], 'edges': []})
    user.find(marker='title').clear().type('Renamed')
    user.find(marker='undo').click()
    title = next(iter(user.find(marker='title').elements))
    assert title.value == 'Strategist'


async def test_deleting_the_inspected_node_empties_the_inspector(user: User, graphs):
    await open_editor(user, graphs)
    canvas_event(user, 'selection', {'nodes': ['plan'], 'edges': []})
    await user.should_see('Output schema')
    canvas_event(user, 'delete', {'nodes': ['plan'], 'edges': []})
    await user.should_see('Select a node to edit it, or add one from the palette.')


async def test_copy_and_paste_select_the_pasted_nodes(user: User, graphs):
    graph_id, calls = await open_editor(user, graphs)
    canvas_event(user, 'selection', {'nodes': ['plan', 'tidy'], 'edges': []})
    canvas_event(user, 'key', {'action': 'copy'})
    await user.should_see('Copied 2 nodes.')
    canvas_event(user, 'key', {'action': 'paste'})
    await eventually(lambda: 'tidy_2' in session_of(user, graph_id))
    assert calls[-1] == ('select', (['plan_2', 'tidy_2'],))


async def test_save_makes_a_version_and_a_second_save_of_the_same_graph_does_not(user: User, graphs):
    graph_id, _ = await open_editor(user, graphs)
    canvas_event(user, 'move', [{'id': 'plan', 'x': 0, 'y': 400}])
    user.find(marker='save').click()
    await user.should_see('Saved: version 2.')
    user.find(marker='save').click()
    await eventually(lambda: len(graphs.versions(graph_id)) == 2)
    await asyncio.sleep(0.2)
    assert len(graphs.versions(graph_id)) == 2
    assert graphs.get(graph_id).node('plan').position.y == 400


async def test_edits_are_autosaved_a_moment_after_the_last_one(user: User, graphs):
    graph_id, _ = await open_editor(user, graphs)
    canvas_event(user, 'move', [{'id': 'plan', 'x': 0, 'y': 400}])
    await user.should_see('Unsaved changes')
    await eventually(lambda: graphs.current_version(graph_id).number == 2)
    assert graphs.versions(graph_id)[0].note == 'autosave'
    await user.should_see('Saved · version 2')


async def test_a_reload_finds_unsaved_edits_and_they_are_saved(user: User, graphs):
    graph_id, _ = await open_editor(user, graphs)
    canvas_event(user, 'delete', {'nodes': ['report'], 'edges': []})
    await user.open(f'/graph/{graph_id}')  # before the autosave
    assert 'report' not in session_of(user, graph_id)
    first_page = user.sessions.get(graph_id).pages
    assert len(first_page) == 2
    await eventually(lambda: 'report' not in {node.id for node in graphs.get(graph_id).nodes})


async def test_export_downloads_the_graph_file_which_imports_as_the_same_graph(user: User, graphs):
    graph_id, _ = await open_editor(user, graphs)
    canvas_event(user, 'connect', {'source': 'brief', 'target': 'tidy'})
    user.find(marker='export').click()
    exported = (await user.download.next()).text
    assert exported == session_of(user, graph_id).graph().dumps()
    copy_id = graphs.import_text(exported)
    assert graphs.get(copy_id).dumps() == exported


async def test_renaming_the_graph_in_the_toolbar_is_an_undoable_edit(user: User, graphs):
    graph_id, _ = await open_editor(user, graphs)
    name = user.find(marker='graph-name')
    name.clear().type('Rivals').trigger('blur')
    session = session_of(user, graph_id)
    assert session.name == 'Rivals'
    name.clear().trigger('blur')
    await user.should_see('A graph needs a name; the old one is kept.')
    user.find(marker='undo').click()
    assert session.name == 'Competitor brief'
    assert next(iter(name.elements)).value == 'Competitor brief'


async def test_versions_list_and_restore(user: User, graphs):
    graph_id, calls = await open_editor(user, graphs)
    canvas_event(user, 'delete', {'nodes': ['report'], 'edges': []})
    user.find(marker='versions').click()
    await user.should_see(marker='version-2')
    await user.should_see('autosave')
    with user.scope(marker='version-1'):
        user.find('Restore').click()
    await user.should_see('Restored version 1 as version 3.')
    assert graphs.get(graph_id).dumps() == load_graph(BRIEF).dumps()
    session = session_of(user, graph_id)
    assert 'report' in session
    assert calls[-1][0] == 'apply'  # the restore's deltas, not a reload
    await user.should_see('Saved · version 3')
    user.find(marker='undo').click()  # a restore is an edit like any other
    assert 'report' not in session


async def test_tidy_up_lays_out_and_fits_the_view(user: User, graphs):
    graph_id, calls = await open_editor(user, graphs)
    canvas_event(user, 'move', [{'id': 'report', 'x': -500, 'y': 300}])
    user.find(marker='tidy').click()
    session = session_of(user, graph_id)
    x = [session.node(node_id).position.x for node_id in ('brief', 'plan', 'tidy', 'report')]
    assert [right - left for left, right in zip(x, x[1:])] == [COLUMN_WIDTH] * 3
    assert len({session.node(node_id).position.y for node_id in session.node_ids()}) == 1
    assert [name for name, _ in calls][-2:] == ['apply', 'fit_view']


async def test_a_title_with_markup_stays_text(user: User, graphs):
    markup = '<img src=x onerror=alert(1)>'
    graph_id, calls = await open_editor(user, graphs, BRIEF.replace('"Strategist"', json.dumps(markup)))
    canvas_event(user, 'selection', {'nodes': ['plan'], 'edges': []})
    title = next(iter(user.find(marker='title').elements))
    assert title.value == markup
    await user.should_not_see(kind=ui.html)
    await user.should_not_see(kind=ui.markdown)


def test_the_export_file_is_named_after_the_graph():
    assert export_file_name('Competitor brief (v2)') == 'competitor-brief-v2.json'
    assert export_file_name('<<>>') == 'graph.json'


async def test_a_2400_node_graph_opens_and_an_edit_sends_only_its_delta(user: User, graphs):
    import sys
    sys.path.insert(0, str(ROOT / 'benchmarks'))
    from generate import generate_graph
    graph_id, calls = await open_editor(user, graphs, generate_graph(2400).dumps())
    canvas_event(user, 'connect', {'source': 'brief', 'target': 'result'})
    canvas_event(user, 'selection', {'nodes': ['a00007'], 'edges': []})
    user.find(marker='title').clear().type('Renamed')
    assert calls == [('apply', ([{'op': 'add_edge', 'edge': {'id': 'brief->result', 'source': 'brief', 'target': 'result'}}],)),
                     ('apply', ([{'op': 'update_node', 'id': 'a00007', 'changes': {'title': ''}}],)),
                     ('apply', ([{'op': 'update_node', 'id': 'a00007', 'changes': {'title': 'Renamed'}}],))]


async def test_a_stored_graph_that_cannot_be_loaded_opens_with_its_problems_listed(user: User, graphs):
    # As a graph stored before today's checks could be: a position that was an overflowing float,
    # saved as null. The page lists what is wrong instead of failing with a server error.
    from sqlalchemy import text as sql
    graph_id = graphs.import_text(BRIEF)
    with graphs.engine.begin() as connection:
        document = connection.execute(sql('SELECT document FROM graph_versions WHERE graph_id = :id'),
                                      {'id': graph_id}).scalar_one()
        broken = json.loads(document)
        broken['nodes'][0]['position']['x'] = None
        connection.execute(sql('UPDATE graph_versions SET document = :document WHERE graph_id = :id'),
                           {'document': json.dumps(broken), 'id': graph_id})
    await user.open(f'/graph/{graph_id}')
    await user.should_see(f'The stored graph "{graph_id}" cannot be drawn; its problems:')
    await user.should_see('nodes.0.position.x: Value error, must be a number')


def test_a_run_of_autosaves_is_listed_as_its_newest_until_show_all():
    from types import SimpleNamespace

    from studio.editor.page import collapse_autosaves
    versions = [SimpleNamespace(number=number, note=note) for number, note in
                ((6, 'autosave'), (5, 'autosave'), (4, 'autosave'), (3, 'saved'), (2, 'autosave'), (1, 'imported'))]
    assert [v.number for v in collapse_autosaves(versions, current=6)] == [6, 3, 2, 1]
    assert [v.number for v in collapse_autosaves(versions, current=5)] == [6, 5, 3, 2, 1]


async def test_the_versions_list_hides_older_autosaves_behind_show_all(user: User, graphs):
    graph_id, _ = await open_editor(user, graphs)
    for x in (10, 20, 30):
        canvas_event(user, 'move', [{'id': 'report', 'x': x, 'y': 0}])
        await user.sessions.get(graph_id).save('autosave')
    user.find(marker='versions').click()
    await user.should_see(marker='version-4')
    await user.should_see('2 older autosaves not listed')
    await user.should_not_see(marker='version-2')
    user.find('Show all').click()
    await user.should_see(marker='version-2')


async def test_the_canvas_refuses_a_subscription_to_an_event_it_never_emits(user: User, graphs):
    import pytest
    await open_editor(user, graphs)
    canvas = canvas_of(user)
    with pytest.raises(ValueError, match='emits no "node_clicked" event'):
        canvas.on('node_clicked', lambda event: None)
    canvas.on('node_click', lambda event: None)  # the name in src/events.json
