"""Run states on a large graph (tests/browser/canvas_page.py's `/?generate=600`): the canvas keeps
them apart from its cards and shows them on whichever cards come into view, however the view
got there."""
from __future__ import annotations

from test_canvas import call, generated_graph, zoom_in_until_cards

STATES = ('running', 'succeeded', 'failed')


def state_of(index: int) -> str:
    return STATES[index % len(STATES)]


def shown_states(page) -> dict[str, tuple[list[str], str]]:
    """Every card on screen: its run-state classes and the text of its state badge (its title: the icon is text too)."""
    return dict(page.eval_on_selector_all('.vue-flow__node', '''els => els.map(el => [el.dataset.id, [
        [...el.classList].filter(c => c.startsWith("swarm-state-")),
        el.querySelector(".swarm-node__state")?.title ?? ""]])'''))


def open_large(page, canvas_server: str):
    page.goto(canvas_server + '/?generate=600')
    page.locator('.swarm-overview[data-nodes="600"]').wait_for()
    return generated_graph(600)


def test_states_set_in_the_overview_show_on_the_cards_after_zooming_in(canvas_server, page):
    graph = open_large(page, canvas_server)
    call(canvas_server, 'set_states', {node.id: {'state': state_of(i), 'label': f'step {i}'}
                                       for i, node in enumerate(graph.nodes)})
    box = page.locator('.vue-flow__pane').bounding_box()
    zoom_in_until_cards(page, (box['x'] + box['width'] / 3, box['y'] + box['height'] / 3))
    page.locator('.vue-flow__node').first.wait_for()
    shown = shown_states(page)
    assert shown
    index = {node.id: i for i, node in enumerate(graph.nodes)}
    for node_id, (classes, badge) in shown.items():
        i = index[node_id]
        assert classes == [f'swarm-state-{state_of(i)}'], node_id
        assert badge == f'step {i}', node_id


def test_states_set_on_cards_off_screen_show_when_they_come_into_view(canvas_server, page):
    graph = open_large(page, canvas_server)
    box = page.locator('.vue-flow__pane').bounding_box()
    zoom_in_until_cards(page, (box['x'] + box['width'] / 3, box['y'] + box['height'] / 3))
    page.locator('.vue-flow__node').first.wait_for()
    shown = set(shown_states(page))
    far = [node for node in graph.nodes if node.id not in shown][-1]  # the last layer: far off screen
    assert page.locator(f'.vue-flow__node[data-id="{far.id}"]').count() == 0
    call(canvas_server, 'set_states', {far.id: {'state': 'failed', 'label': 'gave up'}})
    call(canvas_server, 'set_states', {far.id: {'cost': 0.25}})  # a detail, merged into the run shown
    call(canvas_server, 'reveal', [far.id])
    card = page.locator(f'.vue-flow__node[data-id="{far.id}"]')
    card.wait_for()
    assert 'swarm-state-failed' in card.get_attribute('class')
    assert card.locator(".swarm-node__state").get_attribute("title") == 'gave up · $0.25'
    # and clearing it there clears the card
    call(canvas_server, 'set_states', {far.id: None})
    page.wait_for_function(f'!document.querySelector(\'.vue-flow__node[data-id="{far.id}"]\').className.includes("swarm-state-")')
    assert card.locator('.swarm-node__state').count() == 0
