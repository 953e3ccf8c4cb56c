"""Sticky notes and groups in the real app: added from the canvas's menu, edited, moved with the
mouse, deleted, undone; saved in the graph file (format version 2) and back after a reload."""
from __future__ import annotations

import re

from locators import add_annotation, exported, node


def test_a_note_and_a_group_are_added_edited_moved_saved_and_deleted(server, page):
    page.goto(server)
    page.locator('.q-card', has_text='Competitor brief').get_by_role('button', name='Open a copy').click()
    page.wait_for_url(re.compile(r'/graph/\w+$'))
    node(page, 'report').wait_for()
    pane = page.locator('.vue-flow__pane').bounding_box()
    report = node(page, 'report').bounding_box()
    x, y = pane['x'] + 80, min(report['y'] + report['height'] + 120, pane['y'] + pane['height'] - 200)

    note = add_annotation(page, x, y, 'note')
    note.dblclick()
    dialog = page.locator('.q-dialog')
    dialog.get_by_label('Note').fill('Tier 1 here: keep the prompt <b>short</b>')
    dialog.get_by_role('button', name='Save').click()
    note.locator('.swarm-note', has_text='keep the prompt <b>short</b>').wait_for()  # text, not markup

    dialog.wait_for(state='hidden')
    add_annotation(page, x + 300, y, 'group').locator('.swarm-group__label', has_text='Group').wait_for()

    zoom = int(page.locator('.swarm-zoom__readout').inner_text().rstrip('%')) / 100
    made_at = exported(page)['annotations'][0]['position']
    before = note.bounding_box()
    page.mouse.move(before['x'] + 20, before['y'] + 20)
    page.mouse.down()
    page.mouse.move(before['x'] + 60, before['y'] + 50, steps=5)
    page.mouse.up()
    page.wait_for_function('''(left) => document.querySelector('.vue-flow__node[data-id="@note"]')
        .getBoundingClientRect().left > left + 30''', arg=before['x'])

    page.keyboard.press('Control+s')
    page.locator('.q-notification', has_text='Saved: version').wait_for()
    page.reload()
    node(page, '@note').locator('.swarm-note', has_text='keep the prompt').wait_for()
    document = exported(page)
    assert document['version'] == 2
    assert [(item['id'], item['type'], item['text']) for item in document['annotations']] == [
        ('note', 'note', 'Tier 1 here: keep the prompt <b>short</b>'), ('group', 'group', 'Group')]
    moved_to = document['annotations'][0]['position']  # the drag, in flow coordinates, saved
    # right and down, by no more than the pointer moved (Vue Flow starts a drag after a few pixels)
    assert 20 / zoom < moved_to['x'] - made_at['x'] <= 40 / zoom + 1
    assert 10 / zoom < moved_to['y'] - made_at['y'] <= 30 / zoom + 1

    node(page, '@group').click(button='right')
    page.get_by_role('menu', name='annotation menu').get_by_role('menuitem', name='Delete').click()
    node(page, '@group').wait_for(state='detached')
    page.get_by_role('button', name='Undo (Ctrl+Z)').click()
    node(page, '@group').wait_for()
