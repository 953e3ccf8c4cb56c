"""What the canvas paints (the overview of a large graph, the minimap's veil) follows dark mode,
as its cards do: tests/browser/canvas_page.py with `dark=true` turns Quasar's dark mode on."""
from __future__ import annotations

import pytest

from painted import overview_pixel
from test_canvas import generated_graph, zoom_in_until_cards
from test_dark_mode import lightness


def rgb_lightness(hex_colour: str) -> float:
    return lightness('rgb(' + ','.join(str(int(hex_colour[i:i + 2], 16)) for i in (1, 3, 5)) + ')')


def minimap_corner(page) -> list[int]:
    """The minimap's top-left pixel (r, g, b, a): outside the view's frame, so the veil."""
    return page.evaluate('''() => [...document.querySelector(".swarm-minimap canvas").getContext("2d")
        .getImageData(1, 1, 1, 1).data]''')


@pytest.mark.parametrize('dark', [True, False])
def test_the_overview_and_the_minimap_veil_are_painted_in_the_pages_scheme(canvas_server, page, dark):
    page.goto(canvas_server + f'/?generate=600&dark={str(dark).lower()}')
    page.locator('.swarm-overview[data-nodes="600"]').wait_for()
    assert page.evaluate('document.body.classList.contains("body--dark")') is dark
    graph = generated_graph(600)
    agent = next(node for node in graph.nodes if node.id.startswith('a'))
    box_colour = overview_pixel(page, agent.position.x, agent.position.y)
    assert (rgb_lightness(box_colour) < 0.3) if dark else (box_colour == '#dde3e8'), box_colour

    box = page.locator('.vue-flow__pane').bounding_box()
    zoom_in_until_cards(page, (box['x'] + box['width'] / 3, box['y'] + box['height'] / 3))
    page.locator('.swarm-minimap canvas').wait_for()
    page.wait_for_function('document.querySelector(".swarm-minimap canvas").getContext("2d")'
                           '.getImageData(1, 1, 1, 1).data[3] > 0')  # painted
    r, g, b, alpha = minimap_corner(page)
    assert alpha > 0
    assert (max(r, g, b) < 64) if dark else (min(r, g, b) > 200), (r, g, b, alpha)
