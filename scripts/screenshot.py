#!/usr/bin/env python3
"""Open an example in the running app with the system Chromium and save a screenshot of the editor.

    swarm-studio serve --no-browser &            # the app, on http://127.0.0.1:8080
    .venv/bin/python scripts/screenshot.py       # writes assets/screenshot-editor.png

It opens a copy of the example (so the app's database gets one more graph), selects a node
so the inspector shows, and saves the page at 1440×900.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from studio.local_app import chromium_args, chromium_path  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--url', default='http://127.0.0.1:8080', help='where the app runs (default: %(default)s)')
    parser.add_argument('--example', default='Code review swarm', help='the example card to open (default: %(default)s)')
    parser.add_argument('--select', default='verdict', help='the node to show in the inspector (default: %(default)s)')
    parser.add_argument('--output', type=Path, default=ROOT / 'assets' / 'screenshot-editor.png')
    args = parser.parse_args()

    chromium = chromium_path()
    if chromium is None:
        print('screenshot: no system Chromium; install it (apt-get install chromium)', file=sys.stderr)
        return 1
    from playwright.sync_api import Error, sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, headless=True, args=chromium_args())
        try:
            page = browser.new_page(viewport={'width': 1440, 'height': 900}, device_scale_factor=1)
            page.set_default_timeout(20_000)
            page.goto(args.url)
            card = page.locator('.q-card', has_text=args.example)
            if card.count() == 0:
                print(f'screenshot: the library at {args.url} offers no example "{args.example}"', file=sys.stderr)
                return 1
            card.first.get_by_role('button', name='Open a copy').click()
            page.wait_for_url('**/graph/*')
            node = page.locator(f'.vue-flow__node[data-id="{args.select}"]')
            node.wait_for()
            node.click()
            page.get_by_label('Title').wait_for()
            page.mouse.move(0, 0)  # no hover highlight or tooltip in the picture
            page.wait_for_timeout(800)
            args.output.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(args.output))
        except Error as error:
            print(f'screenshot: {str(error).splitlines()[0]} (is the app running at {args.url}?)', file=sys.stderr)
            return 1
        finally:
            browser.close()
    print(args.output)
    return 0


if __name__ == '__main__':
    sys.exit(main())
