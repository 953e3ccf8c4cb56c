"""An editing session: the graph being edited, its live cycle check, its problems and its history.

Every edit is a `Command` made of small changes (add a node, remove an edge, set a config
key…). Applying a change records its inverse, so any command can be undone and redone, and
each application yields canvas deltas (`add_node`, `update_node`, … as in studio/canvas/README.md)
for only what changed. The work per edit is proportional to the edit, not to the graph.
"""
from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Union

from nodes.dag import LiveDag
from nodes.graph import NODE_ID_PATTERN, Edge, Graph, Node, Position
from nodes.kinds import KINDS, get_kind
from nodes.validation import Problem

from . import clipboard, layout
from .problems import ProblemTracker


class _Missing:
    def __repr__(self) -> str:
        return 'MISSING'

    def __deepcopy__(self, memo: dict) -> _Missing:
        return self  # one sentinel: changes holding it are compared with `is`


MISSING: Any = _Missing()
"""A config value that means "no such key": setting it removes the key."""

_NODE_ID = re.compile(NODE_ID_PATTERN)


@dataclass(frozen=True)
class AddNode:
    node: Node
    order: int


@dataclass(frozen=True)
class RemoveNode:
    node_id: str


@dataclass(frozen=True)
class AddEdge:
    edge: Edge
    order: int


@dataclass(frozen=True)
class RemoveEdge:
    source: str
    target: str


@dataclass(frozen=True)
class MoveNode:
    node_id: str
    x: int | float
    y: int | float


@dataclass(frozen=True)
class SetTitle:
    node_id: str
    title: str


@dataclass(frozen=True)
class SetConfig:
    node_id: str
    key: str
    value: Any


@dataclass(frozen=True)
class ReplaceConfig:
    """The whole config at once: undoes adding or removing a key with the keys in their old order."""
    node_id: str
    config: dict


@dataclass(frozen=True)
class SetDraft:
    """Text typed into a JSON field that does not parse (None: no draft); see `Node.drafts`."""
    node_id: str
    key: str
    text: str | None


@dataclass(frozen=True)
class SetName:
    name: str


@dataclass(frozen=True)
class SetHeader:
    """The graph's fields other than name, nodes and edges (description, format version…)."""
    header: dict


Change = Union[AddNode, RemoveNode, AddEdge, RemoveEdge, MoveNode, SetTitle, SetConfig, ReplaceConfig, SetDraft,
               SetName, SetHeader]


@dataclass
class Command:
    """One undoable step: the changes that do it and the changes that undo it.

    :param label: what the step did, for the undo/redo tooltips ("move 3 nodes")
    :param changes: applied in order by `do`
    :param inverses: applied in order by `undo`
    :param coalesce: steps with the same key in a row merge into one (typing in one field)
    """
    label: str
    changes: list[Change]
    inverses: list[Change] = field(default_factory=list)
    coalesce: tuple | None = None

    def do(self, session: EditorSession) -> list[dict]:
        return session._apply_all(self.changes)[1]

    def undo(self, session: EditorSession) -> list[dict]:
        return session._apply_all(self.inverses)[1]


class EdgeRefused(ValueError):
    """A drawn edge that the graph cannot take; `path` is the cycle it would close, if that is why."""

    def __init__(self, message: str, path: list[str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = path or []


def edge_id(source: str, target: str) -> str:
    # NOTE: the canvas's edge id format (studio/canvas/README.md); node ids cannot contain "->".
    return f'{source}->{target}'


def parse_edge_id(value: str) -> tuple[str, str] | None:
    source, arrow, target = value.partition('->')
    return (source, target) if arrow else None


def fresh_id(wanted: str, taken: Callable[[str], bool]) -> str:
    """A valid node id like `wanted` that is not taken: `plan`, else `plan_2`, `plan_3`…"""
    stem = re.sub(r'[^a-z0-9_]+', '_', wanted.lower()).strip('_') or 'node'
    if not stem[0].isalpha():
        stem = f'n_{stem}'
    stem = stem[:56]
    if _NODE_ID.match(stem) and not taken(stem):
        return stem
    stem = re.sub(r'_\d+$', '', stem) or stem
    number = 2
    while taken(f'{stem}_{number}'):
        number += 1
    return f'{stem}_{number}'


class EditorSession:
    """The graph under edit. Mutating methods return the canvas deltas of the edit (and send
    them to every listener); they never re-send the whole graph.

    :param graph: the graph to edit (copied; the session never changes the caller's object)
    :param history: how many steps undo reaches back (default: 500)
    """

    def __init__(self, graph: Graph, history: int = 500) -> None:
        graph = graph.model_copy(deep=True)
        self.name = graph.name
        # As the file has it: an unknown key holding null is kept, not dropped.
        self._header = {key: value for key, value in graph.to_document().items() if key not in ('name', 'nodes', 'edges')}
        self._nodes: dict[str, Node] = {}
        self._node_order: dict[str, int] = {}
        self._edges: dict[tuple[str, str], Edge] = {}
        self._edge_order: dict[tuple[str, str], int] = {}
        self._next_order = 0
        self.dag = LiveDag()
        for node in graph.nodes:
            self._nodes[node.id] = node
            self._node_order[node.id] = self._take_order()
            self.dag.add_node(node.id)
        for edge in graph.edges:
            cycle = self.dag.add_edge(edge.source, edge.target)
            if cycle:
                raise ValueError(f'edge {edge.source} -> {edge.target} closes a cycle: {" -> ".join(cycle)}')
            self._edges[edge.source, edge.target] = edge
            self._edge_order[edge.source, edge.target] = self._take_order()
        self.problems = ProblemTracker(self._nodes, self.dag)
        self.problems.check_all()
        self._undo: list[Command] = []
        self._redo: list[Command] = []
        self._history = history
        self._coalescing: tuple | None = None
        self._clipboard: clipboard.Fragment | None = None
        self._pastes = 0
        self.revision = 0
        """Counts every applied change, undo and redo included: a saver compares it to what it saved."""
        self.listeners: list[Callable[[list[dict]], Any]] = []

    # Reading.
    def __contains__(self, node_id: str) -> bool:
        return node_id in self._nodes

    def node(self, node_id: str) -> Node:
        return self._nodes[node_id]

    def node_ids(self) -> list[str]:
        return list(self._nodes)

    def edges(self) -> list[tuple[str, str]]:
        return list(self._edges)

    def has_edge(self, source: str, target: str) -> bool:
        return (source, target) in self._edges

    def node_problems(self, node_id: str) -> tuple[Problem, ...]:
        return self.problems.problems(node_id)

    def graph(self) -> Graph:
        """The graph as it is now, in file order (nodes and edges where they were, new ones last)."""
        nodes = sorted(self._nodes.values(), key=lambda node: self._node_order[node.id])
        edges = sorted(self._edges.values(), key=lambda edge: self._edge_order[edge.source, edge.target])
        return Graph.model_validate({**self._header, 'name': self.name,
                                     'nodes': [node.model_dump(mode='json') for node in nodes],
                                     'edges': [edge.model_dump(mode='json', exclude_unset=True) for edge in edges]})

    def view_node(self, node_id: str) -> dict:
        """The canvas's view of a node (studio/canvas/README.md, "View data")."""
        node = self._nodes[node_id]
        kind = KINDS.get(node.kind)
        return {'id': node.id, 'kind': node.kind, 'title': node.title, 'x': node.position.x, 'y': node.position.y,
                'icon': kind.icon if kind else 'help_outline', 'tier': node.config.get('tier'),
                'model': node.config.get('model'), 'problems': self.problems.messages(node_id),
                'has_inputs': kind.has_inputs if kind else True, 'has_outputs': kind.has_outputs if kind else True}

    def view(self) -> tuple[list[dict], list[dict], list[dict]]:
        """Every node, edge and annotation as the canvas's `load` takes them (opening a graph only)."""
        return ([self.view_node(node_id) for node_id in self._nodes],
                [{'id': edge_id(*pair), 'source': pair[0], 'target': pair[1]} for pair in self._edges],
                view_annotations(self._header.get('annotations', [])))

    # Annotations (sticky notes and groups, format version 2) live in the graph's header: each
    # edit replaces the list as one SetHeader step, so undo, redo and saving need nothing more.
    def annotations(self) -> list[dict]:
        return copy.deepcopy(self._header.get('annotations', []))

    def add_annotation(self, kind: str, x: float, y: float, text: str | None = None,
                       size: tuple[float, float] | None = None) -> list[dict]:
        """Add a sticky note (`note`) or a group (`group`) with its top-left at (x, y)."""
        if kind not in ANNOTATION_SIZES:
            raise ValueError(f'an annotation is a note or a group, not "{kind}"')
        annotations = self.annotations()
        taken = {annotation.get('id') for annotation in annotations}
        width, height = size or ANNOTATION_SIZES[kind]
        annotations.append({'id': fresh_id(kind, taken.__contains__), 'type': kind,
                            'text': text if text is not None else ('Note' if kind == 'note' else 'Group'),
                            'position': {'x': round(x), 'y': round(y)},
                            'size': {'width': round(width), 'height': round(height)}})
        return self._set_annotations(f'add a {kind}', annotations)

    def set_annotation_text(self, annotation_id: str, text: str) -> list[dict]:
        annotations = self.annotations()
        for annotation in annotations:
            if annotation.get('id') == annotation_id and annotation.get('text') != text:
                annotation['text'] = text
                return self._set_annotations(f'edit {annotation_id}', annotations)
        return []

    def move_annotations(self, moves: Iterable[tuple[str, float, float]]) -> list[dict]:
        annotations = self.annotations()
        by_id = {annotation.get('id'): annotation for annotation in annotations}
        moved = 0
        for annotation_id, x, y in moves:
            annotation = by_id.get(annotation_id)
            if annotation is not None and (annotation['position']['x'], annotation['position']['y']) != (round(x), round(y)):
                annotation['position'] = {'x': round(x), 'y': round(y)}
                moved += 1
        return self._set_annotations(f'move {moved} annotation{"s" * (moved != 1)}', annotations) if moved else []

    def resize_annotation(self, annotation_id: str, x: float, y: float, width: float, height: float) -> list[dict]:
        """Give an annotation a new size, and a new top-left when it was resized from its top or left edge,
        as one step; never below its type's minimum size (`ANNOTATION_MIN_SIZES`), so its text stays usable."""
        annotations = self.annotations()
        for annotation in annotations:
            if annotation.get('id') != annotation_id:
                continue
            min_width, min_height = ANNOTATION_MIN_SIZES.get(annotation.get('type'), (1, 1))
            position = {'x': round(x), 'y': round(y)}
            size = {'width': max(round(width), min_width), 'height': max(round(height), min_height)}
            if (annotation['position'], annotation['size']) == (position, size):
                return []
            annotation['position'], annotation['size'] = position, size
            return self._set_annotations(f'resize {annotation_id}', annotations)
        return []

    def _annotation_changes(self, doomed: Iterable[str]) -> list[Change]:
        doomed = set(doomed)
        annotations = self.annotations()
        kept = [annotation for annotation in annotations if annotation.get('id') not in doomed]
        if len(kept) == len(annotations):
            return []
        return [SetHeader(self._header_with(kept))]

    def _header_with(self, annotations: list[dict]) -> dict:
        header = {key: value for key, value in self._header.items() if key != 'annotations'}
        return {**header, 'annotations': annotations} if annotations else header

    def _set_annotations(self, label: str, annotations: list[dict]) -> list[dict]:
        return self.execute(label, [SetHeader(self._header_with(annotations))])

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    @property
    def can_redo(self) -> bool:
        return bool(self._redo)

    @property
    def undo_label(self) -> str | None:
        return self._undo[-1].label if self._undo else None

    @property
    def redo_label(self) -> str | None:
        return self._redo[-1].label if self._redo else None

    # Editing.
    def add_node(self, kind_name: str, x: float, y: float, title: str | None = None) -> list[dict]:
        """Add a node of a registered kind with its starter config at (x, y)."""
        kind = get_kind(kind_name)
        node = Node(id=fresh_id(kind.name, self.__contains__), kind=kind.name, title=title or kind.label,
                    position=Position(x=round(x), y=round(y)), config=kind.new_config())
        return self.execute(f'add {kind.label.lower()}', [AddNode(node, self._take_order())])

    def add_connected(self, kind_name: str, x: float, y: float, *, source: str | None = None,
                      target: str | None = None) -> list[dict]:
        """Add a node at (x, y) already wired from `source` (or to `target`): one undoable edit (an edge
        dropped on empty canvas). Raises `EdgeRefused`, adding nothing, when the kinds cannot be wired so."""
        kind = get_kind(kind_name)
        node = Node(id=fresh_id(kind.name, self.__contains__), kind=kind.name, title=kind.label,
                    position=Position(x=round(x), y=round(y)), config=kind.new_config())
        end = source if source is not None else target
        if end not in self._nodes:
            raise EdgeRefused(f'there is no node "{end}" to connect the new {kind.label.lower()} to')
        other = KINDS.get(self._nodes[end].kind)
        if source is not None and not (kind.has_inputs and (other is None or other.has_outputs)):
            raise EdgeRefused(f'a new {kind.label.lower()} node cannot take {source}\'s output: '
                              f'{"it takes no inputs" if not kind.has_inputs else f"{source} has no outputs"}')
        if target is not None and not (kind.has_outputs and (other is None or other.has_inputs)):
            raise EdgeRefused(f'a new {kind.label.lower()} node cannot feed {target}: '
                              f'{"it has no outputs" if not kind.has_outputs else f"{target} takes no inputs"}')
        edge = Edge(source=source, target=node.id) if source is not None else Edge(source=node.id, target=target)
        return self.execute(f'add {kind.label.lower()}', [AddNode(node, self._take_order()),
                                                          AddEdge(edge, self._take_order())])

    def insert(self, fragment: clipboard.Fragment, x: float, y: float) -> list[dict]:
        """Add a fragment (an example, say) with fresh ids, its top-left node at (x, y): one undoable edit."""
        if not fragment.nodes:
            return []
        left = min(node.position.x for node in fragment.nodes)
        top = min(node.position.y for node in fragment.nodes)
        moved = clipboard.Fragment.of([node.model_copy(update={'position': Position(
            x=round(node.position.x - left + x), y=round(node.position.y - top + y))}) for node in fragment.nodes],
            fragment.edges)
        nodes, edges = clipboard.paste(moved, self.__contains__, offset=0)
        changes: list[Change] = [AddNode(node, self._take_order()) for node in nodes]
        changes += [AddEdge(edge, self._take_order()) for edge in edges]
        return self.execute(f'insert {len(nodes)} node{"s" * (len(nodes) != 1)}', changes)

    def next_free_position(self, near: str | None = None) -> tuple[int, int]:
        """Where a node added without a drop point goes: right of `near`, else right of everything."""
        if near in self._nodes:
            position = self._nodes[near].position
            return round(position.x) + layout.COLUMN_WIDTH, round(position.y)
        if not self._nodes:
            return 0, 0
        return (round(max(node.position.x for node in self._nodes.values())) + layout.COLUMN_WIDTH,
                round(min(node.position.y for node in self._nodes.values())))

    def connect(self, source: str, target: str) -> list[dict]:
        """Add the edge source→target, or raise `EdgeRefused` saying why it cannot exist."""
        for end in (source, target):
            if end not in self._nodes:
                raise EdgeRefused(f'cannot connect {source} → {target}: there is no node "{end}"')
        if source == target:
            raise EdgeRefused(f'would close a cycle: {source} → {source}', [source, source])
        if (source, target) in self._edges:
            raise EdgeRefused(f'{source} → {target} is already connected')
        for node_id, port, says in ((source, 'has_outputs', 'has no outputs'), (target, 'has_inputs', 'takes no inputs')):
            kind = KINDS.get(self._nodes[node_id].kind)
            if kind is not None and not getattr(kind, port):
                raise EdgeRefused(f'cannot connect {source} → {target}: "{node_id}" is an {kind.name} node, which {says}')
        cycle = self.dag.cycle_path(source, target)
        if cycle:
            # [source, target, …, source] read from the new edge's target: the existing path, then the new edge.
            path = [*cycle[1:], cycle[1]]
            raise EdgeRefused(f'would close a cycle: {" → ".join(path)}', path)
        return self.execute(f'connect {source} → {target}',
                            [AddEdge(Edge(source=source, target=target), self._take_order())])

    def disconnect(self, source: str, target: str) -> list[dict]:
        return self.delete(edges=[(source, target)])

    def delete(self, node_ids: Iterable[str] = (), edges: Iterable[tuple[str, str] | str] = (),
               annotations: Iterable[str] = ()) -> list[dict]:
        """Delete nodes (with their edges), edges and annotations, as one step; unknown ids are ignored."""
        doomed_nodes = [node_id for node_id in dict.fromkeys(node_ids) if node_id in self._nodes]
        doomed_edges: dict[tuple[str, str], None] = {}
        for edge in edges:
            pair = parse_edge_id(edge) if isinstance(edge, str) else tuple(edge)
            if pair in self._edges:
                doomed_edges[pair] = None
        chosen_edges = len(doomed_edges)  # the label names these; a node's own edges go with it
        for node_id in doomed_nodes:
            for predecessor in sorted(self.dag.predecessors(node_id)):
                doomed_edges[predecessor, node_id] = None
            for successor in sorted(self.dag.successors(node_id)):
                doomed_edges[node_id, successor] = None
        changes: list[Change] = [RemoveEdge(*pair) for pair in doomed_edges]
        changes += [RemoveNode(node_id) for node_id in doomed_nodes]
        notes = self._annotation_changes(annotations)
        changes += notes
        parts = [f'{len(doomed_nodes)} node{"s" * (len(doomed_nodes) != 1)}'] * bool(doomed_nodes)
        parts += [f'{chosen_edges} edge{"s" * (chosen_edges != 1)}'] * bool(chosen_edges)
        parts += ['annotations'] * bool(notes)
        return self.execute(f'delete {" and ".join(parts)}', changes)

    def move(self, moves: Iterable[tuple[str, float, float]]) -> list[dict]:
        """Move nodes (one step for the whole drag); positions are rounded to whole pixels."""
        changes: list[Change] = []
        for node_id, x, y in moves:
            node = self._nodes.get(node_id)
            if node is not None and (node.position.x, node.position.y) != (round(x), round(y)):
                changes.append(MoveNode(node_id, round(x), round(y)))
        label = f'move {changes[0].node_id}' if len(changes) == 1 else f'move {len(changes)} nodes'
        return self.execute(label, changes)

    def set_title(self, node_id: str, title: str) -> list[dict]:
        if self._nodes[node_id].title == title:
            return []
        return self.execute(f'rename {node_id}', [SetTitle(node_id, title)], coalesce=('title', node_id))

    def set_config(self, node_id: str, key: str, value: Any) -> list[dict]:
        """Set one config key (`MISSING` removes it), dropping its draft. Typing in one field is one undo step."""
        node = self._nodes[node_id]
        old = node.config.get(key, MISSING)
        if _same(old, value) and key not in (node.drafts or {}):
            return []
        # Every step on a field carries both the value and the draft, so that steps merged while
        # typing undo both (a merged step keeps the inverses of its first change only).
        return self.execute(f'edit {key} of {node_id}', [SetConfig(node_id, key, copy.deepcopy(value)),
                                                         SetDraft(node_id, key, None)],
                            coalesce=('config', node_id, key))

    def draft(self, node_id: str, key: str) -> str | None:
        """The text typed into a JSON field that does not parse yet, if any."""
        return (self._nodes[node_id].drafts or {}).get(key)

    def set_draft(self, node_id: str, key: str, text: str) -> list[dict]:
        """Keep text typed into a JSON field that does not parse: saved with the graph, shown as a
        problem; the config keeps the field's last valid value. One undo step with the field's edits."""
        node = self._nodes[node_id]
        if self.draft(node_id, key) == text:
            return []
        return self.execute(f'edit {key} of {node_id}', [SetConfig(node_id, key, node.config.get(key, MISSING)),
                                                         SetDraft(node_id, key, text)],
                            coalesce=('config', node_id, key))

    def set_name(self, name: str) -> list[dict]:
        """Rename the graph."""
        name = name.strip()
        if not name:
            raise ValueError('a graph needs a name')
        if name == self.name:
            return []
        return self.execute('rename the graph', [SetName(name)])

    def tidy(self) -> list[dict]:
        """Lay the graph out in topological layers, left to right (one step)."""
        positions = layout.tidy_positions(self._nodes, self.dag)
        changes: list[Change] = [MoveNode(node_id, x, y) for node_id, (x, y) in positions.items()
                                 if (self._nodes[node_id].position.x, self._nodes[node_id].position.y) != (x, y)]
        return self.execute('tidy up', changes)

    def tidy_if_stacked(self) -> list[dict]:
        """Tidy up a graph whose nodes all sit at one position (a file written without a layout), as one step."""
        if not layout.is_stacked(self._nodes):
            return []
        positions = layout.tidy_positions(self._nodes, self.dag)
        return self.execute('lay out the stacked nodes', [MoveNode(node_id, x, y) for node_id, (x, y) in positions.items()])

    def become(self, graph: Graph, label: str) -> list[dict]:
        """Make the graph equal to `graph` as one undoable step (restoring a version): only what
        differs changes, so the canvas gets deltas, not a reload."""
        target_nodes = {node.id: node for node in graph.nodes}
        target_edges = {(edge.source, edge.target): edge for edge in graph.edges}
        # A node whose kind or unknown keys differ is replaced: no smaller change can reach it.
        replaced = {node_id for node_id, node in self._nodes.items() if node_id in target_nodes
                    and (target_nodes[node_id].kind, target_nodes[node_id].model_extra) != (node.kind, node.model_extra)}
        gone = [node_id for node_id in self._nodes if node_id not in target_nodes or node_id in replaced]
        gone_set = set(gone)
        changes: list[Change] = [RemoveEdge(*pair) for pair, edge in self._edges.items()
                                 if pair not in target_edges or pair[0] in gone_set or pair[1] in gone_set
                                 or edge != target_edges[pair]]
        changes += [RemoveNode(node_id) for node_id in gone]
        for node in graph.nodes:
            current = None if node.id in gone_set else self._nodes.get(node.id)
            if current is None:
                changes.append(AddNode(node, self._take_order()))
                continue
            if (current.position.x, current.position.y) != (node.position.x, node.position.y):
                changes.append(MoveNode(node.id, node.position.x, node.position.y))
            if current.title != node.title:
                changes.append(SetTitle(node.id, node.title))
            if current.config != node.config or list(current.config) != list(node.config):
                changes.append(ReplaceConfig(node.id, copy.deepcopy(node.config)))
            drafts, target_drafts = current.drafts or {}, node.drafts or {}
            changes += [SetDraft(node.id, key, target_drafts.get(key)) for key in {**drafts, **target_drafts}
                        if drafts.get(key) != target_drafts.get(key)]
        removed_edges = {(change.source, change.target) for change in changes if isinstance(change, RemoveEdge)}
        changes += [AddEdge(edge, self._take_order()) for pair, edge in target_edges.items()
                    if pair not in self._edges or pair in removed_edges]
        if graph.name != self.name:
            changes.append(SetName(graph.name))
        header = {key: value for key, value in graph.to_document().items() if key not in ('name', 'nodes', 'edges')}
        if header != self._header:
            changes.append(SetHeader(header))
        return self.execute(label, changes)

    def copy(self, node_ids: Iterable[str]) -> int:
        """Put the nodes (and the edges between them) on the clipboard; return how many nodes."""
        chosen = [node_id for node_id in dict.fromkeys(node_ids) if node_id in self._nodes]
        inside = set(chosen)
        edges = [(source, target) for source in chosen for target in sorted(self.dag.successors(source))
                 if target in inside]
        self._clipboard = clipboard.Fragment.of([self._nodes[node_id] for node_id in chosen], edges)
        self._pastes = 0
        return len(chosen)

    @property
    def clipboard_size(self) -> int:
        return len(self._clipboard.nodes) if self._clipboard else 0

    def paste(self, fragment: clipboard.Fragment | None = None) -> list[dict]:
        """Paste the clipboard (or `fragment`): fresh ids, shifted a little further at each paste."""
        fragment = fragment or self._clipboard
        if not fragment or not fragment.nodes:
            return []
        self._pastes += 1
        nodes, edges = clipboard.paste(fragment, self.__contains__, offset=clipboard.OFFSET * self._pastes)
        changes: list[Change] = [AddNode(node, self._take_order()) for node in nodes]
        changes += [AddEdge(edge, self._take_order()) for edge in edges]
        return self.execute(f'paste {len(nodes)} node{"s" * (len(nodes) != 1)}', changes)

    def seal(self) -> None:
        """End the current run of typing: the next edit of the same field is a new undo step."""
        self._coalescing = None

    def undo(self) -> list[dict]:
        self.seal()
        if not self._undo:
            return []
        command = self._undo.pop()
        self._redo.append(command)
        return self._emit(command.undo(self))

    def redo(self) -> list[dict]:
        self.seal()
        if not self._redo:
            return []
        command = self._redo.pop()
        self._undo.append(command)
        return self._emit(command.do(self))

    def execute(self, label: str, changes: list[Change], coalesce: tuple | None = None) -> list[dict]:
        """Apply changes as one undoable step (merged into the previous step when `coalesce` matches it)."""
        if not changes:
            return []
        inverses, ops = self._apply_all(changes)
        previous = self._undo[-1] if self._undo else None
        if coalesce is not None and coalesce == self._coalescing and previous is not None \
                and previous.coalesce == coalesce and not self._redo:
            previous.changes = changes  # same single target: the newest value is the whole story
        else:
            self._undo.append(Command(label, changes, inverses, coalesce))
            del self._undo[:-self._history]
        self._coalescing = coalesce
        self._redo.clear()
        return self._emit(ops)

    # Applying changes.
    def _apply_all(self, changes: list[Change]) -> tuple[list[Change], list[dict]]:
        inverses: list[Change] = []
        ops: list[dict] = []
        for change in changes:
            inverse = self._apply(change, ops)
            inverses.append(inverse)
        inverses.reverse()
        for node_id, messages in self.problems.flush().items():
            ops.append({'op': 'update_node', 'id': node_id, 'changes': {'problems': messages}})
        self.revision += 1
        return inverses, _merge(ops)

    def _apply(self, change: Change, ops: list[dict]) -> Change:
        """Make one change, append its canvas deltas to `ops`, and return the change that undoes it."""
        if isinstance(change, AddNode):
            node = change.node.model_copy(deep=True)
            self._nodes[node.id] = node
            self._node_order[node.id] = change.order
            self.dag.add_node(node.id)
            self.problems.node_added(node.id)
            ops.append({'op': 'add_node', 'node': self.view_node(node.id)})
            return RemoveNode(node.id)
        if isinstance(change, RemoveNode):
            node = self._nodes.pop(change.node_id)
            order = self._node_order.pop(change.node_id)
            self.dag.remove_node(change.node_id)
            self.problems.node_removed(change.node_id)
            ops.append({'op': 'remove_node', 'id': change.node_id})
            return AddNode(node, order)
        if isinstance(change, AddEdge):
            pair = (change.edge.source, change.edge.target)
            cycle = self.dag.add_edge(*pair)
            if cycle:  # commands are checked before they are made; this is a bug, not a user error
                raise RuntimeError(f'edge {pair[0]} -> {pair[1]} would close a cycle: {" -> ".join(cycle)}')
            self._edges[pair] = change.edge.model_copy()
            self._edge_order[pair] = change.order
            self.problems.edge_added(*pair)
            ops.append({'op': 'add_edge', 'edge': {'id': edge_id(*pair), 'source': pair[0], 'target': pair[1]}})
            return RemoveEdge(*pair)
        if isinstance(change, RemoveEdge):
            pair = (change.source, change.target)
            edge = self._edges.pop(pair)
            order = self._edge_order.pop(pair)
            self.dag.remove_edge(*pair)
            self.problems.edge_removed(*pair)
            ops.append({'op': 'remove_edge', 'id': edge_id(*pair)})
            return AddEdge(edge, order)
        if isinstance(change, MoveNode):
            node = self._nodes[change.node_id]
            inverse = MoveNode(node.id, node.position.x, node.position.y)
            node.position = Position(x=change.x, y=change.y)
            ops.append({'op': 'update_node', 'id': node.id, 'changes': {'x': change.x, 'y': change.y}})
            return inverse
        if isinstance(change, SetTitle):
            node = self._nodes[change.node_id]
            inverse = SetTitle(node.id, node.title)
            node.title = change.title
            ops.append({'op': 'update_node', 'id': node.id, 'changes': {'title': change.title}})
            return inverse
        if isinstance(change, (SetConfig, ReplaceConfig)):
            node = self._nodes[change.node_id]
            old = node.config.get(change.key, MISSING) if isinstance(change, SetConfig) else MISSING
            if old is MISSING or getattr(change, 'value', None) is MISSING:
                inverse = ReplaceConfig(node.id, copy.deepcopy(node.config))
            else:
                inverse = SetConfig(node.id, change.key, old)
            if isinstance(change, ReplaceConfig):
                node.config = copy.deepcopy(change.config)
            elif change.value is MISSING:
                node.config.pop(change.key, None)
            else:
                node.config[change.key] = copy.deepcopy(change.value)
            self.problems.config_changed(node.id)
            ops.append({'op': 'update_node', 'id': node.id,
                        'changes': {'tier': node.config.get('tier'), 'model': node.config.get('model')}})
            return inverse
        if isinstance(change, SetDraft):
            node = self._nodes[change.node_id]
            drafts = dict(node.drafts or {})
            inverse = SetDraft(node.id, change.key, drafts.get(change.key))
            if change.text is None:
                drafts.pop(change.key, None)
            else:
                drafts[change.key] = change.text
            node.drafts = drafts or None
            self.problems.config_changed(node.id)
            return inverse
        if isinstance(change, SetName):
            inverse = SetName(self.name)
            self.name = change.name
            return inverse
        if isinstance(change, SetHeader):
            inverse = SetHeader(copy.deepcopy(self._header))
            before = self._header.get('annotations', [])
            self._header = copy.deepcopy(change.header)
            if self._header.get('annotations', []) != before:
                ops.append({'op': 'set_annotations', 'annotations': view_annotations(self._header.get('annotations', []))})
            return inverse
        raise TypeError(f'not a change: {change!r}')

    def _emit(self, ops: list[dict]) -> list[dict]:
        for listener in list(self.listeners):
            listener(ops)
        return ops

    def _take_order(self) -> int:
        self._next_order += 1
        return self._next_order


# NOTE: the canvas's one home of annotation sizes (studio/canvas/src/annotation.json): its resize
# handles stop at the same minimum.
_ANNOTATION = json.loads((Path(__file__).parent.parent / 'canvas' / 'src' / 'annotation.json').read_text())
ANNOTATION_SIZES = {kind: (size['width'], size['height']) for kind, size in _ANNOTATION.items()}
"""A new annotation's width and height."""
ANNOTATION_MIN_SIZES = {kind: (size['min_width'], size['min_height']) for kind, size in _ANNOTATION.items()}
"""The smallest an annotation can be resized to: a note keeps two lines of text, a group its label."""


def view_annotations(annotations: list[dict]) -> list[dict]:
    """The canvas's view of annotations (studio/canvas/README.md, `set_annotations`)."""
    return [{'id': annotation['id'], 'type': annotation['type'], 'text': annotation.get('text', ''),
             'x': annotation['position']['x'], 'y': annotation['position']['y'],
             'width': annotation['size']['width'], 'height': annotation['size']['height']}
            for annotation in annotations]


def added_node_ids(ops: list[dict]) -> list[str]:
    """The ids of the nodes a batch of deltas adds (to select what was just pasted or dropped)."""
    return [op['node']['id'] for op in ops if op['op'] == 'add_node']


def _same(old: Any, new: Any) -> bool:
    # 1 == 1.0 == True in Python, but they are different values in a graph file.
    return type(old) is type(new) and old == new


def _merge(ops: list[dict]) -> list[dict]:
    """Fold each node's updates into one delta (or into the node just added), keeping the order of the rest."""
    merged: list[dict] = []
    latest: dict[str, dict] = {}  # node id -> the add_node or update_node delta that later updates join
    for op in ops:
        kind = op['op']
        if kind == 'update_node' and op['id'] in latest:
            target = latest[op['id']]
            (target['node'] if target['op'] == 'add_node' else target['changes']).update(op['changes'])
            continue
        op = {**op, 'changes': dict(op['changes'])} if kind == 'update_node' else op
        if kind in ('add_node', 'update_node'):
            latest[op['node']['id'] if kind == 'add_node' else op['id']] = op
        elif kind == 'remove_node':
            latest.pop(op['id'], None)
        merged.append(op)
    return merged
