"""A save by another process while a graph is open in the editor: the editor's next save is
refused with a message, the user's edits stay in the editor, and they choose: reload theirs, or
keep theirs and save the edits as a copy. Another process is played by a second repository
saving into the same database file, as another app process would."""
from __future__ import annotations

from pathlib import Path

from nicegui.testing import User

from storage.db import open_engine
from storage.graphs import GraphRepository

ROOT = Path(__file__).resolve().parent.parent
BRIEF = (ROOT / 'assets/examples/competitor-brief.json').read_text()


def other_process(graphs: GraphRepository) -> GraphRepository:
    # An engine of its own on the same file, as another process has.
    return GraphRepository(open_engine(str(graphs.engine.url)))


async def edited_then_saved_elsewhere(user: User, graphs) -> tuple[str, object]:
    graph_id = graphs.import_text(BRIEF)
    await user.open(f'/graph/{graph_id}')
    await user.should_see('Saved · version 1')
    theirs = graphs.get(graph_id)
    theirs.node('plan').config['prompt'] = 'Theirs: {{ brief.company }}'
    assert other_process(graphs).save(graph_id, theirs, note='their save').number == 2
    return graph_id, user.sessions.get(graph_id)


async def test_a_save_after_another_process_saved_is_refused_and_the_edits_are_kept(user: User, graphs):
    graph_id, open_graph = await edited_then_saved_elsewhere(user, graphs)
    session = open_graph.session
    session.set_config('tidy', 'prompt', 'Mine: {{ plan.steps }}')
    assert open_graph.dirty
    assert await open_graph.save('saved') is None
    assert 'this graph was changed by another process at' in open_graph.error
    assert 'your edits are kept here — reload to see theirs, or save as a copy' in open_graph.error
    await user.should_see('your edits are kept here')
    # Nothing of theirs was overwritten; nothing of ours was dropped.
    assert graphs.current_version(graph_id).number == 2
    assert graphs.get(graph_id).node('plan').config['prompt'] == 'Theirs: {{ brief.company }}'
    assert open_graph.dirty and session.graph().node('tidy').config['prompt'] == 'Mine: {{ plan.steps }}'
    # Trying again (an autosave) is refused the same way: still no overwrite.
    assert await open_graph.save('autosave') is None and graphs.current_version(graph_id).number == 2

    copy_id = await open_graph.save_as_copy()
    assert graphs.get(copy_id).node('tidy').config['prompt'] == 'Mine: {{ plan.steps }}'
    assert graphs.get(graph_id).node('plan').config['prompt'] == 'Theirs: {{ brief.company }}'


async def test_reload_theirs_replaces_the_session_with_the_stored_version(user: User, graphs):
    graph_id, open_graph = await edited_then_saved_elsewhere(user, graphs)
    open_graph.session.set_config('tidy', 'prompt', 'Mine: {{ plan.steps }}')
    assert await open_graph.save('saved') is None
    await user.sessions.reload(graph_id)
    assert open_graph.error is None and not open_graph.dirty and open_graph.version == 2
    assert open_graph.session.graph().node('plan').config['prompt'] == 'Theirs: {{ brief.company }}'
    await user.should_see('Saved · version 2')
    # From the version it now holds, the next edit saves normally.
    open_graph.session.set_config('tidy', 'prompt', 'Mine again: {{ plan.steps }}')
    assert (await open_graph.save('saved')).number == 3


async def test_two_pages_of_one_process_still_share_one_session_without_conflict(user: User, graphs):
    graph_id = graphs.import_text(BRIEF)
    await user.open(f'/graph/{graph_id}')
    await user.open(f'/graph/{graph_id}')  # a second tab
    open_graph = user.sessions.get(graph_id)
    assert len(open_graph.pages) == 2
    open_graph.session.set_config('tidy', 'prompt', 'First: {{ plan.steps }}')
    assert (await open_graph.save('saved')).number == 2
    open_graph.session.set_config('tidy', 'prompt', 'Second: {{ plan.steps }}')
    assert (await open_graph.save('saved')).number == 3 and open_graph.error is None
