"""The `/graph/{graph_id}` page: toolbar, palette, canvas and inspector around one open graph.

The page translates canvas events into session edits and session deltas into canvas calls;
it keeps no graph of its own. Every page showing the same graph shares its session
(sessions.py), so deltas go to all of them.
"""
from __future__ import annotations

import inspect
import json
import logging
import math
import re

from nicegui import Client, ui
from pydantic import ValidationError

from nodes.graph_diff import diff_graphs
from nodes.kinds import KINDS
from storage.graphs import GraphNotFound, GraphRepository

from ..canvas import Canvas
from ..desktop import native_files
from ..library import examples
from ..run.editor_run import EditorRun
from ..theme import ColorScheme
from .canvas_actions import CanvasActions
from .diff_view import show_diff
from .inspector import Inspector
from .sessions import EditsNotSaved, OpenGraph, OpenGraphs
from .quick_add import quick_add_items
from .state import EdgeRefused, EditorSession, added_node_ids, view_annotations
from .tooltips import TOOLTIPS_HEAD

log = logging.getLogger(__name__)

# NOTE: the canvas reports the same shortcuts while it has focus (and prevents their default);
# this catches them everywhere else on the page, leaving a text field its own undo.
SHORTCUTS_JS = '''
<script>
document.addEventListener('keydown', (event) => {
  if (event.defaultPrevented || !(event.ctrlKey || event.metaKey) || event.altKey) return;
  const key = event.key.toLowerCase();
  if (key === 's') {
    event.preventDefault();
    emitEvent('editor_key', {action: 'save'});
    return;
  }
  if (event.target.closest && event.target.closest('input, textarea, [contenteditable]')) return;
  const action = key === 'z' ? (event.shiftKey ? 'redo' : 'undo') : key === 'y' ? 'redo' : null;
  if (action) {
    event.preventDefault();
    emitEvent('editor_key', {action});
  }
});
</script>
'''
KIND_DRAG_TYPE = 'application/x-swarm-kind'  # NOTE: the canvas accepts drops of this type (canvas README)
PALETTE_WIDTH = 160
FOLDED_PALETTE_WIDTH = 52
INSPECTOR_WIDTH = 320
"""The run drawer (studio/run/editor_run.py) is docked beside the canvas and takes the inspector's place while open."""


def export_file_name(name: str) -> str:
    """A file name for a graph's export: its name, lowercased, with dashes."""
    stem = re.sub(r'[^a-z0-9]+', '-', name.lower()).strip('-')
    return f'{stem or "graph"}.json'


def collapse_autosaves(versions: list, current: int) -> list:
    """The versions worth listing (newest first): of a run of autosaves one after another, only the
    newest (and the current version), so a long session's autosaves do not flood the list."""
    return [version for index, version in enumerate(versions)
            if not (version.note == 'autosave' and index and versions[index - 1].note == 'autosave'
                    and version.number != current)]


class EditorPage:
    """One browser tab editing one graph."""

    def __init__(self, open_graph: OpenGraph, sessions: OpenGraphs, client: Client) -> None:
        self.open_graph = open_graph
        self.sessions = sessions
        self.client = client
        self.selected_nodes: list[str] = []
        self.selected_edges: list[str] = []
        self._session_shown = open_graph.session
        self._name_shown = self.session.name
        self._stale_shown = None  # the refused save whose dialog this page has shown

        ui.add_head_html(SHORTCUTS_JS)
        ui.add_head_html(TOOLTIPS_HEAD)
        ui.query('.nicegui-content').classes('p-0 gap-0')
        self._toolbar()
        with ui.row().classes('w-full no-wrap gap-0').style('height: calc(100vh - 56px)'):
            self._palette()
            self.canvas = Canvas().classes('grow').style('height: 100%; width: auto; min-width: 0')
            with ui.scroll_area().classes('h-full border-l swarm-surface swarm-inspector-panel').style(f'width: {INSPECTOR_WIDTH}px') \
                    .mark('inspector-panel') as self.inspector_panel:
                self.inspector = Inspector(lambda: self.open_graph.session, ColorScheme(client))
        self.canvas.on('connect', self.on_connect)
        self.canvas.on('move', self.on_move)
        self.canvas.on('resize', self.on_resize)
        self.canvas.on('delete', self.on_delete)
        self.canvas.on('selection', self.on_selection)
        self.canvas.on('drop', self.on_drop)
        self.canvas.on('key', lambda e: self.on_key(e.args.get('action')))
        self.canvas.on('node_click', lambda e: self.inspector.show(e.args.get('id')))
        self.actions = CanvasActions(self, examples())
        self.canvas.on('menu', self.actions.on_menu)
        self.canvas.on('quick_add', self.actions.on_quick_add)
        self.canvas.set_quick_add(quick_add_items(self.actions.examples))
        ui.on('editor_key', lambda e: self.on_key(e.args.get('action')))

        open_graph.listeners.append(self.on_ops)
        open_graph.status_listeners.append(self.on_status)
        client.on_disconnect(self.on_disconnect)
        client.on_delete(self.on_page_gone)
        self.session.tidy_if_stacked()  # a file written without a layout opens laid out, one undo away
        self.canvas.load(*self.session.view())
        self.on_status()
        # Running missions (studio/run): Run/Cancel, run figures, run panel, history, node run details.
        self.run = EditorRun(self)

    @property
    def session(self) -> EditorSession:
        return self.open_graph.session

    # Building.
    def _toolbar(self) -> None:
        with ui.header().classes('items-center gap-1 bg-slate-800 text-white py-1 px-2 no-wrap'):
            ui.button(icon='apps', on_click=lambda: ui.navigate.to('/')).props('flat round color=white') \
                .tooltip('All graphs')
            self.name_input = ui.input(value=self.session.name).props('dense dark borderless') \
                .classes('text-lg w-72').mark('graph-name')
            self.name_input.on('blur', self.commit_name).on('keydown.enter', self.commit_name)
            self.status = ui.label().classes('text-sm text-slate-300 w-44').mark('save-status')
            self.problem_badge = ui.label().classes('text-sm text-amber-300').mark('problem-count')
            self.run_slot = ui.row().classes('items-center gap-1 no-wrap')  # NOTE: filled by studio/run/editor_run.py
            ui.space()
            self.undo_button = self._tool('undo', 'Undo (Ctrl+Z)', self.undo, 'undo')
            self.redo_button = self._tool('redo', 'Redo (Ctrl+Shift+Z)', self.redo, 'redo')
            self._tool('delete', 'Delete the selection (Delete)', self.delete_selection, 'delete')
            self._tool('account_tree', 'Tidy up: lay out in layers', self.tidy, 'tidy')
            self._tool('fit_screen', 'Fit the graph in view', self.canvas_fit, 'fit')
            self._tool('view_sidebar', 'Show or hide the inspector', self.toggle_inspector, 'toggle-inspector')
            self._tool('history', 'Versions', self.show_versions, 'versions')
            self._tool('download', 'Export the graph file', self.export, 'export')
            ui.button('Save', icon='save', on_click=self.save).props('flat color=white aria-label=Save').mark('save') \
                .tooltip('Save a version (Ctrl+S)')

    def _tool(self, icon: str, tip: str, action, marker: str) -> ui.button:
        return ui.button(icon=icon, on_click=action).props(f'flat round color=white aria-label="{tip}"') \
            .tooltip(tip).mark(marker)

    def _palette(self) -> None:
        # Narrow, and folds to a rail of icons: the canvas gets the width.
        with ui.column().classes('h-full p-2 gap-2 border-r swarm-surface-muted no-wrap') \
                .style(f'width: {PALETTE_WIDTH}px').mark('palette') as self.palette:
            with ui.row().classes('w-full items-center no-wrap gap-0'):
                self.palette_heading = ui.label('Add a node').classes('text-xs uppercase text-grey-7 grow')
                self.palette_fold = ui.button(icon='chevron_left', on_click=self.toggle_palette) \
                    .props('flat dense round size=sm aria-label="Fold the palette"').mark('fold-palette')
            self.palette_labels: list[ui.label] = []
            for kind in KINDS.values():
                with ui.row().classes('w-full items-center gap-2 p-2 rounded border swarm-surface cursor-grab no-wrap') \
                        .props(f'draggable=true data-kind={kind.name}').mark(f'palette-{kind.name}') as item:
                    ui.icon(kind.icon).classes('text-xl text-slate-600')
                    self.palette_labels.append(ui.label(kind.label).classes('font-medium'))
                item.on('dragstart', js_handler=f'(event) => event.dataTransfer.setData('
                                                f'{json.dumps(KIND_DRAG_TYPE)}, {json.dumps(kind.name)})')
                item.on('click', lambda kind=kind: self.add_node(kind.name))
                item.tooltip(f'{kind.description} Click to add, or drag onto the canvas.')

    def toggle_palette(self) -> None:
        folded = self.palette_heading.visible
        self.palette.style(f'width: {FOLDED_PALETTE_WIDTH if folded else PALETTE_WIDTH}px')
        for label in (self.palette_heading, *self.palette_labels):
            label.set_visibility(not folded)
        self.palette_fold.props(f'icon={"chevron_right" if folded else "chevron_left"} '
                                f'aria-label="{"Unfold" if folded else "Fold"} the palette"')

    def toggle_inspector(self) -> None:
        self.inspector_panel.set_visibility(not self.inspector_panel.visible)

    # From the canvas.
    def on_connect(self, event) -> None:
        source, target = event.args.get('source'), event.args.get('target')
        try:
            self.session.connect(source, target)
        except EdgeRefused as refusal:
            ui.notify(refusal.message, type='warning')
            if refusal.path:
                self.canvas.flash_path(refusal.path)

    def on_move(self, event) -> None:
        items = [item for item in event.args if isinstance(item, dict)] if isinstance(event.args, list) else []
        self.session.move((item['id'], item['x'], item['y']) for item in items if {'id', 'x', 'y'} <= item.keys())
        self.session.move_annotations((item['annotation'], item['x'], item['y']) for item in items
                                      if {'annotation', 'x', 'y'} <= item.keys())

    def on_resize(self, event) -> None:
        """A note or group was resized (the canvas's `resize`): one undoable edit."""
        item = event.args if isinstance(event.args, dict) else {}
        box = [item.get(key) for key in ('x', 'y', 'width', 'height')]
        if not isinstance(item.get('annotation'), str) or not all(
                isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) for value in box):
            return
        if not self.session.resize_annotation(item['annotation'], *box):
            # Nothing changed (below the minimum, or gone in another tab): the canvas shows what is stored.
            self.canvas.apply([{'op': 'set_annotations', 'annotations': view_annotations(self.session.annotations())}])

    def on_delete(self, event) -> None:
        self.session.delete(event.args.get('nodes', []), event.args.get('edges', []), event.args.get('annotations', []))

    def on_selection(self, event) -> None:
        self.selected_nodes = list(event.args.get('nodes', []))
        self.selected_edges = list(event.args.get('edges', []))
        if len(self.selected_nodes) == 1:
            if self.inspector.node_id != self.selected_nodes[0]:
                self.inspector.show(self.selected_nodes[0])
        else:
            self.inspector.show(None, len(self.selected_nodes) + len(self.selected_edges))

    def on_drop(self, event) -> None:
        kind = event.args.get('kind')
        if kind in KINDS:
            self.add_node(kind, event.args.get('x', 0), event.args.get('y', 0))

    async def on_key(self, action: str | None) -> None:
        actions = {'undo': self.undo, 'redo': self.redo, 'copy': self.copy, 'paste': self.paste,
                   'save': self.save, 'select_all': self.select_all}
        if action in actions:
            result = actions[action]()
            if inspect.isawaitable(result):
                await result

    # Edits.
    def add_node(self, kind: str, x: float | None = None, y: float | None = None) -> None:
        placed = x is not None and y is not None
        if not placed:
            x, y = self.session.next_free_position(near=self.inspector.node_id)
        new_ids = added_node_ids(self.session.add_node(kind, x, y))
        self.select(new_ids)
        if not placed:  # dropped nodes are where the pointer was; others may be off-screen
            self.canvas.reveal(new_ids)

    def select(self, node_ids: list[str]) -> None:
        self.selected_nodes, self.selected_edges = list(node_ids), []
        self.canvas.select(node_ids)
        self.inspector.show(node_ids[0] if len(node_ids) == 1 else None, len(node_ids))

    def select_all(self) -> None:
        self.select(self.session.node_ids())

    def undo(self) -> None:
        self.session.undo()

    def redo(self) -> None:
        self.session.redo()

    def delete_selection(self) -> None:
        if not (self.selected_nodes or self.selected_edges):
            ui.notify('Select nodes or edges to delete first.')
            return
        self.session.delete(self.selected_nodes, self.selected_edges)
        self.selected_nodes, self.selected_edges = [], []

    def copy(self) -> None:
        count = self.session.copy(self.selected_nodes)
        if count:
            ui.notify(f'Copied {count} node{"s" * (count != 1)}.')

    def paste(self) -> None:
        new_ids = added_node_ids(self.session.paste())
        if new_ids:
            self.select(new_ids)

    def tidy(self) -> None:
        self.session.tidy()
        self.canvas_fit()

    def canvas_fit(self) -> None:
        self.canvas.fit_view()

    def commit_name(self) -> None:
        name = (self.name_input.value or '').strip()
        try:
            self.session.set_name(name)
        except ValueError:
            ui.notify('A graph needs a name; the old one is kept.', type='warning')
            self.name_input.value = self.session.name
        self._name_shown = self.session.name

    async def save(self) -> None:
        self.session.seal()
        version = await self.open_graph.save('saved')
        if version is None:
            ui.notify(self.open_graph.error or 'The graph could not be saved.', type='negative')
        else:
            ui.notify(f'Saved: version {version.number}.', type='positive')

    def show_stale_save(self) -> None:
        """Another process saved this graph since it was loaded: say so; keep ours until the user chooses."""
        with self.client, ui.dialog().props('persistent') as dialog, ui.card().classes('w-[32rem]').mark('stale-save'):
            ui.label(self.open_graph.error or '').classes('text-sm')
            with ui.row().classes('w-full justify-end'):
                ui.button('Keep editing', on_click=dialog.close).props('flat')
                ui.button('Save mine as a copy', on_click=lambda: self.save_copy(dialog)).mark('save-copy')
                ui.button('Reload theirs', on_click=lambda: self.reload_theirs(dialog)).props('color=negative') \
                    .mark('reload-theirs')
        dialog.open()

    async def save_copy(self, dialog: ui.dialog) -> None:
        graph_id = await self.open_graph.save_as_copy()
        dialog.close()
        ui.navigate.to(f'/graph/{graph_id}')

    async def reload_theirs(self, dialog: ui.dialog) -> None:
        await self.sessions.reload(self.open_graph.graph_id)
        dialog.close()

    async def export(self) -> None:
        graph = self.session.graph()
        await native_files.save(graph.dumps().encode(), export_file_name(graph.name), media_type='application/json')
        if self.session.problems.count:
            ui.notify(f'Exported with {self.session.problems.count} problem(s): importing the file will refuse '
                      'it until they are fixed.', type='warning')

    async def show_versions(self) -> None:
        from nicegui import run

        from ..library import saved_at
        await self.open_graph.save('autosave')  # the list then ends with what the canvas shows
        versions = await run.io_bound(self.open_graph.graphs.versions, self.open_graph.graph_id)
        with ui.dialog() as dialog, ui.card().classes('w-[40rem]').mark('versions'):
            ui.label('Versions').classes('text-lg')
            with ui.row().classes('w-full items-center gap-2 no-wrap'):
                name = ui.input(placeholder='Name this version, e.g. "before the tier change"') \
                    .props('dense').classes('grow').mark('version-name')
                ui.button('Save as named version', on_click=lambda: self.save_named(name.value, dialog)) \
                    .props('flat dense').mark('save-named')
            rows = ui.scroll_area().classes('h-96')

            def fill(listed: list) -> None:
                rows.clear()
                with rows:
                    for version in listed:
                        self._version_row(version, saved_at, dialog)
                    hidden = len(versions) - len(listed)
                    if hidden:
                        with ui.row().classes('w-full items-center gap-2'):
                            ui.label(f'{hidden} older autosave{"s" * (hidden != 1)} not listed').classes('text-sm text-grey-7')
                            ui.button('Show all', on_click=lambda: fill(versions)).props('flat dense')
            fill(collapse_autosaves(versions, self.open_graph.version))
            with ui.row().classes('w-full justify-end'):
                ui.button('Close', on_click=dialog.close)
        dialog.open()

    def _version_row(self, version, saved_at, dialog: ui.dialog) -> None:
        with ui.row().classes('w-full items-center gap-2 no-wrap').mark(f'version-{version.number}'):
            ui.label(f'v{version.number}').classes('w-12 font-mono')
            ui.label(saved_at(version.created_at)).classes('w-44 text-sm')
            ui.label(f'{version.node_count} nodes').classes('w-20 text-sm')
            ui.label(version.note).classes('grow text-sm text-grey-7')
            if version.number == self.open_graph.version:
                ui.label('current').classes('text-sm text-positive')
            else:
                ui.button('Compare', on_click=lambda n=version.number: self.compare(n)).props('flat dense') \
                    .tooltip('What changed from this version to the current one')
                ui.button('Restore', on_click=lambda n=version.number: self.restore(n, dialog)).props('flat dense')

    async def save_named(self, name: str | None, dialog: ui.dialog) -> None:
        """Save a version now under a name of the user's (its note in the versions list)."""
        name = (name or '').strip()
        if not name:
            ui.notify('Type a name for the version first.', type='warning')
            return
        from nicegui import run
        self.session.seal()
        version = await self.open_graph.save(name)
        if version is None:
            ui.notify(self.open_graph.error or 'The graph could not be saved.', type='negative')
            return
        if version.note != name:  # nothing changed since the last save: that version takes the name
            try:
                version = await run.io_bound(self.open_graph.graphs.name_version, self.open_graph.graph_id,
                                             version.number, name)
            except GraphNotFound as error:
                ui.notify(str(error), type='negative')
                return
        dialog.close()
        ui.notify(f'Saved version {version.number} as “{name}”.', type='positive')

    async def compare(self, number: int) -> None:
        """The diff from version `number` to the current one, side by side."""
        from nicegui import run
        graph_id, current = self.open_graph.graph_id, self.open_graph.version
        try:
            before = await run.io_bound(self.open_graph.graphs.get_version, graph_id, number)
            after = await run.io_bound(self.open_graph.graphs.get_version, graph_id, current)
        except (GraphNotFound, ValueError) as error:
            ui.notify(str(error), type='negative')
            return
        show_diff(diff_graphs(before, after), f'v{number}', f'v{current} (current)')

    async def restore(self, number: int, dialog: ui.dialog) -> None:
        dialog.close()
        try:
            version = await self.sessions.restore(self.open_graph.graph_id, number)
        except (GraphNotFound, EditsNotSaved) as error:
            ui.notify(str(error), type='negative')
            return
        ui.notify(f'Restored version {number} as version {version.number}.', type='positive')

    # From the session.
    def on_ops(self, ops: list[dict]) -> None:
        if ops:
            self.canvas.apply(ops)
        node_id = self.inspector.node_id
        for op in ops:
            if op['op'] == 'remove_node':
                if op['id'] in self.selected_nodes:
                    self.selected_nodes.remove(op['id'])
                if op['id'] == node_id:
                    self.inspector.show(None)
                    node_id = None
            elif op['op'] == 'remove_edge' and op['id'] in self.selected_edges:
                self.selected_edges.remove(op['id'])
            elif op['op'] == 'update_node' and op['id'] == node_id:
                changed = op['changes'].keys() - {'x', 'y'}
                if changed - {'problems'} and not self.inspector.editing:
                    self.inspector.refresh()  # an undo, or another tab, changed what the inspector shows
                elif 'problems' in changed:
                    self.inspector.show_problems()
        if self.session.name != self._name_shown:
            self._name_shown = self.name_input.value = self.session.name
        self.on_status()

    def on_status(self) -> None:
        if self.open_graph.session is not self._session_shown:  # a restored version replaced the session
            self._session_shown = self.open_graph.session
            self.selected_nodes, self.selected_edges = [], []
            self.canvas.load(*self.session.view())
            self.inspector.show(None)
            self._name_shown = self.name_input.value = self.session.name
        graph = self.open_graph
        if graph.error:
            text = graph.error
        elif graph.saving:
            text = 'Saving…'
        elif graph.dirty:
            text = 'Unsaved changes'
        else:
            text = f'Saved · version {graph.version}'
        self.status.set_text(text)
        if graph.stale is not None and graph.stale is not self._stale_shown:
            self._stale_shown = graph.stale
            self.show_stale_save()
        count = self.session.problems.count
        self.problem_badge.set_text(f'{count} problem{"s" * (count != 1)}' if count else '')
        self.undo_button.set_enabled(self.session.can_undo)
        self.redo_button.set_enabled(self.session.can_redo)

    async def on_disconnect(self) -> None:
        await self.open_graph.save('autosave')

    async def on_page_gone(self) -> None:
        for listeners, listener in ((self.open_graph.listeners, self.on_ops),
                                    (self.open_graph.status_listeners, self.on_status)):
            if listener in listeners:
                listeners.remove(listener)
        await self.sessions.release(self.open_graph.graph_id, self.client)


def register(graphs: GraphRepository, sessions: OpenGraphs) -> None:
    """Add the `/graph/{graph_id}` page."""
    @ui.page('/graph/{graph_id}', title='Swarm Studio', response_timeout=60)
    async def graph_page(graph_id: str, client: Client) -> None:
        try:
            open_graph = await sessions.open(graph_id, client)
        except GraphNotFound:
            with ui.column().classes('p-8 gap-4'):
                ui.label(f'There is no stored graph with the id "{graph_id}".').classes('text-lg').mark('not-found')
                ui.link('Back to all graphs', '/')
            return
        except ValueError as error:  # stored before today's checks, or edited by hand: list, never a 500
            log.warning('graph %s cannot be opened: %s', graph_id, str(error).splitlines()[0])
            with ui.column().classes('p-8 gap-2').mark('cannot-open'):
                ui.label(f'The stored graph "{graph_id}" cannot be drawn; its problems:').classes('text-lg')
                for problem in stored_problems(error):
                    with ui.row().classes('items-start gap-2 no-wrap'):
                        ui.icon('error_outline', color='negative')
                        ui.label(problem)
                ui.label('Restore an earlier version from the command line, or import a corrected file.')
                ui.link('Back to all graphs', '/')
            return
        ui.page_title(f'{open_graph.session.name} · Swarm Studio')
        EditorPage(open_graph, sessions, client)


def stored_problems(error: ValueError) -> list[str]:
    """One line per problem of a stored graph that could not be loaded."""
    if isinstance(error, ValidationError):
        return [f'{".".join(str(part) for part in detail["loc"])}: {detail["msg"]}' for detail in error.errors()]
    return [line for line in str(error).splitlines() if line.strip()] or [type(error).__name__]
