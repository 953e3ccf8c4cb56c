"""What changed between two versions of a graph.

`diff_graphs` is the whole diff, the way a user of git reads one: nodes added, removed and
changed (each changed field with its value before and after), edges added and removed, the
name, description and annotations (the editor's Compare shows it). `changes_since` says, in a
phrase per node, what a stored run would be affected by: a run is refused resuming when its
graph changed since, and History says what changed before a replay. Pure: no storage, no UI.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from nodes.graph import Graph


@dataclass(frozen=True)
class FieldChange:
    path: str  # `title`, `config.prompt`, `position`
    before: Any
    after: Any


@dataclass
class GraphDiff:
    added_nodes: list[str] = field(default_factory=list)
    removed_nodes: list[str] = field(default_factory=list)
    changed_nodes: dict[str, list[FieldChange]] = field(default_factory=dict)
    added_edges: list[str] = field(default_factory=list)
    removed_edges: list[str] = field(default_factory=list)
    graph_changes: list[FieldChange] = field(default_factory=list)  # name, description, annotations…

    @property
    def empty(self) -> bool:
        return not (self.added_nodes or self.removed_nodes or self.changed_nodes or self.added_edges
                    or self.removed_edges or self.graph_changes)

    def summary(self) -> str:
        """`2 nodes added, 1 removed, 3 changed; 1 edge added` (or `no changes`)."""
        parts = []
        node_parts = [f'{len(items)} {word}' for items, word in ((self.added_nodes, 'added'), (self.removed_nodes, 'removed'),
                                                                (self.changed_nodes, 'changed')) if items]
        if node_parts:
            parts.append('nodes: ' + ', '.join(node_parts))
        edge_parts = [f'{len(items)} {word}' for items, word in ((self.added_edges, 'added'), (self.removed_edges, 'removed'))
                      if items]
        if edge_parts:
            parts.append('edges: ' + ', '.join(edge_parts))
        if self.graph_changes:
            parts.append(', '.join(change.path for change in self.graph_changes) + ' changed')
        return '; '.join(parts) or 'no changes'


def _flatten(prefix: str, value: Any) -> dict[str, Any]:
    """`config` → `config.prompt`, `config.tier`… (one level: a config key is the unit a user edits)."""
    if isinstance(value, dict):
        return {f'{prefix}.{key}': item for key, item in value.items()}
    return {prefix: value}


def _node_fields(document: dict) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for key, value in document.items():
        if key == 'id':
            continue
        fields.update(_flatten(key, value) if key in ('config', 'drafts') else {key: value})
    return fields


def _same(before: Any, after: Any) -> bool:
    # 1 and 1.0 and True differ in a graph file: compare as the file has them.
    return json.dumps(before, sort_keys=True) == json.dumps(after, sort_keys=True)


def diff_graphs(before: Graph, after: Graph) -> GraphDiff:
    """The changes that turn `before` into `after`."""
    old_doc, new_doc = before.to_document(), after.to_document()
    old_nodes = {node['id']: node for node in old_doc['nodes']}
    new_nodes = {node['id']: node for node in new_doc['nodes']}
    diff = GraphDiff(added_nodes=[node_id for node_id in new_nodes if node_id not in old_nodes],
                     removed_nodes=[node_id for node_id in old_nodes if node_id not in new_nodes])
    for node_id, node in new_nodes.items():
        if node_id not in old_nodes:
            continue
        old_fields, new_fields = _node_fields(old_nodes[node_id]), _node_fields(node)
        changes = [FieldChange(path, old_fields.get(path), new_fields.get(path))
                   for path in [*old_fields, *(key for key in new_fields if key not in old_fields)]
                   if not _same(old_fields.get(path), new_fields.get(path))]
        if changes:
            diff.changed_nodes[node_id] = changes
    old_edges = [f'{edge["source"]} → {edge["target"]}' for edge in old_doc['edges']]
    new_edges = [f'{edge["source"]} → {edge["target"]}' for edge in new_doc['edges']]
    diff.added_edges = [edge for edge in new_edges if edge not in old_edges]
    diff.removed_edges = [edge for edge in old_edges if edge not in new_edges]
    skip = {'nodes', 'edges', 'version'}
    for key in [*old_doc, *(key for key in new_doc if key not in old_doc)]:
        if key not in skip and not _same(old_doc.get(key), new_doc.get(key)):
            diff.graph_changes.append(FieldChange(key, old_doc.get(key), new_doc.get(key)))
    return diff


RUN_FIELDS = ('kind', 'config', 'title')  # what a run depends on (a move, a note, a draft: no change)


def changes_since(ran: Graph, now: Graph) -> list[str]:
    """What differs between the graph a run ran and the graph now, one phrase per node (and edges)."""
    diff = diff_graphs(ran, now)
    changes = [f'{node_id} removed' for node_id in diff.removed_nodes]
    changes += [f'{node_id} added' for node_id in diff.added_nodes]
    for node_id, fields in diff.changed_nodes.items():
        what = [name for name in RUN_FIELDS
                if any(change.path == name or change.path.startswith(f'{name}.') for change in fields)]
        if what:
            changes.append(f'{node_id} ({", ".join(what)}) edited')
    if diff.added_edges or diff.removed_edges:
        changes.append('edges changed')
    return changes
