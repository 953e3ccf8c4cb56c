"""Right-click menus and quick add in the real app, with the real mouse and keyboard: the canvas's,
a node's and an edge's menu; quick add on double click, Space and Tab; an edge dropped on empty
canvas adds a node already connected."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from locators import node

ROOT = Path(__file__).resolve().parents[2]


def centre(box: dict) -> tuple[float, float]:
    return box['x'] + box['width'] / 2, box['y'] + box['height'] / 2


def empty_spot(page) -> tuple[float, float]:
    """A point of the pane below the cards (the example is one row of cards)."""
    pane = page.locator('.vue-flow__pane').bounding_box()
    report = node(page, 'report').bounding_box()
    return pane['x'] + pane['width'] * 0.3, min(report['y'] + report['height'] + 150, pane['y'] + pane['height'] - 60)


def test_a_nodes_menu_renames_duplicates_and_deletes_it(editor):
    node(editor, 'plan').click(button='right')
    menu = editor.get_by_role('menu', name='node menu')
    menu.get_by_role('menuitem', name='Rename…').click()
    dialog = editor.locator('.q-dialog')
    dialog.get_by_label('Title').fill('Chief planner')
    dialog.get_by_role('button', name='Rename').click()
    node(editor, 'plan').locator('.swarm-node__title', has_text='Chief planner').wait_for()

    node(editor, 'plan').click(button='right')
    editor.get_by_role('menuitem', name='Duplicate').click()
    node(editor, 'plan_2').wait_for()
    assert node(editor, 'plan_2').locator('.swarm-node__title').inner_text() == 'Chief planner'

    node(editor, 'plan_2').click(button='right')
    editor.get_by_role('menuitem', name='Delete').click()
    node(editor, 'plan_2').wait_for(state='detached')
    editor.get_by_role('button', name='Undo (Ctrl+Z)').click()  # each was an ordinary, undoable edit
    node(editor, 'plan_2').wait_for()


def test_an_edges_menu_deletes_it(editor):
    box = editor.locator('.vue-flow__edge[data-id="plan->tidy"] path.vue-flow__edge-path').bounding_box()
    editor.mouse.click(*centre(box), button='right')
    editor.get_by_role('menu', name='edge menu').get_by_role('menuitem', name='Delete the edge').click()
    editor.locator('.vue-flow__edge[data-id="plan->tidy"]').wait_for(state='detached')


def test_the_canvas_menu_adds_a_node_where_it_was_opened_and_escape_closes_it(editor):
    x, y = empty_spot(editor)
    editor.mouse.click(x, y, button='right')
    menu = editor.get_by_role('menu', name='pane menu')
    menu.wait_for()
    editor.keyboard.press('Escape')
    menu.wait_for(state='detached')
    editor.mouse.click(x, y, button='right')
    editor.get_by_role('menuitem', name='Add a node here…').click()
    search = editor.get_by_role('dialog', name='Quick add').get_by_role('searchbox')
    search.fill('transform')
    editor.keyboard.press('Enter')
    added = node(editor, 'transform')
    added.wait_for()
    box = added.bounding_box()
    assert abs(box['x'] - x) < 4 and abs(box['y'] - y) < 4  # its top-left where the menu was opened


def test_double_click_opens_quick_add_which_finds_kinds_and_examples(editor):
    x, y = empty_spot(editor)
    editor.mouse.dblclick(x, y)
    quick = editor.get_by_role('dialog', name='Quick add')
    quick.wait_for()
    assert quick.get_by_role('option').count() >= 4 + 3  # four kinds and the three examples
    editor.keyboard.type('research')
    options = quick.get_by_role('option')
    assert options.count() == 1 and 'Research swarm' in options.inner_text()
    options.click()
    quick.wait_for(state='detached')
    node(editor, 'question').wait_for()  # the example's first node, where the double click was
    assert 'selected' in node(editor, 'question').get_attribute('class')
    editor.get_by_role('button', name='Versions').click()  # saved as one graph: the brief's 4 and the swarm's nodes
    research = json.loads((ROOT / 'assets/examples/research-swarm.json').read_text())
    editor.locator('.q-dialog').get_by_text(f'{4 + len(research["nodes"])} nodes').wait_for()


@pytest.mark.parametrize('key', ['Space', 'Tab'])
def test_space_or_tab_opens_quick_add_and_escape_closes_it(editor, key):
    node(editor, 'plan').click()  # the canvas has the focus
    editor.keyboard.press(key)
    quick = editor.get_by_role('dialog', name='Quick add')
    quick.wait_for()
    assert quick.get_by_role('searchbox').evaluate('(element) => element === document.activeElement')
    editor.keyboard.press('Escape')
    quick.wait_for(state='detached')


def test_an_edge_dropped_on_empty_canvas_adds_a_node_already_connected(editor):
    handle = node(editor, 'tidy').locator('.vue-flow__handle.source').bounding_box()
    x, y = empty_spot(editor)
    editor.mouse.move(*centre(handle))
    editor.mouse.down()
    editor.mouse.move(x - 40, y - 40, steps=6)
    editor.mouse.move(x, y, steps=6)
    editor.mouse.up()
    quick = editor.get_by_role('dialog', name='Quick add')
    quick.wait_for()
    labels = quick.get_by_role('option').all_inner_texts()
    assert labels and not any('Input' in label.split('\n')[0] for label in labels)  # an input takes no edge
    assert not any('swarm' in label.lower() for label in labels)  # no examples for a dropped edge
    quick.get_by_role('searchbox').fill('agent')
    editor.keyboard.press('Enter')
    editor.locator('.vue-flow__edge[data-id="tidy->agent"]').wait_for()
    node(editor, 'agent').wait_for()
    editor.get_by_role('button', name='Undo (Ctrl+Z)').click()  # node and edge were one edit
    node(editor, 'agent').wait_for(state='detached')
    assert editor.locator('.vue-flow__edge[data-id="tidy->agent"]').count() == 0
