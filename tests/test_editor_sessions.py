"""An open graph's saves (studio/editor/sessions.py) while the app stops: NiceGUI then runs no more
I/O (`run.io_bound` returns None), so a save started by a page going away must give up quietly and
leave the edits to the shutdown hook, never fail with a traceback."""
from __future__ import annotations

from pathlib import Path

from nicegui.testing import User

ROOT = Path(__file__).resolve().parent.parent
BRIEF = (ROOT / 'assets/examples/competitor-brief.json').read_text()


async def test_a_save_while_the_app_stops_gives_up_and_the_shutdown_save_keeps_the_edits(user: User, graphs,
                                                                                       monkeypatch):
    from studio.editor import sessions

    graph_id = graphs.import_text(BRIEF)
    await user.open(f'/graph/{graph_id}')
    await user.should_see('Saved · version 1')
    open_graph = user.sessions.get(graph_id)
    open_graph.session.set_config('tidy', 'prompt', 'Mine: {{ plan.steps }}')

    async def stopping(*_args, **_kwargs):
        return None  # what NiceGUI's run.io_bound does once the app is stopping

    monkeypatch.setattr(sessions.run, 'io_bound', stopping)
    assert await open_graph.save('autosave') is None
    assert open_graph.dirty and open_graph.error is None
    assert graphs.current_version(graph_id).number == 1

    user.sessions.save_all()  # the shutdown hook
    assert not open_graph.dirty
    assert graphs.get(graph_id).node('tidy').config['prompt'] == 'Mine: {{ plan.steps }}'
