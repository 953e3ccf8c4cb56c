"""Dark mode follows the system's preference (prefers-color-scheme), on the canvas and the panels."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

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



CODE_COLOURS_JS = '''() => [...document.querySelectorAll('.swarm-inspector-panel .cm-editor')].map((editor) => ({
    background: getComputedStyle(editor).backgroundColor,
    text: getComputedStyle(editor.querySelector('.cm-line')).color,
}))'''


def code_editors_are(page, dark: bool) -> bool:
    editors = page.evaluate(CODE_COLOURS_JS)
    assert len(editors) >= 3, editors  # an agent's: system prompt, prompt (Jinja2), output schema (JSON)
    if dark:
        return all(lightness(e['background']) < 0.3 and lightness(e['text']) > 0.65 for e in editors)
    return all(lightness(e['background']) > 0.9 and lightness(e['text']) < 0.35 for e in editors)


def wait_for_code_editors(page, dark: bool) -> None:
    for _ in range(50):
        if code_editors_are(page, dark):
            return
        page.wait_for_timeout(100)
    raise AssertionError(f'the code editors are not {"dark" if dark else "light"}: {page.evaluate(CODE_COLOURS_JS)}')


def test_the_code_editors_follow_the_colour_scheme_and_switch_when_the_system_does(browser, server):
    context, page = open_editor(browser, server, 'dark')
    try:
        page.locator('.vue-flow__node[data-id="plan"]').click()
        expect(page.get_by_label('Title')).to_have_value('Strategist')
        page.wait_for_function('document.querySelectorAll(".swarm-inspector-panel .cm-line").length >= 3')
        wait_for_code_editors(page, dark=True)

        page.emulate_media(color_scheme='light')  # the system turns light while the page is open
        wait_for_code_editors(page, dark=False)
        page.emulate_media(color_scheme='dark')  # and dark again
        wait_for_code_editors(page, dark=True)

        page.locator('.vue-flow__node[data-id="tidy"]').click()  # editors made now start dark
        expect(page.get_by_label('Title')).to_have_value('Formatter')
        page.wait_for_function('document.querySelectorAll(".swarm-inspector-panel .cm-line").length >= 3')
        assert code_editors_are(page, dark=True)
    finally:
        context.close()


def test_the_run_panel_is_as_dark_as_the_other_panels_and_grey_text_stays_readable(browser, server):
    context, page = open_editor(browser, server, 'dark')
    try:
        colour = lambda selector, prop: page.locator(selector).first.evaluate(  # noqa: E731
            f'(element) => getComputedStyle(element).{prop}')
        page.locator('.vue-flow__node[data-id="plan"]').click()
        expect(page.get_by_label('Title')).to_have_value('Strategist')
        panel = colour('.swarm-inspector-panel', 'backgroundColor')
        assert lightness(colour('.swarm-inspector-panel .text-grey-8', 'color')) > 0.6  # the node's id line
        assert lightness(colour('.swarm-inspector-panel .text-grey-7', 'color')) > 0.55  # the kind's description

        page.get_by_role('button', name='Run panel').click()
        waiting = page.locator('.q-drawer--right .text-grey-7', has_text='No run yet')
        waiting.wait_for()
        for part in ('.q-drawer--right', '.q-drawer--right .q-tab-panels'):
            assert colour(part, 'backgroundColor') == panel, part  # one dark palette, not Quasar's grey
        assert lightness(waiting.evaluate('(element) => getComputedStyle(element).color')) > 0.55
    finally:
        context.close()
