"""The diff of two graph versions: nodes added, removed and changed field by field, edges, header."""
from __future__ import annotations

from pathlib import Path

from nodes.validation import load_graph
from studio.editor.state import EditorSession
from nodes.graph_diff import FieldChange, diff_graphs

ROOT = Path(__file__).resolve().parent.parent
BRIEF = load_graph((ROOT / 'assets/examples/competitor-brief.json').read_text())


def test_the_same_graph_has_no_changes():
    diff = diff_graphs(BRIEF, BRIEF.model_copy(deep=True))
    assert diff.empty and diff.summary() == 'no changes'


def test_every_kind_of_change_is_named_with_its_values_before_and_after():
    session = EditorSession(BRIEF)
    session.set_title('plan', 'Chief strategist')
    session.set_config('tidy', 'tier', 2)
    session.move([('report', 900, 40)])
    session.delete(['brief'])
    session.add_node('transform', 0, 0)
    session.connect('transform', 'plan')
    session.set_name('Competitor brief, v2')
    session.add_annotation('note', 10, 10, text='why')
    diff = diff_graphs(BRIEF, session.graph())
    assert diff.added_nodes == ['transform'] and diff.removed_nodes == ['brief']
    assert diff.changed_nodes == {
        'plan': [FieldChange('title', 'Strategist', 'Chief strategist')],
        'tidy': [FieldChange('config.tier', 3, 2)],
        'report': [FieldChange('position', {'x': 780, 'y': 0}, {'x': 900, 'y': 40})]}
    assert diff.added_edges == ['transform → plan'] and diff.removed_edges == ['brief → plan']
    assert [change.path for change in diff.graph_changes] == ['name', 'annotations']
    assert diff.summary() == 'nodes: 1 added, 1 removed, 3 changed; edges: 1 added, 1 removed; name, annotations changed'


def test_a_number_that_changes_type_is_a_change():
    session = EditorSession(BRIEF)
    session.set_config('tidy', 'tier', 3.0)
    assert diff_graphs(BRIEF, session.graph()).changed_nodes == {'tidy': [FieldChange('config.tier', 3, 3.0)]}
