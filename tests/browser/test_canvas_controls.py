"""What users of other node editors reach for, in the real app: arrowheads, Escape, the zoom
readout and its 100% button, the shortcuts list on `?`, and a clicked palette item in view."""
from __future__ import annotations

import re

import pytest

from locators import node


def zoom(page) -> float:
    return page.evaluate('''() => new DOMMatrix(getComputedStyle(
        document.querySelector('.vue-flow__transformationpane')).transform).a''')


def inside(box: dict, area: dict) -> bool:
    return (box['x'] >= area['x'] and box['y'] >= area['y'] and box['x'] + box['width'] <= area['x'] + area['width']
            and box['y'] + box['height'] <= area['y'] + area['height'])


def test_edges_end_in_an_arrowhead(editor):
    marker = editor.locator('.vue-flow__edge[data-id="plan->tidy"] path.vue-flow__edge-path').get_attribute('marker-end')
    found = re.fullmatch(r"url\('?#([^')]+)'?\)", marker or '')
    assert found, marker
    assert editor.locator(f'marker[id="{found.group(1)}"] polyline').count() == 1


def test_escape_clears_the_selection(editor):
    node(editor, 'plan').click()
    editor.locator('.vue-flow__node.selected[data-id="plan"]').wait_for()
    editor.get_by_label('Title').wait_for()
    editor.mouse.move(10, 500)
    node(editor, 'plan').click()  # the canvas has the focus, as after any click on it
    editor.keyboard.press('Escape')
    editor.locator('.vue-flow__node.selected').wait_for(state='detached')
    editor.get_by_text('Select a node to edit it').wait_for()


def test_the_zoom_readout_follows_the_wheel_and_its_button_zooms_to_100_percent(editor):
    readout = editor.get_by_role('button', name='Zoom to 100%')
    before = readout.inner_text()
    assert before == f'{round(zoom(editor) * 100)}%'
    pane = editor.locator('.vue-flow__pane').bounding_box()
    editor.mouse.move(pane['x'] + pane['width'] / 2, pane['y'] + pane['height'] / 2)
    editor.mouse.wheel(0, 400)
    editor.wait_for_function('(before) => document.querySelector(".swarm-zoom__readout").textContent !== before',
                             arg=before)
    assert readout.inner_text() == f'{round(zoom(editor) * 100)}%'
    readout.click()
    editor.wait_for_function('document.querySelector(".swarm-zoom__readout").textContent === "100%"')
    assert zoom(editor) == pytest.approx(1)


def test_question_mark_shows_the_shortcuts_and_escape_hides_them(editor):
    node(editor, 'plan').click()
    editor.keyboard.press('?')
    shortcuts = editor.get_by_role('dialog', name='Keyboard shortcuts')
    shortcuts.wait_for()
    assert 'undo, redo' in shortcuts.inner_text()
    editor.keyboard.press('Escape')
    shortcuts.wait_for(state='detached')
    assert editor.locator('.vue-flow__node.selected[data-id="plan"]').count() == 1  # Escape closed the list only


def test_a_clicked_palette_item_lands_in_view(editor):
    pane = editor.locator('.vue-flow__pane')
    box = pane.bounding_box()
    editor.mouse.move(box['x'] + 60, box['y'] + box['height'] / 2)
    for _ in range(4):  # zoomed in on the left end: right of everything is off-screen
        editor.mouse.wheel(0, -300)
        editor.wait_for_timeout(50)
    editor.wait_for_timeout(300)
    report = node(editor, 'report')  # cards out of view are not rendered at all
    assert report.count() == 0 or not inside(report.bounding_box(), box)
    editor.locator('[data-kind="agent"]').click()
    added = node(editor, 'agent')
    added.wait_for()
    editor.wait_for_function('''() => {
        const card = document.querySelector('.vue-flow__node[data-id="agent"]').getBoundingClientRect();
        const pane = document.querySelector('.vue-flow__pane').getBoundingClientRect();
        return card.left >= pane.left && card.right <= pane.right && card.top >= pane.top && card.bottom <= pane.bottom;
    }''')
    assert inside(added.bounding_box(), pane.bounding_box())
