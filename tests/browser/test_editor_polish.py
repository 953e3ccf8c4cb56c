"""The small things a new user saw, in the real app at 1280×800: the run figures bar clear of the run
panel, tooltips out of the way after a click, the Input node's inspector without a sideways scroll,
no console errors when re-running from a node, and the settings' columns in line."""
from __future__ import annotations

import re

import pytest

from locators import node


@pytest.fixture
def console(page):
    """The page's console errors and warnings, as they come."""
    messages: list[str] = []
    page.on('console', lambda message: messages.append(f'{message.type}: {message.text}')
            if message.type in ('error', 'warning') else None)
    return messages


def run_to_the_end(page) -> None:
    page.get_by_role('button', name='Run', exact=True).click()
    page.get_by_label('company (string)').fill('Acme')
    page.get_by_role('button', name='Start').click()
    page.locator('.swarm-run-status', has_text=re.compile('^succeeded$')).wait_for(timeout=30_000)


def open_tab(page, tab: str) -> None:
    if not page.locator('.q-drawer--right .q-tab', has_text=tab).is_visible():
        page.get_by_role('button', name='Run panel').click()
    page.locator('.q-drawer--right .q-tab', has_text=tab).click()


def test_rerunning_from_a_node_with_history_kept_logs_no_console_error(editor, console):
    run_to_the_end(editor)
    open_tab(editor, 'History')
    editor.locator('.q-drawer--right [data-run-id]').wait_for()
    node(editor, 'tidy').click()  # the Node tab: History is kept alive off the page, and refreshed there
    editor.get_by_role('button', name='Re-run from here').click()
    editor.locator('.swarm-run-note', has_text='re-run from tidy').wait_for()
    editor.locator('.swarm-run-status', has_text=re.compile('^succeeded$')).wait_for(timeout=30_000)
    open_tab(editor, 'History')
    editor.locator('.q-drawer--right [data-run-id]').nth(1).wait_for()
    editor.wait_for_timeout(300)
    assert [message for message in console if 'Anchor' in message or message.startswith('error')] == []


def test_the_figures_bar_stays_clear_of_the_run_panel(editor):
    run_to_the_end(editor)
    open_tab(editor, 'Timeline')
    drawer = editor.locator('.q-drawer--right').bounding_box()
    bar = editor.locator('.q-card', has=editor.locator('.swarm-run-status')).bounding_box()
    assert bar['x'] + bar['width'] <= drawer['x']
    for figure in ('.swarm-run-progress', '.swarm-run-cost', '.swarm-run-flagship', '.swarm-run-savings'):
        box = editor.locator(figure).bounding_box()
        assert box['x'] + box['width'] <= drawer['x'], figure


def test_a_tooltip_goes_away_when_its_button_is_clicked(editor):
    tidy = editor.get_by_role('button', name='Tidy up: lay out in layers')
    tidy.hover()
    tip = editor.locator('.q-tooltip', has_text='Tidy up')
    tip.wait_for()
    tidy.click()
    tip.wait_for(state='hidden')
    editor.mouse.move(5, 400)  # off the button and back: tooltips show again
    editor.get_by_role('banner').get_by_role('button', name='Fit the graph in view').hover()
    editor.locator('.q-tooltip', has_text='Fit the graph in view').wait_for()


def test_the_input_nodes_inspector_needs_no_sideways_scroll(editor):
    node(editor, 'brief').click()
    editor.locator('.swarm-field-row').first.wait_for()
    scroll, width, overflowing = editor.evaluate('''() => {
        const panel = document.querySelector('.swarm-inspector-panel .q-scrollarea__container');
        const right = panel.getBoundingClientRect().right;
        const controls = [...document.querySelectorAll('.swarm-field-row .q-field, .swarm-field-row .q-btn')];
        return [panel.scrollWidth, panel.clientWidth,
                controls.filter((control) => control.getBoundingClientRect().right > right + 0.5).length];
    }''')
    assert scroll <= width and overflowing == 0


def test_the_settings_columns_line_up(server, page):
    page.goto(f'{server}/settings')
    page.locator('.swarm-model-row').first.wait_for()
    # a model litellm does not price gets price fields: its row differs from the others (not saved)
    page.get_by_placeholder('a litellm model name, e.g. gpt-4o-mini').nth(2).fill('my-own-local-model')
    page.get_by_role('button', name='Add').nth(2).click()
    page.get_by_label('in $/1M').wait_for()
    lefts = page.evaluate('''() => {
        const rows = [...document.querySelectorAll('.swarm-model-row')];
        return rows.map((row) => [...row.children].slice(0, 4).map((cell) => Math.round(cell.getBoundingClientRect().left)));
    }''')
    assert len(lefts) >= 4
    assert all(row == lefts[0] for row in lefts), lefts
    # and a row with price fields (an own-priced model) is among them: rows differ and still line up
    assert page.evaluate('[...document.querySelectorAll(".swarm-model-row")].some((row) => '
                         'row.querySelectorAll("input").length > 1)')
