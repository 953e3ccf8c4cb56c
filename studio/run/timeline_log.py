"""The run's timeline: a scrolling list of lines that the browser appends to.

NiceGUI's `ui.log` makes a label element per line. A run of thousands of nodes watched from ten
pages then builds (and drops, past the cap) hundreds of elements a tick on the server's one event
loop, which stalled every page and request of the app by up to seconds (benchmarks/bench_load.py).
Here a tick's lines go to the browser as one message, and the server keeps only their text.
While the log is out of sight (the run panel closed, another tab open) nothing is sent: appending
lines to a hidden log cost each watching browser as much as drawing the run's states on its
canvas did. Shown again, it catches up in one message from the lines the server kept.
"""
from __future__ import annotations

from collections import deque

from nicegui.element import Element

Line = tuple[str, str]
"""A line's text and its CSS classes."""


class TimelineLog(Element, component='timeline_log.js', default_classes='nicegui-log swarm-timeline'):

    def __init__(self, max_lines: int) -> None:
        """:param max_lines: the newest lines kept (older ones drop off, here and in the browser)"""
        super().__init__()
        self.lines: deque[Line] = deque(maxlen=max_lines)
        self._props['max'] = max_lines
        self.shown = True
        self._behind = False  # lines changed while hidden: the browser's copy is out of date

    # Lines travel only as messages, never as a prop: NiceGUI sends an element's props as they are when its
    # outbox flushes, so a prop written and a message sent in one tick would both carry the same lines. Messages
    # sent before the page's socket connects wait in the outbox and arrive in order.

    def push(self, lines: list[Line]) -> None:
        """Append lines (the oldest drop off past `max_lines`)."""
        if lines:
            self.lines.extend(lines)
            if self.shown:
                self.run_method('push', list(lines)[-self.lines.maxlen:])
            else:
                self._behind = True

    def clear(self) -> None:
        self.lines.clear()
        if self.shown:
            self.run_method('clear')
        else:
            self._behind = True

    def set_shown(self, shown: bool) -> None:
        """Say whether the user can see the log: hidden, it sends nothing; shown, it catches up at once."""
        self.shown = shown
        if shown and self._behind:
            self._behind = False
            self.run_method('clear')
            if self.lines:
                self.run_method('push', list(self.lines))
