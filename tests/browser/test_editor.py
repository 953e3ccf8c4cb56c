"""The editor in a real Chromium against the real app (`swarm-studio serve`): each test opens
its own copy of the competitor-brief example (brief → plan → tidy → report) from the library."""
from __future__ import annotations

import json
import re

from studio.editor.page import export_file_name

from locators import node

MARKUP = '<b>x</b><img src=x onerror="window.__xss = 1">'


def edge(page, edge_id: str):
    return page.locator(f'.vue-flow__edge[data-id="{edge_id}"]')


def center(locator) -> tuple[float, float]:
    box = locator.bounding_box()
    assert box is not None, f'{locator} is not rendered'
    return box['x'] + box['width'] / 2, box['y'] + box['height'] / 2


def connect(page, source: str, target: str) -> None:
    page.mouse.move(*center(node(page, source).locator('.vue-flow__handle.source')))
    page.mouse.down()
    page.mouse.move(*center(node(page, target).locator('.vue-flow__handle.target')), steps=8)
    page.mouse.up()


def notification(page, text: str):
    found = page.locator('.q-notification', has_text=text)
    found.first.wait_for()
    return found


def focus_canvas(page) -> None:
    """Click an empty spot of the canvas (keyboard shortcuts go to the canvas then)."""
    box = page.locator('.vue-flow__pane').bounding_box()
    page.mouse.click(box['x'] + 30, box['y'] + 30)


def test_drag_from_the_palette_adds_a_node_where_it_is_dropped(editor):
    pane = editor.locator('.vue-flow__pane')
    box = pane.bounding_box()
    editor.locator('[data-kind="agent"]').drag_to(pane, target_position={'x': box['width'] / 2, 'y': box['height'] - 120})
    added = node(editor, 'agent')
    added.wait_for()
    assert added.locator('.swarm-node__title').inner_text() == 'Agent'
    assert editor.get_by_label('Title').input_value() == 'Agent'  # the new node is selected and inspected
    assert center(added)[1] > center(node(editor, 'plan'))[1]


def test_connect_then_a_cycle_is_refused_with_its_message_and_no_edge_left(editor):
    connect(editor, 'brief', 'tidy')
    edge(editor, 'brief->tidy').wait_for(state='attached')
    connect(editor, 'tidy', 'plan')
    notification(editor, 'would close a cycle: plan → tidy → plan')
    assert edge(editor, 'tidy->plan').count() == 0
    assert editor.locator('.vue-flow__edge').count() == 4
    editor.wait_for_timeout(300)
    assert edge(editor, 'tidy->plan').count() == 0


def test_delete_then_undo_and_redo(editor):
    node(editor, 'tidy').click()
    editor.keyboard.press('Delete')
    node(editor, 'tidy').wait_for(state='detached')
    assert editor.locator('.vue-flow__edge').count() == 1
    focus_canvas(editor)
    editor.keyboard.press('Control+z')
    node(editor, 'tidy').wait_for()
    editor.wait_for_function('document.querySelectorAll(".vue-flow__edge").length === 3')
    editor.keyboard.press('Control+Shift+z')
    node(editor, 'tidy').wait_for(state='detached')
    editor.get_by_role('button', name='Undo (Ctrl+Z)').click()
    node(editor, 'tidy').wait_for()


def test_save_and_reload_keeps_every_edit(editor):
    connect(editor, 'brief', 'tidy')
    edge(editor, 'brief->tidy').wait_for(state='attached')
    node(editor, 'plan').click()
    editor.get_by_label('Title').fill('Chief strategist')
    node(editor, 'plan').locator('.swarm-node__title', has_text='Chief strategist').wait_for()
    node(editor, 'report').click()
    editor.keyboard.press('Delete')
    node(editor, 'report').wait_for(state='detached')
    focus_canvas(editor)
    editor.keyboard.press('Control+s')
    notification(editor, 'Saved: version')
    editor.reload()
    node(editor, 'plan').wait_for()
    assert node(editor, 'plan').locator('.swarm-node__title').inner_text() == 'Chief strategist'
    assert node(editor, 'report').count() == 0
    ids = editor.eval_on_selector_all('.vue-flow__edge', 'els => els.map(el => el.dataset.id).sort()')
    assert ids == ['brief->plan', 'brief->tidy', 'plan->tidy']


def test_export_then_import_gives_the_same_graph(editor, server, tmp_path):
    connect(editor, 'brief', 'tidy')
    edge(editor, 'brief->tidy').wait_for(state='attached')
    first_url = editor.url
    with editor.expect_download() as download:
        editor.get_by_role('button', name='Export the graph file').click()
    exported = tmp_path / download.value.suggested_filename
    download.value.save_as(exported)
    # Named after the graph: copies of one example are numbered (Competitor brief (2) → competitor-brief-2.json).
    name = editor.get_by_role('banner').get_by_role('textbox').first.input_value()
    assert re.fullmatch(r'Competitor brief( \((\d+)\))?', name)
    assert exported.name == export_file_name(name)
    document = json.loads(exported.read_text())
    assert {'source': 'brief', 'target': 'tidy'} in document['edges']

    editor.goto(server)
    with editor.expect_file_chooser() as chooser:
        editor.get_by_role('button', name='Import a file').click()
    chooser.value.set_files(str(exported))
    notification(editor, f'Imported {exported.name}.')
    links = editor.locator('a', has_text='Competitor brief')
    hrefs = [links.nth(index).get_attribute('href') for index in range(links.count())]
    imported = next(href for href in hrefs if not first_url.endswith(href))  # the newest is listed first
    editor.goto(server + imported)
    edge(editor, 'brief->tidy').wait_for(state='attached')
    with editor.expect_download() as download:
        editor.get_by_role('button', name='Export the graph file').click()
    again = tmp_path / 'again.json'
    download.value.save_as(again)
    assert again.read_text() == exported.read_text()


def test_markup_in_a_title_is_shown_as_text(editor):
    node(editor, 'plan').click()
    editor.get_by_label('Title').fill(MARKUP)
    title = node(editor, 'plan').locator('.swarm-node__title')
    title.filter(has_text='<b>x</b>').wait_for()
    assert title.inner_text() == MARKUP
    assert title.evaluate('el => el.children.length') == 0
    assert editor.evaluate('window.__xss') is None


def test_a_reload_right_after_an_edit_loses_nothing(editor):
    node(editor, 'tidy').click()
    editor.keyboard.press('Delete')
    node(editor, 'tidy').wait_for(state='detached')
    editor.reload()  # no save, no time for the autosave
    node(editor, 'plan').wait_for()
    assert node(editor, 'tidy').count() == 0
    assert editor.eval_on_selector_all('.vue-flow__edge', 'els => els.map(el => el.dataset.id)') == ['brief->plan']
