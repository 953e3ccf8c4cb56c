"""The run's timeline in the real app: each tick's lines arrive as one message and show in order, each
once; the graph opened again shows how its last run ended; a timeline out of sight is sent nothing
until it is shown."""
from __future__ import annotations

import re


def open_timeline(page) -> None:
    if not page.locator('.q-drawer--right .q-tab', has_text='Timeline').is_visible():
        page.get_by_role('button', name='Run panel').click()
    page.locator('.q-drawer--right .q-tab', has_text='Timeline').click()


def timeline_lines(page) -> list[str]:
    return page.locator('.swarm-timeline .q-scrollarea__content > div').all_inner_texts()


# Counts the lines that reach the page's timeline element (NiceGUI's runMethod calls the component's `push`).
COUNT_PUSHED_JS = '''() => {
  const log = getElement(document.querySelector('.swarm-timeline').id.slice(1));
  const push = log.push;
  window.__pushed = 0;
  log.push = (lines) => { window.__pushed += lines.length; return push(lines); };
}'''


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


def test_a_timeline_out_of_sight_is_sent_nothing_and_catches_up_when_shown(editor):
    editor.evaluate(COUNT_PUSHED_JS)
    run_to_the_end(editor)  # the run panel closed, as a page opens
    assert editor.evaluate('window.__pushed') == 0
    open_timeline(editor)
    editor.locator('.swarm-timeline', has_text='run succeeded').wait_for()
    lines = timeline_lines(editor)
    assert 'run started: 4 nodes, simulated provider' in lines[0] and 'run succeeded' in lines[-1]
    assert len(lines) == len(set(lines)) and editor.evaluate('window.__pushed') == len(lines)  # in one go

    editor.locator('.q-drawer--right .q-tab', has_text='Costs').click()  # open, but another tab shown
    run_to_the_end(editor)
    assert editor.evaluate('window.__pushed') == len(lines)
    open_timeline(editor)  # the second run's lines, which replaced the first's
    editor.locator('.swarm-timeline .q-scrollarea__content > div').first.filter(has_text='run started').wait_for()
    editor.locator('.swarm-timeline', has_text='run succeeded').wait_for()
    second = timeline_lines(editor)
    assert 'run started' in second[0] and 'run succeeded' in second[-1] and len(second) == len(set(second))
    assert editor.evaluate('window.__pushed') == len(lines) + len(second)
