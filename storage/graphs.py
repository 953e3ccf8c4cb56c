"""Stored graphs and their versions: every save appends a version; restoring one is a new save."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import Column, ForeignKey, Integer, String, UniqueConstraint, func, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import defer
from sqlmodel import Field, SQLModel, select

from nodes.graph import Graph
from nodes.validation import load_graph

from .db import transaction


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


class GraphRow(SQLModel, table=True):
    __tablename__ = 'graphs'
    id: str = Field(primary_key=True)
    name: str = Field(index=True)
    created_at: datetime = Field(default_factory=utc_now)
    updated_at: datetime = Field(default_factory=utc_now)
    current_version: int = 0


class GraphVersionRow(SQLModel, table=True):
    __tablename__ = 'graph_versions'
    __table_args__ = (UniqueConstraint('graph_id', 'number'),)
    id: int | None = Field(default=None, primary_key=True)
    graph_id: str = Field(sa_column=Column(String, ForeignKey('graphs.id', ondelete='CASCADE'),
                                           nullable=False, index=True))
    number: int = Field(sa_column=Column(Integer, nullable=False))
    name: str
    document: str  # the canonical graph file text (Graph.dumps())
    node_count: int = 0
    edge_count: int = 0
    note: str = ''
    created_at: datetime = Field(default_factory=utc_now)


# Lists and summaries leave a version's document unread: a large graph's is megabytes, read on every library page.
WITHOUT_DOCUMENT = defer(GraphVersionRow.document)


@dataclass(frozen=True)
class GraphSummary:
    id: str
    name: str
    node_count: int
    edge_count: int
    version: int
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class VersionSummary:
    id: int
    graph_id: str
    number: int
    name: str
    node_count: int
    edge_count: int
    note: str
    created_at: datetime


class GraphNotFound(LookupError):
    """No stored graph matches; the message says what was looked for."""


class StaleSave(Exception):
    """A save started from a version that is no longer the current one: someone else (another
    process, another user) saved the graph since. Nothing was written.

    :ivar current: the version saved since
    """

    def __init__(self, graph_id: str, base: int, current: VersionSummary) -> None:
        self.graph_id, self.base, self.current = graph_id, base, current
        saved = current.created_at.astimezone().strftime('%H:%M') if current.created_at.tzinfo \
            else current.created_at.strftime('%H:%M UTC')
        super().__init__(f'this graph was changed by another process at {saved} (version {current.number}; '
                         f'these edits started from version {base})')


class GraphRepository:
    """Graphs and versions in one database. Every write is one transaction.

    :param engine: from `storage.db.connect`
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def list(self) -> list[GraphSummary]:
        """Every stored graph, most recently saved first."""
        with transaction(self.engine) as session:
            rows = session.exec(
                select(GraphRow, GraphVersionRow).options(WITHOUT_DOCUMENT)
                .join(GraphVersionRow, (GraphVersionRow.graph_id == GraphRow.id)
                      & (GraphVersionRow.number == GraphRow.current_version))
                .order_by(GraphRow.updated_at.desc(), GraphRow.name)).all()
            return [_summary(graph, version) for graph, version in rows]

    def create(self, graph: Graph, note: str = 'created') -> str:
        """Store a new graph as its version 1; return its id."""
        graph_id = secrets.token_hex(4)
        with transaction(self.engine) as session:
            session.add(GraphRow(id=graph_id, name=graph.name, current_version=1))
            session.flush()
            session.add(_version_row(graph_id, 1, graph, note))
        return graph_id

    def import_text(self, text: str | bytes) -> str:
        """Validate a graph file and store it; raise `GraphFileError` (changing nothing) if invalid."""
        return self.create(load_graph(text), note='imported')

    def save(self, graph_id: str, graph: Graph, note: str = '', *, base: int | None = None) -> VersionSummary:
        """Append `graph` as the next version, unless it equals the current one; return the current version.

        :param base: the version number the edits started from (what the editor loaded or last
            saved). If the graph has moved on since, `StaleSave` is raised and nothing is
            written; None saves over whatever is current (a restore, a rename by command).
        """
        document = graph.dumps()
        with transaction(self.engine) as session:
            row = self._row(session, graph_id)
            current = self._version(session, graph_id, row.current_version)
            if current.document == document:
                return _version_summary(current)
            if base is not None and row.current_version != base:
                raise StaleSave(graph_id, base, _version_summary(current))
            version = _version_row(graph_id, row.current_version + 1, graph, note, document)
            # Compare-and-set: of two processes saving from one version at once, one moves the
            # graph on and the other finds it moved (its insert would break (graph_id, number) anyway).
            moved = session.execute(update(GraphRow).where(GraphRow.id == graph_id,
                                                           GraphRow.current_version == row.current_version)
                                    .values(current_version=version.number, name=graph.name,
                                            updated_at=version.created_at))
            if moved.rowcount != 1:
                session.rollback()
                raise StaleSave(graph_id, row.current_version, self.current_version(graph_id))
            session.add(version)
            session.flush()
            return _version_summary(version)

    def name_version(self, graph_id: str, number: int, name: str) -> VersionSummary:
        """Give a stored version a name (its note, shown in the versions list); `GraphNotFound` if
        there is no such version."""
        with transaction(self.engine) as session:
            version = self._version(session, graph_id, number)
            version.note = name
            session.add(version)
            session.flush()
            return _version_summary(version)

    def get(self, graph_id: str) -> Graph:
        """The current version of a graph."""
        with transaction(self.engine) as session:
            row = self._row(session, graph_id)
            return Graph.model_validate_json(self._version(session, graph_id, row.current_version).document)

    def current_version(self, graph_id: str) -> VersionSummary:
        with transaction(self.engine) as session:
            row = self._row(session, graph_id)
            return _version_summary(self._version(session, graph_id, row.current_version))

    def find(self, name_or_id: str) -> str:
        """The id of the graph with this id, else with exactly this name; `GraphNotFound` otherwise."""
        with transaction(self.engine) as session:
            if session.get(GraphRow, name_or_id) is not None:
                return name_or_id
            ids = session.exec(select(GraphRow.id).where(GraphRow.name == name_or_id)).all()
        if len(ids) == 1:
            return ids[0]
        if ids:
            raise GraphNotFound(f'{len(ids)} graphs are named "{name_or_id}"; use an id instead: {", ".join(ids)}')
        raise GraphNotFound(f'no stored graph has the id or name "{name_or_id}" (see: swarm-studio list)')

    def versions(self, graph_id: str) -> list[VersionSummary]:
        """Every version of a graph, newest first."""
        with transaction(self.engine) as session:
            self._row(session, graph_id)
            rows = session.exec(select(GraphVersionRow).options(WITHOUT_DOCUMENT)
                                .where(GraphVersionRow.graph_id == graph_id)
                                .order_by(GraphVersionRow.number.desc())).all()
            return [_version_summary(row) for row in rows]

    def get_version(self, graph_id: str, number: int) -> Graph:
        with transaction(self.engine) as session:
            return Graph.model_validate_json(self._version(session, graph_id, number).document)

    def get_version_by_id(self, version_id: int) -> tuple[VersionSummary, Graph]:
        """A version by its row id (as runs reference it), with its graph."""
        with transaction(self.engine) as session:
            row = session.get(GraphVersionRow, version_id)
            if row is None:
                raise GraphNotFound(f'no graph version {version_id}')
            return _version_summary(row), Graph.model_validate_json(row.document)

    def restore(self, graph_id: str, number: int) -> VersionSummary:
        """Make version `number` current again, as a new version."""
        return self.save(graph_id, self.get_version(graph_id, number), note=f'restored version {number}')

    def rename(self, graph_id: str, name: str) -> VersionSummary:
        if not name.strip():
            raise ValueError('a graph needs a name')
        graph = self.get(graph_id)
        return self.save(graph_id, graph.model_copy(update={'name': name}), note='renamed')

    def duplicate(self, graph_id: str, name: str | None = None) -> str:
        graph = self.get(graph_id)
        return self.create(graph.model_copy(update={'name': name or f'{graph.name} (copy)'}),
                           note=f'duplicated from {graph_id}')

    def delete(self, graph_id: str) -> None:
        """Delete a graph with all its versions, its runs (through the database's cascades) and the
        settings that belong to it (pins, the Run form's last values), in one transaction."""
        from .settings import delete_graph_settings
        with transaction(self.engine) as session:
            session.delete(self._row(session, graph_id))
            delete_graph_settings(session, graph_id)

    def count(self) -> int:
        with transaction(self.engine) as session:
            return session.exec(select(func.count()).select_from(GraphRow)).one()

    @staticmethod
    def _row(session, graph_id: str) -> GraphRow:
        row = session.get(GraphRow, graph_id)
        if row is None:
            raise GraphNotFound(f'no stored graph has the id "{graph_id}"')
        return row

    @staticmethod
    def _version(session, graph_id: str, number: int) -> GraphVersionRow:
        row = session.exec(select(GraphVersionRow).where(GraphVersionRow.graph_id == graph_id,
                                                         GraphVersionRow.number == number)).first()
        if row is None:
            raise GraphNotFound(f'graph "{graph_id}" has no version {number}')
        return row


def _version_row(graph_id: str, number: int, graph: Graph, note: str, document: str | None = None) -> GraphVersionRow:
    return GraphVersionRow(graph_id=graph_id, number=number, name=graph.name, document=document or graph.dumps(),
                           node_count=len(graph.nodes), edge_count=len(graph.edges), note=note)


def _summary(graph: GraphRow, version: GraphVersionRow) -> GraphSummary:
    return GraphSummary(id=graph.id, name=graph.name, node_count=version.node_count, edge_count=version.edge_count,
                        version=graph.current_version, created_at=graph.created_at, updated_at=graph.updated_at)


def _version_summary(row: GraphVersionRow) -> VersionSummary:
    return VersionSummary(id=row.id, graph_id=row.graph_id, number=row.number, name=row.name,
                          node_count=row.node_count, edge_count=row.edge_count, note=row.note,
                          created_at=row.created_at)
