"""The graphs open in this process: one editing session per graph, shared by every page showing it.

Sharing means a reload (or a second tab) finds the session with every edit in it, saved or
not, so no edit is lost between a page going away and the next one opening. Saves are
debounced: a second after the last edit the graph is saved as a new version (the repository
skips a save identical to the current version); a page that disconnects saves at once.
"""
from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

from nicegui import background_tasks, run

from nodes.graph import Graph
from storage.db import StorageError
from storage.graphs import GraphNotFound, GraphRepository, StaleSave, VersionSummary

from .state import EditorSession

AUTOSAVE_DELAY = 1.0
"""Seconds of quiet after an edit before it is saved."""

log = logging.getLogger(__name__)


class EditsNotSaved(Exception):
    """An action that would replace the session was refused: its edits could not be saved first."""


class OpenGraph:
    """One graph being edited: its session, who shows it, and whether it is saved.

    Pages subscribe with `listeners` (canvas deltas) and `status_listeners` (saved/unsaved,
    and the session being replaced by a restored version).
    """

    def __init__(self, graphs: GraphRepository, graph_id: str, session: EditorSession, version: int) -> None:
        self.graphs = graphs
        self.graph_id = graph_id
        self.session = session
        self.version = version
        self.saved_revision = session.revision
        self.changed_at = 0.0
        self.saving = False
        self.error: str | None = None
        self.stale: VersionSummary | None = None  # the newer version a save was refused against
        self.pages: set[Any] = set()
        self.listeners: list[Callable[[list[dict]], Any]] = []
        self.status_listeners: list[Callable[[], Any]] = []
        self._lock = asyncio.Lock()
        self._autosave: asyncio.Task | None = None
        session.listeners.append(self._changed)

    @property
    def dirty(self) -> bool:
        return self.session.revision != self.saved_revision

    def _changed(self, ops: list[dict]) -> None:
        self.changed_at = time.monotonic()
        for listener in list(self.listeners):
            listener(ops)
        if self._autosave is None or self._autosave.done():
            self._autosave = background_tasks.create(self._save_when_quiet(), name=f'autosave {self.graph_id}')
        self._status_changed()

    async def _save_when_quiet(self) -> None:
        while (wait := self.changed_at + AUTOSAVE_DELAY - time.monotonic()) > 0:
            await asyncio.sleep(wait)
        await self.save('autosave')

    async def save(self, note: str = 'saved') -> VersionSummary | None:
        """Save the session as a new version if it changed; return the current version (None if the save failed)."""
        async with self._lock:
            if not self.dirty:
                return await run.io_bound(self.graphs.current_version, self.graph_id)
            revision, graph = self.session.revision, self.session.graph()
            self.saving = True
            self._status_changed()
            try:
                # From the version this session holds: a save by another process since is refused, not overwritten.
                version = await run.io_bound(self.graphs.save, self.graph_id, graph, note, base=self.version)
            except StaleSave as error:
                self.stale = error.current
                self.error = f'{error}; your edits are kept here — reload to see theirs, or save as a copy'
                log.warning('graph %s not saved: %s', self.graph_id, self.error)
                return None
            except (StorageError, GraphNotFound) as error:
                self.error = f'could not save: {error}; your edits are kept in this window'
                log.warning('%s', self.error)
                return None
            finally:
                self.saving = False
                self._status_changed()
            if version is None:  # the app is stopping: NiceGUI ran nothing; its shutdown hook saves (save_all)
                return None
            self.error, self.stale = None, None
            self.saved_revision, self.version = revision, version.number
            self._status_changed()
            return version

    async def save_as_copy(self) -> str:
        """Store the session's graph as a new graph (the way out of a refused save); its id."""
        graph = self.session.graph()
        return await run.io_bound(self.graphs.create, graph.model_copy(update={'name': f'{graph.name} (my copy)'}),
                                  f'copy of {self.graph_id}, kept when a save was refused')

    def save_now(self, note: str = 'saved on shutdown') -> None:
        """Save synchronously (the event loop is going away)."""
        if self.dirty:
            try:
                self.version = self.graphs.save(self.graph_id, self.session.graph(), note, base=self.version).number
                self.saved_revision = self.session.revision
            except StaleSave as error:
                # Theirs stays current; ours is not lost: it becomes a graph of its own.
                copy = self.session.graph()
                copy_id = self.graphs.create(copy.model_copy(update={'name': f'{copy.name} (my copy)'}),
                                             f'copy of {self.graph_id}: {error}')
                log.warning('graph %s was changed by another process; the edits of this one are kept as graph %s',
                          self.graph_id, copy_id)
            except (StorageError, GraphNotFound) as error:
                log.error('could not save graph %s: %s', self.graph_id, error)

    def mark_saved(self, version: int) -> None:
        """The session as it is now is stored as `version` (by a restore, which saves it itself)."""
        self.saved_revision, self.version = self.session.revision, version
        self._status_changed()

    def replace(self, session: EditorSession, version: int) -> None:
        """Swap in a new session (a restored version): pages reload the canvas from it."""
        self.session.listeners.remove(self._changed)
        self.session = session
        self.version = version
        self.saved_revision = session.revision
        session.listeners.append(self._changed)
        self._status_changed()

    def _status_changed(self) -> None:
        for listener in list(self.status_listeners):
            listener()


class OpenGraphs:
    """Every open graph of one repository, by graph id."""

    def __init__(self, graphs: GraphRepository) -> None:
        self.graphs = graphs
        self._open: dict[str, OpenGraph] = {}
        self._opening: dict[str, asyncio.Future] = {}

    def get(self, graph_id: str) -> OpenGraph | None:
        return self._open.get(graph_id)

    async def open(self, graph_id: str, page: Any) -> OpenGraph:
        """The open graph (loading it, in a worker thread, if nobody has it open); `GraphNotFound` if there is none."""
        if graph_id not in self._open:
            if graph_id not in self._opening:
                self._opening[graph_id] = asyncio.ensure_future(run.io_bound(self._load, graph_id))
            try:
                graph, version, session = await asyncio.shield(self._opening[graph_id])
            finally:
                self._opening.pop(graph_id, None)
            if graph_id not in self._open:
                self._open[graph_id] = OpenGraph(self.graphs, graph_id, session, version)
        entry = self._open[graph_id]
        entry.pages.add(page)
        return entry

    def _load(self, graph_id: str) -> tuple[Graph, int, EditorSession]:
        graph = self.graphs.get(graph_id)
        version = self.graphs.current_version(graph_id).number
        return graph, version, EditorSession(graph)

    async def release(self, graph_id: str, page: Any) -> None:
        """A page went away: save what it left; forget the session when no page shows it."""
        entry = self._open.get(graph_id)
        if entry is None:
            return
        entry.pages.discard(page)
        await entry.save('autosave')
        if not entry.pages and self._open.get(graph_id) is entry:
            del self._open[graph_id]

    async def restore(self, graph_id: str, number: int) -> VersionSummary:
        """Make version `number` current (saving unsaved edits first, so they stay a version too)."""
        entry = self._open.get(graph_id)
        if entry is not None:
            await entry.save('autosave')
            if entry.dirty:  # the save was refused: restoring would drop the edits it kept
                raise EditsNotSaved(f'version {number} was not restored: {entry.error}')
        version = await run.io_bound(self.graphs.restore, graph_id, number)
        if entry is not None:
            # One undoable edit of the open session (not a new session): pages get its deltas and
            # keep their undo history.
            graph = await run.io_bound(self.graphs.get, graph_id)
            entry.session.become(graph, f'restore version {number}')
            entry.mark_saved(version.number)
        return version

    async def reload(self, graph_id: str) -> None:
        """Drop the session's unsaved edits for the stored current version (after a refused save)."""
        entry = self._open.get(graph_id)
        if entry is None:
            return
        _, current, session = await run.io_bound(self._load, graph_id)
        entry.error, entry.stale = None, None
        entry.replace(session, current)

    def forget(self, graph_id: str) -> None:
        """The graph was deleted: the next page to ask for it finds nothing (pages still showing it
        can keep editing, but their saves fail with a message saying the graph is gone)."""
        self._open.pop(graph_id, None)

    def save_all(self) -> None:
        for entry in list(self._open.values()):
            entry.save_now()
