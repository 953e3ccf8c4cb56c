"""Dark mode: every page follows the system's light or dark preference (NiceGUI's auto dark mode,
`ui.run(dark=None)`). Quasar's components follow by themselves; the pages' own panels take their
backgrounds from the `swarm-surface*` classes here, light or dark. The canvas has its own rules
(studio/canvas/src/canvas.css), keyed to the same `body--dark`."""
from __future__ import annotations

DARK = None
"""`ui.run`'s `dark`: None follows the system."""

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
</style>
'''
