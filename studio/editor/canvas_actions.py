"""What the canvas's right-click menus and quick add do on the editor page (studio/canvas/README.md,
`menu` and `quick_add`): each choice becomes an ordinary, undoable session edit."""
from __future__ import annotations

from typing import Any

from nicegui import ui

from nodes.kinds import KINDS

from ..run.run_one import run_one
from .clipboard import Fragment
from .quick_add import EXAMPLE_PREFIX, KIND_PREFIX, example_fragment
from .state import EdgeRefused, added_node_ids


class CanvasActions:
    """The menu and quick-add handlers of one editor page (`page`: its session, canvas, run, select…).

    :param examples: the examples quick add offers (studio.library.examples())
    """

    def __init__(self, page: Any, examples: list) -> None:
        self.page = page
        self.examples = examples

    async def on_menu(self, event) -> None:
        """A choice in a right-click menu (studio/canvas/README.md, `menu`)."""
        args = event.args if isinstance(event.args, dict) else {}
        action, node_id, edge_id = args.get('action'), args.get('node'), args.get('edge')
        if args.get('target') == 'edge' and action == 'delete' and isinstance(edge_id, str):
            self.page.session.delete((), [edge_id])
        elif args.get('target') == 'pane' and action in ('note', 'group'):
            self.page.session.add_annotation(action, args.get('x', 0), args.get('y', 0))
        elif args.get('target') == 'annotation' and isinstance(args.get('annotation'), str):
            if action == 'delete':
                self.page.session.delete(annotations=[args['annotation']])
            elif action == 'edit':
                self.ask_annotation_text(args['annotation'])
        elif args.get('target') == 'pane' and action == 'tidy':
            self.page.tidy()
        elif args.get('target') == 'pane' and action in ('paste', 'select_all'):
            await self.page.on_key(action)
        elif args.get('target') == 'node' and node_id in self.page.session.node_ids():
            if action == 'delete':
                self.page.session.delete([node_id])
            elif action == 'duplicate':
                copy = Fragment.of([self.page.session.node(node_id)], [])
                self.page.select(added_node_ids(self.page.session.paste(copy)))
            elif action == 'rename':
                self.ask_rename(node_id)
            elif action == 'run_one':
                await run_one(self.page.run.control, node_id)
            elif action == 'run_from':
                shown = self.page.run.view.shown
                if shown is None or shown.running:
                    ui.notify('Re-running from a node reuses a finished run: run the mission, or open a run from '
                              'History, first.', type='warning')
                else:
                    await self.page.run.control.rerun_from(node_id)

    def ask_rename(self, node_id: str) -> None:
        def rename() -> None:
            title = (field.value or '').strip()
            if title and node_id in self.page.session.node_ids():
                self.page.session.set_title(node_id, title)
                self.page.session.seal()
            dialog.close()
        with ui.dialog() as dialog, ui.card().classes('w-96').mark('rename-node'):
            ui.label(f'Rename {node_id}').classes('text-lg')
            field = ui.input('Title', value=self.page.session.node(node_id).title).classes('w-full') \
                .props('autofocus').on('keydown.enter', rename)
            with ui.row().classes('w-full justify-end'):
                ui.button('Cancel', on_click=dialog.close).props('flat')
                ui.button('Rename', on_click=rename)
        dialog.open()

    def ask_annotation_text(self, annotation_id: str) -> None:
        found = [note for note in self.page.session.annotations() if note.get('id') == annotation_id]
        if not found:
            return

        def save() -> None:
            self.page.session.set_annotation_text(annotation_id, field.value or '')
            dialog.close()
        label = 'Note' if found[0].get('type') == 'note' else 'Group label'
        with ui.dialog() as dialog, ui.card().classes('w-[28rem]').mark('edit-annotation'):
            field = ui.textarea(label, value=found[0].get('text', '')).classes('w-full').props('autofocus autogrow')
            with ui.row().classes('w-full justify-end'):
                ui.button('Cancel', on_click=dialog.close).props('flat')
                ui.button('Save', on_click=save)
        dialog.open()

    def on_quick_add(self, event) -> None:
        """A pick in quick add: a kind (connected to a dropped edge's node, if any) or a whole example."""
        args = event.args if isinstance(event.args, dict) else {}
        item, x, y = str(args.get('item', '')), args.get('x', 0), args.get('y', 0)
        if not isinstance(x, (int, float)) or not isinstance(y, (int, float)):
            return
        if item.startswith(KIND_PREFIX) and item.removeprefix(KIND_PREFIX) in KINDS:
            kind, origin = item.removeprefix(KIND_PREFIX), args.get('from')
            if isinstance(origin, dict) and origin.get('node') in self.page.session.node_ids():
                end = {'source' if origin.get('handle') == 'source' else 'target': origin['node']}
                try:
                    self.page.select(added_node_ids(self.page.session.add_connected(kind, x, y, **end)))
                except EdgeRefused as refusal:
                    ui.notify(refusal.message, type='warning')
            else:
                self.page.add_node(kind, x, y)
        elif item.startswith(EXAMPLE_PREFIX):
            fragment = example_fragment(item, self.examples)
            if fragment is None:
                ui.notify('That example could not be read.', type='negative')
                return
            self.page.select(added_node_ids(self.page.session.insert(fragment, x, y)))

