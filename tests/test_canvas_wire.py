"""What `Canvas.load` puts on the wire (studio/canvas/canvas.py): view nodes without the keys at the
defaults the browser fills back in (src/view.js, `nodeData`), edges with the usual id as a pair."""
from __future__ import annotations

from studio.canvas.canvas import _compact_edge, _compact_node


def test_a_node_loses_exactly_the_keys_at_their_defaults():
    node = {'id': 'a', 'kind': 'agent', 'title': 'A', 'x': 0, 'y': 0, 'icon': 'smart_toy', 'tier': None,
            'model': None, 'problems': [], 'has_inputs': True, 'has_outputs': True}
    assert _compact_node(node) == {'id': 'a', 'kind': 'agent', 'title': 'A', 'x': 0, 'y': 0, 'icon': 'smart_toy'}
    # a value other than the default is kept, falsy or not
    kept = {'tier': 0, 'model': '', 'problems': ['no prompt'], 'has_inputs': False, 'has_outputs': False, 'state': 'running'}
    assert _compact_node({'id': 'b', **kept}) == {'id': 'b', **kept}


def test_an_edge_with_the_usual_id_goes_as_a_pair_any_other_as_it_is():
    assert _compact_edge({'id': 'a->b', 'source': 'a', 'target': 'b'}) == ['a', 'b']
    odd = {'id': 'custom', 'source': 'a', 'target': 'b'}
    assert _compact_edge(odd) == odd
    ids_with_arrows = {'id': 'x->y->z', 'source': 'x->y', 'target': 'z'}  # the pair keeps them apart
    assert _compact_edge(ids_with_arrows) == ['x->y', 'z']
    extra = {'id': 'a->b', 'source': 'a', 'target': 'b', 'class': 'x'}
    assert _compact_edge(extra) == extra
