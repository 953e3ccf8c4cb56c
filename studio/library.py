"""The start page: stored graphs (open, rename, duplicate, delete), new, import, and the examples."""
from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from nicegui import run, ui
from nicegui.events import GenericEventArguments, UploadEventArguments

from nodes.graph import Graph
from nodes.validation import GraphFileError, load_graph
from storage.db import StorageError
from storage.graphs import GraphNotFound, GraphRepository, GraphSummary

from .desktop import native_files
from .editor.sessions import OpenGraphs
from .security import megabytes

EXAMPLES = Path(__file__).resolve().parent.parent / 'assets' / 'examples'
# A 2,400-node graph file is about 2 MB. `swarm-studio serve --max-upload-mb` changes this.
MAX_IMPORT_BYTES = 5 * 1024 * 1024

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Example:
    """A graph shipped in assets/examples/, offered to open as a copy."""
    path: Path
    name: str
    description: str
    node_count: int


def examples(folder: Path = EXAMPLES) -> list[Example]:
    """The valid example graphs, by name (an invalid file is logged and left out)."""
    found = []
    for path in sorted(folder.glob('*.json')):
        try:
            stat = path.stat()
        except OSError as error:
            log.warning('example %s is left out: %s', path.name, error)
            continue
        example = _example(path, stat.st_mtime_ns, stat.st_size)
        if example is not None:
            found.append(example)
    return sorted(found, key=lambda example: example.name.lower())


@functools.lru_cache(maxsize=64)
def _example(path: Path, mtime_ns: int, size: int) -> Example | None:
    """An example file read and checked once per version of it (every start page and editor lists them)."""
    try:
        graph = load_graph(path.read_bytes())
    except (GraphFileError, OSError) as error:
        log.warning('example %s is left out: %s', path.name, error)
        return None
    return Example(path, graph.name, graph.description or '', len(graph.nodes))


def unused_name(name: str, taken: set[str]) -> str:
    """`name`, or `name (2)`, `name (3)`, … the first not in `taken`: two copies of one example
    are told apart in the list."""
    candidate, number = name, 1
    while candidate in taken:
        number += 1
        candidate = f'{name} ({number})'
    return candidate


def too_large(limit: int) -> str:
    return (f'That file is larger than the {megabytes(limit)} a graph file may have here '
            '(start the studio with --max-upload-mb to allow more).')


NO_GRAPHS = 'No graphs yet: start a new one, import a file, or open an example below.'
FILTER_FROM = 8
"""The filter shows once the list is longer than this."""
GRAPH_COLUMNS = [
    {'name': 'name', 'label': 'Name', 'field': 'name', 'align': 'left', 'sortable': True},
    {'name': 'nodes', 'label': 'Nodes', 'field': 'nodes', 'align': 'right', 'sortable': True},
    {'name': 'saved', 'label': 'Saved', 'field': 'saved', 'align': 'left', 'sortable': True},
    {'name': 'actions', 'label': '', 'field': 'id', 'align': 'right'},
]
# Vue escapes {{ }}: a name with markup shows as text.
NAME_CELL = '''<q-td :props="props"><a :href="'/graph/' + props.row.id" class="text-lg text-primary no-underline hover:underline swarm-graph-link"
    :data-graph-id="props.row.id">{{ props.row.name }}</a></q-td>'''
SAVED_CELL = '<q-td :props="props" class="text-grey-8">{{ props.row.saved_text }}</q-td>'
ACTIONS_CELL = '''<q-td :props="props" auto-width>
    <q-btn flat dense label="Rename" @click="$parent.$emit('rename', props.row.id)" />
    <q-btn flat dense label="Duplicate" @click="$parent.$emit('duplicate', props.row.id)" />
    <q-btn flat dense color="negative" label="Delete" @click="$parent.$emit('delete', props.row.id)" />
</q-td>'''


def graph_row(summary: GraphSummary) -> dict[str, Any]:
    """A stored graph as a row of the library's list (the saved time sorts as text: ISO order)."""
    return {'id': summary.id, 'name': summary.name, 'nodes': summary.node_count,
            'saved': summary.updated_at.isoformat(), 'saved_text': saved_at(summary.updated_at)}


def saved_at(moment: datetime) -> str:
    """A stored time as the library shows it (UTC; SQLite hands times back without a zone)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return f'{moment.astimezone(timezone.utc):%Y-%m-%d %H:%M} UTC'


class LibraryPage:
    """The `/` page of one browser tab."""

    def __init__(self, graphs: GraphRepository, sessions: OpenGraphs, max_import_bytes: int = MAX_IMPORT_BYTES) -> None:
        self.graphs = graphs
        self.sessions = sessions
        self.max_import_bytes = max_import_bytes
        with ui.header().classes('items-center bg-slate-800 text-white'):
            ui.icon('hub').classes('text-2xl')
            ui.label('Swarm Studio').classes('text-xl font-medium')
        with ui.column().classes('w-full max-w-5xl mx-auto p-4 gap-6'):
            with ui.row().classes('w-full items-center gap-3'):
                ui.label('Your graphs').classes('text-2xl grow')
                ui.button('New graph', icon='add', on_click=self.ask_new).mark('new-graph')
                # The uploader does the work but stays out of sight; the button opens its file picker.
                uploader = ui.upload(auto_upload=True, max_files=1, max_file_size=max_import_bytes,
                                     on_upload=self.import_file,
                                     on_rejected=lambda: ui.notify(too_large(max_import_bytes), type='negative')) \
                    .props('accept=.json,application/json').classes('hidden').mark('import')
                # The browser checks the size first; should the server still refuse (a reverse proxy with a smaller
                # limit, say), show why instead of leaving the file silently not imported.
                uploader.on('failed', self.upload_failed, js_handler='(event) => emit(event.xhr?.status ?? 0, '
                            'String(event.xhr?.responseText ?? "").slice(0, 300))')
                ui.button('Import a file', icon='upload_file', on_click=lambda: self.pick_import(uploader)) \
                    .props('outline').tooltip('Import a graph file (.json); a bad file changes nothing')
            # One element for the whole list, however many graphs: a page of elements per row made the start
            # page's build grow with the library, on the event loop every page of the app shares.
            self.filter = ui.input(placeholder='Filter by name').props('dense clearable outlined') \
                .classes('w-72').mark('graph-filter')
            self.graph_table = ui.table(columns=GRAPH_COLUMNS, rows=[], row_key='id', pagination={'rowsPerPage': 0}) \
                .props('flat dense hide-pagination').classes('w-full swarm-graph-list').mark('graph-list')
            self.graph_table.bind_filter_from(self.filter, 'value')
            self.graph_table.add_slot('body-cell-name', NAME_CELL)
            self.graph_table.add_slot('body-cell-saved', SAVED_CELL)
            self.graph_table.add_slot('body-cell-actions', ACTIONS_CELL)
            self.graph_table.on('rename', self._on_row(self.ask_rename))
            self.graph_table.on('duplicate', self._on_row(self.duplicate))
            self.graph_table.on('delete', self._on_row(self.ask_delete))
            self.no_graphs = ui.label(NO_GRAPHS).classes('text-grey-7').mark('no-graphs')
            self.summaries: dict[str, GraphSummary] = {}
            self.show_graphs()
            ui.label('Examples').classes('text-2xl')
            ui.label('Open a copy of an example swarm; the example itself stays as it is.').classes('text-grey-7')
            with ui.row().classes('w-full gap-4'):
                for example in examples():
                    self.example_card(example)

    def show_graphs(self) -> None:
        try:
            summaries = self.graphs.list()
        except StorageError as error:
            self.graph_table.set_visibility(False)
            self.no_graphs.set_text(f'The graphs cannot be listed: {error}')
            self.no_graphs.classes(replace='text-negative').set_visibility(True)
            return
        self.summaries = {summary.id: summary for summary in summaries}
        self.graph_table.rows = [graph_row(summary) for summary in summaries]
        self.graph_table.set_visibility(bool(summaries))
        if len(summaries) <= FILTER_FROM:
            self.filter.value = ''  # a filter the user can no longer see must not hide rows
        self.filter.set_visibility(len(summaries) > FILTER_FROM)
        self.no_graphs.set_text(NO_GRAPHS)
        self.no_graphs.classes(replace='text-grey-7').set_visibility(not summaries)

    def _on_row(self, action: Callable[[GraphSummary], Any]) -> Callable[[GenericEventArguments], Any]:
        """A row button's handler: the graph its row shows (none if it went meanwhile)."""
        def handle(event: GenericEventArguments) -> Any:
            summary = self.summaries.get(str(event.args))
            return action(summary) if summary is not None else None
        return handle

    def example_card(self, example: Example) -> None:
        with ui.card().classes('w-72').mark(f'example-{example.path.stem}'):
            ui.label(example.name).classes('text-lg font-medium')
            if example.description:
                ui.label(example.description).classes('text-grey-8 text-sm')
            ui.label(f'{example.node_count} nodes').classes('text-grey-7 text-sm')
            ui.button('Open a copy', icon='content_copy', on_click=lambda: self.open_example(example)).props('flat')

    async def open_example(self, example: Example) -> None:
        try:
            graph = load_graph(example.path.read_bytes())
            taken = {summary.name for summary in await run.io_bound(self.graphs.list)}
            graph = graph.model_copy(update={'name': unused_name(graph.name, taken)})
            graph_id = await run.io_bound(self.graphs.create, graph, f'copied from example {example.path.name}')
        except (GraphFileError, OSError, StorageError) as error:
            ui.notify(f'The example could not be opened: {error}', type='negative')
            return
        ui.navigate.to(f'/graph/{graph_id}')

    def ask_new(self) -> None:
        def create() -> None:
            name = (name_input.value or '').strip()
            if not name:
                return
            try:
                graph_id = self.graphs.create(Graph(name=name))
            except StorageError as error:
                ui.notify(str(error), type='negative')
                return
            dialog.close()
            ui.navigate.to(f'/graph/{graph_id}')
        with ui.dialog() as dialog, ui.card().classes('w-96'):
            ui.label('New graph').classes('text-lg')
            name_input = ui.input('Name', value='Untitled swarm',
                                  validation={'A graph needs a name.': lambda value: bool((value or '').strip())}) \
                .classes('w-full').on('keydown.enter', create)
            with ui.row().classes('w-full justify-end'):
                ui.button('Cancel', on_click=dialog.close).props('flat')
                ui.button('Create', on_click=create)
        dialog.open()

    def ask_rename(self, summary: GraphSummary) -> None:
        async def rename() -> None:
            name = (name_input.value or '').strip()
            if not name:
                return
            open_graph = self.sessions.get(summary.id)
            try:
                if open_graph is not None:  # an editor has it open: rename through its session, or autosave undoes it
                    open_graph.session.set_name(name)
                    await open_graph.save('renamed')
                else:
                    await run.io_bound(self.graphs.rename, summary.id, name)
            except (GraphNotFound, StorageError) as error:
                ui.notify(str(error), type='negative')
            dialog.close()
            self.show_graphs()
        with ui.dialog() as dialog, ui.card().classes('w-96'):
            ui.label('Rename graph').classes('text-lg')
            name_input = ui.input('Name', value=summary.name,
                                  validation={'A graph needs a name.': lambda value: bool((value or '').strip())}) \
                .classes('w-full').on('keydown.enter', rename)
            with ui.row().classes('w-full justify-end'):
                ui.button('Cancel', on_click=dialog.close).props('flat')
                ui.button('Rename', on_click=rename).mark('confirm-rename')
        dialog.open()

    async def duplicate(self, summary: GraphSummary) -> None:
        open_graph = self.sessions.get(summary.id)
        try:
            if open_graph is not None:
                await open_graph.save('autosave')  # duplicate what the editor shows, not an older version
            await run.io_bound(self.graphs.duplicate, summary.id)
        except (GraphNotFound, StorageError) as error:
            ui.notify(str(error), type='negative')
        self.show_graphs()

    def ask_delete(self, summary: GraphSummary) -> None:
        def delete() -> None:
            try:
                self.graphs.delete(summary.id)
            except (GraphNotFound, StorageError) as error:
                ui.notify(str(error), type='negative')
            self.sessions.forget(summary.id)
            dialog.close()
            ui.notify(f'Deleted “{summary.name}”.')
            self.show_graphs()
        with ui.dialog() as dialog, ui.card().classes('w-96'):
            ui.label(f'Delete “{summary.name}” and all its versions? This cannot be undone.')
            with ui.row().classes('w-full justify-end'):
                ui.button('Cancel', on_click=dialog.close).props('flat')
                ui.button('Delete', on_click=delete).props('color=negative').mark('confirm-delete')
        dialog.open()

    def upload_failed(self, event: GenericEventArguments) -> None:
        status, text = event.args if isinstance(event.args, list) and len(event.args) == 2 else (0, '')
        event.sender.run_method('reset')
        if status == 413:
            self.show_refusal('The file', [f'That file is larger than the server accepts: the studio takes '
                                           f'{megabytes(self.max_import_bytes)}, a proxy in front of it may take less.'])
        else:
            self.show_refusal('The file', [f'The upload failed ({status or "no answer"}): {text}'.rstrip(': ')])

    async def pick_import(self, uploader: ui.upload) -> None:
        """The browser's file picker in a tab; the system's open dialog in the desktop window."""
        if not native_files.in_window():
            uploader.run_method('pickFiles')
            return
        try:
            chosen = await native_files.choose_file(self.max_import_bytes)
        except native_files.FileNotRead as error:
            ui.notify(str(error), type='negative')
            return
        if chosen is not None:
            await self.import_data(*chosen)

    async def import_file(self, event: UploadEventArguments) -> None:
        name = event.file.name or 'the file'
        try:
            if event.file.size() > self.max_import_bytes:
                self.show_refusal(name, [too_large(self.max_import_bytes)])
                return
            await self.import_data(name, await event.file.read())
        finally:
            event.sender.reset()

    async def import_data(self, name: str, data: bytes) -> None:
        try:
            graph_id = await run.io_bound(self.graphs.import_text, data)
        except GraphFileError as error:
            self.show_refusal(name, [problem.message for problem in error.problems])
            return
        except StorageError as error:
            self.show_refusal(name, [str(error)])
            return
        except Exception as error:  # a file the checks did not foresee: said on the page, one line in the log
            log.warning('import of %s failed: %s: %s', name, type(error).__name__, error)
            self.show_refusal(name, [f'the file could not be read as a graph ({type(error).__name__}: {error})'])
            return
        ui.notify(f'Imported {name}.', type='positive')
        self.show_graphs()
        log.info('imported %s as %s', name, graph_id)

    def show_refusal(self, file_name: str, messages: list[str]) -> None:
        with ui.dialog() as dialog, ui.card().classes('w-[36rem]').mark('import-refused'):
            ui.label(f'{file_name} was not imported; nothing was changed.').classes('text-lg')
            with ui.column().classes('gap-1'):
                for message in messages:
                    with ui.row().classes('items-start gap-2 no-wrap'):
                        ui.icon('error_outline', color='negative')
                        ui.label(message)
            with ui.row().classes('w-full justify-end'):
                ui.button('Close', on_click=dialog.close)
        dialog.open()


def register(graphs: GraphRepository, sessions: OpenGraphs, max_import_bytes: int = MAX_IMPORT_BYTES) -> None:
    """Add the `/` page; an imported file may have `max_import_bytes` at most."""
    @ui.page('/', title='Swarm Studio')
    def library_page() -> None:
        LibraryPage(graphs, sessions, max_import_bytes)
