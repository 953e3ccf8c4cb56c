"""The pages' Tailwind CSS comes compiled at set-up (studio/theme.py, `link_stylesheet`), not from
NiceGUI's compiler in the browser: no compiler script on the page, and the utilities our sources
name still apply."""
from __future__ import annotations

import urllib.request


def test_the_start_page_links_the_compiled_stylesheet_and_its_utilities_apply(server, page):
    page.goto(server)
    label = page.locator('.text-sm').first
    label.wait_for()
    assert page.locator('script[src*="tailwindcss"]').count() == 0
    links = page.eval_on_selector_all('link[rel=stylesheet]', 'els => els.map(el => el.href)')
    [stylesheet] = [href for href in links if '/_swarm/tailwind-' in href]
    assert label.evaluate('el => getComputedStyle(el).fontSize') == '14px'  # Tailwind's text-sm (0.875rem)
    card = page.locator('.w-72').first
    assert card.evaluate('el => getComputedStyle(el).width') == '288px'  # Tailwind's w-72 (18rem)
    with urllib.request.urlopen(stylesheet, timeout=10) as response:
        assert 'max-age=31536000' in response.headers['Cache-Control']  # named by its content: kept
        assert b'.text-sm{' in response.read()
