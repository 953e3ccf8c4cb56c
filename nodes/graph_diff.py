"""What changed between two versions of a graph, in words a user reads.

Used wherever a stored run meets the graph as it is now: resuming a run is refused when its
graph changed since (naming the changes), and the run history says what changed before a
replay. Pure: no storage, no UI.
"""
from __future__ import annotations

from .graph import Graph


def changes_since(ran: Graph, now: Graph) -> list[str]:
    """What differs between the graph a run ran and the graph now, one phrase per node (and edges)."""
    before = {node.id: node for node in ran.nodes}
    after = {node.id: node for node in now.nodes}
    changes = [f'{node_id} removed' for node_id in before if node_id not in after]
    changes += [f'{node_id} added' for node_id in after if node_id not in before]
    for node_id, node in after.items():
        old = before.get(node_id)
        if old is None:
            continue
        what = [name for name, differs in (('kind', old.kind != node.kind), ('config', old.config != node.config),
                                           ('title', old.title != node.title)) if differs]
        if what:
            changes.append(f'{node_id} ({", ".join(what)}) edited')
    old_edges = {(edge.source, edge.target) for edge in ran.edges}
    new_edges = {(edge.source, edge.target) for edge in now.edges}
    if old_edges != new_edges:
        changes.append('edges changed')
    return changes
