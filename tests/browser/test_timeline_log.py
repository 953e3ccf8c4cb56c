"""The run's timeline in the real app: each tick's lines arrive as one message and show in order, each
once; the graph opened again shows how its last run ended."""
from __future__ import annotations

import re


def open_timeline(page) -> None:
    if not page.locator('.q-drawer--right .q-tab', has_text='Timeline').is_visible():
        page.get_by_role('button', name='Run panel').click()
    page.locator('.q-drawer--right .q-tab', has_text='Timeline').click()


def timeline_lines(page) -> list[str]:
    return page.locator('.swarm-timeline .q-scrollarea__content > div').all_inner_texts()


def run_to_the_end(page) -> None:
    page.get_by_role('button', name='Run', exact=True).click()
    page.get_by_label('company (string)').fill('Acme')
    page.get_by_role('button', name='Start').click()
    page.locator('.swarm-run-status', has_text=re.compile('^succeeded$')).wait_for(timeout=30_000)


def test_a_runs_lines_show_in_order_and_come_back_with_the_page(editor):
    run_to_the_end(editor)
    open_timeline(editor)
    editor.locator('.swarm-timeline', has_text='run succeeded').wait_for()
    lines = timeline_lines(editor)
    assert 'run started: 4 nodes, simulated provider' in lines[0]
    assert 'run succeeded' in lines[-1]
    started = [line.split()[2] for line in lines if line.split()[3] == 'started']
    assert started == ['brief', 'plan', 'tidy', 'report'], lines  # the nodes, in the order the engine ran them
    # every line once: a tick's lines are appended, never the whole list again
    assert len(lines) == len(set(lines))

    editor.reload()  # the graph opened again shows how its last run ended: the cards' states and the timeline
    editor.locator('.vue-flow__node[data-id="report"].swarm-state-succeeded').wait_for()
    assert editor.locator('.vue-flow__node.swarm-state-succeeded').count() == 4
    open_timeline(editor)
    editor.locator('.swarm-timeline', has_text='run succeeded').wait_for()
    stored = timeline_lines(editor)
    # from the stored events: each node's steps in the same order (the live lines say a little more, e.g. tokens)
    def steps(timeline: list[str]) -> list[tuple[str, str]]:
        return [(line.split()[2], line.split()[3].rstrip(',:')) for line in timeline]
    assert steps(stored) == steps(lines)
