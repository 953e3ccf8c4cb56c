"""A large graph's edges are painted, not elements (tests/browser/canvas_page.py's `/?generate=600`
zoomed into cards): they can still be picked, deleted and given a right-click menu, they follow a
dragged card, and the edges into running nodes march."""
from __future__ import annotations

import time
from types import SimpleNamespace

from locators import node
from painted import clear_points, curve_points, painted_pixel, to_screen, visible_rect, zoom
from test_canvas import call, drag, events, generated_graph, wait_for_events, wait_for_last, zoom_in_until_cards

RUNNING = '#1e88e5'


def open_close(page, canvas_server: str, closer: int = 3):
    """The large graph zoomed into cards, `closer` wheel steps past the first cards (where edges
    are further apart); returns the graph."""
    page.goto(canvas_server + '/?generate=600')
    page.locator('.swarm-overview[data-nodes="600"]').wait_for()
    box = page.locator('.vue-flow__pane').bounding_box()
    zoom_in_until_cards(page, (box['x'] + box['width'] / 3, box['y'] + box['height'] / 3))
    for _ in range(closer):
        page.mouse.wheel(0, -200)
        page.wait_for_timeout(50)
    page.locator('.vue-flow__node').first.wait_for()
    return generated_graph(600)


def zoomed_in(page, canvas_server: str, clearance_px: float = 12, closer: int = 3):
    """`open_close`, and an edge with a point on it clear to click: (source, target, (x, y), across),
    no other edge within `clearance_px` of it."""
    graph = open_close(page, canvas_server, closer)
    clear = clear_points(graph, visible_rect(page), clearance=clearance_px / zoom(page))
    assert clear, 'no edge on screen with a point clear of cards and other edges'
    return graph, clear[0]


def on_screen_cards(page) -> list[str]:
    """The cards wholly on screen, clear of the minimap (lower right) and with room below to drag."""
    box = page.locator('.vue-flow__pane').bounding_box()
    cards = page.eval_on_selector_all('.vue-flow__node', '''els => els.map(el => {
        const r = el.getBoundingClientRect();
        return [el.dataset.id, r.left, r.top, r.right, r.bottom];
    })''')
    return [card for card, left, top, right, bottom in cards if left > box['x'] and top > box['y']
            and right < box['x'] + box['width'] * 0.7 and bottom < box['y'] + box['height'] * 0.7]


def test_a_click_on_a_painted_edge_picks_it_and_delete_reports_it(canvas_server, page):
    _, (source, target, point, _) = zoomed_in(page, canvas_server)
    edge_id = f'{source}->{target}'
    assert page.locator('.vue-flow__edge').count() == 0
    card = on_screen_cards(page)[0]
    seen = len(events(canvas_server, 'selection'))
    node(page, card).locator('.swarm-node__title').click()  # a card selected first: picking an edge selects the edge alone
    assert wait_for_events(canvas_server, 'selection', seen + 1)[-1] == {'nodes': [card], 'edges': []}
    page.mouse.click(*to_screen(page, *point))
    page.locator(f'.vue-flow__edge.selected[data-id="{edge_id}"]').wait_for()
    assert wait_for_events(canvas_server, 'selection', seen + 2)[-1] == {'nodes': [], 'edges': [edge_id]}

    page.keyboard.press('Delete')
    assert wait_for_events(canvas_server, 'delete') == [{'nodes': [], 'edges': [edge_id]}]

    # deselected (Escape), it goes back into the painting
    page.keyboard.press('Escape')
    page.locator(f'.vue-flow__edge[data-id="{edge_id}"]').wait_for(state='detached')
    wait_for_last(canvas_server, 'selection', lambda selection: selection == {'nodes': [], 'edges': []})


def test_a_click_beside_a_painted_edge_picks_nothing(canvas_server, page):
    _, (_, _, (x, y), (across_x, across_y)) = zoomed_in(page, canvas_server, clearance_px=24, closer=6)
    away = 11 / zoom(page)  # 11 px across the edge: more than a pick's reach (6 px), and no other edge within 13 px
    page.mouse.click(*to_screen(page, x + across_x * away, y + across_y * away))
    page.wait_for_timeout(300)
    assert page.locator('.vue-flow__edge').count() == 0


def test_a_right_click_on_a_painted_edge_opens_the_edge_menu(canvas_server, page):
    _, (source, target, point, _) = zoomed_in(page, canvas_server)
    page.mouse.click(*to_screen(page, *point), button='right')
    menu = page.locator('.swarm-menu')
    menu.wait_for()
    assert menu.get_by_text('Delete the edge').is_visible()
    menu.get_by_text('Delete the edge').click()
    [chosen] = wait_for_events(canvas_server, 'menu')
    assert chosen['action'] == 'delete' and chosen['target'] == 'edge' and chosen['edge'] == f'{source}->{target}'


def test_painted_edges_follow_a_dragged_card(canvas_server, page):
    graph = open_close(page, canvas_server)
    by_id = {n.id: n for n in graph.nodes}
    on_screen = set(on_screen_cards(page))
    edge = next(edge for edge in graph.edges if edge.target in on_screen)
    source, target = edge.source, edge.target
    moved = SimpleNamespace(position=SimpleNamespace(x=by_id[target].position.x,
                                                     y=by_id[target].position.y + 80 / zoom(page)))  # dragged 80 px down
    # a point of the edge as it will be, on screen, where nothing is painted yet
    left, top, right, bottom = visible_rect(page, inset=0)
    spot = next(point for point in curve_points(by_id[source], moved)[10:39]
                if left < point[0] < right and top < point[1] < bottom and painted_pixel(page, *point) is None)
    title = node(page, target).locator('.swarm-node__title').bounding_box()
    grip = (title['x'] + title['width'] / 2, title['y'] + title['height'] / 2)
    page.mouse.move(*grip)
    page.mouse.down()
    page.mouse.move(grip[0], grip[1] + 40, steps=4)
    page.mouse.move(grip[0], grip[1] + 80, steps=4)
    # mid-drag, the edge is already painted where the card is now
    page.wait_for_function('() => new Promise(resolve => requestAnimationFrame(() => requestAnimationFrame(resolve)))')
    assert painted_pixel(page, *spot) is not None
    page.mouse.up()
    [move] = wait_for_events(canvas_server, 'move')
    assert move[0]['id'] == target


def test_edges_into_running_nodes_are_painted_running_and_march(canvas_server, page):
    graph, (source, target, point, _) = zoomed_in(page, canvas_server)
    by_id = {n.id: n for n in graph.nodes}
    call(canvas_server, 'set_states', {target: {'state': 'running'}})
    page.locator(f'.vue-flow__node.swarm-state-running[data-id="{target}"]').wait_for()
    # dashes: along the middle of the curve some points are painted running blue, some not
    points = curve_points(by_id[source], by_id[target], steps=400)[180:220]

    def blue() -> tuple[bool, ...]:
        return tuple(painted_pixel(page, x, y) == RUNNING for x, y in points)

    first = blue()
    assert any(first) and not all(first), first
    deadline = time.monotonic() + 3
    while blue() == first and time.monotonic() < deadline:
        page.wait_for_timeout(50)
    assert blue() != first, 'the dashes did not move'
    # and once the node stops running, the edge is plain again and stays still
    call(canvas_server, 'set_states', {target: {'state': 'succeeded'}})
    page.wait_for_function(f'!document.querySelector(\'.vue-flow__node[data-id="{target}"]\').className.includes("running")')
    page.wait_for_timeout(300)
    assert not any(blue())
