"""The editing session: every edit undoes and redoes, cycles are refused live, problems stay exact."""
from __future__ import annotations

import json
import random
import sys
from collections import defaultdict
from pathlib import Path

import pytest

from nodes.graph import Graph
from nodes.validation import load_graph, validate_graph
from studio.editor.clipboard import rename_references
from studio.editor.layout import layers
from studio.editor.problems import display_message
from studio.editor.state import ANNOTATION_MIN_SIZES, MISSING, EdgeRefused, EditorSession, added_node_ids

ROOT = Path(__file__).resolve().parent.parent


def brief_graph() -> Graph:
    return load_graph((ROOT / 'assets/examples/competitor-brief.json').read_text())


def chain(*ids: str) -> Graph:
    """Agents a → b → c … whose prompts read their predecessor."""
    nodes = [{'id': node_id, 'kind': 'agent', 'title': node_id.title(), 'position': {'x': 100 * index, 'y': 0},
              'config': {'prompt': f'Continue {{{{ {ids[index - 1]} }}}}' if index else 'Start'}}
             for index, node_id in enumerate(ids)]
    edges = [{'source': source, 'target': target} for source, target in zip(ids, ids[1:])]
    return Graph.model_validate({'name': 'Chain', 'nodes': nodes, 'edges': edges})


def problems_by_node(session: EditorSession) -> dict[str, list[str]]:
    return {node_id: [p.message for p in session.node_problems(node_id)]
            for node_id in session.node_ids() if session.node_problems(node_id)}


def full_validation(session: EditorSession) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = defaultdict(list)
    for problem in validate_graph(session.graph()):
        grouped[problem.node_id].append(problem.message)
    return dict(grouped)


def test_a_session_gives_back_the_graph_it_was_given():
    graph = brief_graph()
    assert EditorSession(graph).graph().dumps() == graph.dumps()


def test_unknown_top_level_and_node_keys_survive_editing():
    document = brief_graph().to_document()
    document['x_team'] = 'research'
    document['nodes'][0]['x_note'] = 'keep me'
    session = EditorSession(Graph.model_validate(document))
    session.move([('plan', 300, 20)])
    saved = session.graph().to_document()
    assert saved['x_team'] == 'research' and saved['nodes'][0]['x_note'] == 'keep me'


def test_adding_a_node_uses_the_kind_starter_config_and_a_fresh_id():
    session = EditorSession(brief_graph())
    first = session.add_node('agent', 10.4, 20.6)
    second = session.add_node('agent', 0, 0)
    assert added_node_ids(first) == ['agent'] and added_node_ids(second) == ['agent_2']
    node = first[0]['node']
    assert (node['x'], node['y'], node['title'], node['icon']) == (10, 21, 'Agent', 'smart_toy')
    assert session.node('agent').config == {'tier': 'auto', 'prompt': 'Describe the task for this agent.'}
    assert node['has_inputs'] and node['has_outputs']


def test_an_unknown_kind_is_refused():
    with pytest.raises(KeyError):
        EditorSession(brief_graph()).add_node('teleporter', 0, 0)


def test_connect_adds_the_edge_and_sends_only_that_edge():
    session = EditorSession(brief_graph())
    ops = session.connect('brief', 'tidy')
    assert ops == [{'op': 'add_edge', 'edge': {'id': 'brief->tidy', 'source': 'brief', 'target': 'tidy'}}]
    assert session.has_edge('brief', 'tidy')


def test_an_edge_closing_a_cycle_is_refused_naming_the_cycle():
    session = EditorSession(chain('plan', 'extract', 'merge'))
    with pytest.raises(EdgeRefused) as refused:
        session.connect('merge', 'plan')
    assert refused.value.message == 'would close a cycle: plan → extract → merge → plan'
    assert refused.value.path == ['plan', 'extract', 'merge', 'plan']
    assert not session.has_edge('merge', 'plan') and not session.can_redo
    assert session.graph().dumps() == chain('plan', 'extract', 'merge').dumps()


@pytest.mark.parametrize(('source', 'target', 'message'), [
    ('plan', 'plan', 'would close a cycle: plan → plan'),
    ('brief', 'plan', 'brief → plan is already connected'),
    ('report', 'tidy', 'cannot connect report → tidy: "report" is an output node, which has no outputs'),
    ('plan', 'brief', 'cannot connect plan → brief: "brief" is an input node, which takes no inputs'),
    ('plan', 'ghost', 'cannot connect plan → ghost: there is no node "ghost"'),
])
def test_self_loops_duplicates_and_wrong_ports_are_refused(source, target, message):
    session = EditorSession(brief_graph())
    with pytest.raises(EdgeRefused, match=message):
        session.connect(source, target)
    assert session.edges() == brief_graph_edges() and not session.can_undo


def brief_graph_edges():
    return [(edge.source, edge.target) for edge in brief_graph().edges]


def test_deleting_a_node_takes_its_edges_and_undo_puts_everything_back_in_place():
    session = EditorSession(brief_graph())
    ops = session.delete(['plan'])
    assert [op['op'] for op in ops][:3] == ['remove_edge', 'remove_edge', 'remove_node']
    assert 'plan' not in session and session.edges() == [('tidy', 'report')]
    assert session.undo_label == 'delete 1 node'
    session.undo()
    assert session.graph().dumps() == brief_graph().dumps()
    session.redo()
    assert 'plan' not in session


def test_deleting_edges_by_canvas_id():
    session = EditorSession(brief_graph())
    ops = session.delete(edges=['plan->tidy', 'no->such'])
    assert ops[0] == {'op': 'remove_edge', 'id': 'plan->tidy'}
    assert not session.has_edge('plan', 'tidy')


def test_undo_and_redo_walk_through_every_kind_of_edit():
    original = brief_graph()
    session = EditorSession(original)
    edits = [
        lambda: session.add_node('agent', 500, 300),
        lambda: session.move([('agent', 520, 320), ('plan', 260, 40)]),
        lambda: session.connect('plan', 'agent'),
        lambda: session.set_title('agent', 'Critic'),
        lambda: session.set_config('agent', 'prompt', 'Critique {{ plan.steps }}'),
        lambda: session.set_config('agent', 'output_schema', {'type': 'object'}),
        lambda: session.set_config('plan', 'tier', 2),
        lambda: session.set_config('tidy', 'tier', MISSING),
        lambda: session.disconnect('tidy', 'report'),
        lambda: session.set_name('Competitor brief, reviewed'),
        lambda: session.copy(['agent']) and session.paste(),
        lambda: session.tidy(),
        lambda: session.delete(['tidy']),
    ]
    snapshots = [original.dumps()]
    for edit in edits:
        session.seal()
        edit()
        snapshots.append(session.graph().dumps())
    assert len(set(snapshots)) == len(snapshots), 'every edit changed the graph'
    for expected in reversed(snapshots[:-1]):
        session.undo()
        assert session.graph().dumps() == expected
    assert not session.can_undo and session.undo() == []
    for expected in snapshots[1:]:
        session.redo()
        assert session.graph().dumps() == expected
    assert not session.can_redo


def test_a_new_edit_after_undo_drops_the_redo_history():
    session = EditorSession(brief_graph())
    session.move([('plan', 0, 300)])
    session.undo()
    session.set_title('plan', 'Planner')
    assert not session.can_redo and session.redo() == []


def test_typing_in_one_field_is_one_undo_step():
    session = EditorSession(brief_graph())
    before = session.node('plan').config['prompt']
    for text in ('P', 'Pl', 'Pla', 'Plan {{ brief.company }}'):
        session.set_config('plan', 'prompt', text)
    session.set_title('tidy', 'Tidy')
    session.set_title('tidy', 'Tidy up')
    session.undo()
    assert session.node('tidy').title == 'Formatter'
    session.undo()
    assert session.node('plan').config['prompt'] == before
    session.redo()
    assert session.node('plan').config['prompt'] == 'Plan {{ brief.company }}'


def test_sealing_or_another_edit_starts_a_new_undo_step():
    session = EditorSession(brief_graph())
    session.set_config('plan', 'prompt', 'first')
    session.seal()  # the field lost focus
    session.set_config('plan', 'prompt', 'second')
    session.set_config('plan', 'system', 'be brief')
    session.set_config('plan', 'prompt', 'third')
    session.undo()
    assert session.node('plan').config['prompt'] == 'second'
    session.undo()
    assert session.node('plan').config['system'] == 'You are a strategist.'
    session.undo()
    assert session.node('plan').config['prompt'] == 'first'


def test_setting_the_same_value_again_is_not_an_edit():
    session = EditorSession(brief_graph())
    assert session.set_config('plan', 'tier', 1) == []
    assert session.set_title('plan', 'Strategist') == []
    assert session.move([('plan', 260, 0)]) == []
    assert not session.can_undo
    assert session.set_config('plan', 'tier', True) != [], 'True is not the tier 1'


def test_problems_follow_edits_and_reach_the_canvas_as_the_user_types():
    session = EditorSession(chain('plan', 'extract', 'merge'))
    ops = session.set_config('plan', 'prompt', 'Use {{ merge }}')
    assert ops[0]['changes']['problems'] == [
        'prompt refers to "merge", which is not upstream of "plan"; draw a path merge -> … -> plan or remove the reference']
    ops = session.set_config('plan', 'prompt', 'Use {{ merge')
    assert 'syntax error' in ops[0]['changes']['problems'][0]
    ops = session.set_config('plan', 'prompt', 'Fine')
    assert ops[0]['changes']['problems'] == []


def test_removing_an_edge_marks_the_references_it_carried_and_restoring_it_clears_them():
    session = EditorSession(chain('plan', 'extract', 'merge'))
    session.set_config('merge', 'prompt', 'All of {{ plan }} and {{ extract }}')
    ops = session.disconnect('plan', 'extract')
    updated = {op['id']: op['changes']['problems'] for op in ops if op['op'] == 'update_node'}
    assert set(updated) == {'extract', 'merge'}
    assert updated['merge'] == [
        'prompt refers to "plan", which is not upstream of "merge"; draw a path plan -> … -> merge or remove the reference']
    ops = session.undo()
    assert {op['id'] for op in ops if op['op'] == 'update_node'} == {'extract', 'merge'}
    assert problems_by_node(session) == {}


def test_deleting_a_referenced_node_makes_an_unknown_reference_and_undo_clears_it():
    session = EditorSession(brief_graph())
    session.delete(['plan'])
    assert problems_by_node(session) == {
        'tidy': ['node "tidy": prompt refers to "plan", but there is no node "plan"']}
    session.undo()
    assert problems_by_node(session) == {}


def test_only_nodes_whose_problems_changed_are_pushed():
    session = EditorSession(chain('a', 'b', 'c', 'd'))
    ops = session.set_title('b', 'Bee')
    assert ops == [{'op': 'update_node', 'id': 'b', 'changes': {'title': 'Bee'}}]
    ops = session.connect('a', 'c')
    assert ops == [{'op': 'add_edge', 'edge': {'id': 'a->c', 'source': 'a', 'target': 'c'}}]


def test_incremental_problems_always_equal_a_full_validation():
    rng = random.Random(7)
    session = EditorSession(chain('a', 'b', 'c', 'd', 'e'))
    for step in range(300):
        ids = session.node_ids()
        action = rng.choice(('connect', 'disconnect', 'prompt', 'add', 'delete', 'undo', 'redo', 'schema'))
        if action == 'connect' and len(ids) > 1:
            try:
                session.connect(*rng.sample(ids, 2))
            except EdgeRefused:
                pass
        elif action == 'disconnect' and session.edges():
            session.disconnect(*rng.choice(session.edges()))
        elif action == 'prompt' and ids:
            names = rng.sample(ids + ['ghost'], min(2, len(ids) + 1))
            node_id = rng.choice(ids)
            if session.node(node_id).kind == 'agent':
                session.set_config(node_id, 'prompt', ' '.join(f'{{{{ {name} }}}}' for name in names) or 'x')
        elif action == 'add':
            session.add_node('agent', 0, 0)
        elif action == 'delete' and len(ids) > 2:
            session.delete([rng.choice(ids)])
        elif action == 'undo':
            session.undo()
        elif action == 'redo':
            session.redo()
        elif action == 'schema' and ids and session.node(ids[0]).kind == 'agent':
            session.set_config(ids[0], 'output_schema', rng.choice(({'type': 'object'}, {'type': 'nope'}, MISSING)))
        assert problems_by_node(session) == full_validation(session), f'after step {step}: {action}'


def test_paste_gives_fresh_ids_offsets_and_rewires_references_inside_the_fragment():
    session = EditorSession(brief_graph())
    assert session.copy(['plan', 'tidy', 'ghost']) == 2
    ops = session.paste()
    assert added_node_ids(ops) == ['plan_2', 'tidy_2']
    assert {'op': 'add_edge', 'edge': {'id': 'plan_2->tidy_2', 'source': 'plan_2', 'target': 'tidy_2'}} in ops
    assert session.node('tidy_2').config['prompt'] == 'Format as a numbered list: {{ plan_2.steps }}'
    assert session.node('plan_2').config['prompt'] == 'Plan a competitive analysis of {{ brief.company }}.'
    assert (session.node('plan_2').position.x, session.node('plan_2').position.y) == (300, 40)
    assert added_node_ids(session.paste()) == ['plan_3', 'tidy_3']
    assert (session.node('plan_3').position.x, session.node('plan_3').position.y) == (340, 80)
    session.undo()
    session.undo()
    assert session.graph().dumps() == brief_graph().dumps()


def test_the_clipboard_holds_a_copy_not_the_live_nodes():
    session = EditorSession(brief_graph())
    session.copy(['plan'])
    session.set_title('plan', 'Changed after copying')
    session.paste()
    assert session.node('plan_2').title == 'Strategist'


def test_pasting_an_empty_clipboard_does_nothing():
    session = EditorSession(brief_graph())
    assert session.paste() == [] and not session.can_undo


@pytest.mark.parametrize(('source', 'expected'), [
    ('{{ plan.steps }}', '{{ plan_2.steps }}'),
    ('{% for s in plan.steps %}{{ s }} {{ x.plan }}{% endfor %}\n', '{% for s in plan_2.steps %}{{ s }} {{ x.plan }}{% endfor %}\n'),
    ('plan {# plan #} {{ brief["plan"] }}', 'plan {# plan #} {{ brief["plan"] }}'),
    ('{{ plan', '{{ plan'),
])
def test_rename_references_touches_names_only(source, expected):
    assert rename_references(source, {'plan': 'plan_2'}) == expected


def test_tidy_up_points_every_edge_right_and_is_one_step():
    session = EditorSession(chain('a', 'b', 'c'))
    session.add_node('agent', -500, 900)
    session.connect('a', 'agent')
    session.connect('agent', 'c')
    session.move([('c', -900, -900)])
    session.tidy()
    x = {node_id: session.node(node_id).position.x for node_id in session.node_ids()}
    assert all(x[source] < x[target] for source, target in session.edges())
    assert x['b'] == x['agent']  # the same layer
    assert session.undo_label == 'tidy up'
    session.undo()
    assert (session.node('c').position.x, session.node('c').position.y) == (-900, -900)


def test_layers_follow_the_longest_upstream_path():
    session = EditorSession(brief_graph())
    session.connect('brief', 'tidy')
    assert layers(session.node_ids(), session.dag) == [['brief'], ['plan'], ['tidy'], ['report']]


def test_renaming_the_graph_is_an_edit_and_an_empty_name_is_refused():
    session = EditorSession(brief_graph())
    session.set_name('  Rivals  ')
    assert session.graph().name == 'Rivals'
    with pytest.raises(ValueError, match='needs a name'):
        session.set_name('  ')
    session.undo()
    assert session.graph().name == 'Competitor brief'


def test_listeners_receive_every_delta_undo_included():
    session = EditorSession(brief_graph())
    received = []
    session.listeners.append(received.append)
    session.set_title('plan', 'Planner')
    session.undo()
    assert received == [[{'op': 'update_node', 'id': 'plan', 'changes': {'title': 'Planner'}}],
                        [{'op': 'update_node', 'id': 'plan', 'changes': {'title': 'Strategist'}}]]


def test_revision_counts_changes_for_the_autosaver():
    session = EditorSession(brief_graph())
    start = session.revision
    session.set_title('plan', 'Planner')
    session.undo()
    assert session.revision == start + 2


def test_display_message_drops_the_node_prefix():
    problem = validate_graph(Graph.model_validate({'name': 'x', 'nodes': [
        {'id': 'a', 'kind': 'agent', 'config': {'prompt': '{{ b }}'}}], 'edges': []}))[0]
    assert display_message(problem) == 'prompt refers to "b", but there is no node "b"'


def test_an_edit_of_a_large_graph_sends_only_what_changed():
    sys.path.insert(0, str(ROOT / 'benchmarks'))
    from generate import generate_graph
    session = EditorSession(generate_graph(2400))
    assert problems_by_node(session) == {}
    ops = session.set_config('a00100', 'prompt', 'Summarise {{ result }}')
    assert [op['id'] for op in ops] == ['a00100'] and len(ops[0]['changes']['problems']) == 1
    ops = session.delete(['a00050'])
    assert sum(op['op'] == 'remove_node' for op in ops) == 1 and len(ops) < 30
    session.undo()
    assert problems_by_node(session) == {'a00100': [
        'node "a00100": prompt refers to "result", which is not upstream of "a00100"; draw a path result -> … -> '
        'a00100 or remove the reference']}


# -- drafts: JSON typed into a field that does not parse is kept, not lost ------------------------

def test_json_that_does_not_parse_is_kept_as_a_draft_and_counted_as_a_problem():
    session = EditorSession(brief_graph())
    before = session.problems.count
    schema = session.node('tidy').config.get('output_schema', MISSING)
    session.set_draft('tidy', 'output_schema', '{"type": "object",')
    assert session.draft('tidy', 'output_schema') == '{"type": "object",'
    assert session.node('tidy').config.get('output_schema', MISSING) == schema  # the last valid value stays
    [problem] = [p for p in session.node_problems('tidy') if p.field == 'output_schema']
    assert problem.code == 'json_draft' and 'not valid JSON' in problem.message and 'draft' in problem.message
    assert session.problems.count == before + 1
    assert problems_by_node(session) == full_validation(session)

    # the draft is part of the graph: saved, and back after a reload (a version is the same text)
    text = session.graph().dumps()
    reloaded = EditorSession(Graph.model_validate_json(text))
    assert reloaded.draft('tidy', 'output_schema') == '{"type": "object",'
    assert reloaded.problems.count == before + 1
    assert '"drafts": {\n        "output_schema": "{\\"type\\": \\"object\\","\n      }' in text


def test_fixing_a_draft_applies_the_value_and_undo_brings_back_each_step():
    session = EditorSession(brief_graph())
    original = session.node('tidy').config.get('output_schema', MISSING)
    session.set_config('tidy', 'output_schema', {'type': 'object'})
    session.seal()
    session.set_draft('tidy', 'output_schema', '{"type": "array",')
    session.seal()
    session.set_config('tidy', 'output_schema', {'type': 'array'})
    assert session.draft('tidy', 'output_schema') is None and session.node('tidy').drafts is None
    assert session.node('tidy').config['output_schema'] == {'type': 'array'}
    assert all('drafts' not in node for node in session.graph().to_document()['nodes'])
    session.undo()
    assert session.draft('tidy', 'output_schema') == '{"type": "array",'
    assert session.node('tidy').config['output_schema'] == {'type': 'object'}
    session.undo()
    assert session.draft('tidy', 'output_schema') is None
    session.undo()
    assert session.node('tidy').config.get('output_schema', MISSING) == original
    assert problems_by_node(session) == full_validation(session)


def test_typing_through_a_draft_in_one_step_undoes_the_value_and_the_draft():
    # Typing merges steps on one field; the merged step must undo the draft and the value alike.
    session = EditorSession(brief_graph())
    original = session.node('tidy').config.get('output_schema', MISSING)
    session.set_config('tidy', 'output_schema', {'type': 'object'})
    session.set_draft('tidy', 'output_schema', '{"type": "object", ')
    session.undo()
    assert session.draft('tidy', 'output_schema') is None
    assert session.node('tidy').config.get('output_schema', MISSING) == original


def test_unknown_keys_holding_null_survive_an_edit_session():
    document = json.loads((Path(__file__).parents[1] / 'assets/examples/competitor-brief.json').read_text())
    document['reviewed_by'] = None
    document['edges'][0]['note'] = None
    document['nodes'][0]['note'] = None
    graph = load_graph(json.dumps(document))
    assert EditorSession(graph).graph().dumps() == graph.dumps()
    assert json.loads(graph.dumps())['reviewed_by'] is None


def test_becoming_another_version_is_one_undoable_step_of_deltas():
    session = EditorSession(brief_graph())
    target = session.graph().model_copy(deep=True)
    session.move([('plan', 900, 900)])
    session.set_title('tidy', 'Tidier')
    session.delete(['report'])
    session.add_node('agent', 10, 10)
    session.connect('tidy', 'agent')
    before = session.graph().dumps()
    ops = session.become(target, 'restore version 1')
    assert session.graph().dumps() == target.dumps()
    assert {'op': 'update_node', 'id': 'plan', 'changes': {'x': 260, 'y': 0}} in ops
    assert {'op': 'remove_node', 'id': 'agent'} in ops
    assert any(op['op'] == 'add_node' and op['node']['id'] == 'report' for op in ops)
    assert session.undo_label == 'restore version 1'
    session.undo()
    assert session.graph().dumps() == before
    session.redo()
    assert session.graph().dumps() == target.dumps()


def test_becoming_a_version_restores_config_name_description_and_replaces_a_changed_kind():
    session = EditorSession(brief_graph())
    target = session.graph().model_copy(deep=True)
    session.set_config('plan', 'temperature', 0.9)
    session.set_name('Renamed')
    document = target.to_document()
    document['description'] = 'Restored description'
    target = Graph.model_validate(document)
    session.become(target, 'restore')
    assert session.graph().dumps() == target.dumps()
    assert session.become(target, 'again') == []


def test_becoming_a_version_brings_back_its_drafts_and_undo_takes_them_away():
    session = EditorSession(brief_graph())
    session.set_draft('tidy', 'output_schema', '{"type": "object",')
    with_draft = session.graph().model_copy(deep=True)
    session.set_draft('tidy', 'output_schema', None)
    assert session.draft('tidy', 'output_schema') is None
    session.become(with_draft, 'restore version 2')
    assert session.draft('tidy', 'output_schema') == '{"type": "object",'
    assert session.graph().dumps() == with_draft.dumps()
    session.undo()
    assert session.draft('tidy', 'output_schema') is None


def test_a_node_added_from_a_dropped_edge_comes_connected_in_one_undoable_edit():
    session = EditorSession(chain('a', 'b'))
    ops = session.add_connected('agent', 400, 80, source='b')
    [new] = added_node_ids(ops)
    assert session.has_edge('b', new) and session.node(new).position.x == 400
    session.undo()
    assert new not in session.node_ids() and session.edges() == [('a', 'b')]
    [upstream] = added_node_ids(session.add_connected('input', -300, 0, target='a'))
    assert session.has_edge(upstream, 'a')


def test_a_node_that_cannot_take_the_dropped_edge_is_refused_and_nothing_is_added():
    session = EditorSession(chain('a'))
    before = session.graph().dumps()
    with pytest.raises(EdgeRefused, match='takes no inputs'):
        session.add_connected('input', 300, 0, source='a')
    with pytest.raises(EdgeRefused, match='has no outputs'):
        session.add_connected('output', -300, 0, target='a')
    assert session.graph().dumps() == before and not session.can_undo


def test_an_inserted_fragment_lands_with_its_top_left_at_the_point_and_fresh_ids():
    from studio.editor.clipboard import Fragment
    source = brief_graph()
    session = EditorSession(brief_graph())
    ops = session.insert(Fragment.of(source.nodes, [(edge.source, edge.target) for edge in source.edges]), 1000, 500)
    added = added_node_ids(ops)
    assert len(added) == len(source.nodes) and not set(added) & {node.id for node in source.nodes}
    positions = [session.node(node_id).position for node_id in added]
    assert min(p.x for p in positions) == 1000 and min(p.y for p in positions) == 500
    assert len(session.edges()) == 2 * len(source.edges)
    session.undo()
    assert session.graph().dumps() == brief_graph().dumps()


def test_notes_and_groups_are_added_edited_moved_and_deleted_as_undoable_edits_saved_in_the_graph():
    session = EditorSession(brief_graph())
    ops = session.add_annotation('note', 10.4, 200, text='Tier 1: keep it short')
    assert ops == [{'op': 'set_annotations', 'annotations': [
        {'id': 'note', 'type': 'note', 'text': 'Tier 1: keep it short', 'x': 10, 'y': 200, 'width': 220, 'height': 120}]}]
    session.add_annotation('group', -20, -20)
    session.set_annotation_text('group', 'Planning')
    session.move_annotations([('note', 40, 220)])
    saved = session.graph()
    assert [(a.id, a.type, a.text, a.position.x) for a in saved.annotations] == [
        ('note', 'note', 'Tier 1: keep it short', 40), ('group', 'group', 'Planning', -20)]
    assert load_graph(saved.dumps()).dumps() == saved.dumps()  # a valid version 2 file
    session.delete(['plan'], annotations=['group'])  # one step with nodes
    assert [a.id for a in session.graph().annotations] == ['note'] and 'plan' not in session
    session.undo()
    assert 'plan' in session and [a.id for a in session.graph().annotations] == ['note', 'group']
    for _ in range(4):
        session.undo()
    assert 'annotations' not in json.loads(session.graph().dumps())  # back to none: no key left behind
    assert session.view()[2] == []


def test_a_resize_is_one_undoable_edit_of_size_and_position_never_below_the_minimum():
    session = EditorSession(brief_graph())
    session.add_annotation('note', 100, 200)
    session.add_annotation('group', 0, 0)
    ops = session.resize_annotation('note', 60.4, 180, 300.2, 150)  # from the top-left corner
    assert ops == [{'op': 'set_annotations', 'annotations': [
        {'id': 'note', 'type': 'note', 'text': 'Note', 'x': 60, 'y': 180, 'width': 300, 'height': 150},
        {'id': 'group', 'type': 'group', 'text': 'Group', 'x': 0, 'y': 0, 'width': 520, 'height': 300}]}]
    assert session.undo_label == 'resize note'
    saved = load_graph(session.graph().dumps())  # a valid file that keeps the size
    assert (saved.annotations[0].size.width, saved.annotations[0].size.height) == (300, 150)

    session.resize_annotation('group', 0, 0, 5, -40)  # shrunk past its minimum: stops there
    min_width, min_height = ANNOTATION_MIN_SIZES['group']
    assert session.annotations()[1]['size'] == {'width': min_width, 'height': min_height}
    assert min_width >= 120 and min_height >= 40  # room for the label
    assert session.resize_annotation('group', 0, 0, min_width - 50, 1) == []  # already as small as it gets
    assert session.resize_annotation('nothing', 0, 0, 300, 300) == []

    session.undo()
    assert session.annotations()[1]['size'] == {'width': 520, 'height': 300}
    session.undo()
    assert session.annotations()[0]['position'] == {'x': 100, 'y': 200}
    assert session.annotations()[0]['size'] == {'width': 220, 'height': 120}
    session.redo()
    assert session.annotations()[0]['size'] == {'width': 300, 'height': 150}
