"""Dark mode: every page follows the system's light or dark preference (NiceGUI's auto dark mode,
`ui.run(dark=None)`). Quasar's components follow by themselves; the pages' own panels take their
backgrounds from the `swarm-surface*` classes here, light or dark. The canvas has its own rules
(studio/canvas/src/canvas.css), keyed to the same `body--dark`.

Only the browser knows which one it shows (the system decides, and may change its mind while a
page is open), so a page that has code editors (`ui.codemirror`, whose theme is a property set
from Python) asks it with `ColorScheme`, which re-themes them when the page turns light or dark."""
from __future__ import annotations

import hashlib
import weakref
from pathlib import Path

from nicegui import Client, app, ui

DARK = None
"""`ui.run`'s `dark`: None follows the system."""

TAILWIND = False
"""`ui.run`'s `tailwind`: NiceGUI's compiler in the browser is off; the pages link `STYLESHEET` instead.
That compiler built the CSS on every page load and watched every change of the page for new
classes: on a 2,400-node graph it cost each open ~0.27 s, each zoom into cards ~0.1 s and each
burst of run states ~0.1 s (bench_canvas's steps, interleaved, median of 4)."""

STYLESHEET = Path(__file__).parent / 'canvas' / 'styles' / 'tailwind.css'
"""The Tailwind utilities our sources name, compiled by scripts/setup.sh (studio/canvas/tailwind.css)."""


def link_stylesheet() -> None:
    """Serve `STYLESHEET` and link it from every page (once per app, before `ui.run`)."""
    if not STYLESHEET.is_file():
        raise RuntimeError(f'The stylesheet {STYLESHEET} is missing; run scripts/setup.sh to build it.')
    content = STYLESHEET.read_bytes()
    # Named by its content, so a browser may keep it as long as it likes and never shows a stale one.
    url = app.add_static_file(local_file=STYLESHEET, url_path=f'/_swarm/tailwind-{hashlib.sha256(content).hexdigest()[:12]}.css',
                              max_cache_age=365 * 24 * 3600)
    ui.add_head_html(f'<link rel="stylesheet" href="{url}">', shared=True)


CODE_THEMES = {False: 'basicLight', True: 'basicDark'}
"""A code editor's CodeMirror theme on a light page and on a dark one (the same family's pair)."""

SCHEME_EVENT = 'swarm_color_scheme'

THEME_HEAD = '''
<style>
.swarm-surface { background: #fff; }
.swarm-surface-muted { background: #f8fafc; }
.swarm-surface-shown { background: #e3f2fd; }
.swarm-surface-code { background: #eeeeee; }
.swarm-diff-before { background: #fdecea; }
.swarm-diff-after { background: #e6f4ea; }
.body--dark .swarm-diff-before { background: #3a2226; }
.body--dark .swarm-diff-after { background: #1d3b28; }
.body--dark .swarm-surface { background: #1d2129; }
.body--dark .swarm-surface-muted { background: #181b22; }
.body--dark .swarm-surface-shown { background: #1e2d44; }
.body--dark .swarm-surface-code { background: #262b35; }
.body--dark .border, .body--dark .border-l, .body--dark .border-r { border-color: #343a48; }
/* Quasar's own dark surfaces (drawer, tab panels, cards, dialogs, menus) in the same blue-grey. */
/* (NiceGUI sets them on <body> inline, from ui.colors: !important wins over that.) */
body.body--dark { --q-dark: #1d2129 !important; --q-dark-page: #15181e !important; }
/* Quasar's grey text is made for white: on dark it is lightened to stay readable. Quasar's colour
   classes are !important in NiceGUI's last layer (quasar_importants); an !important rule wins from an
   earlier layer only, so these go in the first one NiceGUI declares. */
@layer theme {
  .body--dark .text-grey-7 { color: #9aa3b2 !important; }
  .body--dark .text-grey-8 { color: #b4bcc8 !important; }
  .body--dark .text-grey-9 { color: #d0d6e0 !important; }
}
.body--dark .text-slate-600 { color: #94a3b8; }
/* A code editor marks its current line only while it is being edited. */
.nicegui-codemirror .cm-editor:not(.cm-focused) .cm-activeLine,
.nicegui-codemirror .cm-editor:not(.cm-focused) .cm-activeLineGutter { background: transparent; }
</style>
<script>
// Quasar puts .body--dark on <body> when the page turns dark (the system's setting changed):
// tell the server, whose code editors then change their theme (studio/theme.py, ColorScheme).
document.addEventListener('DOMContentLoaded', () => {
  let reported = null;
  new MutationObserver(() => {
    const dark = document.body.classList.contains('body--dark');
    if (dark !== reported && window.socket?.connected) {
      reported = dark;
      emitEvent('swarm_color_scheme', {dark});  // NOTE: SCHEME_EVENT in studio/theme.py
    }
  }).observe(document.body, {attributes: true, attributeFilter: ['class']});
});
</script>
'''


class ColorScheme:
    """Whether one page is shown dark, as its browser says, and the code editors that follow it.

    Build it while the page is built (it listens to this client); `follow(editor)` themes a
    `ui.codemirror` now and whenever the page turns light or dark.
    """

    def __init__(self, client: Client) -> None:
        self.dark = False
        self._editors: weakref.WeakSet[ui.codemirror] = weakref.WeakSet()
        ui.on(SCHEME_EVENT, lambda event: self._set(isinstance(event.args, dict) and event.args.get('dark') is True))
        client.on_connect(self._ask)

    async def _ask(self, client: Client) -> None:
        # On every (re)connection: the system may have changed while the page was away.
        try:
            dark = await client.run_javascript('document.body.classList.contains("body--dark")', timeout=10)
        except TimeoutError:
            return  # a busy browser: its next change of scheme is still reported
        self._set(dark is True)

    def follow(self, editor: ui.codemirror) -> ui.codemirror:
        self._editors.add(editor)
        editor.set_theme(CODE_THEMES[self.dark])
        return editor

    def _set(self, dark: bool) -> None:
        if dark == self.dark:
            return
        self.dark = dark
        for editor in list(self._editors):
            if not editor.is_deleted:
                editor.set_theme(CODE_THEMES[dark])
