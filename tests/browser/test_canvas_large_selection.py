"""Selecting on a large graph (tests/browser/canvas_page.py's `/?generate=600`, zoomed into cards):
Vue Flow's store holds only the cards near the view, selected or not, yet a selection of every
node is reported, dragged and replaced whole."""
from __future__ import annotations

from locators import node
from test_canvas import call, center, drag, wait_for_events, wait_for_last
from test_canvas_painted_edges import on_screen_cards, open_close


def held(page) -> int:
    """How many nodes Vue Flow's store holds (cards in view and near it)."""
    return int(page.get_attribute('.swarm-canvas', 'data-held'))


def wait_for_selection(canvas_server: str, expected: list[str]) -> None:
    """Wait until the last `selection` event Python got names these nodes."""
    wait_for_last(canvas_server, 'selection', lambda selection: sorted(selection['nodes']) == sorted(expected))


def test_selecting_every_node_keeps_only_the_window_in_vue_flow_and_a_drag_moves_them_all(canvas_server, page):
    graph = open_close(page, canvas_server, closer=1)
    every = sorted(n.id for n in graph.nodes)
    page.locator('.swarm-overview[data-nodes="0"]').wait_for(state='attached')  # every card in
    window = held(page)
    assert 0 < window < 200

    call(canvas_server, 'select', every)  # as Ctrl+A does
    page.wait_for_function('document.querySelectorAll(".vue-flow__node.selected").length > 0')
    assert held(page) == window  # not all 600: they made the step 1.8 s on 2,400 nodes
    assert page.locator('.vue-flow__node:not(.selected)').count() == 0  # every card shows it
    wait_for_selection(canvas_server, every)

    # dragging one card drags them all, those off screen too, by the same distance
    card = on_screen_cards(page)[0]
    start = center(node(page, card))
    drag(page, start, (start[0] + 60, start[1] + 40))
    moves = wait_for_events(canvas_server, 'move')[-1]
    assert sorted(move['id'] for move in moves) == every
    by_id = {n.id: n for n in graph.nodes}
    shifts = {(move['x'] - by_id[move['id']].position.x, move['y'] - by_id[move['id']].position.y) for move in moves}
    dx, dy = next(iter(shifts))
    assert dx > 0 and dy > 0
    assert all(abs(x - dx) <= 1 and abs(y - dy) <= 1 for x, y in shifts), shifts  # (rounding)

    # Delete reports every selected node
    page.locator('.swarm-canvas').focus()
    page.keyboard.press('Delete')
    assert sorted(wait_for_events(canvas_server, 'delete')[-1]['nodes']) == every


def test_a_click_replaces_a_selection_that_reaches_off_screen_and_shift_adds_to_it(canvas_server, page):
    graph = open_close(page, canvas_server, closer=1)
    cards = on_screen_cards(page)
    far = next(n.id for n in reversed(graph.nodes) if n.id not in cards)  # the far end: never near the view
    call(canvas_server, 'select', [cards[0], far])
    wait_for_selection(canvas_server, [cards[0], far])

    # shift-click adds: the node off screen stays selected
    page.keyboard.down('Shift')
    node(page, cards[1]).locator('.swarm-node__title').click()
    page.keyboard.up('Shift')
    wait_for_selection(canvas_server, [cards[0], cards[1], far])

    # a plain click replaces the selection, off screen too
    node(page, cards[2]).locator('.swarm-node__title').click()
    wait_for_selection(canvas_server, [cards[2]])
    page.keyboard.press('Delete')
    assert wait_for_events(canvas_server, 'delete')[-1]['nodes'] == [cards[2]]
