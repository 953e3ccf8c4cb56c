"""The editor's live cycle check, against networkx as the oracle."""
import networkx as nx
import pytest
from hypothesis import given, settings, strategies as st

from nodes.dag import LiveDag

NODES = [f'n{i}' for i in range(12)]
edits = st.lists(st.tuples(st.sampled_from(['add', 'add', 'add', 'remove']),
                           st.sampled_from(NODES), st.sampled_from(NODES)), max_size=80)


@settings(max_examples=300, deadline=None)
@given(edits)
def test_live_check_refuses_exactly_the_edges_that_close_a_cycle(steps):
    dag, oracle = LiveDag(NODES), nx.DiGraph()
    oracle.add_nodes_from(NODES)
    for action, source, target in steps:
        if action == 'remove':
            dag.remove_edge(source, target)
            if oracle.has_edge(source, target):
                oracle.remove_edge(source, target)
            continue
        closes_cycle = source == target or nx.has_path(oracle, target, source)
        assert dag.cycle_path(source, target) == dag.add_edge(source, target)
        cycle = dag.cycle_path(source, target) if closes_cycle else None
        if closes_cycle:
            assert cycle[0] == source == cycle[-1] and cycle[1] == target
            assert all(oracle.has_edge(a, b) for a, b in zip(cycle[1:], cycle[2:]))
            assert not dag.has_edge(source, target)
        else:
            oracle.add_edge(source, target)
            assert dag.has_edge(source, target)
        assert nx.is_directed_acyclic_graph(oracle)
    assert {(a, b) for a in NODES for b in NODES if dag.has_edge(a, b)} == set(oracle.edges)


def test_self_loop_and_named_cycle():
    dag = LiveDag(edges=[('plan', 'extract'), ('extract', 'merge')])
    assert dag.add_edge('plan', 'plan') == ['plan', 'plan']
    assert dag.add_edge('merge', 'plan') == ['merge', 'plan', 'extract', 'merge']
    assert not dag.has_edge('merge', 'plan')


def test_removing_a_node_frees_its_edges():
    dag = LiveDag(edges=[('a', 'b'), ('b', 'c')])
    dag.remove_node('b')
    assert dag.add_edge('c', 'a') is None


def test_building_from_a_cyclic_edge_list_is_refused():
    with pytest.raises(ValueError, match='edge b -> a closes a cycle: b -> a -> b'):
        LiveDag(edges=[('a', 'b'), ('b', 'a')])
