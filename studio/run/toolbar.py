"""The run figures bar: progress, elapsed time, running cost, the flagship-only cost and savings.

It floats over the top of the canvas while a run is shown (live or from history) and says
plainly whether the run is SIMULATED or LIVE. Labels change only when their text does, so a
tick that changes nothing sends nothing. A live run's figures are drawn at the page timer's tick
(`follow`), not with every batch: each redraw of the bar costs every watching browser a render,
and a busy run sends up to ten batches a second.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nicegui import ui

from nodes.costs import FLAGSHIP_DEFINITION

from .node_states import RunFigures, money
from .resume import RESUMABLE

LEFT_PX = 172  # the palette (160 px) and a margin
RIGHT_PANEL_PX = 400  # the run drawer (384 px, studio/run/editor_run.py) and a margin
STATUS_TEXT = {'starting': 'starting', 'running': 'running', 'succeeded': 'succeeded', 'failed': 'failed',
               'cancelled': 'cancelled', 'over_budget': 'over budget', 'interrupted': 'interrupted'}
STATUS_COLOUR = {'running': 'primary', 'starting': 'primary', 'succeeded': 'positive', 'failed': 'negative',
                 'cancelled': 'warning', 'over_budget': 'negative', 'interrupted': 'warning'}


def duration_text(seconds: float) -> str:
    """`4.2 s`, `3 min 05 s`, `1 h 02 min`."""
    if seconds < 60:
        return f'{seconds:.1f} s'
    minutes, secs = divmod(int(seconds), 60)
    if minutes < 60:
        return f'{minutes} min {secs:02d} s'
    hours, minutes = divmod(minutes, 60)
    return f'{hours} h {minutes:02d} min'


class RunToolbar:
    """The figures of the run the canvas shows. Build it inside a page; `show` it with figures.

    :param on_export: downloads the shown run as JSON (offered once it has finished)
    :param on_close: takes the run display off the canvas (offered once it has finished)
    :param on_resume: awaited with the mission's whole budget (None: keep the run's) to carry on
        a stopped run (offered for a run that ended over budget, failed, cancelled or interrupted)
    :param on_result: shows what the run's Output nodes produced (offered once it has finished)
    """

    def __init__(self, on_export: Callable[[], Any], on_close: Callable[[], Any],
                 on_resume: Callable[[float | None], Any] | None = None,
                 on_result: Callable[[], Any] | None = None) -> None:
        self.figures: RunFigures | None = None
        self._following: tuple[RunFigures, str] | None = None  # a live run's latest figures, drawn at the next tick
        self.on_resume = on_resume
        # NOTE: right of the editor's palette (studio/editor/page.py), and never under the run drawer or the
        # inspector on the right (RIGHT_PANEL_PX): a bar too long for the space left wraps onto a second line.
        with ui.page_sticky('top-left', x_offset=LEFT_PX, y_offset=8) as self.container:
            with ui.card().classes('flex-row flex-wrap items-center gap-x-2 gap-y-0 px-2 py-1 shadow-md') \
                    .style(f'max-width: calc(100vw - {LEFT_PX + RIGHT_PANEL_PX}px)').mark('run-toolbar') as self.card:
                self.mode = ui.badge('SIMULATED', color='orange').classes('text-sm swarm-run-mode').mark('run-mode')
                self.status = ui.badge('', color='primary').classes('text-sm swarm-run-status').mark('run-status')
                # First after the status: the run panel (a drawer on the right) may cover the bar's end.
                with ui.button('Resume', icon='play_circle').props(
                        'flat dense no-caps size=sm color=positive aria-label="Resume the run"') \
                        .mark('run-resume').tooltip('Carry on: nodes that succeeded are kept, the rest run') \
                        as self.resume_button:
                    with ui.menu().props('anchor="bottom left" self="top left"') as self.resume_menu, \
                            ui.column().classes('p-3 gap-2'):
                        ui.label('Budget for the whole mission, earlier parts included').classes('text-xs')
                        self.resume_budget = ui.number('Budget (USD)', min=0, step=0.001, format='%.6f') \
                            .props('dense outlined clearable').mark('resume-budget')
                        self.resume_note = ui.label('').classes('text-xs text-grey-7').mark('resume-note')
                        ui.button('Resume', on_click=self._resume).props('unelevated dense color=positive') \
                            .mark('resume-go')
                self.progress = self._figure('run-progress', 'nodes done / nodes in the run')
                self.elapsed = self._figure('run-elapsed', 'elapsed time')
                ui.separator().props('vertical')
                self.cost = self._figure('run-cost', 'running cost of the run').classes('font-semibold')
                self.flagship = self._figure('run-flagship', FLAGSHIP_DEFINITION[0].upper() + FLAGSHIP_DEFINITION[1:])
                self.savings = self._figure('run-savings', 'saved versus the ' + FLAGSHIP_DEFINITION)
                self.note = ui.label('').classes('text-xs text-grey-7').classes('swarm-run-note').mark('run-note')
                with ui.row().classes('gap-0 no-wrap') as self.finished_tools:
                    if on_result is not None:
                        ui.button('Result', icon='output', on_click=on_result) \
                            .props('flat dense no-caps size=sm aria-label="Show the result"') \
                            .mark('run-result-button').tooltip("What the run's Output nodes produced")
                    ui.button(icon='download', on_click=on_export) \
                        .props('flat dense round size=sm aria-label="Export the run as JSON"') \
                        .mark('run-export').tooltip('Export the run as JSON (summary and attempts)')
                    ui.button(icon='close', on_click=on_close) \
                        .props('flat dense round size=sm aria-label="Close the run display"') \
                        .mark('run-close').tooltip('Take the run states off the canvas')
        self.container.set_visibility(False)

    @staticmethod
    def _figure(marker: str, tip: str) -> ui.label:
        label = ui.label('').classes(f'text-sm whitespace-nowrap swarm-{marker}').mark(marker)
        label.tooltip(tip)
        return label

    def show(self, figures: RunFigures, note: str = '') -> None:
        """Show a run's figures (and a note: the version it ran, the node a re-run started from)."""
        self._following = None
        self.figures = figures
        _set(self.mode, 'SIMULATED' if figures.simulated else 'LIVE')
        _colour(self.mode, 'orange' if figures.simulated else 'teal')
        _set(self.status, STATUS_TEXT.get(figures.status, figures.status))
        _colour(self.status, STATUS_COLOUR.get(figures.status, 'grey'))
        _set(self.progress, figures.progress_text())
        _set(self.cost, figures.cost_text(money))
        _set(self.flagship, figures.flagship_text(money))
        _set(self.savings, figures.savings_text())
        _set(self.note, note)
        self.note.set_visibility(bool(note))
        if self.finished_tools.visible == figures.running:
            self.finished_tools.set_visibility(not figures.running)
        resumable = self.on_resume is not None and not figures.running and figures.status in RESUMABLE
        if self.resume_button.visible != resumable:
            self.resume_button.set_visibility(resumable)
        self.tick()
        if not self.container.visible:
            self.container.set_visibility(True)

    def offer_resume(self, budget_usd: float | None, spent_usd: float) -> None:
        """Fill the Resume menu: the stopped run's budget, and what the mission has cost so far."""
        self.resume_budget.set_value(budget_usd)
        self.resume_note.set_text(f'spent so far: {money(spent_usd)}')

    async def _resume(self) -> None:
        self.resume_menu.close()
        value = self.resume_budget.value
        await self.on_resume(None if value in (None, '') else float(value))

    def follow(self, figures: RunFigures, note: str = '') -> None:
        """Show a live run's latest figures at the next `tick` (what `show` shows, at most twice a second)."""
        self._following = (figures, note)

    def tick(self) -> None:
        """Draw the figures `follow` was given and update the elapsed time (a page timer calls this
        every half second while a run goes)."""
        if self._following is not None:
            self.show(*self._following)
            return  # show ticks
        if self.figures is not None:
            _set(self.elapsed, duration_text(self.figures.elapsed_s()))

    def hide(self) -> None:
        self.figures, self._following = None, None
        self.container.set_visibility(False)


def _set(label: ui.label | ui.badge, text: str) -> None:
    if label.text != text:
        label.set_text(text)


def _colour(badge: ui.badge, colour: str) -> None:
    if badge.props.get('color') != colour:
        badge.props(f'color={colour}')
