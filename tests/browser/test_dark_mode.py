"""Dark mode follows the system's preference (prefers-color-scheme), on the canvas and the panels."""
from __future__ import annotations

import re

import pytest

BACKGROUNDS_JS = '''() => {
    const background = (selector) => getComputedStyle(document.querySelector(selector)).backgroundColor;
    return {
        card: background('.vue-flow__node[data-id="plan"] .swarm-node'),
        canvas: background('.swarm-canvas'),
        palette: background('.swarm-surface-muted'),
        palette_item: background('[data-kind="agent"]'),
        inspector: background('.swarm-inspector-panel'),
        zoom: background('.swarm-zoom'),
    };
}'''


def lightness(css_colour: str) -> float:
    """0 (black) to 1 (white): the mean of the channels of `rgb(…)`/`rgba(…)`; a transparent colour counts as None."""
    channels = [float(part) for part in re.findall(r'[\d.]+', css_colour)]
    if len(channels) == 4 and channels[3] == 0:
        return None
    return sum(channels[:3]) / (3 * 255)


def open_editor(browser, server, scheme: str):
    context = browser.new_context(viewport={'width': 1280, 'height': 800}, color_scheme=scheme)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(server)
    page.locator('.q-card', has_text='Competitor brief').get_by_role('button', name='Open a copy').click()
    page.wait_for_url(re.compile(r'/graph/\w+$'))
    page.locator('.vue-flow__node[data-id="plan"]').wait_for()
    return context, page


@pytest.mark.parametrize(('scheme', 'dark'), [('dark', True), ('light', False)])
def test_the_canvas_and_the_panels_follow_the_systems_colour_scheme(browser, server, scheme, dark):
    context, page = open_editor(browser, server, scheme)
    try:
        assert page.evaluate('document.body.classList.contains("body--dark")') is dark
        backgrounds = page.evaluate(BACKGROUNDS_JS)
        for part, colour in backgrounds.items():
            value = lightness(colour)
            if part == 'canvas' and value is None:
                continue  # transparent: the page's own background shows through
            assert value is not None, (part, colour)
            assert (value < 0.25) if dark else (value > 0.9), (part, colour)
        title = page.locator('.vue-flow__node[data-id="plan"] .swarm-node__title')
        text = lightness(title.evaluate('(element) => getComputedStyle(element).color'))
        assert (text > 0.75) if dark else (text < 0.25)  # and the text stays readable on it
    finally:
        context.close()
